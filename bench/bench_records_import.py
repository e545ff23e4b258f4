"""How fast a penalty file (CF_* headers) goes through ``import_start`` end to end, against raw COPY.

    .venv/bin/python -m bench.bench_records_import [--rows N] [--enterprises M]

On a database of its own (never the dev data): seeds M enterprises by COPY, generates an N-row
penalty CSV that refers to them, then times in one run (a) the import end to end, eager (reading,
``clean_record`` on every row, publicity, COPY of records and history events, an audit entry a chunk),
(a2) a copy of the file with another checksum (every row already present), and (b) a raw COPY
of the same records, already cleaned, into the emptied ``sanctions_creditrecord``. Writes
``bench/results/records_import.json``.
"""

from __future__ import annotations

import argparse
import concurrent.futures as futures
import csv
import datetime as dt
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bench._db import use_bench_database

RECORDS_BENCH_DATABASE = "credit_registry_records_bench"
RESULTS = Path(__file__).resolve().parent / "results" / "records_import.json"
AGENCY_NAME = "杭州市市场监督管理局（基准测试）"
HEADERS = [
    "CF_XDR_MC",
    "CF_XDR_LB",
    "CF_XDR_SHXYM",
    "CF_FRDB",
    "CF_FR_ZJLX",
    "CF_FR_ZJHM",
    "CF_WSH",
    "CF_WFXW",
    "CF_SY",
    "CF_YJ",
    "CF_CFLB",
    "CF_NR",
    "CF_NR_FK",
    "CF_NR_WFFF",
    "CF_JDRQ",
    "CF_GSJZQ",
    "CF_CFJG",
    "CF_CFJGDM",
    "CF_SJLY",
    "CF_SJLYDM",
    "CF_SYFW",
    "CF_YZCD",
    "BZ",
]
VIOLATIONS = [
    ("虚假宣传", "《中华人民共和国反不正当竞争法》第二十条"),
    ("销售不合格产品", "《中华人民共和国产品质量法》第四十九条"),
    ("未按规定公示年度报告", "《企业信息公示暂行条例》第十八条"),
    ("无照经营", "《无证无照经营查处办法》第十三条"),
    ("价格违法", "《中华人民共和国价格法》第四十条"),
]
# (CF_CFLB as agencies write it, has a fine, weight)
CATEGORIES = [
    ("罚款", True, 50),
    ("警告", False, 20),
    ("警告;罚款", True, 10),
    ("confiscation;fine", True, 10),
    ("暂扣许可证件;罚款", True, 5),
    ("通报批评", False, 5),
]
SEVERITIES = [("一般", 90), ("严重", 8), ("轻微", 2)]


def _weighted(rng: random.Random, items: list[tuple]):
    """One item (without its weight, the last element) chosen by weight."""
    choice = rng.choices(items, weights=[i[-1] for i in items])[0][:-1]
    return choice if len(choice) > 1 else choice[0]


def write_file(path: Path, *, rows: int, codes: list[tuple[str, str]], agency, seed: int = 20260601) -> None:
    rng = random.Random(seed)
    today = dt.date.today()
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for n in range(rows):
            code, name = codes[rng.randrange(len(codes))]
            violation, basis = rng.choice(VIOLATIONS)
            category, has_fine = _weighted(rng, CATEGORIES)
            fine = f"{rng.randrange(1, 2000) / 100:.2f}" if has_fine else ""
            decided = today - dt.timedelta(days=rng.randrange(1, 366))
            writer.writerow(
                [
                    name,
                    "法人及非法人组织",
                    code,
                    "王小明",
                    "身份证",
                    "330106199001011234",
                    f"杭市监罚〔{decided.year}〕{n + 1}号",
                    violation,
                    f"经查，当事人{violation}，事实清楚。",
                    basis,
                    category,
                    f"{category}{'，罚款' + fine + '万元' if fine else ''}",
                    fine,
                    "",
                    decided.isoformat(),
                    "",
                    agency.name,
                    agency.uscc,
                    agency.name,
                    agency.uscc,
                    "0",
                    _weighted(rng, SEVERITIES),
                    "",
                ]
            )


