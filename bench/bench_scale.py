"""The registry at 1 million and 10 million enterprises: seeding, sizes, search, first views, imports, jobs.

    .venv/bin/python -m bench.bench_scale seed    --size 1m|10m [--fresh]
    .venv/bin/python -m bench.bench_scale measure --size 1m|10m [--only search,portal,import,jobs,explain]
    .venv/bin/python -m bench.bench_scale all     --size 1m|10m        (make bench-1m / make bench-10m)

Each size has its own database (``credit_registry_1m_bench``, ``credit_registry_10m_bench``; a bench
database name ends in ``_bench``, see ``bench/_db.py``), never the development data.

**seed** runs ``manage.py seed_demo --enterprises N`` (the demo set, N synthetic enterprises by COPY in
committed parts of a million, their credit data at the demo's rates through the bulk paths, chunk by
chunk) as a child process, reusing a database that already holds them (only what is missing is
made). It samples the child's resident memory every few seconds and reads its own samples (one per
part and per chunk, ``--progress-file``); then VACUUM ANALYZE (the server here runs without
autovacuum), the size of every table and index, and a raw COPY of the same rows (enterprises,
records, their history events) into a bare copy of each table with the same indexes, for the ratio.
Writes ``bench/results/seed_<size>.json``.

**measure** on the seeded database, the machine's load average noted with each figure:
- search: the portal's selectors in process as ``bench_search`` times them (its query sampler and
  timer), 2-, 3-, 4-character names drawn from the table plus the most common words (有限, 公司,
  科技, …), pinyin syllables and initials, exact codes, code prefixes;
- credit page first view: ``bench_portal``'s own gunicorn + wrk run (hello, first views, shared cache,
  popular pages) on this database, and its in-process selector timing;
- record import: a 100,000-row penalty file through ``import_start`` (``bench_records_import``'s file
  writer) into the large tables, eager, by a new agency each run;
- jobs: ``expire_records``, ``expire_listings``, ``ratings_recompute --all`` as commands, with their
  progress lines, while wrk loads credit pages on gunicorn in 10-second windows, against the same
  load without a job; due rows are made first by moving the publicity end (records) or the term
  (listings) of 1% of the published ones to yesterday, the same share at each size;
- EXPLAIN (ANALYZE, BUFFERS) of the queries whose cost could grow with the tables (search, the credit
  page's queries, the expiry jobs' batches, a rating chunk): plan, sequential scans, buffers.
Writes ``bench/results/scale_<size>.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
WORK = ROOT / ".data" / "bench"
SIZES = {"1m": ("credit_registry_1m_bench", 1_000_000), "10m": ("credit_registry_10m_bench", 10_000_000)}
REDIS_DB_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
COMMON_WORDS = ["有限", "公司", "科技", "有限公司", "商贸", "建设", "贸易", "服务", "发展", "电子"]
DUE_SHARE = 0.01  # of published records and of listings in force with a term, made due for the jobs


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _database_url(name: str) -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    auth = db.get("USER") or "postgres"
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    if (db.get("HOST") or "").startswith("/"):
        return f"postgresql://{auth}@/{name}?host={db['HOST']}"
    return f"postgresql://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"


def _percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)

    def at(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 2)

    return {
        "n": len(ordered),
        "p50_ms": at(0.50),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "max_ms": round(ordered[-1], 2),
        "mean_ms": round(statistics.mean(ordered), 2),
    }


def _child_env(name: str, *, redis: bool) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": _database_url(name),
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    if redis:
        env["REDIS_URL"] = REDIS_DB_URL
    else:
        env.pop("REDIS_URL", None)
    return env


def _memory_of(pid: int) -> dict[str, int] | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", text, re.M))
    return {"rss_mb": int(found.get("VmRSS", 0)) // 1024, "hwm_mb": int(found.get("VmHWM", 0)) // 1024}


# --- Sizes ------------------------------------------------------------------------------------------


def sizes() -> dict:
    """Every table of 1 MB or more: heap, TOAST, indexes, total; and each of their indexes."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        database = cursor.fetchone()[0]
        cursor.execute(
            "SELECT c.relname, c.reltuples::bigint, pg_relation_size(c.oid), pg_indexes_size(c.oid), "
            "pg_total_relation_size(c.oid) - pg_relation_size(c.oid) - pg_indexes_size(c.oid), "
            "pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname = current_schema() AND pg_total_relation_size(c.oid) >= 1048576 "
            "ORDER BY pg_total_relation_size(c.oid) DESC"
        )
        tables = [
            {
                "table": name,
                "rows_estimate": rows,
                "heap_mb": round(heap / 2**20, 1),
                "indexes_mb": round(indexes / 2**20, 1),
                "toast_mb": round(toast / 2**20, 1),
                "total_mb": round(total / 2**20, 1),
            }
            for name, rows, heap, indexes, toast, total in cursor.fetchall()
        ]
        cursor.execute(
            "SELECT t.relname, i.relname, pg_relation_size(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = current_schema() "
            "AND pg_relation_size(i.oid) >= 1048576 ORDER BY pg_relation_size(i.oid) DESC"
        )
        indexes = [
            {"table": table, "index": index, "mb": round(size / 2**20, 1)}
            for table, index, size in cursor.fetchall()
        ]
    return {"database_mb": round(database / 2**20, 1), "tables": tables, "indexes": indexes}


