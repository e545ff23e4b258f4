"""The papers a demo repair application attaches: real one-page PDFs (a commitment letter and a proof
of performance) that pass the upload checks as any applicant's would."""

from __future__ import annotations

import datetime as dt
import io
from functools import lru_cache

from django.core.files.uploadedfile import SimpleUploadedFile

from sanctions.choices import MaterialKind

_FONT = "STSong-Light"  # one of reportlab's built-in CJK fonts: no font file needed


@lru_cache(maxsize=1)
def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(_FONT))
    return _FONT


def pdf_page(title: str, lines: list[str]) -> bytes:
    """A one-page A4 PDF with a title and lines of text."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4, invariant=True)
    font = _font()
    width, height = A4
    page.setFont(font, 18)
    page.drawCentredString(width / 2, height - 90, title)
    page.setFont(font, 11)
    y = height - 140
    for line in lines:
        while line:
            page.drawString(70, y, line[:40])
            line = line[40:]
            y -= 20
    page.showPage()
    page.save()
    return out.getvalue()


def repair_materials(
    *, enterprise_name: str, document_number: str, day: dt.date
) -> list[tuple[str, SimpleUploadedFile]]:
    """The two papers every repair application needs (``repair.REQUIRED_MATERIALS``)."""
    letter = pdf_page(
        "信用修复承诺书",
        [
            f"本单位{enterprise_name}就{document_number}行政处罚决定申请信用修复，郑重承诺：",
            "一、所提交的申请材料真实、准确、完整；",
            "二、已履行行政处罚决定规定的义务，违法行为已经纠正；",
            "三、如有虚假，自愿承担相应法律责任，并接受失信惩戒。",
            f"承诺单位：{enterprise_name}",
            f"日期：{day.isoformat()}",
        ],
    )
    proof = pdf_page(
        "履行证明",
        [
            f"兹证明{enterprise_name}已按{document_number}行政处罚决定书的要求，",
            "足额缴纳罚没款项，并完成整改，经复查合格。",
            "附：罚没款缴款凭证、整改报告。",
            f"日期：{day.isoformat()}",
        ],
    )
    return [
        (MaterialKind.COMMITMENT_LETTER, SimpleUploadedFile("信用修复承诺书.pdf", letter, "application/pdf")),
        (MaterialKind.PROOF_OF_PERFORMANCE, SimpleUploadedFile("履行证明.pdf", proof, "application/pdf")),
    ]
