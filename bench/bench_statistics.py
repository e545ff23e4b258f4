"""The public statistics: how long the hourly refresh takes at scale, its plan, and how fast the page
serves against the plain "hello" view.

    .venv/bin/python -m bench.bench_statistics [--enterprises 1000000 --records 3000000]
        [--duration 10] [--connections 4] [--workers 4] [--reseed]

Runs in a database of its own (``credit_registry_statistics_bench``). Seeds it in SQL
(``generate_series``, a minute or two at the default sizes, kept for the next run): enterprises over
every GB/T 4754 section and every province, credit records of the three kinds (nine in ten published
and public, the rest drafts, revoked or expired, all in the records' real table with its indexes),
listings on the four lists, a current rating per enterprise, repair applications and objections
with their outcomes. Then runs ``statistics_refresh`` twice (the second shows the idempotent rerun
costs the same), keeps ``EXPLAIN (ANALYZE, BUFFERS)`` of its record query, and serves the app with
gunicorn, loading ``/healthz`` (hello) and ``/statistics/`` with ``wrk`` in turn (the better of two
hello runs counts). Results go to ``bench/results/statistics.json``; the goal is a page at ≥ 50 % of
hello.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.bench_portal import (
    DONE_LUA,
    HELLO_LUA,
    SETTINGS,
    CpuMeter,
    _free_port,
    _redis_url,
    _wrk,
)

BENCH_DB = "credit_registry_statistics_bench"
RESULTS = Path(__file__).resolve().parent / "results" / "statistics.json"
ROOT = Path(__file__).resolve().parent.parent

PAGE_LUA = r"""
request = function()
  return wrk.format("GET", "/statistics/")
