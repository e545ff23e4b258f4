"""What each open data file holds: its columns, its identifiers, and its rows, streamed in key order.

What is public is decided by the portal's own selectors (``public_records``, ``active_listings``,
``rating_current_filter``) and presented by its own masking (``public_record_fields``,
``public_listing_fields``): a row of a file is what the public API shows for the same record or
listing, never a copy of the rules. Records are written in the national "double publicity" field
codes (CF_* for penalties and rewards, XK_* for licences; ``sanctions.records.national_format``); a
field the national format has no code for keeps the API's name (``record_key``, ``agency_name`` …).

Rows come from server-side cursors (``QuerySet.iterator(chunk_size=…)``) in the order of a key
that never changes for the same thing (the enterprise's id, the record's ``record_key``, the
listing's id): the delta is a merge of two sorted streams, so memory stays flat whatever the size.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, OuterRef, Subquery, TextField
from django.db.models.functions import Cast, JSONObject
from django.utils.translation import gettext_lazy as _

from registry.details.changes import SHAREHOLDER_FIELDS, public_change, public_shareholder
from registry.models import (
    Branch,
    Division,
    Enterprise,
    EnterpriseChange,
    EnterpriseFormerName,
    KeyPerson,
    Shareholder,
)
from sanctions.choices import RecordKind
from sanctions.lists.ratings import rating_current_filter
from sanctions.lists.selectors import active_listings
from sanctions.models import EnterpriseRating
from sanctions.records.national_format import FIELDS
from sanctions.records.selectors import public_records

from ..credit_page import RECORD_FIELDS
from ..masking import public_listing_fields, public_record_fields

# A row as written: its sort key (text that sorts as the database sorted it), its identifiers
# (what a removal in the delta carries), and its values by column.
Row = tuple[str, dict[str, Any], dict[str, Any]]


@dataclass(frozen=True)
class Dataset:
    """One file pair (CSV and JSON Lines) of an export."""

    name: str
    title: Any  # lazy translated text, for the download page
    columns: tuple[str, ...]
    identifiers: tuple[str, ...]
    rows: Callable[[dt.date], Iterator[Row]]


def _chunk() -> int:
    return settings.OPEN_DATA_CHUNK_ROWS


def _int_key(value: int) -> str:
    return f"{value:020d}"


def _iso(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


# --- Enterprises ---------------------------------------------------------------------------------------

# The registration facts the credit page shows (``lookup.credit_page.ENTERPRISE_FIELDS``, without
# the surrogate id and the reason a legacy code was accepted), plus the division's name and the
# former names with their dates.
ENTERPRISE_COLUMNS = (
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
    "division_name",
    "industry",
    "registration_number",
    "organization_code",
    "tax_number",
    "is_legacy_code",
    "source",
    "updated_at",
    "former_names",
    # --- regdetails --- (natural-person shareholders masked, as on the page and in the API)
    "shareholders",
    "personnel",
    "branches",
)
_DETAIL_COLUMNS = ("shareholders", "personnel", "branches")


def _decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def enterprise_rows(today: dt.date) -> Iterator[Row]:
    former = (
        EnterpriseFormerName.objects.filter(enterprise=OuterRef("pk"))
        .order_by("id")
        .values(json=JSONObject(name="name", used_from="used_from", used_until="used_until"))
    )
    division = Division.objects.filter(code=OuterRef("division_code")).values("full_name")[:1]
    own = [c for c in ENTERPRISE_COLUMNS if c not in ("division_name", "former_names", *_DETAIL_COLUMNS)]
    shareholders = (
        Shareholder.objects.filter(enterprise=OuterRef("pk"))
        .order_by("position", "id")
        .values(
            json=JSONObject(
                **{name: name for name in SHAREHOLDER_FIELDS if not name.endswith("_amount")},
                subscribed_amount=Cast("subscribed_amount", TextField()),
                paid_in_amount=Cast("paid_in_amount", TextField()),
            )
        )
    )
    personnel = (
        KeyPerson.objects.filter(enterprise=OuterRef("pk"))
        .order_by("position", "id")
        .values(json=JSONObject(name="name", role="role"))
    )
    branches = (
        Branch.objects.filter(parent=OuterRef("pk"))
        .order_by("uscc")
        .values(json=JSONObject(uscc="uscc", name="name"))
    )
    rows = (
        Enterprise.objects.order_by("id")
        .values("id", *own)
        .annotate(
            export_former=ArraySubquery(former),
            export_division=Subquery(division),
            export_shareholders=ArraySubquery(shareholders),
            export_personnel=ArraySubquery(personnel),
            export_branches=ArraySubquery(branches),
        )
    )
    for row in rows.iterator(chunk_size=_chunk()):
        values = {c: _iso(row[c]) for c in own}
        values["division_name"] = row["export_division"] or ""
        values["former_names"] = [_decoded(f) for f in row["export_former"] or []]
        values["shareholders"] = [
            public_shareholder(_shareholder(_decoded(h))) for h in row["export_shareholders"] or []
        ]
        values["personnel"] = [_decoded(p) for p in row["export_personnel"] or []]
        values["branches"] = [_decoded(b) for b in row["export_branches"] or []]
        yield _int_key(row["id"]), {"uscc": row["uscc"]}, {c: values[c] for c in ENTERPRISE_COLUMNS}


def _shareholder(data: dict[str, Any]) -> dict[str, Any]:
    """Amounts as plain decimals, without the stored trailing zeros (300, not 300.0000)."""
    for name in ("subscribed_amount", "paid_in_amount"):
        if data.get(name) is not None:
            data[name] = format(Decimal(data[name]).normalize(), "f")
    return data


# --- Change history (变更记录) ------------------------------------------------------------------------

CHANGE_COLUMNS = ("change_id", "uscc", "item", "before", "after", "changed_on")


def change_rows(today: dt.date) -> Iterator[Row]:
    # Plain values, not model instances: ``public_change`` reads a mapping as well as an instance.
    changes = EnterpriseChange.objects.order_by("id").values(
        "id", "item", "before", "after", "changed_on", export_uscc=F("enterprise__uscc")
    )
    for change in changes.iterator(chunk_size=_chunk()):
        shown = public_change(change)
        pk, uscc = change["id"], change["export_uscc"]
        values = {
            "change_id": pk,
            "uscc": uscc,
            "item": change["item"],
            "before": shown["before"],
            "after": shown["after"],
            "changed_on": shown["changed_on"],
        }
        yield _int_key(pk), {"change_id": pk, "uscc": uscc}, values


# --- Records in the national format ---------------------------------------------------------------------

# The fields ``public_record_fields`` gives every record, and those it adds by kind, in the national
# format's order; ``publicity_end`` (the end the registry computes and the pages show) is the national
# format's 公示截止期.
_COMMON_FIELDS = (
    "party_name",
    "party_category",
    "party_uscc",
    "legal_representative",
    "document_name",
    "document_number",
)
_KIND_FIELDS = {
    RecordKind.PENALTY: (
        "violation_type",
        "violation_facts",
        "legal_basis",
        "penalty_categories",
        "content",
        "fine_amount",
        "confiscated_amount",
        "suspended_licence",
    ),
    RecordKind.LICENCE: ("licence_category", "certificate_name", "certificate_number", "content"),
    RecordKind.REWARD: ("content",),
}
_DATES = {
    RecordKind.PENALTY: ("decision_date",),
    RecordKind.LICENCE: ("decision_date", "valid_from", "valid_to"),
    RecordKind.REWARD: ("decision_date",),
}
_TAIL_FIELDS = ("publicity_end", "authority_name", "authority_uscc")
_LICENCE_TAIL = ("licence_status",)
_SOURCE_FIELDS = ("source_unit_name", "source_unit_uscc", "severity")
# Which platform a record or listing belongs to (this one's PLATFORM_CODE, or a partner's for a copy
# received by platform-to-platform sync: docs/partner-sync.md), as the public API names it.
_PROVENANCE = ("source_platform", "source_platform_name", "source_platform_name_en")
# Not in the national format: the registry's own, named as in the public API.
_HEAD_EXTRAS = ("record_key", "version", "uscc")
_EXTRAS = ("agency_name", "agency_uscc", "is_exempt", "rule_name", "rule_legal_basis", *_PROVENANCE)
_NATIONAL_ALIAS = {"publicity_end": "declared_publicity_end"}


def record_fields(kind: str) -> tuple[str, ...]:
    """The public fields of a record of this kind, in the file's column order."""
    tail = _TAIL_FIELDS + (_LICENCE_TAIL if kind == RecordKind.LICENCE else ())
    return _COMMON_FIELDS + _KIND_FIELDS[kind] + _DATES[kind] + tail + _SOURCE_FIELDS + _EXTRAS


