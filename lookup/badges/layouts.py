"""Printable badges: an A6 card, an A4 sheet of eight stickers (PDF), and PNG/SVG for contracts and websites.

PDFs embed WenQuanYi Micro Hei (``lookup/fonts``), so Chinese prints on machines with no CJK
font. The QR code uses error correction Q (25 % of the code may be scuffed or covered) and is
drawn as vectors: on a sticker a module is about 0.6 mm, on the card about 0.9 mm, both well
within what a phone camera reads at arm's length. The printed text is what was true at issue;
the code always leads to the live answer.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

import qrcode
from django.utils import translation
from django.utils.translation import gettext as _

from lookup.models import Badge

from .verification import mask_name

FONT_PATH = Path(__file__).resolve().parent.parent / "fonts" / "wqy-microhei.ttf"
FONT = "WQYMicroHei"
BRAND = (0xB3 / 255, 0x26 / 255, 0x1E / 255)
MM = 72 / 25.4  # points per millimetre


@lru_cache(maxsize=1)
def _register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT, str(FONT_PATH)))
    return FONT


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR modules of ``url``, quiet zone (four modules) included."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=4)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()


def both(message: str) -> tuple[str, str]:
    """A label in Chinese and in English (English alone until the Chinese translation exists)."""
    with translation.override("zh-hans"):
        chinese = _(message)
    with translation.override("en"):
        english = _(message)
    return chinese, ("" if english == chinese else english)


@dataclass
class BadgeText:
    """What is printed on a badge, in both languages where it is a label."""

    title: tuple[str, str]
    enterprise: str
    uscc: str
    staff_name: str
    staff_number: str
    sector: str
    serial: str
    issued_on: str
    expires_on: str
    scan_hint: tuple[str, str]


def badge_text(badge: Badge) -> BadgeText:
    staff = badge.staff
    with translation.override("zh-hans"):
        sector = str(badge.get_sector_display())
    return BadgeText(
        title=both("Staff credential") if staff else both("Enterprise credential"),
        enterprise=badge.enterprise.name,
        uscc=badge.enterprise.uscc,
        staff_name=mask_name(staff.full_name) if staff else "",
        staff_number=staff.registration_number if staff else "",
        sector=sector,
        serial=badge.serial_display,
        issued_on=badge.issued_on.isoformat(),
        expires_on=badge.expires_on.isoformat(),
        scan_hint=both("Scan to check, live, that this enterprise and person are genuine"),
    )


_TOKENS = re.compile(r"[A-Za-z0-9'’.,:;()/&+-]+ ?|\s+|.")


def wrap(text: str, width: float, measure) -> list[str]:
    """Greedy line breaking: Chinese between any two characters, Latin between words."""
    lines, line = [], ""
    for token in _TOKENS.findall(text):
        if measure(line + token.rstrip()) <= width or not line:
            line += token
        else:
            lines.append(line.rstrip())
            line = token.lstrip()
    if line.strip():
        lines.append(line.rstrip())
    return lines


# --- PDF --------------------------------------------------------------------------------------


class _Pdf:
    def __init__(self, canvas):
        from reportlab.pdfbase import pdfmetrics

        self.c = canvas
        self.width = lambda text, size: pdfmetrics.stringWidth(text, FONT, size)

    def text(self, x, y, text, size, *, color=(0, 0, 0), center=False, max_width=None) -> float:
        """Draw wrapped text with its first baseline at y; returns the y below the last line."""
        self.c.setFillColorRGB(*color)
        self.c.setFont(FONT, size)
        lines = wrap(text, max_width, lambda t: self.width(t, size)) if max_width else [text]
        for line in lines:
            if center:
                self.c.drawCentredString(x, y, line)
            else:
                self.c.drawString(x, y, line)
            y -= size * 1.3
        return y

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


def _canvas(pagesize, title: str):
    from reportlab.pdfgen import canvas

    _register_font()
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=pagesize, pageCompression=1, initialFontName=FONT, initialFontSize=10)
    c.setTitle(title)
    c.setAuthor("Corporate credit registry")
    return c, out


def card_pdf(badge: Badge, url: str, *, photo: bytes | None = None) -> bytes:
    """One A6 card (105 × 148 mm), portrait: for a lanyard, a door or a contract."""
    from reportlab.lib.pagesizes import A6
    from reportlab.lib.utils import ImageReader

    t = badge_text(badge)
    c, out = _canvas(A6, f"{t.title[0]} {t.serial}")
    pdf = _Pdf(c)
    w, h = A6
    pad = 6 * MM
    c.setFillColorRGB(*BRAND)
    c.rect(0, h - 20 * MM, w, 20 * MM, stroke=0, fill=1)
    pdf.text(w / 2, h - 10 * MM, t.title[0], 15, color=(1, 1, 1), center=True)
    if t.title[1]:
        pdf.text(w / 2, h - 15.5 * MM, t.title[1], 8, color=(1, 1, 1), center=True)
    y = h - 27 * MM
    text_x, text_w = pad, w - 2 * pad
    if t.staff_name:
        if photo:
            box_w, box_h = 22 * MM, 29 * MM
            c.drawImage(
                ImageReader(io.BytesIO(photo)),
                pad,
                y - box_h + 4 * MM,
                box_w,
                box_h,
                preserveAspectRatio=True,
                anchor="n",
            )
            text_x, text_w = pad + box_w + 3 * MM, w - 2 * pad - box_w - 3 * MM
        y = pdf.text(text_x, y, t.staff_name, 16, max_width=text_w)
        y = pdf.text(text_x, y - 1, f"{both('Registration no.')[0]} {t.staff_number}", 8.5, max_width=text_w)
        if photo:
            y = min(y, h - 27 * MM - 27 * MM)
        y -= 1 * MM
    y = pdf.text(pad, y, t.enterprise, 11.5 if t.staff_name else 13, max_width=w - 2 * pad)
    y = pdf.text(pad, y, f"{both('USCC')[0]} {t.uscc}", 8, color=(0.3, 0.3, 0.3))
    qr_size = 62 * MM
    qr_y = 25 * MM
    pdf.qr((w - qr_size) / 2, qr_y, qr_size, qr_matrix(url))
    y = pdf.text(w / 2, qr_y - 2 * MM, t.scan_hint[0], 8.5, center=True, max_width=w - 2 * pad)
    if t.scan_hint[1]:
        y = pdf.text(w / 2, y, t.scan_hint[1], 6.5, center=True, max_width=w - 2 * pad, color=(0.3, 0.3, 0.3))
    footer = f"{t.sector} · No. {t.serial} · {t.issued_on} – {t.expires_on}"
    pdf.text(w / 2, 6 * MM, footer, 7, center=True, color=(0.3, 0.3, 0.3), max_width=w - 2 * pad)
    c.showPage()
    c.save()
    return out.getvalue()


def sticker_sheet_pdf(badge: Badge, url: str) -> bytes:
    """An A4 sheet of eight stickers (2 × 4, 105 × 74 mm: the common "8 per sheet" label stock)."""
    from reportlab.lib.pagesizes import A4

    t = badge_text(badge)
    c, out = _canvas(A4, f"{t.title[0]} {t.serial} ×8")
    pdf = _Pdf(c)
    page_w, page_h = A4
    cell_w, cell_h = page_w / 2, page_h / 4
    matrix = qr_matrix(url)
    qr_size = 52 * MM
    pad = 6 * MM
    c.setStrokeColorRGB(0.8, 0.8, 0.8)
    c.setLineWidth(0.3)
    c.setDash(2, 2)
    c.line(cell_w, 0, cell_w, page_h)
    for row in range(1, 4):
        c.line(0, row * cell_h, page_w, row * cell_h)
    c.setDash()
    for index in range(8):
        col, row = index % 2, index // 2
        x0, y0 = col * cell_w, page_h - (row + 1) * cell_h
        pdf.qr(x0 + pad, y0 + (cell_h - qr_size) / 2, qr_size, matrix)
        tx = x0 + pad + qr_size + 3 * MM
        tw = cell_w - (tx - x0) - pad
        y = y0 + cell_h - 12 * MM
        c.setFillColorRGB(*BRAND)
        y = pdf.text(tx, y, t.title[0], 11, color=BRAND, max_width=tw)
        if t.staff_name:
            y = pdf.text(tx, y - 1, t.staff_name, 12, max_width=tw)
            y = pdf.text(tx, y, t.staff_number, 7, max_width=tw)
        y = pdf.text(tx, y - 1, t.enterprise, 8.5, max_width=tw)
        y = pdf.text(tx, y - 1, t.scan_hint[0], 7, max_width=tw, color=(0.3, 0.3, 0.3))
        pdf.text(tx, y0 + 9 * MM, f"No. {t.serial}", 7, color=(0.3, 0.3, 0.3))
        pdf.text(tx, y0 + 6 * MM, f"{both('Valid until')[0]} {t.expires_on}", 7, color=(0.3, 0.3, 0.3))
    c.showPage()
    c.save()
    return out.getvalue()


# --- PNG and SVG ------------------------------------------------------------------------------


def png(badge: Badge, url: str, *, module_px: int = 8) -> bytes:
    """The QR code with the enterprise, person and serial under it, for a contract or a web page."""
    from PIL import Image, ImageDraw, ImageFont

    t = badge_text(badge)
    matrix = qr_matrix(url)
    side = len(matrix) * module_px
    qr = Image.new("1", (len(matrix), len(matrix)), 1)
    qr.putdata([0 if cell else 1 for row in matrix for cell in row])
    qr = qr.resize((side, side), Image.NEAREST)
    big = ImageFont.truetype(str(FONT_PATH), max(14, side // 20))
    small = ImageFont.truetype(str(FONT_PATH), max(11, side // 30))
    pad = module_px * 3
    lines: list[tuple[str, ImageFont.FreeTypeFont, str]] = []
    for line in wrap(
        t.title[0] + (f" · {t.staff_name}" if t.staff_name else ""),
        side - 2 * pad,
        lambda s: big.getlength(s),
    ):
        lines.append((line, big, "#b3261e"))
    for line in wrap(t.enterprise, side - 2 * pad, lambda s: big.getlength(s)):
        lines.append((line, big, "#1b1f24"))
    for text in (t.scan_hint[0], f"No. {t.serial} · {t.expires_on}"):
        for line in wrap(text, side - 2 * pad, lambda s: small.getlength(s)):
            lines.append((line, small, "#57606a"))
    heights = [int(font.size * 1.35) for _, font, _ in lines]
    image = Image.new("RGB", (side, side + sum(heights) + pad), "white")
    image.paste(qr.convert("RGB"), (0, 0))
    draw = ImageDraw.Draw(image)
    y = side
    for (line, font, color), height in zip(lines, heights, strict=True):
        draw.text((side / 2, y), line, font=font, fill=color, anchor="ma")
        y += height
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def svg(badge: Badge, url: str) -> str:
    """The QR code as vectors with a caption, in a ``viewBox`` of QR modules (scales to any size)."""
    t = badge_text(badge)
    matrix = qr_matrix(url)
    n = len(matrix)
    path = []
    for r, row in enumerate(matrix):
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                path.append(f"M{start} {r}h{c - start}v1h-{c - start}z")
            else:
                c += 1
    caption = [
        (t.title[0] + (f" · {t.staff_name}" if t.staff_name else ""), 2.6, "#b3261e"),
        (t.enterprise, 2.4, "#1b1f24"),
        (f"No. {t.serial} · {t.expires_on}", 1.8, "#57606a"),
    ]
    height = n + 2 + sum(size * 1.4 for _, size, _ in caption)
    texts, y = [], n + 1
    for text, size, color in caption:
        y += size * 1.2
        texts.append(
            f'<text x="{n / 2}" y="{y:.2f}" font-size="{size}" fill="{color}" '
            f'text-anchor="middle">{escape(text)}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {height:.2f}" '
        f'width="{n * 4}" height="{height * 4:.0f}" shape-rendering="crispEdges" role="img" '
        f'aria-label="{escape(t.title[0])} {escape(t.serial)}">'
        f"<title>{escape(t.title[0])} · {escape(t.enterprise)} · {escape(t.serial)}</title>"
        f'<rect width="100%" height="100%" fill="#fff"/><path d="{"".join(path)}" fill="#000"/>'
        f"<g font-family=\"'PingFang SC','Noto Sans CJK SC','Microsoft YaHei',sans-serif\">{''.join(texts)}</g>"
        "</svg>"
    )
