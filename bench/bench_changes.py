"""Change-feed throughput: events per second one client reads over HTTP, through gunicorn.

    .venv/bin/python -m bench.bench_changes [--events N] [--limit L] [--workers W]

On a database of its own (``credit_registry_changes_bench``): writes N events (``record.published``
with a full public record payload, as the services write them) through ``change_emit_many``, in
committed batches; starts gunicorn on 127.0.0.1 (gthread, as in production) with a throw-away Redis
when ``redis-server`` is installed; then one client (this process, one connection at a time, as a
partner's mirror would) reads the whole feed from the start in pages of ``limit`` (the maximum,
1000, by default) with a developer key, following ``next``, and once more (the second pass is
reported; the first warms the server). Writes ``bench/results/changes.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench._db import use_bench_database

CHANGES_BENCH_DATABASE = "credit_registry_changes_bench"
RESULTS = Path(__file__).resolve().parent / "results" / "changes.json"


def _payload(n: int) -> dict:
    """A public penalty record's fields as ``sanctions.records.public.public_record_fields`` gives them."""
    return {
        "id": n,
        "record_key": f"00000000-0000-4000-8000-{n:012d}",
        "version": 1,
        "kind": "penalty",
        "document_number": f"杭市监罚〔2026〕{n}号",
        "document_name": "行政处罚决定书",
        "party_name": f"杭州西湖第{n}建设工程有限公司",
        "party_category": "legal_person",
        "party_uscc": "91330106MA2XXXXX0X",
        "legal_representative": "王小明",
        "content": "罚款人民币五万元",
        "decision_date": "2026-11-20",
        "publicity_end": "2027-11-20",
        "authority_name": "杭州市市场监督管理局",
        "authority_uscc": "11330100002482208T",
        "source_unit_name": "杭州市市场监督管理局",
        "source_unit_uscc": "11330100002482208T",
        "agency_name": "杭州市市场监督管理局",
        "agency_uscc": "11330100002482208T",
        "severity": "ordinary",
        "is_exempt": False,
        "rule_name": "一般失信行为行政处罚信息",
        "rule_legal_basis": "《失信行为纠正后的信用信息修复管理办法（试行）》第十条",
        "violation_type": "虚假宣传",
        "violation_facts": "在网站发布虚假的产品功效宣传，误导消费者。",
        "legal_basis": "《中华人民共和国反不正当竞争法》第二十条",
        "penalty_categories": ["fine"],
        "fine_amount": "5",
        "confiscated_amount": None,
        "suspended_licence": "",
    }


def seed(events: int, *, batch: int = 5000) -> float:
    """Empty the feed and write ``events`` events in committed batches; returns the seconds taken."""
    from django.db import connection, transaction

    from registry.changes import change_emit_many

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE registry_changeevent, registry_changefeedprune RESTART IDENTITY")
    started = time.perf_counter()
    for start in range(0, events, batch):
        with transaction.atomic():
            change_emit_many(
                {
                    "kind": "record.published",
                    "enterprise_uscc": "91330106MA2XXXXX0X",
                    "subject": _payload(n)["record_key"],
                    "payload": _payload(n),
                    "agency_code": "11330100002482208T",
                }
                for n in range(start, min(events, start + batch))
            )
    return time.perf_counter() - started


def read_all(base: str, *, limit: int, key: str) -> dict:
    """Read the feed from its start to its end in pages of ``limit``; returns counts and timings."""
    after, events, pages, latencies = "", 0, 0, []
    started = time.perf_counter()
    while True:
        query = urllib.parse.urlencode({"after": after, "limit": limit})
        request = urllib.request.Request(f"{base}/api/v1/changes/?{query}", headers={"X-Api-Key": key})  # noqa: S310
        began = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            body = json.loads(response.read())
        latencies.append(time.perf_counter() - began)
        pages += 1
        events += len(body["events"])
        if not body["events"]:
            break
        after = body["next"]
    seconds = time.perf_counter() - started
    return {
        "events": events,
        "pages": pages,
        "seconds": round(seconds, 2),
        "events_per_s": round(events / seconds),
        "page_latency_ms": {
            "p50": round(statistics.median(latencies) * 1000, 1),
            "max": round(max(latencies) * 1000, 1),
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args(argv)
    database = use_bench_database(CHANGES_BENCH_DATABASE)

    from django.contrib.auth import get_user_model
    from django.db import connection

    from bench.bench_badges import _free_port, start_gunicorn, start_redis, stop
    from lookup.developer_keys import developer_key_issue
    from registry.choices import StaffRoleKind
    from registry.models import StaffRole

    print(f"Writing {args.events:,} events…", flush=True)
    seed_seconds = seed(args.events)
    admin, _ = get_user_model().objects.get_or_create(username="changes_bench_admin")
    StaffRole.objects.get_or_create(user=admin, role=StaffRoleKind.REGISTRY_ADMIN, agency=None)
    _row, key = developer_key_issue(
        actor=admin, name="bench", contact_email="bench@example.com", requests_per_minute=100_000
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
    connection.close()

    redis = None
    redis_url = ""
    if shutil.which("redis-server"):
        redis_port = _free_port()
        redis = start_redis(redis_port)
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
    port = _free_port()
    server = start_gunicorn(
        port=port, workers=args.workers, database=database, redis_url=redis_url, threads=8
    )
    try:
        warm = read_all(f"http://127.0.0.1:{port}", limit=args.limit, key=key)
        run = read_all(f"http://127.0.0.1:{port}", limit=args.limit, key=key)
    finally:
        stop(server)
        if redis is not None:
            stop(redis)
    result = {
        "events": args.events,
        "limit": args.limit,
        "seed_seconds": round(seed_seconds, 1),
        "seed_events_per_s": round(args.events / seed_seconds),
        "first_pass": warm,
        "read": run,
        "events_per_s": run["events_per_s"],
        "gunicorn": {"workers": args.workers, "worker_class": "gthread", "threads": 8},
        "client": "one, sequential (urllib), developer key",
        "machine": {
            "nproc": os.cpu_count(),
            "python": platform.python_version(),
            "postgresql": server_version,
            "database": "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded",
            "cache": "redis (throw-away, 127.0.0.1)" if redis_url else "locmem (per worker)",
            "load_average_at_end": os.getloadavg(),
        },
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        f"{run['events']:,} events in {run['pages']} pages of {args.limit}: {run['events_per_s']:,} events/s "
        f"(page p50 {run['page_latency_ms']['p50']} ms)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
