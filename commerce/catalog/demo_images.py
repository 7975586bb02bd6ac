"""Demo product pictures drawn with Pillow, one simple drawing per kind of product (issue 13).

Nothing is downloaded: each picture is a light "studio" background, a soft shadow and the product drawn from
rectangles, ellipses and polygons — a phone, a laptop, a TV, headphones, fruit ... — in the colour of the
option the SKU stands for (its 颜色 value when it has one). A small grey line at the bottom names the option.
Drawn at twice the size and scaled down, so edges are smooth.
"""

from __future__ import annotations

import colorsys
import functools
import io
import logging
import math
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

logger = logging.getLogger(__name__)

CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
CJK_FONT_SC_INDEX = 2  # the .ttc holds JP, KR, SC, TC, HK faces; SC draws simplified Chinese glyph forms
IMAGE_SIZE = 600

SCALE = 2  # supersampling factor
Colour = tuple[int, int, int]

# Option words -> the colour a product in that finish shows (checked in order; first match wins).
FINISHES: list[tuple[str, Colour]] = [
    ("透明", (214, 226, 232)), ("午夜", (38, 44, 60)), ("星光", (232, 222, 200)), ("深空", (88, 92, 100)),
    ("石墨", (60, 62, 66)), ("珍珠", (236, 234, 228)), ("陶瓷白", (244, 244, 240)), ("铂金", (206, 204, 198)),
    ("曜石", (36, 38, 42)), ("曜金", (60, 52, 40)), ("暗夜", (30, 30, 36)), ("黑", (40, 42, 46)),
    ("白", (242, 242, 240)), ("银", (204, 207, 212)), ("灰", (128, 132, 138)), ("星河蓝", (64, 96, 168)),
    ("蓝", (70, 112, 182)), ("青", (58, 118, 108)), ("金", (214, 180, 120)), ("粉", (240, 184, 192)),
    ("红", (196, 44, 48)), ("棕", (128, 88, 60)), ("绿", (80, 140, 90)), ("樱", (244, 206, 214)),
    ("12号色", (226, 190, 150)),
]  # fmt: skip


def finish_colour(values: tuple[str, ...] | list[str], fallback: str) -> Colour:
    """The colour of the first option value naming a finish, else the product's own colour."""
    for value in values:
        for word, colour in FINISHES:
            if word in value:
                return colour
    return hex_rgb(fallback)


def hex_rgb(colour: str) -> Colour:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def shade(colour: Colour, amount: float) -> Colour:
    """Lighter (amount > 0) or darker (< 0) by moving HLS lightness."""
    r, g, b = (c / 255 for c in colour)
    h, lum, s = colorsys.rgb_to_hls(r, g, b)
    lum = min(max(lum + amount, 0.0), 1.0)
    return tuple(round(c * 255) for c in colorsys.hls_to_rgb(h, lum, s))  # type: ignore[return-value]


class Pen:
    """Drawing in a 600 x 600 design space on a SCALE-times larger canvas."""

    def __init__(self, image: Image.Image):
        self.image = image
        self.draw = ImageDraw.Draw(image)
        self.k = image.width / 600

    def _s(self, values):
        return [round(v * self.k) for v in values]

    def rect(self, box, fill, radius=0, outline=None, width=0):
        self.draw.rounded_rectangle(
            self._s(box), radius=round(radius * self.k), fill=fill, outline=outline, width=round(width * self.k)
        )

    def ellipse(self, box, fill, outline=None, width=0):
        self.draw.ellipse(self._s(box), fill=fill, outline=outline, width=round(width * self.k))

    def polygon(self, points, fill, outline=None):
        self.draw.polygon([tuple(self._s(p)) for p in points], fill=fill, outline=outline)

    def line(self, points, fill, width):
        self.draw.line([tuple(self._s(p)) for p in points], fill=fill, width=round(width * self.k), joint="curve")

    def arc(self, box, start, end, fill, width):
        self.draw.arc(self._s(box), start, end, fill=fill, width=round(width * self.k))

    def pieslice(self, box, start, end, fill):
        self.draw.pieslice(self._s(box), start, end, fill=fill)


SCREEN = (24, 30, 44)
SCREEN_GLOW = (58, 92, 150)
METAL = (196, 199, 204)


