"""Printed and embedded badges: a real decoder (ZXing) reads the QR code off each layout, and it verifies."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.core.cache import cache
from PIL import Image

from lookup.badges import layouts, services
from lookup.badges.verification import local_clear
from tests.conftest import IN_CI
from tests.factories import EnterpriseFactory
from tests.lookup.badges.support import confirmed_account, decode_image, decode_pdf, path_of

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        shutil.which("pdftoppm") is None and not IN_CI,
        reason="needs poppler-utils (apt-get install poppler-utils; CI installs it)",
    ),
]
REPORTS = Path(__file__).resolve().parents[3] / "reports" / "badges"


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.BADGE_SCAN_FLUSH_SECONDS = 0
    settings.BADGE_LIVE_MEMO_SECONDS = 0  # every change seen at the very next scan
    cache.clear()
    local_clear()
    yield
    cache.clear()


@pytest.fixture
def enterprise():
    return EnterpriseFactory(name="杭州西湖安心家政服务有限公司")


@pytest.fixture
def owner(registry_admin, enterprise):
    return confirmed_account(registry_admin=registry_admin, enterprise=enterprise, username="agency_boss")


@pytest.fixture
def staff_badge(owner, enterprise):
    photo = io.BytesIO()
    Image.new("RGB", (300, 400), "#7a9cc6").save(photo, "JPEG")
    photo.seek(0)
    staff = services.badge_staff_register(
        actor=owner,
        enterprise=enterprise,
        full_name="张三明",
        registration_number="JZ-330106-0042",
        photo=photo,
    )
    return services.badge_issue(actor=owner, enterprise=enterprise, sector="domestic_cleaning", staff=staff)


def _download(client, owner, enterprise, badge, layout: str):
    client.force_login(owner)
    response = client.get(f"/account/enterprises/{enterprise.uscc}/badges/{badge.serial_display}/{layout}")
    assert response.status_code == 200, response.content[:300]
    return response


def _keep(name: str, data: bytes) -> Path:
    REPORTS.mkdir(parents=True, exist_ok=True)
    path = REPORTS / name
    path.write_bytes(data)
    return path


def _leads_to_valid(client, url: str, badge) -> None:
    assert url == f"http://testserver/v/{badge.token}"
    page = client.get(path_of(url)).content.decode()
    assert 'class="verdict verdict-valid"' in page and badge.serial_display in page


def test_png_decodes_to_the_verification_url(client, owner, enterprise, staff_badge):
    response = _download(client, owner, enterprise, staff_badge, "qr.png")
    assert response["Content-Type"] == "image/png"
    _keep("badge.png", response.content)
    with Image.open(io.BytesIO(response.content)) as image:
        assert decode_image(image) == [f"http://testserver/v/{staff_badge.token}"]
        small = image.resize((image.width // 3, image.height // 3))  # embedded small on a web page
        assert decode_image(small) == [f"http://testserver/v/{staff_badge.token}"]
    _leads_to_valid(client, f"http://testserver/v/{staff_badge.token}", staff_badge)


def test_a6_card_pdf_decodes_at_80_dpi_and_embeds_its_chinese_font(client, owner, enterprise, staff_badge):
    response = _download(client, owner, enterprise, staff_badge, "card.pdf")
    assert response["Content-Type"] == "application/pdf"
    path = _keep("card.pdf", response.content)
    [url] = decode_pdf(response.content, dpi=80)
    _leads_to_valid(client, url, staff_badge)
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert "WenQuanYiMicroHei" in fonts and all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert "杭州西湖安心家政服务有限公司" in text and "张*明" in text and "张三明" not in text
    assert staff_badge.serial_display in text


def test_a4_sheet_has_eight_stickers_that_each_decode(client, owner, enterprise, staff_badge):
    response = _download(client, owner, enterprise, staff_badge, "stickers.pdf")
    _keep("stickers.pdf", response.content)
    urls = decode_pdf(response.content, dpi=100)
    assert urls == [f"http://testserver/v/{staff_badge.token}"] * 8
    _leads_to_valid(client, urls[0], staff_badge)


def test_svg_modules_decode_to_the_same_url(client, owner, enterprise, staff_badge):
    response = _download(client, owner, enterprise, staff_badge, "qr.svg")
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    _keep("badge.svg", response.content)
    import xml.etree.ElementTree as ET

    root = ET.fromstring(svg)  # noqa: S314 - our own output
    size = int(root.get("viewBox").split()[2])
    path = root.find("{http://www.w3.org/2000/svg}path").get("d")
    image = Image.new("L", (size, size), 255)
    for x, y, w in re.findall(r"M(\d+) (\d+)h(\d+)", path):
        for dx in range(int(w)):
            image.putpixel((int(x) + dx, int(y)), 0)
    assert decode_image(image.resize((size * 6, size * 6), Image.NEAREST)) == [
        f"http://testserver/v/{staff_badge.token}"
    ]
    assert "张*明" in svg and "杭州西湖安心家政服务有限公司" in svg


def test_the_qr_code_uses_error_correction_q_and_stays_small(staff_badge):
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=4)
    code.add_data(f"https://xinyong.example.gov.cn/v/{staff_badge.token}")
    code.make(fit=True)
    assert code.version <= 13
    matrix = layouts.qr_matrix(f"https://xinyong.example.gov.cn/v/{staff_badge.token}")
    assert len(matrix) == code.modules_count + 8
    # On a sticker (52 mm) a module is at least 0.6 mm; phones read 0.4 mm at arm's length.
    assert 52 / len(matrix) >= 0.6


def test_the_configured_public_address_goes_into_the_code(client, owner, enterprise, staff_badge, settings):
    settings.PORTAL_PUBLIC_BASE_URL = "https://xinyong.example.gov.cn/"
    response = _download(client, owner, enterprise, staff_badge, "qr.png")
    with Image.open(io.BytesIO(response.content)) as image:
        assert decode_image(image) == [f"https://xinyong.example.gov.cn/v/{staff_badge.token}"]


def test_a_revoked_badge_is_not_printed(client, owner, enterprise, staff_badge):
    services.badge_revoke(actor=owner, badge=staff_badge)
    client.force_login(owner)
    response = client.get(
        f"/account/enterprises/{enterprise.uscc}/badges/{staff_badge.serial_display}/card.pdf"
    )
    assert response.status_code == 302


def test_rasterised_pages_for_looking_at(client, owner, enterprise, staff_badge):
    """Leaves PNGs of both PDFs under reports/badges/ (pdftoppm -r 80) to look at."""
    for layout in ("card.pdf", "stickers.pdf"):
        pdf = _download(client, owner, enterprise, staff_badge, layout).content
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / "in.pdf"
            source.write_bytes(pdf)
            REPORTS.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    "80",
                    "-singlefile",
                    str(source),
                    str(REPORTS / layout.replace(".pdf", "-80dpi")),
                ],
                check=True,
                timeout=120,
            )
        assert (REPORTS / layout.replace(".pdf", "-80dpi.png")).stat().st_size > 10_000
