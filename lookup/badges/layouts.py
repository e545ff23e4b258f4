"""Printable badges: an A6 card, an A4 sheet of eight stickers (PDF), and PNG/SVG for contracts and websites.

What is printed is in the issuer's language: the language active when the badge is downloaded
(the portal's language, Chinese unless the issuer switched), with the title and the scan hint
repeated in English on a second, smaller line when that language is not English. Every printed
label is a gettext message, so the catalogue carries its translation.

PDFs embed WenQuanYi Micro Hei (``lookup/fonts``), so Chinese prints on machines with no CJK
font. The QR code uses error correction Q (25 % of the code may be scuffed or covered) and is
drawn as vectors: on a sticker a module is about 0.6 mm, on the card 0.7–0.9 mm, both well
within what a phone camera reads at arm's length. The printed text is what was true at issue;
the code always leads to the live answer.

Nothing overlaps, whatever the names: text is laid out in measured boxes (``Column``), long
names wrap and shrink, the card's QR code gives up a few millimetres before a name is cut, and a
name is shortened with "…" only past any real length (200 characters at the smallest size).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

import qrcode
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from lookup.models import Badge

from .typesetting import (
    FONT_PATH,
    MM,
    Column,
    Pdf,
    Text,
    canvas_for,
    measure,
    sizes,
    wrap,
)
from .verification import mask_name

BRAND = (0xB3 / 255, 0x26 / 255, 0x1E / 255)
GREY = (0.3, 0.3, 0.3)

# The printed labels. Marked for the catalogue here; translated when printed, in the issuer's language.
TITLES = {"staff": gettext_noop("Staff badge"), "enterprise": gettext_noop("Enterprise badge")}
SCAN_HINTS = {
    "staff": gettext_noop("Scan to check, live, that this enterprise and this person are genuine"),
    "enterprise": gettext_noop("Scan to check, live, that this enterprise is genuine"),
}
USCC_LABEL = gettext_noop("Unified social credit code")
REGISTRATION_LABEL = gettext_noop("Registration no.")
SERIAL_LABEL = gettext_noop("Serial number")
VALID_UNTIL_LABEL = gettext_noop("Valid until")
VALIDITY = gettext_noop("Valid %(start)s to %(end)s")
PUBLISHER = gettext_noop("Corporate credit registry")


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR modules of ``url``, quiet zone (four modules) included."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=4)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()


def printed(message: str) -> tuple[str, str]:
    """A label in the issuer's language, and in English second (empty when that is the same text)."""
    primary = _(message)
    with translation.override("en"):
        english = _(message)
    return primary, ("" if english == primary else english)


@dataclass
class BadgeText:
    """What is printed on a badge, in the language active when it is printed."""

    title: tuple[str, str]
    enterprise: str
    uscc: str
    uscc_line: str
    staff_name: str
    staff_line: str
    sector: str
    serial: str
    serial_line: str
    expires_on: str
    valid_until_line: str
    validity_line: str
    scan_hint: tuple[str, str]
    publisher: str


def badge_text(badge: Badge) -> BadgeText:
    staff = badge.staff
    kind = "staff" if staff else "enterprise"
    serial = badge.serial_display
    issued_on, expires_on = badge.issued_on.isoformat(), badge.expires_on.isoformat()
    return BadgeText(
        title=printed(TITLES[kind]),
        enterprise=badge.enterprise.name,
        uscc=badge.enterprise.uscc,
        uscc_line=f"{_(USCC_LABEL)} {badge.enterprise.uscc}",
        staff_name=mask_name(staff.full_name) if staff else "",
        staff_line=f"{_(REGISTRATION_LABEL)} {staff.registration_number}" if staff else "",
        sector=str(badge.get_sector_display()),
        serial=serial,
        serial_line=f"{_(SERIAL_LABEL)} {serial}",
        expires_on=expires_on,
        valid_until_line=f"{_(VALID_UNTIL_LABEL)} {expires_on}",
        validity_line=_(VALIDITY) % {"start": issued_on, "end": expires_on},
        scan_hint=printed(SCAN_HINTS[kind]),
        publisher=_(PUBLISHER),
    )


# The A6 card, in millimetres.
CARD_PAD = 6
CARD_BAND = 20
PHOTO_W, PHOTO_H = 22, 29
CARD_QR_SIZES = (62, 60, 58, 56, 54, 52, 50, 48)  # a module stays ≥ 0.7 mm at the largest codes
CARD_QR_ROOMY = 54  # below this, the enterprise name shrinks to its smallest size first