def record_column(kind: str, field: str) -> str:
    """The national code of a field for this kind (CF_*/XK_*), or its API name where there is none."""
    national = FIELDS.get(_NATIONAL_ALIAS.get(field, field))
    code = national.code(kind) if national else None
    return code or field


def record_columns(kind: str) -> tuple[str, ...]:
    return _HEAD_EXTRAS + tuple(record_column(kind, f) for f in record_fields(kind))


# What ``public_record_fields`` reads of the agency and the publicity rule (the record's own columns
# it reads are the credit page's ``RECORD_FIELDS``): the rest is never loaded.
_RELATED_FIELDS = ("agency__name", "agency__uscc", "publicity_rule__name", "publicity_rule__legal_basis")


class _Related:
    """The agency or publicity rule of an exported record: the two attributes the builder reads."""

    __slots__ = ("legal_basis", "name", "uscc")

    def __init__(self, name: str, second: str, *, rule: bool = False) -> None:
        self.name = name
        if rule:
            self.legal_basis = second
        else:
            self.uscc = second


class _RecordRow:
    """A record's columns as attributes (``record.content``, ``record.agency.name``, ``record.pk``),
    read with ``values_list`` rather than built as a model instance: what ``public_record_fields`` and
    the record's masking read of a ``CreditRecord``, at a fraction of the cost per row. The columns are
    ``RECORD_FIELDS``, converted by the same model fields (dates, decimals, UUIDs, arrays) as the ORM's."""

    def __init__(self, names: tuple[str, ...], values: tuple[Any, ...]) -> None:
        self.__dict__.update(zip(names, values, strict=True))
        self.pk = self.id


