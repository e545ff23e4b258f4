"""What a credit page shows, read in one query, and its body rendered by the hot-path template.

A first view of a credit page (one no cache has seen: most views of a national registry, which is
read in its long tail) used to cost seven ORM queries and a Django template of some hundred tags,
about 13 ms of one core. Here the enterprise and everything public about it — former names, public
records with their objection flag, listings in force, commitments, the current grade — come back
from PostgreSQL as one row, the sections built by ``jsonb_build_object`` inside ``ARRAY(SELECT …)``
subqueries. The subqueries are the project's own selectors (``public_records``, ``active_listings``,
``public_commitments_for``, ``rating_current``'s filter), so what is public is still decided there
and nowhere else; the rows are turned back into unsaved model instances, so that masking
(``lookup.masking``) and the standing (``sanctions.lists.standing``) run on them unchanged.

The body is rendered by a Jinja2 template (``lookup/jinja2/lookup/credit_body.html``), several times
cheaper than the Django template language for a page of this size; its strings are the catalogue's
(``_("…")`` is found by ``makemessages`` like any ``{% translate %}``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections, models, router
from django.db.models import Count, Exists, F, OuterRef, Subquery, Window
from django.db.models.functions import Cast, JSONObject
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from config.jinja2 import localized_template
from registry.annual_reports.rules import OPTIONAL_FIELDS as ANNUAL_REPORT_OPTIONAL
from registry.annual_reports.selectors import PAGE_YEARS, latest_reports, public_report_json, report_decoded
from registry.compiled import server_cursor
from registry.details.public import public_registration_details, registration_details_subquery
from registry.models import Agency, AnnualReport, Division, Enterprise, EnterpriseFormerName
from sanctions.inspections.selectors import published_results
from sanctions.lists.ratings import rating_current_filter
from sanctions.lists.recognition import STANDING, listing_unrecognised, record_unrecognised
from sanctions.lists.selectors import active_listings
from sanctions.lists.standing import penalty_counts, standing_from
from sanctions.models import Commitment, CreditRecord, EnterpriseRating, Inspection, Listing, ListKind
from sanctions.records.selectors import public_records
from sanctions.remedies.selectors import (
    listing_objection_open,
    open_objection_on_record,
    public_commitments_for,
)

from .masking import (
    SECTION_KINDS,
    public_listing_fields,
    public_text,
    section_title,
    sections_of,
    with_labels,
)

# The enterprise's own columns the page shows (never the search columns: tsvectors are large).
ENTERPRISE_FIELDS = (
    "id",
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
    "updated_at",
)
# What ``lookup.masking.public_record_fields`` and the record's masking read.
RECORD_FIELDS = (
    "id",
    "record_key",
    "version",
    "kind",
    "document_number",
    "document_name",
    "party_name",
    "party_category",
    "party_uscc",
    "legal_representative",
    "legal_rep_id_number",
    "content",
    "decision_date",
    "publicity_end",
    "authority_name",
    "authority_uscc",
    "source_unit_name",
    "source_unit_uscc",
    "severity",
    "is_exempt",
    "violation_type",
    "violation_facts",
    "legal_basis",
    "penalty_categories",
    "fine_amount",
    "confiscated_amount",
    "suspended_licence",
    "licence_category",
    "certificate_name",
    "certificate_number",
    "licence_status",
    "valid_from",
    "valid_to",
    "source_platform",
    "source_platform_name",
    "source_platform_name_en",
)
LISTING_FIELDS = (
    "id",
    "list_kind_id",
    "document_number",
    "grounds",
    "legal_basis",
    "start_date",
    "end_date",
    "removal_conditions",
    "source_platform",
    "source_platform_name",
    "source_platform_name_en",
)
COMMITMENT_FIELDS = ("id", "kind", "content", "signed_on", "due_date", "status")
# Inspection results (抽查检查结果): the latest few on the page, every one on the enterprise's
# inspections page (sanctions.inspections).
INSPECTIONS_SHOWN = 10


def _json_of(model: type[models.Model], names: tuple[str, ...], **extra) -> JSONObject:
    """``jsonb_build_object`` of these columns; decimals as text, so that no digit is lost to a float."""
    columns: dict[str, Any] = {}
    for name in names:
        model_field = model._meta.get_field(name.removesuffix("_id"))
        attname = model_field.attname
        if isinstance(model_field, models.DecimalField):
            columns[attname] = Cast(F(attname), models.TextField())
        else:
            columns[attname] = F(attname)
    return JSONObject(**columns, **extra)


def _instance(model: type[models.Model], data: dict[str, Any], names: tuple[str, ...]):
    """An unsaved instance with these columns, from their JSON (dates, decimals and UUIDs parsed)."""
    values = {}
    for name in names:
        model_field = model._meta.get_field(name.removesuffix("_id"))
        value = data.get(model_field.attname)
        values[model_field.attname] = None if value is None else model_field.to_python(value)
    return model(**values)


def _page_queryset(*, uscc: str, today: dt.date):
    """The enterprise with its public sections as JSON arrays, in one query."""
    records = (
        public_records(today=today)
        .filter(enterprise=OuterRef("pk"))
        .order_by("-decision_date", "-id")
        .values(
            json=_json_of(
                CreditRecord,
                RECORD_FIELDS,
                agency_name=F("agency__name"),
                agency_uscc=F("agency__uscc"),
                rule_name=F("publicity_rule__name"),
                rule_legal_basis=F("publicity_rule__legal_basis"),
                under_objection=open_objection_on_record(),
                uncounted=record_unrecognised(STANDING),
            )
        )
    )
    listings = (
        active_listings(today=today)
        .filter(enterprise=OuterRef("pk"))
        .order_by("list_kind__nature", "-start_date")
        .values(
            json=_json_of(
                Listing,
                LISTING_FIELDS,
                kind_name=F("list_kind__name"),
                kind_name_en=F("list_kind__name_en"),
                kind_nature=F("list_kind__nature"),
                agency_name=F("agency__name"),
                agency_uscc=F("agency__uscc"),
                under_objection=Exists(listing_objection_open()),
                uncounted=listing_unrecognised(STANDING),
            )
        )
    )
    commitments = public_commitments_for(enterprise=OuterRef("pk")).values(
        json=_json_of(Commitment, COMMITMENT_FIELDS, agency_name=F("agency__name"))
    )
    former = (
        EnterpriseFormerName.objects.filter(enterprise=OuterRef("pk"))
        .order_by("id")
        .values(json=JSONObject(name="name", used_from="used_from", used_until="used_until"))
    )
    rating = (
        EnterpriseRating.objects.filter(rating_current_filter(), enterprise=OuterRef("pk"))
        .order_by("id")
        .values(json=JSONObject(grade="grade", points="points", model_name="model__name"))[:1]
    )
    inspections = (
        published_results()
        .filter(enterprise=OuterRef("pk"))
        .order_by("-inspected_on", "-id")
        .values(
            json=JSONObject(
                plan_id="plan_id",
                plan_title="plan__title",
                agency_name="plan__agency__name",
                outcome="outcome",
                inspected_on="inspected_on",
                findings="findings",
                consequences="consequences",
                total=Window(Count("id")),
            )
        )[:INSPECTIONS_SHOWN]
    )
    division = Division.objects.filter(code=OuterRef("division_code")).values(
        json=JSONObject(name="full_name", level="level", valid_until="valid_until")
    )[:1]
    # The latest years' annual reports, only the figures chosen public (registry.annual_reports.selectors).
    annual_reports = (
        latest_reports().filter(enterprise=OuterRef("pk")).order_by("-year").values(json=public_report_json())
    )[:PAGE_YEARS]
    # --- regdetails ---
    details = registration_details_subquery()
    # --- end regdetails ---
    return (
        Enterprise.objects.filter(uscc=uscc)
        .only(*ENTERPRISE_FIELDS)
        .annotate(
            page_records=ArraySubquery(records),
            page_listings=ArraySubquery(listings),
            page_commitments=ArraySubquery(commitments),
            page_former=ArraySubquery(former),
            page_rating=Subquery(rating, output_field=models.JSONField()),
            page_division=Subquery(division, output_field=models.JSONField()),
            page_inspections=ArraySubquery(inspections),
            page_annual_reports=ArraySubquery(annual_reports),
            page_regdetails=ArraySubquery(details),
        )
    )


# The query is built once per process with stand-ins for its two values (building and compiling
# it through the ORM costs several times what PostgreSQL takes to answer it), then executed as a
# prepared statement: PostgreSQL plans it a few times, then keeps a generic plan.
_USCC_STAND_IN = "\x00uscc"
_TODAY_STAND_IN = dt.date(1901, 2, 3)
# By database alias: the SQL is compiled for the server it runs on (its version chooses, say,
# JSON_OBJECT or JSONB_BUILD_OBJECT), so compiling it never opens a connection elsewhere.
_statements: dict[str, tuple[str, list[int], list[int], tuple, list[str]]] = {}


def _page_statement(alias: str):
    statement = _statements.get(alias)
    if statement is None:
        queryset = _page_queryset(uscc=_USCC_STAND_IN, today=_TODAY_STAND_IN)
        sql, params = queryset.query.get_compiler(alias).as_sql()
        uscc_at = [i for i, value in enumerate(params) if value == _USCC_STAND_IN]
        today_at = [i for i, value in enumerate(params) if value == _TODAY_STAND_IN]
        if len(uscc_at) != 1 or not today_at:
            raise RuntimeError("the credit page's query has not the parameters expected")
        names = [f.attname for f in Enterprise._meta.concrete_fields if f.attname in ENTERPRISE_FIELDS]
        # PostgreSQL's own placeholders ($1 …), so that psycopg need not rewrite the statement on every
        # run (it keeps rewritten statements only up to 4 kB, and this one is longer).
        numbers = itertools.count(1)
        sql = re.sub(r"%%|%s", lambda m: "%" if m.group() == "%%" else f"${next(numbers)}", sql)
        statement = _statements[alias] = (sql, uscc_at, today_at, tuple(params), names)
    return statement


def page_row(*, uscc: str, today: dt.date) -> Enterprise | None:
    """The enterprise (only the columns shown) with its public sections as JSON arrays in ``page_*``
    attributes, in one query; None when no enterprise has this code."""
    connection = connections[router.db_for_read(Enterprise)]
    sql, uscc_at, today_at, template, names = _page_statement(connection.alias)
    params = list(template)
    params[uscc_at[0]] = uscc
    for i in today_at:
        params[i] = today
    # Prepared: PostgreSQL plans it a few times per connection, then keeps a generic plan.
    with server_cursor(connection, prepare=True) as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    enterprise = Enterprise.from_db(connection.alias, names, row[: len(names)])
    # Django's connection reads jsonb as text (its JSONField decodes it): decoded here.
    records, listings, commitments, former, rating, division, inspections, annual_reports, regdetails = row[
        len(names) :
    ]
    enterprise.page_records = [json.loads(item) for item in records]
    enterprise.page_listings = [json.loads(item) for item in listings]
    enterprise.page_commitments = [json.loads(item) for item in commitments]
    enterprise.page_former = [json.loads(item) for item in former]
    enterprise.page_rating = json.loads(rating) if rating is not None else None
    enterprise.page_division = json.loads(division) if division is not None else None
    enterprise.page_inspections = [json.loads(item) for item in inspections]
    enterprise.page_annual_reports = [json.loads(item) for item in annual_reports]
    enterprise.page_regdetails = json.loads(regdetails[0]) if regdetails else None
    return enterprise


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


# Choice labels by language, model and field: ``get_FOO_display()`` builds a dict of every choice
# on each call, translating all of their labels (some seventy translations for a page).
_CHOICE_LABELS: dict[tuple[str | None, type, str], dict[Any, str]] = {}


def choice_label(model: type[models.Model], name: str, value: Any) -> str:
    """What ``get_<name>_display()`` says, in the active language."""
    key = (translation.get_language(), model, name)
    labels = _CHOICE_LABELS.get(key)
    if labels is None:
        labels = _CHOICE_LABELS[key] = {
            choice: str(label) for choice, label in model._meta.get_field(name).flatchoices
        }
    return labels.get(value, "" if value is None else str(value))


class Fields(dict):
    """A mapping whose keys the template reads as attributes (``r.kind``): Jinja2 tries an attribute
    before an item, and a plain dict would fail the attribute (an exception) on every field."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


