"""Hostile import files: each is refused or imported in bounded time, and the process importing it
stays under 500 MB.

Each file goes through the import in a process of its own, as a worker runs it (``RUNNER``): first
as an upload (``import_start``: the checks at upload, then the import itself, inline); if the upload
is refused, the same file stored as if it had passed (``import_run``: the checks at run time). The
process's peak memory (``ru_maxrss``) and the time it took are measured around both.

What was seen before: a 575 KB .xlsx holding 196 MB of XML (4 million rows) accepted, about 42
minutes of work; a 310 KB .xlsx with one 300 MB cell drove the worker to 2.1 GB and stored the
whole value; a NUL byte in a cell made COPY fail and the API answer 500, the file's valid rows never
imported. The XLSX files are written with zipfile directly, as an attacker would, not openpyxl.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from django.utils import translation

from sanctions.models import CreditRecord, ImportBatch
from tests.conftest import worker_environment
from tests.factories import EnterpriseFactory, enterprise_code
from tests.sanctions.records.importing.helpers import PENALTY_HEADERS, penalty_row

ROOT = Path(__file__).resolve().parents[3]
MB = 1024 * 1024
MAX_RSS_KB = 500 * 1024
MAX_SECONDS = 180  # on a loaded 2-core CI machine; each takes seconds

RUNNER = r"""
import json, sys, time
import django
django.setup()
from django.utils import translation
translation.activate("en")  # the messages as an English reader gets them (the tests read English)
from pathlib import Path
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from registry.models import Agency
from sanctions.models import ImportBatch, ImportRowError
from sanctions.records.importing.run import import_run, import_start

path = Path(sys.argv[1])
agency = Agency.objects.get(uscc=sys.argv[2])
clerk = get_user_model().objects.get(username="clerk")
out = {}
started = time.monotonic()
try:
    batch = import_start(actor=clerk, agency=agency, path=path, original_name=path.name)
    out["upload"] = "accepted"
except ValidationError as exc:
    out["upload"] = "refused"
    out["upload_message"] = " ".join(exc.messages)
    with open(path, "rb") as handle:
        batch = ImportBatch(agency=agency, uploaded_by=clerk, original_name=path.name, sha256="0" * 64)
        batch.file.save("stored" + path.suffix, File(handle), save=False)
        batch.save()
    batch = import_run(batch.pk)
batch.refresh_from_db()
out.update(
    status=batch.status,
    message=batch.message,
    created=batch.created_count,
    errors=batch.error_count,
    rows=[
        [e.row, e.column, e.value, e.reason]
        for e in ImportRowError.objects.filter(batch=batch).order_by("id")[:100]
    ],
    longest_value=max((len(v) for v in ImportRowError.objects.filter(batch=batch).values_list("value", flat=True)), default=0),
)
out["seconds"] = time.monotonic() - started
# The peak of this process's own memory (ru_maxrss would include what the parent had at fork).
out["maxrss_kb"] = int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM:")).split()[1])
print("RESULT " + json.dumps(out, ensure_ascii=False))
"""


@pytest.fixture(autouse=True)
def english():
    """The messages as an English reader gets them: the tests below read English."""
    with translation.override("en"):
        yield


def run_import(path: Path, agency, tmp_path: Path, **env: str) -> dict:
    """Import the file in a process of its own; what became of it, its peak memory and time."""
    environment = worker_environment(MEDIA_ROOT=str(tmp_path / "media"), TMPDIR=str(tmp_path), **env)
    environment.pop("REDIS_URL", None)  # tasks inline, as under a worker
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(path), agency.uscc],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    stdout, stderr = process.communicate(timeout=MAX_SECONDS + 60)
    elapsed = time.monotonic() - started
    lines = [line for line in stdout.decode().splitlines() if line.startswith("RESULT ")]
    assert lines, stderr.decode()[-3000:]
    result = json.loads(lines[-1][len("RESULT ") :])
    assert result["maxrss_kb"] < MAX_RSS_KB, f"{path.name}: peak {result['maxrss_kb'] // 1024} MB"
    assert elapsed < MAX_SECONDS, f"{path.name}: {elapsed:.0f} s"
    return result


# --- Files as an attacker writes them ------------------------------------------------------------

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
    b'"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
    b'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    b'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings'
    b'.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    b"</Types>"
)
ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    b'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    b'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    b'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id='
    b'"rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    b'Target="sharedStrings.xml"/></Relationships>'
)
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
    b'spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = b"</sheetData></worksheet>"
STRINGS_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
    b'spreadsheetml/2006/main">'
)


def column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def escape(text: str) -> bytes:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode()


def row_xml(number: int, cells: list[str]) -> bytes:
    return (
        b'<row r="%d">' % number
        + b"".join(
            b'<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>' % (column(i).encode(), number, escape(c))
            for i, c in enumerate(cells)
            if c != ""
        )
        + b"</row>"
    )


def write_xlsx(path: Path, sheet: Iterable[bytes], strings: Iterable[bytes] = ()) -> Path:
    """An XLSX whose sheet XML (and shared strings) are streamed from the given pieces."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(SHEET_HEAD)
            buffer = []
            for piece in sheet:
                buffer.append(piece)
                if len(buffer) >= 4096:
                    part.write(b"".join(buffer))
                    buffer = []
            part.write(b"".join(buffer) + SHEET_TAIL)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(STRINGS_HEAD)
            for piece in strings:
                part.write(piece)
            part.write(b"</sst>")
    return path


