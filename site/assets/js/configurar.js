// The configuration page of the Teams app's channel tab (appPackage/manifest.json, configurableTabs):
// the team picks one unit, and the tab becomes that unit's console (servidor.html?unidade=…&teams=1).
// Teams enables its Save button once a unit is chosen (pages.config.setValidityState) and, on Save, this
// page gives it the tab's address (pages.config.setConfig). Outside Teams it points to the console.

import "./shell.js";
import { h, $, replace } from "./dom.js";
import { signedInStaff, teamsSession } from "./staff.js";

async function main() {
  const me = await signedInStaff({ returnTo: "/servidor.html" }).catch(() => null);
  const session = teamsSession();
  $("#carregando").hidden = true;
  if (!session) {
    $("#entrar").hidden = false;
    return;
  }
  if (!me) return;
  const teams = session.teams;
  const units = me.units || [];
  const select = $("#unidade-canal");
  replace(select, h("option", { value: "", text: units.length ? "Escolha a unidade" : "Nenhuma unidade para a sua conta" }),
    units.map((u) => h("option", { value: u.id, text: u.name })));
  $("#form-configurar").hidden = false;
  const update = () => {
    teams.pages.config.setValidityState(Boolean(select.value));
    $("#configurar-estado").textContent = select.value ? "Pronto: clique em Salvar no Teams." : "";
  };
  select.addEventListener("change", update);
  $("#form-configurar").addEventListener("submit", (ev) => ev.preventDefault());
  teams.pages.config.registerOnSaveHandler(async (event) => {
    const unit = units.find((u) => u.id === select.value);
    if (!unit) {
      event.notifyFailure("Escolha a unidade.");
      return;
    }
    const base = `${window.location.origin}/servidor.html?unidade=${encodeURIComponent(unit.id)}`;
    try {
      await teams.pages.config.setConfig({
        entityId: `fila-${unit.id}`,
        contentUrl: `${base}&teams=1`,
        websiteUrl: base,
        suggestedDisplayName: `Fila — ${unit.name}`.slice(0, 128),
      });
      event.notifySuccess();
    } catch (err) {
      event.notifyFailure(String(err && err.message ? err.message : err));
    }
  });
  update();
}

main();