_RECORD_VALUES = (
    *RECORD_FIELDS,
    "export_uscc",
    "agency__name",
    "agency__uscc",
    "publicity_rule_id",
    "publicity_rule__name",
    "publicity_rule__legal_basis",
)

_RECORD_OWN = _RECORD_VALUES[:-5]


def _record_row(values: tuple[Any, ...], agencies: dict[tuple[str, str], _Related]) -> _RecordRow:
    *own, agency_name, agency_uscc, rule_id, rule_name, rule_basis = values
    record = _RecordRow(_RECORD_OWN, tuple(own))
    agency = agencies.get((agency_name, agency_uscc))
    if agency is None:
        agency = agencies[agency_name, agency_uscc] = _Related(agency_name, agency_uscc)
    record.agency = agency
    record.publicity_rule = None if rule_id is None else _Related(rule_name, rule_basis, rule=True)
    return record


def record_rows(kind: str) -> Callable[[dt.date], Iterator[Row]]:
    fields = record_fields(kind)
    columns = [record_column(kind, f) for f in fields]
    pairs = list(zip(columns, fields, strict=True))

    def rows(today: dt.date) -> Iterator[Row]:
        records = (
            public_records(today=today)
            .filter(kind=kind)
            .annotate(export_uscc=F("enterprise__uscc"))
            .order_by("record_key")
            .values_list(*_RECORD_VALUES)
        )
        agencies: dict[tuple[str, str], _Related] = {}
        for row in records.iterator(chunk_size=_chunk()):
            record = _record_row(row, agencies)
            public = public_record_fields(record)
            key = public["record_key"]
            uscc = record.export_uscc
            values = {"record_key": key, "version": public["version"], "uscc": uscc}
            get = public.get
            for column, f in pairs:
                values[column] = get(f)
            yield key, {"record_key": key, "uscc": uscc}, values

    return rows


# --- Listings and ratings ------------------------------------------------------------------------------

LISTING_COLUMNS = (
    "listing_id",
    "uscc",
    "list_kind",
    "list_name",
    "list_name_en",
    "nature",
    "agency",
    "agency_uscc",
    "document_number",
    "grounds",
    "legal_basis",
    "start_date",
    "end_date",
    "removal_conditions",
    *_PROVENANCE,
)


def listing_rows(today: dt.date) -> Iterator[Row]:
    listings = active_listings(today=today).annotate(export_uscc=F("enterprise__uscc")).order_by("id")
    for entry in listings.iterator(chunk_size=_chunk()):
        public = public_listing_fields(entry, enterprise=Enterprise(uscc=entry.export_uscc))
        values = {
            **public,
            "listing_id": entry.pk,
            "uscc": entry.export_uscc,
            "list_name_en": entry.list_kind.name_en,
        }
        yield (
            _int_key(entry.pk),
            {"listing_id": entry.pk, "uscc": entry.export_uscc},
            {c: values[c] for c in LISTING_COLUMNS},
        )


RATING_COLUMNS = ("uscc", "grade", "points", "model_name")


def rating_rows(today: dt.date) -> Iterator[Row]:
    ratings = (
        EnterpriseRating.objects.filter(rating_current_filter())
        .order_by("enterprise_id")
        .values("enterprise_id", "grade", "points", uscc=F("enterprise__uscc"), model_name=F("model__name"))
    )
    for row in ratings.iterator(chunk_size=_chunk()):
        yield _int_key(row["enterprise_id"]), {"uscc": row["uscc"]}, {c: row[c] for c in RATING_COLUMNS}


DATASETS: tuple[Dataset, ...] = (
    Dataset("enterprises", _("Enterprises"), ENTERPRISE_COLUMNS, ("uscc",), enterprise_rows),
    Dataset(
        "penalties",
        _("Administrative penalties"),
        record_columns(RecordKind.PENALTY),
        ("record_key", "uscc"),
        record_rows(RecordKind.PENALTY),
    ),
    Dataset(
        "licences",
        _("Administrative licences"),
        record_columns(RecordKind.LICENCE),
        ("record_key", "uscc"),
        record_rows(RecordKind.LICENCE),
    ),
    Dataset(
        "rewards",
        _("Rewards and commendations"),
        record_columns(RecordKind.REWARD),
        ("record_key", "uscc"),
        record_rows(RecordKind.REWARD),
    ),
    Dataset("listings", _("List entries in force"), LISTING_COLUMNS, ("listing_id", "uscc"), listing_rows),
    Dataset("ratings", _("Current credit ratings"), RATING_COLUMNS, ("uscc",), rating_rows),
    Dataset(
        "changes",
        _("Change history of registration facts"),
        CHANGE_COLUMNS,
        ("change_id", "uscc"),
        change_rows,
    ),
)
