"""How fast ``enterprise_import`` loads a registration file, against PostgreSQL's own COPY.

    .venv/bin/python -m bench.bench_import [--rows N]

Generates an N-row CSV (valid codes, realistic Chinese fields) in a temporary directory, then on
the bench database (never the dev data) times: (a) the import end to end into an empty table
(reading, validation, upsert, audit), (a2) the same file again (nothing changes), and (b) a raw
binary COPY of the same rows, already cleaned, into the emptied table. Writes
``bench/results/import_enterprises.json``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from bench._db import use_bench_database

# Its own database: bench_seed empties credit_registry_bench, and the two may run at the same time.
IMPORT_BENCH_DATABASE = "credit_registry_import_bench"
RESULTS = Path(__file__).resolve().parent / "results" / "import_enterprises.json"

DIVISIONS = {
    "110105": ("北京市朝阳区", "北京市朝阳区市场监督管理局"),
    "310115": ("上海市浦东新区", "上海市浦东新区市场监督管理局"),
    "440305": ("广东省深圳市南山区", "深圳市市场监督管理局南山监管局"),
    "330106": ("浙江省杭州市西湖区", "杭州市西湖区市场监督管理局"),
    "510107": ("四川省成都市武侯区", "成都市武侯区市场监督管理局"),
    "320102": ("江苏省南京市玄武区", "南京市玄武区市场监督管理局"),
}
WORDS = [
    "华信",
    "恒通",
    "宏达",
    "鼎盛",
    "博远",
    "中科",
    "金石",
    "天成",
    "瑞丰",
    "永安",
    "新锐",
    "汇智",
    "联创",
    "明德",
    "卓越",
    "嘉禾",
    "东方",
    "星海",
]
TRADES = [
    ("科技", "I", "信息传输、软件和信息技术服务业"),
    ("贸易", "F", "批发和零售业"),
    ("建设工程", "E", "建筑业"),
    ("餐饮管理", "H", "住宿和餐饮业"),
    ("物流", "G", "交通运输、仓储和邮政业"),
    ("机械制造", "C", "制造业"),
    ("咨询服务", "L", "租赁和商务服务业"),
]
TYPES = [
    ("有限责任公司（自然人投资或控股）", "llc"),
    ("有限责任公司（法人独资）", "llc"),
    ("股份有限公司（非上市）", "joint_stock"),
    ("个人独资企业", "sole_proprietorship"),
    ("有限合伙企业", "partnership"),
]
STATUSES = [("存续", "in_operation")] * 6 + [
    ("在业", "in_operation"),
    ("注销", "deregistered"),
    ("吊销，未注销", "revoked"),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
HEADERS = [
    "统一社会信用代码",
    "企业名称",
    "企业类型",
    "登记状态",
    "法定代表人",
    "注册资本（万元）",
    "成立日期",
    "住所",
    "登记机关",
    "行业门类",
    "曾用名",
]
ENTERPRISE_COLUMNS = [
    "uscc",
    "name",
    "entity_type",
    "status",
    "legal_representative",
    "registered_capital",
    "established_on",
    "domicile",
    "registration_authority",
    "division_code",
    "industry",
    "registration_number",
    "organization_code",
    "tax_number",
    "is_legacy_code",
    "legacy_reason",
    "source",
    "created_at",
    "updated_at",
]


def _organization(n: int) -> str:
    from registry.uscc import ALPHABET

    chars = []
    for _ in range(6):
        n, r = divmod(n, len(ALPHABET))
        chars.append(ALPHABET[r])
    return "MA" + "".join(reversed(chars))


def generate(rows: int, seed: int = 20240601) -> Iterator[tuple[list[str], dict]]:
    """(CSV cells as a registration office exports them, the same enterprise as stored)."""
    from registry.uscc import make_code

    rng = random.Random(seed)
    divisions = list(DIVISIONS)
    for n in range(rows):
        division = divisions[n % len(divisions)]
        place, authority = DIVISIONS[division]
        code = make_code(authority="9", category="1", division=division, organization=_organization(n))
        trade, industry, industry_label = rng.choice(TRADES)
        name = f"{place[-3:]}{rng.choice(WORDS)}{rng.choice(WORDS)}{trade}有限公司{n}"
        type_label, entity_type = rng.choice(TYPES)
        status_label, status = rng.choice(STATUSES)
        person = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", rng.choice(GIVEN)])
        capital = Decimal(rng.choice([10, 50, 100, 200, 500, 1000, 3000])) + Decimal(rng.randrange(100)) / 4
        founded = dt.date(1995, 1, 1) + dt.timedelta(days=rng.randrange(10_000))
        domicile = f"{place}{rng.choice(WORDS)}路{rng.randrange(1, 999)}号"
        former = f"{place[-3:]}{rng.choice(WORDS)}{trade}厂{n}" if rng.random() < 0.1 else ""
        cells = [
            code if n % 3 else f"{code[:2]} {code[2:8]} {code[8:]}",
            name,
            type_label,
            status_label,
            person,
            f"{capital}万元" if n % 2 else str(capital),
            f"{founded.year}年{founded.month}月{founded.day}日" if n % 4 == 0 else founded.isoformat(),
            domicile,
            authority,
            industry if n % 2 else industry_label,
            former,
        ]
        stored = {
            "uscc": code,
            "name": name,
            "entity_type": entity_type,
            "status": status,
            "legal_representative": person,
            "registered_capital": capital.quantize(Decimal("0.0001")),
            "established_on": founded,
            "domicile": domicile,
            "registration_authority": authority,
            "division_code": division,
            "industry": industry,
        }
        yield cells, stored


def write_file(path: Path, rows: int) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for cells, _stored in generate(rows):
            writer.writerow(cells)


def empty_tables() -> None:
    from django.db import connection

    # The bench database only: refuse anything else, whatever the settings say.
    assert connection.settings_dict["NAME"].endswith("_bench"), connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE registry_enterpriseformername, registry_enterprise, registry_auditentry RESTART IDENTITY CASCADE"
        )


def raw_copy(rows: int) -> float:
    from django.db import connection, transaction
    from django.utils import timezone

    from registry.search import search_fields

    now = timezone.now()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        # The same stored rows as the import writes, search columns included (text COPY: tsvector).
        columns = [*ENTERPRISE_COLUMNS, "search_name", "search_vector", "search_pinyin"]
        copy_sql = f"COPY registry_enterprise ({', '.join(columns)}) FROM STDIN"
        with cursor.copy(copy_sql) as copy:
            for _cells, s in generate(rows):
                search = search_fields(s["name"])
                copy.write_row(
                    [
                        s["uscc"],
                        s["name"],
                        s["entity_type"],
                        s["status"],
                        s["legal_representative"],
                        s["registered_capital"],
                        s["established_on"],
                        s["domicile"],
                        s["registration_authority"],
                        s["division_code"],
                        s["industry"],
                        "",
                        "",
                        "",
                        False,
                        "",
                        "import",
                        now,
                        now,
                        search["search_name"],
                        search["search_vector"],
                        search["search_pinyin"],
                    ]
                )
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args(argv)

    database = use_bench_database(IMPORT_BENCH_DATABASE)
    from django.db import connection

    from registry.importing import enterprise_import
    from registry.models import AuditEntry, Enterprise
    from registry.services import system_actor

    actor = system_actor()
    with tempfile.TemporaryDirectory(prefix="bench_import_") as tmp:
        path = Path(tmp) / "enterprises.csv"
        started = time.perf_counter()
        write_file(path, args.rows)
        generated = time.perf_counter() - started
        size = path.stat().st_size
        print(f"{args.rows:,} rows, {size / 1e6:.1f} MB CSV generated in {generated:.1f} s", file=sys.stderr)

        empty_tables()
        report = enterprise_import(actor=actor, path=path)
        assert report.invalid == 0 and report.created == args.rows, report.summary()
        assert AuditEntry.objects.count() == args.rows
        first = report.timings

        again = enterprise_import(actor=actor, path=path)
        assert again.unchanged == args.rows and AuditEntry.objects.count() == args.rows, again.summary()

    empty_tables()
    copy_seconds = raw_copy(args.rows)
    assert Enterprise.objects.count() == args.rows
    empty_tables()

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
    result = {
        "benchmark": "import_enterprises",
        "rows": args.rows,
        "file_bytes": size,
        "import": {
            "seconds": round(first["total"], 3),
            "rows_per_s": round(args.rows / first["total"]),
            "validate_seconds": round(first["validate"], 3),
            "write_seconds": round(first["write"], 3),
        },
        "reimport_unchanged": {
            "seconds": round(again.timings["total"], 3),
            "rows_per_s": round(args.rows / again.timings["total"]),
        },
        "raw_copy": {"seconds": round(copy_seconds, 3), "rows_per_s": round(args.rows / copy_seconds)},
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
    print(
        f"import (validate + upsert + audit): {result['import']['rows_per_s']:,} rows/s "
        f"({first['total']:.1f} s: validate {first['validate']:.1f} s, write {first['write']:.1f} s)\n"
        f"re-import, nothing changed:        {result['reimport_unchanged']['rows_per_s']:,} rows/s\n"
        f"raw COPY of cleaned rows:          {result['raw_copy']['rows_per_s']:,} rows/s ({copy_seconds:.1f} s)\n"
        f"written to {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}"
    )
    return result


if __name__ == "__main__":
    main()
