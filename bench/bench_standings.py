"""What the precomputed standings save a search page: the same kind of pages with each result's
standing read from its precomputed row (``registry.PublicStanding``) and read live from its records
and listings (``PUBLIC_PROFILES`` off), in turn.

    python -m bench.bench_standings [--rounds 3] [--pages 300] [--db NAME]

Runs in the search bench's database (``bench_search_http`` seeds it: 1 M enterprises, 3 M records),
in process, with Django's test client and the settings the search bench serves with. Each round
serves two fresh sets of pages of the search bench's mix, drawn from names no earlier round (nor the
search bench, whose names come from another seed) asked for: one set with the standings precomputed,
one read live, the order swapped from one round to the next. Each set's cost is the CPU this process
spent (``time.process_time``) plus the CPU of its PostgreSQL backend (``/proc/<pid>/stat``), divided
by the pages served: a page's whole cost, both sides of the connection. Results:
``bench/results/standings.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import time
import urllib.parse
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "standings.json"


def _backend_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pages", type=int, default=300, help="pages in each set")
    parser.add_argument("--db", default=None, help="the database (default: the search bench's)")
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args()

    from bench import bench_search_http as search_bench
    from bench._db import use_bench_database

    use_bench_database(name=args.db or search_bench.BENCH_DB)
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from registry.models import Enterprise, PublicStanding
    from sanctions.lists.standing_facts import standings_build_due

    if not Enterprise.objects.exists():
        raise SystemExit(
            f"{connection.settings_dict['NAME']} holds no enterprises: run python -m bench.bench_search_http first "
            "(it seeds 1 M enterprises and 3 M records), or give --db a seeded bench database"
        )
    built = standings_build_due()  # as the nightly job keeps them (none due after the search bench)
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    settings.PUBLIC_PROFILE_CHECK = False
    settings.PORTAL_PAGE_RATE = settings.PUBLIC_API_ANON_RATE = "100000000/min"
    queries = search_bench._queries(30_000, random.Random(20261207))
    pages = search_bench._mix(queries, 2 * args.rounds * args.pages, random.Random(7))
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.get("/search?q=" + urllib.parse.quote("有限"))  # the first page's one-time costs
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

    def serve(batch: list[str], precomputed: bool) -> dict:
        settings.PUBLIC_PROFILES = precomputed
        worker, server, started = time.process_time(), _backend_cpu_seconds(backend), time.perf_counter()
        for query in batch:
            response = client.get("/search?q=" + urllib.parse.quote(query))
            assert response.status_code == 200, (query, response.status_code)
        worker = (time.process_time() - worker) * 1000 / len(batch)
        server = (_backend_cpu_seconds(backend) - server) * 1000 / len(batch)
        wall = (time.perf_counter() - started) * 1000 / len(batch)
        return {
            "cpu_ms_per_page": round(worker + server, 2),
            "worker_ms": round(worker, 2),
            "postgresql_ms": round(server, 2),
            "wall_ms": round(wall, 2),
        }

    rounds = []
    for number in range(args.rounds):
        first, second = (True, False) if number % 2 == 0 else (False, True)
        sets = [pages[(2 * number + k) * args.pages : (2 * number + k + 1) * args.pages] for k in (0, 1)]
        found = {}
        for precomputed, batch in ((first, sets[0]), (second, sets[1])):
            found["precomputed" if precomputed else "live"] = serve(batch, precomputed)
        rounds.append(found)
        print(f"round {number + 1}: {found}", flush=True)
    settings.PUBLIC_PROFILES = True

    def mean(arm: str, key: str) -> float:
        return round(statistics.mean(r[arm][key] for r in rounds), 2)

    summary = {
        arm: {key: mean(arm, key) for key in ("cpu_ms_per_page", "worker_ms", "postgresql_ms", "wall_ms")}
        for arm in ("precomputed", "live")
    }
    saved = round(summary["live"]["cpu_ms_per_page"] - summary["precomputed"]["cpu_ms_per_page"], 2)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size('registry_publicstanding')")
        size = cursor.fetchone()[0]
    result = {
        "bench": "standings",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_1_5_15_min": [round(x, 2) for x in os.getloadavg()],
        },
        "data": {
            "enterprises": Enterprise.objects.count(),
            "standings_rows": PublicStanding.objects.count(),
            "standings_table_and_index_mb": round(size / 2**20, 1),
            "built_before_the_runs": built.stored,
        },
        "pages_per_set": args.pages,
        "rounds": rounds,
        "mean": summary,
        "cpu_ms_saved_per_page": saved,
        "cpu_share_saved": round(saved / summary["live"]["cpu_ms_per_page"], 3),
    }
    Path(args.output).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result["mean"]), f"saved {saved} ms a page", f"written to {args.output}")


if __name__ == "__main__":
    main()
