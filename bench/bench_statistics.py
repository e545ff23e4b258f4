"""The public statistics: how long the hourly refresh takes at scale, its plan, and how fast the page
serves against the plain "hello" view.

    .venv/bin/python -m bench.bench_statistics [--enterprises 1000000 --records 3000000]
        [--duration 10] [--connections 4] [--workers 4] [--reseed] [--database NAME]

Runs in the portal bench's database (``credit_registry_portal_bench``, ``bench/bench_portal.py``;
another ``*_bench`` with ``--database``), on its enterprises (every GB/T 4754 section, every
province) and its published, public credit records of the three kinds, seeded by its helpers if
missing. Adds what the statistics count besides, in SQL (``generate_series``; seconds, kept for the
next run): listings on the four lists, a current rating per enterprise, repair applications and
objections with their outcomes. Then runs ``statistics_refresh`` twice (the second shows the
idempotent rerun costs the same), keeps ``EXPLAIN (ANALYZE, BUFFERS)`` of its record query, and
serves the app with gunicorn (the portal bench's server), loading ``/healthz`` (hello) and
``/statistics/`` with ``wrk`` in turn (the better of two hello runs counts). Results go to
``bench/results/statistics.json``; the goal is a page at ≥ 50 % of hello.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.bench_portal import (
    BENCH_DB,
    DONE_LUA,
    HELLO_LUA,
    CpuMeter,
    _agencies,
    _machine,
    _redis_url,
    _seed_enterprises,
    _seed_records,
    _serve,
    _wrk,
)

RESULTS = Path(__file__).resolve().parent / "results" / "statistics.json"
# What this bench adds to the portal bench's data (``--reseed`` empties these, never its enterprises
# and records: the portal bench's own ``--reseed`` does).
OWN_TABLES = (
    "sanctions_objection",
    "sanctions_repairapplication",
    "sanctions_enterpriserating",
    "sanctions_listing",
)

PAGE_LUA = r"""
request = function()
  return wrk.format("GET", "/statistics/")
end
"""


# --- Seeding in SQL ---------------------------------------------------------------------------------


def _insert_select(model, count: int, expressions: dict[str, str], *, extra_from: str = "") -> None:
    """``INSERT INTO <table> SELECT … FROM generate_series(1, count) AS i``: every column of
    ``model`` from ``expressions`` (SQL over ``i``) or else its Django default, as a parameter."""
    from django.db import connection

    columns, values, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.column in expressions:
            values.append(expressions[field.column].replace("%", "%%"))  # SQL's modulo, not a placeholder
        else:
            default = field.get_default() if field.has_default() else ("" if not field.null else None)
            values.append("%s")
            params.append(field.get_db_prep_save(default, connection))
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM generate_series(1, {int(count)}) AS i "
        + extra_from.replace("%", "%%")
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _numbered(table: str, *, alias: str, columns: str = "id", where: str = "", limit: int = 0) -> str:
    """A join on ``table``'s rows numbered 1… by id as ``alias.n`` (ids need not be contiguous)."""
    return (
        f"(SELECT {columns}, row_number() OVER (ORDER BY id) AS n FROM {table} {where} ORDER BY id"
        + (f" LIMIT {int(limit)}" if limit else "")
        + f") AS {alias}"
    )


_UNRATED = (
    "WHERE NOT EXISTS (SELECT 1 FROM sanctions_enterpriserating r "
    "WHERE r.enterprise_id = registry_enterprise.id AND r.is_current)"
)


