// What every page shows around its content, written once: the skip link, the top bar (the brand, the
// page's subtitle, the main navigation with the current page marked) and the footer. A page names
// itself in <body data-pagina="…"> and imports this module first; the table below says what it shows.
// The pages need JavaScript for everything they do (each says so in a <noscript>), so building these
// blocks in the browser costs nothing a static include would have kept.

import { h } from "./dom.js";

const LEGAL = "Balcão Virtual — Resolução CNJ nº 372/2021.";
const CITIZEN = {
  subtitle: "Atendimento por vídeo das unidades judiciárias",
  footer: [
    `${LEGAL} Atendimento imediato por vídeo durante o horário de expediente de cada unidade.`,
    "Prioridades legais: Lei nº 10.048/2000, Lei nº 14.626/2023 e Estatuto da Pessoa Idosa. " +
      "Dados pessoais tratados conforme a LGPD (Lei nº 13.709/2018).",
  ],
};

const NAVIGATION = [
  { page: "unidades", href: "./", text: "Unidades" },
  { page: "servidor", href: "servidor.html", text: "Área do servidor" },
  { page: "painel", href: "painel.html", text: "Painel" },
];

const PAGES = {
  unidades: CITIZEN,
  agendar: CITIZEN,
  mensagem: CITIZEN,
  servidor: {
    subtitle: "Console do servidor",
    footer: [`${LEGAL} Chamadas fora da ordem de chegada ficam registradas com o motivo.`],
  },
  painel: { subtitle: "Painel de indicadores", footer: [`${LEGAL} Os indicadores não contêm dados pessoais.`] },
  // What the Static Web App shows instead of a staff page to someone not signed in (entrar.js).
  entrar: { subtitle: "Área dos servidores", footer: [LEGAL] },
  // The Teams app's other tabs (appPackage/manifest.json): inside Teams the frame gives way to Teams'.
  serventias: { subtitle: "Serventias", footer: [`${LEGAL} A configuração das unidades é código, revisado pela TI do tribunal.`] },
  sobre: { subtitle: "Sobre o Balcão Virtual", footer: [LEGAL] },
  configurar: { subtitle: "Aba do Teams", bare: true, footer: [] },
  // The local meeting provider's stand-in for a video room (development only): no navigation.
  reuniao: { subtitle: "Sala de atendimento simulada", bare: true, footer: [] },
};

function topBar(name, page) {
  return h("header", { class: "topo" }, h("div", { class: "conteiner" },
    h("a", { class: "marca", href: "./" },
      h("img", { src: "assets/img/balcao.svg", alt: "" }),
      h("span", {}, h("span", { class: "marca-nome", text: "Balcão Virtual" }),
        h("span", { class: "marca-sub", text: page.subtitle }))),
    page.bare ? null : h("nav", { "aria-label": "Navegação principal" }, h("ul", {}, NAVIGATION.map((item) =>
      h("li", {}, h("a", { href: item.href, "aria-current": item.page === name ? "page" : null, text: item.text })))))));
}

function footer(page) {
  if (!page.footer.length) return null;
  return h("footer", { class: "rodape" }, h("div", { class: "conteiner" }, page.footer.map((text) => h("p", { text }))));
}

function frame() {
  const name = document.body.dataset.pagina;
  const page = PAGES[name];
  if (!page) throw new Error(`shell.js: unknown page "${name}" (<body data-pagina>)`);
  const skip = page.bare ? null : h("a", { class: "pular", href: "#conteudo", text: "Pular para o conteúdo" });
  document.body.prepend(...[skip, topBar(name, page)].filter(Boolean));
  const end = footer(page);
  if (end) document.body.append(end);
}

frame();
