"""The public statistics page and API: charts and tables from the snapshot, the same numbers in both,
and no counting per request."""

from __future__ import annotations

import csv
import re

import pytest
from django.urls import reverse

from sanctions.statistics.services import statistics_refresh
from tests.sanctions.statistics_data import seed_statistics_data

pytestmark = pytest.mark.django_db

PAGE = "/statistics/"
API = "/api/v1/statistics/"
CHARTS = [
    "chart-industry",
    "chart-province",
    "chart-month",
    "chart-listings",
    "chart-repairs",
    "chart-objections",
    "chart-grades",
]


@pytest.fixture
def counted(django_capture_on_commit_callbacks):
    seed_statistics_data()
    with django_capture_on_commit_callbacks(execute=True):
        return statistics_refresh()


def _english(client):
    client.get(reverse("lookup:language", args=["en"]))
    return client


def _table(html: str, table_id: str) -> list[list[str]]:
    """The body rows of a table, each as its cells' text."""
    table = re.search(rf'<table class="stats-table" id="{table_id}">(.*?)</table>', html, re.S).group(1)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_page_in_chinese_draws_every_chart_with_a_title_a_description_and_a_table(client, counted):
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-CN">' in html
    for chart in CHARTS:
        svg = re.search(rf'<svg class="chart" id="{chart}" role="img"[^>]*>', html)
        assert svg and f'aria-labelledby="{chart}-title {chart}-desc"' in svg.group(0)
        assert f'<title id="{chart}-title">' in html and f'<desc id="{chart}-desc">' in html
    for table in (
        "table-industry",
        "table-province",
        "table-month",
        "table-listings",
        "table-repairs",
        "table-objections",
        "table-grades",
    ):
        assert f'id="{table}"' in html
    assert "C 制造业" in html and "浙江省" in html
    assert ["C 制造业", "1", "1", "0", "2"] in _table(html, "table-industry")
    # Nothing the content security policy would block: no script, no handler.
    assert "<script" not in html and not re.search(r"\son[a-z]+=", html)


def test_page_in_english_names_industries_and_provinces_in_english(client, counted):
    html = _english(client).get(PAGE).content.decode()
    assert '<html lang="en">' in html
    assert ["C Manufacturing", "1", "1", "0", "2"] in _table(html, "table-industry")
    assert ["Zhejiang", "2", "1", "1", "4"] not in _table(html, "table-province")
    assert ["Zhejiang", "1", "1", "1", "3"] in _table(html, "table-province")
    for chart in CHARTS:
        assert f'id="{chart}"' in html


def test_api_gives_the_numbers_the_page_shows(client, counted):
    html = client.get(PAGE).content.decode()
    response = client.get(API)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    data = response.json()
    assert data["version"] == counted.version
    industry = {
        row[0][0] if re.match(r"^[A-T] ", row[0]) else "": [int(v) for v in row[1:]]
        for row in _table(html, "table-industry")
    }
    for row in data["records"]["by_industry"]:
        assert industry[row["code"]] == [row["penalty"], row["licence"], row["reward"], row["all"]]
    months = {row[0]: int(row[-1]) for row in _table(html, "table-month")}
    assert months == {row["month"]: row["all"] for row in data["records"]["by_month"]}
    grades = {row[0].split(" ")[0]: int(row[1]) for row in _table(html, "table-grades")}
    assert grades == {g["grade"]: g["count"] for g in data["ratings"]["grades"]}
    repairs = [[int(row[1]), row[2], row[3]] for row in _table(html, "table-repairs")]
    assert repairs == [
        [
            o["count"],
            "—" if o["median_days"] is None else str(o["median_days"]),
            "—" if o["p90_days"] is None else str(o["p90_days"]),
        ]
        for o in data["repairs"]["outcomes"]
    ]
    listing_totals = [(int(row[-2]), int(row[-1])) for row in _table(html, "table-listings")]
    assert listing_totals == [
        (sum(m["entries"].values()), sum(m["exits"].values())) for m in data["listings"]["by_month"]
    ]


