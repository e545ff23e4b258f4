"""How fast ``enterprises_seed_synthetic`` fills the enterprise table, against a raw COPY of the same rows.

    .venv/bin/python -m bench.bench_seed [--rows N] [--db NAME]

Runs in a database of its own (``credit_registry_bench`` on the same server, created and migrated
here), never in the development database: it empties ``registry_enterprise`` twice.
(a) times the service for N rows into the empty table; (b) empties it again, generates the same
N rows into memory untimed, and times a bare psycopg COPY of them (same table, same indexes).
Also times psycopg's ``write_row`` on a sample, for comparison with the text stream the service
writes. Results go to ``bench/results/seed.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "seed.json"


def _empty_table() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE registry_enterprise RESTART IDENTITY CASCADE")
        cursor.execute("CHECKPOINT")


def _bench_service(rows: int) -> float:
    from registry.seeding import enterprises_seed_synthetic

    started = time.perf_counter()
    made = enterprises_seed_synthetic(count=rows)
    seconds = time.perf_counter() - started
    assert made == rows
    return seconds


def _bench_raw_copy(rows: int) -> tuple[float, float, int]:
    """Seconds to generate the rows into memory (untimed for the ratio) and seconds to COPY them."""
    from django.db import connection, transaction
    from django.utils import timezone

    from registry.seeding import seed_places
    from registry.seeding.synthetic import COLUMNS, synthetic_chunks

    started = time.perf_counter()
    places = seed_places()
    stamp = timezone.now().isoformat()
    buffers = [c.text.encode() for c in synthetic_chunks(start=0, count=rows, places=places, timestamp=stamp)]
    generated = time.perf_counter() - started
    size = sum(map(len, buffers))
    from registry.seeding import BULK_REBUILD_THRESHOLD, drop_gin_indexes

    sql = f"COPY registry_enterprise ({', '.join(COLUMNS)}) FROM STDIN"
    started = time.perf_counter()
    # The same way to the same end state as the service: above the threshold, the GIN indexes are
    # dropped and built again after the COPY (a COPY into the indexed table stalls past ~300k rows).
    with transaction.atomic(), connection.cursor() as cursor:
        rebuilt = drop_gin_indexes(cursor) if rows >= BULK_REBUILD_THRESHOLD else []
        with cursor.cursor.copy(sql) as copy:
            for buffer in buffers:
                copy.write(buffer)
        if rebuilt:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for definition in rebuilt:
                cursor.execute(definition)
    return generated, time.perf_counter() - started, size


def _bench_write_row(rows: int) -> tuple[float, float, float, float]:
    """rows/s and client CPU seconds of the text stream against psycopg's write_row.

    write_row gets its rows split back out of the same text, so both send identical data.
    """
    from django.db import connection, transaction
    from django.utils import timezone

    from registry.seeding import seed_places
    from registry.seeding.synthetic import COLUMNS, synthetic_chunks

    places = seed_places()
    stamp = timezone.now().isoformat()
    sql = f"COPY registry_enterprise ({', '.join(COLUMNS)}) FROM STDIN"
    best = {"text": 0.0, "write_row": 0.0}
    cpu = {"text": float("inf"), "write_row": float("inf")}
    # Alternated, twice each, best kept: the first COPY into a fresh table is slower whichever it is.
    for mode in ("text", "write_row", "text", "write_row"):
        _empty_table()
        started, cpu_started = time.perf_counter(), time.process_time()
        with transaction.atomic(), connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for chunk in synthetic_chunks(start=0, count=rows, places=places, timestamp=stamp):
                if mode == "text":
                    copy.write(chunk.text)
                else:
                    for line in chunk.text.splitlines():
                        copy.write_row([None if v == "\\N" else v for v in line.split("\t")])
        best[mode] = max(best[mode], rows / (time.perf_counter() - started))
        cpu[mode] = min(cpu[mode], time.process_time() - cpu_started)
    return best["text"], best["write_row"], cpu["text"], cpu["write_row"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", default=os.environ.get("BENCH_DB", "credit_registry_bench"))
    parser.add_argument(
        "--write-row-sample", type=int, default=100_000, help="rows for the write_row comparison"
    )
    args = parser.parse_args(argv)
    from bench._db import use_bench_database

    use_bench_database(args.db)

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]

    text_rps = write_row_rps = text_cpu = write_row_cpu = None
    if args.write_row_sample:
        print(f"Comparing text stream and write_row on {args.write_row_sample:,} rows…", flush=True)
        text_rps, write_row_rps, text_cpu, write_row_cpu = _bench_write_row(args.write_row_sample)

    print(f"(a) enterprises_seed_synthetic, {args.rows:,} rows…", flush=True)
    _empty_table()
    seed_seconds = _bench_service(args.rows)

    print(f"(b) raw COPY of the same {args.rows:,} rows…", flush=True)
    _empty_table()
    generate_seconds, copy_seconds, size = _bench_raw_copy(args.rows)
    _empty_table()

    seed_rps, copy_rps = args.rows / seed_seconds, args.rows / copy_seconds
    result = {
        "rows": args.rows,
        "seed": {"seconds": round(seed_seconds, 2), "rows_per_s": round(seed_rps)},
        "raw_copy": {
            "seconds": round(copy_seconds, 2),
            "rows_per_s": round(copy_rps),
            "generate_seconds_untimed": round(generate_seconds, 2),
            "megabytes": round(size / 1e6, 1),
        },
        "ratio_seed_to_raw_copy": round(seed_rps / copy_rps, 3),
        "copy_text_vs_write_row": None
        if text_rps is None
        else {
            "sample_rows": args.write_row_sample,
            "text_rows_per_s": round(text_rps),
            "write_row_rows_per_s": round(write_row_rps),
            "text_client_cpu_seconds": round(text_cpu, 2),
            "write_row_client_cpu_seconds": round(write_row_cpu, 2),
        },
        "machine": {
            "nproc": os.cpu_count(),
            "python": platform.python_version(),
            "postgresql": server_version,
            "database": "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded",
        },
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    print()
    print(f"{'':<32}{'seconds':>10}{'rows/s':>12}")
    print(f"{'enterprises_seed_synthetic':<32}{seed_seconds:>10.2f}{seed_rps:>12,.0f}")
    print(f"{'raw COPY (pre-generated)':<32}{copy_seconds:>10.2f}{copy_rps:>12,.0f}")
    print(
        f"ratio seed / raw COPY: {seed_rps / copy_rps:.0%}   (rows: {args.rows:,}, nproc: {os.cpu_count()})"
    )
    if text_rps:
        print(
            f"{args.write_row_sample:,} rows: text stream {text_rps:,.0f} rows/s ({text_cpu:.2f} s client CPU), "
            f"write_row {write_row_rps:,.0f} rows/s ({write_row_cpu:.2f} s client CPU)"
        )
    print(f"Written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
