#!/usr/bin/python3
"""Writes FineTune Studio's icons from one description of their shapes.

No SVG renderer is part of the build, so the same geometry is written twice: as the scalable
source (finetune-studio.svg, installed as the hicolor scalable icon) and as the PNGs Qt and
the desktop load (hicolor/NxN/apps/, actions/). Run it after changing a shape:
    /usr/bin/python3 resources/icons/make_icons.py
"""
import os

from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
SUPERSAMPLE = 4

# The application icon, in a 512 x 512 box: a rounded tile with a vertical gradient, the
# layers of a network as white bars, and its head (the part fine-tuning replaces) in amber,
# with a tuning slider below.
TILE = dict(x=32, y=32, size=448, radius=96, top=(0x15, 0x65, 0xC0), bottom=(0x00, 0x89, 0x7B))
LAYERS = [  # x, y, width, height, colour
    (112, 104, 288, 56, (0xFF, 0xB3, 0x00)),  # the head
    (112, 188, 288, 56, (0xFF, 0xFF, 0xFF)),
    (112, 272, 288, 56, (0xFF, 0xFF, 0xFF)),
]
SLIDER = dict(x1=112, x2=400, y=384, width=20, knob_x=304, knob_r=34,
              track=(0xFF, 0xFF, 0xFF), knob=(0xFF, 0xB3, 0x00))


def hex_colour(rgb):
    return "#%02X%02X%02X" % rgb


