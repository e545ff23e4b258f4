"""The annual-report listing job at scale: how long ``annual_reports_enforce`` takes to enter every
enterprise without a report into the abnormal operations list, and how long its idempotent rerun takes.

    .venv/bin/python -m bench.bench_annual_reports [--enterprises 1000000] [--reseed]

Runs in a database of its own (``credit_registry_annual_reports_bench``; for another size than a
million, ``credit_registry_annual_reports_<size>_bench``, such as ``…_10m_bench``). Seeds it in SQL
(``generate_series``): enterprises over every province, most in operation, some deregistered or
revoked, some established after the report year; an annual report for the year from nine in ten of
them. Then runs the job as of 1 July (the batches of ``EXPIRY_BATCH_ROWS``, each with its listings,
audit entries, notifications and cache invalidation; the ratings it queues are counted, not run: a
worker does them), and runs it again (nothing left: the cost of finding that out). Results go to
``bench/results/annual_reports.json`` (another size: ``annual_reports_<size>.json``, such as
``annual_reports_10m.json``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import time
from pathlib import Path

BENCH_DB = "credit_registry_annual_reports_bench"
RESULTS = Path(__file__).resolve().parent / "results" / "annual_reports.json"
DEFAULT_SIZE = 1_000_000


def _label(enterprises: int) -> str:
    """10m for 10,000,000, 250k for 250,000: the suffix of another size's database and results."""
    for unit, suffix in ((1_000_000, "m"), (1_000, "k")):
        if enterprises % unit == 0:
            return f"{enterprises // unit}{suffix}"
    return str(enterprises)


def database_and_results(enterprises: int) -> tuple[str, Path]:
    if enterprises == DEFAULT_SIZE:
        return BENCH_DB, RESULTS
    label = _label(enterprises)
    return f"credit_registry_annual_reports_{label}_bench", RESULTS.with_name(f"annual_reports_{label}.json")


YEAR = 2025


def _seed(enterprises: int) -> dict:
    from django.db import connection, transaction

    from bench.bench_statistics import _insert_select
    from registry.models import AnnualReport, Division, Enterprise
    from registry.services import system_actor

    timings: dict = {}
    if Enterprise.objects.exists():
        print("data present (use --reseed to start again)")
        return timings
    user = system_actor()
    provinces = [c[:2] for c in Division.objects.filter(level="province").values_list("code", flat=True)]
    province_array = "ARRAY[" + ",".join(f"'{p}'" for p in provinces) + "]"
    with transaction.atomic():
        started = time.perf_counter()
        _insert_select(
            Enterprise,
            enterprises,
            {
                "uscc": "'A' || lpad(i::text, 17, '0')",
                "name": "'年报测试企业' || i || '号有限公司'",
                "division_code": f"({province_array})[1 + i % {len(provinces)}] || '0106'",
                "status": "CASE WHEN i % 25 = 0 THEN 'deregistered' WHEN i % 40 = 1 THEN 'revoked' ELSE 'in_operation' END",
                "established_on": "CASE WHEN i % 37 = 0 THEN date '2026-03-01' ELSE date '2005-01-01' + (i % 7000) END",
                "created_at": "now()",
                "updated_at": "now()",
            },
        )
        timings["enterprises_s"] = round(time.perf_counter() - started, 1)
        first = Enterprise.objects.order_by("id").values_list("id", flat=True).first()
        started = time.perf_counter()
        # Nine in ten file (the others are what the job lists).
        _insert_select(
            AnnualReport,
            enterprises,
            {
                "enterprise_id": f"{first - 1} + i",
                "year": str(YEAR),
                "version": "1",
                "filed_at": f"timestamptz '{YEAR + 1}-03-01 10:00+08' + (i % 120) * interval '1 day'",
                "filed_by_id": str(user.pk),
                "operating_status": "'operating'",
                "address": "'浙江省杭州市西湖区文三路' || i || '号'",
                "phone": "'0571-' || (80000000 + i % 9999999)",
                "employees": "i % 300",
                "published_fields": "'[\"employees\"]'::jsonb",
                "investments": "'[]'::jsonb",
                "websites": "'[]'::jsonb",
            },
            extra_from="WHERE mod(i, 10) <> 0",
        )
        timings["reports_s"] = round(time.perf_counter() - started, 1)
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE registry_enterprise; ANALYZE registry_annualreport; ANALYZE sanctions_listing"
        )
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=int, default=DEFAULT_SIZE)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument(
        "--again",
        action="store_true",
        help="keep the enterprises and reports, empty the listings: the job again",
    )
    args = parser.parse_args()
    os.environ.pop("REDIS_URL", None)  # tasks are counted, not sent; the cache is the process' own
    # As deployed: with DEBUG on, Django would keep the text of the last 9,000 queries (each batch's
    # bulk INSERT among them) and the process would grow with the job.
    os.environ["DEBUG"] = "false"

    from bench._db import use_bench_database

    database, results = database_and_results(args.enterprises)
    if args.reseed:
        use_bench_database(database, migrate=False)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE registry_enterprise, registry_annualreport, sanctions_listing, registry_auditentry CASCADE"
            )
    else:
        use_bench_database(database)
        if args.again:
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE sanctions_listing, registry_auditentry CASCADE")
    from django.conf import settings
    from django.db import connection

    from registry.models import Agency, Division, Enterprise
    from sanctions.lists.annual_reports import annual_reports_enforce_due_count
    from sanctions.lists.services import rules as list_rules
    from sanctions.models import Listing
    from tests.factories import agency_code

    seeding = _seed(args.enterprises)
    agency, _ = Agency.objects.get_or_create(
        name="浙江省市场监督管理局（年报测试）",
        defaults={
            "uscc": agency_code(9300, "330000"),
            "level": "provincial",
            "division": Division.objects.get(code="330000"),
        },
    )
    settings.ANNUAL_REPORTS_AGENCY = agency.uscc
    queued: list = []
    list_rules.task_on_commit = lambda name, *args: queued.append((name, len(args[0]) if args else 0))

    from django.utils.translation import gettext

    from registry.batches import run_in_batches
    from sanctions.lists.annual_reports import annual_reports_enforce_batch

    today = dt.date(YEAR + 1, 7, 1)
    started = time.perf_counter()
    due = annual_reports_enforce_due_count(today=today)
    count_s = time.perf_counter() - started
    lines: list[str] = []
    started = time.perf_counter()
    run = run_in_batches(
        lambda after: annual_reports_enforce_batch(today=today, after=after),
        total=due,
        progress=lambda p: lines.append(p.line(gettext("enterprises listed"))),  # as the command words it
    )
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    rerun = run_in_batches(lambda after: annual_reports_enforce_batch(today=today, after=after), total=0)
    rerun_s = time.perf_counter() - started
    result = {
        "what": "annual_reports_enforce as of 1 July: enterprises without the year's report entered into the "
        "abnormal operations list, then the same job again",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg": os.getloadavg()},
        "enterprises": Enterprise.objects.count(),
        "seeding_s": seeding,
        "due_count_s": round(count_s, 2),
        "listed": run.rows,
        "listings_in_db": Listing.objects.count(),
        "batch_rows": settings.EXPIRY_BATCH_ROWS,
        "batches": len(lines),
        "job_s": round(first_s, 1),
        "listings_per_s": round(run.rows / first_s) if first_s else None,
        "rerun_listed": rerun.rows,
        "rerun_s": round(rerun_s, 2),
        "rating_messages_queued": len(queued),
        # The process' peak resident memory (seeding is SQL): flat whatever the number of enterprises.
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "last_progress_line": lines[-1] if lines else "",
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    connection.close()
    results.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
