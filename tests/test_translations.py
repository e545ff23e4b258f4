"""The Simplified Chinese catalogue.

scripts/check_translations.py on the real catalogue and on small catalogues made to fail, and the
places where the catalogue once said something false to a Chinese reader: every plural message read
"找到 %(counter)s 家企业", status columns said 登记状态, "Publish by" read 公示期限 beside 公示截止.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import translation
from django.utils.translation import ngettext

from sanctions.models import ImportBatch
from sanctions.records import services
from sanctions.remedies import objections
from tests.factories import EnterpriseFactory
from tests.sanctions.payloads import penalty_data

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "check_translations.py"
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
ALLOW = ROOT / "scripts" / "translation_duplicates.toml"

_spec = importlib.util.spec_from_file_location("check_translations", SCRIPT)
check_translations = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = check_translations  # dataclasses look their module up
_spec.loader.exec_module(check_translations)

HEADER = r"""msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Language: zh_Hans\n"
"Plural-Forms: nplurals=1; plural=0;\n"
"""


def catalogue(tmp_path: Path, body: str, *, header: str = HEADER, allow: str = "") -> tuple[Path, Path]:
    po = tmp_path / "django.po"
    po.write_text(header + "\n" + body, encoding="utf-8")
    allow_path = tmp_path / "allow.toml"
    allow_path.write_text(allow, encoding="utf-8")
    return po, allow_path


# -- the real catalogue ---------------------------------------------------------------------------------
def test_the_catalogue_passes_the_check():
    assert check_translations.check(PO, ALLOW) == []


def test_ci_runs_the_check_in_its_translations_step():
    ci = (ROOT / ".ci" / "run").read_text()
    step = ci[ci.index('step "Translations') : ci.index('step "Deployment')]
    assert "scripts/check_translations.py" in step


def test_the_catalogue_has_chinese_plural_forms():
    with translation.override("zh-hans"):
        assert ngettext("%(counter)s record", "%(counter)s records", 1) == ngettext(
            "%(counter)s record", "%(counter)s records", 7
        )


# Each plural message as a Chinese reader sees it (every one of them once read "找到 N 家企业").
@pytest.mark.parametrize(
    ("singular", "plural", "count", "expected"),
    [
        ("%(counter)s record", "%(counter)s records", 4, "共 4 条记录"),
        ("%(counter)s enterprise found", "%(counter)s enterprises found", 4, "找到 4 家企业"),
        (
            "More than %(counter)s enterprise found",
            "More than %(counter)s enterprises found",
            200,
            "找到超过 200 家企业",
        ),
        ("%(counter)s unread notification", "%(counter)s unread notifications", 0, "0 条未读通知"),
        ("%(counter)s unread", "%(counter)s unread", 3, "3 条未读"),
        ("%(counter)s field recorded", "%(counter)s fields recorded", 19, "录入了 19 项内容"),
        ("%(counter)s listing", "%(counter)s listings", 2, "共 2 项列入决定"),
        (
            "%(counter)s enterprise on the list today",
            "%(counter)s enterprises on the list today",
            5,
            "目前在列企业 5 家",
        ),
        ("%(counter)s overdue", "%(counter)s overdue", 2, "已逾期 2 件"),
        ("%(counter)s record waiting", "%(counter)s records waiting", 3, "3 条记录待审核"),
    ],
)
def test_plural_messages_say_what_they_count(singular, plural, count, expected):
    with translation.override("zh-hans"):
        assert ngettext(singular, plural, count) % {"counter": count} == expected


# -- the check, on catalogues made to fail -------------------------------------------------------------
PLURAL_BUG = """
msgid "%(counter)s record"
msgid_plural "%(counter)s records"
msgstr[0] "找到 %(counter)s 家企业"

msgid "%(counter)s enterprise found"
msgid_plural "%(counter)s enterprises found"
msgstr[0] "找到 %(counter)s 家企业"
"""


def test_two_messages_with_one_translation_fail(tmp_path):
    problems = check_translations.check(*catalogue(tmp_path, PLURAL_BUG))
    assert len(problems) == 1
    assert "找到 %(counter)s 家企业" in problems[0]
    assert "%(counter)s record" in problems[0] and "%(counter)s enterprise found" in problems[0]


def test_letter_case_and_the_plural_of_the_last_word_are_one_message(tmp_path):
    body = """
msgid "Credit record"
msgstr "信用记录"

msgid "credit records"
msgstr "信用记录"

msgid "Agency"
msgstr "部门"

