"""Registration details in an import: shareholders, key personnel and branches, each from its own
file (CSV or XLSX) or from a sheet of the enterprise workbook.

Each file lists, for every enterprise it names (by USCC, in the enterprise file or registered
already), that enterprise's complete shareholders, key personnel or branches: what the file holds
replaces what is recorded, and what is recorded already is left alone, so that the same file
imported again changes nothing. Rows are cleaned with the services' rules
(``registry.details.validation``); an enterprise with a refused row in a file keeps what it had of
that kind (a partial list would drop good rows); with ``strict`` nothing at all is written. Every
change writes its change-history entry, and each enterprise changed one audit entry.
"""

# ruff: noqa: S608 - the SQL is assembled from this module's constants only

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.audit import PendingEntry, audit_write_many
from registry.cache import enterprise_changed
from registry.choices import ChangeItem
from registry.details.changes import personnel_json, shareholder_json
from registry.details.validation import clean_branch, clean_code, clean_person, clean_shareholder
from registry.models import Branch, Enterprise, EnterpriseChange, KeyPerson, Shareholder

from .cells import BadCell
from .cells import reason as bad_cell_reason
from .reading import _header_key, display, is_blank, open_rows
from .report import ImportReport, RowError
from .staging import STAGING

SHAREHOLDERS, PERSONNEL, BRANCHES = "shareholders", "personnel", "branches"
KINDS = (SHAREHOLDERS, PERSONNEL, BRANCHES)

# Headers as people write them (normalised like the enterprise file's) -> field, by kind.
# "enterprise" is the code of the enterprise the row belongs to.
_ENTERPRISE = {
    "企业统一社会信用代码": "enterprise",
    "统一社会信用代码": "enterprise",
    "社会信用代码": "enterprise",
    "enterprise_uscc": "enterprise",
    "enterprise": "enterprise",
    "uscc": "enterprise",
}
HEADERS: dict[str, dict[str, str]] = {
    SHAREHOLDERS: {
        **_ENTERPRISE,
        "股东名称": "name",
        "股东": "name",
        "发起人": "name",
        "出资人": "name",
        "投资人": "name",
        "name": "name",
        "shareholder": "name",
        "股东类型": "kind",
        "出资人类型": "kind",
        "kind": "kind",
        "股东统一社会信用代码": "uscc",
        "股东信用代码": "uscc",
        "shareholder_uscc": "uscc",
        "认缴出资额": "subscribed_amount",
        "认缴出资": "subscribed_amount",
        "subscribed_amount": "subscribed_amount",
        "认缴出资日期": "subscribed_on",
        "subscribed_on": "subscribed_on",
        "实缴出资额": "paid_in_amount",
        "实缴出资": "paid_in_amount",
        "paid_in_amount": "paid_in_amount",
        "实缴出资日期": "paid_in_on",
        "paid_in_on": "paid_in_on",
        "出资方式": "contribution_form",
        "contribution_form": "contribution_form",
    },
    PERSONNEL: {**_ENTERPRISE, "姓名": "name", "name": "name", "职务": "role", "role": "role"},
    BRANCHES: {
        **_ENTERPRISE,
        "分支机构统一社会信用代码": "uscc",
        "分支机构信用代码": "uscc",
        "branch_uscc": "uscc",
        "分支机构名称": "name",
        "名称": "name",
        "branch_name": "name",
        "name": "name",
        "登记机关": "registration_authority",
        "registration_authority": "registration_authority",
    },
}
REQUIRED = {
    SHAREHOLDERS: ("enterprise", "name", "kind"),
    PERSONNEL: ("enterprise", "name", "role"),
    BRANCHES: ("enterprise", "uscc", "name"),
}
# Sheets of the enterprise workbook read as detail files, by their names (normalised).
SHEET_NAMES = {
    "股东": SHAREHOLDERS,
    "股东及出资": SHAREHOLDERS,
    "shareholders": SHAREHOLDERS,
    "主要人员": PERSONNEL,
    "personnel": PERSONNEL,
    "分支机构": BRANCHES,
    "branches": BRANCHES,
}


def kind_label(kind: str) -> str:
    return {
        SHAREHOLDERS: _("shareholders"),
        PERSONNEL: _("key personnel"),
        BRANCHES: _("branches"),
    }[kind]