def repeat(piece: bytes, total: int) -> Iterator[bytes]:
    block = piece * (MB // len(piece))
    for _start in range(0, total, len(block)):
        yield block


@pytest.fixture
def party(transactional_db):
    return EnterpriseFactory(uscc=enterprise_code(1), name="杭州西湖一号科技有限公司")


def good(agency, party, number: int, **values) -> list[str]:
    return penalty_row(agency, party, f"杭市监罚〔2024〕{number}号", **values)


CONTENT = PENALTY_HEADERS.index("CF_NR")


# --- Zip bombs ------------------------------------------------------------------------------------


def test_a_zip_bomb_of_four_million_rows_is_refused_before_any_row_is_read(
    tmp_path, market_agency, clerk, party
):
    def rows() -> Iterator[bytes]:
        yield row_xml(1, PENALTY_HEADERS)
        # No row or cell numbers (they are optional): 4 million rows alike, compressed 400 times.
        yield from repeat(b'<row><c t="inlineStr"><is><t>x</t></is></c></row>', 4_000_000 * 49)

    path = write_xlsx(tmp_path / "bomb.xlsx", rows())
    assert path.stat().st_size < 2 * MB
    result = run_import(path, market_agency, tmp_path)
    assert result["upload"] == "refused" and result["status"] == "failed"
    assert "compressed" in result["upload_message"] and "It was not read" in result["upload_message"]
    assert result["message"] == result["upload_message"]  # refused at run time the same way
    assert result["created"] == result["errors"] == 0 and not result["rows"]


def test_too_many_rows_are_refused_by_their_count_naming_the_limit(tmp_path, market_agency, clerk, party):
    """Rows that compress like data: the row count refuses them (IMPORT_MAX_ROWS, here 1,000)."""

    def rows() -> Iterator[bytes]:
        yield row_xml(1, PENALTY_HEADERS)
        for number in range(2, 1_503):
            yield row_xml(number, good(market_agency, party, number))

    path = write_xlsx(tmp_path / "many.xlsx", rows())
    result = run_import(path, market_agency, tmp_path, IMPORT_MAX_ROWS="1000")
    assert result["upload"] == "refused" and result["status"] == "failed"
    assert "more than 1,000 rows" in result["upload_message"]
    assert not CreditRecord.objects.exists()

    lines = tmp_path / "many.csv"
    with open(lines, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(PENALTY_HEADERS)
        writer.writerows(good(market_agency, party, number) for number in range(2, 1_503))
    result = run_import(lines, market_agency, tmp_path, IMPORT_MAX_ROWS="1000")
    assert result["upload"] == "refused" and "more than 1,000 rows" in result["upload_message"]


def test_a_sheet_that_unpacks_past_the_limit_is_refused(tmp_path, market_agency, clerk, party):
    def rows() -> Iterator[bytes]:
        yield row_xml(1, PENALTY_HEADERS)
        for number in range(2, 40_000):
            yield row_xml(number, good(market_agency, party, number))

    path = write_xlsx(tmp_path / "wide.xlsx", rows())
    result = run_import(path, market_agency, tmp_path, IMPORT_MAX_XLSX_BYTES=str(8 * MB))
    assert result["upload"] == "refused"
    assert "unpacks to" in result["upload_message"] and "8.0" in result["upload_message"]


# --- Huge cells -----------------------------------------------------------------------------------


def test_a_300_mb_cell_is_refused_unread(tmp_path, market_agency, clerk, party):
    def sheet() -> Iterator[bytes]:
        yield row_xml(1, PENALTY_HEADERS)
        yield b'<row r="2"><c r="A2" t="inlineStr"><is><t>'
        yield from repeat(b"x", 300 * MB)
        yield b"</t></is></c></row>"

    path = write_xlsx(tmp_path / "cell.xlsx", sheet())
    assert path.stat().st_size < 2 * MB
    result = run_import(path, market_agency, tmp_path)
    assert result["upload"] == "refused" and result["status"] == "failed"
    assert "compressed" in result["upload_message"]


@pytest.mark.parametrize("shared", [False, True], ids=["inline", "shared-string"])
def test_a_cell_of_100_mb_that_does_not_compress_is_a_row_error_and_the_other_rows_import(
    tmp_path, market_agency, clerk, party, shared, client, api, agency_admin
):
    """Random text: the file is 50 MB and passes the checks; the reader keeps 4,001 characters."""
    rows = [good(market_agency, party, n) for n in (2, 3, 4)]

    def huge() -> Iterator[bytes]:
        for _block in range(100):
            yield os.urandom(MB // 2).hex().encode()

    def sheet() -> Iterator[bytes]:
        yield row_xml(1, PENALTY_HEADERS)
        yield row_xml(2, rows[0])
        cells = rows[1][:]
        cells[CONTENT] = ""
        yield row_xml(3, cells)[: -len(b"</row>")]
        ref = f"{column(CONTENT)}3".encode()
        if shared:
            yield b'<c r="%s" t="s"><v>0</v></c></row>' % ref
        else:
            yield b'<c r="%s" t="inlineStr"><is><t>' % ref
            yield from huge()
            yield b"</t></is></c></row>"
        yield row_xml(4, rows[2])

    def strings() -> Iterator[bytes]:
        if shared:
            yield b"<si><t>"
            yield from huge()
            yield b"</t></si>"

    path = write_xlsx(tmp_path / "cell.xlsx", sheet(), strings())
    result = run_import(path, market_agency, tmp_path)
    assert result["upload"] == "accepted" and result["status"] == "done", result["message"]
    assert result["created"] == 2 and result["errors"] == 1
    [(row, column_name, value, reason)] = result["rows"]
    assert (row, column_name) == (3, "CF_NR")
    assert "longer than 4,000 characters" in reason
    assert len(value) == 201 and value.endswith("…")
    assert result["longest_value"] == 201
    # What lists the import stays small (it was 314 MB with the cell stored whole).
    from registry.tokens import token_issue

    client.force_login(clerk)
    batch = ImportBatch.objects.get()
    for page in ("/desk/imports/", f"/desk/imports/{batch.pk}/", f"/desk/imports/{batch.pk}/errors.csv"):
        response = client.get(page)
        assert response.status_code == 200 and len(response.content) < 200_000, page
    _token, key = token_issue(actor=agency_admin, agency=market_agency, name="case system")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    for page in ("/api/v1/imports/", f"/api/v1/imports/{batch.pk}/"):
        response = api.get(page)
        assert response.status_code == 200 and len(response.content) < 50_000, page


def test_a_csv_cell_over_4000_characters_is_a_row_error_and_a_line_over_the_limit_refuses_the_file(
    tmp_path, market_agency, clerk, party
):
    path = tmp_path / "long.csv"
    rows = [good(market_agency, party, n) for n in (2, 3)]
    rows[0][CONTENT] = "处" * 100_000
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([PENALTY_HEADERS, *rows])
    result = run_import(path, market_agency, tmp_path)
    assert result["status"] == "done" and result["created"] == 1
    [(row, column_name, value, reason)] = result["rows"]
    assert (row, column_name) == (2, "CF_NR") and "longer than 4,000" in reason and len(value) == 201

    line = tmp_path / "line.csv"
    with open(line, "w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(PENALTY_HEADERS) + "\n" + "x" * (50 * MB) + "\n")
    result = run_import(line, market_agency, tmp_path)
    assert result["upload"] == "refused"
    assert "Line 2 of the file is longer than 131,072 characters" in result["upload_message"]


def test_markup_that_expat_would_buffer_whole_is_refused(tmp_path, market_agency, clerk, party):
    def sheet() -> Iterator[bytes]:
        yield row_xml(1, PENALTY_HEADERS)
        yield b'<row r="2"><c r="A2" x="'
        yield from repeat(b"y", 12 * MB)  # under the ratio check's floor: the parser meets it
        yield b'" t="inlineStr"><is><t>a</t></is></c></row>'

    result = run_import(write_xlsx(tmp_path / "tag.xlsx", sheet()), market_agency, tmp_path)
    assert result["status"] == "failed"
    assert "tag or comment longer than" in result["message"]


def test_a_document_type_with_entities_is_refused(tmp_path, market_agency, clerk, party):
    laughs = (
        b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    )
    path = tmp_path / "laughs.xlsx"
    write_xlsx(path, [row_xml(1, PENALTY_HEADERS)])
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b"?>", b"?>" + laughs, 1).replace(
        b"</sheetData>", b'<row r="2"><c r="A2" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData>'
    )
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    result = run_import(path, market_agency, tmp_path)
    assert result["status"] == "failed" and "document type" in result["message"]


def test_a_million_distinct_shared_texts_stay_out_of_memory(tmp_path, market_agency, clerk, party):
    """A workbook's shared texts wait in a temporary file: the sheet asks for its last one."""
    count = 1_000_000

    def strings() -> Iterator[bytes]:
        for start in range(0, count, 10_000):
            yield b"".join(b"<si><t>%x%s</t></si>" % (i, b"q" * 40) for i in range(start, start + 10_000))

    def sheet() -> Iterator[bytes]:
        yield row_xml(1, PENALTY_HEADERS)
        cells = good(market_agency, party, 2)
        cells[CONTENT] = ""
        yield row_xml(2, cells)[: -len(b"</row>")]
        yield b'<c r="%s2" t="s"><v>%d</v></c></row>' % (column(CONTENT).encode(), count - 1)

    path = write_xlsx(tmp_path / "texts.xlsx", sheet(), strings())
    result = run_import(path, market_agency, tmp_path)
    assert result["status"] == "done" and result["created"] == 1
    assert CreditRecord.objects.get().content == f"{count - 1:x}" + "q" * 40


def test_rows_far_wider_than_their_header_are_cut_at_its_width(tmp_path, market_agency, clerk, party):
    """Cells right of the last header are not kept: 100,000 empty cells a row, 700 rows."""
    path = tmp_path / "wide.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(PENALTY_HEADERS) + "\n")
        for number in range(2, 702):
            handle.write(",".join(good(market_agency, party, number)) + "," * 100_000 + "\n")
    result = run_import(path, market_agency, tmp_path)
    assert result["status"] == "done" and result["created"] == 700

    def rows() -> Iterator[bytes]:
        yield row_xml(1, PENALTY_HEADERS)
        for number in range(2, 20_002):
            yield row_xml(number, good(market_agency, party, 10_000 + number))[: -len(b"</row>")] + (
                b'<c r="XFD%d" t="inlineStr"><is><t>far</t></is></c></row>' % number
            )

    result = run_import(write_xlsx(tmp_path / "wide.xlsx", rows()), market_agency, tmp_path)
    assert result["status"] == "done" and result["created"] == 20_000


# --- Control characters, surrogates, bytes that are not text --------------------------------------

C0 = [chr(code) for code in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]]


def test_every_control_character_is_a_row_error_naming_row_and_column(tmp_path, market_agency, clerk, party):
    path = tmp_path / "controls.csv"
    rows = []
    for number, char in enumerate(C0, start=2):
        row = good(market_agency, party, number)
        row[CONTENT] = f"罚款{char}人民币五万元"
        rows.append(row)
    rows.append(
        good(market_agency, party, 100, CF_NR="罚款\t人民币\r\n五万元")
    )  # tab and line breaks are text
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([PENALTY_HEADERS, *rows])
    result = run_import(path, market_agency, tmp_path)
    assert result["status"] == "done", result["message"]
    assert result["created"] == 1 and result["errors"] == len(C0)
    for (_row, column_name, value, reason), char in zip(result["rows"], C0, strict=True):
        assert column_name == "CF_NR" and f"U+{ord(char):04X}" in reason and "character 3" in reason
        assert value == "罚款\ufffd人民币五万元"
    assert [e[0] for e in result["rows"]] == list(range(2, 2 + len(C0)))
    assert CreditRecord.objects.get().content == "罚款 人民币\r\n五万元"  # as the desk keeps it


@pytest.mark.usefixtures("eager_tasks")
def test_a_nul_through_the_api_is_a_row_error_not_a_500(
    api, agency_admin, market_agency, party, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from registry.tokens import token_issue
    from sanctions.models import ImportBatch

    settings.MEDIA_ROOT = tmp_path / "media"
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PENALTY_HEADERS)
    writer.writerow(good(market_agency, party, 1, CF_NR="罚款\x00五万元"))
    writer.writerow(good(market_agency, party, 2))
    _token, key = token_issue(actor=agency_admin, agency=market_agency, name="case system")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    upload = SimpleUploadedFile("nul.csv", out.getvalue().encode("utf-8"), content_type="text/csv")
    response = api.post("/api/v1/imports/", {"file": upload}, format="multipart")
    assert response.status_code == 202, response.content
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.created_count, batch.error_count) == ("done", 1, 1)
    [error] = response.json()["errors"] or api.get(f"/api/v1/imports/{batch.pk}/").json()["errors"]
    assert (error["row"], error["column"]) == (2, "CF_NR") and "U+0000" in error["reason"]


def test_invalid_utf8_in_a_file_declared_utf8_is_a_row_error(tmp_path, market_agency, clerk, party):
    path = tmp_path / "bytes.csv"
    out = io.StringIO()
    csv.writer(out).writerows([PENALTY_HEADERS, *(good(market_agency, party, n) for n in (2, 3))])
    data = out.getvalue().encode("utf-8").replace("罚款人民币五万元".encode(), b"\xe7\xbd\x9a\xff\xfe", 1)
    path.write_bytes(b"\xef\xbb\xbf" + data)  # a BOM: declared UTF-8
    result = run_import(path, market_agency, tmp_path)
    assert result["status"] == "done" and result["created"] == 1
    [(row, column_name, value, reason)] = result["rows"]
    assert (row, column_name) == (2, "CF_NR")
    assert "not UTF-8 text (0xFF 0xFE)" in reason and value == "罚\ufffd\ufffd"

    path.write_bytes(data)  # no BOM: mostly UTF-8, so read as such, the bad bytes an error
    assert run_import(path, market_agency, tmp_path)["rows"] == result["rows"]


def test_controls_and_surrogates_escaped_in_an_xlsx_are_row_errors(tmp_path, market_agency, clerk, party):
    def sheet() -> Iterator[bytes]:
        yield row_xml(1, PENALTY_HEADERS)
        for number, escaped in enumerate(["_x0000_", "_x001B_", "_xD800_", "_xDFFF_"], start=2):
            cells = good(market_agency, party, number)
            cells[CONTENT] = f"罚款{escaped}五万元"
            yield row_xml(number, cells)
        yield row_xml(6, good(market_agency, party, 6, CF_NR="罚款_x000D_五万元"))

    result = run_import(write_xlsx(tmp_path / "escapes.xlsx", sheet()), market_agency, tmp_path)
    assert result["status"] == "done" and result["created"] == 1
    reasons = [(e[0], e[1], e[3]) for e in result["rows"]]
    assert [(r, c) for r, c, _ in reasons] == [(n, "CF_NR") for n in (2, 3, 4, 5)]
    assert "U+0000" in reasons[0][2] and "U+001B" in reasons[1][2]
    assert "U+D800" in reasons[2][2] and "half of a UTF-16 pair" in reasons[3][2]
    assert CreditRecord.objects.get().content == "罚款\r五万元"


def test_a_character_reference_to_nul_makes_the_xml_unreadable(tmp_path, market_agency, clerk, party):
    def sheet() -> Iterator[bytes]:
        yield row_xml(1, PENALTY_HEADERS)
        yield b'<row r="2"><c r="A2" t="inlineStr"><is><t>&#x0;</t></is></c></row>'

    result = run_import(write_xlsx(tmp_path / "ref.xlsx", sheet()), market_agency, tmp_path)
    assert result["status"] == "failed"
    assert "sheet1.xml, line 1" in result["message"] and "reference to invalid character" in result["message"]


def test_a_file_in_another_encoding_is_refused_not_read_as_errors(tmp_path):
    """Many bytes that decode in neither UTF-8 nor GB 18030 (UTF-16, a binary file): the file is
    refused as a whole, rather than every cell reported as bad."""
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from sanctions.records.importing.files import columns_of

    for name, data in [
        ("utf16.csv", ",".join(PENALTY_HEADERS).encode("utf-16")),
        ("binary.csv", b"CF_WSH\n" + os.urandom(4096)),
    ]:
        (tmp_path / name).write_bytes(data)
        with translation.override("en"), pytest.raises(ValidationError, match="neither UTF-8 nor GB18030"):
            columns_of(tmp_path / name)
