// A QR code (ISO/IEC 18004) for a link, drawn as SVG, with no library: byte mode, error correction level
// M, versions 1 to 10 (up to 213 bytes), the mask with the lowest penalty. The kiosk shows one so that a
// citizen can follow the line on their own phone (kiosk.js).

import { h } from "./dom.js";

// Level M, per version: [error-correction codewords per block, blocks in group 1, data codewords per
// block of group 1, blocks in group 2 (one more data codeword each)].
const BLOCKS = [null, [10, 1, 16, 0], [16, 1, 28, 0], [26, 1, 44, 0], [18, 2, 32, 0], [24, 2, 43, 0],
  [16, 4, 27, 0], [18, 4, 31, 0], [22, 2, 38, 2], [22, 3, 36, 2], [26, 4, 43, 1]];
const ALIGN = [null, [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50]];

// GF(256) with the polynomial x^8 + x^4 + x^3 + x^2 + 1.
const EXP = new Array(512);
const LOG = new Array(256);
for (let i = 0, x = 1; i < 255; i += 1, x = (x << 1) ^ (x & 0x80 ? 0x11d : 0)) {
  EXP[i] = x;
  LOG[x] = i;
}
for (let i = 255; i < 512; i += 1) EXP[i] = EXP[i - 255];
const mul = (a, b) => (a && b ? EXP[LOG[a] + LOG[b]] : 0);

function errorCorrection(data, count) {
  let gen = [1];
  for (let i = 0; i < count; i += 1) {
    const next = new Array(gen.length + 1).fill(0);
    gen.forEach((c, j) => { next[j] ^= c; next[j + 1] ^= mul(c, EXP[i]); });
    gen = next;
  }
  const rest = [...data, ...new Array(count).fill(0)];
  for (let i = 0; i < data.length; i += 1) {
    const factor = rest[i];
    if (factor) gen.forEach((c, j) => { rest[i + j] ^= mul(c, factor); });
  }
  return rest.slice(data.length);
}

/** The codewords of `bytes` at `version`: data and error correction, interleaved by block. */
function codewords(bytes, version) {
  const [ecCount, g1, size1, g2] = BLOCKS[version];
  const capacity = g1 * size1 + g2 * (size1 + 1);
  const bits = [];
  const push = (value, length) => { for (let i = length - 1; i >= 0; i -= 1) bits.push((value >> i) & 1); };
  push(0b0100, 4);
  push(bytes.length, version < 10 ? 8 : 16);
  bytes.forEach((b) => push(b, 8));
  push(0, Math.min(4, capacity * 8 - bits.length));
  while (bits.length % 8) bits.push(0);
  const data = [];
  for (let i = 0; i < bits.length; i += 8) data.push(parseInt(bits.slice(i, i + 8).join(""), 2));
  for (let pad = 0xec; data.length < capacity; pad ^= 0xec ^ 0x11) data.push(pad);
  const blocks = [];
  for (let b = 0, at = 0; b < g1 + g2; b += 1) {
    const size = size1 + (b < g1 ? 0 : 1);
    blocks.push(data.slice(at, at + size));
    at += size;
  }
  const ecs = blocks.map((block) => errorCorrection(block, ecCount));
  const out = [];
  for (let i = 0; i <= size1; i += 1) blocks.forEach((block) => { if (i < block.length) out.push(block[i]); });
  for (let i = 0; i < ecCount; i += 1) ecs.forEach((ec) => out.push(ec[i]));
  return out;
}

function bch(value, poly, shift) {
  let rest = value << shift;
  const top = Math.floor(Math.log2(poly));
  for (let bit = Math.floor(Math.log2(rest || 1)); bit >= top; bit -= 1) if ((rest >> bit) & 1) rest ^= poly << (bit - top);
  return (value << shift) | rest;
}

const MASKS = [(r, c) => (r + c) % 2 === 0, (r) => r % 2 === 0, (r, c) => c % 3 === 0, (r, c) => (r + c) % 3 === 0,
  (r, c) => (Math.floor(r / 2) + Math.floor(c / 3)) % 2 === 0, (r, c) => ((r * c) % 2) + ((r * c) % 3) === 0,
  (r, c) => (((r * c) % 2) + ((r * c) % 3)) % 2 === 0, (r, c) => (((r + c) % 2) + ((r * c) % 3)) % 2 === 0];