def test_api_gives_the_figures_as_csv_rows(client, counted):
    response = client.get(API, {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(response.content.decode("utf-8-sig").splitlines()))
    assert {"figure": "records_total", "key": "", "name": "", "series": "all", "value": "4"} in rows


def test_page_reads_one_row_at_most_and_counts_nothing(
    client, counted, django_assert_max_num_queries, django_assert_num_queries
):
    with django_assert_max_num_queries(1):  # the snapshot, once per process and version
        assert client.get(PAGE).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(PAGE).status_code == 200
        assert _english(client).get(PAGE).status_code == 200
        assert client.get(API).status_code == 200


def test_a_refresh_is_on_the_page_at_once(client, counted, django_capture_on_commit_callbacks):
    html = client.get(PAGE).content.decode()
    assert ["C 制造业", "1", "1", "0", "2"] in _table(html, "table-industry")
    from sanctions.models import CreditRecord

    record = CreditRecord.objects.filter(
        kind="penalty",
        enterprise__industry="C",
        status="published",
        is_current=True,
        repaired_at__isnull=True,
        never_published=False,
        usage_scope="public",
        decision_date__lte=counted.as_of,
    ).first()
    CreditRecord.objects.filter(pk=record.pk).update(status="revoked")
    with django_capture_on_commit_callbacks(execute=True):
        statistics_refresh()
    html = client.get(PAGE).content.decode()
    assert ["C 制造业", "0", "1", "0", "1"] in _table(html, "table-industry")


def test_before_the_first_refresh_the_page_says_so_and_the_api_asks_to_retry(client):
    response = client.get(PAGE)
    assert response.status_code == 200
    assert "have not been counted yet" in response.content.decode() or "尚未" in response.content.decode()
    response = client.get(API)
    assert response.status_code == 503
    assert response["Retry-After"] == "300"
    assert response.json()["detail"]


def test_portal_links_to_the_statistics(client):
    html = client.get("/").content.decode()
    assert f'href="{PAGE}"' in html and 'id="footer-statistics"' in html


def test_a_signed_in_visitor_gets_the_page_with_their_own_navigation(client, counted, django_user_model):
    assert 'id="nav-enterprise-sign-in"' in client.get(PAGE).content.decode()  # kept for anonymous visitors
    client.force_login(django_user_model.objects.create_user("statistics-reader", password="pw-for-tests-1"))
    html = client.get(PAGE).content.decode()
    assert 'id="nav-sign-out"' in html and 'id="nav-enterprise-sign-in"' not in html
    assert 'id="chart-industry"' in html


def test_names_from_the_data_are_escaped_in_the_charts(client, django_capture_on_commit_callbacks):
    from sanctions.models import ListKind

    seed_statistics_data()
    ListKind.objects.filter(pk="watch").update(name="<script>alert(1)</script>名单", name_en="<b>Watch</b>")
    with django_capture_on_commit_callbacks(execute=True):
        statistics_refresh()
    html = client.get(PAGE).content.decode()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;名单" in html
    assert "<b>Watch</b>" not in _english(client).get(PAGE).content.decode()


def test_long_labels_are_cut_to_fit_the_chart():
    from lookup.charts import fit, text_width

    label = "I Information transmission, software and information technology services"
    cut = fit(label, 200)
    assert cut.endswith("…") and text_width(cut) <= 200 and label.startswith(cut[:-1].rstrip())
    assert fit("C 制造业", 200) == "C 制造业"


@pytest.mark.django_db
def test_the_api_refuses_a_format_it_does_not_give_with_a_json_400(client):
    for wanted in ("AAA", ""):
        response = client.get("/api/v1/statistics/", {"format": wanted}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400, wanted
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["errors"][0]["field"] == "format"