def write_svg(path):
    t, s = TILE, SLIDER
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512" viewBox="0 0 512 512">',
        "  <title>FineTune Studio</title>",
        "  <defs>",
        '    <linearGradient id="tile" x1="0" y1="0" x2="0" y2="1">',
        '      <stop offset="0" stop-color="%s"/>' % hex_colour(t["top"]),
        '      <stop offset="1" stop-color="%s"/>' % hex_colour(t["bottom"]),
        "    </linearGradient>",
        "  </defs>",
        '  <rect x="%d" y="%d" width="%d" height="%d" rx="%d" fill="url(#tile)"/>'
        % (t["x"], t["y"], t["size"], t["size"], t["radius"]),
    ]
    for x, y, w, h, colour in LAYERS:
        parts.append('  <rect x="%d" y="%d" width="%d" height="%d" rx="%d" fill="%s"/>'
                     % (x, y, w, h, h // 2, hex_colour(colour)))
    parts.append('  <line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="%d" stroke-linecap="round"/>'
                 % (s["x1"], s["y"], s["x2"], s["y"], hex_colour(s["track"]), s["width"]))
    parts.append('  <circle cx="%d" cy="%d" r="%d" fill="%s" stroke="#FFFFFF" stroke-width="12"/>'
                 % (s["knob_x"], s["y"], s["knob_r"], hex_colour(s["knob"])))
    parts.append("</svg>")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(parts) + "\n")


def snapper(size):
    """Maps a 512-box coordinate to the supersampled canvas. Below 48 px every edge is put on a
    whole pixel of the final size, so the bars stay crisp instead of smearing into the gaps."""
    k = size / 512.0
    if size >= 48:
        return lambda v: v * k * SUPERSAMPLE
    return lambda v: int(v * k + 0.5) * SUPERSAMPLE


def render_app_icon(size):
    k = size * SUPERSAMPLE / 512.0
    big = size * SUPERSAMPLE
    p = snapper(size)
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    t, s = TILE, SLIDER
    # The gradient, masked by the rounded tile.
    gradient = Image.new("RGBA", (big, big))
    g = ImageDraw.Draw(gradient)
    y0, y1 = t["y"] * k, (t["y"] + t["size"]) * k
    for y in range(big):
        f = min(max((y - y0) / max(y1 - y0, 1), 0.0), 1.0)
        g.line([(0, y), (big, y)], fill=tuple(int(a + (b - a) * f) for a, b in zip(t["top"], t["bottom"])) + (255,))
    mask = Image.new("L", (big, big), 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        [t["x"] * k, t["y"] * k, (t["x"] + t["size"]) * k, (t["y"] + t["size"]) * k], radius=t["radius"] * k, fill=255)
    img.paste(gradient, (0, 0), mask)
    d = ImageDraw.Draw(img)
    for x, y, w, h, colour in LAYERS:
        top, bottom = p(y), p(y + h)
        d.rounded_rectangle([p(x), top, p(x + w), bottom], radius=(bottom - top) / 2, fill=colour + (255,))
    # The slider's track: at least one whole pixel thick.
    half = max(s["width"] / 2 * k, SUPERSAMPLE / 2.0)
    cy = p(s["y"] - s["width"] / 2) + half if size < 48 else s["y"] * k
    d.rounded_rectangle([p(s["x1"]) - half, cy - half, p(s["x2"]) + half, cy + half],
                        radius=half, fill=s["track"] + (255,))
    r, ring = max(s["knob_r"] * k, 1.25 * SUPERSAMPLE), max(6 * k, 0.4 * SUPERSAMPLE)
    cx = p(s["knob_x"])
    d.ellipse([cx - r - ring, cy - r - ring, cx + r + ring, cy + r + ring], fill=(255, 255, 255, 255))
    d.ellipse([cx - r + ring, cy - r + ring, cx + r - ring, cy + r - ring], fill=s["knob"] + (255,))
    return img.resize((size, size), Image.LANCZOS)


# Action glyphs in a 24 x 24 box, dark grey on transparent.
INK = (0x37, 0x47, 0x4F, 255)


def glyph(name, d, u):
    """Draws glyph `name` with ImageDraw `d`; u(v) scales a 24-box coordinate."""
    w = int(round(u(2)))  # stroke width

    def box(x1, y1, x2, y2, r=1.5, fill=None, outline=INK):
        d.rounded_rectangle([u(x1), u(y1), u(x2), u(y2)], radius=u(r), fill=fill, outline=outline,
                            width=0 if outline is None else w)

    def line(points, width=None):
        d.line([(u(x), u(y)) for x, y in points], fill=INK, width=width or w, joint="curve")

    if name == "open-run":  # a folder
        d.polygon([(u(3), u(6)), (u(9), u(6)), (u(11), u(8)), (u(21), u(8)), (u(21), u(19)), (u(3), u(19))],
                  fill=INK)
        box(5, 11, 19, 17, r=0.5, fill=(255, 255, 255, 255), outline=None)
    elif name == "open-config":  # a page with lines
        d.polygon([(u(5), u(3)), (u(14), u(3)), (u(19), u(8)), (u(19), u(21)), (u(5), u(21))], outline=INK,
                  width=w)
        line([(14, 3), (14, 8), (19, 8)])
        for y in (12, 15, 18):
            line([(8, y), (16, y)])
    elif name == "save-config":  # a floppy disk
        box(4, 4, 20, 20, r=2)
        box(8, 4, 16, 9, r=0.5, fill=INK)
        box(7, 13, 17, 20, r=0.5)
    elif name == "about":  # i in a circle
        d.ellipse([u(3), u(3), u(21), u(21)], outline=INK, width=w)
        d.ellipse([u(10.6), u(6.6), u(13.4), u(9.4)], fill=INK)
        box(10.8, 11, 13.2, 17.5, r=0.6, fill=INK, outline=None)
    elif name == "pause":
        box(6, 4, 10, 20, r=1, fill=INK, outline=None)
        box(14, 4, 18, 20, r=1, fill=INK, outline=None)
    elif name == "stop":
        box(5, 5, 19, 19, r=2, fill=INK, outline=None)
    elif name == "export":  # an arrow out of a tray
        line([(4, 14), (4, 20), (20, 20), (20, 14)])
        line([(12, 16), (12, 4)])
        d.polygon([(u(7), u(9)), (u(12), u(3.5)), (u(17), u(9))], fill=INK)
    elif name == "evaluate":  # a bar chart with a check
        line([(3, 21), (21, 21)])
        box(5, 13, 8, 21, r=0.5, fill=INK, outline=None)
        box(10.5, 9, 13.5, 21, r=0.5, fill=INK, outline=None)
        box(16, 15, 19, 21, r=0.5, fill=INK, outline=None)
        line([(14, 6), (16.5, 8.5), (21, 3)])
    elif name == "open-images":  # a picture: a sun over mountains
        box(3, 5, 21, 19, r=1.5)
        d.ellipse([u(13.5), u(7.5), u(17.5), u(11.5)], fill=INK)
        d.polygon([(u(5), u(17)), (u(10), u(10)), (u(14), u(15)), (u(16), u(13)), (u(19), u(17))], fill=INK)
    else:
        raise ValueError(name)


ACTIONS = ["open-run", "open-config", "save-config", "about", "pause", "stop", "export", "evaluate",
           "open-images"]


def render_glyph(name, size):
    big = size * SUPERSAMPLE
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    glyph(name, ImageDraw.Draw(img), lambda v: v * big / 24.0)
    return img.resize((size, size), Image.LANCZOS)


def main():
    write_svg(os.path.join(HERE, "finetune-studio.svg"))
    for size in (16, 22, 24, 32, 48, 64, 128, 256, 512):
        folder = os.path.join(HERE, "hicolor", "%dx%d" % (size, size), "apps")
        os.makedirs(folder, exist_ok=True)
        render_app_icon(size).save(os.path.join(folder, "finetune-studio.png"), optimize=True)
    folder = os.path.join(HERE, "actions")
    os.makedirs(folder, exist_ok=True)
    for name in ACTIONS:
        render_glyph(name, 24).save(os.path.join(folder, name + ".png"), optimize=True)
        render_glyph(name, 48).save(os.path.join(folder, name + "@2x.png"), optimize=True)


if __name__ == "__main__":
    main()