def _screen(pen: Pen, box, radius=6):
    x0, y0, x1, y1 = box
    pen.rect(box, SCREEN, radius)
    # a diagonal highlight, like a reflection on glass
    pen.polygon([(x0 + (x1 - x0) * 0.55, y0), (x1 - radius, y0), (x0 + (x1 - x0) * 0.35, y1), (x0, y1)], SCREEN_GLOW)
    pen.rect(box, None, radius, outline=(10, 12, 18), width=2)


def phone(pen: Pen, c: Colour, *, gaming=False):
    pen.rect((205, 95, 395, 505), shade(c, -0.12), 34)
    pen.rect((211, 101, 389, 499), c, 30)
    _screen(pen, (219, 117, 381, 483), 20)
    pen.ellipse((292, 126, 308, 142), (8, 8, 10))
    if gaming:
        pen.rect((225, 300, 375, 306), (220, 40, 40), 3)
        pen.rect((395, 140, 401, 180), (200, 40, 40), 2)


def phone_back(pen: Pen, c: Colour):
    pen.rect((205, 95, 395, 505), shade(c, -0.15), 36)
    pen.rect((213, 103, 387, 497), c, 32)
    pen.rect((228, 118, 318, 220), shade(c, -0.08), 24)
    for cx, cy in ((252, 144), (294, 144), (252, 192)):
        pen.ellipse((cx - 17, cy - 17, cx + 17, cy + 17), (30, 32, 36), outline=shade(c, -0.3), width=3)
    pen.ellipse((286, 184, 300, 198), (250, 240, 210))


def phone_case(pen: Pen, c: Colour):
    clear = c[0] > 200 and c[2] > 220
    body = (228, 236, 240) if clear else c
    pen.rect((195, 85, 405, 515), shade(body, -0.1), 40)
    pen.rect((205, 95, 395, 505), body, 34)
    pen.rect((222, 110, 320, 214), shade(body, -0.2), 26)
    if clear:
        phone_back(pen, (120, 130, 140))


def walkie(pen: Pen, c: Colour):
    pen.rect((330, 70, 352, 200), (40, 40, 42), 10)
    pen.rect((230, 180, 370, 500), c, 26)
    pen.rect((250, 210, 350, 300), (70, 80, 70), 8)
    pen.rect((258, 218, 342, 262), (150, 190, 150), 4)
    for row in range(3):
        for col in range(3):
            pen.rect((255 + col * 32, 320 + row * 34, 281 + col * 32, 342 + row * 34), shade(c, 0.2), 5)
    for y in range(440, 485, 12):
        pen.rect((258, y, 342, y + 5), shade(c, -0.15), 2)


def charger(pen: Pen, c: Colour):
    pen.rect((250, 120, 262, 190), METAL, 3)
    pen.rect((338, 120, 350, 190), METAL, 3)
    pen.rect((215, 180, 385, 400), c, 30)
    pen.rect((215, 180, 385, 220), shade(c, -0.06), 30)
    pen.rect((280, 330, 320, 346), (60, 60, 64), 4)
    cable(pen, c, start=(300, 400), small=True)


def cable(pen: Pen, c: Colour, start=(170, 150), small=False):
    if small:
        pen.line([start, (300, 470), (360, 500), (430, 480)], (240, 240, 240), 10)
        return
    pen.arc((150, 140, 450, 460), 200, 520, shade(c, -0.1), 14)
    pen.arc((190, 180, 410, 420), 160, 470, c, 14)
    pen.rect((130, 250, 170, 330), (70, 72, 78), 8)
    pen.rect((142, 330, 158, 360), METAL, 3)
    pen.rect((430, 250, 470, 330), (70, 72, 78), 8)
    pen.rect((442, 220, 458, 250), METAL, 3)


def watch(pen: Pen, c: Colour, *, band=False):
    strap = shade(c, -0.05)
    pen.rect((255, 70, 345, 230), strap, 20)
    pen.rect((255, 370, 345, 530), strap, 20)
    if band:
        pen.rect((240, 215, 360, 385), (30, 30, 34), 56)
        _screen(pen, (258, 235, 342, 365), 38)
        return
    pen.ellipse((190, 190, 410, 410), METAL)
    pen.ellipse((202, 202, 398, 398), (20, 22, 26))
    pen.ellipse((218, 218, 382, 382), SCREEN)
    for i in range(12):
        a = math.radians(i * 30)
        pen.line([(300 + 70 * math.cos(a), 300 + 70 * math.sin(a)), (300 + 80 * math.cos(a), 300 + 80 * math.sin(a))],
                 (220, 220, 220), 3)  # fmt: skip
    pen.line([(300, 300), (300, 250)], (240, 240, 240), 5)
    pen.line([(300, 300), (345, 315)], (240, 120, 60), 4)
    pen.rect((405, 270, 420, 300), METAL, 4)


