"""Repair materials and objection evidence: a PDF that acts when opened is refused, by name.

A PDF with /OpenAction JavaScript, and a polyglot that starts with %PDF- followed by HTML and a
script, were accepted as repair materials. Each file below is built byte by byte, as an attacker
would, including a JavaScript action hidden in a compressed object stream (invisible to a search of
the file's bytes) and one whose name is written with #xx escapes."""

from __future__ import annotations

import io
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from sanctions.models import Objection
from sanctions.remedies.uploads import check_upload
from tests.sanctions.remedies.helpers import PDF, days_ago, publish_penalty, upload

PAGES = [
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
]


def pdf(catalog: bytes = b"", *extra: bytes, preamble: bytes = b"") -> bytes:
    """A PDF with a classic cross-reference table: the catalog (plus ``catalog`` entries), its page,
    and ``extra`` objects numbered from 4."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>", *PAGES, *extra]
    out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + preamble
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def pdf_with_object_stream(hidden: bytes) -> bytes:
    """PDF 1.5: the catalog and ``hidden`` (object 4) compressed in an object stream (object 5),
    found through a cross-reference stream (object 6): no byte of them shows in the file."""
    catalog = b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>"
    head = b"1 0 4 %d " % (len(catalog) + 1)
    packed = zlib.compress(head + catalog + b" " + hidden)
    out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    offsets = {}
    for number, body in ((2, PAGES[0]), (3, PAGES[1])):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    offsets[5] = len(out)
    out += b"5 0 obj\n<< /Type /ObjStm /N 2 /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (
        len(head),
        len(packed),
    )
    out += packed + b"\nendstream\nendobj\n"
    offsets[6] = len(out)
    rows = [b"\x00" + (0).to_bytes(4, "big") + b"\xff\xff"]  # object 0: free
    rows.append(b"\x02" + (5).to_bytes(4, "big") + (0).to_bytes(2, "big"))  # 1: in stream 5, first
    rows += [b"\x01" + offsets[n].to_bytes(4, "big") + b"\x00\x00" for n in (2, 3)]
    rows.append(b"\x02" + (5).to_bytes(4, "big") + (1).to_bytes(2, "big"))  # 4: in stream 5, second
    rows += [b"\x01" + offsets[n].to_bytes(4, "big") + b"\x00\x00" for n in (5, 6)]
    table = b"".join(rows)
    out += b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % len(table)
    out += table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[6]
    return out


def refused(content: bytes, name: str = "承诺书.pdf") -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        check_upload(upload(name, content))
    return caught.value


def test_a_plain_pdf_is_accepted():
    assert check_upload(upload("承诺书.pdf", PDF)).content_type == "application/pdf"
    assert check_upload(upload("a.pdf", pdf())).size > 0
    # A link to a web page is no active content.
    link = b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /URI /URI (https://example.org/) >> >>"
    assert check_upload(upload("a.pdf", pdf(b"", link)))


def test_a_pdf_made_by_reportlab_is_accepted():
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "Commitment letter")
    page.save()
    assert check_upload(upload("letter.pdf", out.getvalue()))


@pytest.mark.parametrize(
    "content,what",
    [
        (pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), "JavaScript"),
        (
            pdf(b"/Names << /JavaScript 4 0 R >>", b"<< /Names [(a) << /S /JavaScript /JS (x) >>] >>"),
            "JavaScript",
        ),
        (pdf(b"/OpenAction << /S /Launch /F (calc.exe) >>"), "launches a program"),
        (pdf(b"/AA << /O << /S /J#61vaScript /J#53 (app.alert(2)) >> >>"), "JavaScript"),
        (
            pdf(
                b"/Names << /EmbeddedFiles << /Names [(x.exe) 4 0 R] >> >>",
                b"<< /Type /Filespec /F (x.exe) /EF << /F 5 0 R >> >>",
                b"<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream",
            ),
            "embedded",
        ),
        (pdf(b"/AcroForm << /Fields [] /XFA 4 0 R >>", b"<< /Length 0 >>\nstream\n\nendstream"), "XFA"),
        (pdf_with_object_stream(b"<< /S /JavaScript /JS (app.alert(3)) >>"), "JavaScript"),
        (pdf_with_object_stream(b"<< /S /Launch /F (cmd.exe) >>"), "launches a program"),
    ],
    ids=[
        "open-action-js",
        "names-js",
        "launch",
        "escaped-names",
        "embedded",
        "xfa",
        "objstm-js",
        "objstm-launch",
    ],
)
def test_a_pdf_with_active_content_is_refused_by_name(content, what):
    with translation.override("en"):  # the reason, as an English reader gets it
        error = refused(content)
    assert error.code == "active_pdf"
    assert "承诺书.pdf" in error.message % (error.params or {})
    assert what in error.messages[0]


def test_the_object_stream_really_hides_the_action_from_a_byte_search():
    content = pdf_with_object_stream(b"<< /S /JavaScript /JS (app.alert(3)) >>")
    assert b"JavaScript" not in content and b"/JS" not in content
    from pypdf import PdfReader

    assert PdfReader(io.BytesIO(content)).trailer["/Root"]["/OpenAction"]["/S"] == "/JavaScript"


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n",
        pdf(preamble=b"<html><script>alert(1)</script></html>\n"),
        pdf(preamble=b"junk before the first object\n"),
        pdf(b"/Title (<script>alert(1)</script>)"),
    ],
    ids=["html-after-header", "html-before-objects", "junk-before-objects", "script-in-a-string"],
)
def test_a_polyglot_is_refused(content):
    error = refused(content, "evidence.pdf")
    assert error.code == "polyglot"
    assert "evidence.pdf" in error.messages[0]


def test_a_file_that_only_starts_like_a_pdf_is_refused():
    error = refused(b"%PDF-1.7\nthis is not a PDF at all")
    assert error.code == "bad_pdf"
    assert "承诺书.pdf" in error.messages[0]


def test_a_password_protected_pdf_is_refused():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(PDF)))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    assert refused(out.getvalue()).code == "encrypted"


def test_binary_streams_are_not_searched_for_names():
    """An image's bytes may hold "/JS" by chance: only what lies outside streams is searched."""
    image = (
        b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /Length 9 >>\nstream\nab/JS cd\n\nendstream"
    )
    assert check_upload(upload("scan.pdf", pdf(b"", image)))


@pytest.mark.django_db
def test_an_objection_with_an_active_pdf_is_refused_and_saves_nothing(
    client, english, clerk, reviewer, market_agency, enterprise, media_root
):
    record = publish_penalty(clerk, reviewer, market_agency, enterprise, decision_date=days_ago(20))
    content = pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>")
    response = client.post(
        f"/records/{record.pk}/object/",
        {
            "objector_name": "张三",
            "contact": "zhang@example.com",
            "reason": "处罚决定已被复议撤销",
            "evidence": [upload("复议决定书.pdf", content)],
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    # The portal speaks Chinese first: the refusal names the file and what is active in it.
    assert "复议决定书.pdf" in page and "活动内容（JavaScript）" in page
    assert not Objection.objects.exists()
    assert not any(media_root.rglob("*.pdf")) if media_root.exists() else True