# --- Seed -------------------------------------------------------------------------------------------


def _seeded(total: int) -> tuple[int, int]:
    """(synthetic enterprises, of them not yet given their credit data)."""
    from registry.seeding import synthetic_enterprises
    from sanctions.seeding.bulk import remaining_synthetic

    return synthetic_enterprises().count(), remaining_synthetic()


def _run_seed(name: str, total: int, progress_file: Path, log: Path) -> dict:
    """seed_demo as a child process; its memory sampled from here every 2 s, its own samples read after."""
    command = [
        sys.executable,
        "manage.py",
        "seed_demo",
        "--enterprises",
        str(total),
        "--no-progress",
        "--progress-file",
        str(progress_file),
    ]
    samples: list[dict] = []
    started = time.perf_counter()
    with log.open("a", encoding="utf-8") as out:
        child = subprocess.Popen(command, cwd=ROOT, env=_child_env(name, redis=False), stdout=out, stderr=out)
        while child.poll() is None:
            memory = _memory_of(child.pid)
            if memory:
                samples.append({"seconds": round(time.perf_counter() - started, 1), **memory})
            time.sleep(2)
    if child.returncode:
        raise SystemExit(f"seed_demo failed ({child.returncode}); see {log}")
    return {"seconds": round(time.perf_counter() - started, 1), "sampled_from_outside": samples}


def _raw_copy(table: str, columns: list[str], where: str, *, rebuild_gin: bool) -> dict:
    """COPY the table's rows (those ``where`` says) out to a file, then time a bare COPY of that file
    into an empty copy of the table with the same indexes (GIN ones built after, as the seed does)."""
    from django.db import connection, transaction

    scratch = f"bench_raw_{table}"
    cols = ", ".join(columns)
    path = WORK / f"{scratch}.copy"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {scratch}")
        cursor.execute(f"CREATE TABLE {scratch} (LIKE {table} INCLUDING ALL)")
        with (
            path.open("wb") as handle,
            cursor.copy(f"COPY (SELECT {cols} FROM {table} WHERE {where}) TO STDOUT") as copy,
        ):
            for block in copy:
                handle.write(block)
    size = path.stat().st_size
    rows = 0
    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            gin = []
            if rebuild_gin:
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexdef ILIKE '%% USING gin %%'",
                    [scratch],
                )
                gin = cursor.fetchall()
                for index, _definition in gin:
                    cursor.execute(f'DROP INDEX "{index}"')
            with path.open("rb") as handle, cursor.copy(f"COPY {scratch} ({cols}) FROM STDIN") as copy:
                while block := handle.read(8 << 20):
                    copy.write(block)
            if gin:
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
                for _index, definition in gin:
                    cursor.execute(definition)
            cursor.execute(f"SELECT count(*) FROM {scratch}")
            rows = cursor.fetchone()[0]
        seconds = time.perf_counter() - started
    finally:
        path.unlink(missing_ok=True)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {scratch}")
    return {
        "rows": rows,
        "seconds": round(seconds, 1),
        "rows_per_s": round(rows / seconds) if seconds else None,
        "megabytes": round(size / 1e6, 1),
    }


def _columns(model) -> list[str]:
    return [f.column for f in model._meta.concrete_fields if not getattr(f, "generated", False)]


