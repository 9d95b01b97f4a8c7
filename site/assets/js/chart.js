// Small inline-SVG charts (no library, no network): bars for totals, a line for averages.
// Each chart is an image with a title and a description; the same numbers are given in a table next
// to it (see dashboard.js), which is the accessible alternative.

import { h } from "./dom.js";

const W = 480;
const H = 240;
const M = { top: 16, right: 12, bottom: 36, left: 44 };
let counter = 0;

/** The top of the axis; for counts, an even integer so that the middle tick is a whole number. */
function niceMax(value, integer = false) {
  if (!(value > 0)) return integer ? 2 : 1;
  const power = integer ? 10 ** Math.max(0, Math.floor(Math.log10(value))) : 10 ** Math.floor(Math.log10(value));
  let steps = [1, 2, 2.5, 5, 10];
  if (integer) steps = power === 1 ? [2, 4, 6, 8, 10] : [1, 2, 4, 6, 8, 10];
  for (const step of steps) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

function frame(title, description) {
  counter += 1;
  const titleId = `grafico-t-${counter}`;
  const descId = `grafico-d-${counter}`;
  const svg = h("svg:svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": `${titleId} ${descId}`,
    focusable: "false" },
  h("svg:title", { id: titleId, text: title }),
  h("svg:desc", { id: descId, text: description }));
  return svg;
}

function axes(svg, max, format, points) {
  const plotH = H - M.top - M.bottom;
  const plotW = W - M.left - M.right;
  for (const fraction of [0, 0.5, 1]) {
    const y = M.top + plotH * (1 - fraction);
    svg.append(h("svg:line", { class: fraction ? "grade" : "eixo", x1: M.left, x2: W - M.right, y1: y, y2: y }));
    svg.append(h("svg:text", { x: M.left - 6, y: y + 4, "text-anchor": "end", text: format(max * fraction) }));
  }
  const n = points.length;
  const every = Math.max(1, Math.ceil(n / 8));
  points.forEach((p, i) => {
    if ((n - 1 - i) % every !== 0) return; // anchored on the last day, evenly spaced
    const x = M.left + plotW * ((i + 0.5) / n);
    svg.append(h("svg:text", { x: x.toFixed(1), y: H - M.bottom + 18, "text-anchor": "middle", text: p.label }));
  });
}

/** Bars for counts. points: [{label, value}] (value null = no data, drawn as nothing). */
export function barChart({ title, description, points, format }) {
  const svg = frame(title, description);
  const values = points.map((p) => p.value).filter((v) => typeof v === "number" && Number.isFinite(v));
  const max = niceMax(Math.max(0, ...values), true);
  axes(svg, max, format, points);
  const plotH = H - M.top - M.bottom;
  const plotW = W - M.left - M.right;
  const slot = plotW / Math.max(1, points.length);
  points.forEach((p, i) => {
    if (typeof p.value !== "number" || !Number.isFinite(p.value)) return;
    const height = plotH * (p.value / max);
    svg.append(h("svg:rect", { class: "barra-dado", x: M.left + slot * i + slot * 0.15, y: M.top + plotH - height,
      width: Math.max(1, slot * 0.7), height: Math.max(0, height) }));
  });
  return h("figure", { class: "grafico" }, h("figcaption", { text: title }), svg);
}

/** A line with points; gaps where the value is missing. */
export function lineChart({ title, description, points, format }) {
  const svg = frame(title, description);
  const values = points.map((p) => p.value).filter((v) => typeof v === "number" && Number.isFinite(v));
  const max = niceMax(Math.max(0, ...values));
  axes(svg, max, format, points);
  const plotH = H - M.top - M.bottom;
  const plotW = W - M.left - M.right;
  let path = "";
  let pen = false;
  points.forEach((p, i) => {
    if (typeof p.value !== "number" || !Number.isFinite(p.value)) {
      pen = false;
      return;
    }
    const x = M.left + plotW * ((i + 0.5) / points.length);
    const y = M.top + plotH * (1 - p.value / max);
    path += `${pen ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)} `;
    pen = true;
    svg.append(h("svg:circle", { class: "ponto-dado", cx: x.toFixed(1), cy: y.toFixed(1), r: points.length > 31 ? 2 : 3.5 }));
  });
  if (path) svg.insertBefore(h("svg:path", { class: "linha-dado", d: path.trim() }), svg.querySelector("circle"));
  return h("figure", { class: "grafico" }, h("figcaption", { text: title }), svg);
}

/** A data table in a focusable scroll box (keyboard users can scroll it at 360 px). */
export function dataTable({ caption, columns, rows }) {
  return h("div", { class: "rolagem", tabindex: "0", role: "region", "aria-label": caption },
    h("table", {},
      h("caption", { text: caption }),
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.numeric ? "num" : null, text: c.label })))),
      h("tbody", {}, rows.map((row) => h("tr", {}, columns.map((c, i) => (i === 0
        ? h("th", { scope: "row", text: row[i] })
        : h("td", { class: c.numeric ? "num" : null, text: row[i] }))))))));
}

/**
 * A weekday × hour grid: each cell shaded by its share of the largest value (0: empty outline), with
 * the value in the cell's tooltip. `rows` label the lines, `columns` the columns; `values[r][c]`.
 */
export function heatmap({ title, description, rows, columns, values }) {
  const left = 64;
  const top = 8;
  const cell = Math.floor((W - left - 8) / Math.max(1, columns.length));
  const height = top + rows.length * cell + 22;
  counter += 1;
  const svg = h("svg:svg", { viewBox: `0 0 ${W} ${height}`, role: "img", "aria-labelledby": `mapa-t-${counter} mapa-d-${counter}`, focusable: "false" },
    h("svg:title", { id: `mapa-t-${counter}`, text: title }),
    h("svg:desc", { id: `mapa-d-${counter}`, text: description }));
  const max = Math.max(0, ...values.flat().filter((v) => typeof v === "number"));
  rows.forEach((label, r) => {
    svg.append(h("svg:text", { x: left - 6, y: top + r * cell + cell * 0.7, "text-anchor": "end", text: label }));
    columns.forEach((_, c) => {
      const value = values[r] && typeof values[r][c] === "number" ? values[r][c] : 0;
      svg.append(h("svg:rect", {
        class: value > 0 ? "celula-dado" : "celula-vazia", x: left + c * cell + 1, y: top + r * cell + 1,
        width: cell - 2, height: cell - 2, "fill-opacity": value > 0 ? (0.15 + 0.85 * (value / max)).toFixed(2) : null,
        "data-valor": value,
      }, h("svg:title", { text: `${label}, ${columns[c]}: ${value}` })));
    });
  });
  columns.forEach((label, c) => {
    if (c % 3 !== 0) return;
    svg.append(h("svg:text", { x: left + c * cell + cell / 2, y: height - 6, "text-anchor": "middle", text: label }));
  });
  return h("figure", { class: "grafico mapa-calor" }, h("figcaption", { text: title }), svg);
}
