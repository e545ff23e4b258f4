"""What the import tests share: the national penalty columns, rows as an agency's system exports
them, running an import, readers of its outcome, and what the mixed file holds."""

import csv
import datetime as dt
from dataclasses import asdict
from pathlib import Path

from registry.models import AuditEntry
from sanctions.models import CreditRecord, ImportBatch
from sanctions.records.importing.run import import_errors, import_start

DECIDED = dt.date.today() - dt.timedelta(days=30)
PENALTY_HEADERS = [
    "CF_XDR_MC",
    "CF_XDR_SHXYM",
    "CF_WSH",
    "CF_WFXW",
    "CF_YJ",
    "CF_CFLB",
    "CF_NR",
    "CF_NR_FK",
    "CF_JDRQ",
    "CF_GSJZQ",
    "CF_CFJG",
    "CF_CFJGDM",
    "CF_SJLY",
    "CF_SJLYDM",
    "内部编号",
]


def penalty_row(agency, party, number, **values) -> list[str]:
    """A row as an agency's system exports it, in PENALTY_HEADERS order; party is an enterprise or a code."""
    code, name = (party, "某某公司") if isinstance(party, str) else (party.uscc, party.name)
    row = {
        "CF_XDR_MC": name,
        "CF_XDR_SHXYM": code,
        "CF_WSH": number,
        "CF_WFXW": "虚假宣传",
        "CF_YJ": "《中华人民共和国反不正当竞争法》第二十条",
        "CF_CFLB": "罚款",
        "CF_NR": "罚款人民币五万元",
        "CF_NR_FK": "5",
        "CF_JDRQ": DECIDED.isoformat(),
        "CF_GSJZQ": "",
        "CF_CFJG": agency.name,
        "CF_CFJGDM": agency.uscc,
        "CF_SJLY": agency.name,
        "CF_SJLYDM": agency.uscc,
        "内部编号": "A-1",
    }
    row.update(values)
    return [row[h] for h in PENALTY_HEADERS]


def write_csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8-sig") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def run_import(capture, *, actor, agency, path: Path, submit: bool = False) -> ImportBatch:
    with capture(execute=True):
        batch = import_start(actor=actor, agency=agency, path=path, original_name=path.name, submit=submit)
    batch.refresh_from_db()
    return batch


def numbers(agency) -> list[str]:
    return sorted(CreditRecord.objects.filter(agency=agency).values_list("document_number", flat=True))


def errors_of(batch) -> list[dict]:
    return [asdict(error) for error in import_errors(batch)]


def audited(action: str = "record.import.draft") -> list[list]:
    """What the import's audit entries (one a chunk) name: [row, record id, document number, party USCC] each."""
    return [r for e in AuditEntry.objects.filter(action=action).order_by("id") for r in e.after["records"]]


def row_data(row: list[str]) -> dict[str, str]:
    """A row of PENALTY_HEADERS as a clerk would type it at the desk (the record the row would make)."""
    from sanctions.records.importing.files import header_map
    from sanctions.records.national_format import normalise_header

    fields = header_map()
    pairs = ((fields.get(normalise_header(h)), v) for h, v in zip(PENALTY_HEADERS, row, strict=True))
    return {name: value for name, value in pairs if name}


def bad_check(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


# What the mixed_file fixture holds: the numbers of its good rows, and the (row, column) of each bad cell.
MIXED_GOOD = ["杭市监罚〔2026〕1号", "杭市监罚〔2026〕2号", "杭市监罚〔2026〕3号"]
MIXED_ERRORS = [
    (3, "CF_XDR_SHXYM"),
    (4, "CF_XDR_SHXYM"),
    (5, "CF_CFLB"),
    (6, "CF_GSJZQ"),
    (7, "CF_NR_FK"),
    (9, "CF_WSH"),
    (10, "CF_WFXW"),
    (12, "CF_XDR_SHXYM"),
]
