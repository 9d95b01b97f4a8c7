// The page the Static Web App shows (staticwebapp.config.json, responseOverrides 401) instead of a staff
// page to someone not signed in. The address bar still shows the page asked for: sign-in returns there.

import "./shell.js";
import { showSignIn } from "./session.js";

const asked = `${window.location.pathname}${window.location.search}`;
showSignIn(
  document.querySelector("#entrar"),
  document.querySelector("#link-entrar"),
  window.location.pathname === "/entrar.html" ? "/servidor.html" : asked,
);