@dataclass(frozen=True)
class FileRowError(RowError):
    """A refused cell of a detail file: which file (or sheet), besides the row and column."""

    file: str = ""


@dataclass
class DetailSource:
    """Where one kind of detail is read: a file, or a sheet of a workbook."""

    kind: str
    path: Path
    sheet: str | None = None

    @property
    def label(self) -> str:
        return f"{self.path.name}[{self.sheet}]" if self.sheet else self.path.name


@dataclass
class DetailRows:
    """The cleaned rows of one source, by enterprise code, and the codes with a refused row."""

    source: DetailSource
    by_enterprise: dict[str, list[tuple[int, dict[str, Any]]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    refused: set[str] = field(default_factory=set)


def _rows(source: DetailSource) -> Iterator[list[Any]]:
    if source.sheet is None:
        rows, _total = open_rows(source.path)
        return rows
    from .xlsx.sheet import sheet_rows

    rows, _total = sheet_rows(source.path, sheet_name=source.sheet)
    return rows


def _map_header(source: DetailSource, cells: list[Any]) -> dict[str, int]:
    aliases = HEADERS[source.kind]
    by_field: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = aliases.get(_header_key(display(cell)))
        if name and name not in by_field:
            by_field[name] = index
    missing = [name for name in REQUIRED[source.kind] if name not in by_field]
    if missing:
        raise ValidationError(
            _(
                "%(file)s (%(kind)s) has no column for %(columns)s; the first row must hold the column headers."
            )
            % {"file": source.label, "kind": kind_label(source.kind), "columns": ", ".join(missing)}
        )
    return by_field


_CLEAN = {SHAREHOLDERS: clean_shareholder, PERSONNEL: clean_person, BRANCHES: clean_branch}


def _key(kind: str, cleaned: dict[str, Any]) -> tuple:
    if kind == SHAREHOLDERS:
        return (cleaned.get("name"),)
    if kind == PERSONNEL:
        return (cleaned.get("name"), cleaned.get("role"))
    return (cleaned.get("uscc"),)


def read_details(cursor, source: DetailSource, report: ImportReport) -> DetailRows:
    """Clean every row of a detail file; refused cells go to the report with the file, row and column."""
    found = DetailRows(source)
    headers: list[str] = []
    seen: dict[tuple, int] = {}
    today = timezone.localdate()
    with closing(_rows(source)) as rows:
        header = next(rows, None)
        if header is None:
            raise ValidationError(_("%(file)s is empty.") % {"file": source.label})
        by_field = _map_header(source, header)
        headers = [display(c).strip() for c in header]

        def error(rownum: int, name: str, value: Any, reason: str) -> None:
            column = headers[by_field[name]] if name in by_field else name
            report.add_error(FileRowError(rownum, column, display(value), reason, file=source.label))

        for rownum, cells in enumerate(rows, start=2):
            if all(is_blank(c) for c in cells):
                continue
            report.rows_read += 1
            raw = {name: (cells[i] if i < len(cells) else None) for name, i in by_field.items()}
            bad = [name for name, value in raw.items() if value.__class__ is BadCell]
            for name in bad:
                error(rownum, name, raw[name], bad_cell_reason(raw[name]))
            values = {name: value for name, value in raw.items() if name not in bad}
            try:
                code = clean_code(values.get("enterprise"))
            except ValueError as exc:
                error(rownum, "enterprise", values.get("enterprise"), str(exc))
                report.invalid += 1
                continue
            data = {
                name: value for name, value in values.items() if name != "enterprise" and not is_blank(value)
            }
            if source.kind == SHAREHOLDERS:
                cleaned, errors = _CLEAN[source.kind](data, today=today)
            else:
                cleaned, errors = _CLEAN[source.kind](data)
            if source.kind == BRANCHES and cleaned.get("uscc") == code:
                errors.setdefault("uscc", []).append(_("An enterprise cannot be its own branch."))
            key = (code, *_key(source.kind, cleaned))
            if not errors and key in seen:
                errors.setdefault("name" if source.kind != BRANCHES else "uscc", []).append(
                    _("The same entry for this enterprise already appears in row %(row)d.")
                    % {"row": seen[key]}
                )
            if errors or bad:
                report.invalid += 1
                found.refused.add(code)
                for name in sorted(errors, key=lambda n: by_field.get(n, -1)):
                    error(rownum, name, raw.get(name), " ".join(errors[name]))
                continue
            seen[key] = rownum
            found.by_enterprise[code].append((rownum, cleaned))
    _check_enterprises(cursor, found, report, by_field_header=headers[by_field["enterprise"]])
    return found


def _check_enterprises(cursor, found: DetailRows, report: ImportReport, *, by_field_header: str) -> None:
    """Every enterprise named must be registered already or be a good row of the enterprise file."""
    codes = list(found.by_enterprise)
    if not codes:
        return
    cursor.execute(
        f"""
        SELECT c FROM unnest(%s::text[]) c
        WHERE NOT EXISTS (SELECT 1 FROM registry_enterprise e WHERE e.uscc = c)
          AND NOT EXISTS (SELECT 1 FROM {STAGING} t WHERE t.uscc = c AND t.ok)
        """,
        [codes],
    )
    for (code,) in cursor.fetchall():
        found.refused.add(code)
        for rownum, _cleaned in found.by_enterprise.pop(code):
            report.invalid += 1
            report.add_error(
                FileRowError(
                    rownum,
                    by_field_header,
                    code,
                    _("No enterprise has this code, here or in the enterprise file."),
                    file=found.source.label,
                )
            )


# --- Writing ---------------------------------------------------------------------------------------


@dataclass
class _Pending:
    changes: list[EnterpriseChange] = field(default_factory=list)
    before: dict[int, dict[str, Any]] = field(default_factory=lambda: defaultdict(dict))
    after: dict[int, dict[str, Any]] = field(default_factory=lambda: defaultdict(dict))


def _apply_shareholders(ids: dict[str, int], rows: DetailRows, pending: _Pending, today: dt.date) -> None:
    current: dict[int, dict[str, Shareholder]] = defaultdict(dict)
    for holder in Shareholder.objects.filter(enterprise_id__in=ids.values()):
        current[holder.enterprise_id][holder.name] = holder
    create, update, delete = [], [], []
    for code, items in rows.by_enterprise.items():
        pk = ids[code]
        mine = current.get(pk, {})
        wanted = {cleaned["name"]: (position, cleaned) for position, (_r, cleaned) in enumerate(items)}
        for name, holder in mine.items():
            if name not in wanted:
                delete.append(holder.pk)
                pending.changes.append(
                    _change(pk, ChangeItem.SHAREHOLDER, shareholder_json(holder), None, today)
                )
        for name, (position, cleaned) in wanted.items():
            holder = mine.get(name)
            if holder is None:
                create.append(Shareholder(enterprise_id=pk, position=position, **cleaned))
                pending.changes.append(
                    _change(pk, ChangeItem.SHAREHOLDER, None, shareholder_json(cleaned), today)
                )
                continue
            before = shareholder_json(holder)
            after = shareholder_json(cleaned)
            if before != after or holder.position != position:
                for attr, value in cleaned.items():
                    setattr(holder, attr, value)
                holder.position = position
                update.append(holder)
                if before != after:
                    pending.changes.append(_change(pk, ChangeItem.SHAREHOLDER, before, after, today))
    if delete:
        Shareholder.objects.filter(pk__in=delete).delete()
    if update:
        Shareholder.objects.bulk_update(update, [*_SHAREHOLDER_COLUMNS, "position"])
    if create:
        Shareholder.objects.bulk_create(create)


_SHAREHOLDER_COLUMNS = (
    "kind",
    "uscc",
    "subscribed_amount",
    "subscribed_on",
    "paid_in_amount",
    "paid_in_on",
    "contribution_form",
)


def _apply_personnel(ids: dict[str, int], rows: DetailRows, pending: _Pending, today: dt.date) -> None:
    current: dict[int, list[KeyPerson]] = defaultdict(list)
    for person in KeyPerson.objects.filter(enterprise_id__in=ids.values()).order_by("position", "id"):
        current[person.enterprise_id].append(person)
    replace, create = [], []
    for code, items in rows.by_enterprise.items():
        pk = ids[code]
        before = personnel_json(current.get(pk, []))
        after = personnel_json([cleaned for _r, cleaned in items])
        if before != after:
            replace.append(pk)
            create += [KeyPerson(enterprise_id=pk, position=i, **p) for i, p in enumerate(after)]
            pending.changes.append(_change(pk, ChangeItem.PERSONNEL, before, after, today))
    if replace:
        KeyPerson.objects.filter(enterprise_id__in=replace).delete()
        KeyPerson.objects.bulk_create(create)


def _apply_branches(ids: dict[str, int], rows: DetailRows, pending: _Pending, today: dt.date) -> None:
    current: dict[int, dict[str, Branch]] = defaultdict(dict)
    for branch in Branch.objects.filter(parent_id__in=ids.values()):
        current[branch.parent_id][branch.uscc] = branch
    create, update, delete = [], [], []
    for code, items in rows.by_enterprise.items():
        pk = ids[code]
        mine = current.get(pk, {})
        wanted = {cleaned["uscc"]: cleaned for _r, cleaned in items}
        for uscc, branch in mine.items():
            if uscc not in wanted:
                delete.append(branch.pk)
                pending.changes.append(
                    _change(pk, ChangeItem.BRANCH, {"uscc": uscc, "name": branch.name}, None, today)
                )
        for uscc, cleaned in wanted.items():
            branch = mine.get(uscc)
            if branch is None:
                create.append(Branch(parent_id=pk, **cleaned))
                pending.changes.append(
                    _change(pk, ChangeItem.BRANCH, None, {"uscc": uscc, "name": cleaned["name"]}, today)
                )
            elif (branch.name, branch.registration_authority) != (
                cleaned["name"],
                cleaned["registration_authority"],
            ):
                before = {"uscc": uscc, "name": branch.name}
                branch.name, branch.registration_authority = (
                    cleaned["name"],
                    cleaned["registration_authority"],
                )
                update.append(branch)
                if before["name"] != branch.name:
                    pending.changes.append(
                        _change(pk, ChangeItem.BRANCH, before, {"uscc": uscc, "name": branch.name}, today)
                    )
    if delete:
        Branch.objects.filter(pk__in=delete).delete()
    if update:
        Branch.objects.bulk_update(update, ["name", "registration_authority"])
    if create:
        Branch.objects.bulk_create(create)


def _change(pk: int, item: str, before: Any, after: Any, today: dt.date) -> EnterpriseChange:
    return EnterpriseChange(enterprise_id=pk, item=item, before=before, after=after, changed_on=today)


_APPLY = {SHAREHOLDERS: _apply_shareholders, PERSONNEL: _apply_personnel, BRANCHES: _apply_branches}
_CHUNK = 5_000


def write_details(*, actor, found: list[DetailRows], report: ImportReport) -> None:
    """Write what each detail file changes, enterprise by enterprise, with the change history and one
    audit entry per enterprise changed."""
    today = timezone.localdate()
    pending = _Pending()
    for rows in found:
        for code in rows.refused:
            rows.by_enterprise.pop(code, None)
        codes = list(rows.by_enterprise)
        for start in range(0, len(codes), _CHUNK):
            part = codes[start : start + _CHUNK]
            ids = dict(Enterprise.objects.filter(uscc__in=part).values_list("uscc", "pk"))
            chunk = DetailRows(rows.source, {code: rows.by_enterprise[code] for code in part})
            _APPLY[rows.source.kind](ids, chunk, pending, today)
    if not pending.changes:
        return
    EnterpriseChange.objects.bulk_create(pending.changes)
    touched: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for change in pending.changes:
        touched[change.enterprise_id][change.item].append({"before": change.before, "after": change.after})
    names = dict(Enterprise.objects.filter(pk__in=touched).values_list("pk", "name"))
    codes = dict(Enterprise.objects.filter(pk__in=touched).values_list("pk", "uscc"))
    audit_write_many(
        PendingEntry(
            actor,
            "enterprise.import_details",
            "registry.enterprise",
            str(pk),
            f"{names[pk]} ({codes[pk]})",
            None,
            {item: entries for item, entries in items.items()},
        )
        for pk, items in sorted(touched.items())
    )
    enterprise_changed(list(touched))
    report.details_changed += len(pending.changes)
