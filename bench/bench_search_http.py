"""How fast the search page and the public search API are served, against the hello view, over HTTP.

    .venv/bin/python -m bench.bench_search_http [--enterprises 1000000 --records 3000000]
        [--duration 10] [--connections 4] [--workers 2] [--reseed] [--db NAME --output FILE]

Runs in a database of its own (``credit_registry_search_http_bench``), seeded as ``bench_portal``
seeds its own (its seeding functions: synthetic enterprises, then published public records by COPY);
``--db`` runs it on another bench database as it is (the 10 M one of ``make bench-10m``).
Serves the app with gunicorn as deployed (``DEBUG`` off, Redis as the cache, the portal's page rate
limiter installed with a limit no bench reaches; ``bench_portal``'s settings) and loads it with
``wrk`` from a second process, in one run:

- ``/healthz``, the plain "hello" view, before the first run and after every run (half as long):
  each run's share is of the mean of the hello views just before and just after it, since the
  machine's other work comes and goes;
- ``/search?q=…`` (the HTML page) and ``/api/v1/public/enterprises/?q=…`` (the public API), each for
  every kind of query on its own, then for a mix of them:

  ``name_2``, ``name_3``, ``name_4``  two, three and four consecutive characters taken anywhere in a
                                      seeded name (so 有限, 公司, 限公 … come up as often as people
                                      would type them);
  ``pinyin``                          the syllables (``tengda``) or initials (``td``, ``szstd``) of a
                                      run of two to four characters of a name;
  ``code_prefix``                     the first 4 to 16 characters of a code;
  ``common``                          the pairs in the most names, from the column statistics
                                      (有限, 公司, 科技 …), and their pinyin;
  ``mix_unseen``                      all of the above, mostly queries never asked before in the run;
  ``mix_repeated``                    200 queries of the mix, each asked before the run starts.

Every kind but ``common`` and ``mix_repeated`` is a list of distinct queries that each wrk thread
walks in order, so no query is asked twice in a run: these are first views, which no cache has seen.

Each run also records the CPU it cost the server per request (its workers', and their PostgreSQL
backends', from ``/proc``): a figure the machine's other work changes less than requests per second.
Also counts, in process, the queries and time of one page of each kind (the test client, no HTTP).
Results go to ``bench/results/search_http.json``; the goal is every kind, and the mixes, at 25% of
the hello view or more with a p99 of 50 ms or less.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from bench.bench_portal import (
    DONE_LUA,
    HELLO_LUA,
    SETTINGS,
    _free_port,
    _seed_enterprises,
    _seed_records,
    _wrk,
)

BENCH_DB = "credit_registry_search_http_bench"
RESULTS = Path(__file__).resolve().parent / "results" / "search_http.json"
ROOT = Path(__file__).resolve().parent.parent
REDIS_DB = 13
GOAL_RATIO = 0.25
GOAL_P99_MS = 50
KINDS = ("name_2", "name_3", "name_4", "pinyin", "code_prefix", "common")
ENDPOINTS = {"page": "/search?q=", "api": "/api/v1/public/enterprises/?q="}
# The share of each kind in the mixes.
MIX = {"name_2": 25, "name_3": 15, "name_4": 15, "pinyin": 20, "code_prefix": 15, "common": 10}

# Each thread walks the list from its own offset with a stride of the thread count: no path twice
# until the list is used up (it is longer than a run's requests).
WALK_LUA = r"""
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
local threads = 0
setup = function(thread)
  thread:set("offset", threads)
  threads = threads + 1
end
local counter = 0
request = function()
  local i = ((counter * %(threads)d) + (offset or 0)) %% #paths + 1
  counter = counter + 1
  return wrk.format("GET", paths[i])
end
"""
RANDOM_LUA = r"""
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
math.randomseed(%(seed)d + tonumber(tostring({}):sub(8), 16) %% 1000)
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
"""
SEARCH_SETTINGS = (
    SETTINGS
    + """