def _card_band(pdf: Pdf, t: BadgeText, w: float, h: float) -> None:
    c = pdf.c
    c.setFillColorRGB(*BRAND)
    c.rect(0, h - CARD_BAND * MM, w, CARD_BAND * MM, stroke=0, fill=1)
    white = (1, 1, 1)
    band = Column(
        [
            Text(t.title[0], sizes(15, 10), white, center=True, max_lines=1, shrink=1),
            Text(t.title[1], sizes(8, 6), white, center=True, max_lines=1, shrink=0, space_before=1.5 * MM),
        ],
        w - 2 * CARD_PAD * MM,
    )
    band.shrink_to((CARD_BAND - 6) * MM)
    band.draw(pdf, w / 2, h - (CARD_BAND * MM - band.height) / 2)


def card_pdf(badge: Badge, url: str, *, photo: bytes | None = None) -> bytes:
    """One A6 card (105 × 148 mm), portrait: for a lanyard, a door or a contract.

    Top to bottom: the title band; the person (photo, masked name, registration number) for a
    staff badge; the enterprise and its code; the QR code; the scan hint; the footer. The person
    and the enterprise never share a line with the photo's box, and the QR code starts below them.
    """
    from reportlab.lib.pagesizes import A6
    from reportlab.lib.utils import ImageReader

    t = badge_text(badge)
    c, out = canvas_for(A6, f"{t.title[0]} {t.serial}", t.publisher)
    pdf = Pdf(c)
    w, h = A6
    pad = CARD_PAD * MM
    content_w = w - 2 * pad
    _card_band(pdf, t, w, h)
    top = h - (CARD_BAND + 4) * MM

    # The person: photo on the left, name and number beside it; the block ends below both.
    if t.staff_name:
        text_x, text_w = pad, content_w
        bottom = top
        if photo:
            box_w, box_h = PHOTO_W * MM, PHOTO_H * MM
            c.drawImage(
                ImageReader(io.BytesIO(photo)),
                pad,
                top - box_h,
                box_w,
                box_h,
                preserveAspectRatio=True,
                anchor="n",
            )
            text_x, text_w = pad + box_w + 3 * MM, content_w - box_w - 3 * MM
            bottom = top - box_h
        person = Column(
            [
                Text(t.staff_name, sizes(16, 11), max_lines=2, shrink=0),
                Text(t.staff_line, sizes(8.5, 7), max_lines=2, shrink=1, space_before=1.5 * MM),
            ],
            text_w,
        )
        person.shrink_to((PHOTO_H if photo else 20) * MM)
        top = min(bottom, person.draw(pdf, text_x, top)) - 4 * MM

    # From the bottom up: footer, scan hint, then the QR code as large as the enterprise leaves room for.
    footer = Column(
        [Text(f"{t.sector} · {t.serial_line} · {t.validity_line}", sizes(7, 6), GREY, center=True)], content_w
    )
    footer.shrink_to(8 * MM)
    footer_bottom = 5 * MM
    hint = Column(
        [
            Text(t.scan_hint[0], sizes(8.5, 7), center=True, max_lines=2, shrink=0),
            Text(
                t.scan_hint[1],
                sizes(6.5, 5.5),
                GREY,
                center=True,
                max_lines=2,
                shrink=1,
                space_before=0.8 * MM,
            ),
        ],
        content_w,
    )
    hint.shrink_to(11 * MM)
    hint_bottom = footer_bottom + footer.height + 2 * MM
    qr_bottom = hint_bottom + hint.height + 1 * MM
    room = top - qr_bottom - 2 * MM  # for the enterprise block and the QR code

    def enterprise_block(smallest: float) -> Column:
        return Column(
            [
                Text(t.enterprise, sizes(11.5 if t.staff_name else 16, smallest), shrink=0),
                Text(t.uscc_line, sizes(8, 6.5), GREY, max_lines=1, shrink=1, space_before=1 * MM),
            ],
            content_w,
        )

    chosen = None
    for qr_mm in CARD_QR_SIZES:
        block = enterprise_block(9 if qr_mm >= CARD_QR_ROOMY else 6.5)
        if block.shrink_to(room - qr_mm * MM, cut=False):
            chosen = (qr_mm, block)
            break
    if chosen is None:  # past any real name: the smallest code and a shortened name
        qr_mm = CARD_QR_SIZES[-1]
        block = enterprise_block(6.5)
        block.shrink_to(room - qr_mm * MM)
        chosen = (qr_mm, block)
    qr_mm, block = chosen
    block_bottom = block.draw(pdf, pad, top)
    qr_size = qr_mm * MM
    # The code sits in the middle of what is left between the enterprise block and the hint.
    qr_y = qr_bottom + max(0.0, (block_bottom - 2 * MM - qr_bottom - qr_size) / 2)
    pdf.qr((w - qr_size) / 2, qr_y, qr_size, qr_matrix(url))
    hint.draw(pdf, w / 2, hint_bottom + hint.height)
    footer.draw(pdf, w / 2, footer_bottom + footer.height)
    c.showPage()
    c.save()
    return out.getvalue()


