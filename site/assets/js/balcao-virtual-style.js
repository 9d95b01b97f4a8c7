// The widget's style, as a constructed stylesheet adopted by its shadow root: no <style> element and no
// style attribute, so a court's strict Content-Security-Policy (no 'unsafe-inline') does not block it.
// Colours are the site's (every pair meets WCAG 2.1 AA); forced colours and "more contrast" are honoured,
// and nothing moves when the person asked for reduced motion.

const CSS = `
:host { display: block; max-width: 40rem; color: #1b1b1b; font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto,
  "Noto Sans", "Liberation Sans", Arial, sans-serif; overflow-wrap: anywhere; }
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.bv { position: relative; border: 1px solid #767676; border-radius: 8px; background: #f5f6f8; overflow: hidden; }
h2 { margin: 0; padding: .6rem 1rem; font-size: 1.05rem; color: #fff; background: #0c326f; }
.sr { position: absolute; width: 1px; height: 1px; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.rolagem { max-height: 26rem; overflow-y: auto; }
.conversa { list-style: none; margin: 0; padding: .75rem; display: flex; flex-direction: column; gap: .5rem; }
.msg { position: relative; max-width: 88%; padding: .5rem .75rem; border-radius: 12px; border: 1px solid #cfcfcf; background: #fff; }
.msg.bot { align-self: flex-start; border-bottom-left-radius: 2px; }
.msg.eu { align-self: flex-end; background: #1351b4; border-color: #1351b4; color: #fff; border-bottom-right-radius: 2px; }
.msg.ok { border-left: 5px solid #0a5c2a; background: #e3f3e8; color: #0a5c2a; font-weight: 600; }
.msg.info { border-left: 5px solid #1351b4; background: #e8f0fb; }
.msg.error { border-left: 5px solid #9b1c1c; background: #fdeaea; color: #9b1c1c; }
.msg.call { border: 3px solid #0a5c2a; background: #e3f3e8; color: #0a5c2a; font-size: 1.2rem; font-weight: 700; }
.msg ul { margin: .25rem 0 0; padding-left: 1.25rem; font-weight: 400; }
.msg .botao { margin-top: .5rem; }
.conexao { margin: 0; padding: 0 .75rem; color: #6b4400; }
.conexao:empty { display: none; }
.resposta { padding: .75rem; border-top: 1px solid #cfcfcf; background: #fff; }
label, legend { display: block; font-weight: 600; margin: 0 0 .25rem; }
fieldset { border: 0; margin: 0; padding: 0; min-width: 0; }
input[type="text"], select { width: 100%; min-height: 2.75rem; padding: .45rem .6rem; font: inherit; color: inherit;
  background: #fff; border: 2px solid #767676; border-radius: 6px; }
[aria-invalid="true"] { border-color: #9b1c1c; }
.opcao { display: flex; gap: .5rem; align-items: flex-start; font-weight: 400; margin: .35rem 0; min-height: 2.75rem; }
.opcao input { width: 1.4rem; height: 1.4rem; margin: .1rem 0 0; flex: none; accent-color: #1351b4; }
.opcoes, .acoes { display: flex; flex-wrap: wrap; gap: .5rem; margin-top: .5rem; }
button, .botao { display: inline-flex; align-items: center; justify-content: center; min-height: 2.75rem; min-width: 2.75rem;
  padding: .5rem 1rem; border-radius: 6px; border: 2px solid #1351b4; background: #1351b4; color: #fff; font: inherit;
  font-weight: 600; text-decoration: none; cursor: pointer; text-align: center; }
button:hover, .botao:hover { background: #0c326f; border-color: #0c326f; color: #fff; }
button.secundario, button.opcao-botao { background: #fff; color: #1351b4; }
button.secundario:hover, button.opcao-botao:hover { background: #e8f0fb; color: #0c326f; }
.botao.grande { font-size: 1.15rem; min-height: 3.25rem; }
.dica { color: #4a4a4a; font-size: .9rem; margin: .25rem 0; }
summary { cursor: pointer; color: #1351b4; font-weight: 600; min-height: 2rem; }
:focus-visible { outline: 3px solid #1b1b1b; outline-offset: 2px; box-shadow: 0 0 0 6px #ffbf47; }
@media (prefers-reduced-motion: no-preference) {
  .msg { animation: chega .2s ease-out; }
  .msg.call { animation: chega .2s ease-out, destaque 1s ease-in-out .2s 3; }
}
@keyframes chega { from { opacity: 0; transform: translateY(.4rem); } }
@keyframes destaque { 50% { background: #c9ebd4; } }
@media (prefers-contrast: more) {
  .msg, input[type="text"], select { border-color: #1b1b1b; }
  .dica { color: #1b1b1b; }
}
@media (forced-colors: active) {
  .msg, .resposta, .bv, button, .botao { border: 2px solid CanvasText; }
  .msg.eu { forced-color-adjust: auto; }
  :focus-visible { outline: 3px solid Highlight; }
}
`;

let sheet = null;

/** The one stylesheet every <balcao-virtual> on the page adopts. */
export function widgetSheet() {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
  }
  return sheet;
}
