"""What a printed badge says and where: in the issuer's language, and nothing on top of anything else.

Positions come from the PDF itself (pypdf's content-stream visitor): each line of text as drawn,
with its font size and the font's ascent and descent; the photo as placed; each QR code's white
square (its quiet zone included). No two may overlap, whatever the length of the names.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import trans_real
from PIL import Image
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics

from lookup.badges import layouts, services, typesetting
from tests.conftest import IN_CI
from tests.factories import EnterpriseFactory
from tests.lookup.badges.support import confirmed_account, decode_pdf

pytestmark = [pytest.mark.django_db]
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None and not IN_CI,
    reason="needs poppler-utils (apt-get install poppler-utils; CI installs it)",
)

# Real-looking long names: a branch of a corps farm's development company (54 characters), a
# county-level state-owned group's project company (68), and a name at the field's limit.
LONG_NAME = "新疆生产建设兵团第十二师五一农场乌鲁木齐市头屯河区城乡建设综合开发投资有限责任公司第三分公司物业管理服务部"
LONGER_NAME = "内蒙古自治区鄂尔多斯市伊金霍洛旗阿勒腾席热镇城乡建设投资集团有限责任公司下属乌兰木伦河生态综合治理项目管理有限公司"
LIMIT_NAME = ("黑龙江省哈尔滨市道里区安居乐业家庭服务与物业管理有限责任公司" * 7)[:200]
LONG_PERSON = "阿卜杜热合曼·买买提明·吐尔逊巴依"


@dataclass(frozen=True)
class Box:
    what: str
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box, tolerance: float = 0.2) -> bool:
        return (
            self.x0 < other.x1 - tolerance
            and other.x0 < self.x1 - tolerance
            and self.y0 < other.y1 - tolerance
            and other.y0 < self.y1 - tolerance
        )


def drawn(pdf: bytes, page: int = 0) -> tuple[list[Box], list[Box], list[Box]]:
    """(lines of text, images, QR squares) as drawn on a page, in points from its lower left corner."""
    typesetting.register_font()
    reader = PdfReader(io.BytesIO(pdf))
    texts: list[Box] = []
    images: list[Box] = []
    squares: list[Box] = []

    def on_text(text, cm, tm, font_dict, font_size):
        line = text.strip()
        if not line:
            return
        x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
        ascent, descent = pdfmetrics.getAscentDescent(typesetting.FONT, font_size)
        width = pdfmetrics.stringWidth(line, typesetting.FONT, font_size)
        texts.append(Box(line, x, y + descent, x + width, y + ascent))

    def on_operator(operator, operands, cm, tm):
        if operator == b"Do":  # an image, placed by the current matrix
            images.append(Box("image", cm[4], cm[5], cm[4] + cm[0], cm[5] + cm[3]))
        elif operator == b"re":
            x, y, w, h = (float(v) for v in operands)
            if w == h and w > 100:  # a QR code's white square (the modules inside are small)
                squares.append(Box("qr", x, y, x + w, y + h))

    reader.pages[page].extract_text(visitor_text=on_text, visitor_operand_before=on_operator)
    return texts, images, squares


def assert_nothing_overlaps(pdf: bytes, *, page_size: tuple[float, float]) -> list[Box]:
    texts, images, squares = drawn(pdf)
    boxes = texts + images + squares
    for index, box in enumerate(boxes):
        assert box.x0 >= -0.1 and box.y0 >= -0.1, box
        assert box.x1 <= page_size[0] + 0.1 and box.y1 <= page_size[1] + 0.1, box
        for other in boxes[index + 1 :]:
            assert not box.overlaps(other), f"{box} overlaps {other}"
    return texts


def _badge(*, name: str, person: str | None, photo: bool, registry_admin):
    enterprise = EnterpriseFactory(name=name)
    owner = confirmed_account(
        registry_admin=registry_admin, enterprise=enterprise, username=f"u{enterprise.pk}"
    )
    staff = None
    if person:
        image = io.BytesIO()
        Image.new("RGB", (300, 400), "#7a9cc6").save(image, "JPEG")
        image.seek(0)
        staff = services.badge_staff_register(
            actor=owner,
            enterprise=enterprise,
            full_name=person,
            registration_number="JZ-650106-2024-000042",
            photo=image if photo else None,
        )
    badge = services.badge_issue(actor=owner, enterprise=enterprise, sector="domestic_cleaning", staff=staff)
    return owner, enterprise, badge


def _download(client, owner, enterprise, badge, layout: str, language: str | None = None) -> bytes:
    client.force_login(owner)
    if language:
        client.cookies["django_language"] = language
    else:
        client.cookies.pop("django_language", None)
    response = client.get(f"/account/enterprises/{enterprise.uscc}/badges/{badge.serial_display}/{layout}")
    assert response.status_code == 200
    return response.content


@pytest.fixture
def translated_hints(monkeypatch):
    """Chinese for the printed messages, fixed here so that the test does not depend on the catalogue's wording."""
    with translation.override("zh-hans"):
        catalog = trans_real.translation("zh-hans")._catalog._catalogs[0]
    chinese = {
        layouts.SCAN_HINTS["staff"]: "扫码实时核验企业及人员真伪",
        layouts.SCAN_HINTS["enterprise"]: "扫码实时核验企业真伪",
        layouts.VALIDITY: "有效期 %(start)s 至 %(end)s",
    }
    for msgid, msgstr in chinese.items():
        monkeypatch.setitem(catalog, msgid, msgstr)
    return chinese