msgid "agency"
msgstr "部门"

msgid "Penalty categories"
msgstr "处罚类别"

msgid "penalty category"
msgstr "处罚类别"

msgid "sign-in address"
msgstr "登录地址"

msgid "sign-in addresses"
msgstr "登录地址"
"""
    assert check_translations.check(*catalogue(tmp_path, body)) == []


def test_an_allowed_pair_passes_and_must_stay_true(tmp_path):
    body = """
msgid "author"
msgstr "录入人"

msgid "Written by"
msgstr "录入人"
"""
    allow = '[[same]]\nmsgids = ["author", "Written by"]\nreason = "the clerk who entered it"\n'
    po, allow_path = catalogue(tmp_path, body, allow=allow)
    assert check_translations.check(po, allow_path) == []

    po.write_text(po.read_text().replace('"Written by"\nmsgstr "录入人"', '"Written by"\nmsgstr "撰写人"'))
    [stale] = check_translations.check(po, allow_path)
    assert "no longer share one translation" in stale

    po.write_text(HEADER + '\nmsgid "author"\nmsgstr "录入人"\n')
    [gone] = check_translations.check(po, allow_path)
    assert "not in the catalogue any more" in gone


def test_an_allow_list_entry_needs_a_reason(tmp_path):
    po, allow_path = catalogue(tmp_path, "", allow='[[same]]\nmsgids = ["a", "b"]\n')
    with pytest.raises(ValueError, match="reason"):
        check_translations.check(po, allow_path)


def test_a_context_is_another_message(tmp_path):
    body = """
msgid "Status"
msgstr "状态"

msgctxt "import"
msgid "Status"
msgstr "导入状态"

msgctxt "objection"
msgid "Status"
msgstr "处理状态"
"""
    assert check_translations.check(*catalogue(tmp_path, body)) == []
    po, allow_path = catalogue(tmp_path, body.replace("导入状态", "处理状态"))
    [problem] = check_translations.check(po, allow_path)
    assert "[import] 'Status'" in problem and "[objection] 'Status'" in problem


def test_fuzzy_and_untranslated_entries_are_left_to_the_ci_completeness_check(tmp_path):
    body = """
#, fuzzy
msgid "%(counter)s record"
msgid_plural "%(counter)s records"
msgstr[0] "找到 %(counter)s 家企业"

msgid "%(counter)s enterprise found"
msgid_plural "%(counter)s enterprises found"
msgstr[0] "找到 %(counter)s 家企业"

msgid "Status"
msgstr ""
"""
    assert check_translations.check(*catalogue(tmp_path, body)) == []


@pytest.mark.parametrize("forms", ["nplurals=2; plural=(n != 1);", ""])
def test_chinese_has_one_plural_form(tmp_path, forms):
    header = HEADER.replace("nplurals=1; plural=0;", forms)
    [problem] = check_translations.check(*catalogue(tmp_path, "", header=header))
    assert "nplurals=1; plural=0;" in problem


def test_a_plural_entry_has_one_form_in_chinese(tmp_path):
    body = """