def seed(
    size: str, *, fresh: bool = False, raw_copy: bool = True, redo_raw_copy: bool = False, run: bool = True
) -> dict:
    name, total = SIZES[size]
    WORK.mkdir(parents=True, exist_ok=True)
    if fresh:
        _drop_database(name)
    from bench._db import use_bench_database

    use_bench_database(name)
    from django.db import connection

    from registry.models import Enterprise
    from sanctions.models import CreditRecord, EnterpriseRating, Listing, RecordEvent

    progress_file = WORK / f"seed_{name}.jsonl"
    log = WORK / f"seed_{name}.log"
    have, uncovered = _seeded(total)
    output = RESULTS / f"seed_{size}.json"
    result = json.loads(output.read_text()) if output.exists() and not fresh else {}
    if (have < total or uncovered) and not run:
        # --no-seed: the figures of a seed stopped part of the way (where it stands is in "data").
        print(
            f"{name}: {have:,} synthetic enterprises, {uncovered:,} without credit data: not seeding",
            flush=True,
        )
        result["incomplete"] = {
            "synthetic_enterprises": have,
            "without_credit_data": uncovered,
            "note": "the seed was stopped before the end; the figures are of the database as it stood",
        }
    elif have < total or uncovered:
        print(
            f"{name}: {have:,} synthetic enterprises, {uncovered:,} without credit data; seeding to {total:,}…",
            flush=True,
        )
        if have == 0:
            progress_file.unlink(missing_ok=True)
        result = {"seed_run": _run_seed(name, total, progress_file, log)}
    else:
        print(f"{name}: {total:,} synthetic enterprises with their credit data present: reused", flush=True)
    samples = (
        [json.loads(line) for line in progress_file.read_text().splitlines()]
        if progress_file.exists()
        else []
    )
    result.update(_seed_summary(samples, total))
    # The sizes are those just after the seed: a database reused (and measured since: imports, jobs)
    # keeps the ones taken then.
    if "sizes" not in result:
        print("VACUUM ANALYZE…", flush=True)
        started = time.perf_counter()
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        result["vacuum_analyze_seconds"] = round(time.perf_counter() - started, 1)
        result["sizes"] = sizes()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM registry_enterprise")
        enterprises = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'published') FROM sanctions_creditrecord"
        )
        records, published = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM sanctions_recordevent")
        events = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM sanctions_listing")
        listings = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM sanctions_enterpriserating")
        ratings = cursor.fetchone()[0]
    result["data"] = result.get("data") or {
        "enterprises": enterprises,
        "synthetic_enterprises": total,
        "records": records,
        "published_records": published,
        "records_per_enterprise": round(records / enterprises, 3),
        "record_events": events,
        "listings": listings,
        "ratings": ratings,
    }
    if raw_copy or "raw_copy" in result:
        raw = dict(result.get("raw_copy") or {})
        tables = {t["table"]: t["total_mb"] for t in result["sizes"]["tables"]}
        for key, model, where, gin in (
            ("enterprises", Enterprise, "source = 'seed'", True),
            ("records", CreditRecord, "true", False),
            ("record_events", RecordEvent, "true", False),
            ("ratings", EnterpriseRating, "true", False),
            ("listings", Listing, "true", False),
        ):
            if not raw_copy or (key in raw and not redo_raw_copy):
                continue
            print(f"raw COPY of the same rows: {key}…", flush=True)
            table = model._meta.db_table
            # The file and the copy of the table at once, and 15 GB left free: else a leading share of the rows.
            need = 2.2 * tables.get(table, 0) * 2**20
            room = shutil.disk_usage(ROOT).free - 15 * 2**30
            share = 1.0 if need <= room else max(0.0, room / need)
            if share < 0.05:
                raw[key] = {"skipped": f"needs about {need / 2**30:.0f} GB, {room / 2**30:.0f} GB to spare"}
                continue
            if share < 1.0:
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT min(id) + (max(id) - min(id)) * %s FROM {table} WHERE {where}", [share]
                    )
                    where = f"{where} AND id <= {int(cursor.fetchone()[0])}"
            raw[key] = _raw_copy(table, _columns(model), where, rebuild_gin=gin) | {
                "share_of_rows": round(share, 3),
                "load_average": _load(),
            }
            print(f"  {key}: {raw[key]}", flush=True)
        result["raw_copy"] = raw
        for stale in (
            "ratio_records_seed_to_raw_copy",
            "ratio_records_seed_to_raw_copy_of_records_and_events",
        ):
            result.pop(stale, None)
        result.update(_ratios(result))
    result["disk"] = {"free_gb_after": round(shutil.disk_usage(ROOT).free / 2**30, 1)}
    result["machine"] = _machine()
    result["timestamp"] = _now()
    output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"Written to {output}")
    return result


def _ratios(result: dict) -> dict:
    """Seed against raw COPY: the enterprises' phase against a raw COPY of the enterprises (GIN built
    after, as the seed does); the credit phase against a raw COPY of every row it leaves in the big
    tables (records, their history events, ratings, listings), at each table's raw rate."""
    raw, phases, data = result.get("raw_copy", {}), result.get("phases", {}), result.get("data", {})

    def rate(key):
        return raw.get(key, {}).get("rows_per_s")

    found = {}
    if phases.get("enterprises", {}).get("rows_per_s") and rate("enterprises"):
        found["ratio_enterprises_seed_to_raw_copy"] = round(
            phases["enterprises"]["rows_per_s"] / rate("enterprises"), 3
        )
    credit = phases.get("credit", {})
    rows = {
        "records": data.get("records"),
        "record_events": data.get("record_events"),
        "ratings": data.get("ratings"),
        "listings": data.get("listings"),
    }
    if credit.get("seconds") and all(rows.values()) and all(rate(k) for k in rows):
        raw_seconds = sum(rows[k] / rate(k) for k in rows)
        found["credit_rows_raw_copy_seconds"] = round(raw_seconds, 1)
        found["ratio_credit_seed_to_raw_copy_of_its_rows"] = round(raw_seconds / credit["seconds"], 3)
    if credit.get("records_per_s") and rate("records"):
        found["ratio_records_seed_to_raw_copy_of_records_alone"] = round(
            credit["records_per_s"] / rate("records"), 3
        )
    return found


