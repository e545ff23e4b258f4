"""Importing enterprises from registration files: every row checked first, then one bulk upsert."""

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from registry.audit import audit_verify
from registry.choices import DataSource, EnterpriseStatus, EntityType
from registry.importing import enterprise_import
from registry.models import AuditEntry, Enterprise, EnterpriseFormerName
from tests.factories import EnterpriseFactory, enterprise_code

pytestmark = [pytest.mark.django_db]

DATA = Path(__file__).resolve().parent / "data"
MIXED = DATA / "enterprises_mixed.csv"
USCC = "统一社会信用代码"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def write_csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8", delimiter: str = ",") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def codes() -> set[str]:
    return set(Enterprise.objects.values_list("uscc", flat=True))


def test_mixed_file_imports_the_good_rows_and_names_each_bad_cell(registry_admin):
    report = enterprise_import(actor=registry_admin, path=MIXED)

    assert codes() == {"91440305MA0000015A", "91440305MA0000066J"}
    assert [(e.row, e.column) for e in report.errors] == [
        (3, USCC),
        (4, "成立日期"),
        (5, "注册资本（万元）"),
        (6, USCC),
        (7, "企业名称"),
    ]
    by_row = {e.row: e for e in report.errors}
    assert by_row[3].value == "91440305MA00000236"
    assert "should be “5”, not “6”" in by_row[3].reason
    assert by_row[4].value == "2019-13-45" and "is not a date" in by_row[4].reason
    assert by_row[5].value == "五百万" and "is not an amount" in by_row[5].reason
    assert by_row[6].reason == "This code already appears in row 2."
    assert by_row[7].reason == "A name is required."
    assert (report.rows_read, report.created, report.updated, report.unchanged, report.invalid) == (
        7,
        2,
        0,
        0,
        5,
    )
    assert report.warnings == ["Columns ignored (not known): 备注."]

    first = Enterprise.objects.get(uscc="91440305MA0000015A")
    assert first.name == "深圳南山一号科技有限公司"
    assert first.entity_type == EntityType.LIMITED_LIABILITY
    assert first.registered_capital == Decimal("500")
    assert first.established_on == dt.date(2015, 3, 9)
    assert first.industry == "I"
    assert first.division_code == "440305"
    assert first.source == DataSource.IMPORT
    sixth = Enterprise.objects.get(uscc="91440305MA0000066J")
    assert sixth.status == EnterpriseStatus.REVOKED
    assert sixth.entity_type == EntityType.SOLE_PROPRIETORSHIP
    assert sixth.registered_capital == Decimal("1000")
    assert set(AuditEntry.objects.values_list("action", "target_id")) == {
        ("enterprise.import_create", str(first.pk)),
        ("enterprise.import_create", str(sixth.pk)),
    }
    entry = AuditEntry.objects.get(target_id=str(first.pk))
    assert entry.actor == registry_admin
    assert entry.before is None
    assert entry.after["uscc"] == first.uscc and entry.after["registered_capital"] == "500.0000"


def test_error_report_is_csv_with_a_bom_for_excel(registry_admin, tmp_path):
    report = enterprise_import(actor=registry_admin, path=MIXED)
    out = tmp_path / "errors.csv"
    report.write_errors_csv(out)

    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["row", "column", "value", "reason"]
    assert [r[:3] for r in rows[1:]] == [
        ["3", USCC, "91440305MA00000236"],
        ["4", "成立日期", "2019-13-45"],
        ["5", "注册资本（万元）", "五百万"],
        ["6", USCC, "91440305MA0000015A"],
        ["7", "企业名称", ""],
    ]


def test_gb18030_tab_separated_file_with_chinese_headers(registry_admin, tmp_path):
    path = write_csv(
        tmp_path / "gbk.csv",
        [
            [
                " 统一社会信用代码 ",
                "名称",
                "经营状态",
                "负责人",
                "注册资本(万元)",
                "成立日期",
                "地址",
                "曾用名",
            ],
            [
                enterprise_code(1),
                "佛山顺德美的电器分公司",
                "存续",
                "欧阳明",
                "12.5",
                "2001-02-03",
                "广东省佛山市顺德区",
                "顺德电器厂；顺德美的家电厂",
            ],
        ],
        encoding="gb18030",
        delimiter="\t",
    )
    report = enterprise_import(actor=registry_admin, path=path)

    assert report.errors == [] and report.created == 1
    enterprise = Enterprise.objects.get(uscc=enterprise_code(1))
    assert enterprise.name == "佛山顺德美的电器分公司"
    assert enterprise.legal_representative == "欧阳明"
    assert enterprise.registered_capital == Decimal("12.5")
    assert enterprise.domicile == "广东省佛山市顺德区"
    assert set(enterprise.former_names.values_list("name", flat=True)) == {"顺德电器厂", "顺德美的家电厂"}


