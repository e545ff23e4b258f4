"""Importing "double publicity" files: the desk's rules on every row, each good row exactly once."""

import csv
import datetime as dt
import io
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from registry.audit import audit_verify
from registry.models import AuditEntry
from sanctions.models import CreditRecord, ImportBatch, RecordEvent
from sanctions.records import services
from sanctions.records.importing import chunks, parties
from sanctions.records.importing.run import import_error_report, import_errors, import_run, import_start
from sanctions.records.publicity import publicity_for
from tests.factories import EnterpriseFactory, enterprise_code

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root", "eager_tasks")]

DECIDED = dt.date.today() - dt.timedelta(days=30)
PENALTY_HEADERS = [
    "CF_XDR_MC",
    "CF_XDR_SHXYM",
    "CF_WSH",
    "CF_WFXW",
    "CF_YJ",
    "CF_CFLB",
    "CF_NR",
    "CF_NR_FK",
    "CF_JDRQ",
    "CF_GSJZQ",
    "CF_CFJG",
    "CF_CFJGDM",
    "CF_SJLY",
    "CF_SJLYDM",
    "内部编号",
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def acme():
    return EnterpriseFactory(uscc=enterprise_code(1), name="杭州西湖一号科技有限公司")


@pytest.fixture
def beta():
    return EnterpriseFactory(uscc=enterprise_code(2), name="杭州西湖二号贸易有限公司")


def penalty_row(agency, party, number, **values) -> list[str]:
    """A row as an agency's system exports it, in PENALTY_HEADERS order; party is an enterprise or a code."""
    code, name = (party, "某某公司") if isinstance(party, str) else (party.uscc, party.name)
    row = {
        "CF_XDR_MC": name,
        "CF_XDR_SHXYM": code,
        "CF_WSH": number,
        "CF_WFXW": "虚假宣传",
        "CF_YJ": "《中华人民共和国反不正当竞争法》第二十条",
        "CF_CFLB": "罚款",
        "CF_NR": "罚款人民币五万元",
        "CF_NR_FK": "5",
        "CF_JDRQ": DECIDED.isoformat(),
        "CF_GSJZQ": "",
        "CF_CFJG": agency.name,
        "CF_CFJGDM": agency.uscc,
        "CF_SJLY": agency.name,
        "CF_SJLYDM": agency.uscc,
        "内部编号": "A-1",
    }
    row.update(values)
    return [row[h] for h in PENALTY_HEADERS]


def write_csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8-sig") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def run_import(capture, *, actor, agency, path: Path, submit: bool = False) -> ImportBatch:
    with capture(execute=True):
        batch = import_start(actor=actor, agency=agency, path=path, original_name=path.name, submit=submit)
    batch.refresh_from_db()
    return batch


def numbers(agency) -> list[str]:
    return sorted(CreditRecord.objects.filter(agency=agency).values_list("document_number", flat=True))


def errors_of(batch) -> list[dict]:
    return [asdict(error) for error in import_errors(batch)]


def audited(action: str = "record.import.draft") -> list[list]:
    """What the import's audit entries (one a chunk) name: [row, record id, document number, party USCC] each."""
    return [r for e in AuditEntry.objects.filter(action=action).order_by("id") for r in e.after["records"]]


def bad_check(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


@pytest.fixture
def mixed_file(tmp_path, market_agency, acme, beta):
    """Good rows and one bad row of each kind a clerk-side check must catch."""
    a = market_agency
    rows = [
        PENALTY_HEADERS,
        penalty_row(a, acme, "杭市监罚〔2026〕1号"),  # 2 good
        penalty_row(a, bad_check(acme.uscc), "杭市监罚〔2026〕11号"),  # 3 wrong check character
        penalty_row(a, "00000000000000000X", "杭市监罚〔2026〕12号"),  # 4 placeholder code
        penalty_row(a, acme, "杭市监罚〔2026〕13号", CF_CFLB="罚金刑"),  # 5 unknown category
        penalty_row(
            a,
            acme,
            "杭市监罚〔2026〕14号",  # 6 publicity ends first
            CF_GSJZQ=(DECIDED - dt.timedelta(days=1)).isoformat(),
        ),
        penalty_row(a, acme, "杭市监罚〔2026〕15号", CF_NR_FK="500"),  # 7 keyed in yuan?
        penalty_row(a, beta, "杭市监罚〔2026〕2号", CF_CFLB="警告;罚款", CF_NR_FK="0.5"),  # 8 good
        penalty_row(a, beta, "杭市监罚〔2026〕1号"),  # 9 number of row 2 again
        penalty_row(a, acme, "杭市监罚〔2026〕16号", CF_WFXW=""),  # 10 required value missing
        [""] * len(PENALTY_HEADERS),  # 11 blank: skipped
        penalty_row(a, enterprise_code(99), "杭市监罚〔2026〕17号"),  # 12 not in the registry
        penalty_row(
            a,
            acme,
            " 杭市监罚〔2026〕3号 ",
            CF_CFLB="warning",
            CF_NR_FK="",  # 13 good
            CF_XDR_SHXYM=f"{acme.uscc[:2]} {acme.uscc[2:8]} {acme.uscc[8:]}".lower(),
        ),
    ]
    return write_csv(tmp_path / "penalties.csv", rows)


MIXED_GOOD = ["杭市监罚〔2026〕1号", "杭市监罚〔2026〕2号", "杭市监罚〔2026〕3号"]
MIXED_ERRORS = [
    (3, "CF_XDR_SHXYM"),
    (4, "CF_XDR_SHXYM"),
    (5, "CF_CFLB"),
    (6, "CF_GSJZQ"),
    (7, "CF_NR_FK"),
    (9, "CF_WSH"),
    (10, "CF_WFXW"),
    (12, "CF_XDR_SHXYM"),
]


def test_mixed_file_imports_exactly_the_good_rows_and_names_each_bad_cell(
    django_capture_on_commit_callbacks, clerk, market_agency, mixed_file, acme, beta
):
    batch = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=mixed_file)

    assert batch.status == "done" and batch.finished_at is not None
    assert numbers(market_agency) == sorted(MIXED_GOOD)
    assert [(e["row"], e["column"]) for e in errors_of(batch)] == MIXED_ERRORS
    by_row = {e["row"]: e for e in errors_of(batch)}
    assert by_row[3]["value"] == bad_check(acme.uscc)
    assert f"should be “{acme.uscc[-1]}”" in by_row[3]["reason"]
    assert "placeholder" in by_row[4]["reason"]
    assert by_row[5]["value"] == "罚金刑" and "Unknown penalty category: 罚金刑" in by_row[5]["reason"]
    assert "is before the decision date" in by_row[6]["reason"]
    assert by_row[7]["value"] == "500" and "looks as if it was keyed in yuan" in by_row[7]["reason"]
    assert by_row[9]["reason"] == "This decision document number already appears in row 2."
    assert by_row[10] == {"row": 10, "column": "CF_WFXW", "value": "", "reason": "This field is required."}
    assert "register the enterprise first" in by_row[12]["reason"]
    assert (
        batch.total_rows,
        batch.processed_rows,
        batch.created_count,
        batch.unchanged_count,
        batch.error_count,
    ) == (11, 11, 3, 0, 8)
    assert batch.message == "Columns ignored (not known): 内部编号."

    first = CreditRecord.objects.get(document_number="杭市监罚〔2026〕1号")
    assert (first.enterprise, first.party_uscc, first.kind, first.status) == (
        acme,
        acme.uscc,
        "penalty",
        "draft",
    )
    assert (first.created_by, first.import_batch, first.agency) == (clerk, batch, market_agency)
    assert first.penalty_categories == ["fine"] and first.fine_amount == Decimal("5")
    expected = publicity_for(
        kind="penalty",
        decision_date=DECIDED,
        categories=["fine"],
        severity="general",
        regulatory_field="",
        province="33",
        fine=Decimal("5"),
        valid_to=None,
    )
    assert (
        first.publicity_rule,
        first.publicity_end,
        first.earliest_repair_date,
        first.publish_deadline,
    ) == (expected.rule, expected.end, expected.earliest_repair, expected.publish_deadline)
    second = CreditRecord.objects.get(document_number="杭市监罚〔2026〕2号")
    assert second.enterprise == beta and second.penalty_categories == ["warning", "fine"]
    third = CreditRecord.objects.get(document_number="杭市监罚〔2026〕3号")
    assert third.party_uscc == acme.uscc and third.never_published  # a warning alone is never published

    assert list(RecordEvent.objects.filter(record=first).values_list("action", "actor", "changes")) == [
        ("create", clerk.pk, {"import_batch": batch.pk, "file": "penalties.csv", "row": 2})
    ]
    # One audit entry for the chunk (this small file is one), naming each record it created and its row.
    (entry,) = AuditEntry.objects.filter(action="record.import.draft")
    assert entry.actor == clerk and (entry.target_type, entry.target_id) == (
        "sanctions.importbatch",
        str(batch.pk),
    )
    assert entry.after == {
        "file": "penalties.csv",
        "status": "draft",
        "columns": ["row", "record_id", "document_number", "party_uscc"],
        "records": [
            [2, first.pk, "杭市监罚〔2026〕1号", acme.uscc],
            [8, second.pk, "杭市监罚〔2026〕2号", beta.uscc],
            [13, third.pk, "杭市监罚〔2026〕3号", acme.uscc],
        ],
    }
    assert AuditEntry.objects.filter(action="import.start", target_id=str(batch.pk)).count() == 1
    assert AuditEntry.objects.get(action="import.finish").after == {
        "rows": 11,
        "created": 3,
        "unchanged": 0,
        "errors": 8,
    }
    assert audit_verify().ok


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


def test_importing_the_same_file_again_changes_nothing(
    django_capture_on_commit_callbacks, clerk, market_agency, mixed_file
):
    first = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=mixed_file)
    entries = AuditEntry.objects.count()

    again = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=mixed_file)

    assert again.pk == first.pk and ImportBatch.objects.count() == 1
    assert numbers(market_agency) == sorted(MIXED_GOOD) and AuditEntry.objects.count() == entries

    with open(mixed_file, "a", encoding="utf-8") as handle:
        handle.write("\n")  # the same rows in a file with another checksum
    other = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=mixed_file)

    assert other.pk != first.pk
    assert (other.created_count, other.unchanged_count, other.error_count) == (0, 3, 8)
    assert numbers(market_agency) == sorted(MIXED_GOOD)


