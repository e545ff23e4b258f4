"""The search sample's effect on the search page's query, query by query (registry/search_sample.py).

    .venv/bin/python -m bench.bench_search_sample --db credit_registry_10m_bench [--queries 120]

On a database seeded already (``bench_scale seed``), draws the sample as the nightly job does, then
times ``enterprise_search_page`` for the same queries as ``bench_scale measure`` (120 of each kind,
the same seed), each twice in turn: read as without a sample (the index for every query the
statistics do not measure) and with it (the sample's counts made afresh for each query, so that
their cost is in the time). Each query is timed three times each way, in turn, and its median kept:
the machine's drift between two runs (seen here: 40% on queries the sample does not touch) falls on
both ways alike. Writes ``bench/results/search_sample_<db>.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
KINDS = (
    "name_2",
    "name_3",
    "name_4",
    "pinyin_syllables_2",
    "pinyin_syllables_3",
    "pinyin_initials_2",
    "pinyin_initials_3",
    "pinyin_initials_4",
    "full_name",
)


def _percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)

    return {"n": len(ordered), "p50_ms": at(0.5), "p95_ms": at(0.95), "p99_ms": at(0.99), "max_ms": at(1.0)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a bench database seeded already")
    parser.add_argument("--queries", type=int, default=120, help="queries of each kind")
    parser.add_argument("--repeat", type=int, default=3, help="timings of each query each way")
    args = parser.parse_args(argv)

    from bench._db import use_bench_database

    use_bench_database(args.db)
    from bench import bench_search
    from registry import search_sample, selectors
    from registry.selectors import search_page

    started = time.perf_counter()
    drawn = search_sample.search_sample_refresh()
    drawn_s = round(time.perf_counter() - started, 2)
    print(f"{args.db}: sample of {drawn:,} names drawn in {drawn_s} s", flush=True)
    queries = bench_search._sample_queries(args.queries, random.Random(20261205))
    for query in queries["name_2"][:20] + queries["full_name"][:10]:
        selectors.enterprise_search_page(query=query)  # warm, as a live server is
    counts = search_sample.sample_counts

    def timed(query: str, *, with_sample: bool) -> float:
        search_sample._memo.clear()  # the sample's counts made for this query, in its time
        search_sample.sample_counts = counts if with_sample else (lambda plan: (0, 0, 0))
        try:
            begun = time.perf_counter()
            selectors.enterprise_search_page(query=query)
            return (time.perf_counter() - begun) * 1000
        finally:
            search_sample.sample_counts = counts

    kinds = {}
    for kind in KINDS:
        without, with_, first_found = [], [], 0
        for query in queries[kind]:
            a, b = [], []
            for turn in range(args.repeat):
                order = (False, True) if turn % 2 == 0 else (True, False)
                for with_sample in order:
                    (b if with_sample else a).append(timed(query, with_sample=with_sample))
            without.append(statistics.median(a))
            with_.append(statistics.median(b))
            plan = selectors.enterprise_search_plan(query)
            first_found += plan.kind == "name" and search_page._sampled_more(plan, selectors.names_estimate())
        kinds[kind] = {
            "without_sample": _percentiles(without),
            "with_sample": _percentiles(with_),
            "read_first_found_by_the_sample": first_found,
        }
        print(
            f"  {kind:<20} p95 {kinds[kind]['without_sample']['p95_ms']:>6.1f} → "
            f"{kinds[kind]['with_sample']['p95_ms']:>6.1f} ms   p50 {kinds[kind]['without_sample']['p50_ms']:>5.1f} → "
            f"{kinds[kind]['with_sample']['p50_ms']:>5.1f} ms   first found by the sample: {first_found}",
            flush=True,
        )
    import os

    result = {
        "what": "p95 of enterprise_search_page per kind, each query timed without and with the search sample in turn "
        "(median of the repeats), same database, same process",
        "database": args.db,
        "names_estimate": selectors.names_estimate(),
        "sample": {"names": drawn, "seconds": drawn_s},
        "queries_per_kind": args.queries,
        "repeat": args.repeat,
        "kinds": kinds,
        "load_average": list(os.getloadavg()),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    out = RESULTS / f"search_sample_{args.db.removeprefix('credit_registry_').removesuffix('_bench')}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"Written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
