// Who is at a staff page (console, Serventias, dashboard, channel-tab configuration), written once:
// inside Teams the tab signs in with Teams SSO (teams.js); outside, with the Static Web App's sign-in
// (session.js). A 401 shows the sign-in panel outside Teams, and inside Teams says that the Teams
// identity was not accepted (there is no sign-in page to go to inside a tab).

import { api, ApiError } from "./api.js";
import { h, $, focusElement } from "./dom.js";
import { showSignIn } from "./session.js";
import { startTeams } from "./teams.js";

const TEAMS_REFUSED = "O Teams não enviou uma identificação válida para o Balcão Virtual. " +
  "Feche e abra a aba; se continuar, avise a equipe de TI do tribunal.";

let teams = null;

/** The Teams session (teams.js) of this page, or null outside Teams. */
export function teamsSession() {
  return teams;
}

/**
 * Start the page: Teams (when it is a tab), then `GET /api/clerk/me`. Returns the staff member, or
 * null after showing how to sign in. `hide` is hidden on a 401.
 */
export async function signedInStaff({ returnTo, hide = null }) {
  teams = await startTeams();
  try {
    return (await api("/clerk/me")).data;
  } catch (err) {
    const loading = $("#carregando");
    if (loading) loading.hidden = true;
    if (err instanceof ApiError && err.status === 401) {
      askToSignIn(returnTo, err, hide);
      return null;
    }
    throw err;
  }
}

/** After a 401: the Static Web Apps sign-in outside Teams; inside, a notice (with the API's reason). */
export function askToSignIn(returnTo, err, hide = null) {
  if (hide) hide.hidden = true;
  if (!teams) {
    showSignIn($("#entrar"), $("#link-entrar"), returnTo);
    return;
  }
  let notice = $("#entrar-teams");
  if (!notice) {
    notice = h("section", { id: "entrar-teams", class: "aviso erro", "aria-labelledby": "entrar-teams-titulo" },
      h("h2", { id: "entrar-teams-titulo", text: "Não foi possível confirmar sua conta pelo Teams" }),
      h("p", { id: "entrar-teams-texto" }));
    $("#entrar").after(notice);
  }
  $("#entrar-teams-texto").textContent = err && err.message ? `${TEAMS_REFUSED} Resposta do servidor: ${err.message}` : TEAMS_REFUSED;
  notice.hidden = false;
  focusElement($("#entrar-teams-titulo"));
}
