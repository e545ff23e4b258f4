"""One standing, worded from what is listed, said the same by the credit page, the PDF report (as
``pdftotext`` reads it), the public API and the badge scan page — for every level.

The defect this guards against: an enterprise with a published 5万元 fine got a report whose
"信用状况" said "信用良好：无不良公共信用记录" while page 2 listed the fine.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
import subprocess

import pytest
from django.core.cache import cache
from django.utils import translation

from lookup.badges import services as badge_services
from registry.cache import enterprise_changed
from registry.models import Enterprise
from sanctions.lists import services as lists
from sanctions.lists import standing as standing_rules
from sanctions.lists import standing_facts
from sanctions.models import ListKind
from sanctions.records import services
from tests.conftest import IN_CI
from tests.factories import EnterpriseFactory
from tests.lookup.badges.support import confirmed_account
from tests.sanctions.payloads import penalty_data

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        shutil.which("pdftotext") is None and not IN_CI,
        reason="needs poppler-utils (apt-get install poppler-utils)",
    ),
]

NO_ADVERSE = "No adverse record in publicity"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    badge_services._pending.clear()
    yield
    cache.clear()


@pytest.fixture
def make(clerk, reviewer, market_agency):
    """Published penalties and listings, as the agency's clerk and reviewer record them."""

    def penalty(enterprise, number, **overrides):
        record, _ = services.record_create(
            actor=clerk,
            agency=market_agency,
            kind="penalty",
            data=penalty_data(market_agency, enterprise, document_number=number, **overrides),
        )
        services.record_submit(actor=clerk, record=record)
        return services.record_publish(actor=reviewer, record=record)

    def listing(enterprise, code, number):
        entry = lists.listing_create(
            actor=clerk,
            agency=market_agency,
            enterprise=enterprise,
            list_kind=ListKind.objects.get(code=code),
            data={
                "grounds": "提供虚假材料（测试）",
                "legal_basis": "《市场监督管理严重违法失信名单管理办法》",
                "document_number": number,
                "start_date": dt.date.today() - dt.timedelta(days=1),
            },
            submit=True,
        )
        return lists.listing_publish(actor=reviewer, listing=entry)

    return penalty, listing


def _clean(enterprise, make):
    return []  # nothing: "no adverse record in publicity"


def _exempt(enterprise, make):
    make[0](enterprise, "EXEMPT-1", severity="serious", is_exempt=True, exemption_reason="疫情不可抗力")
    return ["EXEMPT-1"]


def _fine(enterprise, make):
    # The issue's case: one published general penalty, a fine of 5 (×10,000 yuan).
    make[0](enterprise, "FINE-1", severity="general", fine_amount="5", content="罚款人民币五万元")
    return ["FINE-1"]


def _serious(enterprise, make):
    make[0](enterprise, "SERIOUS-1", severity="serious")
    make[0](enterprise, "GENERAL-1", severity="general")
    return ["SERIOUS-1", "GENERAL-1"]


def _abnormal(enterprise, make):
    make[1](enterprise, "abnormal", "异常-1")
    return []


def _dishonest(enterprise, make):
    make[0](enterprise, "SERIOUS-2", severity="serious")
    make[1](enterprise, "dishonest", "失信-1")
    make[1](enterprise, "watch", "关注-1")
    return ["SERIOUS-2"]


def _deregistered(enterprise, make):
    make[0](enterprise, "OLD-FINE-1", severity="general")
    Enterprise.objects.filter(pk=enterprise.pk).update(status="deregistered")
    enterprise_changed(enterprise.pk)
    enterprise.refresh_from_db()
    return ["OLD-FINE-1"]


