"""The search sample: names drawn at random, from which a search of several characters or syllables
estimates whether its page is read first found in the table (registry/search_sample.py)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection

from registry import search_sample
from registry import selectors as registry_selectors
from registry.models import Enterprise, SearchSample
from registry.search import plan_query
from registry.selectors import column_stats, search_page
from tests.factories import EnterpriseFactory

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def fresh_estimates():
    search_sample.forget()
    yield
    search_sample.forget()


def test_a_count_in_the_sample_shows_a_share_two_standard_deviations_below_it():
    # 78 of 20,000 names drawn: 0.39% of them, and at least 0.30% of all names with near certainty.
    assert search_sample.share_at_least(78, 20_000) == pytest.approx((78 - 2 * 78**0.5) / 20_000)
    assert 0.0030 < search_sample.share_at_least(78, 20_000) < 0.0031
    assert search_sample.share_at_least(4, 20_000) == 0.0  # as likely none at all
    assert search_sample.share_at_least(0, 20_000) == 0.0
    assert search_sample.share_at_least(500, 999) == 0.0  # too small a sample to tell


def test_refresh_draws_names_at_random_and_replaces_the_last_sample():
    made = [EnterpriseFactory(name=f"杭州恒{n}科技有限公司") for n in range(40)]
    assert search_sample.search_sample_refresh(size=15) == 15
    drawn = list(SearchSample.objects.values_list("enterprise_id", "search_name"))
    by_id = {e.pk: e.search_name for e in Enterprise.objects.filter(pk__in=[e.pk for e in made])}
    assert len(drawn) == 15 and all(by_id[pk] == name for pk, name in drawn)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM registry_searchsample s JOIN registry_enterprise e ON e.id = s.enterprise_id "
            "WHERE s.search_vector = e.search_vector AND s.search_pinyin = e.search_pinyin"
        )
        assert cursor.fetchone()[0] == 15
    assert search_sample.search_sample_refresh(size=1000) == Enterprise.objects.count()  # all of them
    # The table's size as last measured, far off: more of its pages are sampled until enough are drawn.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE pg_class SET reltuples = 1e9 WHERE oid = 'registry_enterprise'::regclass")
    assert search_sample.search_sample_refresh(size=15) == 15
    assert search_sample.search_sample_refresh(size=0) == 0 and not SearchSample.objects.exists()
    with pytest.raises(ValueError):
        search_sample.search_sample_refresh(size=-1)
    out = io.StringIO()
    call_command("search_sample_refresh", "--size", "7", stdout=out)
    assert SearchSample.objects.count() == 7 and "7" in out.getvalue()


def test_the_beat_draws_the_sample_every_night(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["search-sample-nightly"]
    assert entry["task"] == "registry.tasks.search_sample_refresh"
    assert entry["schedule"].hour == {4}


@pytest.fixture
def phrase_registry(monkeypatch):
    """40 names with 智远达 (zhi yuan da) and 20 without, a sample of all 60, and the statistics of a
    registry of 1 M names in which 智远 and 远达 (and their pinyin) are each in 60% of the names."""
    for n in range(40):
        EnterpriseFactory(name=f"杭州智远达{n}科技有限公司")
    for n in range(20):
        EnterpriseFactory(name=f"宁波恒{n}智远贸易有限公司")
    monkeypatch.setattr(search_sample, "MIN_SAMPLE", 10)
    assert search_sample.search_sample_refresh() == 60
    pairs = {"智远": 0.6, "远达": 0.6}
    pinyin = {"zhi-yuan": 0.6, "yuan-da": 0.6}
    monkeypatch.setattr(column_stats, "_common_cache", (float("inf"), pairs))
    monkeypatch.setattr(column_stats, "_common_pinyin_cache", (float("inf"), pinyin))
    monkeypatch.setattr(column_stats, "_names_estimate", 1_000_000.0)


@pytest.mark.parametrize("query", ["智远达", "zhiyuanda", "zhi yuan da"])
def test_a_phrase_the_sample_finds_in_many_names_is_read_first_found(phrase_registry, query):
    """Its pairs are common, no statistic gives the phrase's share; the sample holds it in 40 of 60
    names, so the registry's million hold it in far more than a page: "more than" at once, and the
    page is the first such names found in the table."""
    plan = registry_selectors.enterprise_search_plan(query)
    assert plan.known_share == 0.0 and plan.index_lexemes
    page = registry_selectors.enterprise_search_page(query=query)
    assert page.is_capped and page.count == registry_selectors.SEARCH_LIMIT + 1
    assert len(page.hits) == 20 and all("智远达" in hit.name for hit in page.hits)


def test_a_phrase_rare_in_the_sample_is_read_from_the_index_and_counted(phrase_registry):
    # The index is asked for 智远 (in 60% of names, it says) and the sample finds the phrase nowhere.
    for query in ("智远恒", "zhiyuanheng"):
        page = registry_selectors.enterprise_search_page(query=query)
        assert page.count == 0 and not page.is_capped
    # Without a sample (or one too small) nothing is estimated: the 40 names are counted.
    SearchSample.objects.all().delete()
    search_sample.forget()
    page = registry_selectors.enterprise_search_page(query="智远达")
    assert page.count == 40 and not page.is_capped


def test_a_small_bitmap_is_read_from_the_index_without_asking_the_sample(phrase_registry, monkeypatch):
    """When the rarest lexeme asked of the index is in fewer names than the first-found share, the
    index's bitmap is the cheaper way, and the sample is not read."""
    monkeypatch.setattr(column_stats, "_common_cache", (float("inf"), {"智远": 0.005, "远达": 0.6}))

    def refuse(*args, **kwargs):
        raise AssertionError("the sample was read")

    monkeypatch.setattr(search_sample, "sample_counts", refuse)
    page = registry_selectors.enterprise_search_page(query="智远达")
    assert page.count == 40 and not page.is_capped