PUBLIC_API_ANON_RATE = "100000000/min"
if REDIS_URL:
    CACHES["default"]["KEY_PREFIX"] = "search-http-bench"
"""
)


# --- Queries ---------------------------------------------------------------------------------------


def _sample_names(count: int, rnd: random.Random) -> list[tuple[str, str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM registry_enterprise")
        top = cursor.fetchone()[0]
        ids = list({rnd.randint(1, top) for _ in range(count * 2)})
        cursor.execute(
            "SELECT uscc, search_name FROM registry_enterprise WHERE id = ANY(%s) ORDER BY id", [ids]
        )
        rows = cursor.fetchall()
    rnd.shuffle(rows)
    return rows[:count]


def _pinyin_of(normalized: str, rnd: random.Random) -> str | None:
    """The syllables or the initials of a run of two to four characters, one reading each."""
    from registry.pinyin import name_readings

    readings = name_readings(normalized)
    width = rnd.choice((2, 3, 4))
    runs = [i for i in range(len(readings) - width + 1) if all(readings[i : i + width])]
    if not runs:
        return None
    start = rnd.choice(runs)
    run = [rnd.choice(r) for r in readings[start : start + width]]
    if width < 4 and rnd.random() < 0.5:
        return "".join(run)
    return "".join(s[0] for s in run)


def _common_queries() -> list[str]:
    """The pairs in the most names (from the statistics ANALYZE keeps), 有限 公司 科技 first, and their pinyin."""
    from registry.pinyin import name_readings
    from registry.selectors.column_stats import _common_elements

    shares = _common_elements("search_vector")
    pairs = ["有限", "公司", "科技"] + [
        pair
        for pair, _ in sorted(shares.items(), key=lambda item: -item[1])
        if pair not in ("有限", "公司", "科技")
    ][:27]
    readings = ["".join(r[0] for r in name_readings(pair)) for pair in pairs[:10]]
    return list(dict.fromkeys(pairs + [r for r in readings if len(r) > 1]))


def _queries(samples: int, rnd: random.Random) -> dict[str, list[str]]:
    """Distinct queries of each kind, drawn from the seeded names and codes."""
    rows = _sample_names(samples, rnd)
    found: dict[str, dict[str, None]] = {kind: {} for kind in KINDS}
    for code, normalized in rows:
        for width in (2, 3, 4):
            if len(normalized) >= width:
                start = rnd.randrange(0, len(normalized) - width + 1)
                found[f"name_{width}"][normalized[start : start + width]] = None
        spoken = _pinyin_of(normalized, rnd)
        if spoken:
            found["pinyin"][spoken] = None
        found["code_prefix"][code[: rnd.randint(4, 16)]] = None
    queries = {kind: list(items) for kind, items in found.items()}
    for items in queries.values():
        rnd.shuffle(items)
    queries["common"] = _common_queries()
    return queries


def _mix(queries: dict[str, list[str]], count: int, rnd: random.Random) -> list[str]:
    """``count`` queries in the proportions of ``MIX``, each kind's taken in order (distinct)."""
    weights = [MIX[kind] for kind in KINDS]
    used = dict.fromkeys(KINDS, 0)
    mixed = []
    for _ in range(count):
        kind = rnd.choices(KINDS, weights)[0]
        items = queries[kind]
        mixed.append(items[used[kind] % len(items)])
        used[kind] += 1
    return mixed


# --- In process: queries and time of one page ---------------------------------------------------------


