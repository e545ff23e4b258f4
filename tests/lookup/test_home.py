"""The home page: a portal (search first, the ways into the credit system, the latest decisions in
publicity, sign-in for enterprises and agencies), fast because its body is cached."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from lookup import home
from sanctions.records import services
from tests.factories import EnterpriseFactory
from tests.sanctions.payloads import licence_data, penalty_data

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def publish(clerk, reviewer, agency, kind: str, enterprise, **overrides):
    data = (penalty_data if kind == "penalty" else licence_data)(agency, enterprise, **overrides)
    record, _ = services.record_create(actor=clerk, agency=agency, kind=kind, data=data)
    services.record_submit(actor=clerk, record=record)
    return services.record_publish(actor=reviewer, record=record)


def page(client, **headers) -> str:
    response = client.get("/", **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_the_home_page_is_a_portal_with_the_search_box_first(client):
    content = page(client)
    main = content[content.index('<main id="main"') :]
    # The search box comes first, under the one h1.
    assert main.index('role="search"') < main.index("<h2")
    assert len(re.findall(r"<h1[ >]", main)) == 1 and main.index("<h1") < main.index('role="search"')
    assert re.search(r'<input id="q" name="q" type="search"', main)
    # The ways into the credit system, each a link.
    for href in (
        'href="/credit-system/lists/"',
        'href="/credit-system/measures/"',
        'href="#rating-rules"',
        'href="#repair"',
        'href="#objections"',
        'href="#verify"',
        'href="/api/docs/"',
    ):
        assert href in main, href
    for anchor in ('id="rating-rules"', 'id="repair"', 'id="objections"', 'id="verify"'):
        assert anchor in main, anchor
    # Sign-in for enterprises (their account) and for agency staff (the desk).
    assert 'href="/account/"' in main and 'href="/accounts/login/"' in main
    # Landmarks and headings: every section is named by its heading.
    for labelled in re.findall(r'aria-labelledby="([^"]+)"', main):
        assert f'id="{labelled}"' in main, labelled


def test_the_latest_published_penalties_and_licences_are_listed_newest_first(
    client, clerk, reviewer, market_agency
):
    first = EnterpriseFactory(name="杭州西湖建设工程有限公司")
    second = EnterpriseFactory(name="宁波港口物流有限公司")
    publish(clerk, reviewer, market_agency, "penalty", first, document_number="杭市监罚〔2026〕1号")
    publish(
        clerk,
        reviewer,
        market_agency,
        "penalty",
        second,
        document_number="杭市监罚〔2026〕2号",
        fine_amount="0.5",
    )
    publish(clerk, reviewer, market_agency, "licence", first, document_number="JY1", certificate_number="JY1")
    draft, _ = services.record_create(
        actor=clerk,
        agency=market_agency,
        kind="penalty",
        data=penalty_data(market_agency, second, document_number="杭市监罚〔2026〕3号"),
    )
    content = page(client, HTTP_COOKIE="django_language=en")
    latest = content[content.index('id="latest-title"') : content.index('id="lists-title"')]
    penalties = latest[latest.index('id="latest-penalties"') : latest.index('id="latest-licences"')]
    licences = latest[latest.index('id="latest-licences"') :]
    assert penalties.index("杭市监罚〔2026〕2号") < penalties.index("杭市监罚〔2026〕1号")  # newest first
    assert "fine 0.5 × 10,000 yuan" in penalties and "fine 5 × 10,000 yuan" in penalties
    assert f'href="/enterprises/{second.uscc}/#section-penalty"' in penalties
    assert (
        "食品经营许可证 · JY1" in licences
        and f'href="/enterprises/{first.uscc}/#section-licence"' in licences
    )
    assert "杭市监罚〔2026〕3号" not in content  # a draft is not public
    # Structured facts only: no free text (facts, basis, content) and no personal data on the home page.
    for private in ("在网站发布虚假的产品功效宣传", "王小明", "330106199001011234", "罚款人民币五万元"):
        assert private not in content


def test_a_record_that_leaves_public_view_leaves_the_home_page_when_its_copy_is_due(
    client, clerk, reviewer, market_agency, settings, monkeypatch
):
    enterprise = EnterpriseFactory(name="杭州西湖建设工程有限公司")
    record = publish(
        clerk, reviewer, market_agency, "penalty", enterprise, document_number="杭市监罚〔2026〕9号"
    )
    now = [1_000_000.0]
    monkeypatch.setattr(home.time, "time", lambda: now[0])
    assert "杭市监罚〔2026〕9号" in page(client)
    services.record_revoke(actor=clerk, record=record, reason="行政复议撤销")
    assert "杭市监罚〔2026〕9号" in page(client)  # the cached copy, for at most a minute
    now[0] += home.cache_seconds() + 1
    assert "杭市监罚〔2026〕9号" not in page(client)


def test_the_home_page_costs_no_query_once_rendered_and_a_fixed_few_before(
    client, clerk, reviewer, market_agency, django_assert_num_queries, django_assert_max_num_queries
):
    enterprises = [EnterpriseFactory() for _ in range(12)]
    for number, enterprise in enumerate(enterprises[:3]):
        publish(
            clerk, reviewer, market_agency, "penalty", enterprise, document_number=f"罚〔2026〕{number}号"
        )
    # Cold: the same few queries whatever the number of decisions shown (no query per row).
    with django_assert_max_num_queries(6) as few:
        page(client)
    cold = len(few.captured_queries)
    for number, enterprise in enumerate(enterprises[3:], start=3):
        publish(
            clerk, reviewer, market_agency, "penalty", enterprise, document_number=f"罚〔2026〕{number}号"
        )
        publish(
            clerk, reviewer, market_agency, "licence", enterprise, document_number=f"许〔2026〕{number}号"
        )
    cache.clear()
    with django_assert_num_queries(cold):
        content = page(client)
    assert content.count('class="home-meta muted"') == 2 * home.LATEST_COUNT
    # Warm: served from the cache, no query at all.
    with django_assert_num_queries(0):
        page(client)


def test_when_the_copy_is_due_one_process_renders_and_the_others_serve_it(
    client, monkeypatch, django_assert_num_queries
):
    now = [1_000_000.0]
    monkeypatch.setattr(home.time, "time", lambda: now[0])
    first = page(client)
    now[0] += home.cache_seconds() + 1
    key = home._KEY.format(language="zh-hans", day=home.timezone.localdate().isoformat())
    cache.add(f"{key}:rendering", 1, 30)  # another process is rendering it
    with django_assert_num_queries(0):
        assert page(client) == first


def test_a_query_on_the_home_address_is_the_search(client):
    EnterpriseFactory(name="杭州西湖建设工程有限公司")
    content = client.get("/", {"q": "西湖"}).content.decode()
    assert 'title="杭州西湖建设工程有限公司"' in content and 'id="latest-title"' not in content
    assert 'id="latest-title"' in page(client)


def test_the_home_page_speaks_the_visitors_language(client):
    english = page(client, HTTP_COOKIE="django_language=en")
    assert '<html lang="en">' in english and "Latest decisions in publicity" in english
    chinese = page(client)
    assert '<html lang="zh-CN">' in chinese and "行政处罚" in chinese and "信用名单" in chinese


def test_the_latest_decisions_are_read_from_their_index_not_by_sorting_every_record(
    clerk, reviewer, market_agency
):
    from django.db import connection

    from sanctions.choices import RecordKind

    publish(clerk, reviewer, market_agency, "penalty", EnterpriseFactory())
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test's tiny table would be read whole anyway
    plan = home.latest_decisions_query(RecordKind.PENALTY).explain()
    scan = plan[: plan.index("record_public_latest")]
    assert "Sort" not in scan  # the rows come in the index's order: the first few are read, nothing sorted
