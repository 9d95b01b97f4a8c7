// The units table of the Serventias tab and of the dashboard, written once: a ★ per row (the staff
// member's favourite units, stored per user by the API), headers that sort (aria-sort), the key
// columns first so that at 360 px the unit, "Hoje" and "Fila agora" are on screen without scrolling.
// Cells are text (dom.js); a column may give its own node (`cell`).

import { api, apiPath } from "./api.js";
import { h, replace } from "./dom.js";

// ---------------------------------------------------------------------------------------------
// Favourites (GET/PUT/DELETE /api/clerk/favorites[/{unit}])

export const favorites = {
  ids: new Set(),
  async load() {
    try {
      const { data } = await api("/clerk/favorites");
      this.ids = new Set((data && data.units) || []);
    } catch {
      this.ids = new Set(); // shown without stars' state; the next toggle says what went wrong
    }
    return this.ids;
  },
  async toggle(unitId) {
    const on = !this.ids.has(unitId);
    const { data } = await api(`/clerk/favorites/${apiPath(unitId)}`, { method: on ? "PUT" : "DELETE" });
    this.ids = new Set((data && data.units) || []);
    return this.ids.has(unitId);
  },
};

// ---------------------------------------------------------------------------------------------
// The table

const collator = new Intl.Collator("pt-BR", { sensitivity: "base", numeric: true });

function compare(a, b) {
  const missingA = a === null || a === undefined || a === "";
  const missingB = b === null || b === undefined || b === "";
  if (missingA || missingB) return missingA === missingB ? 0 : missingA ? 1 : -1; // "—" last either way
  if (typeof a === "number" && typeof b === "number") return a - b;
  return collator.compare(String(a), String(b));
}

/**
 * A sortable table in `container`. `spec`: { caption, columns: [{ key, label, numeric, value(row),
 * text(row), cell(row), sortable (false: a plain header) }], rows, rowId(row), rowName(row), sort: { key, dir }, onStar(row) (async,
 * returns the new state), onChange() }. Sorting by ★ puts the favourites first.
 */
export function sortableTable(container, spec) {
  const sort = spec.sort || { key: spec.columns[0].key, dir: "ascending" };
  const starColumn = {
    key: "favorita", label: "★", value: (row) => (favorites.ids.has(spec.rowId(row)) ? 0 : 1),
    cell: (row) => starButton(row, spec, () => draw()),
  };
  const columns = spec.onStar ? [starColumn, ...spec.columns] : spec.columns;

  function ordered() {
    const column = columns.find((c) => c.key === sort.key) || columns[0];
    const value = column.value || column.text;
    const sign = sort.dir === "descending" ? -1 : 1;
    return spec.rows.map((row, i) => [row, i])
      .sort(([a, i], [b, j]) => sign * compare(value(a), value(b)) || i - j)
      .map(([row]) => row);
  }

  function header(column) {
    if (column.sortable === false) return h("th", { scope: "col", text: column.label });
    const active = column.key === sort.key;
    const label = column.key === "favorita" ? h("span", {}, h("span", { "aria-hidden": "true", text: "★" }), h("span", { class: "sr-only", text: "Favoritas" })) : column.label;
    return h("th", { scope: "col", class: column.numeric ? "num" : null, "aria-sort": active ? sort.dir : "none" },
      h("button", { type: "button", class: "ordenar", dataset: { coluna: column.key }, on: { click: () => {
        sort.dir = active && sort.dir === "ascending" ? "descending" : "ascending";
        sort.key = column.key;
        draw();
        const again = container.querySelector(`button.ordenar[data-coluna="${column.key}"]`);
        if (again) again.focus();
        if (spec.onChange) spec.onChange(sort);
      } } }, label, h("span", { class: "seta", "aria-hidden": "true", text: active ? (sort.dir === "ascending" ? " ▲" : " ▼") : " ↕" })));
  }

  function draw() {
    replace(container, h("div", { class: "rolagem tabela-unidades", tabindex: "0", role: "region", "aria-label": spec.caption },
      h("table", {},
        h("caption", { text: spec.caption }),
        h("thead", {}, h("tr", {}, columns.map(header))),
        h("tbody", {}, ordered().map((row) => h("tr", { dataset: { unidade: spec.rowId(row) } }, columns.map((c, i) => {
          const content = c.cell ? c.cell(row) : c.text(row);
          const first = i === (spec.onStar ? 1 : 0);
          return h(first ? "th" : "td", { scope: first ? "row" : null, class: c.numeric ? "num" : null }, content);
        })))))));
  }

  draw();
  return { redraw: draw, sort };
}

function starButton(row, spec, redraw) {
  const id = spec.rowId(row);
  const on = favorites.ids.has(id);
  return h("button", { type: "button", class: `estrela${on ? " ligada" : ""}`, "aria-pressed": on ? "true" : "false",
    dataset: { estrela: id }, on: { click: async (ev) => {
      const button = ev.currentTarget;
      button.disabled = true;
      try {
        await spec.onStar(row);
      } finally {
        redraw();
        const again = document.querySelector(`button[data-estrela="${CSS.escape(id)}"]`);
        if (again) again.focus();
      }
    } } },
  h("span", { "aria-hidden": "true", text: on ? "★" : "☆" }),
  h("span", { class: "sr-only", text: `Favorita: ${spec.rowName(row)}` }));
}
