// The staff sign-in page ("Área dos servidores"): signing in returns to the console. Nothing is gated at
// the edge any more (README, "Who decides who is staff"): each staff page shows this same panel itself
// when its API answers 401; a page served under another address would return there.

import "./shell.js";
import { showSignIn } from "./session.js";
import { ticketFromLink } from "./stored.js";

// A citizen's notice link that names this page (`entrar.html#u=…&t=…`): the waiting page takes it. The
// fragment goes along in the browser only (no server sees it).
if (ticketFromLink()) window.location.replace(`/${window.location.hash}`);

const asked = `${window.location.pathname}${window.location.search}`;
showSignIn(
  document.querySelector("#entrar"),
  document.querySelector("#link-entrar"),
  window.location.pathname === "/entrar.html" ? "/servidor.html" : asked,
);
