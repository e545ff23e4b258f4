"""Redis memory of the keys the project writes: a rate-limit counter, an enterprise generation, a cached credit page.

    DATABASE_URL=postgresql://…/<a seeded database> \\
        .venv/bin/python -m bench.redis_memory [--redis redis://127.0.0.1:6379/14] [--pages 40]

Each key is written by the project's own code (``registry.throttling.hit``,
``registry.cache.enterprise_changed``, the credit page view through Django's test client, so the
page entry is pickled by Django's ``RedisCache`` exactly as in production), then measured with
``MEMORY USAGE`` (key, value and Redis' per-key overhead, not the expiry table) and, for a batch of
many keys, with ``INFO memory`` before and after (everything, divided by the number of keys: the
server's whole memory, so other clients of the same server, and the tracking table of the
processes' near caches for the generations, count in it). It
reads the database only. It uses one Redis database, which it empties before and after: never the
one the project runs on. Writes ``bench/results/redis_memory.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import zlib
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "redis_memory.json"
BATCH = 10_000  # keys written per kind for the INFO memory measure


def _used_memory(client) -> int:
    return int(client.info("memory")["used_memory"])


def _mean_usage(client, match: str) -> float:
    """The mean ``MEMORY USAGE`` of the keys matching ``match`` in this database."""
    sizes = [
        int(client.memory_usage(key, samples=0) or 0) for key in client.scan_iter(match=match, count=1000)
    ]
    return round(sum(sizes) / max(1, len(sizes)), 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--redis", default="redis://127.0.0.1:6379/14", help="a Redis database this may empty"
    )
    parser.add_argument("--pages", type=int, default=40, help="credit pages to render and measure")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL"):
        parser.error("set DATABASE_URL to a seeded database (read only)")
    os.environ["REDIS_URL"] = args.redis
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    import django

    django.setup()
    import redis
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from registry import throttling
    from registry.cache import enterprise_changed

    client = redis.Redis.from_url(args.redis)
    db = client.connection_pool.connection_kwargs.get("db", 0)
    if db in (0,):
        parser.error("refusing Redis database 0: give a database of its own (e.g. /14)")
    client.flushdb()
    prefix_of = cache.make_key  # "creditreg:1:<key>", as the project writes them

    def usage(key: str) -> int:
        return int(client.memory_usage(prefix_of(key), samples=0) or 0)

    result: dict = {
        "redis": args.redis.rsplit("@", 1)[-1],
        "redis_version": client.info("server")["redis_version"],
    }

    # --- One rate-limit counter: the pages' limit per client address (lookup.middleware) ----------
    rate = throttling.page_rate()
    bucket = "page:203.0.113.7"
    throttling.hit(bucket, rate)
    window = int(throttling.now() // rate.period)
    key = f"rl:{bucket}:{rate.period}:{window}"
    ttl = client.ttl(prefix_of(key))
    before = _used_memory(client)
    for i in range(BATCH):
        throttling.hit(f"page:10.{i // 65536}.{i // 256 % 256}.{i % 256}", rate)
    batch_bytes = (_used_memory(client) - before) / BATCH
    result["rate_limit_counter"] = {
        "key": prefix_of(key),
        "ttl_seconds": ttl,
        "memory_usage_bytes": usage(key),
        "memory_usage_bytes_mean_of_10000": _mean_usage(client, "*:rl:*"),
        "used_memory_per_key_bytes_of_10000": round(batch_bytes, 1),
        "keys_per_client_at_most": 2,
        "note": "one key per client and window of rate.period seconds, kept 2 periods + 1 s: a client "
        "active in two consecutive windows holds two",
    }
    client.flushdb()

    # --- One enterprise generation (registry.cache) ------------------------------------------------
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM registry_enterprise ORDER BY id LIMIT %s", [BATCH])
        ids = [row[0] for row in cursor.fetchall()]
    enterprise_changed(ids[0])
    gen_key = f"ent-gen:{ids[0]}"
    before = _used_memory(client)
    for enterprise_id in ids[1:]:
        enterprise_changed(enterprise_id)
    batch_bytes = (_used_memory(client) - before) / max(1, len(ids) - 1)
    result["enterprise_generation"] = {
        "key": prefix_of(gen_key),
        "ttl_seconds": client.ttl(prefix_of(gen_key)),
        "memory_usage_bytes": usage(gen_key),
        "memory_usage_bytes_mean": _mean_usage(client, "*:ent-gen:*"),
        "used_memory_per_key_bytes": round(batch_bytes, 1),
        "keys_measured": len(ids) - 1,
        "note": "only enterprises changed since Redis started have one (a missing key is generation 1)",
    }
    client.flushdb()

    # --- Cached credit pages (lookup.views.enterprise_detail), rendered for an anonymous visitor --
    with connection.cursor() as cursor:
        # A spread of pages: the enterprises with the most public records first, then every kind.
        cursor.execute(
            """
            (SELECT e.uscc, count(r.id) AS n FROM registry_enterprise e
               JOIN sanctions_creditrecord r ON r.enterprise_id = e.id AND r.status = 'published'
              GROUP BY e.uscc ORDER BY n DESC LIMIT %s)
            UNION ALL
            (SELECT e.uscc, 0 FROM registry_enterprise e
              WHERE NOT EXISTS (SELECT 1 FROM sanctions_creditrecord r WHERE r.enterprise_id = e.id)
              ORDER BY e.id LIMIT %s)
            """,
            [args.pages // 2, args.pages - args.pages // 2],
        )
        pages = cursor.fetchall()
    browser = Client(HTTP_HOST="localhost")
    browser.cookies["django_language"] = "zh-hans"
    measured = []
    for uscc, records in pages:
        started = time.perf_counter()
        response = browser.get(f"/enterprises/{uscc}/")
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            continue
        keys = [k.decode() for k in client.scan_iter(match=f"*credit-page-full:*:{uscc}:*")]
        if not keys:
            continue
        measured.append(
            {
                "uscc": uscc,
                "public_records": records,
                "html_bytes": len(response.content),
                "html_zlib1_bytes": len(zlib.compress(response.content, 1)),
                "memory_usage_bytes": int(client.memory_usage(keys[0], samples=0)),
                "render_ms": round(elapsed * 1000, 1),
            }
        )
    if not measured:
        print(
            "no credit page was cached: is the database seeded and the portal's cache Redis?", file=sys.stderr
        )
        return 1
    with_records = [m for m in measured if m["public_records"] > 0]
    without = [m for m in measured if m["public_records"] == 0]

    def summary(rows: list[dict]) -> dict:
        if not rows:
            return {}
        sizes = [m["memory_usage_bytes"] for m in rows]
        return {
            "pages": len(rows),
            "memory_usage_bytes_mean": round(statistics.mean(sizes)),
            "memory_usage_bytes_max": max(sizes),
            "html_bytes_mean": round(statistics.mean(m["html_bytes"] for m in rows)),
            "html_zlib1_bytes_mean": round(statistics.mean(m["html_zlib1_bytes"] for m in rows)),
            "public_records_mean": round(statistics.mean(m["public_records"] for m in rows), 2),
        }

    result["credit_page"] = {
        "key_example": next(iter(client.scan_iter(match="*credit-page-full:*"))).decode(),
        "ttl_seconds_set": 24 * 60 * 60,
        "with_public_records": summary(with_records),
        "without_records": summary(without),
        "all": summary(measured),
        "pages_measured": measured,
        "note": "the entry is the tuple (enterprise id, generation, HTML bytes) pickled by Django's "
        "RedisCache; the key carries the code, the language and the date. html_zlib1_bytes: the "
        "HTML compressed with zlib level 1, what a compressing cache would keep (not done today)",
    }
    client.flushdb()

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), (SELECT count(*) FROM registry_enterprise)")
        database, enterprises = cursor.fetchone()
    result["database"] = {"name": database, "enterprises": enterprises}
    result["machine"] = {
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    result["timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "credit_page"}, indent=2))
    print(json.dumps({k: v for k, v in result["credit_page"].items() if k != "pages_measured"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
