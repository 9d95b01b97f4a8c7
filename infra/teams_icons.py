"""The Teams app's two icons and the citizen site's app icons, drawn by code so that anyone can
regenerate the very same bytes.

Teams asks for (https://learn.microsoft.com/microsoftteams/platform/concepts/build-and-test/apps-package):

- `color.png`, 192 × 192: the full-colour icon; the symbol inside the central 120 × 120 area, on a
  solid background (here the site's dark blue, #0C326F);
- `outline.png`, 32 × 32: the symbol in white on a transparent background, nothing else.

The symbol is the Balcão Virtual's: a person behind a counter (a head, shoulders and the desk). Edges
are anti-aliased by supersampling (4 × 4 samples per pixel): the outline's pixels are white with an
alpha between 0 and 255, which Teams accepts. Standard library only (zlib), deterministic: the test
regenerates both files and compares them byte for byte with the committed ones.

The site's installable waiting page (`site/manifest.webmanifest`, issue 13) names two more, drawn
from the same symbol on the same blue: `site/assets/img/app-192.png` and `app-512.png` (192 × 192 and
512 × 512, "any maskable"): the symbol keeps inside the central 60 % of the side, within the circle of
radius 40 % that a maskable icon's safe zone is (a launcher may crop the rest).

    python infra/teams_icons.py [--out appPackage] [--site site/assets/img]
"""

from __future__ import annotations

import argparse
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

BACKGROUND = (0x0C, 0x32, 0x6F)
WHITE = (0xFF, 0xFF, 0xFF)
SAMPLES = 4  # per axis

Shape = Callable[[float, float], bool]


def _circle(cx: float, cy: float, r: float) -> Shape:
    return lambda x, y: (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def _rounded_rect(x0: float, y0: float, x1: float, y1: float, r: float) -> Shape:
    def inside(x: float, y: float) -> bool:
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            return False
        nx = min(max(x, x0 + r), x1 - r)
        ny = min(max(y, y0 + r), y1 - r)
        return (x - nx) ** 2 + (y - ny) ** 2 <= r * r

    return inside


def _upper_half_ellipse(cx: float, cy: float, rx: float, ry: float) -> Shape:
    return lambda x, y: y <= cy and ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1


# The symbol in a unit square (x right, y down): a head, shoulders resting on a counter.
SYMBOL: tuple[Shape, ...] = (
    _circle(0.5, 0.27, 0.16),
    _upper_half_ellipse(0.5, 0.69, 0.30, 0.24),
    _rounded_rect(0.02, 0.73, 0.98, 0.89, 0.04),
)


def coverage(x: float, y: float, size: float) -> float:
    """The share of a pixel (top-left corner x, y; side `size`, in symbol units) the symbol covers."""
    hits = 0
    for i in range(SAMPLES):
        for j in range(SAMPLES):
            sx = x + (i + 0.5) * size / SAMPLES
            sy = y + (j + 0.5) * size / SAMPLES
            if any(shape(sx, sy) for shape in SYMBOL):
                hits += 1
    return hits / (SAMPLES * SAMPLES)


def render(side: int, symbol_box: int, background: tuple[int, int, int] | None) -> list[bytes]:
    """RGBA rows: the symbol in white inside a centred `symbol_box`, on `background` (None: transparent)."""
    margin = (side - symbol_box) / 2
    unit = 1 / symbol_box
    rows = []
    for py in range(side):
        row = bytearray()
        for px in range(side):
            share = coverage((px - margin) * unit, (py - margin) * unit, unit)
            if background is None:
                row += bytes((*WHITE, round(255 * share)))
            else:
                mixed = (round(b + (w - b) * share) for b, w in zip(background, WHITE, strict=True))
                row += bytes((*mixed, 255))
        rows.append(bytes(row))
    return rows


def png(rows: list[bytes]) -> bytes:
    """An 8-bit RGBA PNG (filter 0 on every row), with no timestamp or other varying chunk."""
    height, width = len(rows), len(rows[0]) // 4

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def icons() -> dict[str, bytes]:
    return {
        "color.png": png(render(192, 120, BACKGROUND)),
        "outline.png": png(render(32, 32, None)),
    }


def site_icons() -> dict[str, bytes]:
    """The web app manifest's icons: the symbol in the central 60 % (inside the maskable safe zone)."""
    return {f"app-{side}.png": png(render(side, round(side * 0.6), BACKGROUND)) for side in (192, 512)}


def main(argv: list[str] | None = None) -> None:
    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description="Draw the Teams app icons and the site's app icons.")
    parser.add_argument("--out", default=str(root / "appPackage"))
    parser.add_argument("--site", default=str(root / "site" / "assets" / "img"))
    args = parser.parse_args(argv)
    for folder, drawn in ((Path(args.out), icons()), (Path(args.site), site_icons())):
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in drawn.items():
            (folder / name).write_bytes(data)
            print(f"{folder / name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
