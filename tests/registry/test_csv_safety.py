"""Every spreadsheet the registry writes is inert: no cell of it runs as a formula.

The error reports (the desk's errors.csv, GET /api/v1/imports/{id}/errors/, the commands'
--errors-out) wrote the cells of an import file raw: =NOW(), =1+1, @SUM(A1:A9),
=HYPERLINK("http://evil.example/","click") and -2024-01-05 ran when opened in Excel or WPS. Each
report below is read back with the csv module and each cell's first character checked; the XLSX
side with openpyxl."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from registry.csv_safety import safe_cell, safe_row
from registry.tokens import token_issue
from sanctions.models import ImportBatch
from tests.factories import EnterpriseFactory, enterprise_code
from tests.sanctions.records.importing.helpers import PENALTY_HEADERS, penalty_row

PAYLOADS = [
    "=NOW()",
    "=1+1",
    "@SUM(A1:A9)",
    '=HYPERLINK("http://evil.example/","click")',
    "-2024-01-05",
    "+86 571 1234",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
]
FORMULA_STARTS = set("=+-@\t\r\n＝＋－＠")


def cells_of(report: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(report.decode("utf-8-sig"), newline="")))


def assert_inert(report: bytes, *, payloads: list[str]) -> None:
    rows = cells_of(report)
    for row in rows:
        for cell in row:
            assert not cell or cell[0] not in FORMULA_STARTS, f"a formula cell: {cell!r}"
    values = {cell for row in rows for cell in row}
    for payload in payloads:
        assert "'" + payload in values, f"{payload!r} is not in the report as text"


def test_safe_cell_quotes_what_a_spreadsheet_reads_as_a_formula():
    for payload in PAYLOADS:
        assert safe_cell(payload) == "'" + payload
    for plain in ["杭市监罚〔2024〕1号", "91330106MA2B2C3D4E", "", "a=b", "'=already quoted", " =1"]:
        assert safe_cell(plain) == plain
    assert safe_cell(-5) == -5 and safe_cell(None) is None  # numbers are numbers


def test_openpyxl_reads_quoted_cells_as_text_and_would_read_the_others_as_formulas(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(safe_row(PAYLOADS))
    workbook.active.append(PAYLOADS)  # what writing them raw does
    path = tmp_path / "out.xlsx"
    workbook.save(path)
    sheet = openpyxl.load_workbook(path).active
    safe, raw = list(sheet.iter_rows(min_row=1, max_row=1))[0], list(sheet.iter_rows(min_row=2, max_row=2))[0]
    assert all(cell.data_type == "s" and cell.value[0] == "'" for cell in safe)
    assert any(cell.data_type == "f" for cell in raw)


@pytest.fixture
def imported(db, settings, tmp_path, clerk, market_agency, django_capture_on_commit_callbacks):
    """A record import whose decision dates are the payloads: every row is an error echoing one."""
    settings.MEDIA_ROOT = tmp_path / "media"
    party = EnterpriseFactory(uscc=enterprise_code(1), name="杭州西湖一号科技有限公司")
    path = tmp_path / "payloads.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(PENALTY_HEADERS)
        for number, payload in enumerate(PAYLOADS, start=1):
            writer.writerow(penalty_row(market_agency, party, f"杭市监罚〔2024〕{number}号", CF_JDRQ=payload))
    from sanctions.records.importing.run import import_start

    with django_capture_on_commit_callbacks(execute=True):
        batch = import_start(actor=clerk, agency=market_agency, path=path, original_name=path.name)
    batch.refresh_from_db()
    assert batch.error_count == len(PAYLOADS)
    return batch, path


def test_the_desk_error_report_is_inert(client, clerk, imported):
    batch, _path = imported
    client.force_login(clerk)
    response = client.get(f"/desk/imports/{batch.pk}/errors.csv")
    assert response.status_code == 200
    assert_inert(response.content, payloads=[p.strip() for p in PAYLOADS])


def test_the_api_error_report_is_inert(api, agency_admin, market_agency, imported):
    batch, _path = imported
    _token, key = token_issue(actor=agency_admin, agency=market_agency, name="case system")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = api.get(f"/api/v1/imports/{batch.pk}/errors/")
    assert response.status_code == 200
    assert_inert(response.content, payloads=[p.strip() for p in PAYLOADS])


def test_the_record_commands_error_report_is_inert(tmp_path, clerk, market_agency, imported):
    _batch, path = imported
    report = tmp_path / "errors.csv"
    with pytest.raises(CommandError):
        call_command(
            "import_records",
            str(path),
            "--agency",
            market_agency.uscc,
            "--actor",
            "clerk",
            "--errors-out",
            str(report),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert ImportBatch.objects.count() == 1  # the same file: the same import, its report written again
    assert_inert(report.read_bytes(), payloads=[p.strip() for p in PAYLOADS])


def test_the_enterprise_commands_error_report_is_inert(registry_admin, tmp_path):
    path = tmp_path / "enterprises.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["统一社会信用代码", "企业名称", "成立日期"])
        for number, payload in enumerate(PAYLOADS, start=1):
            writer.writerow([enterprise_code(number), f"测试企业{number}", payload])
    report = tmp_path / "report.csv"
    with pytest.raises(CommandError):
        call_command(
            "import_enterprises",
            str(path),
            "--actor",
            registry_admin.username,
            "--errors-out",
            str(report),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert_inert(report.read_bytes(), payloads=[p.strip() for p in PAYLOADS])


def test_the_blank_files_are_inert(client, clerk):
    client.force_login(clerk)
    for style in ("codes", "names"):
        content = client.get(f"/desk/imports/templates/penalty/{style}.csv").content
        assert all(not cell or cell[0] not in FORMULA_STARTS for row in cells_of(content) for cell in row)
        workbook = openpyxl.load_workbook(
            io.BytesIO(client.get(f"/desk/imports/templates/penalty/{style}.xlsx").content)
        )
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f"
