"""Reads of the public statistics: the current snapshot, for the page, the API and the bulk files.

Nothing here counts records: every figure comes from the snapshot the refresh wrote. The page and
the API read ``statistics_current``, which keeps the snapshot in the process and checks the shared
cache for a newer version at most every ``MEMO_SECONDS``; so a request costs no query, and a refresh
is seen everywhere within seconds (the refresh publishes its version to the cache on commit; with a
cache per process, within ``VERSION_CACHE_SECONDS``).
"""

from __future__ import annotations

import csv
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.db import transaction

from registry.csv_safety import safe_cell
from sanctions.models import StatisticsSnapshot

VERSION_KEY = "statistics:version"
VERSION_CACHE_SECONDS = 60
MEMO_SECONDS = 5.0
CSV_COLUMNS = ["figure", "key", "name", "series", "value"]

_memo_lock = threading.Lock()
_memo: dict[str, Any] = {"snapshot": None, "until": 0.0}


def statistics_memo_clear() -> None:
    """Forget this process' copy of the snapshot (a refresh in this process; tests)."""
    with _memo_lock:
        _memo.update(snapshot=None, until=0.0)


def statistics_version_publish(snapshot: StatisticsSnapshot) -> None:
    """Tell every process, once the refresh commits, that ``snapshot`` is the current one."""
    version = snapshot.version

    def publish() -> None:
        statistics_memo_clear()
        cache.set(VERSION_KEY, version, VERSION_CACHE_SECONDS)

    transaction.on_commit(publish)


def statistics_current() -> StatisticsSnapshot | None:
    """The current snapshot (None before the first refresh), as cheaply as it can be known."""
    now = time.monotonic()
    with _memo_lock:
        kept, until = _memo["snapshot"], _memo["until"]
    if kept is not None and now < until:
        return kept
    if kept is not None and cache.get(VERSION_KEY) == kept.version:
        with _memo_lock:
            _memo["until"] = now + MEMO_SECONDS
        return kept
    snapshot = StatisticsSnapshot.objects.order_by("-id").first()
    if snapshot is not None:
        cache.set(VERSION_KEY, snapshot.version, VERSION_CACHE_SECONDS)
    with _memo_lock:
        _memo.update(snapshot=snapshot, until=now + MEMO_SECONDS)
    return snapshot


def statistics_snapshot() -> dict[str, Any] | None:
    """The current figures as one document (what ``GET /api/v1/statistics/`` answers), read from the
    database itself; None before the first refresh. For the bulk open-data files."""
    snapshot = StatisticsSnapshot.objects.order_by("-id").first()
    return None if snapshot is None else snapshot_document(snapshot)


def snapshot_document(snapshot: StatisticsSnapshot) -> dict[str, Any]:
    return {
        "version": snapshot.version,
        "computed_at": snapshot.computed_at.isoformat(),
        "duration_ms": snapshot.duration_ms,
        **snapshot.data,
    }


def statistics_rows(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The figures as long rows (figure, key, name, series, value): one CSV for every chart."""
    records = document["records"]
    for kind, value in records["total"].items():
        yield {"figure": "records_total", "key": "", "name": "", "series": kind, "value": value}
    for figure, key_field in (("by_industry", "code"), ("by_province", "code"), ("by_month", "month")):
        for row in records[figure]:
            for kind in ("penalty", "licence", "reward", "all"):
                yield {
                    "figure": f"records_{figure}",
                    "key": row[key_field],
                    "name": row.get("name", ""),
                    "series": kind,
                    "value": row[kind],
                }
    listings = document["listings"]
    for kind in listings["kinds"]:
        yield {
            "figure": "listings_in_force",
            "key": kind["code"],
            "name": kind["name"],
            "series": "",
            "value": kind["in_force"],
        }
    for month in listings["by_month"]:
        for flow in ("entries", "exits"):
            for code, value in month[flow].items():
                yield {
                    "figure": f"listings_{flow}_by_month",
                    "key": month["month"],
                    "name": "",
                    "series": code,
                    "value": value,
                }
    for section in ("repairs", "objections"):
        for outcome in document[section]["outcomes"]:
            for series in ("count", "median_days", "p90_days"):
                yield {
                    "figure": f"{section}_outcomes",
                    "key": outcome["outcome"],
                    "name": "",
                    "series": series,
                    "value": "" if outcome[series] is None else outcome[series],
                }
        yield {
            "figure": f"{section}_pending",
            "key": "",
            "name": "",
            "series": "count",
            "value": document[section]["pending"],
        }
    ratings = document["ratings"]
    for grade in ratings["grades"]:
        yield {
            "figure": "ratings_by_grade",
            "key": grade["grade"],
            "name": grade["label"],
            "series": ratings["model"] or "",
            "value": grade["count"],
        }
    yield {
        "figure": "ratings_rated",
        "key": "",
        "name": "",
        "series": ratings["model"] or "",
        "value": ratings["rated"],
    }
    yield {"figure": "enterprises", "key": "", "name": "", "series": "", "value": ratings["enterprises"]}


def statistics_write(directory: Path | str, *, document: dict[str, Any] | None = None) -> list[Path]:
    """Write ``statistics.json`` and ``statistics.csv`` (UTF-8 with BOM) of the current snapshot into
    ``directory``; returns the paths written (none before the first refresh)."""
    document = document if document is not None else statistics_snapshot()
    if document is None:
        return []
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    json_path = directory / "statistics.json"
    json_path.write_text(
        json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    csv_path = directory / "statistics.csv"
    with csv_path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for row in statistics_rows(document):
            writer.writerow({k: safe_cell(v) if isinstance(v, str) else v for k, v in row.items()})
    return [json_path, csv_path]