def earbuds(pen: Pen, c: Colour):
    pen.rect((170, 260, 430, 470), shade(c, -0.08), 80)
    pen.rect((176, 266, 424, 464), c, 76)
    pen.line([(176, 350), (424, 350)], shade(c, -0.2), 3)
    pen.ellipse((290, 380, 310, 400), (120, 200, 120))
    for x in (225, 335):
        pen.ellipse((x, 120, x + 60, 180), c, outline=shade(c, -0.25), width=3)
        pen.rect((x + 18, 160, x + 42, 250), c, 12)
        pen.ellipse((x + 20, 132, x + 40, 152), (40, 40, 44))


def headphones(pen: Pen, c: Colour):
    pen.arc((160, 90, 440, 390), 180, 360, shade(c, -0.1), 28)
    pen.arc((172, 102, 428, 378), 180, 360, c, 12)
    for x in (145, 375):
        pen.rect((x + 20, 230, x + 60, 250), METAL, 6)
        pen.rect((x, 245, x + 80, 420), c, 34)
        pen.rect((x + 70 if x < 300 else x - 16, 265, x + 96 if x < 300 else x + 10, 400), (30, 30, 32), 12)


def speaker(pen: Pen, c: Colour):
    pen.rect((200, 130, 400, 480), c, 40)
    for row in range(14):
        for col in range(7):
            pen.ellipse((224 + col * 24, 220 + row * 17, 232 + col * 24, 228 + row * 17), shade(c, -0.18))
    pen.ellipse((280, 150, 320, 190), shade(c, 0.15))
    pen.ellipse((292, 162, 308, 178), (90, 200, 255))


def laptop(pen: Pen, c: Colour, *, gaming=False):
    pen.rect((150, 130, 450, 345), shade(c, -0.15), 14)
    _screen(pen, (162, 142, 438, 335), 6)
    pen.polygon([(110, 360), (490, 360), (470, 400), (130, 400)], c)
    pen.rect((100, 345, 500, 365), shade(c, 0.08), 8)
    pen.rect((265, 350, 335, 358), shade(c, -0.12), 3)
    if gaming:
        pen.line([(120, 392), (480, 392)], (230, 60, 60), 4)
        pen.polygon([(162, 335), (200, 335), (162, 300)], (220, 40, 40))


def monitor(pen: Pen, c: Colour, *, tv=False):
    box = (70, 130, 530, 400) if tv else (110, 110, 490, 350)
    pen.rect(box, shade(c, -0.1), 8)
    _screen(pen, (box[0] + 8, box[1] + 8, box[2] - 8, box[3] - 8), 4)
    if tv:
        pen.polygon([(130, 400), (150, 400), (120, 470), (100, 470)], (60, 60, 64))
        pen.polygon([(450, 400), (470, 400), (500, 470), (480, 470)], (60, 60, 64))
    else:
        pen.rect((285, 350, 315, 440), METAL, 4)
        pen.ellipse((215, 430, 385, 470), METAL)


def desktop(pen: Pen, c: Colour):
    pen.rect((80, 130, 400, 350), (40, 42, 46), 8)
    _screen(pen, (88, 138, 392, 342), 4)
    pen.rect((225, 350, 255, 420), METAL, 4)
    pen.ellipse((170, 410, 310, 445), METAL)
    pen.rect((420, 170, 530, 450), c, 12)
    pen.rect((440, 200, 510, 206), shade(c, 0.2), 3)
    pen.ellipse((466, 400, 484, 418), (90, 200, 255))


def keyboard(pen: Pen, c: Colour):
    pen.polygon([(90, 250), (510, 250), (530, 400), (70, 400)], shade(c, -0.1))
    pen.polygon([(95, 256), (505, 256), (522, 392), (78, 392)], c)
    key = shade(c, 0.22) if sum(c) < 360 else shade(c, -0.12)
    for row in range(4):
        y = 270 + row * 30
        for col in range(13):
            x = 100 + row * 4 + col * 31
            pen.rect((x, y, x + 25, y + 22), key, 5)
    pen.rect((200, 372, 400, 388), key, 5)


