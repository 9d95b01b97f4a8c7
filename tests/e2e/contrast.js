// Decides the colour contrast of a text that axe-core left "incomplete" (see assert_accessible in
// pages_support.py), for the cases axe cannot model: the text of an inline SVG chart (axe treats
// the SVG as an image, and a one-character label as too short to be text), a text in an open modal
// dialog (the top layer: axe compares it with the page underneath) and a glyph hidden from assistive
// technologies (★, a sort arrow: "only non-text characters", which axe does not judge) and a text in
// a panel pinned to the screen over scrolled content (the long-shift console's current attendance). WCAG 2.1 1.4.3: the ratio of the
// text's colour to the first opaque background behind it, with no gradient, image, translucency, shape
// or element over or under the text. Returns { ratio } or { why } when it cannot decide either.
(selector) => {
  const el = document.querySelector(selector);
  if (!el) return { why: "element not found" };
  const svgText = el.namespaceURI === "http://www.w3.org/2000/svg" && el.localName === "text";
  const dialog = el.closest("dialog");
  const inModal = dialog !== null && dialog.matches(":modal");
  // A glyph hidden from assistive technologies (a star, a sort arrow beside a text that says the same):
  // axe skips "only non-text characters"; its contrast is decided here like any text's.
  const glyph = el.closest('[aria-hidden="true"]') !== null && !/[\p{L}\p{N}]/u.test(el.textContent || "");
  // A text in a panel pinned to the screen (position sticky or fixed) over content scrolled under it:
  // axe sees the content beneath and gives up ("partially overlaps other elements").
  let pinned = false;
  for (let node = el; node && !pinned; node = node.parentElement) {
    pinned = ["sticky", "fixed"].includes(getComputedStyle(node).position);
  }
  if (!svgText && !inModal && !glyph && !pinned) {
    return { why: "neither the text of an SVG chart, in an open modal dialog, a hidden glyph nor in a pinned panel" };
  }
  const rgb = (text) => {
    const m = /rgba?\(([^)]+)\)/.exec(text || "");
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return { r, g, b, a };
  };
  const style = getComputedStyle(el);
  const ink = rgb(svgText ? style.fill : style.color);
  if (!ink || ink.a < 1 || (svgText && Number(style.fillOpacity) < 1)) {
    return { why: `the text's colour ${svgText ? style.fill : style.color} is not opaque` };
  }
  let behind = null;
  for (let node = el; node && !behind; node = node.parentElement) {
    const s = getComputedStyle(node);
    if (Number(s.opacity) < 1) return { why: `${node.localName} is translucent` };
    if (node !== el && s.backgroundImage !== "none") return { why: `${node.localName} has a background image` };
    const color = rgb(s.backgroundColor);
    if (node !== el && color && color.a > 0) {
      if (color.a < 1) return { why: `${node.localName} has a translucent background` };
      behind = color;
    }
    if (node === dialog && !behind) return { why: "the dialog has no opaque background" };
  }
  if (!behind) return { why: "no opaque background behind the text" };
  if (svgText) {
    const box = el.getBBox();
    const shapes = "rect, path, circle, ellipse, polygon, polyline, line, image";
    for (const shape of el.ownerSVGElement.querySelectorAll(shapes)) {
      const b = shape.getBBox();
      const apart = b.x >= box.x + box.width || box.x >= b.x + b.width;
      if (!apart && b.y < box.y + box.height && box.y < b.y + b.height) {
        return { why: `a ${shape.localName} lies under the text` };
      }
    }
  } else {
    for (const r of el.getClientRects()) {
      const points = [[r.left + r.width / 2, r.top + r.height / 2], [r.left + 2, r.top + 2], [r.right - 2, r.bottom - 2]];
      for (const [x, y] of points) {
        const top = document.elementFromPoint(x, y);
        if (top && !el.contains(top)) return { why: `a ${top.localName} covers the text` };
      }
    }
  }
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const [hi, lo] = [lum(ink), lum(behind)].sort((a, b) => b - a);
  return { ratio: (hi + 0.05) / (lo + 0.05) };
}