def test_a_lexeme_the_statistics_did_not_measure_counts_as_in_fewer_names_than_the_least_measured(
    monkeypatch,
):
    for n in range(30):
        EnterpriseFactory(name=f"杭州恒{n}科技有限公司")
    for n in range(5):
        EnterpriseFactory(name=f"温州{n}鞋业有限公司")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_enterprise")
    shares = column_stats._common_elements("search_vector")
    assert shares["科技"] > 0.5
    assert column_stats._unmeasured["search_vector"] == pytest.approx(min(shares.values()))
    monkeypatch.setattr(column_stats, "_common_cache", (float("inf"), shares))
    floor = min(shares.values())
    assert search_page._index_share(plan_query("不存在", common=shares)) == pytest.approx(floor)
    # Two alternatives add up: 鞋业 (Simplified, measured) and 鞋業 (Traditional, in no name).
    assert shares["鞋业"] == pytest.approx(5 / 35) and "鞋業" not in shares
    assert search_page._index_share(plan_query("鞋業", common=shares)) == pytest.approx(5 / 35 + floor)
    assert search_page._index_share(plan_query("科技有", common=shares)) <= shares["科技"]


def test_the_table_is_read_when_a_page_found_in_it_costs_less_than_the_indexs_bitmap(
    phrase_registry, monkeypatch
):
    """The index's bitmap holds share_index × names entries; reading the table finds a page after
    21 / share_query rows. At 10 M names, a phrase in 0.125% of the sample whose index lexeme is in 1.8%
    (``zhoushixin``, 49 ms from the index) is read in the table, though under sqrt(93 / names)."""
    monkeypatch.setattr(column_stats, "_names_estimate", 10_000_000.0)
    plan = registry_selectors.enterprise_search_plan("zhiyuanda")
    counts = {"now": (20_000, 368, 25)}
    monkeypatch.setattr(search_sample, "sample_counts", lambda plan: counts["now"])
    assert search_page._sampled_more(plan, 10_000_000.0)
    counts["now"] = (20_000, 100, 30)  # index 0.5%, phrase 0.15%: the bitmap of 50,000 costs less
    assert not search_page._sampled_more(plan, 10_000_000.0)
    counts["now"] = (20_000, 40, 40)  # a small bitmap: the index
    assert not search_page._sampled_more(plan, 10_000_000.0)
    counts["now"] = (20_000, 368, 12)  # cheaper in the table, and in at least 0.025% (2,500 names): sure
    assert search_page._sampled_more(plan, 10_000_000.0)
    counts["now"] = (20_000, 2_000, 5)  # cheaper in the table, but as likely in 2 names of 20,000: not sure
    assert not search_page._sampled_more(plan, 10_000_000.0)
    counts["now"] = (20_000, 2_000, 60)  # 0.3% of 1,000 names: not sure of "more than" 200
    assert not search_page._sampled_more(plan, 1_000.0)
    counts["now"] = (search_sample.MIN_SAMPLE - 1, 9, 9)  # a sample too small to tell
    assert not search_page._sampled_more(plan, 10_000_000.0)


def test_the_sample_counts_what_the_index_finds_and_what_matches_the_whole_query(phrase_registry):
    # 智远 is in all 60 names of the sample, the phrase 智远达 in 40 of them.
    for query in ("智远达", "zhiyuanda"):
        plan = registry_selectors.enterprise_search_plan(query)
        assert search_sample.sample_counts(plan) == (60, 60, 40)
    # 智远恒: the index is asked for 远恒 (智远 is common), in none of them.
    assert search_sample.sample_counts(registry_selectors.enterprise_search_plan("智远恒")) == (60, 0, 0)