def mouse(pen: Pen, c: Colour):
    pen.ellipse((210, 120, 390, 490), shade(c, -0.15))
    pen.ellipse((218, 128, 382, 480), c)
    pen.line([(300, 130), (300, 260)], shade(c, -0.25), 3)
    pen.rect((290, 175, 310, 230), (70, 70, 74), 8)
    pen.polygon([(230, 330), (250, 300), (262, 370)], shade(c, 0.12))


def printer(pen: Pen, c: Colour):
    pen.rect((210, 120, 390, 220), (250, 250, 250), 4, outline=(200, 200, 200), width=2)
    pen.rect((110, 200, 490, 400), c, 22)
    pen.rect((110, 200, 490, 245), shade(c, -0.08), 22)
    pen.rect((170, 330, 430, 350), (60, 60, 64), 6)
    pen.rect((190, 340, 410, 440), (252, 252, 252), 2, outline=(200, 200, 200), width=2)
    for y in (365, 385, 405):
        pen.line([(210, y), (390, y)], (180, 190, 210), 4)
    pen.rect((400, 262, 460, 292), (40, 44, 52), 6)
    pen.ellipse((424, 302, 438, 316), (90, 200, 120))


def projector(pen: Pen, c: Colour):
    pen.rect((140, 220, 460, 420), c, 36)
    pen.ellipse((180, 250, 330, 400), (40, 42, 48))
    pen.ellipse((200, 270, 310, 380), (70, 90, 130))
    pen.ellipse((230, 300, 280, 350), (150, 190, 240))
    for y in range(270, 390, 16):
        pen.rect((360, y, 430, y + 6), shade(c, -0.15), 3)


def pen_kind(pen: Pen, c: Colour):
    for i, dx in enumerate((-70, 0, 70)):
        cx = 300 + dx
        pen.rect((cx - 16, 110 + i * 10, cx + 16, 420 + i * 10), (250, 250, 250), 12, outline=(200, 200, 200), width=2)
        pen.rect((cx - 16, 110 + i * 10, cx + 16, 170 + i * 10), c, 12)
        pen.rect((cx + 10, 120 + i * 10, cx + 20, 260 + i * 10), c, 4)
        pen.polygon([(cx - 14, 420 + i * 10), (cx + 14, 420 + i * 10), (cx, 470 + i * 10)], (210, 210, 210))
        pen.line([(cx, 455 + i * 10), (cx, 470 + i * 10)], c, 4)


def notebook(pen: Pen, c: Colour):
    pen.rect((190, 130, 430, 470), shade(c, -0.2), 10)
    pen.rect((170, 110, 410, 450), c, 10)
    pen.rect((170, 110, 200, 450), shade(c, -0.12), 6)
    pen.rect((240, 180, 370, 240), (250, 250, 245), 6)
    for y in (200, 220):
        pen.line([(255, y), (355, y)], (180, 180, 180), 3)


def air_conditioner(pen: Pen, c: Colour, *, floor=False):
    if floor:
        pen.rect((220, 70, 380, 520), (246, 246, 246), 30, outline=(210, 210, 210), width=3)
        pen.rect((240, 110, 360, 200), (36, 40, 48), 10)
        for y in range(240, 480, 22):
            pen.rect((245, y, 355, y + 8), (220, 222, 226), 4)
        return
    pen.rect((90, 200, 510, 350), (248, 248, 248), 40, outline=(210, 210, 210), width=3)
    pen.rect((120, 318, 480, 336), (200, 204, 210), 8)
    pen.rect((400, 240, 460, 262), (40, 44, 52), 6)
    pen.line([(160, 370), (140, 430)], (170, 210, 240), 5)
    pen.line([(300, 372), (300, 440)], (170, 210, 240), 5)
    pen.line([(440, 370), (460, 430)], (170, 210, 240), 5)


def fridge(pen: Pen, c: Colour):
    pen.rect((170, 70, 430, 520), shade(c, -0.1), 18)
    pen.rect((176, 76, 298, 514), c, 14)
    pen.rect((302, 76, 424, 514), c, 14)
    pen.rect((278, 180, 290, 320), METAL, 5)
    pen.rect((310, 180, 322, 320), METAL, 5)
    pen.rect((196, 110, 266, 150), (40, 44, 52), 6)


