// The "Sobre" page (the Teams app's about tab, and its privacy and terms pages): text, and, under
// "Privacidade", each court's controller and data protection officer (encarregado) as the API gives them
// in the units' summaries (from the configuration, issue 16); inside Teams it follows the Teams theme.
import "./shell.js";
import { api } from "./api.js";
import { $, h, replace } from "./dom.js";
import { encarregadoText } from "./privacy.js";
import { startTeams } from "./teams.js";

startTeams();

/** One entry per court, in the order of the units' list: {court, controller, encarregado}. */
function courtsOf(units) {
  const courts = new Map();
  for (const unit of units) {
    if (unit.privacy && !courts.has(unit.court.id)) courts.set(unit.court.id, { court: unit.court.name, ...unit.privacy });
  }
  return [...courts.values()];
}

async function showControllers() {
  const place = $("#responsaveis");
  try {
    const { data } = await api("/units");
    const courts = courtsOf(data.units || []);
    replace(place, h("dl", { class: "dados" }, ...courts.flatMap((c) => [
      h("dt", { text: c.court }),
      h("dd", {}, h("p", { text: `Responsável pelos dados (controlador): ${c.controller}.` }),
        h("p", { text: encarregadoText(c.encarregado) })),
    ])));
  } catch {
    replace(place, h("p", { text: "Não foi possível carregar os contatos agora. Consulte o site do tribunal." }));
  }
}

showControllers();