SITUATIONS = {
    # name: (set-up, level, badge result, words that must be in the details)
    "clean": (_clean, standing_rules.GOOD, "valid", [NO_ADVERSE]),
    "exempt penalty only": (
        _exempt,
        standing_rules.GOOD,
        "valid",
        ["1 administrative penalty in its publicity period", "1 of them exempt for force majeure"],
    ),
    "a 5万 fine": (
        _fine,
        standing_rules.PENALISED,
        "attention",
        ["1 administrative penalty in its publicity period"],
    ),
    "a serious penalty": (
        _serious,
        standing_rules.ATTENTION,
        "attention",
        ["2 administrative penalties in their publicity period", "1 of them serious"],
    ),
    "abnormal operations list": (
        _abnormal,
        standing_rules.ATTENTION,
        "attention",
        ["Listed on Abnormal operations list (1 listing in force)"],
    ),
    "seriously dishonest": (
        _dishonest,
        standing_rules.DISHONEST,
        "dishonest",
        [
            "Listed on List of seriously dishonest entities (1 listing in force)",
            "Listed on Watch list (key attention) (1 listing in force)",
            "1 administrative penalty in its publicity period (1 of them serious)",
        ],
    ),
    "deregistered": (
        _deregistered,
        standing_rules.INACTIVE,
        "suspended",
        ["Registration status: Deregistered", "1 administrative penalty in its publicity period"],
    ),
}


def page_of(client, enterprise, language) -> str:
    response = client.get(f"/enterprises/{enterprise.uscc}/", HTTP_COOKIE=f"django_language={language}")
    assert response.status_code == 200
    return response.content.decode()


def page_details(content: str) -> str:
    found = re.search(
        r'<p class="standing-details"[^>]*>(?:<span class="visually-hidden">.*?</span>)?(.*?)</p>',
        content,
        re.S,
    )
    assert found, "the page states no standing"
    return html.unescape(found.group(1)).strip()


def pdf_text(client, enterprise, language, tmp_path) -> str:
    response = client.get(
        f"/enterprises/{enterprise.uscc}/report.pdf", HTTP_COOKIE=f"django_language={language}"
    )
    assert response.status_code == 200
    path = tmp_path / f"report-{language}.pdf"
    path.write_bytes(response.content)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


def compact(text: str) -> str:
    """Without white space: the PDF wraps long lines where it likes."""
    return "".join(text.split())


