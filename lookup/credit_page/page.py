"""The credit page's data: the one row (``query``) turned back into objects.

The rows are turned back into unsaved model instances (or lighter objects with the same
attributes), so that masking (``lookup.masking``) and the standing (``sanctions.lists.standing``)
run on them unchanged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone

from registry.annual_reports.selectors import report_decoded
from registry.models import Agency, Enterprise
from sanctions.models import Commitment, CreditRecord, Listing, ListKind

from .query import COMMITMENT_FIELDS, LISTING_FIELDS, RECORD_FIELDS, page_row


def _instance(model: type[models.Model], data: dict[str, Any], names: tuple[str, ...]):
    """An unsaved instance with these columns, from their JSON (dates, decimals and UUIDs parsed)."""
    values = {}
    for name in names:
        model_field = model._meta.get_field(name.removesuffix("_id"))
        value = data.get(model_field.attname)
        values[model_field.attname] = None if value is None else model_field.to_python(value)
    return model(**values)


_RECORD_DATES = tuple(
    name for name in RECORD_FIELDS if isinstance(CreditRecord._meta.get_field(name), models.DateField)
)
_RECORD_DECIMALS = tuple(
    name for name in RECORD_FIELDS if isinstance(CreditRecord._meta.get_field(name), models.DecimalField)
)


class PublicRecord:
    """A public record as the page reads it: the columns of ``RECORD_FIELDS`` as attributes (dates
    and amounts parsed), which is all that masking and the standing ask of a ``CreditRecord``.
    Lighter than an unsaved model instance, which would first set every one of its sixty fields."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.__dict__.update(data)
        for name in _RECORD_DATES:
            if (value := data[name]) is not None:
                setattr(self, name, dt.date.fromisoformat(value))
        for name in _RECORD_DECIMALS:
            if (value := data[name]) is not None:
                setattr(self, name, Decimal(value))
        self.pk = data["id"]


class _Shown:
    """What a public record's masking reads of its agency and publicity rule (names), as attributes:
    a record's are not model instances, so neither need be theirs (a model's ``__init__`` costs more)."""

    def __init__(self, **values: str) -> None:
        self.__dict__.update(values)


@dataclass
class CreditPage:
    """Everything a credit page shows about one enterprise, read at once."""

    enterprise: Enterprise
    records: list[PublicRecord]
    listings: list[Listing]
    commitments: list[Commitment]
    former_names: list[dict[str, Any]]
    rating: dict[str, Any] | None
    division: dict[str, Any] | None
    today: dt.date
    objected_listings: set[int] = field(default_factory=set)
    # --- inspections: published results of random inspections, latest first (at most INSPECTIONS_SHOWN)
    inspections: list[dict[str, Any]] = field(default_factory=list)
    annual_reports: list[dict[str, Any]] = field(default_factory=list)
    registration_details: dict[str, Any] | None = None


def credit_page_read(*, uscc: str, today: dt.date | None = None) -> CreditPage | None:
    """The credit page's data for a code as written by us (None: no enterprise has it)."""
    today = today or timezone.localdate()
    row = page_row(uscc=uscc, today=today)
    if row is None:
        return None
    agencies: dict[tuple, Agency] = {}

    def agency(name: str, uscc: str) -> Agency:
        key = (name, uscc)
        if key not in agencies:
            agencies[key] = Agency(name=name, uscc=uscc)
        return agencies[key]

    records = []
    for data in row.page_records:
        record = PublicRecord(data)
        record.agency = _Shown(name=data["agency_name"], uscc=data["agency_uscc"])
        record.publicity_rule = (
            _Shown(name=data["rule_name"], legal_basis=data["rule_legal_basis"] or "")
            if data["rule_name"] is not None
            else None
        )
        records.append(record)
    listings, objected = [], set()
    for data in row.page_listings:
        entry = _instance(Listing, data, LISTING_FIELDS)
        entry.list_kind = ListKind(
            code=data["list_kind_id"],
            name=data["kind_name"],
            name_en=data["kind_name_en"],
            nature=data["kind_nature"],
        )
        entry.agency = agency(data["agency_name"], data["agency_uscc"])
        entry.uncounted = data["uncounted"]
        if data["under_objection"]:
            objected.add(entry.pk)
        listings.append(entry)
    commitments = []
    for data in row.page_commitments:
        commitment = _instance(Commitment, data, COMMITMENT_FIELDS)
        commitment.agency = agency(data["agency_name"], "")
        commitments.append(commitment)
    former = [
        {
            "name": data["name"],
            "used_from": data["used_from"],
            "used_until": data["used_until"],
        }
        for data in row.page_former
    ]
    rating = row.page_rating
    return CreditPage(
        enterprise=row,
        records=records,
        listings=listings,
        commitments=commitments,
        former_names=former,
        rating=rating,
        division=row.page_division,
        today=today,
        objected_listings=objected,
        inspections=row.page_inspections,
        annual_reports=[report_decoded(data) for data in row.page_annual_reports],
        registration_details=row.page_regdetails,
    )
