"""How long the open data export takes, and how much memory it needs, as the registry grows.

    .venv/bin/python -m bench.bench_export [--sizes 100000,1000000] [--records-per-enterprise 3]
    .venv/bin/python -m bench.bench_export --reuse credit_registry_10m_bench [--days 1]

For each size N (enterprises; N × 3 published, public records, as ``bench_portal`` seeds them): a
database of its own (``credit_registry_export_<N>_bench``; for 1,000,000 the portal bench's
``credit_registry_portal_bench``, which ``make bench`` has seeded the same way just before), seeded
with what is missing. Then, each in a child process of its own, two runs of ``open_data_export``
into a temporary folder: the first day (full files only) and the next day (full files and the delta
against the first). The child's peak resident memory is read from the kernel (``wait4``'s
``ru_maxrss``), its time from the clock: if the export streams, the peak stays the same whatever N.
Results go to ``bench/results/export.json``. ``--reuse DB`` times the export of a bench database seeded
otherwise (``make bench-10m``'s ten million enterprises), without seeding it; its figures go to the same
file under ``reused``. ``EXPORT_BENCH_DIR``: where the files are written (a temporary folder in it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "export.json"
ROOT = Path(__file__).resolve().parent.parent
PORTAL_DB = "credit_registry_portal_bench"
PORTAL_SIZE = 1_000_000


def database_for(size: int) -> str:
    return PORTAL_DB if size == PORTAL_SIZE else f"credit_registry_export_{size}_bench"


def _child(args: list[str]) -> tuple[int, dict, float, int, float]:
    """Run this module in a child process; (exit status, its JSON output, seconds, peak RSS in KiB,
    CPU seconds of the child: user and system, all its threads)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.bench_export", *args], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    lines = [line for line in output.splitlines() if line.startswith("{")]
    cpu = usage.ru_utime + usage.ru_stime
    return process.returncode, json.loads(lines[-1]) if lines else {}, seconds, usage.ru_maxrss, cpu


# --- In the child -------------------------------------------------------------------------------------


def _seed(db: str, enterprises: int, records: int) -> dict:
    from bench._db import use_bench_database

    use_bench_database(name=db)
    from bench.bench_portal import _seed_enterprises, _seed_records
    from registry.models import Enterprise
    from sanctions.models import CreditRecord

    _seed_enterprises(enterprises)
    _seed_records(records)
    return {"enterprises": Enterprise.objects.count(), "records": CreditRecord.objects.count()}


def _export(db: str, out: str, date: str) -> dict:
    from bench._db import use_bench_database

    use_bench_database(name=db, migrate=False)
    from lookup.opendata.export import open_data_export

    started = time.perf_counter()
    result = open_data_export(date=dt.date.fromisoformat(date), out=out)
    seconds = time.perf_counter() - started
    files = result.manifest["files"]
    return {
        "seconds": round(seconds, 2),
        "rows": {name: d["rows"] for name, d in result.manifest["datasets"].items()},
        "delta_rows": sum(f["rows"] for f in files if f["kind"] == "delta" and f["format"] == "jsonl"),
        "bytes_full": sum(f["bytes"] for f in files if f["kind"] == "full"),
        "bytes_all": sum(f["bytes"] for f in files),
    }


# --- In the parent ------------------------------------------------------------------------------------


def _measure(size: int, per_enterprise: int) -> dict:
    db = database_for(size)
    status, seeded, seed_seconds, _, _ = _child(
        ["--child", "seed", "--db", db, "--enterprises", str(size), "--records", str(size * per_enterprise)]
    )
    if status != 0:
        sys.exit(f"seeding {db} failed (exit status {status})")
    print(f"{db}: {seeded} ready in {seed_seconds:.0f} s", flush=True)
    return {"database": db, "data": seeded, "seed_seconds": round(seed_seconds, 1), **_runs(db)}


def _runs(db: str, *, days: int = 2) -> dict:
    """The first day's export of ``db`` and, with ``days=2``, the next day's with its delta."""
    runs = {}
    with tempfile.TemporaryDirectory(prefix="export-bench-", dir=os.environ.get("EXPORT_BENCH_DIR")) as out:
        today = dt.date.today()
        for name, day in (("first_day", today - dt.timedelta(days=1)), ("next_day_with_delta", today))[:days]:
            status, report, seconds, peak_kib, cpu = _child(
                ["--child", "export", "--db", db, "--out", out, "--date", day.isoformat()]
            )
            if status != 0:
                sys.exit(f"the export in {db} failed (exit status {status})")
            rows = sum(report["rows"].values())
            runs[name] = {
                **report,
                "process_seconds": round(seconds, 2),
                "peak_rss_mib": round(peak_kib / 1024, 1),
                "rows_per_second": round(rows / report["seconds"]) if report["seconds"] else None,
                # On a shared machine the clock says more about the others' load than about the
                # export: the CPU time it used is the figure that compares between runs.
                "process_cpu_seconds": round(cpu, 2),
                "rows_per_cpu_second": round(rows / cpu) if cpu else None,
                "load_average_1_min": round(os.getloadavg()[0], 2),
            }
            print(
                f"  {name}: {report['seconds']:.1f} s ({cpu:.1f} s CPU), {rows} rows, "
                f"peak RSS {peak_kib / 1024:.0f} MiB, "
                f"{report['bytes_all'] / 1e6:.1f} MB written",
                flush=True,
            )
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=f"100000,{PORTAL_SIZE}", help="enterprises, comma-separated")
    parser.add_argument("--records-per-enterprise", type=int, default=3)
    parser.add_argument(
        "--reuse",
        metavar="DB",
        help="time the export of an existing bench database instead (such as make bench-10m's "
        "credit_registry_10m_bench), unseeded; added to the results under 'reused'",
    )
    parser.add_argument(
        "--days", type=int, choices=[1, 2], default=2, help="with --reuse: 1, the first day only"
    )
    parser.add_argument("--child", choices=["seed", "export"], help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--enterprises", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--records", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--date", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "seed":
        print(json.dumps(_seed(args.db, args.enterprises, args.records)))
        return
    if args.child == "export":
        print(json.dumps(_export(args.db, args.out, args.date)))
        return

    if args.reuse:
        _reuse(args.reuse, args.days)
        return
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    measured = {str(size): _measure(size, args.records_per_enterprise) for size in sizes}
    peaks = [m["next_day_with_delta"]["peak_rss_mib"] for m in measured.values()]
    result = {
        "bench": "export",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_1_5_15_min": [round(x, 2) for x in os.getloadavg()],
        },
        "what": "open_data_export (lookup/opendata/export/) in a child process per run: all six datasets "
        "as CSV and JSON Lines (gzip), the row digests, the signed manifest; the next day's run also "
        "merges the previous digests into the delta. Peak RSS and CPU time (user + system, all threads) "
        "of the child, from wait4.",
        "sizes": measured,
        # Flat: the largest size's peak over the smallest's (1.0 = the same memory whatever the size).
        "peak_rss_ratio_largest_to_smallest": round(peaks[-1] / peaks[0], 3) if len(peaks) > 1 else None,
    }
    if RESULTS.exists():  # a database measured with --reuse keeps its figures
        result["reused"] = json.loads(RESULTS.read_text()).get("reused", {})
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"Results: {RESULTS}")


def _reuse(db: str, days: int) -> None:
    """The export of an existing bench database, added to the results (the sizes measured before kept)."""
    if not db.endswith("_bench"):
        sys.exit("a bench database name ends with _bench")
    runs = _runs(db, days=days)
    first = runs["first_day"]
    result = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"bench": "export"}
    result.setdefault("reused", {})[db] = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_average_1_5_15_min": [round(x, 2) for x in os.getloadavg()],
        "data": {"enterprises": first["rows"]["enterprises"], "penalties": first["rows"]["penalties"]},
        **runs,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"Results: {RESULTS}")


if __name__ == "__main__":
    main()
