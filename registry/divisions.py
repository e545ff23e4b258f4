"""Administrative divisions (GB/T 2260) from python-stdnum's maintained table, with validity years.

stdnum's ``cn/loc.dat`` lists, for each province, every four-digit prefecture and county code,
with the years each name was in use (``[1983-2019]桥东区,[2020-]襄都区``). This turns it into one
row per six-digit code: the latest name, the years the code was in use, and its earlier names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources

_ENTRY = re.compile(r"^\[(?P<start>\d{4})?-(?P<end>\d{4})?\](?P<name>.+)$")
_LINE = re.compile(r'^(?P<indent>\s*)(?P<code>\d+)\s+(?P<key>province|county)="(?P<value>[^"]*)"$')


@dataclass
class DivisionRow:
    code: str
    name: str
    full_name: str
    level: str
    valid_from: int | None
    valid_until: int | None
    history: list[dict] = field(default_factory=list)


def _parse_names(value: str) -> list[tuple[str, int | None, int | None]]:
    names = []
    for part in value.split(","):
        match = _ENTRY.match(part)
        if match:
            start, end = match["start"], match["end"]
            names.append((match["name"], int(start) if start else None, int(end) if end else None))
        else:
            names.append((part, None, None))
    return names


def load_rows() -> list[DivisionRow]:
    text = resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    raw: dict[str, list[tuple[str, int | None, int | None]]] = {}
    province = ""
    for line in text.splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        if match["key"] == "province":
            province = match["code"]
            raw[province + "0000"] = [(match["value"], None, None)]
        else:
            code = province + match["code"]
            if code.endswith("0000"):
                continue  # the province itself, already named
            raw[code] = _parse_names(match["value"])
    rows = []
    for code, names in sorted(raw.items()):
        latest = names[-1]
        starts = [n[1] for n in names]
        level = "province" if code.endswith("0000") else "prefecture" if code.endswith("00") else "county"
        rows.append(
            DivisionRow(
                code=code,
                name=latest[0],
                full_name="",
                level=level,
                valid_from=None if None in starts else min(starts),
                valid_until=latest[2],
                history=[{"name": n, "from": s, "until": e} for n, s, e in names[:-1]],
            )
        )
    by_code = {row.code: row for row in rows}
    for row in rows:
        parts = [by_code[row.code[:2] + "0000"].name]
        prefecture = by_code.get(row.code[:4] + "00")
        if (
            row.level != "province"
            and prefecture
            and prefecture.name not in {"市辖区", "县"}
            and "直辖" not in prefecture.name
        ):
            parts.append(prefecture.name)
        if row.level == "county" and row.name != "市辖区":
            parts.append(row.name)
        row.full_name = "".join(dict.fromkeys(parts))
    return rows