def _in_process(queries: dict[str, list[str]], per_kind: int = 30) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    settings.PORTAL_PAGE_RATE = settings.PUBLIC_API_ANON_RATE = "100000000/min"
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    seen: list[int] = []

    def count(execute, sql, params, many, context):
        seen.append(1)
        return execute(sql, params, many, context)

    results = {}
    for name, prefix in ENDPOINTS.items():
        for kind in KINDS:
            times, counts = [], []
            for query in queries[kind][-per_kind:]:
                seen.clear()
                with connection.execute_wrapper(count):
                    started = time.perf_counter()
                    response = client.get(prefix + urllib.parse.quote(query))
                    times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (query, response.status_code)
                counts.append(len(seen))
            times.sort()
            results[f"{name}_{kind}"] = {
                "queries_per_request_max": max(counts),
                "ms_p50": round(times[len(times) // 2], 2),
                "ms_mean": round(statistics.mean(times), 2),
            }
    return results


# --- Serving and loading -----------------------------------------------------------------------------


def _database_url(db: dict) -> str:
    if db.get("HOST", "").startswith("/"):
        return f"postgresql://{db.get('USER') or 'postgres'}@/{db['NAME']}?host={db['HOST']}"
    auth = db.get("USER") or "postgres"
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return f"postgresql://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _redis_url() -> str | None:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            if s.recv(16).startswith(b"+PONG"):
                return f"redis://127.0.0.1:6379/{REDIS_DB}"
    except OSError:
        pass
    return None


def _children(parent: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            found.append(int(stat.parent.name))
    return found


def _backends() -> list[int]:
    """The PostgreSQL server processes serving this database's other connections (the workers')."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User and system CPU seconds of each process (none for one gone, or on another host)."""
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


def _cpu_spent(before: dict[int, float], pids_after: list[int]) -> float:
    """CPU seconds the processes spent since ``before`` (a process started since: all of its own)."""
    after = _cpu_seconds(pids_after)
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def _get(url: str, timeout: float = 30) -> bytes:
    return urllib.request.urlopen(url, timeout=timeout).read()  # noqa: S310 - our own 127.0.0.1 server


def _paths(prefix: str, queries: list[str]) -> str:
    return "\n".join(prefix + urllib.parse.quote(q) for q in queries) + "\n"


def _serve_and_load(args, queries: dict[str, list[str]], workdir: Path) -> dict:
    from django.conf import settings

    port = _free_port()
    (workdir / "search_http_bench_settings.py").write_text(SEARCH_SETTINGS)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "search_http_bench_settings",
        "PYTHONPATH": f"{workdir}{os.pathsep}{ROOT}",
        "DATABASE_URL": _database_url(settings.DATABASES["default"]),
        "SECRET_KEY": "bench-only-" + uuid.uuid4().hex,
    }
    env.pop("DATABASE_REPLICA_URLS", None)
    redis = _redis_url()
    if redis:
        env["REDIS_URL"] = redis
        import redis as redis_client

        redis_client.Redis.from_url(redis).flushdb()  # this bench's own Redis database: nothing cached
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
        "sync" if args.threads == 1 else "gthread",
        "--threads",
        str(args.threads),
        "--log-level",
        "error",
    ]
    server = subprocess.Popen(gunicorn, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    rnd = random.Random(7)
    try:
        for _ in range(100):
            try:
                _get(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        hello_script = workdir / "hello.lua"
        hello_script.write_text(HELLO_LUA + DONE_LUA)
        threads = min(2, args.connections)
        # Each kind's queries split in two: the first half for its own run, the rest for the mix, so
        # the mix's queries are not the ones its kind's run has just asked.
        halves = {
            kind: (items[: len(items) // 2], items[len(items) // 2 :]) for kind, items in queries.items()
        }
        halves["common"] = (queries["common"], queries["common"])
        mix_unseen = _mix({kind: rest for kind, (_, rest) in halves.items()}, 40_000, rnd)
        mix_repeated = rnd.sample(_mix({kind: own for kind, (own, _) in halves.items()}, 5_000, rnd), 200)
        scripts: dict[tuple[str, str], Path] = {}
        for endpoint, prefix in ENDPOINTS.items():
            lists = {kind: halves[kind][0] for kind in KINDS} | {"mix_unseen": mix_unseen}
            for kind, items in lists.items():
                paths = workdir / f"{endpoint}_{kind}.txt"
                paths.write_text(_paths(prefix, items))
                script = workdir / f"{endpoint}_{kind}.lua"
                script.write_text(WALK_LUA % {"paths": paths, "threads": threads} + DONE_LUA)
                scripts[(endpoint, kind)] = script
            paths = workdir / f"{endpoint}_mix_repeated.txt"
            paths.write_text(_paths(prefix, mix_repeated))
            script = workdir / f"{endpoint}_mix_repeated.lua"
            script.write_text(RANDOM_LUA % {"paths": paths, "seed": 11} + DONE_LUA)
            scripts[(endpoint, "mix_repeated")] = script
            # Asked once before the run, untimed: the repeated mix is of queries seen before.
            for query in mix_repeated:
                _get(base + prefix + urllib.parse.quote(query))
            # A first request of each kind: the worker has imported and warmed what every request needs.
            for kind in KINDS:
                _get(base + prefix + urllib.parse.quote(queries[kind][-1]))
        results: dict = {
            "redis": bool(redis),
            "workers": args.workers,
            "threads": args.threads,
            "connections": args.connections,
            "duration_s": args.duration,
            "queries_available": {kind: len(halves[kind][0]) for kind in KINDS},
        }

        def load(script: Path, duration: int = args.duration) -> dict:
            # The CPU the run cost the server: its workers and their PostgreSQL backends (what the
            # machine's other work does not change much, unlike requests per second).
            workers, backends = _cpu_seconds(_children(server.pid)), _cpu_seconds(_backends())
            run = _wrk(base, duration=duration, connections=args.connections, script=script)
            requests = max(run["requests"], 1)
            run["cpu_ms_per_request"] = {
                "workers": round(_cpu_spent(workers, _children(server.pid)) * 1000 / requests, 2),
                # A connection closed during the run (CONN_MAX_AGE) takes its last seconds with it.
                "postgresql": round(_cpu_spent(backends, _backends()) * 1000 / requests, 2),
            }
            return run

        # The hello view between every two runs (half as long): the machine's other work comes and
        # goes, and each run is compared with the hello views just before and just after it.
        hello_seconds = max(1, args.duration // 2)
        hellos = [load(hello_script, hello_seconds)]
        runs: dict[str, dict] = {}
        for endpoint in ENDPOINTS:
            for kind in (*KINDS, "mix_unseen", "mix_repeated"):
                run = load(scripts[(endpoint, kind)])
                hellos.append(load(hello_script, hello_seconds))
                run["hello_around_rps"] = [hellos[-2]["rps"], hellos[-1]["rps"]]
                runs[f"{endpoint}_{kind}"] = run
                print(f"{endpoint:5} {kind:13} {run}", flush=True)
        results["hello"] = max(hellos, key=lambda run: run["rps"])
        results["hello_runs_rps"] = [run["rps"] for run in hellos]
        results["hello_cpu_ms_per_request_median"] = statistics.median(
            run["cpu_ms_per_request"]["workers"] + run["cpu_ms_per_request"]["postgresql"] for run in hellos
        )
        results["runs"] = runs
        results["mix_sample"] = {"unseen": mix_unseen[:40], "repeated": mix_repeated[:40]}
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def _standings_built() -> dict:
    """The search results' standings precomputed as the nightly job keeps them (the seeding writes
    records by COPY, around the services that would have queued them): its time and the table's size."""
    from django.db import connection

    from sanctions.lists.standing_facts import standings_build_due

    started = time.monotonic()
    built = standings_build_due()
    seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), pg_total_relation_size('registry_publicstanding') FROM registry_publicstanding"
        )
        rows, size = cursor.fetchone()
    print(
        f"standings: {built.stored} built in {seconds:.0f} s; {rows} rows, {size / 2**20:.0f} MB", flush=True
    )
    return {
        "built_now": built.stored,
        "build_seconds": round(seconds, 1),
        "rows": rows,
        "table_and_index_mb": round(size / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=3_000_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per run (at most 60)")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=max(2, os.cpu_count() or 2))
    parser.add_argument("--threads", type=int, default=8, help="threads per worker, as deployed (1: sync)")
    parser.add_argument("--samples", type=int, default=30_000, help="names the queries are drawn from")
    parser.add_argument(
        "--reseed", action="store_true", help="empty the bench database's records and enterprises first"
    )
    parser.add_argument(
        "--db",
        default=BENCH_DB,
        help="another *_bench database, used as it is (not seeded): e.g. the 10 M one of make bench-10m",
    )
    parser.add_argument("--output", default=str(RESULTS), help="where the results are written")
    args = parser.parse_args()
    args.duration = max(1, min(args.duration, 60))
    args.connections = max(1, min(args.connections, 64))
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")

    from bench._db import use_bench_database

    use_bench_database(name=args.db)
    from django.db import connection

    if args.db == BENCH_DB:
        if args.reseed:
            with connection.cursor() as cursor:
                cursor.execute(
                    "TRUNCATE sanctions_creditrecord, registry_enterprise RESTART IDENTITY CASCADE"
                )
        _seed_enterprises(args.enterprises)
        _seed_records(args.records)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE registry_enterprise")  # the common pairs come from its statistics
    from registry.search_sample import search_sample_refresh

    search_sample_refresh()  # as the nightly job draws it (a database reused may hold none)
    standings = _standings_built()

    from registry.models import Enterprise
    from sanctions.models import CreditRecord

    queries = _queries(args.samples, random.Random(20261205))
    in_process = _in_process(queries)
    with tempfile.TemporaryDirectory(prefix="search-http-bench-") as tmp:
        load = _serve_and_load(args, queries, Path(tmp))
    hello = load["hello"]
    runs = load.pop("runs")
    kinds = {}
    for name, run in runs.items():
        ratio = round(run["rps"] / statistics.mean(run["hello_around_rps"]), 3)
        cost = run["cpu_ms_per_request"]["workers"] + run["cpu_ms_per_request"]["postgresql"]
        kinds[name] = {
            **run,
            "cpu_ms_per_request_total": round(cost, 2),
            "cpu_share_of_hello": round(load["hello_cpu_ms_per_request_median"] / cost, 3) if cost else None,
            "ratio_to_hello": ratio,  # to the hello views just before and after it
            "ratio_to_best_hello": round(run["rps"] / hello["rps"], 3),
            "goal_met": ratio >= GOAL_RATIO and run["p99_ms"] <= GOAL_P99_MS and run["non_2xx"] == 0,
        }
    result = {
        "bench": "search_http",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_1_5_15_min": [round(x, 2) for x in os.getloadavg()],
        },
        "data": {
            "database": args.db,
            "enterprises": Enterprise.objects.count(),
            "records": CreditRecord.objects.count(),
        },
        "in_process": in_process,
        "standings": standings,
        **load,
        "kinds": kinds,
        "goals": {
            "ratio_at_least": GOAL_RATIO,
            "ratio_is_to": "the mean of the hello views run just before and just after",
            "p99_ms_at_most": GOAL_P99_MS,
            "all_met": all(run["goal_met"] for run in kinds.values()),
            "not_met": [name for name, run in kinds.items() if not run["goal_met"]],
        },
    }
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(
        f"hello {hello['rps']} requests/s (runs {load['hello_runs_rps']}), "
        f"{load['hello_cpu_ms_per_request_median']} ms of CPU a request"
    )
    for name, run in kinds.items():
        print(
            f"{name:22} {run['rps']:>8} requests/s  {run['ratio_to_hello']:>6.1%} of hello  "
            f"p50 {run['p50_ms']:>6} p90 {run['p90_ms']:>6} p99 {run['p99_ms']:>6} ms  "
            f"CPU {run['cpu_ms_per_request']['workers']:>5} + {run['cpu_ms_per_request']['postgresql']:>5} ms  "
            f"{'met' if run['goal_met'] else 'NOT met'}"
        )
    print(f"Written to {output}")


if __name__ == "__main__":
    main()