def test_submit_sends_the_imported_records_to_review(
    django_capture_on_commit_callbacks, clerk, market_agency, mixed_file
):
    batch = run_import(
        django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=mixed_file, submit=True
    )

    records = CreditRecord.objects.filter(import_batch=batch)
    assert {r.status for r in records} == {"submitted"} and all(r.submitted_at for r in records)
    record = records.get(document_number="杭市监罚〔2026〕1号")
    assert list(RecordEvent.objects.filter(record=record).values_list("action", flat=True)) == [
        "create",
        "submit",
    ]
    assert sorted(r[2] for r in audited("record.import.submitted")) == MIXED_GOOD


def test_drafts_stay_with_the_clerk(django_capture_on_commit_callbacks, clerk, market_agency, mixed_file):
    batch = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=mixed_file)

    records = CreditRecord.objects.filter(import_batch=batch)
    assert {r.status for r in records} == {"draft"} and not any(r.submitted_at for r in records)


@pytest.mark.parametrize("persona", ["other_clerk", "reviewer"])
def test_only_a_clerk_of_the_agency_imports_for_it(request, persona, market_agency, mixed_file):
    with pytest.raises(PermissionDenied):
        import_start(
            actor=request.getfixturevalue(persona),
            agency=market_agency,
            path=mixed_file,
            original_name=mixed_file.name,
        )
    assert not ImportBatch.objects.exists() and not CreditRecord.objects.exists()