def washer(pen: Pen, c: Colour):
    pen.rect((150, 90, 450, 510), c, 22, outline=shade(c, -0.15), width=3)
    pen.rect((150, 90, 450, 160), shade(c, -0.05), 22)
    pen.rect((330, 110, 420, 140), (40, 44, 52), 6)
    pen.ellipse((180, 110, 210, 140), shade(c, -0.2))
    pen.ellipse((190, 200, 410, 420), (120, 124, 130))
    pen.ellipse((208, 218, 392, 402), (60, 80, 110))
    pen.ellipse((240, 250, 360, 370), (120, 150, 190))
    pen.arc((250, 260, 350, 360), 200, 300, (220, 230, 245), 6)


def tv(pen: Pen, c: Colour):
    monitor(pen, c, tv=True)


def microwave(pen: Pen, c: Colour):
    pen.rect((90, 170, 510, 440), c, 20, outline=shade(c, -0.15), width=3)
    pen.rect((115, 195, 385, 415), (34, 38, 46), 10)
    pen.rect((135, 215, 365, 395), (70, 60, 40), 6)
    pen.ellipse((190, 300, 310, 360), (230, 190, 110))
    pen.rect((405, 200, 485, 240), (40, 44, 52), 6)
    for row in range(3):
        for col in range(2):
            pen.rect((410 + col * 40, 260 + row * 36, 440 + col * 40, 284 + row * 36), shade(c, -0.12), 5)
    pen.ellipse((425, 375, 465, 415), shade(c, -0.2))


def kettle(pen: Pen, c: Colour):
    pen.rect((180, 440, 420, 480), (60, 60, 64), 14)
    pen.polygon([(210, 170), (390, 170), (410, 440), (190, 440)], c)
    pen.rect((200, 150, 400, 190), shade(c, -0.08), 18)
    pen.arc((340, 190, 470, 400), 270, 450, shade(c, -0.2), 24)
    pen.polygon([(210, 190), (150, 160), (140, 175), (205, 240)], c)
    pen.rect((230, 250, 250, 400), shade(c, 0.2), 8)


def rice_cooker(pen: Pen, c: Colour):
    pen.ellipse((140, 170, 460, 290), shade(c, -0.1))
    pen.rect((140, 230, 460, 450), c, 50)
    pen.ellipse((150, 180, 450, 280), shade(c, 0.1))
    pen.rect((260, 160, 340, 190), (70, 70, 74), 10)
    pen.rect((240, 330, 360, 380), (36, 40, 48), 10)
    pen.ellipse((270, 345, 290, 365), (250, 120, 60))
    pen.ellipse((310, 345, 330, 365), (120, 220, 120))


def nuts(pen: Pen, c: Colour):
    pen.polygon([(170, 110), (430, 110), (460, 500), (140, 500)], c)
    pen.rect((160, 90, 440, 130), shade(c, -0.15), 8)
    pen.ellipse((220, 230, 380, 390), (250, 240, 220))
    for x, y, col in ((250, 270, (150, 95, 50)), (300, 300, (190, 130, 70)), (270, 330, (120, 75, 40)),
                      (320, 260, (170, 110, 60))):  # fmt: skip
        pen.ellipse((x, y, x + 44, y + 30), col)


def biscuits(pen: Pen, c: Colour):
    pen.rect((120, 170, 480, 460), c, 16)
    pen.rect((120, 170, 480, 220), shade(c, -0.15), 16)
    for x, y in ((170, 250), (290, 250), (230, 340), (350, 340)):
        pen.ellipse((x, y, x + 100, y + 100), (226, 178, 110), outline=(180, 130, 70), width=4)
        for dx, dy in ((30, 30), (60, 45), (40, 65)):
            pen.ellipse((x + dx, y + dy, x + dx + 10, y + dy + 10), (110, 70, 40))


def tea(pen: Pen, c: Colour):
    pen.rect((200, 120, 400, 470), c, 20)
    pen.rect((190, 100, 410, 150), shade(c, -0.15), 16)
    pen.rect((230, 220, 370, 380), (240, 230, 200), 10)
    pen.ellipse((260, 250, 340, 330), shade(c, 0.1))
    pen.polygon([(300, 262), (322, 300), (300, 320), (278, 300)], (90, 140, 60))