def _seed_counted() -> float:
    """Listings, current ratings, repair applications and objections over the portal bench's
    enterprises and records, each where there are none yet; returns how long it took."""
    from django.db import connection, transaction

    from registry.models import Enterprise
    from registry.services import system_actor
    from sanctions.models import EnterpriseRating, Listing, Objection, RepairApplication

    user, agency = system_actor(), _agencies()[0]
    enterprises = Enterprise.objects.count()
    started = time.perf_counter()
    with transaction.atomic():
        if not Listing.objects.exists():
            _insert_select(
                Listing,
                max(enterprises // 100, 10),
                {
                    "list_kind_id": "(ARRAY['dishonest','abnormal','watch','red'])[1 + i % 4]",
                    "enterprise_id": "e.id",
                    "agency_id": str(agency.id),
                    "status": "CASE WHEN i % 3 = 0 THEN 'removed' ELSE 'active' END",
                    "grounds": "'统计测试'",
                    "legal_basis": "'统计测试'",
                    "document_number": "'统计名单〔2026〕' || i || '号'",
                    "start_date": "current_date - (i * 13 % 900)",
                    "end_date": "current_date - (i * 13 % 900) + 365",
                    "removed_at": "CASE WHEN i % 3 = 0 THEN now() - make_interval(days => i % 200) END",
                    "removal_reason": "CASE WHEN i % 3 = 0 THEN (ARRAY['repaired','term_ended','revoked'])[1 + i % 3] ELSE '' END",
                    "inclusion_conditions": "'—'",
                    "removal_conditions": "'—'",
                    "created_by_id": str(user.id),
                    "published_at": "now()",
                    "created_at": "now()",
                    "updated_at": "now()",
                },
                extra_from=f"JOIN {_numbered('registry_enterprise', alias='e')} "
                f"ON e.n = 1 + (i::bigint * 104729) % {enterprises}",
            )
        _insert_select(  # the enterprises without a current rating
            EnterpriseRating,
            enterprises,
            {
                "enterprise_id": "e.id",
                "model_id": "'registry-default'",
                "grade": "CASE WHEN i % 100 < 85 THEN 'A' WHEN i % 100 < 95 THEN 'B' WHEN i % 100 < 99 THEN 'C' ELSE 'D' END",
                "points": "100",
                "fingerprint": "'bench'",
                "is_current": "true",
                "computed_at": "now()",
            },
            extra_from=f"JOIN {_numbered('registry_enterprise', alias='e', where=_UNRATED)} ON e.n = i",
        )
        remedies = max(enterprises // 200, 10)
        penalties = _numbered(
            "sanctions_creditrecord",
            alias="r",
            columns="id, enterprise_id, agency_id",
            where="WHERE kind = 'penalty'",
            limit=remedies,
        )
        if not RepairApplication.objects.exists():
            _insert_select(
                RepairApplication,
                remedies,
                {
                    "enterprise_id": "r.enterprise_id",
                    "record_id": "r.id",
                    "agency_id": "r.agency_id",
                    "applicant_id": str(user.id),
                    "status": "(ARRAY['approved','approved','rejected','withdrawn'])[1 + i % 4]",
                    "statement": "'已整改'",
                    "submitted_at": "now() - interval '60 days'",
                    "decide_by": "current_date",
                    "decided_at": "now() - interval '60 days' + make_interval(days => 1 + i % 20)",
                },
                extra_from=f"JOIN {penalties} ON r.n = i",
            )
        if not Objection.objects.exists():
            _insert_select(
                Objection,
                remedies,
                {
                    "reference": "'B' || lpad(i::text, 12, '0')",
                    "follow_token_hash": "md5(i::text)",
                    "record_id": "r.id",
                    "agency_id": "r.agency_id",
                    "objector_name": "'张三'",
                    "contact": "'bench@example.com'",
                    "reason": "'有误'",
                    "status": "(ARRAY['corrected','revoked','upheld','upheld','received'])[1 + i % 5]",
                    "received_at": "now() - interval '40 days'",
                    "mark_by": "current_date",
                    "forward_by": "current_date",
                    "decide_by": "current_date",
                    "decided_at": "CASE WHEN i % 5 < 4 THEN now() - interval '40 days' + make_interval(days => 2 + i % 15) END",
                },
                extra_from=f"JOIN {penalties} ON r.n = i",
            )
    with connection.cursor() as cursor:
        for table in OWN_TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
    return round(time.perf_counter() - started, 1)


def _seed(enterprises: int, records: int) -> dict:
    """The portal bench's enterprises and records (its helpers: only what is missing), then what the
    statistics count besides; how long each part took (nothing to add takes no time)."""
    timings = {}
    started = time.perf_counter()
    _seed_enterprises(enterprises)
    timings["enterprises_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    _seed_records(records)
    timings["records_s"] = round(time.perf_counter() - started, 1)
    timings["listings_ratings_remedies_s"] = _seed_counted()
    return timings


def _explain_records() -> dict:
    """The record query's plan as the refresh runs it (its own ``work_mem``), executed."""
    from django.db import connection, transaction
    from django.utils import timezone

    from sanctions.statistics import services

    today = timezone.localdate()
    months = services.months_ending(today)
    captured = {}

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = %s", [services._WORK_MEM])

        # The refresh's statement itself: captured from the service by running it once with a wrapper.
        def capture(execute, sql, params_, many, context):
            if "GROUPING SETS" in sql:
                captured["sql"], captured["params"] = sql, params_
            return execute(sql, params_, many, context)

        with connection.execute_wrapper(capture):
            services._records(today, months)
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + captured["sql"], captured["params"])
        plan = cursor.fetchone()[0]
        plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + captured["sql"], captured["params"])
        text = [row[0] for row in cursor.fetchall()]

    def nodes(node, depth=0):
        yield f"{'  ' * depth}{node['Node Type']}" + (
            f" on {node['Relation Name']}" if "Relation Name" in node else ""
        )
        for child in node.get("Plans", []):
            yield from nodes(child, depth + 1)

    return {
        "execution_ms": round(plan["Execution Time"], 1),
        "planning_ms": round(plan["Planning Time"], 1),
        "nodes": list(nodes(plan["Plan"])),
        "text": text,
    }


def _serve_and_load(args, workdir: Path) -> dict:
    redis = os.environ.get("REDIS_URL") or _redis_url()
    with _serve(workdir, workers=args.workers, redis=redis) as (base, server_pid):
        for _ in range(args.workers * 8):  # every worker reads the snapshot and renders once, untimed
            page = urllib.request.urlopen(base + "/statistics/", timeout=30).read()  # noqa: S310
        hello_script, page_script = workdir / "hello.lua", workdir / "page.lua"
        hello_script.write_text(HELLO_LUA + DONE_LUA)
        page_script.write_text(PAGE_LUA + DONE_LUA)
        meter = CpuMeter(server_pid, redis)
        run = {"duration": args.duration, "connections": args.connections, "meter": meter}
        hellos = [_wrk(base, script=hello_script, **run)]
        statistics_page = _wrk(base, script=page_script, **run)
        hellos.append(_wrk(base, script=hello_script, **run))
        hello = max(hellos, key=lambda r: r["rps"])
        return {
            "redis": bool(redis),
            "workers": args.workers,
            "connections": args.connections,
            "duration_s": args.duration,
            "page_bytes": len(page),
            "hello": hello,
            "hello_runs_rps": [r["rps"] for r in hellos],
            "statistics_page": statistics_page,
            "ratio_statistics_page_to_hello": round(statistics_page["rps"] / hello["rps"], 3),
            "cpu_ratio_statistics_page_to_hello": round(
                hello["cpu_ms_per_request"] / statistics_page["cpu_ms_per_request"], 3
            )
            if statistics_page.get("cpu_ms_per_request")
            else None,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=3_000_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per run (at most 60)")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--reseed",
        action="store_true",
        help="empty the listings, ratings, repair applications and objections this bench adds first "
        "(the enterprises and records are the portal bench's: its --reseed)",
    )
    parser.add_argument(
        "--database",
        default=BENCH_DB,
        help="a database of its own, named *_bench (default: the portal bench's)",
    )
    args = parser.parse_args()
    args.duration = max(1, min(args.duration, 60))
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")

    from bench._db import use_bench_database

    use_bench_database(name=args.database)
    from django.db import connection

    if args.reseed:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(OWN_TABLES)} RESTART IDENTITY CASCADE")
    seeding = _seed(args.enterprises, args.records)

    from registry.models import Enterprise
    from sanctions.models import CreditRecord
    from sanctions.statistics.services import statistics_refresh

    refreshes = []
    for _ in range(2):
        started = time.perf_counter()
        snapshot = statistics_refresh()
        refreshes.append(round(time.perf_counter() - started, 2))
    explain = _explain_records()
    with tempfile.TemporaryDirectory(prefix="statistics-bench-") as tmp:
        load = _serve_and_load(args, Path(tmp))
    ratio = load["ratio_statistics_page_to_hello"]
    result = {
        "bench": "statistics",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "data": {
            "enterprises": Enterprise.objects.count(),
            "records": CreditRecord.objects.count(),
            "public_records": snapshot.data["records"]["total"]["all"],
            "seeding_s": seeding,
        },
        "refresh_s": refreshes,
        "refresh_duration_ms_in_snapshot": snapshot.duration_ms,
        "records_query_explain": explain,
        **load,
        "goals": {"statistics_page_ratio_at_least": 0.5, "met": ratio >= 0.5},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(
        json.dumps(
            {k: v for k, v in result.items() if k != "records_query_explain"}, indent=2, ensure_ascii=False
        )
    )
    print("\n".join(explain["text"]))


if __name__ == "__main__":
    main()