end
"""


def _database_url(db: dict) -> str:
    """This bench's database on the server Django uses (bench_portal's helper names its own)."""
    if db.get("HOST", "").startswith("/"):
        return f"postgresql://{db.get('USER') or 'postgres'}@/{BENCH_DB}?host={db['HOST']}"
    auth = db.get("USER") or "postgres"
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return f"postgresql://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{BENCH_DB}"


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
        f"SELECT {', '.join(values)} FROM generate_series(1, {int(count)}) AS i {extra_from}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _seed(enterprises: int, records: int) -> dict:
    from django.db import connection, transaction

    from registry.models import Agency, Division, Enterprise
    from registry.services import system_actor
    from sanctions.models import CreditRecord, EnterpriseRating, Listing, Objection, RepairApplication
    from tests.factories import agency_code

    timings = {}
    if Enterprise.objects.exists():
        print("data present (use --reseed to start again)")
        return timings
    user = system_actor()
    agency, _ = Agency.objects.get_or_create(
        name="浙江省市场监督管理局（统计测试）",
        defaults={
            "uscc": agency_code(9100, "330000"),
            "level": "provincial",
            "division": Division.objects.get(code="330000"),
        },
    )
    provinces = [c[:2] for c in Division.objects.filter(level="province").values_list("code", flat=True)]
    province_array = "ARRAY[" + ",".join(f"'{p}'" for p in provinces) + "]"
    with transaction.atomic():
        started = time.perf_counter()
        _insert_select(
            Enterprise,
            enterprises,
            {
                "uscc": "'S' || lpad(i::text, 17, '0')",
                "name": "'统计测试企业' || i || '号有限公司'",
                "division_code": f"({province_array})[1 + i % {len(provinces)}] || '0106'",
                "industry": "CASE WHEN i % 50 = 0 THEN '' ELSE chr(65 + (i * 7) % 20) END",
                "created_at": "now()",
                "updated_at": "now()",
            },
        )
        timings["enterprises_s"] = round(time.perf_counter() - started, 1)
        first = Enterprise.objects.order_by("id").values_list("id", flat=True).first()
        started = time.perf_counter()
        status = "CASE WHEN i % 20 = 0 THEN 'draft' WHEN i % 20 = 1 THEN 'revoked' WHEN i % 20 = 2 THEN 'expired' ELSE 'published' END"
        decided = "current_date - (i * 37 % 1000)"
        # The agency's name and code (our own, quote-free) go in as literals: the helper's parameters
        # are the defaults'.
        name, code = agency.name, agency.uscc
        _insert_select(
            CreditRecord,
            records,
            {
                "record_key": "md5(i::text || 'stat')::uuid",
                "agency_id": str(agency.id),
                "kind": "CASE WHEN i % 10 < 5 THEN 'licence' WHEN i % 10 < 9 THEN 'penalty' ELSE 'reward' END",
                "status": status,
                "enterprise_id": f"{first} + (i::bigint * 7919) % {enterprises}",
                "party_name": "'统计测试企业'",
                "document_number": "'统计〔2026〕' || i || '号'",
                "decision_date": decided,
                "publicity_end": f"{decided} + 1095",
                "authority_name": f"'{name}'",
                "authority_uscc": f"'{code}'",
                "source_unit_name": f"'{name}'",
                "source_unit_uscc": f"'{code}'",
                "created_by_id": str(user.id),
                "published_at": "now()",
                "created_at": "now()",
                "updated_at": "now()",
            },
        )
        timings["records_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        listings = max(enterprises // 100, 10)
        _insert_select(
            Listing,
            listings,
            {
                "list_kind_id": "(ARRAY['dishonest','abnormal','watch','red'])[1 + i % 4]",
                "enterprise_id": f"{first} + (i::bigint * 104729) % {enterprises}",
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
        )
        _insert_select(
            EnterpriseRating,
            enterprises,
            {
                "enterprise_id": f"{first} + i - 1",
                "model_id": "'registry-default'",
                "grade": "CASE WHEN i % 100 < 85 THEN 'A' WHEN i % 100 < 95 THEN 'B' WHEN i % 100 < 99 THEN 'C' ELSE 'D' END",
                "points": "100",
                "fingerprint": "'bench'",
                "is_current": "true",
                "computed_at": "now()",
            },
        )
        remedies = max(enterprises // 200, 10)
        first_record = CreditRecord.objects.order_by("id").values_list("id", flat=True).first()
        _insert_select(
            RepairApplication,
            remedies,
            {
                "enterprise_id": str(first),
                "record_id": f"{first_record} + i",
                "agency_id": str(agency.id),
                "applicant_id": str(user.id),
                "status": "(ARRAY['approved','approved','rejected','withdrawn'])[1 + i % 4]",
                "statement": "'已整改'",
                "submitted_at": "now() - interval '60 days'",
                "decide_by": "current_date",
                "decided_at": "now() - interval '60 days' + make_interval(days => 1 + i % 20)",
            },
        )
        _insert_select(
            Objection,
            remedies,
            {
                "reference": "'B' || lpad(i::text, 12, '0')",
                "follow_token_hash": "md5(i::text)",
                "record_id": f"{first_record} + i",
                "agency_id": str(agency.id),
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
        )
        timings["listings_ratings_remedies_s"] = round(time.perf_counter() - started, 1)
    with connection.cursor() as cursor:
        for table in (
            "registry_enterprise",
            "sanctions_creditrecord",
            "sanctions_listing",
            "sanctions_enterpriserating",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
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
    from django.conf import settings

    port = _free_port()
    (workdir / "statistics_bench_settings.py").write_text(SETTINGS)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "statistics_bench_settings",
        "PYTHONPATH": f"{workdir}{os.pathsep}{ROOT}",
        "DATABASE_URL": _database_url(settings.DATABASES["default"]),
        "SECRET_KEY": "bench-only-" + uuid.uuid4().hex,
    }
    env.pop("DATABASE_REPLICA_URLS", None)
    redis = os.environ.get("REDIS_URL") or _redis_url()
    if redis:
        env["REDIS_URL"] = redis
    else:
        env.pop("REDIS_URL", None)
    gunicorn = [
        str(Path(sys.executable).parent / "gunicorn"),
        "config.wsgi:application",
        "-b",
        f"127.0.0.1:{port}",
        "-w",
        str(args.workers),
        "--worker-class",
        "sync",
        "--log-level",
        "error",
    ]
    server = subprocess.Popen(gunicorn, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        import urllib.request

        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()  # noqa: S310 - our own server
                break
            except OSError:
                time.sleep(0.2)
        for _ in range(args.workers * 8):  # every worker reads the snapshot and renders once, untimed
            page = urllib.request.urlopen(base + "/statistics/", timeout=30).read()  # noqa: S310
        hello_script, page_script = workdir / "hello.lua", workdir / "page.lua"
        hello_script.write_text(HELLO_LUA + DONE_LUA)
        page_script.write_text(PAGE_LUA + DONE_LUA)
        meter = CpuMeter(server.pid, redis)
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
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=3_000_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per run (at most 60)")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--reseed", action="store_true", help="empty the bench database's data first")
    args = parser.parse_args()
    args.duration = max(1, min(args.duration, 60))
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")

    from bench._db import use_bench_database

    use_bench_database(name=BENCH_DB)
    from django.db import connection

    if args.reseed:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE sanctions_objection, sanctions_repairapplication, sanctions_enterpriserating, "
                "sanctions_listing, sanctions_creditrecord, registry_enterprise RESTART IDENTITY CASCADE"
            )
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
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_1_5_15_min": [round(x, 2) for x in os.getloadavg()],
        },
        "data": {
            "enterprises": Enterprise.objects.count(),
            "records": CreditRecord.objects.count(),
            "public_records": snapshot.data["records"]["total"]["all"],
            "seeding_s": seeding or "kept from an earlier run",
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
