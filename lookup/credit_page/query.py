"""The credit page's one query: the enterprise and everything public about it, as one row.

A first view of a credit page (one no cache has seen: most views of a national registry, which is
read in its long tail) used to cost seven ORM queries and a Django template of some hundred tags,
about 13 ms of one core. Here the enterprise and everything public about it — former names, public
records with their objection flag, listings in force, commitments, the current grade — come back
from PostgreSQL as one row, the sections built by ``jsonb_build_object`` inside ``ARRAY(SELECT …)``
subqueries. The subqueries are the project's own selectors (``public_records``, ``active_listings``,
``public_commitments_for``, ``rating_current``'s filter), so what is public is still decided there
and nowhere else.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections, models, router
from django.db.models import Count, Exists, F, OuterRef, Subquery, Window
from django.db.models.functions import Cast, JSONObject

from registry.annual_reports.selectors import PAGE_YEARS, latest_reports, public_report_json
from registry.compiled import server_cursor
from registry.details.public import registration_details_subquery
from registry.models import Division, Enterprise, EnterpriseFormerName
from sanctions.inspections.selectors import published_results
from sanctions.lists.ratings import rating_current_filter
from sanctions.lists.recognition import STANDING, listing_unrecognised, record_unrecognised
from sanctions.lists.selectors import active_listings
from sanctions.models import Commitment, CreditRecord, EnterpriseRating, Listing
from sanctions.records.selectors import public_records
from sanctions.remedies.selectors import (
    listing_objection_open,
    open_objection_on_record,
    public_commitments_for,
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
        .values(
            json=JSONObject(
                grade="grade", points="points", model_name="model__name", model_name_en="model__name_en"
            )
        )[:1]
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
