"""The public search page: what a citizen sees for names, codes, filters and very common words."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from registry import selectors as registry_selectors
from registry.models import Enterprise
from registry.search import search_fields
from registry.selectors import column_stats
from tests.factories import EnterpriseFactory, enterprise_code

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def known_common_pairs(monkeypatch):
    """The column statistics are read once per ten minutes: fixed here so query counts are exact."""
    monkeypatch.setattr(column_stats, "_common_cache", (float("inf"), {}))
    monkeypatch.setattr(column_stats, "_common_pinyin_cache", (float("inf"), {}))


@pytest.fixture(autouse=True)
def english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})


def page(client, **params) -> str:
    response = client.get("/search", params)
    assert response.status_code == 200
    return response.content.decode()


def _more_than_the_limit_named_keji() -> None:
    """SEARCH_LIMIT + 5 enterprises named 杭州恒<n>科技有限公司: a search for 科技 says "more than"."""
    Enterprise.objects.bulk_create(
        Enterprise(
            uscc=enterprise_code(6000 + n),
            name=f"杭州恒{n}科技有限公司",
            division_code="330106",
            **search_fields(f"杭州恒{n}科技有限公司"),
        )
        for n in range(registry_selectors.SEARCH_LIMIT + 5)
    )


def test_the_matched_part_is_highlighted_and_the_name_escaped(client):
    EnterpriseFactory(name="杭州<i>西湖</i>建设有限公司")
    content = page(client, q="湖</i>建设")
    assert "杭州&lt;i&gt;西<mark>湖&lt;/i&gt;建设</mark>有限公司" in content
    assert "<i>" not in content


def test_a_former_name_match_shows_the_former_name(client, registry_admin):
    enterprise = EnterpriseFactory(name="杭州之江建设有限公司")
    enterprise.former_names.create(name="杭州老字号建筑有限公司")
    content = page(client, q="老字号")
    assert "杭州之江建设有限公司" in content and "杭州<mark>老字号</mark>建筑有限公司" in content


def test_a_lowercase_code_with_spaces_opens_the_enterprise(client):
    enterprise = EnterpriseFactory()
    response = client.get("/search", {"q": f" {enterprise.uscc[:8].lower()} {enterprise.uscc[8:].lower()} "})
    assert response.status_code == 302 and response["Location"] == f"/enterprises/{enterprise.uscc}/"


def test_a_code_prefix_lists_the_enterprise(client):
    enterprise = EnterpriseFactory(name="杭州西湖建设有限公司")
    assert "杭州西湖建设有限公司" in page(client, q=enterprise.uscc[:12].lower())


def test_one_wrong_character_says_so_and_suggests_the_registered_code(client):
    enterprise = EnterpriseFactory(name="杭州西湖建设有限公司")
    code = enterprise.uscc
    wrong = code[:5] + ("0" if code[5] != "0" else "1") + code[6:]
    content = page(client, q=wrong)
    assert "not a valid code" in content
    assert "Did you mean" in content and f'href="/enterprises/{code}/"' in content
    unknown = enterprise_code(4321)
    wrong = unknown[:5] + ("0" if unknown[5] != "0" else "1") + unknown[6:]
    content = page(client, q=wrong)
    assert "No registered enterprise has a code one typing error away" in content
    assert unknown not in content


def test_a_very_common_word_shows_more_than_the_limit(client):
    _more_than_the_limit_named_keji()
    content = page(client, q="科技")
    assert f"More than {registry_selectors.SEARCH_LIMIT} enterprises found" in content
    assert "杭州恒" in content
    content = page(client, q="恒7科技")
    assert "1 enterprise found" in content


def test_filters_by_province_city_industry_status_and_penalties(client, clerk, reviewer, market_agency):
    from sanctions.records import services
    from tests.sanctions.payloads import penalty_data

    EnterpriseFactory(name="杭州西湖建设有限公司", industry="E")
    punished = EnterpriseFactory(name="杭州西湖物流有限公司", industry="G")
    EnterpriseFactory(
        uscc=enterprise_code(90, division="110105"),
        name="北京西湖餐饮有限公司",
        industry="H",
        status="deregistered",
    )
    EnterpriseFactory(uscc=enterprise_code(91, division="330203"), name="宁波西湖贸易有限公司", industry="F")
    record, _ = services.record_create(
        actor=clerk, agency=market_agency, kind="penalty", data=penalty_data(market_agency, punished)
    )
    services.record_submit(actor=clerk, record=record)
    services.record_publish(actor=reviewer, record=record)

    def names(**filters):
        content = page(client, q="西湖", **filters).replace("<mark>", "").replace("</mark>", "")
        shown = [n for n in ["杭州西湖建设", "杭州西湖物流", "北京西湖餐饮", "宁波西湖贸易"] if n in content]
        return sorted(shown, key=content.find)

    everything = names()
    assert sorted(everything) == sorted(["杭州西湖建设", "杭州西湖物流", "宁波西湖贸易", "北京西湖餐饮"])
    assert everything[-1] == "北京西湖餐饮"  # deregistered: last
    assert names(province="11") == ["北京西湖餐饮"]
    assert names(province="33", city="3302") == ["宁波西湖贸易"]
    assert names(industry="E") == ["杭州西湖建设"]
    assert names(status="deregistered") == ["北京西湖餐饮"]
    assert names(has_penalties="on") == ["杭州西湖物流"]
    content = page(client)
    assert ">浙江省</option>" in content and ">浙江省宁波市</option>" in content


def test_search_page_query_count_is_pinned(client, django_assert_max_num_queries):
    for n in range(30):
        EnterpriseFactory(name=f"杭州西湖第{n}建设有限公司").former_names.create(name=f"西湖旧名{n}有限公司")
    page(client, q="西湖")  # division names for the filters are read once per process
    with django_assert_max_num_queries(4):  # session, count, page (with its former names)
        content = page(client, q="西湖", province="33", has_penalties="on")
    assert "Nothing matches" in content
    # Session, count with the page, then the standing of the page's enterprises: their listings in
    # force and their penalties in publicity, two queries whatever the number of results.
    with django_assert_max_num_queries(6):
        content = page(client, q="西湖第")
    assert "30 enterprises found" in content and "杭州<mark>西湖第</mark>1建设有限公司" in content
    assert content.count('class="standing standing-good"') == 20
    enterprise = Enterprise.objects.first()
    with django_assert_max_num_queries(2):
        assert client.get("/search", {"q": enterprise.uscc}).status_code == 302


def test_filter_by_list_membership(client, clerk, reviewer, market_agency):
    import datetime as dt

    from sanctions.lists import services as lists
    from sanctions.models import ListKind

    listed = EnterpriseFactory(name="杭州西湖建设有限公司")
    EnterpriseFactory(name="杭州西湖物流有限公司")
    listing = lists.listing_create(
        actor=clerk,
        agency=market_agency,
        enterprise=listed,
        list_kind=ListKind.objects.get(code="watch"),
        data={
            "grounds": "两次虚假宣传",
            "legal_basis": "测试依据",
            "document_number": "列-1",
            "start_date": dt.date.today() - dt.timedelta(days=1),
        },
        submit=True,
    )
    lists.listing_publish(actor=reviewer, listing=listing)

    def shown(**filters):
        content = page(client, q="西湖", **filters).replace("<mark>", "").replace("</mark>", "")
        return [n for n in ["杭州西湖建设", "杭州西湖物流"] if n in content]

    assert sorted(shown()) == ["杭州西湖建设", "杭州西湖物流"]
    assert shown(on_list="any") == ["杭州西湖建设"]
    assert shown(on_list="watch") == ["杭州西湖建设"]
    assert shown(on_list="dishonest") == []


def _result_items(content: str) -> dict[str, str]:
    """Each result's list item by the enterprise's code."""
    items = content.split('<ol class="results">', 1)[1].split("</ol>", 1)[0].split("<li>")[1:]
    return {item.split('<span class="code">', 1)[1].split("<", 1)[0]: item for item in items}


def test_results_show_registration_status_and_credit_standing(client, clerk, reviewer, market_agency):
    from sanctions.lists.standing import enterprise_standing
    from sanctions.records import services
    from tests.sanctions.payloads import penalty_data

    clean = EnterpriseFactory(name="杭州西湖建设有限公司")
    punished = EnterpriseFactory(name="杭州西湖物流有限公司")
    closed = EnterpriseFactory(
        uscc=enterprise_code(92, division="330106"), name="杭州西湖餐饮有限公司", status="deregistered"
    )
    record, _ = services.record_create(
        actor=clerk, agency=market_agency, kind="penalty", data=penalty_data(market_agency, punished)
    )
    services.record_submit(actor=clerk, record=record)
    services.record_publish(actor=reviewer, record=record)

    items = _result_items(page(client, q="西湖"))
    for enterprise in (clean, punished, closed):
        item = items[enterprise.uscc]
        standing = enterprise_standing(enterprise=enterprise)
        assert f'class="standing standing-{standing.level}"' in item
        assert standing.label in item
        assert enterprise.get_status_display() in item
        for reason in standing.reasons:
            assert reason in item
    assert {enterprise_standing(enterprise=e).level for e in (clean, punished, closed)} == {
        "good",
        enterprise_standing(enterprise=punished).level,
        "inactive",
    }
    assert enterprise_standing(enterprise=punished).level not in ("good", "inactive")
    assert "standing-line" not in items[clean.uscc]  # nothing to explain for a clean record


def test_a_wrong_code_is_explained_without_a_zero_count(client):
    enterprise = EnterpriseFactory(name="杭州西湖建设有限公司")
    code = enterprise.uscc
    wrong = code[:5] + ("0" if code[5] != "0" else "1") + code[6:]
    for query in (wrong, code[:9] + code[10:], code[:9] + code[9] + code[9:]):
        content = page(client, q=query)
        assert "not a valid code" in content, query
        assert 'id="results-title"' not in content and "Nothing matches" not in content, query
        assert f'href="/enterprises/{code}/"' in content, query  # did you mean


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_wrong_code_never_says_nothing_was_found_in_either_language(client, language):
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    code = enterprise_code(4321)
    content = page(client, q=code[:17] + ("1" if code[17] != "1" else "2"))
    assert 'role="alert"' in content and 'id="results-title"' not in content


def test_seventeen_and_nineteen_characters_say_what_is_wrong(client):
    enterprise = EnterpriseFactory(name="杭州西湖建设有限公司")
    code = enterprise.uscc
    content = page(client, q=code[:17])
    assert "one character is missing" in content
    assert f'href="/enterprises/{code}/"' in content
    content = page(client, q=code[:12] + "7" + code[12:])
    assert "one character too many" in content
    assert f'href="/enterprises/{code}/"' in content
    assert 'id="results-title"' not in content
    # A registered legacy code (it fails the check) is suggested from its first 17 characters too.
    legacy = code[:17] + ("0" if code[17] != "0" else "1")
    EnterpriseFactory(uscc=legacy, name="福建老代码企业", is_legacy_code=True, legacy_reason="试点代码")
    content = page(client, q=code[:17])
    assert f'href="/enterprises/{legacy}/"' in content and f'href="/enterprises/{code}/"' in content


def test_pinyin_of_any_part_of_the_name_is_found_and_highlighted(client):
    EnterpriseFactory(name="深圳市腾达科技有限公司")
    EnterpriseFactory(name="杭州西湖建设有限公司")
    assert "深圳市<mark>腾达</mark>科技有限公司" in page(client, q="tengda")
    assert "杭州<mark>西湖</mark>建设有限公司" in page(client, q="xihu")
    assert "<mark>深圳市腾达</mark>科技有限公司" in page(client, q="szstd")


# --- Paging, the cap, and what is not rebuilt on every search -----------------------------------


def _many(count: int, name: str = "杭州恒{n}科技有限公司", division: str = "330106") -> None:
    Enterprise.objects.bulk_create(
        Enterprise(
            uscc=enterprise_code(7000 + n, division=division),
            name=name.format(n=n),
            division_code=division,
            **search_fields(name.format(n=n)),
        )
        for n in range(count)
    )


def test_results_come_twenty_a_page_and_every_result_once(client):
    _many(45)
    shown = []
    for number, expected in ((1, 20), (2, 20), (3, 5)):
        content = page(client, q="科技", page=number)
        assert "45 enterprises found" in content
        items = _result_items(content)
        assert len(items) == expected
        shown += list(items)
    assert len(set(shown)) == 45
    assert 'page=3">Next' not in page(client, q="科技", page=3)
    # A page past the last shows the last.
    assert list(_result_items(page(client, q="科技", page=9))) == shown[40:]


def test_past_the_limit_the_page_says_more_than_and_pages_stop_at_the_limit(client):
    _many(registry_selectors.SEARCH_LIMIT + 30)
    content = page(client, q="科技", page=10)
    assert f"More than {registry_selectors.SEARCH_LIMIT} enterprises found" in content
    assert len(_result_items(content)) == 20
    assert "Next" not in content.split('class="pager"', 1)[1]
    # Page 11 is not offered: the tenth is the last.
    assert _result_items(page(client, q="科技", page=11)) == _result_items(content)


def _standings_precomputed(settings) -> None:
    """The results' standings precomputed, as the nightly job and each change's refresh keep them
    (read in the page's own query, ``joined_standings``), and the suite's oracle, which reads them
    live as well, off."""
    from sanctions.lists.standing_facts import standings_build_due

    standings_build_due()
    settings.PUBLIC_PROFILE_CHECK = False


def test_a_word_the_statistics_find_in_most_names_is_more_than_the_limit_without_counting(
    client, monkeypatch, settings, django_assert_num_queries
):
    _many(25)
    _many(3, name="宁波港口{n}物流有限公司", division="330203")
    _standings_precomputed(settings)
    # The column statistics of a registry of a million names, where 科技 is in one name in ten.
    monkeypatch.setattr(column_stats, "_common_cache", (float("inf"), {"科技": 0.1}))
    monkeypatch.setattr(column_stats, "_names_estimate", 1_000_000.0)
    page(client, q="港口")
    with django_assert_num_queries(1):  # the page with its number and its results' standings
        content = page(client, q="科技")
    assert f"More than {registry_selectors.SEARCH_LIMIT} enterprises found" in content
    items = _result_items(content)
    assert len(items) == 20 and all(
        "科技" in item.replace("<mark>", "").replace("</mark>", "") for item in items.values()
    )
    # Two characters the statistics do not count are counted.
    assert "3 enterprises found" in page(client, q="港口")


def test_a_search_reads_no_choice_list_and_the_filter_form_is_the_same(
    client, settings, django_assert_num_queries
):
    _many(3)
    _standings_precomputed(settings)
    first = page(client, q="科技")
    with django_assert_num_queries(1):  # the page, its number, the standings: no division, no list
        again = page(client, q="科技")
    form = first.split('<details class="filters"', 1)[1].split("</details>", 1)[0]
    assert form == again.split('<details class="filters"', 1)[1].split("</details>", 1)[0]
    assert ">浙江省</option>" in form and ">浙江省宁波市</option>" in form and "<details" not in form


def test_a_division_added_to_the_table_shows_in_the_filter(client):
    from registry.models import Division
    from registry.reference import divisions_sync

    Division.objects.filter(code="330200").delete()
    assert ">浙江省宁波市</option>" not in page(client, q="科技")
    divisions_sync()  # the table brought in line with the shipped data adds it
    assert '<option value="3302">浙江省宁波市</option>' in page(client, q="科技")


def test_a_list_added_shows_in_the_filter_in_the_visitors_language(client, registry_admin):
    from sanctions.lists.measures import list_kind_save
    from sanctions.models import ListKind

    assert "Public utility arrears list" not in page(client, q="科技")
    list_kind_save(
        actor=registry_admin,
        list_kind=ListKind(
            code="utility",
            name="公用事业欠费名单",
            name_en="Public utility arrears list",
            nature="attention",
            inclusion_conditions="连续欠费",
            removal_conditions="缴清欠费",
            legal_basis="测试依据",
        ),
    )
    assert '<option value="utility">Public utility arrears list</option>' in page(client, q="科技")
    client.cookies["django_language"] = "zh-hans"
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert '<option value="utility">公用事业欠费名单</option>' in page(client, q="科技")


def test_a_chosen_filter_stays_selected_and_the_filters_open(client):
    content = page(client, q="西湖", province="33", city="3302", status="revoked")
    form = content.split('<details class="filters"', 1)[1].split("</details>", 1)[0]
    assert content.count('<details class="filters" open>') == 1
    assert '<option value="33" selected>浙江省</option>' in form
    assert '<option value="3302" selected>浙江省宁波市</option>' in form
    assert 'value="revoked" selected' in form
    assert form.count(" selected") - form.count('value="" selected') == 3  # the empty choice elsewhere


def test_filters_alone_count_at_most_past_the_limit(client, settings, django_assert_max_num_queries):
    _many(registry_selectors.SEARCH_LIMIT + 5)
    _standings_precomputed(settings)
    page(client, province="33")
    # The number counted up to the limit and one, the page, the standings: never the whole match.
    with django_assert_max_num_queries(3):
        content = page(client, province="33")
    assert f"More than {registry_selectors.SEARCH_LIMIT} enterprises found" in content
    assert len(_result_items(content)) == 20


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_page_for_a_visitor_without_a_session_is_the_template_rendered(client, language):
    """A visitor with no session cookie gets the page put together from its frame, rendered once per
    language (``search_views._frame``); it is the page the template renders for a visitor with one."""
    from django.test import Client

    _many(45)
    EnterpriseFactory(name="杭州<b>&西湖</b>建设有限公司")
    queries = [
        {"q": "科技", "page": "2"},
        {"q": "科技", "page": "3", "status": "active"},
        {"q": "西湖</b>建"},
        {"q": "没有这个名字的企业"},
        {"q": "\"<script>'x", "industry": "I"},
    ]
    for params in queries:
        fresh, with_session = Client(), Client()
        for visitor in (fresh, with_session):
            visitor.cookies["django_language"] = language
        with_session.cookies["sessionid"] = "no-such-session"
        framed = fresh.get("/search", params)
        rendered = with_session.get("/search", params)
        assert framed.status_code == rendered.status_code == 200
        assert framed.content.decode() == rendered.content.decode(), params
        assert "sessionid" not in framed.wsgi_request.COOKIES


def test_a_chinese_reader_gets_the_results_section_in_chinese(client):
    # The hint past the limit, the pager's page and "nothing matches" were written inside f-strings,
    # which makemessages does not read: they were shown in English on the Chinese page.
    _more_than_the_limit_named_keji()
    session_reader = client  # the autouse fixture gave this one a session
    session_reader.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    anonymous_reader = Client()  # no session: the page's frame rendered once per language
    anonymous_reader.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    for reader in (session_reader, anonymous_reader):
        content = page(reader, q="科技")
        assert "请输入更完整的名称，或加上筛选条件，以缩小范围。" in content
        assert "第 1 页" in content and "下一页" in content
        assert "Page 1" not in content and "Add more of the name" not in content
        content = page(reader, q="科技", page="2")
        assert "上一页" in content and "第 2 页" in content
        content = page(reader, q="不存在的名称")
        assert "没有符合条件的企业。请检查输入是否有误，或只输入名称的一部分再试。" in content
        assert "Nothing matches" not in content


def test_a_code_or_a_status_that_is_not_what_the_registry_writes_is_escaped_too(client):
    """The rows leave a code of letters and digits and a known status as they are, and escape anything
    else: a row written by hand into the database must not become markup."""
    EnterpriseFactory(name="杭州西湖建设有限公司", uscc='9133"><b>x</b>', status='x"><i>')
    content = page(client, q="西湖建设")
    assert "9133&quot;&gt;&lt;b&gt;x&lt;/b&gt;" in content and "<b>x</b>" not in content
    assert "status-x&quot;&gt;&lt;i&gt;" in content and "<i>" not in content


def test_a_filter_value_it_does_not_take_is_named_instead_of_nothing_found(client):
    EnterpriseFactory(name="杭州西湖建设有限公司", division_code="330106")
    content = page(client, q="西湖", status="bogus", division="33x")
    assert 'role="alert"' in content and "These filters cannot be applied" in content
    assert 'id="results-title"' not in content and "Nothing matches" not in content
    assert "Registration status: Select a valid choice. bogus is not one of the available choices." in content
    assert "Division code: A division code is 2, 4 or 6 digits" in content
    # The same filters with values they take find the enterprise.
    assert "杭州<mark>西湖</mark>建设有限公司" in page(client, q="西湖", status="in_operation", division="33")


@pytest.mark.parametrize("division", ["330", "33\n", "３３"])
def test_a_division_is_two_four_or_six_ascii_digits_on_the_page_as_in_the_api(client, division):
    content = page(client, q="西湖", division=division)
    assert "A division code is 2, 4 or 6 digits" in content


def test_a_visitor_without_a_session_reads_why_in_chinese_and_the_value_escaped():
    response = Client().get("/search", {"q": "西湖", "status": "<b>x</b>"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "这些筛选条件无法使用" in content and "登记状态：" in content
    assert "&lt;b&gt;x&lt;/b&gt;" in content and "<b>x</b>" not in content
    assert 'id="results-title"' not in content


def test_a_filter_the_form_has_no_field_for_is_shown_and_kept_for_the_next_search(client):
    EnterpriseFactory(name="杭州西湖建设有限公司", division_code="330106", entity_type="llc")
    EnterpriseFactory(
        name="北京西湖建设有限公司", uscc=enterprise_code(4242, division="110105"), division_code="110105"
    )
    content = page(client, q="西湖", division="3301", entity_type="llc")
    assert "Also narrowed by the address you followed:" in content
    assert '<span class="chip">Division code: 3301 浙江省杭州市</span>' in content
    assert '<input type="hidden" name="division" value="3301">' in content
    assert '<input type="hidden" name="entity_type" value="llc">' in content
    assert "杭州<mark>西湖</mark>" in content and "北京<mark>西湖</mark>" not in content
    # Without them, nothing is said, and an invalid one is refused, not carried.
    assert "Also narrowed" not in page(client, q="西湖")
    refused = page(client, q="西湖", division="3")
    assert "Also narrowed" not in refused and 'name="division"' not in refused
    # Beside another filter's invalid value, a valid one is still shown and kept.
    both = page(client, q="西湖", status="bogus", division="3301")
    assert "These filters cannot be applied" in both
    assert '<input type="hidden" name="division" value="3301">' in both


def test_a_standings_line_is_worded_for_its_language_and_all_it_says_and_escaped():
    """The lines are kept by language and standing: the same standing read in another language, or
    with its list renamed, is worded again, never served from the other's line."""
    from dataclasses import replace

    from django.utils import translation

    from lookup.search_views import _standing_line
    from sanctions.lists.standing import ListCount, PenaltyCounts, Standing

    watch = Standing(
        "attention",
        PenaltyCounts(2, 1, 0),
        (ListCount("watch", "重点关注名单", "Watch list", "attention", 1),),
    )
    renamed = replace(
        watch, lists=(ListCount("watch", "<b>关注</b>名单", "<b>Attention</b>", "attention", 1),)
    )
    with translation.override("zh-hans"):
        chinese = _standing_line(watch, "zh-hans")
        assert "重点关注名单" in chinese and "Watch list" not in chinese
        assert _standing_line(watch, "zh-hans") is chinese  # worded once
        assert "&lt;b&gt;关注&lt;/b&gt;名单" in _standing_line(renamed, "zh-hans")
    with translation.override("en"):
        english = _standing_line(watch, "en")
        assert "Watch list" in english and "2 administrative penalties" in english
        assert "&lt;b&gt;Attention&lt;/b&gt;" in _standing_line(renamed, "en")
        assert _standing_line(Standing("good"), "en") == ""
