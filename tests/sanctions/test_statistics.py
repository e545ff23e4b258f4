"""The statistics' refresh: it counts exactly what the public sees, and running it again changes nothing."""

from __future__ import annotations

import csv
import json

import pytest
from django.core.management import call_command
from django.utils import translation

from sanctions.models import StatisticsSnapshot
from sanctions.statistics.selectors import statistics_snapshot, statistics_write
from sanctions.statistics.services import months_ending, statistics_refresh
from tests.sanctions.statistics_data import seed_statistics_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def known():
    return seed_statistics_data()


def _by(rows, key, field="code"):
    return next(row for row in rows if row[field] == key)


def test_public_records_are_counted_by_kind_industry_province_and_month(known):
    data = statistics_refresh().data
    records = data["records"]
    # Four public records; the ten that are not public (draft, submitted, revoked, expired,
    # publicity ended, repaired, never published, not public scope, old version, decided tomorrow)
    # count nowhere.
    assert records["total"] == {"penalty": 2, "licence": 1, "reward": 1, "all": 4}
    assert _by(records["by_industry"], "C") == {
        "code": "C",
        "penalty": 1,
        "licence": 1,
        "reward": 0,
        "all": 2,
    }
    assert _by(records["by_industry"], "F")["all"] == 1
    assert _by(records["by_industry"], "")["reward"] == 1  # industry not recorded
    assert [row["code"] for row in records["by_industry"][:20]] == list("ABCDEFGHIJKLMNOPQRST")
    assert sum(row["all"] for row in records["by_industry"]) == 4
    assert {row["code"]: (row["name"], row["all"]) for row in records["by_province"]} == {
        "33": ("浙江省", 3),
        "44": ("广东省", 1),
    }
    months = {row["month"]: row for row in records["by_month"]}
    assert len(records["by_month"]) == 24 and records["by_month"][-1]["month"] == known["today"].strftime(
        "%Y-%m"
    )
    expected: dict[str, int] = {}
    for key in ("recent", "older", "last_year"):
        expected[known["months"][key]] = expected.get(known["months"][key], 0) + 1
    assert {m: row["all"] for m, row in months.items() if row["all"]} == expected
    # Decided 800 days ago: in the totals, before the months shown.
    assert sum(row["all"] for row in records["by_month"]) == 3


def test_list_entries_and_exits_count_published_listings_that_were_in_force(known):
    listings = statistics_refresh().data["listings"]
    in_force = {kind["code"]: kind["in_force"] for kind in listings["kinds"]}
    assert in_force == {"dishonest": 1, "abnormal": 0, "watch": 0, "red": 0}
    entries, exits = {}, {}
    for row in listings["by_month"]:
        for code, count in row["entries"].items():
            if count:
                entries[(code, row["month"])] = count
        for code, count in row["exits"].items():
            if count:
                exits[(code, row["month"])] = count
    months = known["listing_months"]
    # The revoked listing, the draft and the one starting in three days are in none of them.
    assert entries == {
        ("dishonest", months["dishonest_entry"]): 1,
        ("abnormal", months["abnormal_entry"]): 1,
        ("watch", months["watch_entry"]): 1,
    }
    # Removed after repair today; the watch listing left on its end date though the job has not run.
    assert exits == {("abnormal", months["abnormal_exit"]): 1, ("watch", months["watch_exit"]): 1}


def test_repair_and_objection_outcomes_have_median_and_p90_processing_days(known):
    data = statistics_refresh().data
    repairs = {row["outcome"]: row for row in data["repairs"]["outcomes"]}
    assert repairs["approved"] == {"outcome": "approved", "count": 3, "median_days": 4.0, "p90_days": 8.8}
    assert repairs["rejected"] == {"outcome": "rejected", "count": 1, "median_days": 6.0, "p90_days": 6.0}
    # A withdrawal records no decision time.
    assert repairs["withdrawn"] == {"outcome": "withdrawn", "count": 1, "median_days": None, "p90_days": None}
    assert data["repairs"]["pending"] == 1
    objections = {row["outcome"]: row for row in data["objections"]["outcomes"]}
    assert objections["corrected"]["count"] == 1 and objections["corrected"]["median_days"] == 3.0
    assert objections["upheld"] == {"outcome": "upheld", "count": 2, "median_days": 3.0, "p90_days": 4.6}
    assert objections["revoked"] == {"outcome": "revoked", "count": 0, "median_days": None, "p90_days": None}
    assert data["objections"]["pending"] == 2


def test_enterprises_are_shared_by_their_current_grade(known):
    ratings = statistics_refresh().data["ratings"]
    assert ratings["model"] == "registry-default"
    assert [(g["grade"], g["count"]) for g in ratings["grades"]] == [("A", 2), ("B", 0), ("C", 1), ("D", 0)]
    assert ratings["rated"] == 3
    assert ratings["enterprises"] == known["enterprises"]


def test_refresh_is_idempotent_and_keeps_one_snapshot(known):
    first = statistics_refresh()
    second = statistics_refresh()
    assert StatisticsSnapshot.objects.count() == 1
    assert StatisticsSnapshot.objects.get().pk == second.pk
    assert second.data == first.data and second.digest == first.digest
    assert second.version != first.version  # a new refresh is a new version for the caches


def test_refresh_outside_a_transaction_counts_in_one_read_only_snapshot(transactional_db):
    seed_statistics_data()
    snapshot = statistics_refresh()  # its own REPEATABLE READ transaction, then the replacement
    assert snapshot.data["records"]["total"]["all"] == 4
    assert StatisticsSnapshot.objects.count() == 1


def test_command_and_task_refresh_the_snapshot(known, capsys):
    with translation.override("en"):  # the command speaks the active language
        call_command("statistics_refresh")
    assert "refreshed" in capsys.readouterr().out
    from sanctions.tasks import statistics_refresh as task

    result = task.apply().get()
    assert result["version"] == StatisticsSnapshot.objects.get().version


def test_beat_refreshes_every_hour(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["statistics-refresh-hourly"]
    assert entry["task"] == "sanctions.tasks.statistics_refresh"
    assert entry["schedule"].hour == set(range(24))


def test_figures_are_written_as_json_and_csv_for_the_bulk_files(known, tmp_path):
    assert statistics_snapshot() is None and statistics_write(tmp_path) == []
    statistics_refresh()
    document = statistics_snapshot()
    paths = statistics_write(tmp_path)
    assert [p.name for p in paths] == ["statistics.json", "statistics.csv"]
    assert json.loads(paths[0].read_text(encoding="utf-8")) == document
    raw = paths[1].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert {"figure": "records_total", "key": "", "name": "", "series": "all", "value": "4"} in rows
    assert {
        "figure": "records_by_province",
        "key": "33",
        "name": "浙江省",
        "series": "all",
        "value": "3",
    } in rows
    assert {
        "figure": "ratings_by_grade",
        "key": "A",
        "name": "信用良好",
        "series": "registry-default",
        "value": "2",
    } in rows


def test_months_ending_counts_back_across_the_year():
    import datetime as dt

    months = months_ending(dt.date(2026, 2, 17), 3)
    assert months == [dt.date(2025, 12, 1), dt.date(2026, 1, 1), dt.date(2026, 2, 1)]