# ``?source=`` of the credit page: the records and listings of this platform (theirs have no source
# platform), or of one partner platform by its code.
LOCAL_SOURCE = "local"


def _source_of(item: Any) -> str:
    return getattr(item, "source_platform", "") or LOCAL_SOURCE


def source_choices(page: CreditPage, selected: str | None) -> list[tuple[str, str, bool]]:
    """The sources of the page's records and listings, as (code, name, selected), this platform first;
    empty when every one is this platform's (nothing to filter)."""
    english = (translation.get_language() or "").startswith("en")
    names: dict[str, str] = {}
    for item in [*page.records, *page.listings]:
        code = _source_of(item)
        if code not in names:
            if code == LOCAL_SOURCE:
                names[code] = _("This platform")
            else:
                names[code] = (english and getattr(item, "source_platform_name_en", "")) or getattr(
                    item, "source_platform_name", code
                )
    if set(names) <= {LOCAL_SOURCE} and selected is None:
        return []
    ordered = sorted(names.items(), key=lambda pair: (pair[0] != LOCAL_SOURCE, pair[1]))
    return [("", _("All sources"), selected is None)] + [
        (code, name, code == selected) for code, name in ordered
    ]


def credit_page_context(page: CreditPage, *, source: str | None = None) -> dict[str, Any]:
    """The body template's context, in the active language: masked fields with their labels.

    ``source`` (``LOCAL_SOURCE`` or a partner platform's code) keeps only the records and listings of
    that source; the standing is still the enterprise's, from all of them."""
    enterprise = page.enterprise
    records = page.records if source is None else [r for r in page.records if _source_of(r) == source]
    by_kind = sections_of(records)
    objected = {record.pk for record in records if record.under_objection}
    sections = [
        (
            kind.value,
            section_title(kind),
            [
                Fields(with_labels(r), under_objection=r["id"] in objected)
                for r in by_kind.get(kind.value, [])
            ],
        )
        for kind in SECTION_KINDS
    ]
    standing = standing_from(
        enterprise=enterprise, listings=page.listings, penalties=penalty_counts(page.records)
    )
    listings = page.listings if source is None else [e for e in page.listings if _source_of(e) == source]
    for commitment in page.commitments:
        commitment.public_content = public_text(commitment.content, codes=(enterprise.uscc,))
        commitment.kind_display = choice_label(Commitment, "kind", commitment.kind)
        commitment.status_display = choice_label(Commitment, "status", commitment.status)
    counts = [(kind, label, len(items)) for kind, label, items in sections]
    counts += [
        ("inspections", _("Inspection results"), page.inspections[0]["total"] if page.inspections else 0),
        ("lists", _("Lists"), len(listings)),
        ("commitments", _("Credit commitments"), len(page.commitments)),
    ]
    counts.insert(len(sections), ("annual-reports", _("Annual reports"), len(page.annual_reports)))
    return {
        "enterprise": enterprise,
        "labels": Fields(
            (name, choice_label(Enterprise, name, getattr(enterprise, name)))
            for name in ("status", "entity_type", "industry", "source")
        ),
        # What ``division_describe`` says, read with the page.
        "division": Fields(page.division, code=enterprise.division_code) if page.division else None,
        "former_names": [Fields(former) for former in page.former_names],
        "standing": Fields(standing.as_dict(), details=standing.details),
        "section_counts": counts,
        "sections": sections,
        "rating": Fields(page.rating) if page.rating else None,
        "listings": [
            (
                Fields(with_labels(public_listing_fields(entry, enterprise=enterprise))),
                entry.pk in page.objected_listings,
            )
            for entry in listings
        ],
        "source_filter": source_choices(page, source),
        "source_selected": source,
        "commitments": page.commitments,
        "inspections": [
            Fields(
                item,
                outcome_display=choice_label(Inspection, "outcome", item["outcome"]),
                findings=public_text(item["findings"], codes=(enterprise.uscc,)),
                consequences=public_text(item["consequences"], codes=(enterprise.uscc,)),
            )
            for item in page.inspections
        ],
        "inspections_total": page.inspections[0]["total"] if page.inspections else 0,
        "annual_reports": [
            Fields(
                report,
                status_display=choice_label(AnnualReport, "operating_status", report["operating_status"]),
            )
            for report in page.annual_reports
        ],
        "annual_report_optional": ANNUAL_REPORT_OPTIONAL,
        "listed_period": pgettext("period", "Listed"),
        "regdetails": Fields(public_registration_details(page.registration_details or {})),
        "updated": timezone.localtime(enterprise.updated_at).strftime("%Y-%m-%d %H:%M")
        if enterprise.updated_at
        else "",
    }


def credit_page_body(page: CreditPage, *, source: str | None = None) -> str:
    """The rendered body of a credit page in the active language (``source``: only its records)."""
    return localized_template("lookup/credit_body.html").render(credit_page_context(page, source=source))


__all__ = ["CreditPage", "credit_page_body", "credit_page_context", "credit_page_read"]