@pytest.mark.parametrize("situation", list(SITUATIONS))
def test_page_report_api_and_badge_say_the_same_standing(
    situation, make, client, api, registry_admin, tmp_path
):
    set_up, level, badge_result, words = SITUATIONS[situation]
    enterprise = EnterpriseFactory(name="杭州西湖信用测试有限公司")
    owner = confirmed_account(registry_admin=registry_admin, enterprise=enterprise, username="owner")
    badge = badge_services.badge_issue(actor=owner, enterprise=enterprise, sector="housing_rental")
    listed_penalties = set_up(enterprise, make)

    standing = standing_rules.enterprise_standing(enterprise=enterprise)
    assert standing.level == level
    with translation.override("en"):
        details, summary = standing.details, standing.summary
    for phrase in words:
        assert phrase in details, (phrase, details)
    # "No adverse record" only when nothing adverse is listed.
    assert (NO_ADVERSE in details) == (not listed_penalties and not standing.lists)

    # The credit page: the level, the same words, and as many penalties as it lists.
    content = page_of(client, enterprise, "en")
    assert f"standing standing-{level}" in content
    assert page_details(content) == details
    assert content.count('class="record record-penalty"') == len(listed_penalties) == standing.penalties.total
    for number in listed_penalties:
        assert number in content
    for entry in standing.lists:
        assert (
            f'<h3 class="record-head">{entry.display_name}' in html.unescape(content) or entry.name in content
        )

    # The PDF report, as a reader extracts its text: the same sentence, and what it lists.
    text = compact(pdf_text(client, enterprise, "en", tmp_path))
    assert compact(summary) in text, (summary, text[:800])
    assert compact(f"Administrative penalties ({len(listed_penalties)})") in text
    for number in listed_penalties:
        assert compact(number) in text
    assert compact(f"Lists ({sum(e.count for e in standing.lists)})") in text
    for entry in standing.lists:
        assert compact(entry.name_en) in text
    if listed_penalties:
        assert compact(NO_ADVERSE) not in text and "noadversepublicrecords" not in text

    # The public API.
    body = api.get(
        f"/api/v1/public/enterprises/{enterprise.uscc}/standing/", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert (body["level"], body["summary"], body["penalties"]) == (level, summary, len(listed_penalties))

    # The badge scan page.
    scan = client.get(f"/v/{badge.token}", HTTP_COOKIE="django_language=en").content.decode()
    assert f'class="verdict verdict-{badge_result}"' in scan
    assert f"bv-level-{level}" in scan and html.escape(details) in scan


def test_the_chinese_report_of_a_fined_enterprise_no_longer_says_good_credit(make, client, tmp_path):
    """The issue's report, in Chinese: a 5万元 fine, and the summary that said 信用良好：无不良公共信用记录."""
    enterprise = EnterpriseFactory(name="杭州西湖罚款测试有限公司")
    _fine(enterprise, make)
    text = compact(pdf_text(client, enterprise, "zh-hans", tmp_path))
    assert "行政处罚(1)" in text or "行政处罚（1）" in text  # the fine is listed
    assert "FINE-1" in text
    assert "无不良公共信用记录" not in text and "信用良好" not in text
    page = page_of(client, enterprise, "zh-hans")
    assert "standing-penalised" in page and "信用良好" not in page
    # The page and the report print one wording, whatever the catalogue makes of it.
    with translation.override("zh-hans"):
        standing = standing_rules.enterprise_standing(enterprise=enterprise)
        summary, details = standing.summary, standing.details
    assert compact(summary) in text and page_details(page) == details


def test_plural_messages_are_used_for_the_counts():
    """Counts go through ngettext, so a language with other plural rules can say them right."""
    one = standing_rules.Standing(standing_rules.PENALISED, penalties=standing_rules.PenaltyCounts(1, 0, 0))
    two = standing_rules.Standing(standing_rules.PENALISED, penalties=standing_rules.PenaltyCounts(2, 0, 0))
    with translation.override("en"):
        assert one.details == "1 administrative penalty in its publicity period"
        assert two.details == "2 administrative penalties in their publicity period"


def test_a_punishment_list_other_than_the_dishonest_list_is_adverse_too(make, db):
    """A list kind an administrator adds, of punishment nature, is never "good"."""
    kind = ListKind.objects.get(code="watch")
    ListKind.objects.create(
        code="tax_dishonest",
        name="重大税收违法失信主体名单",
        name_en="Major tax violation list",
        nature="punishment",
        inclusion_conditions=kind.inclusion_conditions,
        removal_conditions=kind.removal_conditions,
        legal_basis="国家税务总局公告2021年第31号",
    )
    enterprise = EnterpriseFactory()
    make[1](enterprise, "tax_dishonest", "税-1")
    standing = standing_rules.enterprise_standing(enterprise=enterprise)
    assert standing.level == standing_rules.ATTENTION
    with translation.override("en"):
        assert standing.reasons == ["Listed on Major tax violation list (1 listing in force)"]


def test_standings_of_many_enterprises_take_one_query_or_two(make, settings, django_assert_num_queries):
    """However many enterprises: one read of the precomputed standings, and one live read of the
    records and listings of those not precomputed (none once they are all built)."""
    settings.PUBLIC_PROFILE_CHECK = False  # the suite's oracle reads the live facts as well
    enterprises = [EnterpriseFactory() for _ in range(5)]
    _fine(enterprises[0], make)
    _abnormal(enterprises[1], make)
    expected = ["penalised", "attention", "good", "good", "good"]
    with django_assert_num_queries(2):
        standings = standing_rules.enterprise_standings(enterprises=enterprises)
    assert [standings[e.pk].level for e in enterprises] == expected
    assert standing_facts.standings_build([e.pk for e in enterprises]).stored == 5
    with django_assert_num_queries(1):
        standings = standing_rules.enterprise_standings(enterprises=enterprises)
    assert [standings[e.pk].level for e in enterprises] == expected