def test_error_report_lists_each_bad_cell_for_excel(
    django_capture_on_commit_callbacks, clerk, market_agency, mixed_file, acme
):
    batch = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=mixed_file)

    report = import_error_report(batch)

    assert report.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(report.decode("utf-8-sig"))))
    assert rows[0] == ["row", "column", "value", "reason"]
    assert [(int(r[0]), r[1]) for r in rows[1:]] == MIXED_ERRORS
    assert rows[1][2] == bad_check(acme.uscc)
    assert rows[6] == [
        "9",
        "CF_WSH",
        "杭市监罚〔2026〕1号",
        "This decision document number already appears in row 2.",
    ]


def test_an_unreadable_file_fails_the_import_with_a_message(
    django_capture_on_commit_callbacks, tmp_path, clerk, market_agency
):
    path = tmp_path / "records.csv"
    path.write_text("名称,地址\n某公司,杭州\n", encoding="utf-8")

    batch = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=path)

    assert batch.status == "failed" and "CF_* for penalties" in batch.message
    assert not CreditRecord.objects.exists()


def test_a_file_without_a_required_column_is_refused(
    django_capture_on_commit_callbacks, tmp_path, clerk, market_agency, acme
):
    headers = [h for h in PENALTY_HEADERS if h != "CF_CFLB"]
    row = [
        v
        for h, v in zip(PENALTY_HEADERS, penalty_row(market_agency, acme, "1号"), strict=True)
        if h != "CF_CFLB"
    ]
    path = write_csv(tmp_path / "records.csv", [headers, row])

    batch = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=path)

    assert (batch.status, batch.message) == ("failed", "The file has no column for CF_CFLB (处罚类别).")