msgid "%(counter)s record"
msgid_plural "%(counter)s records"
msgstr[0] "%(counter)s 条记录"
msgstr[1] "%(counter)s 条记录"
"""
    [problem] = check_translations.check(*catalogue(tmp_path, body))
    assert "has 2 plural forms" in problem


@pytest.mark.parametrize(
    ("msgid", "msgstr"),
    [
        ("Grade %(grade)s (%(points)s points)", "%(grade)s 级"),  # a placeholder dropped
        ("Version %(n)s", "第 %(v)s 版"),  # one invented
    ],
)
def test_placeholders_survive_translation(tmp_path, msgid, msgstr):
    [problem] = check_translations.check(*catalogue(tmp_path, f'msgid "{msgid}"\nmsgstr "{msgstr}"\n'))
    assert "placeholders" in problem


def test_the_command_fails_with_the_entries_and_passes_on_a_sound_catalogue(tmp_path):
    po, allow_path = catalogue(tmp_path, PLURAL_BUG)
    run = [sys.executable, str(SCRIPT), str(po), "--allow", str(allow_path)]
    failed = subprocess.run(run, capture_output=True, text=True, check=False)
    assert failed.returncode == 1
    assert "找到 %(counter)s 家企业" in failed.stderr
    po.write_text(
        po.read_text().replace('msgstr[0] "找到 %(counter)s 家企业"', 'msgstr[0] "共 %(counter)s 条记录"', 1)
    )
    passed = subprocess.run(run, capture_output=True, text=True, check=False)
    assert passed.returncode == 0, passed.stderr


# -- what a Chinese clerk reads --------------------------------------------------------------------------
def chinese(client: Client, user) -> Client:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    return client


def published_fine(clerk, reviewer, agency, **overrides):
    enterprise = EnterpriseFactory(name="杭州西湖译文测试有限公司")
    record, _ = services.record_create(
        actor=clerk, agency=agency, kind="penalty", data=penalty_data(agency, enterprise, **overrides)
    )
    services.record_submit(actor=clerk, record=record)
    return services.record_publish(actor=reviewer, record=record)


@pytest.mark.django_db
def test_the_record_list_counts_records_and_names_its_dates(client, clerk, reviewer, market_agency):
    published_fine(clerk, reviewer, market_agency)
    page = chinese(client, clerk).get("/desk/").content.decode()
    assert "共 1 条记录" in page and "家企业" not in page
    assert "公示截止" in page and "最迟公示日期" in page and "公示期限" not in page


@pytest.mark.django_db
def test_status_columns_say_whose_status(client, clerk, reviewer, market_agency):
    record = published_fine(clerk, reviewer, market_agency)
    objections.objection_submit(
        objector_name="张三", contact="zhangsan@example.com", reason="已撤销。", record=record
    )
    ImportBatch.objects.create(
        agency=market_agency,
        uploaded_by=clerk,
        file=ContentFile(b"x", name="records.csv"),
        original_name="records.csv",
        sha256="0" * 64,
    )
    desk = chinese(client, clerk)
    imports = desk.get("/desk/imports/").content.decode()
    queue = desk.get("/desk/objections/").content.decode()
    assert '<th scope="col">导入状态</th>' in imports
    assert '<th scope="col">处理状态</th>' in queue
    for page in (imports, queue):
        assert "登记状态" not in page  # that is an enterprise's registration status


@pytest.mark.django_db
def test_a_refused_step_reads_as_a_sentence(clerk, reviewer, market_agency):
    draft, _ = services.record_create(
        actor=clerk,
        agency=market_agency,
        kind="penalty",
        data=penalty_data(market_agency, EnterpriseFactory(name="杭州草稿测试有限公司")),
    )
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        services.record_revoke(actor=reviewer, record=draft, reason="原决定已撤销")
    assert refused.value.messages == ["状态为“草稿”的记录不能撤销。"]  # once: "…不能撤销时间。"


@pytest.mark.django_db
def test_the_report_title_is_not_repeated_in_chinese(client, clerk, reviewer, market_agency):
    from tests.lookup.report.test_report import download, pdf_text

    enterprise = published_fine(clerk, reviewer, market_agency).enterprise
    first_page = pdf_text(download(client, enterprise).content).split("登记信息")[0]
    assert first_page.count("公共信用信息概要") == 1  # once read "公共信用信息概要 / 公共信用信息概要"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = pdf_text(download(client, enterprise).content)
    assert "公共信用信息概要" in english and "Public credit information summary" in english


def test_every_message_the_code_asks_for_is_translated():
    assert check_translations.messages_not_in_catalogue(PO) == []


def test_a_message_written_inside_an_f_string_is_caught(tmp_path):
    # makemessages does not read gettext calls inside f-strings: the search page's pager read
    # "Page 1" on the Chinese page. The check reads the code's calls with ast, f-strings included.
    po, _allow = catalogue(
        tmp_path, 'msgid "Pages"\nmsgstr "分页"\n\nmsgctxt "period"\nmsgid "Listed"\nmsgstr "列入"\n'
    )
    code = tmp_path / "code"
    code.mkdir()
    (code / "views.py").write_text(
        "from django.utils.translation import gettext as _, pgettext\n"
        "def pager(n):\n"
        "    label = _('Pages')\n"
        "    listed = pgettext('period', 'Listed')\n"
        "    return f\"<nav aria-label='{label}'>{_('Page %(n)s') % {'n': n}}</nav>{pgettext('time', 'Listed')}\"\n",
        encoding="utf-8",
    )
    (code / "migrations").mkdir()
    (code / "migrations" / "0001.py").write_text("_('Only in a migration')\n", encoding="utf-8")
    problems = check_translations.messages_not_in_catalogue(po, (code,))
    assert len(problems) == 2, problems
    assert any("views.py:5: 'Page %(n)s'" in problem for problem in problems)
    assert any("'Listed' (context 'time')" in problem for problem in problems)
