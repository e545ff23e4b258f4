"""What the remedies tests share: file contents good and bad, uploads, and published records,
listings and enterprise accounts to apply for, object to and decide on."""

from __future__ import annotations

import datetime as dt
import io
import itertools

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from registry.accounts import claim_code_issue, enterprise_account_confirm, enterprise_claim
from sanctions.lists import services as lists
from sanctions.models import ListKind
from sanctions.records import services
from tests.factories import UserFactory
from tests.sanctions.payloads import penalty_data

# A whole (one blank page) PDF: attachments must be PDFs that can be read (sanctions/remedies/uploads.py).
PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] "
    b"/Count 1 >>\nendobj\n3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\nxref\n0 4\n"
    b"0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \ntrailer\n"
    b"<< /Size 4 /Root 1 0 R >>\nstartxref\n186\n%%EOF\n"
)
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 64
    + b"This program cannot be run"
)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
_numbers = itertools.count(1)


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def good_materials() -> list[tuple[str, SimpleUploadedFile]]:
    return [
        ("commitment_letter", upload("承诺书.pdf", PDF)),
        ("proof_of_performance", upload("罚款缴纳凭证.png", png_bytes(), "image/png")),
    ]


def days_ago(days: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


def publish_penalty(clerk, reviewer, agency, enterprise, **overrides):
    overrides.setdefault("document_number", f"浙市监罚〔2026〕{next(_numbers)}号")
    record, _ = services.record_create(
        actor=clerk, agency=agency, kind="penalty", data=penalty_data(agency, enterprise, **overrides)
    )
    services.record_submit(actor=clerk, record=record)
    return services.record_publish(actor=reviewer, record=record)


def enterprise_account(registry_admin, enterprise, username: str):
    user = UserFactory(username=username)
    _claim, code = claim_code_issue(actor=registry_admin, enterprise=enterprise)
    account = enterprise_claim(actor=user, uscc=enterprise.uscc, code=code)
    enterprise_account_confirm(actor=registry_admin, account=account)
    return user


def publish_listing(clerk, reviewer, agency, enterprise, kind: str = "dishonest", start_days_ago: int = 10):
    listing = lists.listing_create(
        actor=clerk,
        agency=agency,
        enterprise=enterprise,
        list_kind=ListKind.objects.get(pk=kind),
        data={
            "grounds": "拒不履行行政处罚决定。",
            "legal_basis": "《严重违法失信名单管理办法》",
            "document_number": f"浙市监信〔2026〕{next(_numbers)}号",
            "start_date": timezone.localdate() - dt.timedelta(days=start_days_ago),
        },
    )
    lists.listing_submit(actor=clerk, listing=listing)
    return lists.listing_publish(actor=reviewer, listing=listing)
