"""The Teams app icons, read back with an independent PNG decoder (Pillow): what Teams requires of them
(color 192 × 192; outline 32 × 32, white on a transparent background), and that the committed files
are exactly what infra/teams_icons.py draws."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from PIL import Image

from infra import teams_icons

APP_PACKAGE = Path(__file__).resolve().parents[2] / "appPackage"


def load(name: str) -> Image.Image:
    image = Image.open(APP_PACKAGE / name)
    image.load()
    return image


def test_color_icon_is_192_square_and_opaque() -> None:
    image = load("color.png")
    assert image.format == "PNG"
    assert image.size == (192, 192)
    rgba = image.convert("RGBA")
    alphas = {a for *_, a in rgba.get_flattened_data()}
    assert alphas == {255}, "the colour icon has a solid background"
    colours = set(rgba.get_flattened_data())
    assert (255, 255, 255, 255) in colours and len(colours) > 2, "a white symbol on the background"
    # The symbol keeps to the central 120 × 120 area Teams asks for: the border ring is background only.
    background = rgba.getpixel((0, 0))
    for x in range(192):
        for y in range(192):
            if not (36 <= x < 156 and 36 <= y < 156):
                assert rgba.getpixel((x, y)) == background, (x, y)


def test_outline_icon_is_32_square_white_on_transparent() -> None:
    image = load("outline.png")
    assert image.format == "PNG"
    assert image.size == (32, 32)
    assert image.mode == "RGBA", "the outline icon needs an alpha channel"
    pixels = list(image.get_flattened_data())
    assert all((r, g, b) == (255, 255, 255) for r, g, b, a in pixels if a > 0), "only white is drawn"
    assert any(a == 0 for *_, a in pixels), "the background is transparent"
    assert image.getpixel((0, 0))[3] == 0
    assert sum(1 for *_, a in pixels if a == 255) >= 100, "the symbol is there"


def test_committed_icons_are_what_the_script_draws() -> None:
    for name, data in teams_icons.icons().items():
        assert data == (APP_PACKAGE / name).read_bytes(), f"{name}: run python infra/teams_icons.py"
        assert Image.open(BytesIO(data)).size == load(name).size


SITE_IMAGES = APP_PACKAGE.parent / "site" / "assets" / "img"


def test_the_sites_app_icons_are_what_the_script_draws_and_fit_a_maskable_crop() -> None:
    for name, data in teams_icons.site_icons().items():
        assert data == (SITE_IMAGES / name).read_bytes(), f"{name}: run python infra/teams_icons.py"
        image = Image.open(BytesIO(data)).convert("RGBA")
        side = int(name.removeprefix("app-").removesuffix(".png"))
        assert image.size == (side, side)
        background = image.getpixel((0, 0))
        assert {a for *_, a in image.get_flattened_data()} == {255}, "opaque: a launcher draws no halo"
        # Maskable icons (W3C Web App Manifest): a launcher may crop everything outside the circle of
        # radius 40 % of the side around the centre; the symbol must be inside it.
        centre, radius = side / 2, 0.4 * side
        for x in range(0, side, 2):
            for y in range(0, side, 2):
                if (x + 0.5 - centre) ** 2 + (y + 0.5 - centre) ** 2 > radius**2:
                    assert image.getpixel((x, y)) == background, (name, x, y)
        assert (255, 255, 255, 255) in set(image.get_flattened_data()), "the white symbol is there"
