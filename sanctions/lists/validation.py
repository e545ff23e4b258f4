"""A listing's fields and the records it rests on, checked before a service writes them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from registry.models import Enterprise
from sanctions.choices import RecordStatus
from sanctions.models import CreditRecord, ListKind
from sanctions.records.publicity import add_months

LISTING_FIELDS = [
    "grounds",
    "legal_basis",
    "document_number",
    "start_date",
    "end_date",
    "inclusion_conditions",
    "removal_conditions",
]
REQUIRED = {
    "grounds": lambda: _("Give the grounds for the listing."),
    "legal_basis": lambda: _("Give the legal basis of the listing."),
    "document_number": lambda: _("Give the number of the listing decision."),
    "start_date": lambda: _("Give the date the listing starts."),
}
# Records a listing may rest on: decisions that were published (they may have expired since).
CITABLE_RECORD_STATUSES = [RecordStatus.PUBLISHED, RecordStatus.EXPIRED]


def _as_date(value: Any, field: str, errors: dict[str, list[str]]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors.setdefault(field, []).append(_("Enter a date as YYYY-MM-DD."))
        return None


def listing_clean(*, list_kind: ListKind, data: dict[str, Any]) -> dict[str, Any]:
    """The listing's fields, checked; the list's published conditions and default term fill the gaps."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for field in ("grounds", "legal_basis", "document_number", "inclusion_conditions", "removal_conditions"):
        cleaned[field] = (
            " ".join(str(data.get(field) or "").split())
            if field == "document_number"
            else str(data.get(field) or "").strip()
        )
    cleaned["start_date"] = _as_date(data.get("start_date"), "start_date", errors)
    cleaned["end_date"] = _as_date(data.get("end_date"), "end_date", errors)
    for field, message in REQUIRED.items():
        if not cleaned.get(field) and field not in errors:
            errors.setdefault(field, []).append(message())
    if not list_kind.active:
        errors.setdefault("list_kind", []).append(_("This list is no longer in use."))
    if not cleaned["inclusion_conditions"]:
        cleaned["inclusion_conditions"] = list_kind.inclusion_conditions
    if not cleaned["removal_conditions"]:
        cleaned["removal_conditions"] = list_kind.removal_conditions
    start, end = cleaned["start_date"], cleaned["end_date"]
    if start and end is None and list_kind.default_term_months and not data.get("no_end"):
        cleaned["end_date"] = end = add_months(start, list_kind.default_term_months)
    if start and end and end <= start:
        errors.setdefault("end_date", []).append(_("The listing must end after it starts."))
    if errors:
        raise ValidationError(errors)
    return cleaned


def cited_records_clean(
    *, enterprise: Enterprise, records: Iterable[CreditRecord | int]
) -> list[CreditRecord]:
    ids = [r.pk if isinstance(r, CreditRecord) else int(r) for r in records]
    found = list(CreditRecord.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({"records": [_("One of the records does not exist.")]})
    for record in found:
        if record.enterprise_id != enterprise.pk:
            raise ValidationError(
                {
                    "records": [
                        _("Record %(number)s is about another enterprise.")
                        % {"number": record.document_number}
                    ]
                }
            )
        if record.status not in CITABLE_RECORD_STATUSES:
            raise ValidationError(
                {
                    "records": [
                        _(
                            "Record %(number)s is not published: a listing can only rest on published decisions."
                        )
                        % {"number": record.document_number}
                    ]
                }
            )
    return found