# --- Geometry ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "person", "photo"),
    [
        (LONG_NAME, "张三明", True),
        (LONGER_NAME, LONG_PERSON, True),
        (LONGER_NAME, LONG_PERSON, False),
        (LONG_NAME, None, False),
        (LIMIT_NAME, "张三明", True),
        ("杭州西湖安心家政服务有限公司", "张三明", True),
    ],
)
def test_the_a6_card_lays_out_long_names_without_overlap(client, registry_admin, name, person, photo):
    from reportlab.lib.pagesizes import A6

    owner, enterprise, badge = _badge(name=name, person=person, photo=photo, registry_admin=registry_admin)
    pdf = _download(client, owner, enterprise, badge, "card.pdf")
    texts = assert_nothing_overlaps(pdf, page_size=A6)
    _, images, squares = drawn(pdf)
    assert len(squares) == 1 and len(images) == (1 if photo else 0)
    qr = squares[0]
    assert qr.x1 - qr.x0 >= layouts.CARD_QR_SIZES[-1] * typesetting.MM - 0.1  # never smaller than that
    lines = [t.what for t in texts]
    assert name in "".join(lines)  # printed whole, up to the field's limit, over as many lines as it takes
    # The enterprise and the person are above the code; the photo is beside the person, above the name.
    name_lines = [t for t in texts if t.what in name]
    assert all(t.y0 >= qr.y1 for t in name_lines)
    if photo:
        assert all(t.y1 <= images[0].y0 for t in name_lines)


