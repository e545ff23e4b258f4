"""Server-side time of the public search over N synthetic enterprises.

    .venv/bin/python -m bench.bench_search [--rows 1000000] [--queries 300] [--db NAME] [--reseed]

Runs in a database of its own (``credit_registry_search_bench``, created and migrated here), never
in the development database. Seeds N enterprises with ``enterprises_seed_synthetic`` unless the
table already holds exactly N, then ANALYZEs. Queries are drawn from the names in the table:
substrings of 2, 3 and 4 characters starting anywhere in a name (so the very common pairs such as
有限 and 公司 come up as often as people would type them), whole names, exact codes, code
prefixes, and pinyin of a run of 2, 3 or 4 characters starting anywhere in a name: its syllables
(``tengda``) and its initials (``td``). For each: the time of ``enterprise_list`` plus what the
search page evaluates (the capped count, the first page of 20 and the standing of each of its
enterprises), and separately the first-page SQL alone.
Results go to ``bench/results/search.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

from django.db.models import Count, Window

RESULTS = Path(__file__).resolve().parent / "results" / "search.json"
PAGE = 20


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    return {
        "n": len(ordered),
        "p50_ms": round(at(50), 2),
        "p95_ms": round(at(95), 2),
        "p99_ms": round(at(99), 2),
        "max_ms": round(ordered[-1], 2),
        "mean_ms": round(statistics.fmean(ordered), 2),
    }


def _seed(rows: int, reseed: bool) -> float | None:
    from django.db import connection

    from registry.seeding import enterprises_seed_synthetic

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM registry_enterprise")
        present = cursor.fetchone()[0]
    if present == rows and not reseed:
        return None
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE registry_enterprise RESTART IDENTITY CASCADE")
    print(f"Seeding {rows:,} synthetic enterprises…", flush=True)
    started = time.perf_counter()
    enterprises_seed_synthetic(count=rows)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE registry_enterprise")
    return seconds


def _sample_queries(count: int, rnd: random.Random) -> dict[str, list[str]]:
    from django.db import connection

    from registry.search import strip_legal_form

    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM registry_enterprise")
        top = cursor.fetchone()[0]
        ids = [rnd.randint(1, top) for _ in range(count * 3)]
        cursor.execute("SELECT uscc, name, search_name FROM registry_enterprise WHERE id = ANY(%s)", [ids])
        rows = cursor.fetchall()
    rnd.shuffle(rows)
    rows = rows[:count]
    queries: dict[str, list[str]] = {
        "name_2": [],
        "name_3": [],
        "name_4": [],
        "full_name": [],
        "name_without_legal_form": [],
        "exact_code": [],
        "code_prefix_8": [],
        "pinyin_syllables_2": [],
        "pinyin_syllables_3": [],
        "pinyin_initials_2": [],
        "pinyin_initials_3": [],
        "pinyin_initials_4": [],
    }
    from registry.pinyin import name_readings

    for code, name, normalized in rows:
        for width in (2, 3, 4):
            start = rnd.randrange(0, len(normalized) - width + 1)
            queries[f"name_{width}"].append(normalized[start : start + width])
        queries["full_name"].append(name)
        queries["name_without_legal_form"].append(strip_legal_form(normalized))
        queries["exact_code"].append(code.lower())
        queries["code_prefix_8"].append(code[:8])
        readings = name_readings(normalized)
        for width in (2, 3, 4):
            runs = [i for i in range(len(readings) - width + 1) if all(readings[i : i + width])]
            if not runs:
                continue
            # A person types one reading of each character (the first, or another when there are several).
            start = rnd.choice(runs)
            run = [rnd.choice(r) for r in readings[start : start + width]]
            if width < 4:
                queries[f"pinyin_syllables_{width}"].append("".join(run))
            queries[f"pinyin_initials_{width}"].append("".join(s[0] for s in run))
    return queries


def _time_query(query: str) -> tuple[float, float, int]:
    """(ms for selector + first page with its count, as the search page does; ms for that SQL alone; count)."""
    from django.db import connection

    from lookup.search_views import search_page
    from registry.selectors import enterprise_list
    from sanctions.lists.standing import enterprise_standings

    started = time.perf_counter()
    qs = enterprise_list(query=query)
    page = search_page(qs, 1)
    enterprise_standings(enterprises=page.object_list)
    count = page.paginator.count
    total = (time.perf_counter() - started) * 1000
    sql, params = qs.annotate(result_count=Window(Count("pk")))[:PAGE].query.sql_with_params()
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(sql, params)
        cursor.fetchall()
        raw = (time.perf_counter() - started) * 1000
    assert count >= len(page.object_list)
    return total, raw, count


def _explain(query: str) -> str:
    from django.db import connection

    from registry.selectors import enterprise_list

    qs = enterprise_list(query=query).annotate(result_count=Window(Count("pk")))
    sql, params = qs[:PAGE].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _time_suggestions(codes: list[str], rnd: random.Random) -> list[float]:
    from registry.selectors import enterprise_code_suggestions

    samples = []
    for code in codes:
        i = rnd.randrange(0, 17)
        wrong = code[:i] + ("0" if code[i] != "0" else "1") + code[i + 1 :]
        started = time.perf_counter()
        found = enterprise_code_suggestions(code=wrong)
        samples.append((time.perf_counter() - started) * 1000)
        assert code.upper() in [e.uscc for e in found] or not found
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300, help="queries of each kind")
    parser.add_argument("--db", default=os.environ.get("BENCH_DB", "credit_registry_search_bench"))
    parser.add_argument("--reseed", action="store_true", help="seed again even if the table has N rows")
    parser.add_argument(
        "--kinds",
        default="",
        help="only the query kinds starting with one of these, comma-separated (name_,pinyin_)",
    )
    parser.add_argument("--output", default=str(RESULTS), help="where the results are written")
    args = parser.parse_args(argv)
    from bench._db import use_bench_database

    use_bench_database(args.db)

    from django.db import connection

    from registry.selectors import SEARCH_LIMIT, common_pairs

    seed_seconds = _seed(args.rows, args.reseed)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
        cursor.execute(
            "SELECT pg_size_pretty(pg_relation_size('enterprise_search_bigrams')), "
            "pg_size_pretty(pg_relation_size('enterprise_search_name')), "
            "pg_size_pretty(pg_relation_size('enterprise_search_pinyin'))"
        )
        gin_size, btree_size, pinyin_size = cursor.fetchone()
    print(f"Common pairs left out of queries (from pg_stats): {len(common_pairs())}", flush=True)

    rnd = random.Random(20261126)
    queries = _sample_queries(args.queries, rnd)
    wanted = [k for k in args.kinds.split(",") if k]
    timed = {kind: items for kind, items in queries.items() if not wanted or kind.startswith(tuple(wanted))}
    for query in queries["name_2"][:20] + queries["full_name"][:10]:  # warm the cache as a live server is
        _time_query(query)
    results: dict[str, dict] = {}
    capped: dict[str, int] = {}
    for kind, items in timed.items():
        totals, raws = [], []
        capped[kind] = 0
        for query in items:
            total, raw, count = _time_query(query)
            totals.append(total)
            raws.append(raw)
            capped[kind] += count > SEARCH_LIMIT
        results[kind] = {
            "page": _percentiles(totals),
            "sql_first_page": _percentiles(raws),
            "more_than_limit": capped[kind],
        }
        print(
            f"{kind:<26} page p50 {results[kind]['page']['p50_ms']:>7.2f}  p95 {results[kind]['page']['p95_ms']:>7.2f}"
            f"  p99 {results[kind]['page']['p99_ms']:>7.2f} ms   SQL p95 {results[kind]['sql_first_page']['p95_ms']:>7.2f} ms"
            f"   ({capped[kind]} of {len(items)} over {SEARCH_LIMIT})",
            flush=True,
        )
    suggestions = _percentiles(_time_suggestions(queries["exact_code"][:100], rnd))
    print(
        f"{'code_one_wrong_character':<26} p50 {suggestions['p50_ms']:.2f}  p95 {suggestions['p95_ms']:.2f} ms"
    )

    typical = next(q for q in queries["name_2"] if q not in common_pairs())
    explain = _explain(typical)
    print(f"\nEXPLAIN (ANALYZE, BUFFERS) for “{typical}”:\n{explain}\n")
    typical_pinyin = queries["pinyin_syllables_2"][0]
    explain_pinyin = _explain(typical_pinyin)
    print(f"EXPLAIN (ANALYZE, BUFFERS) for “{typical_pinyin}”:\n{explain_pinyin}\n")

    result = {
        "rows": args.rows,
        "seed_seconds": None if seed_seconds is None else round(seed_seconds, 1),
        "search_limit": SEARCH_LIMIT,
        "index_sizes": {
            "enterprise_search_bigrams": gin_size,
            "enterprise_search_name": btree_size,
            "enterprise_search_pinyin": pinyin_size,
        },
        "common_pairs": len(common_pairs()),
        "queries": results,
        "code_one_wrong_character": suggestions,
        "explain_query": typical,
        "explain": explain.splitlines(),
        "explain_pinyin_query": typical_pinyin,
        "explain_pinyin": explain_pinyin.splitlines(),
        "machine": {
            "nproc": os.cpu_count(),
            "python": platform.python_version(),
            "postgresql": server_version,
            "database": "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded",
            # The machine may be shared: its load while the queries ran, for reading the figures.
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"Written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