def test_an_interrupted_import_resumes_and_writes_each_row_once(
    django_capture_on_commit_callbacks, settings, monkeypatch, tmp_path, clerk, market_agency, acme
):
    settings.RECORD_IMPORT_CHUNK_ROWS = 4
    rows = [penalty_row(market_agency, acme, f"杭市监罚〔2026〕{n}号") for n in range(1, 11)]
    rows[6] = penalty_row(market_agency, acme, "杭市监罚〔2026〕7号", CF_CFLB="罚金刑")
    path = write_csv(tmp_path / "penalties.csv", [PENALTY_HEADERS, *rows])
    write = chunks.ChunkImporter.write
    calls = []

    def dies_in_the_second_chunk(self, good, **kwargs):
        calls.append(len(good))
        # The writes happen, then the worker dies before the chunk commits.
        result = write(self, good, **kwargs)
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return result

    monkeypatch.setattr(chunks.ChunkImporter, "write", dies_in_the_second_chunk)
    with pytest.raises(SystemExit):
        run_import(django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=path)
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.processed_rows, batch.created_count) == ("importing", 4, 4)
    assert CreditRecord.objects.count() == 4

    monkeypatch.setattr(chunks.ChunkImporter, "write", write)
    batch = import_run(batch.pk)  # the task delivered again
    import_run(batch.pk)  # and once more, after it finished

    batch.refresh_from_db()
    assert (
        batch.status,
        batch.processed_rows,
        batch.created_count,
        batch.unchanged_count,
        batch.error_count,
    ) == ("done", 10, 9, 0, 1)
    assert numbers(market_agency) == sorted(f"杭市监罚〔2026〕{n}号" for n in range(1, 11) if n != 7)
    assert RecordEvent.objects.count() == len(audited()) == len({r[1] for r in audited()}) == 9
    assert [e["row"] for e in errors_of(batch)] == [8]
    assert audit_verify().ok


