"""The credit report: a numbered PDF with the Chinese name, a QR code that verifies it, and a
verification page that tells genuine from not genuine."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from lookup import signing
from lookup.models import CreditReport
from lookup.report.content import content_sha256
from lookup.report.tokens import report_token
from sanctions.records import services
from tests.conftest import IN_CI
from tests.factories import EnterpriseFactory
from tests.sanctions.payloads import licence_data, penalty_data

pytestmark = [pytest.mark.django_db]

NAME = "杭州西湖建设工程有限公司"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def enterprise(clerk, reviewer, market_agency):
    enterprise = EnterpriseFactory(
        name=NAME, registered_capital="500", domicile="浙江省杭州市西湖区文三路1号"
    )
    for data, kind in (
        (
            penalty_data(
                market_agency,
                enterprise,
                document_number="杭市监罚〔2026〕7号",
                party_category="natural_person",
                party_name="张三丰",
                legal_representative="赵大宝",
            ),
            "penalty",
        ),
        (licence_data(market_agency, enterprise), "licence"),
    ):
        record, _ = services.record_create(actor=clerk, agency=market_agency, kind=kind, data=data)
        services.record_submit(actor=clerk, record=record)
        services.record_publish(actor=reviewer, record=record)
    hidden, _ = services.record_create(
        actor=clerk,
        agency=market_agency,
        kind="penalty",
        data=penalty_data(market_agency, enterprise, document_number="DRAFT-9"),
    )
    return enterprise


def download(client, enterprise, **extra):
    response = client.get(f"/enterprises/{enterprise.uscc}/report.pdf", **extra)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    return response


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def qr_urls(data: bytes, tmp_path: Path) -> list[str]:
    """Render the PDF's first page as a reader would (pdftoppm) and decode every QR code on it."""
    import zxingcpp
    from PIL import Image

    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True
    )
    image = Image.open(next(tmp_path.glob("page*.png")))
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


def test_report_pdf_holds_the_chinese_name_number_and_public_records_only(client, enterprise):
    response = download(client, enterprise)
    report = CreditReport.objects.get()
    assert response["X-Report-Number"] == report.number
    assert re.fullmatch(r"\d{8}\d{8}", report.number)
    text = pdf_text(response.content)
    compact = "".join(text.split())
    assert "公共信用信息概要" in compact
    assert NAME in compact
    assert report.number in compact
    assert enterprise.uscc in compact
    assert "杭市监罚〔2026〕7号" in compact and "JY23301060001" in compact
    assert "DRAFT-9" not in compact
    assert "张*丰" in compact and "张三丰" not in compact
    assert "赵*宝" in compact and "330106199001011234" not in compact
    assert report.sha256 in compact  # the content checksum is printed on every page


@pytest.mark.skipif(
    shutil.which("pdffonts") is None and not IN_CI,
    reason="needs poppler-utils (apt-get install poppler-utils)",
)
def test_the_chinese_font_is_embedded(client, enterprise, tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(download(client, enterprise).content)
    listing = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
    wqy = [line for line in listing.splitlines() if "WenQuanYiMicroHei" in line]
    assert wqy, listing
    assert all(" yes yes " in line for line in wqy), listing  # embedded, as a subset


def test_every_report_has_a_new_unique_number(client, enterprise):
    first = download(client, enterprise)["X-Report-Number"]
    second = download(client, enterprise)["X-Report-Number"]
    assert first != second
    assert CreditReport.objects.count() == 2


def test_qr_code_decodes_to_a_verification_address_that_says_genuine(client, enterprise, tmp_path):
    response = download(client, enterprise)
    report = CreditReport.objects.get()
    urls = qr_urls(response.content, tmp_path)
    assert len(urls) == 1
    assert urls[0].startswith("http://testserver/r/")
    path = urls[0].removeprefix("http://testserver")
    assert path in "".join(pdf_text(response.content).split())  # the short URL is printed too
    page = client.get(path, HTTP_COOKIE="django_language=en")
    assert page.status_code == 200, page.content.decode()[-3000:]
    content = page.content.decode()
    assert "Genuine" in content
    assert report.number in content and NAME in content and report.sha256 in content
    assert report.issued_at.astimezone().strftime("%Y-%m-%d") in content


def test_stored_content_matches_its_signed_checksum(client, enterprise):
    download(client, enterprise)
    report = CreditReport.objects.get()
    assert content_sha256(report.content) == report.sha256
    assert report.content["enterprise"]["name"] == NAME
    assert [r["document_number"] for r in report.content["records"]["penalty"]] == ["杭市监罚〔2026〕7号"]


def _token_of(client, enterprise, tmp_path) -> str:
    urls = qr_urls(download(client, enterprise).content, tmp_path)
    return urls[0].rsplit("/r/", 1)[1]


def test_a_tampered_token_is_not_genuine(client, enterprise, tmp_path):
    token = _token_of(client, enterprise, tmp_path)
    body, signature = token.split(".")

    def flip(text: str, at: int) -> str:
        return text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1 :]

    for bad in (
        f"{flip(body, 10)}.{signature}",
        f"{body}.{flip(signature, 20)}",
        "nonsense",
        token + "x",
        f"{body}.{body}",
    ):
        response = client.get(f"/r/{bad}", HTTP_COOKIE="django_language=en")
        assert response.status_code == 404, bad
        assert "Not genuine" in response.content.decode()