/** The matrix (rows of booleans, true = dark) of a QR code for `text`. */
export function qrMatrix(text) {
  const bytes = [...new TextEncoder().encode(text)];
  const version = BLOCKS.findIndex((b, v) => b && (b[1] * b[2] + b[3] * (b[2] + 1)) * 8 >= 4 + (v < 10 ? 8 : 16) + bytes.length * 8);
  if (version < 1) throw new Error("texto longo demais para o código QR");
  const size = 17 + 4 * version;
  const dark = Array.from({ length: size }, () => new Array(size).fill(false));
  const fixed = Array.from({ length: size }, () => new Array(size).fill(false));
  const set = (r, c, value) => { dark[r][c] = value; fixed[r][c] = true; };
  for (const [fr, fc] of [[0, 0], [0, size - 7], [size - 7, 0]]) {
    for (let r = -1; r <= 7; r += 1) for (let c = -1; c <= 7; c += 1) {
      const [y, x] = [fr + r, fc + c];
      if (y < 0 || x < 0 || y >= size || x >= size) continue;
      const ring = Math.max(Math.abs(r - 3), Math.abs(c - 3));
      set(y, x, ring !== 2 && ring !== 4);
    }
  }
  for (let i = 8; i < size - 8; i += 1) { set(6, i, i % 2 === 0); set(i, 6, i % 2 === 0); }
  for (const r of ALIGN[version]) for (const c of ALIGN[version]) {
    if ((r < 9 && (c < 9 || c > size - 9)) || (r > size - 9 && c < 9)) continue; // under a finder
    for (let y = -2; y <= 2; y += 1) for (let x = -2; x <= 2; x += 1) set(r + y, c + x, Math.max(Math.abs(y), Math.abs(x)) !== 1);
  }
  const format = (mask) => {
    const bits = bch((0b00 << 3) | mask, 0x537, 10) ^ 0x5412;
    for (let i = 0; i < 15; i += 1) {
      const bit = ((bits >> i) & 1) === 1;
      set(i < 6 ? i : i < 8 ? i + 1 : size - 15 + i, 8, bit);
      set(8, i < 8 ? size - 1 - i : i === 8 ? 7 : 14 - i, bit);
    }
    set(size - 8, 8, true); // the dark module
  };
  format(0);
  if (version >= 7) {
    const bits = bch(version, 0x1f25, 12);
    for (let i = 0; i < 18; i += 1) {
      const bit = ((bits >> i) & 1) === 1;
      set(Math.floor(i / 3), size - 11 + (i % 3), bit);
      set(size - 11 + (i % 3), Math.floor(i / 3), bit);
    }
  }
  const stream = codewords(bytes, version).flatMap((cw) => [7, 6, 5, 4, 3, 2, 1, 0].map((i) => (cw >> i) & 1));
  const cells = [];
  for (let right = size - 1, up = true; right > 0; right -= 2, up = !up) {
    if (right === 6) right = 5;
    for (let i = 0; i < size; i += 1) for (const c of [right, right - 1]) {
      const r = up ? size - 1 - i : i;
      if (!fixed[r][c]) cells.push([r, c]);
    }
  }
  cells.forEach(([r, c], i) => { dark[r][c] = stream[i] === 1; });
  let best = null;
  for (let mask = 0; mask < 8; mask += 1) {
    const candidate = dark.map((row) => row.slice());
    for (const [r, c] of cells) if (MASKS[mask](r, c)) candidate[r][c] = !candidate[r][c];
    const score = penalty(candidate);
    if (!best || score < best.score) best = { mask, score, matrix: candidate };
  }
  for (let r = 0; r < size; r += 1) dark[r] = best.matrix[r];
  format(best.mask);
  return dark;
}

/** The standard's penalty: runs, 2×2 blocks, finder-like patterns and the balance of dark modules. */
function penalty(m) {
  const n = m.length;
  let score = 0;
  let darkCount = 0;
  const lines = [...m, ...m[0].map((_, c) => m.map((row) => row[c]))];
  for (const line of lines) {
    for (let i = 0, run = 1; i < n; i += 1) {
      if (i > 0 && line[i] === line[i - 1]) run += 1;
      else run = 1;
      if (run === 5) score += 3;
      else if (run > 5) score += 1;
    }
    const text = line.map((d) => (d ? "1" : "0")).join("");
    score += 40 * ((text.match(/(?=10111010000|00001011101)/g) || []).length);
  }
  for (let r = 0; r < n; r += 1) for (let c = 0; c < n; c += 1) {
    if (m[r][c]) darkCount += 1;
    if (r < n - 1 && c < n - 1 && m[r][c] === m[r][c + 1] && m[r][c] === m[r + 1][c] && m[r][c] === m[r + 1][c + 1]) score += 3;
  }
  return score + 10 * Math.floor(Math.abs((darkCount * 100) / (n * n) - 50) / 5);
}

/** The QR code of `text` as an SVG element (one path), with a quiet zone of 4 modules. */
export function qrSvg(text, label) {
  const matrix = qrMatrix(text);
  const size = matrix.length + 8;
  let path = "";
  matrix.forEach((row, r) => row.forEach((on, c) => { if (on) path += `M${c + 4} ${r + 4}h1v1h-1z`; }));
  return h("svg:svg", { viewBox: `0 0 ${size} ${size}`, role: "img", "aria-label": label, class: "qr", "shape-rendering": "crispEdges" },
    h("svg:rect", { width: size, height: size, fill: "#fff" }), h("svg:path", { d: path, fill: "#000" }));
}