@pytest.mark.parametrize("name", [LONGER_NAME, LIMIT_NAME])
def test_the_sticker_sheet_lays_out_long_names_without_overlap(client, registry_admin, name):
    from reportlab.lib.pagesizes import A4

    owner, enterprise, badge = _badge(
        name=name, person=LONG_PERSON, photo=True, registry_admin=registry_admin
    )
    pdf = _download(client, owner, enterprise, badge, "stickers.pdf")
    texts = assert_nothing_overlaps(pdf, page_size=A4)
    _, _, squares = drawn(pdf)
    assert len(squares) == 8
    cell_w, cell_h = A4[0] / 2, A4[1] / 4
    for square in squares:  # each sticker's text stays inside its own sticker
        col, row = int(square.x0 // cell_w), int(square.y0 // cell_h)
        mine = [
            t
            for t in texts
            if col * cell_w <= t.x0 < (col + 1) * cell_w and row * cell_h <= t.y0 < (row + 1) * cell_h
        ]
        assert all(t.x1 <= (col + 1) * cell_w and t.y1 <= (row + 1) * cell_h for t in mine)
        assert name in "".join(t.what for t in mine) or "…" in "".join(t.what for t in mine)


@needs_poppler
def test_a_card_with_a_long_name_still_scans(client, registry_admin):
    owner, enterprise, badge = _badge(
        name=LONGER_NAME, person=LONG_PERSON, photo=True, registry_admin=registry_admin
    )
    pdf = _download(client, owner, enterprise, badge, "card.pdf")
    assert decode_pdf(pdf, dpi=80) == [f"http://testserver/v/{badge.token}"]


@needs_poppler
def test_rasterised_long_name_card_for_looking_at(client, registry_admin):
    """Leaves reports/badges/card-long-name-110dpi.png, to look at."""
    owner, enterprise, badge = _badge(
        name=LONGER_NAME, person=LONG_PERSON, photo=True, registry_admin=registry_admin
    )
    pdf = _download(client, owner, enterprise, badge, "card.pdf")
    reports = Path(__file__).resolve().parents[3] / "reports" / "badges"
    reports.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(pdf)
        target = reports / "card-long-name-110dpi"
        subprocess.run(
            ["pdftoppm", "-png", "-r", "110", "-singlefile", str(source), str(target)],
            check=True,
            timeout=120,
        )
    assert target.with_suffix(".png").stat().st_size > 10_000


def test_wrapping_never_makes_a_line_wider_than_the_box():
    measure = lambda text: len(text) * 10.0  # noqa: E731 - ten points a character
    lines = typesetting.wrap("A-CODE-WITH-NO-SPACES-AT-ALL-0123456789 and 中文名称", 100, measure)
    assert all(measure(line) <= 100 for line in lines)
    assert "".join(lines).replace(" ", "") == "A-CODE-WITH-NO-SPACES-AT-ALL-0123456789and中文名称"


# --- Language ----------------------------------------------------------------------------------


def _text(pdf: bytes) -> str:
    return "\n".join(t.what for t in drawn(pdf)[0])


def test_a_card_printed_in_chinese_says_everything_in_chinese_with_english_second(
    client, registry_admin, translated_hints
):
    owner, enterprise, badge = _badge(
        name=LONG_NAME, person="张三明", photo=True, registry_admin=registry_admin
    )
    lines = _text(_download(client, owner, enterprise, badge, "card.pdf")).splitlines()  # Chinese by default
    assert lines[0] == "从业人员信用码牌" and lines[1] == "Staff badge"  # the title, then its English line
    text = "\n".join(lines)
    assert "登记号 JZ-650106-2024-000042" in text
    assert f"统一社会信用代码 {enterprise.uscc}" in text
    assert "扫码实时核验企业及人员真伪" in text
    assert text.index("扫码实时核验企业及人员真伪") < text.index(
        layouts.SCAN_HINTS["staff"]
    )  # English second
    assert "家政服务与保洁" in text and "编号" in text and f"有效期 {badge.issued_on.isoformat()} 至" in text
    for english_label in ("Registration no.", "USCC", "Unified social credit code", "Serial number", "No. "):
        assert english_label not in text


def test_a_card_printed_in_english_says_nothing_in_chinese_but_the_names(client, registry_admin):
    owner, enterprise, badge = _badge(
        name=LONG_NAME, person="张三明", photo=True, registry_admin=registry_admin
    )
    text = _text(_download(client, owner, enterprise, badge, "card.pdf", language="en"))
    assert text.splitlines()[0] == "Staff badge"
    assert "Registration no. JZ-650106-2024-000042" in text
    assert f"Unified social credit code {enterprise.uscc}" in text
    assert layouts.SCAN_HINTS["staff"] in text and "Domestic" in text
    for chinese_label in ("从业人员信用码牌", "登记号", "统一社会信用代码", "编号", "有效期", "家政服务"):
        assert chinese_label not in text


def test_the_sticker_sheet_and_svg_follow_the_issuers_language(client, registry_admin, translated_hints):
    owner, enterprise, badge = _badge(
        name="杭州西湖安心家政服务有限公司", person=None, photo=False, registry_admin=registry_admin
    )
    chinese = _text(_download(client, owner, enterprise, badge, "stickers.pdf"))
    assert chinese.count("企业信用码牌") == 8 and chinese.count("扫码实时核验企业真伪") == 8
    assert chinese.count("有效期至") == 8 and "Valid until" not in chinese
    english = _text(_download(client, owner, enterprise, badge, "stickers.pdf", language="en"))
    assert (
        english.count("Enterprise badge") == 8 and "企业信用码牌" not in english and "有效期至" not in english
    )
    svg_zh = _download(client, owner, enterprise, badge, "qr.svg").decode()
    svg_en = _download(client, owner, enterprise, badge, "qr.svg", language="en").decode()
    assert "企业信用码牌" in svg_zh and "有效期至" in svg_zh
    assert "Enterprise badge" in svg_en and "Valid until" in svg_en and "企业信用码牌" not in svg_en


@pytest.mark.skipif(shutil.which("xgettext") is None and not IN_CI, reason="needs gettext (xgettext)")
def test_every_printed_label_is_in_the_message_catalogue_source():
    """The labels reach the translators: ``makemessages`` (xgettext, Django's keywords) extracts each one."""
    source = Path(layouts.__file__)
    output = subprocess.run(
        [
            "xgettext",
            "--language=Python",
            "--from-code=UTF-8",
            "--keyword=gettext_noop",
            "--keyword=gettext_lazy",
            "--keyword=_",
            "--output=-",
            str(source),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    printed = [
        *layouts.TITLES.values(),
        *layouts.SCAN_HINTS.values(),
        layouts.USCC_LABEL,
        layouts.REGISTRATION_LABEL,
        layouts.SERIAL_LABEL,
        layouts.VALID_UNTIL_LABEL,
        layouts.VALIDITY,
    ]
    for message in printed:
        assert f'msgid "{message}"' in output
