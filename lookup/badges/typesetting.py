"""Typesetting for printed badges: the embedded CJK font, measured text boxes that wrap and
shrink so nothing overlaps (``Text``, ``Column``), and the PDF drawing primitives."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

FONT_PATH = Path(__file__).resolve().parent.parent / "fonts" / "wqy-microhei.ttf"
FONT = "WQYMicroHei"
MM = 72 / 25.4  # points per millimetre
LEADING = 1.25  # line height, in font sizes
ELLIPSIS = "…"


@lru_cache(maxsize=1)
def register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT, str(FONT_PATH)))
    return FONT


def measure(text: str, size: float) -> float:
    from reportlab.pdfbase import pdfmetrics

    register_font()
    return pdfmetrics.stringWidth(text, FONT, size)


@lru_cache(maxsize=64)
def ascent_descent(size: float) -> tuple[float, float]:
    """How far the font reaches above and below the baseline at ``size`` (descent is negative)."""
    from reportlab.pdfbase import pdfmetrics

    register_font()
    return pdfmetrics.getAscentDescent(FONT, size)


_TOKENS = re.compile(r"[A-Za-z0-9'’.,:;()/&+*_-]+ ?|\s+|.")  # * for masked Latin names: A*** L*


def wrap(text: str, width: float, measure) -> list[str]:
    """Greedy line breaking: Chinese between any two characters, Latin between words.

    A word wider than the line (a long code, a name with no spaces) is broken between characters,
    so no line is ever wider than ``width`` unless a single character is.
    """
    lines, line = [], ""
    for word in _TOKENS.findall(text):
        pieces = [word] if measure(word.rstrip()) <= width else list(word)
        for token in pieces:
            if measure(line + token.rstrip()) <= width or not line:
                line += token
            else:
                lines.append(line.rstrip())
                line = token.lstrip()
    if line.strip():
        lines.append(line.rstrip())
    return lines


# --- Measured text ---------------------------------------------------------------------------


@dataclass
class Text:
    """A paragraph laid out in a box: the font sizes it may take (largest first), and its lines.

    ``max_lines`` caps its lines (it shrinks to keep within them, and is cut with "…" only past its
    smallest size); ``shrink`` orders which paragraph gives way first when a column is too short
    (lowest first; None: never for height); an ``optional`` paragraph is left out before a
    shrinkable one is cut.
    """

    text: str
    sizes: tuple[float, ...]
    color: tuple[float, float, float] = (0, 0, 0)
    center: bool = False
    space_before: float = 0.0
    max_lines: int | None = None
    shrink: int | None = None
    optional: bool = False
    size: float = 0.0
    lines: list[str] = field(default_factory=list)
    dropped: bool = False
    cut_short: bool = False

    def set_size(self, size: float, width: float) -> None:
        self.size = size
        self.lines = wrap(self.text, width, lambda t: measure(t, size)) if self.text else []

    def smaller_sizes(self) -> tuple[float, ...]:
        return self.sizes[self.sizes.index(self.size) + 1 :]

    @property
    def within_limit(self) -> bool:
        return self.max_lines is None or len(self.lines) <= self.max_lines

    def cut(self, lines: int, width: float) -> None:
        """Keep ``lines`` lines, the last one ending in "…"."""
        keep = self.lines[: max(lines, 1)]
        last = keep[-1]
        while last and measure(last + ELLIPSIS, self.size) > width:
            last = last[:-1]
        keep[-1] = last.rstrip() + ELLIPSIS
        self.lines = keep
        self.cut_short = True

    @property
    def height(self) -> float:
        if self.dropped or not self.lines:
            return 0.0
        ascent, descent = ascent_descent(self.size)
        return self.space_before + ascent + (len(self.lines) - 1) * self.size * LEADING - descent


class Column:
    """Paragraphs stacked top to bottom in a box ``width`` wide, made to fit a height.

    Each paragraph starts at its largest size and takes the largest size that keeps it within its
    line limit; while the column is too tall, the paragraph with the lowest ``shrink`` takes its
    next smaller size, then the next paragraph. Only then is anything left out or cut short.
    """

    def __init__(self, paragraphs: list[Text], width: float):
        self.paragraphs = [p for p in paragraphs if p.text]
        self.width = width
        for paragraph in self.paragraphs:
            paragraph.set_size(paragraph.sizes[0], width)
            for size in paragraph.smaller_sizes():
                if paragraph.within_limit:
                    break
                paragraph.set_size(size, width)

    @property
    def shown(self) -> list[Text]:
        return [p for p in self.paragraphs if not p.dropped and p.lines]

    @property
    def height(self) -> float:
        shown = self.shown
        return sum(p.height for p in shown) - (shown[0].space_before if shown else 0.0)

    def fits(self, height: float) -> bool:
        return self.height <= height + 0.01 and all(p.within_limit for p in self.shown)

    def shrink_to(self, height: float, *, cut: bool = True) -> bool:
        """Shrink (and, past the smallest sizes, shorten) until the column is ``height`` tall at most.

        With ``cut=False`` nothing is left out or shortened: False if the sizes alone do not fit.
        """
        shrinkable = sorted((p for p in self.paragraphs if p.shrink is not None), key=lambda p: p.shrink)
        for paragraph in shrinkable:
            for size in paragraph.smaller_sizes():
                if self.fits(height):
                    return True
                paragraph.set_size(size, self.width)
        if self.fits(height) or not cut:
            return self.fits(height)
        for paragraph in self.paragraphs:
            if not paragraph.within_limit:
                paragraph.cut(paragraph.max_lines, self.width)
        for paragraph in self.paragraphs:
            if self.fits(height):
                return True
            if paragraph.optional:
                paragraph.dropped = True
        for paragraph in shrinkable:
            while not self.fits(height) and len(paragraph.lines) > 1:
                paragraph.cut(len(paragraph.lines) - 1, self.width)
        return self.fits(height)

    def draw(self, pdf: Pdf, x: float, top: float) -> float:
        """Draw with the column's top edge at ``top``; ``x`` is the left edge (the centre if centred).

        Returns the y of the column's bottom edge.
        """
        y = top
        for index, paragraph in enumerate(self.shown):
            if index:
                y -= paragraph.space_before
            y = pdf.lines(x, y, paragraph)
        return y


def sizes(largest: float, smallest: float, step: float = 0.5) -> tuple[float, ...]:
    count = round((largest - smallest) / step)
    return tuple(round(largest - i * step, 2) for i in range(count + 1))


# --- PDF --------------------------------------------------------------------------------------


class Pdf:
    def __init__(self, canvas):
        self.c = canvas

    def lines(self, x: float, top: float, paragraph: Text) -> float:
        """Draw a laid-out paragraph with its top edge at ``top``; returns the y of its bottom edge."""
        ascent, descent = ascent_descent(paragraph.size)
        self.c.setFillColorRGB(*paragraph.color)
        self.c.setFont(FONT, paragraph.size)
        y = top - ascent
        for index, line in enumerate(paragraph.lines):
            if index:
                y -= paragraph.size * LEADING
            if paragraph.center:
                self.c.drawCentredString(x, y, line)
            else:
                self.c.drawString(x, y, line)
        return y + descent

    def qr(self, x, y, size, matrix) -> None:
        """The QR code with its lower-left corner at (x, y), ``size`` points wide."""
        module = size / len(matrix)
        self.c.setFillColorRGB(1, 1, 1)
        self.c.rect(x, y, size, size, stroke=0, fill=1)
        self.c.setFillColorRGB(0, 0, 0)
        path = self.c.beginPath()
        for r, row in enumerate(matrix):
            c = 0
            while c < len(row):
                if row[c]:
                    start = c
                    while c < len(row) and row[c]:
                        c += 1
                    path.rect(x + start * module, y + size - (r + 1) * module, (c - start) * module, module)
                else:
                    c += 1
        self.c.drawPath(path, stroke=0, fill=1)


def canvas_for(pagesize, title: str, author: str):
    from reportlab.pdfgen import canvas

    register_font()
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=pagesize, pageCompression=1, initialFontName=FONT, initialFontSize=10)
    c.setTitle(title)
    c.setAuthor(author)
    return c, out