def test_a_record_entered_at_the_desk_meanwhile_counts_as_already_present(
    django_capture_on_commit_callbacks, clerk, market_agency, mixed_file, acme
):
    from tests.sanctions.payloads import penalty_data

    services.record_create(
        actor=clerk,
        agency=market_agency,
        kind="penalty",
        data=penalty_data(market_agency, acme, document_number="杭市监罚〔2026〕2号"),
    )

    batch = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=mixed_file)

    assert (batch.created_count, batch.unchanged_count) == (2, 1)
    assert numbers(market_agency) == sorted(MIXED_GOOD)


def test_a_new_file_is_written_without_looking_for_present_records_until_a_chunk_meets_one(
    django_capture_on_commit_callbacks, settings, monkeypatch, tmp_path, clerk, market_agency, acme
):
    from tests.sanctions.payloads import penalty_data

    settings.RECORD_IMPORT_CHUNK_ROWS = 4
    services.record_create(
        actor=clerk,
        agency=market_agency,
        kind="penalty",
        data=penalty_data(market_agency, acme, document_number="杭市监罚〔2026〕6号"),
    )
    rows = [penalty_row(market_agency, acme, f"杭市监罚〔2026〕{n}号") for n in range(1, 13)]
    path = write_csv(tmp_path / "penalties.csv", [PENALTY_HEADERS, *rows])
    write = chunks.ChunkImporter.write
    checks = []

    def spy(self, good, *, check=True):
        checks.append((good[0].document_number, check))
        return write(self, good, check=check)

    monkeypatch.setattr(chunks.ChunkImporter, "write", spy)
    batch = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=path)

    # The second chunk (rows 5-8) meets No. 6: it is refused whole, written again with the check,
    # and from then on each chunk is checked first.
    assert checks == [
        ("杭市监罚〔2026〕1号", False),
        ("杭市监罚〔2026〕5号", False),
        ("杭市监罚〔2026〕5号", True),
        ("杭市监罚〔2026〕9号", True),
    ]
    assert (batch.status, batch.created_count, batch.unchanged_count) == ("done", 11, 1)
    assert numbers(market_agency) == sorted(f"杭市监罚〔2026〕{n}号" for n in range(1, 13))
    assert sorted(r[2] for r in audited()) == sorted(f"杭市监罚〔2026〕{n}号" for n in range(1, 13) if n != 6)
    assert audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_a_record_entered_at_the_desk_while_a_chunk_is_copied_counts_as_already_present(
    django_capture_on_commit_callbacks, monkeypatch, clerk, market_agency, mixed_file, acme
):
    """The clerk's record commits after the chunk looked for present numbers, before its COPY."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    from tests.sanctions.payloads import penalty_data

    def enter_at_the_desk():
        try:
            services.record_create(
                actor=clerk,
                agency=market_agency,
                kind="penalty",
                data=penalty_data(market_agency, acme, document_number="杭市监罚〔2026〕2号"),
            )
        finally:
            connection.close()

    insert = chunks.ChunkImporter._insert
    copies = []

    def clerk_first(self, rows):
        copies.append([row.document_number for row in rows])
        if len(copies) == 1:
            with ThreadPoolExecutor(max_workers=1) as desk:  # another connection, committed
                desk.submit(enter_at_the_desk).result()
        return insert(self, rows)

    monkeypatch.setattr(chunks.ChunkImporter, "_insert", clerk_first)
    batch = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=mixed_file)

    assert copies == [MIXED_GOOD, ["杭市监罚〔2026〕1号", "杭市监罚〔2026〕3号"]]  # the chunk again, less it
    assert (batch.status, batch.created_count, batch.unchanged_count) == ("done", 2, 1)
    assert numbers(market_agency) == sorted(MIXED_GOOD)
    assert AuditEntry.objects.filter(action="record.create.draft").count() == 1  # the clerk's
    assert sorted(r[2] for r in audited()) == ["杭市监罚〔2026〕1号", "杭市监罚〔2026〕3号"]
    assert audit_verify().ok


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


def test_a_party_without_a_uscc_is_found_by_the_legacy_identifier_that_names_exactly_one(
    django_capture_on_commit_callbacks, clerk, market_agency, tmp_path
):
    from registry.uscc import organization_check

    shared = "MA000001" + organization_check("MA000001")
    registered = EnterpriseFactory(registration_number="330100000012345")
    EnterpriseFactory(organization_code=shared)
    EnterpriseFactory(organization_code=shared)  # the same organisation code twice: it names no one
    headers = [*PENALTY_HEADERS, "CF_XDR_GSZC", "CF_XDR_ZZJG"]
    rows = [
        [*penalty_row(market_agency, "", "杭市监罚〔2026〕1号"), "330100000012345", ""],
        [*penalty_row(market_agency, "", "杭市监罚〔2026〕2号"), "", shared],
    ]
    path = write_csv(tmp_path / "penalties.csv", [headers, *rows])

    batch = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=path)

    assert (batch.created_count, batch.error_count) == (1, 1)
    record = CreditRecord.objects.get()
    assert (record.document_number, record.enterprise, record.party_uscc) == (
        "杭市监罚〔2026〕1号",
        registered,
        registered.uscc,
    )
    assert [(e["row"], e["column"]) for e in errors_of(batch)] == [(3, "CF_XDR_SHXYM")]


def test_no_database_refuses_the_database_in_its_thread_only(clerk):
    from concurrent.futures import ThreadPoolExecutor

    from registry.models import Enterprise

    def count_off_the_database():
        with parties.no_database():
            Enterprise.objects.count()

    with ThreadPoolExecutor(max_workers=1) as helper:
        with pytest.raises(parties.NeedsDatabase):
            helper.submit(count_off_the_database).result()
        with pytest.raises(RuntimeError), parties.no_database():  # not where the database is in use
            pass
    assert Enterprise.objects.count() == 0  # this thread's connection is untouched


def test_rows_cleaned_ahead_that_need_the_database_are_finished_in_the_main_thread(
    clerk, market_agency, beta, mixed_file
):
    from concurrent.futures import ThreadPoolExecutor

    from registry.calendar import calendar_changed
    from sanctions.records.importing import files

    scan = files.scan(mixed_file)
    batch = ImportBatch.objects.create(
        agency=market_agency, uploaded_by=clerk, original_name="m.csv", sha256="0" * 64
    )
    importer = chunks.ChunkImporter(batch=batch, columns=scan.columns, first_row=scan.first_row)
    _columns, rows = files.read_rows(mixed_file)
    rows = list(rows)
    expected_good, expected_errors, expected_bad = importer.clean(rows)

    importer.publicity_cache.clear()
    # Publish-by deadlines need the calendar: the importer read it when it was made, so that the
    # cache may lose it meanwhile.
    calendar_changed()
    ahead = importer.prepare(rows)
    # A party that was not fetched ahead is looked up in the database.
    ahead.parties.codes.discard(beta.uscc)
    del ahead.parties.by_uscc[beta.uscc]

    def clean_ahead():
        with translation.override("en"), parties.no_database():
            return importer.clean_ahead(rows, ahead)

    with ThreadPoolExecutor(max_workers=1) as helper:
        cleaned = helper.submit(clean_ahead).result()
    pending = [o for o in cleaned.outcomes if isinstance(o, chunks.RowNeedingDatabase)]
    assert [p.rownum for p in pending] == [8, 9]  # beta's rows

    good, errors, bad = importer.finish(cleaned)
    assert [(r.rownum, r.document_number) for r in good] == [
        (r.rownum, r.document_number) for r in expected_good
    ]
    assert (errors, bad) == (expected_errors, expected_bad)
    columns = slice(2, 2 + len(chunks.ROW_FIELDS))  # after id and key, before the timestamps
    assert [r.record.split("\t")[columns] for r in good] == [
        r.record.split("\t")[columns] for r in expected_good
    ]


# --- Commands -------------------------------------------------------------------------------------


@pytest.fixture
def tasks_at_once(monkeypatch):
    """The test's transaction never commits, so the queued import runs at once instead of on commit."""
    from sanctions.tasks import import_process

    monkeypatch.setattr(import_process, "delay_on_commit", import_process.delay)