def fruit(pen: Pen, c: Colour, *, kind="apple"):
    if kind == "cherry":
        for x, y in ((200, 300), (330, 320), (265, 360)):
            pen.line([(x + 55, y + 10), (300, 130)], (80, 110, 50), 6)
            pen.ellipse((x, y, x + 110, y + 110), c)
            pen.ellipse((x + 25, y + 22, x + 50, y + 42), shade(c, 0.3))
        pen.ellipse((295, 120, 360, 150), (90, 140, 60))
        return
    fill = (240, 140, 40) if kind == "orange" else c
    pen.ellipse((150, 170, 450, 470), fill)
    pen.ellipse((190, 210, 260, 270), shade(fill, 0.18))
    if kind == "orange":
        for dx, dy in ((0, 0), (40, 30), (-30, 50), (60, -20)):
            pen.ellipse((290 + dx, 300 + dy, 296 + dx, 306 + dy), shade(fill, -0.1))
        pen.ellipse((290, 165, 310, 185), (90, 120, 50))
        pen.polygon([(305, 170), (370, 130), (345, 175)], (80, 140, 60))
        return
    pen.line([(300, 190), (310, 120)], (100, 70, 40), 8)
    pen.polygon([(312, 140), (380, 110), (350, 160)], (90, 150, 60))


def shrimp(pen: Pen, c: Colour):
    for i, (x, y) in enumerate(((160, 180), (300, 240), (180, 330))):
        body = shade(c, 0.05 * i)
        pen.arc((x, y, x + 160, y + 160), 150, 420, body, 44)
        pen.polygon([(x + 20, y + 130), (x - 10, y + 160), (x + 30, y + 165)], shade(body, -0.1))
        pen.ellipse((x + 120, y + 20, x + 132, y + 32), (30, 30, 30))
        pen.line([(x + 140, y + 30), (x + 200, y - 20)], shade(body, -0.2), 3)


def fish(pen: Pen, c: Colour):
    pen.polygon([(100, 230), (470, 210), (500, 300), (470, 390), (100, 370)], c)
    for x in range(150, 460, 50):
        pen.line([(x, 220), (x + 10, 380)], (255, 230, 210), 6)
    pen.rect((100, 228, 500, 240), shade(c, 0.2), 6)
    pen.polygon([(90, 235), (60, 300), (90, 365)], shade(c, -0.1))


def package(pen: Pen, c: Colour):
    pen.rect((170, 150, 430, 450), c, 14)
    pen.polygon([(170, 150), (230, 100), (490, 100), (430, 150)], shade(c, 0.15))
    pen.polygon([(430, 150), (490, 100), (490, 400), (430, 450)], shade(c, -0.15))


DRAWERS: dict[str, Callable[[Pen, Colour], None]] = {
    "phone": phone,
    "gaming_phone": lambda p, c: phone(p, c, gaming=True),
    "phone_back": phone_back,
    "phone_case": phone_case,
    "walkie": walkie,
    "charger": charger,
    "cable": cable,
    "watch": watch,
    "band": lambda p, c: watch(p, c, band=True),
    "earbuds": earbuds,
    "headphones": headphones,
    "speaker": speaker,
    "laptop": laptop,
    "gaming_laptop": lambda p, c: laptop(p, c, gaming=True),
    "desktop": desktop,
    "monitor": monitor,
    "keyboard": keyboard,
    "mouse": mouse,
    "printer": printer,
    "projector": projector,
    "pen": pen_kind,
    "notebook": notebook,
    "ac": air_conditioner,
    "ac_floor": lambda p, c: air_conditioner(p, c, floor=True),
    "fridge": fridge,
    "washer": washer,
    "tv": tv,
    "microwave": microwave,
    "kettle": kettle,
    "rice_cooker": rice_cooker,
    "nuts": nuts,
    "biscuits": biscuits,
    "tea": tea,
    "apple": fruit,
    "cherry": lambda p, c: fruit(p, c, kind="cherry"),
    "orange": lambda p, c: fruit(p, c, kind="orange"),
    "shrimp": shrimp,
    "fish": fish,
    "package": package,
}