# The sticker sheet, in millimetres: 2 × 4 stickers of 105 × 74 mm.
STICKER_QR = 52
STICKER_PAD = 6


def sticker_sheet_pdf(badge: Badge, url: str) -> bytes:
    """An A4 sheet of eight stickers (2 × 4, 105 × 74 mm: the common "8 per sheet" label stock).

    Each sticker: the QR code on the left; on the right, top to bottom, the title, the person,
    the enterprise and the scan hint, and at the foot the serial number and the expiry date.
    """
    from reportlab.lib.pagesizes import A4

    t = badge_text(badge)
    c, out = canvas_for(A4, f"{t.title[0]} {t.serial} ×8", t.publisher)
    pdf = Pdf(c)
    page_w, page_h = A4
    cell_w, cell_h = page_w / 2, page_h / 4
    matrix = qr_matrix(url)
    qr_size = STICKER_QR * MM
    pad = STICKER_PAD * MM
    text_w = cell_w - pad - qr_size - 3 * MM - pad
    foot = Column(
        [
            Text(t.serial_line, sizes(7, 6), GREY, max_lines=1),
            Text(t.valid_until_line, sizes(7, 6), GREY, max_lines=1),
        ],
        text_w,
    )
    foot.shrink_to(cell_h)
    column = Column(
        [
            Text(t.title[0], sizes(11, 8), BRAND, max_lines=2, shrink=3),
            Text(t.title[1], sizes(6.5, 5.5), BRAND, max_lines=1, optional=True, space_before=0.5 * MM),
            Text(t.staff_name, sizes(12, 9), max_lines=2, shrink=2, space_before=1.5 * MM),
            Text(t.staff_line, sizes(7, 6), max_lines=2, shrink=4, space_before=0.5 * MM),
            Text(t.enterprise, sizes(8.5, 5.5), shrink=1, space_before=1.5 * MM),
            Text(t.scan_hint[0], sizes(7, 5.5), GREY, max_lines=3, shrink=0, space_before=1.5 * MM),
        ],
        text_w,
    )
    top_margin, bottom_margin = 7 * MM, 5 * MM
    column.shrink_to(cell_h - top_margin - bottom_margin - foot.height - 2 * MM)
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
        column.draw(pdf, tx, y0 + cell_h - top_margin)
        foot.draw(pdf, tx, y0 + bottom_margin + foot.height)
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
    tiny = ImageFont.truetype(str(FONT_PATH), max(10, side // 38))
    pad = module_px * 3
    lines: list[tuple[str, ImageFont.FreeTypeFont, str]] = []

    def add(text: str, font, color: str) -> None:
        for line in wrap(text, side - 2 * pad, lambda s: font.getlength(s)):
            lines.append((line, font, color))

    add(t.title[0] + (f" · {t.staff_name}" if t.staff_name else ""), big, "#b3261e")
    add(t.enterprise, big, "#1b1f24")
    add(t.scan_hint[0], small, "#57606a")
    if t.scan_hint[1]:
        add(t.scan_hint[1], tiny, "#57606a")
    add(f"{t.serial_line} · {t.valid_until_line}", small, "#57606a")
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
    """The QR code as vectors with a caption, in a ``viewBox`` of QR modules (scales to any size).

    The caption is wrapped to the code's width with the bundled font's measurements; a browser's
    CJK font has the same square glyphs, so the lines fit there too.
    """
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
    caption: list[tuple[str, float, str]] = []
    for text, size, color in (
        (t.title[0] + (f" · {t.staff_name}" if t.staff_name else ""), 2.6, "#b3261e"),
        (t.enterprise, 2.4, "#1b1f24"),
        (f"{t.serial_line} · {t.valid_until_line}", 1.8, "#57606a"),
    ):
        caption += [(line, size, color) for line in wrap(text, n - 4, lambda s, size=size: measure(s, size))]
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