CLI = pytest.mark.usefixtures("tasks_at_once")


@CLI
def test_import_records_command_exits_1_and_writes_the_report_when_rows_are_bad(
    tmp_path, clerk, market_agency, mixed_file
):
    out, err = io.StringIO(), io.StringIO()
    report = tmp_path / "errors.csv"
    with pytest.raises(CommandError) as exc_info:
        call_command(
            "import_records",
            str(mixed_file),
            "--agency",
            market_agency.uscc,
            "--actor",
            "clerk",
            "--errors-out",
            str(report),
            stdout=out,
            stderr=err,
        )

    assert exc_info.value.returncode == 1
    assert "3 records created, 0 already present, 8 rows with errors" in str(exc_info.value)
    assert "row 3, column CF_XDR_SHXYM" in err.getvalue()
    assert (
        report.read_bytes().startswith(b"\xef\xbb\xbf")
        and len(report.read_text("utf-8-sig").splitlines()) == 9
    )
    assert numbers(market_agency) == sorted(MIXED_GOOD)


@CLI
def test_import_records_command_succeeds_on_a_clean_file(tmp_path, clerk, market_agency, acme):
    path = write_csv(
        tmp_path / "good.csv", [PENALTY_HEADERS, penalty_row(market_agency, acme, "杭市监罚〔2026〕1号")]
    )
    out = io.StringIO()

    call_command(
        "import_records",
        str(path),
        "--agency",
        market_agency.uscc,
        "--actor",
        "clerk",
        "--submit",
        stdout=out,
        stderr=io.StringIO(),
    )

    assert "1 rows, 1 records created, 0 already present, 0 rows with errors" in out.getvalue()
    assert CreditRecord.objects.get().status == "submitted"