def test_xlsx_with_english_headers(registry_admin, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(
        [
            "USCC",
            "Name",
            "Entity_Type",
            "Status",
            "Registered_Capital",
            "Established_On",
            "Industry",
            "Organization_Code",
        ]
    )
    sheet.append(
        [
            enterprise_code(2),
            "Hangzhou Test Co., Ltd.",
            "joint_stock",
            "in_operation",
            1250.75,
            dt.datetime(2008, 8, 8),
            "c",
            enterprise_code(2)[8:17],
        ]
    )
    sheet.append([enterprise_code(3), "Hangzhou Second Co., Ltd.", "", "", None, None, None, "12345678X"])
    sheet.append([None] * 8)
    path = tmp_path / "enterprises.xlsx"
    workbook.save(path)

    report = enterprise_import(actor=registry_admin, path=path)

    assert codes() == {enterprise_code(2)}
    assert [(e.row, e.column) for e in report.errors] == [(3, "Organization_Code")]
    enterprise = Enterprise.objects.get(uscc=enterprise_code(2))
    assert enterprise.entity_type == EntityType.JOINT_STOCK
    assert enterprise.registered_capital == Decimal("1250.75")
    assert enterprise.established_on == dt.date(2008, 8, 8)
    assert enterprise.industry == "C"
    assert enterprise.organization_code == enterprise_code(2)[8:17]
    assert report.rows_read == 2


def test_importing_the_same_file_again_changes_nothing(registry_admin):
    enterprise_import(actor=registry_admin, path=MIXED)
    stamps = dict(Enterprise.objects.values_list("uscc", "updated_at"))
    entries = AuditEntry.objects.count()

    report = enterprise_import(actor=registry_admin, path=MIXED)

    assert (report.created, report.updated, report.unchanged, report.invalid) == (0, 0, 2, 5)
    assert AuditEntry.objects.count() == entries
    assert dict(Enterprise.objects.values_list("uscc", "updated_at")) == stamps


def test_changed_row_updates_only_that_field_and_leaves_blank_cells_alone(registry_admin, tmp_path):
    existing = EnterpriseFactory(
        uscc=enterprise_code(4),
        name="宁波港口物流有限公司",
        status=EnterpriseStatus.SUSPENDED,
        legal_representative="赵一",
        domicile="浙江省宁波市北仑区",
        registered_capital=Decimal("800"),
    )
    path = write_csv(
        tmp_path / "update.csv",
        [
            ["uscc", "name", "status", "legal_representative", "domicile", "registered_capital"],
            [enterprise_code(4), "宁波港口物流有限公司", "", "钱二", "浙江省宁波市北仑区", "800万元"],
        ],
    )

    report = enterprise_import(actor=registry_admin, path=path)

    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    existing.refresh_from_db()
    assert existing.legal_representative == "钱二"
    assert existing.status == EnterpriseStatus.SUSPENDED
    assert existing.source == DataSource.MANUAL
    entry = AuditEntry.objects.get()
    assert entry.action == "enterprise.import_update"
    assert entry.target_id == str(existing.pk)
    assert entry.before == {"legal_representative": "赵一"}
    assert entry.after == {"legal_representative": "钱二"}


def test_new_name_keeps_the_old_one_and_former_names_are_added_once(registry_admin, tmp_path):
    existing = EnterpriseFactory(uscc=enterprise_code(5), name="温州旧名鞋业有限公司")
    rows = [
        ["统一社会信用代码", "企业名称", "曾用名"],
        [enterprise_code(5), "温州新名鞋业有限公司", "温州鞋厂;温州新名鞋业有限公司"],
    ]
    path = write_csv(tmp_path / "rename.csv", rows)

    enterprise_import(actor=registry_admin, path=path)
    again = enterprise_import(actor=registry_admin, path=path)

    existing.refresh_from_db()
    assert existing.name == "温州新名鞋业有限公司"
    assert set(EnterpriseFormerName.objects.values_list("name", flat=True)) == {
        "温州旧名鞋业有限公司",
        "温州鞋厂",
    }
    entry = AuditEntry.objects.get()
    assert entry.before == {"name": "温州旧名鞋业有限公司"}
    assert entry.after == {"name": "温州新名鞋业有限公司", "former_names": ["温州鞋厂"]}
    assert again.unchanged == 1 and again.updated == 0


def test_strict_mode_writes_nothing_when_one_row_is_bad(registry_admin):
    report = enterprise_import(actor=registry_admin, path=MIXED, strict=True)

    assert not report.applied
    assert report.invalid == 5 and report.created == 0
    assert not Enterprise.objects.exists()
    assert not AuditEntry.objects.exists()
    assert "nothing was written" in report.summary()


def test_file_without_a_code_column_is_refused(registry_admin, tmp_path):
    path = write_csv(tmp_path / "nocode.csv", [["企业名称", "住所"], ["某某有限公司", "某地"]])

    with pytest.raises(ValidationError) as exc:
        enterprise_import(actor=registry_admin, path=path)

    assert "统一社会信用代码" in exc.value.messages[0]
    assert not Enterprise.objects.exists()


def test_clerk_cannot_import(clerk):
    with pytest.raises(PermissionDenied):
        enterprise_import(actor=clerk, path=MIXED)
    assert not Enterprise.objects.exists()


def test_command_fails_with_the_bad_rows_and_writes_the_error_report(registry_admin, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    errors_out = tmp_path / "report.csv"

    with pytest.raises(CommandError) as exc:
        call_command(
            "import_enterprises",
            str(MIXED),
            "--actor",
            "registry_admin",
            "--errors-out",
            str(errors_out),
            stdout=out,
            stderr=err,
        )

    assert exc.value.returncode == 1
    assert "7 rows read: 2 created, 0 updated, 0 unchanged, 5 invalid." in str(exc.value)
    lines = err.getvalue().splitlines()
    assert "Columns ignored (not known): 备注." in lines
    assert f"row 3, column {USCC}: The check character (18) should be “5”, not “6”." in lines
    assert "row 7, column 企业名称: A name is required." in lines
    assert errors_out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert codes() == {"91440305MA0000015A", "91440305MA0000066J"}


def test_command_shows_fifty_errors_then_a_count(registry_admin, tmp_path):
    rows = [["uscc", "name"]] + [[enterprise_code(100 + i), ""] for i in range(55)]
    path = write_csv(tmp_path / "bad.csv", rows)
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_enterprises", str(path), "--actor", "registry_admin", stderr=err)

    lines = err.getvalue().splitlines()
    assert len([line for line in lines if line.startswith("row ")]) == 50
    assert lines[-1] == "... and 5 more; see --errors-out"


def test_command_succeeds_quietly_for_a_good_file(registry_admin, tmp_path):
    path = write_csv(tmp_path / "good.csv", [["uscc", "name"], [enterprise_code(9), "好公司有限公司"]])
    out = io.StringIO()

    call_command(
        "import_enterprises", str(path), "--actor", "registry_admin", stdout=out, stderr=io.StringIO()
    )

    assert "1 rows read: 1 created" in out.getvalue()


def test_real_codes_import_fine(registry_admin, tmp_path):
    real = [
        line.strip()
        for line in (DATA / "uscc_real_valid.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    path = write_csv(
        tmp_path / "real.csv",
        [["统一社会信用代码", "企业名称"]] + [[code, f"真实代码测试{i}号"] for i, code in enumerate(real)],
    )

    report = enterprise_import(actor=registry_admin, path=path)

    assert report.errors == []
    assert report.created == len(real) > 380
    assert codes() == set(real)
    assert AuditEntry.objects.filter(action="enterprise.import_create").count() == len(real)
    assert audit_verify().ok


def test_the_report_keeps_the_first_errors_and_counts_the_rest(registry_admin, tmp_path, monkeypatch):
    from registry.importing import report as reports

    monkeypatch.setattr(reports, "MAX_KEPT_ERRORS", 3)
    rows = [["uscc", "name"], *([f"BAD{n}", f"坏企业{n}"] for n in range(5))]
    result = enterprise_import(actor=registry_admin, path=write_csv(tmp_path / "bad.csv", rows))
    assert result.invalid == 5 and len(result.errors) == 3 and result.errors_not_kept == 2
    out = io.StringIO()
    result.write_errors_csv(out)
    assert list(csv.reader(io.StringIO(out.getvalue().lstrip("\ufeff"))))[-1][-1] == (
        "… and 2 more errors, not listed."
    )