def _seed_summary(samples: list[dict], total: int) -> dict:
    """Phase times and memory from seed_demo's own samples (a run resumed is summed over its runs)."""
    enterprises = [s for s in samples if s["phase"] == "enterprises_done"]
    chunks = [s for s in samples if s["phase"] == "credit"]
    summary: dict = {"enterprises_wanted": total}
    phases: dict = {}
    if enterprises:
        seconds = sum(s["seconds"] for s in enterprises)
        rows = sum(s["done"] for s in enterprises)
        phases["enterprises"] = {
            "rows": rows,
            "seconds": round(seconds, 1),
            "rows_per_s": round(rows / seconds) if seconds else None,
            "includes": "COPY in committed parts of 1,000,000, the name indexes (GIN) rebuilt once after",
        }
    if chunks:
        # Each run (a seed stopped and run again resumes) ends with its last credit sample.
        runs, current = [], None
        for sample in samples:
            if sample["phase"] == "enterprises" and sample["done"] == 0 and current:
                runs.append(current)  # a new run begins
                current = None
            if sample["phase"] in ("credit", "credit_done"):
                current = sample
        if current:
            runs.append(current)
        seconds = sum(s["seconds"] for s in runs)
        covered = sum(s["done"] for s in runs)
        records = sum(s.get("records", 0) for s in runs)
        phases["credit"] = {
            "enterprises": covered,
            "records": records,
            "seconds": round(seconds, 1),
            "enterprises_per_s": round(covered / seconds) if seconds else None,
            "records_per_s": round(records / seconds) if seconds else None,
            "runs": [
                {
                    "enterprises": s["done"],
                    "seconds": s["seconds"],
                    "enterprises_per_s": round(s["done"] / s["seconds"]) if s["seconds"] else None,
                }
                for s in runs
            ],
            "chunks": len(chunks),
            "chunk_seconds_first_last_median": [
                chunks[0]["chunk_seconds"],
                chunks[-1]["chunk_seconds"],
                round(statistics.median(c["chunk_seconds"] for c in chunks), 1),
            ],
        }
    summary["phases"] = phases
    if enterprises and chunks:
        # Where the seed stood 100 minutes after it began (the enterprises' phase, then the credit chunks).
        budget = 100 * 60 - enterprises[0]["seconds"]
        reached = [c for c in chunks if c["seconds"] <= budget]
        summary["at_100_minutes"] = {
            "enterprises": enterprises[0]["done"],
            "enterprises_with_credit_data": reached[-1]["done"] if reached else 0,
            "records": reached[-1].get("records", 0) if reached else 0,
            "credit_enterprises_per_s": reached[-1]["rate_per_s"] if reached else None,
        }
    if samples:
        step = max(1, len(samples) // 25)
        summary["memory"] = {
            "peak_rss_mb": max(s["hwm_mb"] for s in samples),
            "samples": [
                {k: s.get(k) for k in ("phase", "done", "rss_mb", "hwm_mb")}
                for i, s in enumerate(samples)
                if i % step == 0 or i == len(samples) - 1
            ],
            "note": "VmRSS and VmHWM of the seed_demo process, one sample per committed part of enterprises and per "
            "credit chunk of 50,000 enterprises (thinned to about 25 here)",
        }
    return summary


def _drop_database(name: str) -> None:
    import psycopg

    assert name.endswith("_bench")
    url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    base = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _machine() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
    return {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "postgresql": version,
        "shared_buffers": buffers,
        "load_average": _load(),
        "disk_free_gb": round(shutil.disk_usage(ROOT).free / 2**30, 1),
    }


# --- Measure: search --------------------------------------------------------------------------------


def _time_search_page(query: str, otherwise: float) -> float:
    """ms of the search page's own selector (``enterprise_search_page``: one query for the page, its
    number and its results' current standings) and the standings read live where none is current, as
    the page reads them; ``otherwise`` for what it does not page (a whole code), which the page reads
    through ``enterprise_list`` as bench_search times it."""
    from django.utils import timezone

    from registry.selectors import enterprise_search_page
    from sanctions.lists.standing import enterprise_standings
    from sanctions.lists.standing_facts import joined_facts, joined_standings

    started = time.perf_counter()
    today = timezone.localdate()
    joined = joined_standings(today=today)
    found = enterprise_search_page(query=query, number=1, per_page=20, joined=joined)
    if found is None:
        return otherwise
    known = joined_facts(found.hits) if joined is not None else None
    enterprise_standings(enterprises=found.hits, today=today, known=known)
    return (time.perf_counter() - started) * 1000


def measure_search(queries_per_kind: int) -> dict:
    from bench import bench_search
    from registry.selectors import SEARCH_LIMIT, common_pairs

    rnd = random.Random(20261205)
    queries = bench_search._sample_queries(queries_per_kind, rnd)
    # The most common words as people type them, each several times (rare pairs come from the sampler).
    queries["name_2_common_words"] = [w for w in COMMON_WORDS if len(w) == 2] * max(1, queries_per_kind // 40)
    queries["name_common_words"] = COMMON_WORDS * max(1, queries_per_kind // 50)
    for query in queries["name_2"][:20] + queries["full_name"][:10]:
        bench_search._time_query(query)  # warm as a live server is
    kinds = {}
    for kind, items in queries.items():
        if not items:
            continue
        load = _load()
        totals, raws, pages, over = [], [], [], 0
        for query in items:
            total, raw, count = bench_search._time_query(query)
            totals.append(total)
            raws.append(raw)
            over += count > SEARCH_LIMIT
            pages.append(_time_search_page(query, total))
        kinds[kind] = {
            "page": _percentiles(totals),
            "sql_first_page": _percentiles(raws),
            "search_page_selector": _percentiles(pages),
            "more_than_limit": over,
            "load_average": load,
        }
        print(
            f"  {kind:<24} p50 {kinds[kind]['page']['p50_ms']:>7.2f}  p95 {kinds[kind]['page']['p95_ms']:>7.2f}"
            f"  p99 {kinds[kind]['page']['p99_ms']:>7.2f} ms   page selector p95 "
            f"{kinds[kind]['search_page_selector']['p95_ms']:>7.2f} ms   load {load[0]}",
            flush=True,
        )
    pinyin = [
        *queries.get("pinyin_syllables_2", []),
        *queries.get("pinyin_syllables_3", []),
        *queries.get("pinyin_initials_2", []),
        *queries.get("pinyin_initials_3", []),
        *queries.get("pinyin_initials_4", []),
    ]
    rare = next(q for q in queries["name_2"] if q not in common_pairs())
    goals = {
        "name_2_p95_ms": max(
            kinds["name_2"]["page"]["p95_ms"], kinds["name_2_common_words"]["page"]["p95_ms"]
        ),
        "pinyin_p95_ms": max(kinds[k]["page"]["p95_ms"] for k in kinds if k.startswith("pinyin_")),
        "exact_code_p95_ms": kinds["exact_code"]["page"]["p95_ms"],
    }
    goals_page = {
        "name_2_p95_ms": max(
            kinds["name_2"]["search_page_selector"]["p95_ms"],
            kinds["name_2_common_words"]["search_page_selector"]["p95_ms"],
        ),
        "pinyin_p95_ms": max(
            kinds[k]["search_page_selector"]["p95_ms"] for k in kinds if k.startswith("pinyin_")
        ),
        "exact_code_p95_ms": kinds["exact_code"]["search_page_selector"]["p95_ms"],
    }
    goals["search_page_selector"] = goals_page | {
        "name_2_met": goals_page["name_2_p95_ms"] <= 25,
        "pinyin_met": goals_page["pinyin_p95_ms"] <= 25,
        "exact_code_met": goals_page["exact_code_p95_ms"] <= 5,
    }
    goals |= {
        "name_2_met": goals["name_2_p95_ms"] <= 25,
        "pinyin_met": goals["pinyin_p95_ms"] <= 25,
        "exact_code_met": goals["exact_code_p95_ms"] <= 5,
    }
    return {
        "queries": kinds,
        "goals": goals,
        "pinyin_queries": len(pinyin),
        "explain": {
            "name_2_rare": {"query": rare, "plan": bench_search._explain(rare).splitlines()},
            "name_2_common": {"query": "有限", "plan": bench_search._explain("有限").splitlines()},
            "pinyin": {
                "query": queries["pinyin_syllables_2"][0],
                "plan": bench_search._explain(queries["pinyin_syllables_2"][0]).splitlines(),
            },
            "exact_code": {
                "query": queries["exact_code"][0],
                "plan": bench_search._explain(queries["exact_code"][0]).splitlines(),
            },
        },
    }


# --- Measure: the credit page -----------------------------------------------------------------------


def _sample_codes(count: int) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'registry_enterprise'")
        rows = max(cursor.fetchone()[0], 1)
        cursor.execute(
            "SELECT uscc FROM registry_enterprise TABLESAMPLE SYSTEM (%s) REPEATABLE (42)",
            [min(100.0, 100.0 * 2 * count / rows)],
        )
        codes = [r[0] for r in cursor.fetchall()]
    random.Random(42).shuffle(codes)
    return codes[:count]


def measure_portal(name: str, codes: list[str], duration: int) -> dict:
    """bench_portal's run (hello, first views, shared cache, popular pages) on this database."""
    from bench import bench_portal

    bench_portal.BENCH_DB = name  # its server's DATABASE_URL names this database
    bench_portal._redis_url = lambda: REDIS_DB_URL  # our Redis database, emptied by it first
    # bench_portal's own defaults (gunicorn gthread, 4 workers of 8 threads), so the figures compare.
    args = SimpleNamespace(duration=duration, connections=4, workers=4, threads=8, redis=True)
    selectors = bench_portal._time_selectors(codes[20000:20500])
    # As bench_portal: the first views' pages have their public profiles (the nightly job keeps every
    # enterprise's), the "rendered" set none.
    profiles = bench_portal._build_profiles(codes[:20000], without=codes[34000:40000])
    load_before = _load()
    with tempfile.TemporaryDirectory(prefix="scale-portal-") as tmp:
        load = bench_portal._serve_and_load(args, codes, Path(tmp))
    hello = load["hello"]
    first = load["credit_page_first_view"]
    return {
        "selectors_in_process": selectors,
        "profiles": profiles,
        **load,
        "ratio_first_view_to_hello": round(first["rps"] / hello["rps"], 3),
        "ratio_first_view_rendered_to_hello": round(
            load["credit_page_first_view_rendered"]["rps"] / hello["rps"], 3
        ),
        "ratio_shared_cache_to_hello": round(load["credit_page_shared_cache"]["rps"] / hello["rps"], 3),
        "ratio_popular_to_hello": round(load["credit_page_popular"]["rps"] / hello["rps"], 3),
        "first_view_p99_ms": first["p99_ms"],
        "first_view_p99_met": first["p99_ms"] <= 50,
        "load_average_before_after": [load_before, _load()],
    }


# --- Measure: record import into the large tables ----------------------------------------------------


def measure_import(rows: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import override_settings

    from bench.bench_import import _organization
    from bench.bench_records_import import AGENCY_NAME, write_file
    from registry.choices import AgencyLevel, StaffRoleKind
    from registry.models import Agency, Division, StaffRole
    from registry.uscc import make_code
    from sanctions.models import CreditRecord
    from sanctions.records.importing.run import import_start

    run = Agency.objects.filter(name__startswith=AGENCY_NAME).count() + 1
    agency = Agency.objects.create(
        name=f"{AGENCY_NAME}{run}",
        uscc=make_code(
            authority="1", category="1", division="330100", organization=_organization(900000 + run)
        ),
        level=AgencyLevel.MUNICIPAL,
        division=Division.objects.get(code="330000"),
    )
    clerk, _created = get_user_model().objects.get_or_create(username="bench_clerk")
    StaffRole.objects.get_or_create(user=clerk, agency=agency, role=StaffRoleKind.CLERK)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT uscc, name FROM registry_enterprise TABLESAMPLE SYSTEM (1) REPEATABLE (7) LIMIT 20000"
        )
        codes = cursor.fetchall()
    records_before = CreditRecord.objects.count()
    with tempfile.TemporaryDirectory(prefix="scale-import-") as tmp:
        path = Path(tmp) / "penalties.csv"
        write_file(path, rows=rows, codes=codes, agency=agency, seed=20260601 + run)
        with override_settings(MEDIA_ROOT=Path(tmp) / "media"):
            with connection.cursor() as cursor:
                cursor.execute("CHECKPOINT")
            load = _load()
            started = time.perf_counter()
            batch = import_start(actor=clerk, agency=agency, path=path, original_name=path.name)
            seconds = time.perf_counter() - started
    batch.refresh_from_db()
    assert batch.status == "done", (batch.status, batch.message)
    return {
        "rows": rows,
        "created": batch.created_count,
        "errors": batch.error_count,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
        "records_in_table_before": records_before,
        "goal_rows_per_s": 10_000,
        "met": rows / seconds >= 10_000,
        "load_average_before": load,
        "load_average_after": _load(),
    }


# --- Measure: the jobs, with the portal serving alongside ---------------------------------------------


@contextlib.contextmanager
def _portal(name: str, codes: list[str], workdir: Path):
    """gunicorn on this database (bench_portal's settings), and a wrk script over these credit pages."""
    from bench import bench_portal

    bench_portal.BENCH_DB = name
    port = bench_portal._free_port()
    (workdir / "portal_bench_settings.py").write_text(bench_portal.SETTINGS)
    env = _child_env(name, redis=True)
    env |= {
        "DJANGO_SETTINGS_MODULE": "portal_bench_settings",
        "PYTHONPATH": f"{workdir}{os.pathsep}{ROOT}",
        "SECRET_KEY": "bench-only-scale-" + os.urandom(8).hex(),
    }
    import redis as redis_client

    redis_client.Redis.from_url(REDIS_DB_URL).flushdb()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "2",
            "--worker-class",
            "sync",
            "--log-level",
            "error",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        import urllib.request

        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()  # noqa: S310 - our own server
                break
            except OSError:
                time.sleep(0.2)
        codes_file = workdir / "codes.txt"
        codes_file.write_text("\n".join(codes) + "\n")
        pages = workdir / "pages.lua"
        pages.write_text(
            bench_portal.LUA % {"codes": codes_file, "seed": 11, "suffix": ""} + bench_portal.DONE_LUA
        )
        hello = workdir / "hello.lua"
        hello.write_text(bench_portal.HELLO_LUA + bench_portal.DONE_LUA)
        yield SimpleNamespace(base=base, pages=pages, hello=hello, wrk=bench_portal._wrk)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _window(portal, script: Path, seconds: int) -> dict:
    run = portal.wrk(portal.base, duration=seconds, connections=4, script=script)
    return {k: run[k] for k in ("rps", "p50_ms", "p99_ms", "max_ms", "non_2xx", "socket_errors")} | {
        "load_average": _load()
    }


def _make_due(share: float) -> dict:
    """Move the publicity end of a share of the published records still public, and the term of a
    share of the listings in force with a term, to yesterday: the same share due at every size."""
    from django.db import connection
    from django.utils import timezone

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE sanctions_creditrecord SET publicity_end = %s WHERE status = 'published' "
            "AND publicity_end > %s AND id %% %s = 0",
            [yesterday, yesterday, round(1 / share)],
        )
        records = cursor.rowcount
        cursor.execute(
            "UPDATE sanctions_listing SET end_date = %s WHERE status = 'active' AND end_date > %s "
            "AND start_date < %s AND id %% %s = 0",
            [yesterday, yesterday, yesterday, round(1 / share)],
        )
        listings = cursor.rowcount
        cursor.execute("ANALYZE sanctions_creditrecord, sanctions_listing")
    return {"records": records, "listings": listings, "share": share}


def _job(name: str, command: list[str], portal, *, window: int, every: int) -> dict:
    """Run a job as a command; while it runs, wrk windows of ``window`` s every ``every`` s."""
    log = WORK / f"job_{command[0]}_{name}.log"
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as err:
        child = subprocess.Popen(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=_child_env(name, redis=True),
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
        windows = []
        stop = threading.Event()

        def load_while_running():
            time.sleep(1)
            while not stop.is_set() and child.poll() is None:
                windows.append(_window(portal, portal.pages, window))
                stop.wait(max(0, every - window))

        loader = threading.Thread(target=load_while_running)
        loader.start()
        out, _ = child.communicate()
        seconds = time.perf_counter() - started
        stop.set()
        loader.join()
    if child.returncode:
        raise SystemExit(f"{command} failed; see {log}")
    lines = log.read_text(encoding="utf-8").splitlines()
    progress = [line for line in lines if line.startswith(("batch ", "第 "))]  # English or Chinese
    return {
        "command": " ".join(command),
        "seconds": round(seconds, 1),
        "output": out.strip(),
        "batches": len(progress),
        "progress_lines_first_last": [progress[0], progress[-1]] if progress else [],
        "portal_alongside": windows,
        "portal_alongside_p99_ms_max": max((w["p99_ms"] for w in windows), default=None),
        "portal_alongside_p99_ms_median": round(statistics.median(w["p99_ms"] for w in windows), 2)
        if windows
        else None,
        "portal_alongside_rps_median": round(statistics.median(w["rps"] for w in windows), 1)
        if windows
        else None,
    }


JOBS = ("expire_records", "expire_listings", "ratings_recompute_all")


def measure_jobs(name: str, codes: list[str], *, window: int = 10, jobs: tuple[str, ...] = JOBS) -> dict:
    expiring = {"expire_records", "expire_listings"} & set(jobs)
    result: dict = {}
    if expiring:
        result["made_due"] = _make_due(DUE_SHARE)
        print(f"  made due: {result['made_due']}", flush=True)
    with tempfile.TemporaryDirectory(prefix="scale-jobs-") as tmp, _portal(name, codes, Path(tmp)) as portal:
        _window(portal, portal.pages, 5)  # warm the workers
        result["hello_without_job"] = _window(portal, portal.hello, window)
        result["portal_without_job"] = [_window(portal, portal.pages, window) for _ in range(2)]
        for key, command, every in (
            ("expire_records", ["expire_records", "--batch-size", "10000"], 20),
            ("expire_listings", ["expire_listings", "--batch-size", "10000"], 20),
            ("ratings_recompute_all", ["ratings_recompute", "--all", "--chunk", "10000"], 60),
        ):
            if key not in jobs:
                continue
            print(f"  {key}…", flush=True)
            result[key] = _job(name, command, portal, window=window, every=every)
            print(
                f"    {result[key]['seconds']} s, {result[key]['batches']} batches, portal p99 alongside "
                f"{result[key]['portal_alongside_p99_ms_median']} ms (median of {len(result[key]['portal_alongside'])} windows)",
                flush=True,
            )
        result["portal_without_job_after"] = [_window(portal, portal.pages, window)]
        # The same jobs with nothing due: the cost of finding nothing, which must not grow with the tables.
        for key, command in (
            ("expire_records_nothing_due", ["expire_records"]),
            ("expire_listings_nothing_due", ["expire_listings"]),
        ):
            if key.removesuffix("_nothing_due") not in jobs:
                continue
            started = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=ROOT,
                env=_child_env(name, redis=True),
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            result[key] = {
                "seconds_including_startup": round(time.perf_counter() - started, 2),
                "output": out.strip(),
            }
    without = [w["p99_ms"] for w in result["portal_without_job"] + result["portal_without_job_after"]]
    result["portal_p99_ms_without_job_median"] = round(statistics.median(without), 2)
    return result


# --- EXPLAIN ------------------------------------------------------------------------------------------


def _explain(sql: str, params) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0][0]
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        text = [row[0] for row in cursor.fetchall()]
    nodes = []

    def walk(node):
        nodes.append(node)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    seq = [n.get("Relation Name") for n in nodes if n["Node Type"] == "Seq Scan"]
    top = plan["Plan"]
    return {
        "execution_ms": round(plan["Execution Time"], 2),
        "seq_scans": seq,
        "shared_hit": top.get("Shared Hit Blocks"),
        "shared_read": top.get("Shared Read Blocks"),
        "plan": text,
    }


class _RollBack(Exception):
    pass


def measure_explain(codes: list[str]) -> dict:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone, translation

    from lookup.masking import public_sections
    from registry.selectors import enterprise_get
    from sanctions.lists.ratings_bulk import _with_inputs
    from sanctions.lists.standing import enterprise_standing
    from sanctions.models import CreditRecord, Listing

    today = timezone.localdate()
    found: dict = {}
    # The credit page's reads for one enterprise (those bench_portal times in process).
    translation.activate("zh-hans")
    with CaptureQueriesContext(connection) as captured:
        enterprise = enterprise_get(uscc=codes[0])
        list(enterprise.former_names.all())
        enterprise_standing(enterprise=enterprise)
        public_sections(enterprise=enterprise)
    for n, query in enumerate(captured.captured_queries):
        sql = query["sql"] or ""  # a compiled query's server-side cursor logs no text
        if sql.lstrip().upper().startswith("SELECT"):  # captured with its parameters inlined
            found[f"credit_page_{n + 1}"] = _explain(sql, None) | {"sql": sql[:300]}
    due = CreditRecord.objects.filter(
        status="published", publicity_end__isnull=False, publicity_end__lte=today
    ).order_by("publicity_end", "pk")[:10000]
    sql, params = due.query.sql_with_params()
    with transaction.atomic():
        found["expire_records_batch"] = _explain(sql + " FOR UPDATE SKIP LOCKED", params) | {"sql": sql[:300]}
    # The same batch as the job found it before the partial index (ORDER BY id over the plain
    # publicity_end index, which holds every expired record too): in a transaction that is rolled
    # back, the plain index built again as it was (sanctions/migrations/0020 dropped it) and the
    # partial one dropped.
    old = CreditRecord.objects.filter(
        status="published", publicity_end__isnull=False, publicity_end__lte=today
    ).order_by("pk")[:5000]
    sql, params = old.query.sql_with_params()
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "CREATE INDEX record_publicity_end_as_before ON sanctions_creditrecord (publicity_end)"
                )
                cursor.execute("DROP INDEX record_publicity_due")
            found["expire_records_batch_before_partial_index"] = _explain(
                sql + " FOR UPDATE SKIP LOCKED", params
            ) | {"sql": sql[:300]}
            raise _RollBack
    except _RollBack:
        pass
    due_listings = Listing.objects.filter(
        status="active", end_date__isnull=False, end_date__lte=today
    ).order_by("end_date", "pk")[:10000]
    sql, params = due_listings.query.sql_with_params()
    with transaction.atomic():
        found["expire_listings_batch"] = _explain(sql + " FOR UPDATE SKIP LOCKED", params) | {
            "sql": sql[:300]
        }
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id) FROM registry_enterprise WHERE source = 'seed'")
        low = cursor.fetchone()[0] or 1
    started = time.perf_counter()
    _with_inputs(low, low + 10000, today)
    found["ratings_chunk_inputs_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return found


# --- Main ---------------------------------------------------------------------------------------------


def measure(
    size: str,
    *,
    only: set[str],
    queries: int,
    duration: int,
    jobs: tuple[str, ...] = JOBS,
    output: Path | None = None,
    search_sample: str = "draw",
) -> dict:
    name, total = SIZES[size]
    from bench._db import use_bench_database

    use_bench_database(name)
    output = output or RESULTS / f"scale_{size}.json"
    result = json.loads(output.read_text()) if output.exists() else {}
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM registry_enterprise")
        enterprises = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM sanctions_creditrecord")
        records = cursor.fetchone()[0]
    result.update({"size": size, "database": name, "data": {"enterprises": enterprises, "records": records}})
    codes = _sample_codes(40000)

    def save():
        result["machine"] = _machine()
        result["timestamp"] = _now()
        output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    if "search" in only:
        from registry.search_sample import search_sample_refresh

        # Drawn as the nightly job does ("empty": the search as it reads without a sample).
        started = time.perf_counter()
        drawn = search_sample_refresh(size=0 if search_sample == "empty" else None)
        drawn_in = round(time.perf_counter() - started, 1)
        print(f"search sample: {drawn:,} names in {drawn_in} s", flush=True)
        print("search (in process)…", flush=True)
        result["search"] = measure_search(queries) | {"search_sample": {"names": drawn, "seconds": drawn_in}}
        save()
    if "explain" in only:
        print("EXPLAIN (ANALYZE, BUFFERS)…", flush=True)
        result["explain"] = measure_explain(codes[30000:])
        save()
    if "portal" in only:
        if not shutil.which("wrk"):
            raise SystemExit("wrk is not installed: apt-get install -y wrk")
        print("credit pages over HTTP (bench_portal)…", flush=True)
        result["portal"] = measure_portal(name, codes, duration)
        save()
    if "import" in only:
        print("record import, 100,000 rows…", flush=True)
        result["import"] = measure_import(100_000)
        save()
    if "jobs" in only:
        print("jobs, with the portal serving alongside…", flush=True)
        # Jobs timed in another run (--jobs picks them) keep their figures.
        result["jobs"] = {**result.get("jobs", {}), **measure_jobs(name, codes[:20000], jobs=jobs)}
        save()
    print(f"Written to {output}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["seed", "measure", "all"])
    parser.add_argument("--size", choices=sorted(SIZES), default="1m")
    parser.add_argument("--fresh", action="store_true", help="seed: drop the bench database first")
    parser.add_argument("--no-raw-copy", action="store_true", help="seed: skip the raw COPY comparison")
    parser.add_argument(
        "--no-seed",
        action="store_true",
        help="seed: only the figures of the database as it stands (a seed stopped)",
    )
    parser.add_argument(
        "--redo-raw-copy", action="store_true", help="seed: time the raw COPY again on a database reused"
    )
    parser.add_argument(
        "--only",
        default="search,explain,portal,import,jobs",
        help="measure: which measurements, comma-separated",
    )
    parser.add_argument(
        "--jobs", default=",".join(JOBS), help=f"measure: which jobs, comma-separated ({', '.join(JOBS)})"
    )
    parser.add_argument("--queries", type=int, default=200, help="measure: search queries of each kind")
    parser.add_argument(
        "--search-sample",
        choices=["draw", "empty"],
        default="draw",
        help="measure: draw the search sample first, as the nightly job does (default), or empty it",
    )
    parser.add_argument(
        "--duration", type=int, default=15, help="measure: seconds of each wrk run of bench_portal"
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="measure: the results file (default bench/results/scale_SIZE.json), for a database that is not "
        "the one the default file describes",
    )
    args = parser.parse_args(argv)
    # This process: imports eager and no shared cache; the servers and the jobs get our Redis database.
    os.environ.pop("REDIS_URL", None)
    if args.step in ("seed", "all"):
        seed(
            args.size,
            fresh=args.fresh,
            raw_copy=not args.no_raw_copy,
            redo_raw_copy=args.redo_raw_copy,
            run=not args.no_seed,
        )
    if args.step in ("measure", "all"):
        jobs = tuple(job for job in args.jobs.split(",") if job)
        unknown = set(jobs) - set(JOBS)
        if unknown:
            parser.error(f"unknown jobs: {', '.join(sorted(unknown))}")
        measure(
            args.size,
            only=set(args.only.split(",")),
            queries=args.queries,
            duration=args.duration,
            jobs=jobs,
            output=args.output,
            search_sample=args.search_sample,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