# Third-level category -> kind, for products that do not name their kind.
KIND_BY_CATEGORY = {
    "手机": "phone", "游戏手机": "gaming_phone", "对讲机": "walkie", "手机壳": "phone_case", "充电器": "charger",
    "数据线": "cable", "智能手表": "watch", "智能手环": "band", "耳机": "earbuds", "音箱": "speaker",
    "笔记本": "laptop", "游戏本": "gaming_laptop", "台式机": "desktop", "显示器": "monitor", "键盘": "keyboard",
    "鼠标": "mouse", "打印机": "printer", "投影机": "projector", "笔类": "pen", "本册": "notebook", "空调": "ac",
    "冰箱": "fridge", "洗衣机": "washer", "电视": "tv", "电饭煲": "rice_cooker", "微波炉": "microwave",
    "电水壶": "kettle", "坚果炒货": "nuts", "饼干蛋糕": "biscuits", "绿茶": "tea", "红茶": "tea", "苹果": "apple",
    "车厘子": "cherry", "柑橘": "orange", "虾类": "shrimp", "鱼类": "fish",
}  # fmt: skip


@functools.lru_cache(maxsize=64)
def _background(accent: Colour, big: int) -> Image.Image:
    """A light vertical gradient tinted by `accent`, with a soft floor shadow (cached per accent)."""
    top = tuple(round(250 - (250 - v) * 0.08) for v in accent)
    bottom = tuple(round(236 - (236 - v) * 0.12) for v in accent)
    image = ImageOps.colorize(Image.linear_gradient("L").resize((big, big)), top, bottom).convert("RGB")
    shadow = Image.new("L", (big, big), 0)
    ImageDraw.Draw(shadow).ellipse([big * 0.22, big * 0.83, big * 0.78, big * 0.9], fill=90)
    shadow = shadow.filter(ImageFilter.GaussianBlur(big * 0.02))
    image.paste((150, 150, 150), mask=shadow)
    return image


def render_product(
    *, kind: str, colour: Colour, accent: Colour, caption: str = "", font=None, size: int = 600, quality: int = 85
) -> bytes:
    """A square JPEG of a product of `kind` in `colour` on a light background tinted by `accent`."""
    image = _background(accent, size * SCALE).copy()
    pen = Pen(image)
    DRAWERS.get(kind, package)(pen, colour)
    image = image.reduce(SCALE)  # box-filter downscale: the supersampling's anti-aliasing, fast
    if caption and font is not None:
        draw = ImageDraw.Draw(image)
        left, _top, right, _bottom = draw.textbbox((0, 0), caption, font=font)
        width = right - left
        if width <= size - 40:
            draw.text(((size - width) / 2, size - 52), caption, fill=(120, 120, 120), font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


@functools.cache
def _load_font(size: int) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    """The CJK font when installed (True), else Pillow's built-in font (False: draw ASCII labels only)."""
    if CJK_FONT.exists():
        try:
            return ImageFont.truetype(str(CJK_FONT), size, index=CJK_FONT_SC_INDEX), True
        except OSError:
            logger.warning("Cannot read %s; demo images fall back to ASCII labels", CJK_FONT)
    try:
        return ImageFont.load_default(size=size), False
    except (TypeError, OSError):  # Pillow without FreeType: fixed-size bitmap font
        return ImageFont.load_default(), False


def picture_kind(kind: str, category: str, values: tuple[str, ...] = ()) -> str:
    """What to draw for a product (and option combination): its own kind, else its third-level category's."""
    kind = kind or KIND_BY_CATEGORY.get(category, "package")
    if kind == "ac" and "立柜式" in values:
        return "ac_floor"
    return kind


def picture_look(kind: str, category: str, values: tuple[str, ...]) -> str:
    """The option value that changes how the product looks: its finish (颜色) if any, else its style or first value."""
    for value in values:
        if any(word in value for word, _colour in FINISHES):
            return value
    if picture_kind(kind, category, values) == "ac_floor":
        return "立柜式"
    return values[0] if values else ""


def render_product_card(
    *, subtitle: str, colour: str, variant: int = 0, kind: str = "package", values: tuple[str, ...] = ()
) -> bytes:
    """A square JPEG picture of the product, with `subtitle` in small grey type (dropped when it is not ASCII
    and no CJK font is installed). `variant` 1 is a product's second picture (a phone's back)."""
    font, has_cjk = _load_font(26)
    caption = subtitle if has_cjk or subtitle.isascii() else ""
    accent = hex_rgb(colour)
    body = finish_colour(values or (subtitle,), colour)
    if variant:
        kind = "phone_back" if kind in ("phone", "gaming_phone") else kind
    return render_product(kind=kind, colour=body, accent=accent, caption=caption, font=font, size=IMAGE_SIZE)
