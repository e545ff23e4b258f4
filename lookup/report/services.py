"""Issue a numbered, signed credit report; verify a report's token, or an uploaded copy of its PDF."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone, translation

from lookup.models import CreditReport
from lookup.signing import BadSignature, keyring
from registry.db import id_sequence
from registry.models import Enterprise

from .content import content_sha256, report_content
from .layout import render_pdf
from .tokens import report_token, report_token_read

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@dataclass
class IssuedReport:
    report: CreditReport
    pdf: bytes
    token: str
    url: str


def _next_report_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s::regclass)", [id_sequence(cursor, CreditReport._meta.db_table)])
        return cursor.fetchone()[0]


def credit_report_issue(
    *, enterprise: Enterprise, verify_url: Callable[[str], str], requested_by=None
) -> IssuedReport:
    """Issue a numbered, signed report of what is public about the enterprise right now.

    Anyone may ask for one (it shows only public information). The number is the local date of
    issue and the report's sequence number: ``20260512`` + ``00000042``.
    """
    issued_at = timezone.now().replace(microsecond=0)
    report_id = _next_report_id()
    number = f"{timezone.localtime(issued_at):%Y%m%d}{report_id:08d}"
    language = translation.get_language() or settings.LANGUAGE_CODE
    content = report_content(enterprise=enterprise, number=number, issued_at=issued_at, language=language)
    checksum = content_sha256(content)
    token = report_token(number, checksum)
    url = verify_url(token)
    pdf = render_pdf(content, checksum=checksum, url=url)
    report = CreditReport.objects.create(
        id=report_id,
        number=number,
        enterprise=enterprise,
        issued_at=issued_at,
        sha256=checksum,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        content=content,
        language=language,
        key_id=keyring().current_kid,
        requested_by=requested_by if getattr(requested_by, "is_authenticated", False) else None,
    )
    return IssuedReport(report, pdf, token, url)


@dataclass
class Verification:
    genuine: bool
    report: CreditReport | None = None
    key_id: str = ""
    reason: str = ""


def credit_report_verify(*, token: str) -> Verification:
    """Is this the token of a report the registry issued, with the content it was issued with?"""
    try:
        kid, number, checksum = report_token_read(token)
    except BadSignature as exc:
        return Verification(False, reason=str(exc))
    report = CreditReport.objects.select_related("enterprise").filter(number=number).first()
    if report is None or report.sha256 != checksum or report.key_id != kid:
        return Verification(False, key_id=kid, reason="no such report")
    if content_sha256(report.content) != checksum:
        return Verification(False, key_id=kid, reason="stored content altered")
    return Verification(True, report=report, key_id=kid)


def pdf_matches(report: CreditReport, chunks: Iterable[bytes]) -> bool:
    """Whether a file's bytes are exactly the PDF issued for this report."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return bool(report.pdf_sha256) and digest.hexdigest() == report.pdf_sha256