def seed(enterprises: int):
    """An agency, one of its clerks, and the enterprises by COPY; returns (agency, clerk, [(code, name)])."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.bench_import import _organization
    from registry.choices import AgencyLevel, StaffRoleKind
    from registry.models import Agency, Division, Enterprise, StaffRole
    from registry.uscc import make_code

    assert connection.settings_dict["NAME"].endswith("_bench"), connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE sanctions_recordevent, sanctions_creditrecord, sanctions_importbatch, registry_auditentry, "
            "registry_enterprise RESTART IDENTITY CASCADE"
        )
    agency, _created = Agency.objects.get_or_create(
        name=AGENCY_NAME,
        defaults={
            "uscc": make_code(authority="1", category="1", division="330100", organization="00BENCH1"),
            "level": AgencyLevel.MUNICIPAL,
            "division": Division.objects.get(code="330000"),
        },
    )
    clerk, _created = get_user_model().objects.get_or_create(username="bench_clerk")
    StaffRole.objects.get_or_create(user=clerk, agency=agency, role=StaffRoleKind.CLERK)
    codes = []
    now = timezone.now()
    # Columns from the model (defaults for the ones a bench does not care about), so that a new column
    # with a default does not break the seeding.
    fields = [
        f
        for f in Enterprise._meta.concrete_fields
        if not getattr(f, "generated", False) and not f.primary_key
    ]
    template = {f.attname: f.get_default() for f in fields}
    template.update(
        entity_type="llc",
        status="in_operation",
        legal_representative="王小明",
        division_code="330106",
        industry="I",
        is_legacy_code=False,
        source="import",
        created_at=now,
        updated_at=now,
    )
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.copy(f"COPY registry_enterprise ({', '.join(f.column for f in fields)}) FROM STDIN") as copy,
    ):
        for n in range(enterprises):
            code = make_code(authority="9", category="1", division="330106", organization=_organization(n))
            name = f"杭州西湖基准{n}号科技有限公司"
            codes.append((code, name))
            values = {**template, "uscc": code, "name": name}
            copy.write_row([values[f.attname] for f in fields])
    return agency, clerk, codes


def raw_copy() -> tuple[int, float]:
    """COPY the imported records again, already cleaned, into the emptied table."""
    from django.db import connection, transaction

    from sanctions.models import CreditRecord

    columns = [f.column for f in CreditRecord._meta.concrete_fields if not getattr(f, "generated", False)]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM sanctions_creditrecord ORDER BY id")
        rows = cursor.fetchall()
        cursor.execute("TRUNCATE sanctions_recordevent, sanctions_creditrecord RESTART IDENTITY CASCADE")
    started = time.perf_counter()
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.copy(f"COPY sanctions_creditrecord ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
    return len(rows), time.perf_counter() - started


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--enterprises", type=int, default=20_000)
    args = parser.parse_args(argv)

    os.environ.pop("REDIS_URL", None)  # eager: the import runs in this process, as timed
    database = use_bench_database(RECORDS_BENCH_DATABASE)
    from django.db import connection

    from registry.audit import audit_verify
    from registry.models import AuditEntry
    from sanctions.models import CreditRecord, RecordEvent
    from sanctions.records.importing import chunks, files
    from sanctions.records.importing.run import import_errors, import_start

    timings: dict[str, float] = defaultdict(float)

    def timed(name, fn):
        def wrapper(*a, **kw):
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                return fn(*a, **kw)
            finally:
                timings[name] += time.perf_counter() - started
                timings[f"{name}_cpu"] += time.thread_time() - cpu

        return wrapper

    # Phase timings for the report (the bench's own instrumentation, not the product's). The
    # helper thread cleans the next chunk (clean_ahead) while the main thread writes one; CPU times
    # are per thread. "clean_wait" is the main thread waiting for the helper.
    files.scan = timed("scan", files.scan)
    for name in ("prepare", "clean_ahead", "finish", "write"):
        setattr(chunks.ChunkImporter, name, timed(name, getattr(chunks.ChunkImporter, name)))
    futures.Future.result = timed("clean_wait", futures.Future.result)

    started = time.perf_counter()
    agency, clerk, codes = seed(args.enterprises)
    print(
        f"{args.enterprises:,} enterprises seeded in {time.perf_counter() - started:.1f} s", file=sys.stderr
    )
    with tempfile.TemporaryDirectory(prefix="bench_records_") as tmp:
        from django.test import override_settings

        path = Path(tmp) / "penalties.csv"
        started = time.perf_counter()
        write_file(path, rows=args.rows, codes=codes, agency=agency)
        size = path.stat().st_size
        print(
            f"{args.rows:,} rows, {size / 1e6:.1f} MB CSV generated in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        with override_settings(MEDIA_ROOT=Path(tmp) / "media"):
            _checkpoint()
            server_cpu, machine = _server_cpu_seconds(), _machine_seconds()
            started, cpu = time.perf_counter(), time.process_time()
            batch = import_start(actor=clerk, agency=agency, path=path, original_name=path.name)
            seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
            server_cpu = _difference(_server_cpu_seconds(), server_cpu)
            busy, idle = [round(b - a, 1) for a, b in zip(machine, _machine_seconds(), strict=True)]
            batch.refresh_from_db()
            assert batch.status == "done", (batch.status, batch.message)
            assert (batch.created_count, batch.error_count) == (args.rows, 0), (
                batch.created_count,
                import_errors(batch, limit=3),
            )
            assert CreditRecord.objects.count() == RecordEvent.objects.count() == args.rows
            audited = AuditEntry.objects.filter(action="record.import.draft").values_list("after", flat=True)
            assert sum(len(after["records"]) for after in audited) == args.rows
            phases = dict(timings)
            assert audit_verify().ok  # the chain holds (checked after the timing)

            with open(path, "a", encoding="utf-8") as handle:
                handle.write("\n")  # another checksum, the same rows
            started = time.perf_counter()
            again = import_start(actor=clerk, agency=agency, path=path, original_name="again.csv")
            again_seconds = time.perf_counter() - started
            again.refresh_from_db()
            assert again.pk != batch.pk and again.unchanged_count == args.rows and again.created_count == 0
            assert CreditRecord.objects.count() == args.rows

    _checkpoint()
    copied, copy_seconds = raw_copy()
    assert copied == args.rows
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
    result = {
        "benchmark": "import_records",
        "rows": args.rows,
        "enterprises": args.enterprises,
        "file_bytes": size,
        "import": {
            "seconds": round(seconds, 3),
            "rows_per_s": round(args.rows / seconds),
            "python_cpu_seconds": round(cpu_seconds, 3),
            "scan_seconds": round(phases.get("scan", 0), 3),
            "prepare_seconds": round(phases.get("prepare", 0), 3),
            "clean_ahead_seconds_helper_thread": round(phases.get("clean_ahead", 0), 3),
            "clean_ahead_python_cpu_seconds": round(phases.get("clean_ahead_cpu", 0), 3),
            "clean_wait_seconds": round(phases.get("clean_wait", 0), 3),
            "finish_seconds": round(phases.get("finish", 0), 3),
            "write_seconds": round(phases.get("write", 0), 3),
            "write_python_cpu_seconds": round(phases.get("write_cpu", 0), 3),
            "distinct_publicity_inputs": distinct_publicity_inputs(),
            # The import's PostgreSQL process (embedded or local server), and the whole machine's
            # cores: busy (any process) and idle core-seconds over the import.
            "server_process_cpu_seconds": server_cpu,
            "machine_busy_core_seconds": busy,
            "machine_idle_core_seconds": idle,
        },
        "reimport_all_present": {
            "seconds": round(again_seconds, 3),
            "rows_per_s": round(args.rows / again_seconds),
        },
        "raw_copy": {"seconds": round(copy_seconds, 3), "rows_per_s": round(args.rows / copy_seconds)},
        "import_vs_raw_copy": round(copy_seconds / seconds, 3),
        "goal_rows_per_s": 10_000,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "database": database,
        "server": "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded",
        "postgresql": server_version,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    imp = result["import"]
    print(
        f"import end to end (clean_record + publicity + COPY + history + audit): {imp['rows_per_s']:,} rows/s "
        f"({seconds:.1f} s, Python CPU {cpu_seconds:.1f} s in two threads; main thread: scan {imp['scan_seconds']:.1f} s, "
        f"prepare {imp['prepare_seconds']:.1f} s, waiting for the cleaning {imp['clean_wait_seconds']:.1f} s, "
        f"finish {imp['finish_seconds']:.1f} s, write {imp['write_seconds']:.1f} s "
        f"(Python CPU {imp['write_python_cpu_seconds']:.1f} s); helper thread: clean "
        f"{imp['clean_ahead_seconds_helper_thread']:.1f} s (CPU {imp['clean_ahead_python_cpu_seconds']:.1f} s); "
        f"PostgreSQL process CPU {imp['server_process_cpu_seconds']} s; machine busy {busy} core-s, idle {idle})\n"
        f"same rows again, all already present: {result['reimport_all_present']['rows_per_s']:,} rows/s\n"
        f"raw COPY of the cleaned records:      {result['raw_copy']['rows_per_s']:,} rows/s ({copy_seconds:.1f} s)\n"
        f"written to {RESULTS}"
    )
    return result


def _checkpoint() -> None:
    """Write out what the seeding left in the server's memory, so that a checkpoint due to it does not
    fall inside a timed run (where it would slow down whichever run it met)."""
    from django.db import DatabaseError, connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError:  # not allowed for this user: measured as it comes
        pass


def _server_cpu_seconds() -> float | None:
    """CPU time of this connection's PostgreSQL process so far, if the server runs on this machine."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _machine_seconds() -> tuple[float, float]:
    """(busy, idle) core-seconds of the whole machine so far (/proc/stat; iowait counts as idle)."""
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            ticks = [int(t) for t in handle.readline().split()[1:]]
    except OSError:
        return 0.0, 0.0
    idle = ticks[3] + ticks[4]
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK"), idle / os.sysconf("SC_CLK_TCK")


def _difference(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else round(after - before, 1)


def distinct_publicity_inputs() -> int:
    """How many times the import computed publicity: its cache keys (the rules have no fine threshold)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT DISTINCT decision_date, penalty_categories, severity, "
            "regulatory_field FROM sanctions_creditrecord) d"
        )
        return cursor.fetchone()[0]


if __name__ == "__main__":
    main()
