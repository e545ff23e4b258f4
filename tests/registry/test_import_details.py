"""Shareholders, key personnel and branches imported with the enterprises: the same rules as the
services, errors by file, row and column, all or nothing (strict), and a second run changes nothing."""

from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from registry.importing import enterprise_import
from registry.models import AuditEntry, Branch, EnterpriseChange, KeyPerson, Shareholder
from tests.factories import enterprise_code
from tests.registry.test_import import write_csv

pytestmark = [pytest.mark.django_db]

PARENT, BRANCH, HOLDER = enterprise_code(501), enterprise_code(502), enterprise_code(503)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def files(tmp_path: Path):
    enterprises = write_csv(
        tmp_path / "e.csv",
        [
            ["统一社会信用代码", "企业名称"],
            [PARENT, "杭州明亮科技有限公司"],
            [BRANCH, "杭州明亮科技有限公司滨江分公司"],
        ],
    )
    shareholders = write_csv(
        tmp_path / "s.csv",
        [
            [
                "统一社会信用代码",
                "股东名称",
                "股东类型",
                "股东统一社会信用代码",
                "认缴出资额",
                "实缴出资额",
                "出资方式",
            ],
            [PARENT, "张三丰", "自然人", "", "300", "100", "货币"],
            [PARENT, "杭州投资有限公司", "企业法人", HOLDER, "700", "700", "实物"],
        ],
    )
    personnel = write_csv(
        tmp_path / "p.csv",
        [["统一社会信用代码", "姓名", "职务"], [PARENT, "王小明", "董事长"], [PARENT, "李四", "监事"]],
    )
    branches = write_csv(
        tmp_path / "b.csv",
        [
            ["统一社会信用代码", "分支机构统一社会信用代码", "分支机构名称"],
            [PARENT, BRANCH, "杭州明亮科技有限公司滨江分公司"],
        ],
    )
    return {
        "path": enterprises,
        "details": {"shareholders": shareholders, "personnel": personnel, "branches": branches},
    }


def test_a_good_set_of_files_imports_every_detail_with_its_history(registry_admin, files):
    report = enterprise_import(actor=registry_admin, **files)

    assert report.ok and report.created == 2
    assert sorted(Shareholder.objects.values_list("name", "kind", "paid_in_amount")) == [
        ("张三丰", "natural_person", 100),
        ("杭州投资有限公司", "enterprise", 700),
    ]
    assert list(KeyPerson.objects.order_by("position").values_list("name", "role")) == [
        ("王小明", "chair"),
        ("李四", "supervisor"),
    ]
    branch = Branch.objects.get()
    assert branch.branch_enterprise.uscc == BRANCH and branch.parent.uscc == PARENT
    assert EnterpriseChange.objects.count() == 4  # two shareholders, the personnel, the branch
    assert AuditEntry.objects.filter(action="enterprise.import_details").count() == 1


def test_the_same_files_again_change_nothing(registry_admin, files):
    enterprise_import(actor=registry_admin, **files)
    entries = AuditEntry.objects.count()
    report = enterprise_import(actor=registry_admin, **files)

    assert report.ok and report.details_changed == 0 and report.created == 0
    assert EnterpriseChange.objects.count() == 4 and AuditEntry.objects.count() == entries


def test_a_changed_file_replaces_the_list_and_records_each_change(registry_admin, files, tmp_path):
    enterprise_import(actor=registry_admin, **files)
    files["details"] = {
        "shareholders": write_csv(
            tmp_path / "s2.csv",
            [
                ["uscc", "name", "kind", "subscribed_amount", "paid_in_amount"],
                [PARENT, "张三丰", "natural_person", "300", "300"],
            ],
        )
    }
    report = enterprise_import(actor=registry_admin, path=None, details=files["details"])

    assert report.details_changed == 2  # one paid in, one gone
    assert list(Shareholder.objects.values_list("name", flat=True)) == ["张三丰"]


def test_bad_rows_are_named_by_file_row_and_column_and_strict_writes_nothing(registry_admin, files, tmp_path):
    files["details"]["shareholders"] = write_csv(
        tmp_path / "bad.csv",
        [
            ["统一社会信用代码", "股东名称", "股东类型", "股东统一社会信用代码", "认缴出资额", "实缴出资额"],
            [PARENT, "张三丰", "自然人", "", "100", "300"],
            [PARENT, "某公司", "企业法人", "91330106MA00000000", "100", ""],
            [enterprise_code(9999), "赵六", "自然人", "", "-1", ""],
        ],
    )
    report = enterprise_import(actor=registry_admin, strict=True, **files)

    found = {(e.file, e.row, e.column) for e in report.errors}
    assert ("bad.csv", 2, "实缴出资额") in found
    assert ("bad.csv", 3, "股东统一社会信用代码") in found
    assert ("bad.csv", 4, "认缴出资额") in found
    assert not report.applied
    assert not Shareholder.objects.exists() and not KeyPerson.objects.exists() and not Branch.objects.exists()


def test_an_unknown_enterprise_is_refused(registry_admin, tmp_path):
    personnel = write_csv(
        tmp_path / "p.csv", [["uscc", "name", "role"], [enterprise_code(7777), "王五", "manager"]]
    )
    report = enterprise_import(actor=registry_admin, path=None, details={"personnel": personnel})

    assert [(e.file, e.row, e.reason) for e in report.errors] == [
        ("p.csv", 2, "No enterprise has this code, here or in the enterprise file.")
    ]
    assert not KeyPerson.objects.exists()


def test_the_sheets_of_a_workbook_are_read_as_details(registry_admin, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["统一社会信用代码", "企业名称"])
    book.active.append([PARENT, "杭州明亮科技有限公司"])
    people = book.create_sheet("主要人员")
    people.append(["统一社会信用代码", "姓名", "职务"])
    people.append([PARENT, "王小明", "执行董事"])
    book.save(tmp_path / "all.xlsx")

    report = enterprise_import(actor=registry_admin, path=tmp_path / "all.xlsx")

    assert report.ok
    assert list(KeyPerson.objects.values_list("name", "role")) == [("王小明", "executive_director")]


def test_the_command_takes_detail_files_and_prints_the_file_of_each_error(
    registry_admin, files, tmp_path, capsys
):
    bad = write_csv(tmp_path / "p_bad.csv", [["uscc", "name", "role"], [PARENT, "王五", "pope"]])
    with pytest.raises(CommandError):
        call_command("import_enterprises", str(files["path"]), "--personnel", str(bad), "--no-progress")
    assert "p_bad.csv, row 2, column role" in capsys.readouterr().err


def test_an_import_that_changes_an_enterprise_writes_its_change_history(registry_admin, tmp_path):
    first = write_csv(
        tmp_path / "1.csv", [["uscc", "name", "domicile"], [PARENT, "杭州明亮科技有限公司", "文三路1号"]]
    )
    second = write_csv(
        tmp_path / "2.csv", [["uscc", "name", "domicile"], [PARENT, "杭州光明科技有限公司", "文三路9号"]]
    )
    enterprise_import(actor=registry_admin, path=first)
    enterprise_import(actor=registry_admin, path=second)
    enterprise_import(actor=registry_admin, path=second)

    assert sorted(EnterpriseChange.objects.values_list("item", "before", "after")) == [
        ("domicile", "文三路1号", "文三路9号"),
        ("name", "杭州明亮科技有限公司", "杭州光明科技有限公司"),
    ]
