"""Draw the Teams app icons into content/icons/: color.png (192x192) and outline.png (32x32).

    cd /work/main && .venv/bin/python scripts/make_icons.py [--out content/icons]

The glyph is an open book (the board's learning briefings). Teams' rules for the icons:
color.png is a full-colour 192x192 PNG (here the glyph, about 96 pixels wide, sits in the middle
of a square filled with the app's accent colour, #0E5E6F in bot/app_package.py); outline.png is
a 32x32 PNG of white (255, 255, 255) pixels on a transparent background, nothing else (no
anti-aliasing, no grey).

The PNGs are committed; run this again only to change the design. Needs Pillow (a test extra).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageDraw

BACKGROUND = (14, 94, 111, 255)  # deep teal: #0E5E6F, the manifest's accentColor
WHITE = (255, 255, 255, 255)

# The glyph, in a unit square: two pages of an open book, fanned at the top and bottom edges.
SPINE_GAP = 0.045  # half the gap between the pages


def _quad(p0, c, p1, steps=24):
    """Points along the quadratic Bezier curve p0 -> p1 with control point c."""
    out = []
    for i in range(steps + 1):
        t = i / steps
        out.append(((1 - t) ** 2 * p0[0] + 2 * (1 - t) * t * c[0] + t * t * p1[0],
                    (1 - t) ** 2 * p0[1] + 2 * (1 - t) * t * c[1] + t * t * p1[1]))
    return out


def _left_page():
    x = 0.5 - SPINE_GAP
    top = _quad((0.0, 0.16), (0.22, 0.08), (x, 0.22))
    bottom = _quad((x, 0.86), (0.22, 0.76), (0.0, 0.80))
    return top + bottom


def _mirror(points):
    return [(1 - x, y) for x, y in points]


def _text_lines():
    """Lines of 'text' on the left page: (x0, x1, y), straight, the last one shorter."""
    x1 = 0.5 - SPINE_GAP - 0.08
    return [(0.08, x1, 0.36), (0.08, x1, 0.48), (0.08, x1 - 0.1, 0.60)]


def _place(points, left, top, size):
    return [(left + x * size, top + y * size) for x, y in points]


def _rounded_line(draw: ImageDraw.ImageDraw, points, width: int, fill) -> None:
    draw.line(points, fill=fill, width=width)
    r = width / 2
    for x, y in points:
        draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)


def color_icon(size: int = 192, glyph: int = 100, supersample: int = 4) -> Image.Image:
    """Full-colour icon: a white open book with lines of text on a deep teal square."""
    big = size * supersample
    img = Image.new("RGBA", (big, big), BACKGROUND)
    draw = ImageDraw.Draw(img)
    g = glyph * supersample
    left = (big - g) / 2
    top = (big - g) / 2 + 0.02 * g  # the book's weight sits a little low: nudge to look centred
    for page in (_left_page(), _mirror(_left_page())):
        draw.polygon(_place(page, left, top, g), fill=WHITE)
    width = max(1, round(0.045 * g))
    for x0, x1, y in _text_lines():
        for line in ([(x0, y), (x1, y)], _mirror([(x0, y), (x1, y)])):
            _rounded_line(draw, _place(line, left, top, g), width, BACKGROUND)
    return img.resize((size, size), Image.Resampling.LANCZOS)


# The outline icon is drawn on the 32-pixel grid itself, so every edge falls on whole pixels:
# each page as a 2-pixel outline, with three lines of text.
OUTLINE_LEFT_PAGE = [(1, 7), (4, 5), (8, 5), (11, 6), (14, 8), (14, 27), (11, 25), (8, 24), (4, 24), (1, 25)]
OUTLINE_TEXT = [(4, 11, 11), (4, 11, 15), (4, 9, 19)]  # (x0, x1, y) on the left page


def outline_icon(size: int = 32) -> Image.Image:
    """Outline icon: an open book in white line art on transparent, every pixel fully on or off."""
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)  # no anti-aliasing: pixels are 0 or 255
    right = [(size - 1 - x, y) for x, y in OUTLINE_LEFT_PAGE]
    for page in (OUTLINE_LEFT_PAGE, right):
        draw.polygon(page, outline=255, width=2)
    for x0, x1, y in OUTLINE_TEXT:
        draw.line([(x0, y), (x1, y)], fill=255)
        draw.line([(size - 1 - x0, y), (size - 1 - x1, y)], fill=255)
    # Transparent pixels are white with alpha 0: the file holds white and transparency only.
    img = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    img.putalpha(mask)
    return img


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "content" / "icons")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    color_icon().convert("RGB").save(args.out / "color.png", optimize=True)
    outline_icon().save(args.out / "outline.png", optimize=True)
    print(f"wrote {args.out / 'color.png'} (192x192) and {args.out / 'outline.png'} (32x32)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