@CLI
def test_import_records_command_needs_a_clerk(tmp_path, market_agency, mixed_file):
    with pytest.raises(CommandError, match="Name a clerk of the agency with --actor"):
        call_command("import_records", str(mixed_file), "--agency", market_agency.uscc, stdout=io.StringIO())


def test_expire_records_command_expires_records_whose_publicity_ended(clerk, reviewer, market_agency, acme):
    from tests.sanctions.payloads import penalty_data

    record, _created = services.record_create(
        actor=clerk, agency=market_agency, kind="penalty", data=penalty_data(market_agency, acme)
    )
    services.record_submit(actor=clerk, record=record)
    services.record_publish(actor=reviewer, record=record)
    CreditRecord.objects.filter(pk=record.pk).update(publicity_end=dt.date.today() - dt.timedelta(days=1))
    out = io.StringIO()

    call_command("expire_records", stdout=out)

    assert out.getvalue().strip() == "1 records expired."
    record.refresh_from_db()
    assert record.status == "expired"


def test_overlapping_imports_restore_the_switch_interval_once_the_last_ends():
    import sys

    from sanctions.records.importing import run as importing

    before = sys.getswitchinterval()
    importing._quick_switching(True)
    importing._quick_switching(True)  # a second import in another thread of the process
    importing._quick_switching(False)
    # One is still running (the interpreter keeps the interval in whole microseconds).
    assert sys.getswitchinterval() == pytest.approx(min(before, importing.SWITCH_INTERVAL), abs=1e-6)
    importing._quick_switching(False)
    assert sys.getswitchinterval() == before
