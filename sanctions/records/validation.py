"""The clerk-side quality gates for a credit record: one set of rules for desk, API and import.

``clean_record`` takes raw values (as typed, as in a file, as in JSON) and returns the cleaned
fields and the errors by field. The party must be an enterprise in the registry, found by USCC or
by a legacy identifier; the deciding authority must be the clerk's own agency.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.models import Agency, Enterprise
from registry.validation import clean_choice as _choice
from registry.validation import (
    clean_date,
    clean_organization_code,
    clean_registration_number,
    clean_tax_number,
)
from sanctions.choices import (
    IdType,
    LicenceCategory,
    LicenceStatus,
    PartyCategory,
    RecordKind,
    RegulatoryField,
    Severity,
    UsageScope,
)
from sanctions.records.cells import (
    UncheckedCode,
    amount_cell,
    bool_cell,
    categories_cell,
    clean_code,
    text_cleaner,
)
from sanctions.records.national_format import (
    ID_TYPE_NAMES,
    LICENCE_CATEGORY_NAMES,
    LICENCE_STATUS_CODES,
    PARTY_CATEGORY_CODES,
    SEVERITY_NAMES,
    USAGE_SCOPE_CODES,
)

TEXT_LIMITS = {
    "party_name": 200,
    "legal_representative": 100,
    "legal_rep_id_number": 40,
    "document_name": 200,
    "document_number": 100,
    "violation_type": 300,
    "violation_facts": 4000,
    "legal_basis": 2000,
    "content": 4000,
    "suspended_licence": 300,
    "certificate_name": 200,
    "certificate_number": 100,
    "authority_name": 200,
    "source_unit_name": 200,
    "remarks": 2000,
    "exemption_reason": 2000,
    "party_institution_number": 30,
    "party_social_org_number": 30,
}
REQUIRED = {
    RecordKind.PENALTY: [
        "party_name",
        "document_number",
        "violation_type",
        "legal_basis",
        "penalty_categories",
        "content",
        "decision_date",
        "authority_name",
        "authority_uscc",
        "source_unit_name",
        "source_unit_uscc",
    ],
    RecordKind.LICENCE: [
        "party_name",
        "document_number",
        "licence_category",
        "content",
        "decision_date",
        "valid_from",
        "authority_name",
        "authority_uscc",
        "source_unit_name",
        "source_unit_uscc",
    ],
    RecordKind.REWARD: [
        "party_name",
        "document_number",
        "content",
        "decision_date",
        "authority_name",
        "authority_uscc",
        "source_unit_name",
        "source_unit_uscc",
    ],
}
# The fields that identify the party: its USCC, or one of the identifiers used before it.
PARTY_CODES = (
    "party_uscc",
    "party_registration_number",
    "party_organization_code",
    "party_tax_number",
    "party_institution_number",
    "party_social_org_number",
)
RECORD_FIELDS = [
    "party_name",
    "party_category",
    *PARTY_CODES,
    "legal_representative",
    "legal_rep_id_type",
    "legal_rep_id_number",
    "document_name",
    "document_number",
    "violation_type",
    "violation_facts",
    "legal_basis",
    "penalty_categories",
    "content",
    "fine_amount",
    "confiscated_amount",
    "suspended_licence",
    "fine_confirmed",
    "licence_category",
    "certificate_name",
    "certificate_number",
    "licence_status",
    "decision_date",
    "valid_from",
    "valid_to",
    "declared_publicity_end",
    "authority_name",
    "authority_uscc",
    "source_unit_name",
    "source_unit_uscc",
    "usage_scope",
    "severity",
    "regulatory_field",
    "is_exempt",
    "exemption_reason",
    "remarks",
]
MEMO_VALUES = 50_000  # at most this many distinct values remembered per field (a memo's memory stays bounded)


# A party without a USCC is found by the first of these that identifies exactly one enterprise.
LEGACY_IDENTIFIERS = (
    ("party_registration_number", "registration_number"),
    ("party_organization_code", "organization_code"),
    ("party_tax_number", "tax_number"),
)


def find_party(cleaned: dict[str, Any]) -> Enterprise | None:
    """The enterprise by USCC, else by a legacy identifier that identifies exactly one."""
    if cleaned.get("party_uscc"):
        return Enterprise.objects.filter(uscc=cleaned["party_uscc"]).first()
    for field, column in LEGACY_IDENTIFIERS:
        value = cleaned.get(field)
        if value:
            found = list(Enterprise.objects.filter(**{column: value})[:2])
            if len(found) == 1:
                return found[0]
    return None


# Labels are translated only when a message is built, never per row.
_PARTY_LABEL = gettext_lazy("party")
_AUTHORITY_LABEL = gettext_lazy("deciding authority")
_SOURCE_UNIT_LABEL = gettext_lazy("data source unit")
_PUBLICITY_END_LABEL = gettext_lazy("The publicity end date")
_VALIDITY_END_LABEL = gettext_lazy("The end of validity")

# Each field's own cleaning: a function of its value alone (the cross-field gates come after).
_FIELD_CLEANERS = [
    *((field, text_cleaner(limit)) for field, limit in TEXT_LIMITS.items()),
    (
        "party_category",
        lambda v: _choice(v, PartyCategory, PARTY_CATEGORY_CODES, default=PartyCategory.LEGAL_PERSON),
    ),
    ("party_uscc", lambda v: clean_code(v, what=_PARTY_LABEL, legacy=True)),
    ("authority_uscc", lambda v: clean_code(v, what=_AUTHORITY_LABEL)),
    ("source_unit_uscc", lambda v: clean_code(v, what=_SOURCE_UNIT_LABEL)),
    ("party_registration_number", clean_registration_number),
    ("party_organization_code", clean_organization_code),
    ("party_tax_number", clean_tax_number),
    ("legal_rep_id_type", lambda v: _choice(v, IdType, ID_TYPE_NAMES)),
    ("fine_amount", amount_cell),
    ("confiscated_amount", amount_cell),
    ("fine_confirmed", bool_cell),
    ("licence_category", lambda v: _choice(v, LicenceCategory, LICENCE_CATEGORY_NAMES)),
    *((field, clean_date) for field in ("decision_date", "valid_from", "valid_to", "declared_publicity_end")),
    ("usage_scope", lambda v: _choice(v, UsageScope, USAGE_SCOPE_CODES, default=UsageScope.PUBLIC)),
    ("severity", lambda v: _choice(v, Severity, SEVERITY_NAMES, default=Severity.GENERAL)),
    ("regulatory_field", lambda v: _choice(v, RegulatoryField, {})),
    ("is_exempt", bool_cell),
]
_LICENCE_STATUS_CLEANERS = {
    True: lambda v: _choice(v, LicenceStatus, LICENCE_STATUS_CODES, default=LicenceStatus.VALID),
    False: lambda v: _choice(v, LicenceStatus, LICENCE_STATUS_CODES, default=""),
}


def _attempt(fn: Callable[[Any], Any], value: Any) -> tuple[bool, Any]:
    try:
        return True, fn(value)
    except ValueError as exc:
        return False, str(exc)


def _field_plan(
    kind: str, categories: dict[str, str] | None, memo: dict | None
) -> list[tuple[str, Callable[[Any], Any], dict | None]]:
    """Each field with its cleaner and, with a memo, the outcomes already seen for its values.

    Kept in the memo itself, so that a file's rows share one plan (one kind, one category lookup).
    """
    if memo is not None:
        plan = memo.get(("plan", kind))
        if plan is not None and plan[0] is categories:
            return plan[1]
    cleaners = [
        *_FIELD_CLEANERS,
        ("penalty_categories", lambda v: categories_cell(v, categories)),
        ("licence_status", _LICENCE_STATUS_CLEANERS[kind == RecordKind.LICENCE]),
    ]
    if memo is None:
        return [(field, fn, None) for field, fn in cleaners]
    memo[(kind, "penalty_categories")] = {}  # its outcomes depend on the category lookup
    plan = [(field, fn, memo.setdefault((kind, field), {})) for field, fn in cleaners]
    memo[("plan", kind)] = (categories, plan)
    return plan


def _shaped_plan(
    kind: str, categories: dict[str, str] | None, memo: dict, data: dict[str, Any]
) -> tuple[list[tuple[str, Callable[[Any], Any], dict]], dict[str, Any], dict[str, str], list[str]]:
    """The field plan for rows with these fields (a file's rows all have the same): (the plan of the
    fields present, the outcome of the fields absent, cleaned and errors, those of them that are lists).

    A field the row lacks is cleaned as None, always to the same outcome: that is done once.
    """
    shape = tuple(data)
    found = memo.get(("shape", kind, shape))
    if found is not None and found[0] is categories:
        return found[1]
    present, absent, absent_errors = [], {}, {}
    for field, fn, seen in _field_plan(kind, categories, memo):
        if field in data:
            present.append((field, fn, seen))
            continue
        ok, result = _attempt(fn, None)
        if ok:
            absent[field] = result
        else:
            absent_errors[field] = result
    lists = [field for field, result in absent.items() if result.__class__ is list]
    shaped = (present, absent, absent_errors, lists)
    memo[("shape", kind, shape)] = (categories, shaped)
    return shaped


@lru_cache(maxsize=8)
def _fine_threshold(setting: Any) -> Decimal:
    return Decimal(str(setting))


_ABSENT = object()


def _clean_fields(
    cleaned: dict[str, Any],
    errors: dict[str, list[str]],
    plan: list[tuple[str, Callable[[Any], Any], dict | None]],
    data: dict[str, Any],
    *,
    skip_absent: bool = False,
) -> None:
    """Each field of ``plan`` cleaned from ``data`` into ``cleaned`` or ``errors``: a field ``data``
    lacks as None, or not at all with ``skip_absent``. With a memo (``seen``), a text value met before
    is not cleaned again. One loop for a row's fields, not a call per field: it runs for every field
    of every row of a file."""
    for field, fn, seen in plan:
        value = data.get(field, _ABSENT)
        if value is _ABSENT:
            if skip_absent:
                continue
            value = None
        # Only text (and absent) values are remembered: 1, 1.0 and True are equal as keys, not as cells.
        if seen is not None and (value is None or value.__class__ is str):
            outcome = seen.get(value)
            if outcome is None:
                outcome = _attempt(fn, value)
                if len(seen) < MEMO_VALUES:
                    seen[value] = outcome
        else:
            outcome = _attempt(fn, value)
        ok, result = outcome
        if ok:
            cleaned[field] = list(result) if result.__class__ is list else result
        else:
            errors[field] = [result]


def clean_record(
    data: dict[str, Any],
    *,
    kind: str,
    agency: Agency,
    partial: bool = False,
    categories: dict[str, str] | None = None,
    party_finder: Callable[[dict[str, Any]], Enterprise | None] | None = None,
    memo: dict | None = None,
    today: dt.date | None = None,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Clean a record's fields and apply every quality gate; returns (cleaned, errors by field).

    Bulk imports pass ``categories`` (``penalty_category_lookup()``, once), a ``party_finder``
    (enterprises prefetched per chunk, else ``find_party``) and a ``memo`` dict kept across the
    rows of one file (one agency, one language, one ``categories``): each field's own cleaning is
    a function of its value alone, so a text value seen before is not cleaned again. The
    cross-field gates always run. ``today`` may be passed once for a whole file.
    """
    cleaned: dict[str, Any]
    errors: dict[str, list[str]]

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if memo is None or partial:
        cleaned, errors = {}, {}
        _clean_fields(cleaned, errors, _field_plan(kind, categories, memo), data, skip_absent=partial)
        if partial:
            return cleaned, errors
    else:
        present, absent, absent_errors, lists = _shaped_plan(kind, categories, memo, data)
        cleaned = absent.copy()
        for field in lists:
            cleaned[field] = list(cleaned[field])
        errors = {field: [message] for field, message in absent_errors.items()}
        _clean_fields(cleaned, errors, present, data)

    for field in REQUIRED[kind]:
        if field not in errors and not cleaned.get(field):
            fail(field, _("This field is required."))
    code_errors = bool(errors) and any(f in errors for f in PARTY_CODES)
    if not code_errors and not any(cleaned.get(f) for f in PARTY_CODES):
        fail("party_uscc", _("Give the party's USCC or at least one other identifier."))
    elif not code_errors:
        enterprise = (party_finder or find_party)(cleaned)
        code = cleaned.get("party_uscc")
        if code.__class__ is UncheckedCode and not (enterprise and enterprise.is_legacy_code):
            # A code failing its check is a party's only where the registry holds it as a legacy code.
            fail("party_uscc", code.problem)
        elif enterprise is None:
            fail(
                "party_uscc", _("No enterprise in the registry has this code: register the enterprise first.")
            )
        else:
            cleaned["enterprise"] = enterprise
            cleaned["party_uscc"] = enterprise.uscc
    if (
        cleaned.get("party_uscc")
        and cleaned.get("party_organization_code")
        and cleaned["party_uscc"][8:17] != cleaned["party_organization_code"]
    ):
        fail(
            "party_organization_code",
            _("The organisation code does not match the one inside the party's USCC."),
        )
    if cleaned.get("authority_uscc") and cleaned["authority_uscc"] != agency.uscc:
        fail(
            "authority_uscc",
            _("The deciding authority must be your own agency (%(code)s, %(name)s).")
            % {"code": agency.uscc, "name": agency.name},
        )

    decision = cleaned.get("decision_date")
    today = today or timezone.localdate()
    if decision:
        if decision > today:
            fail("decision_date", _("The decision date cannot be in the future."))
        for field, label in (
            ("declared_publicity_end", _PUBLICITY_END_LABEL),
            ("valid_to", _VALIDITY_END_LABEL),
        ):
            if cleaned.get(field) and cleaned[field] < decision:
                fail(
                    field,
                    _("%(what)s (%(date)s) is before the decision date (%(decision)s).")
                    % {"what": label, "date": cleaned[field].isoformat(), "decision": decision.isoformat()},
                )
    if cleaned.get("valid_from") and cleaned.get("valid_to") and cleaned["valid_to"] < cleaned["valid_from"]:
        fail("valid_to", _("The end of validity is before its start."))

    if kind == RecordKind.PENALTY:
        if (
            "fine" in cleaned.get("penalty_categories", [])
            and cleaned.get("fine_amount") is None
            and "fine_amount" not in errors
        ):
            fail("fine_amount", _("A fine needs its amount (in 10,000 yuan)."))
        if not cleaned.get("fine_confirmed"):
            threshold = _fine_threshold(settings.FINE_CONFIRM_THRESHOLD_WAN)
            for field in ("fine_amount", "confiscated_amount"):
                amount = cleaned.get(field)
                if amount is not None and amount >= threshold:
                    fail(
                        field,
                        _(
                            "%(amount)s × 10,000 yuan (%(yuan)s yuan) looks as if it was keyed in yuan. "
                            "Amounts are in 10,000 yuan: correct it, or confirm the amount."
                        )
                        % {"amount": f"{amount.normalize():f}", "yuan": f"{(amount * 10000).normalize():,f}"},
                    )
    else:
        for field in ("penalty_categories", "fine_amount", "confiscated_amount"):
            if cleaned.get(field):
                fail(field, _("Only a penalty has this field."))
    if cleaned.get("is_exempt") and not cleaned.get("exemption_reason"):
        fail("exemption_reason", _("Say why the record is exempt (e.g. force majeure)."))
    if cleaned.get("legal_rep_id_number") and not cleaned.get("legal_rep_id_type"):
        fail("legal_rep_id_type", _("Give the type of the ID document."))
    return cleaned, errors