def test_a_token_for_an_unknown_report_or_an_altered_checksum_is_not_genuine(client, enterprise, tmp_path):
    download(client, enterprise)
    report = CreditReport.objects.get()
    forged_checksum = report_token(report.number, "0" * 64)  # signed, but not what was issued
    assert client.get(f"/r/{forged_checksum}").status_code == 404
    unknown = report_token("2099010199999999", report.sha256)
    assert client.get(f"/r/{unknown}").status_code == 404
    CreditReport.objects.filter(pk=report.pk).update(content={**report.content, "number": "x"})
    genuine_token = report_token(report.number, report.sha256)
    assert client.get(f"/r/{genuine_token}").status_code == 404  # the stored content was altered


def test_a_token_signed_by_an_unknown_key_is_not_genuine(client, enterprise, settings):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    download(client, enterprise)
    report = CreditReport.objects.get()
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    original = signing.keyring()
    settings.SIGNING_KEYS = {"rogue": signing.b64encode(raw)}
    settings.SIGNING_CURRENT_KID = "rogue"
    signing.keyring.cache_clear()
    try:
        rogue = report_token(report.number, report.sha256)
    finally:
        signing.keyring.cache_clear()
        settings.SIGNING_KEYS, settings.SIGNING_CURRENT_KID = {}, ""
        signing.keyring.cache_clear()
    assert signing.keyring().current_kid == original.current_kid
    assert client.get(f"/r/{rogue}").status_code == 404


def test_a_badge_style_token_is_never_a_report(client):
    token = signing.sign(b"badge:42")
    assert client.get(f"/r/{token}").status_code == 404


def test_uploading_the_issued_pdf_says_it_matches_and_an_altered_one_does_not(client, enterprise, tmp_path):
    pdf = download(client, enterprise).content
    token = qr_urls(pdf, tmp_path)[0].rsplit("/r/", 1)[1]
    CreditReport.objects.update()  # nothing else changes the report
    same = client.post(
        f"/r/{token}",
        {"file": SimpleUploadedFile("r.pdf", pdf, "application/pdf")},
        HTTP_COOKIE="django_language=en",
    )
    assert same.status_code == 200
    assert "exactly the PDF the registry issued" in same.content.decode()
    altered = pdf[:-100] + pdf[-100:].replace(b"startxref", b"startxreg")  # one byte changed
    other = client.post(
        f"/r/{token}",
        {"file": SimpleUploadedFile("r.pdf", altered, "application/pdf")},
        HTTP_COOKIE="django_language=en",
    )
    assert other.status_code == 200
    assert "NOT the PDF issued" in other.content.decode()


def test_report_of_an_unknown_enterprise_is_404(client):
    from tests.factories import enterprise_code

    assert client.get(f"/enterprises/{enterprise_code(777)}/report.pdf").status_code == 404


def test_a_checksum_containing_the_separator_byte_still_reads():
    from lookup.report.tokens import report_token, report_token_read

    checksum = "7c" * 32  # every byte is "|"
    kid, number, digest = report_token_read(report_token("2026112600000042", checksum))
    assert (number, digest) == ("2026112600000042", checksum)


def test_the_report_signs_its_standing_and_the_verification_page_repeats_it(client, enterprise, tmp_path):
    """The report's "信用状况" is part of the signed content, worded from the records it lists."""
    pdf = download(client, enterprise, HTTP_COOKIE="django_language=en").content
    report = CreditReport.objects.get()
    standing = report.content["standing"]
    assert report.content["format"] == "credit-report/2"
    assert standing["level"] == "penalised" and standing["penalties"] == len(
        report.content["records"]["penalty"]
    )
    assert standing["summary"] == "Penalties in publicity: 1 administrative penalty in its publicity period"
    assert "".join(standing["summary"].split()) in "".join(pdf_text(pdf).split())
    token = qr_urls(pdf, tmp_path)[0].rsplit("/r/", 1)[1]
    page = client.get(f"/r/{token}", HTTP_COOKIE="django_language=en").content.decode()
    assert standing["summary"] in page
