"""Shared set-up of the badge tests (no tests here): an enterprise with a confirmed account, scans, QR decoding."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlparse

from lookup.badges import verification
from registry import accounts
from sanctions.lists import standing
from tests.factories import UserFactory
from tests.sanctions.payloads import penalty_data


def confirmed_account(*, registry_admin, enterprise, username: str):
    """A person who acts for the enterprise: claimed with a one-time code and confirmed."""
    person = UserFactory(username=username)
    _, code = accounts.claim_code_issue(actor=registry_admin, enterprise=enterprise)
    account = accounts.enterprise_claim(actor=person, uscc=enterprise.uscc, code=code)
    accounts.enterprise_account_confirm(actor=registry_admin, account=account)
    return person


def publish_serious_penalty(*, clerk, reviewer, agency, enterprise):
    from sanctions.records import services

    record, _ = services.record_create(
        actor=clerk, agency=agency, kind="penalty", data=penalty_data(agency, enterprise, severity="serious")
    )
    services.record_submit(actor=clerk, record=record)
    return services.record_publish(actor=reviewer, record=record)


def decode_image(image) -> list[str]:
    """Texts of every QR code a real decoder (ZXing) finds in a PIL image."""
    import zxingcpp

    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


def decode_pdf(pdf: bytes, *, dpi: int = 80) -> list[str]:
    """Rasterise every page with pdftoppm, as a printer or a screenshot would, and decode the QR codes."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "badge.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(dpi), str(source), str(Path(tmp) / "page")],
            check=True,
            timeout=120,
        )
        texts = []
        for page in sorted(Path(tmp).glob("page*.png")):
            with Image.open(page) as image:
                texts += decode_image(image.convert("L"))
        return texts


def path_of(url: str) -> str:
    return urlparse(url).path


def scan(client, token: str):
    response = client.get(f"/v/{token}")
    assert response.status_code == 200
    return response


def result_of(token: str) -> str:
    return verification.badge_verify(token=token)["result"]


def dishonest(*, enterprise, today=None):
    return standing.Standing(
        standing.DISHONEST,
        lists=(
            standing.ListCount(
                "dishonest", "严重失信主体名单", "Seriously dishonest entities", "punishment", 1
            ),
        ),
    )
