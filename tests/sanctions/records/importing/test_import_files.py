"""What the import reads: a GB 18030 file with Chinese headers, an xlsx workbook of licences, a file
it cannot read (refused at upload), a stored file without a required column, and text kept exactly
as written."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from sanctions.models import CreditRecord, ImportBatch, RecordEvent
from sanctions.records.importing.run import import_start
from tests.sanctions.records.importing.helpers import (
    DECIDED,
    PENALTY_HEADERS,
    errors_of,
    numbers,
    penalty_row,
    run_import,
    write_csv,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root", "eager_tasks")]


def test_gb18030_file_with_chinese_headers_is_read_as_penalties(
    django_capture_on_commit_callbacks, tmp_path, clerk, market_agency, acme
):
    a = market_agency
    headers = [
        "行政相对人名称",
        "统一社会信用代码",
        "行政处罚决定书文号",
        "违法行为类型",
        "处罚依据",
        "处罚类别",
        "处罚内容",
        "罚款金额（万元）",
        "处罚决定日期",
        "处罚机关",
        "处罚机关统一社会信用代码",
        "数据来源单位",
        "数据来源单位统一社会信用代码",
    ]
    decided = f"{DECIDED.year}年{DECIDED.month}月{DECIDED.day}日"
    row = [
        acme.name,
        acme.uscc,
        "浙市监罚〔2026〕㐀号",
        "未按规定公示年度报告",
        "《企业信息公示暂行条例》第十八条",
        "罚款",
        "罚款人民币一万元",
        "1",
        decided,
        a.name,
        a.uscc,
        a.name,
        a.uscc,
    ]
    path = write_csv(tmp_path / "处罚.csv", [headers, row], encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        path.read_text(encoding="utf-8")

    batch = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=a, path=path)

    assert (batch.status, batch.created_count, errors_of(batch)) == ("done", 1, [])
    record = CreditRecord.objects.get()
    assert (record.document_number, record.kind, record.decision_date) == (
        "浙市监罚〔2026〕㐀号",
        "penalty",
        DECIDED,
    )
    assert record.violation_type == "未按规定公示年度报告" and record.fine_amount == Decimal("1")


def test_xlsx_with_licence_codes_imports_licences(
    django_capture_on_commit_callbacks, tmp_path, clerk, market_agency, acme
):
    a = market_agency
    headers = [
        "XK_XDR_MC",
        "XK_XDR_SHXYM",
        "XK_XKWS",
        "XK_WSH",
        "XK_XKLB",
        "XK_XKZS",
        "XK_XKBH",
        "XK_NR",
        "XK_JDRQ",
        "XK_YXQZ",
        "XK_YXQZI",
        "XK_XKJG",
        "XK_XKJGDM",
        "XK_SJLY",
        "XK_SJLYDM",
    ]
    decided = dt.datetime.combine(DECIDED, dt.time())
    until = dt.date(DECIDED.year + 5, DECIDED.month, 1)

    def row(number, category, valid_to):
        return [
            acme.name,
            acme.uscc,
            "食品经营许可决定书",
            number,
            category,
            "食品经营许可证",
            number,
            "预包装食品销售",
            decided,
            decided,
            valid_to,
            a.name,
            a.uscc,
            a.name,
            a.uscc,
        ]

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    sheet.append(row("JY23301060001", "普通", dt.datetime.combine(until, dt.time())))
    sheet.append(row("JY23301060002", "04", until.isoformat()))
    sheet.append(row("JY23301060003", "01", (DECIDED - dt.timedelta(days=1)).isoformat()))
    path = tmp_path / "licences.xlsx"
    workbook.save(path)

    batch = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=a, path=path)

    assert batch.status == "done"
    assert numbers(a) == ["JY23301060001", "JY23301060002"]
    assert [(e["row"], e["column"]) for e in errors_of(batch)] == [(4, "XK_YXQZI")]
    first = CreditRecord.objects.get(document_number="JY23301060001")
    assert (first.kind, first.licence_category, first.licence_status) == ("licence", "01", "valid")
    assert (first.valid_from, first.valid_to, first.publicity_end) == (DECIDED, until, until)
    assert CreditRecord.objects.get(document_number="JY23301060002").licence_category == "04"


def test_an_unreadable_file_is_refused_at_upload_with_a_message(clerk, market_agency, tmp_path):
    path = tmp_path / "records.csv"
    path.write_text("名称,地址\n某公司,杭州\n", encoding="utf-8")

    with pytest.raises(ValidationError) as refused:
        import_start(actor=clerk, agency=market_agency, path=path)

    assert "CF_* for penalties" in refused.value.message_dict["file"][0]
    assert not ImportBatch.objects.exists() and not CreditRecord.objects.exists()


def test_a_file_that_loses_its_columns_after_upload_fails_the_import_with_a_message(
    django_capture_on_commit_callbacks, tmp_path, clerk, market_agency, acme
):
    """The import reads the stored file again: what it cannot read fails the import, with the reason."""
    path = write_csv(tmp_path / "records.csv", [PENALTY_HEADERS, penalty_row(market_agency, acme, "1号")])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch = import_start(actor=clerk, agency=market_agency, path=path, original_name=path.name)
    headers = [h for h in PENALTY_HEADERS if h != "CF_CFLB"]
    row = [
        v
        for h, v in zip(PENALTY_HEADERS, penalty_row(market_agency, acme, "1号"), strict=True)
        if h != "CF_CFLB"
    ]
    write_csv(Path(batch.file.path), [headers, row])
    for callback in callbacks:
        callback()

    batch.refresh_from_db()
    assert (batch.status, batch.message) == ("failed", "The file has no column for CF_CFLB (处罚类别).")
    assert not CreditRecord.objects.exists()


def test_text_with_line_breaks_and_backslashes_is_imported_as_written(
    django_capture_on_commit_callbacks, clerk, market_agency, acme, tmp_path
):
    content = "罚款人民币五万元；\n第二行 C:\\目录\\文件 与 \\N"
    row = penalty_row(market_agency, acme, "杭市监罚〔2026〕1号", CF_NR=content, CF_YJ="第二十条\r\n第二款")
    path = write_csv(tmp_path / "penalties.csv", [PENALTY_HEADERS, row])

    batch = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=path)

    assert (batch.created_count, batch.error_count) == (1, 0)
    record = CreditRecord.objects.get()
    assert (record.content, record.legal_basis) == (content, "第二十条\r\n第二款")
    assert record.penalty_categories == ["fine"] and record.fine_amount == Decimal("5")
    assert RecordEvent.objects.get(record=record).changes == {
        "import_batch": batch.pk,
        "file": "penalties.csv",
        "row": 2,
    }
