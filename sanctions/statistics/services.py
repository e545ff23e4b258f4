"""The one write of the statistics: count every figure from the public data, then replace the snapshot.

``statistics_refresh`` is idempotent (the same data gives the same figures and leaves one snapshot)
and cheap enough for an hourly beat at a million enterprises: one pass over the public records with
``GROUPING SETS`` (by kind, industry, province and month at once), one over the listings, one each
over repair applications, objections and current ratings. It counts in a read-only ``REPEATABLE
READ`` transaction, so every figure is of the same moment, and replaces the snapshot in a second,
short transaction: readers see the old figures or the new ones, never a mix and never none.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from registry.choices import DivisionLevel, Industry
from registry.models import Division, Enterprise
from sanctions.choices import ApplicationStatus, ListingStatus, ObjectionStatus, RecordKind, RemovalReason
from sanctions.lists.ratings import default_rating_model
from sanctions.models import ListKind, StatisticsSnapshot
from sanctions.records.selectors import public_records

from .selectors import statistics_version_publish

MONTHS = 24  # the months shown by month, the current one included
RECORD_KINDS = [RecordKind.PENALTY, RecordKind.LICENCE, RecordKind.REWARD]
REPAIR_OUTCOMES = [ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN]
OBJECTION_OUTCOMES = [ObjectionStatus.CORRECTED, ObjectionStatus.REVOKED, ObjectionStatus.UPHELD]
OBJECTION_PENDING = [ObjectionStatus.RECEIVED, ObjectionStatus.FORWARDED]
UNCLASSIFIED = ""  # an enterprise with no industry, or a division code of no province
# Serialises the replacement of the snapshot between concurrent refreshes (beat, a command).
_REPLACE_LOCK = 0x53544154  # "STAT"
# The hash of the enterprises (id, industry, division) is built in memory in one batch: 58 MB at a
# million enterprises (EXPLAIN in bench/results/statistics.json), room here for about two million.
_WORK_MEM = "128MB"


def months_ending(today: dt.date, count: int = MONTHS) -> list[dt.date]:
    """The first days of the ``count`` months that end with ``today``'s month, oldest first."""
    year, month = today.year, today.month
    firsts = []
    for _ in range(count):
        firsts.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return firsts[::-1]


def _month_key(day: dt.date) -> str:
    return day.strftime("%Y-%m")


def _kind_counts(counts: dict[str, int] | None = None) -> dict[str, int]:
    counts = counts or {}
    row = {kind.value: counts.get(kind.value, 0) for kind in RECORD_KINDS}
    row["all"] = sum(row.values())
    return row


def _records(today: dt.date, months: list[dt.date]) -> dict[str, Any]:
    """Public records (the one visibility rule, ``public_records``) by kind, and by kind and industry,
    province or month of decision, in one pass (``GROUPING SETS``)."""
    public = (
        public_records(today=today)
        .order_by()
        .values(
            "kind",
            "decision_date",
            industry=F("enterprise__industry"),
            division=F("enterprise__division_code"),
        )
    )
    inner, params = public.query.sql_with_params()
    sql = f"""
        SELECT GROUPING(p.industry, p.province, p.month), p.kind, p.industry, p.province, p.month, count(*)
        FROM (
            SELECT s.kind, s.industry, left(s.division, 2) AS province,
                   CASE WHEN s.decision_date >= %s THEN date_trunc('month', s.decision_date)::date END AS month
            FROM ({inner}) s
        ) p
        GROUP BY GROUPING SETS ((p.kind), (p.kind, p.industry), (p.kind, p.province), (p.kind, p.month))
    """  # noqa: S608 - the inner query is Django's, its values are parameters
    total: dict[str, int] = {}
    industry: dict[str, dict[str, int]] = {}
    province: dict[str, dict[str, int]] = {}
    month: dict[str, dict[str, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [months[0], *params])
        for grouping, kind, industry_code, province_code, month_day, count in cursor.fetchall():
            if grouping == 0b111:
                total[kind] = count
            elif grouping == 0b011:
                industry.setdefault(industry_code or UNCLASSIFIED, {})[kind] = count
            elif grouping == 0b101:
                province.setdefault(province_code or UNCLASSIFIED, {})[kind] = count
            elif month_day is not None:  # 0b110; records decided before the first month are left out
                month.setdefault(_month_key(month_day), {})[kind] = count
    names = {
        code[:2]: name
        for code, name in Division.objects.filter(level=DivisionLevel.PROVINCE).values_list("code", "name")
    }
    provinces = {}
    for code, counts in province.items():  # a code of no province counts as unclassified
        key = code if code in names else UNCLASSIFIED
        merged = provinces.setdefault(key, {})
        for kind, count in counts.items():
            merged[kind] = merged.get(kind, 0) + count
    industries = [
        {"code": section.value, **_kind_counts(industry.get(section.value))} for section in Industry
    ]
    if UNCLASSIFIED in industry:
        industries.append({"code": UNCLASSIFIED, **_kind_counts(industry[UNCLASSIFIED])})
    return {
        "total": _kind_counts(total),
        "by_industry": industries,
        "by_province": [
            {"code": code, "name": names.get(code, ""), **_kind_counts(provinces[code])}
            for code in sorted(provinces, key=lambda c: (c == UNCLASSIFIED, c))
        ],
        "by_month": [{"month": _month_key(m), **_kind_counts(month.get(_month_key(m)))} for m in months],
    }


def _listings(today: dt.date, months: list[dt.date]) -> dict[str, Any]:
    """Entries and exits by month and list, and the listings in force today.

    A listing counts once it was published and in force for at least a day: revoked decisions and
    listings taken off before they started count nowhere. It enters on its start date and leaves on
    the earlier of its end date and its removal (repair, or the expiry job a day or more after the
    end date); a listing whose end date has passed has left even if the expiry job has not run yet.
    """
    sql = """
        WITH listing AS (
            SELECT list_kind_id, start_date,
                   CASE WHEN status = %(removed)s
                        THEN LEAST((removed_at AT TIME ZONE %(tz)s)::date,
                                   COALESCE(end_date, (removed_at AT TIME ZONE %(tz)s)::date))
                        WHEN end_date <= %(today)s THEN end_date END AS left_on
            FROM sanctions_listing
            WHERE status IN (%(active)s, %(removed)s) AND published_at IS NOT NULL
              AND removal_reason <> %(revoked)s AND start_date <= %(today)s
        ), counted AS (
            SELECT * FROM listing WHERE left_on IS NULL OR left_on > start_date
        )
        SELECT list_kind_id, 'entries', date_trunc('month', start_date)::date, count(*)
        FROM counted WHERE start_date >= %(since)s GROUP BY 1, 3
        UNION ALL
        SELECT list_kind_id, 'exits', date_trunc('month', left_on)::date, count(*)
        FROM counted WHERE left_on >= %(since)s GROUP BY 1, 3
        UNION ALL
        SELECT list_kind_id, 'in_force', NULL, count(*) FROM counted WHERE left_on IS NULL GROUP BY 1
    """
    params = {
        "active": ListingStatus.ACTIVE,
        "removed": ListingStatus.REMOVED,
        "revoked": RemovalReason.REVOKED,
        "today": today,
        "since": months[0],
        "tz": settings.TIME_ZONE,
    }
    flows: dict[tuple[str, str], dict[str, int]] = {}
    in_force: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for kind, flow, month_day, count in cursor.fetchall():
            if flow == "in_force":
                in_force[kind] = count
            else:
                flows.setdefault((flow, _month_key(month_day)), {})[kind] = count
    kinds = list(
        ListKind.objects.filter(active=True)
        .order_by("nature", "code")
        .values("code", "name", "name_en", "nature")
    )
    known = {k["code"] for k in kinds}
    # A list no longer in use still shows the months when it had entries or exits.
    used = {kind for counts in flows.values() for kind in counts} | set(in_force)
    if used - known:
        kinds += list(
            ListKind.objects.filter(code__in=used - known)
            .order_by("code")
            .values("code", "name", "name_en", "nature")
        )
    codes = [k["code"] for k in kinds]
    return {
        "kinds": [{**k, "in_force": in_force.get(k["code"], 0)} for k in kinds],
        "by_month": [
            {
                "month": _month_key(m),
                **{
                    flow: {code: flows.get((flow, _month_key(m)), {}).get(code, 0) for code in codes}
                    for flow in ("entries", "exits")
                },
            }
            for m in months
        ],
    }


def _outcomes(table: str, started: str, outcomes: list[str], pending: list[str]) -> dict[str, Any]:
    """Decisions by outcome with the days from filing to decision (median, 90th percentile)."""
    sql = f"""
        SELECT status, count(*),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM decided_at - {started}) / 86400),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM decided_at - {started}) / 86400)
        FROM {table} GROUP BY status
    """  # noqa: S608 - table and column are constants of this module
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = {status: (count, median, p90) for status, count, median, p90 in cursor.fetchall()}

    def days(value) -> float | None:
        return None if value is None else round(float(value), 1)

    return {
        "outcomes": [
            {
                "outcome": outcome,
                "count": rows.get(outcome, (0,))[0],
                "median_days": days(rows.get(outcome, (0, None))[1]),
                "p90_days": days(rows.get(outcome, (0, None, None))[2]),
            }
            for outcome in outcomes
        ],
        "pending": sum(rows.get(status, (0,))[0] for status in pending),
    }


def _ratings() -> dict[str, Any]:
    """Enterprises by their current grade under the default rating model (the grade the credit page shows)."""
    model = default_rating_model()
    enterprises = Enterprise.objects.count()
    if model is None:
        return {
            "model": None,
            "model_name": "",
            "model_name_en": "",
            "grades": [],
            "rated": 0,
            "enterprises": enterprises,
        }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT grade, count(*) FROM sanctions_enterpriserating WHERE is_current AND model_id = %s GROUP BY grade",
            [model.code],
        )
        counts = dict(cursor.fetchall())
    grades = [
        {
            "grade": g["grade"],
            "label": g.get("label", ""),
            "label_en": g.get("label_en", ""),
            "count": counts.pop(g["grade"], 0),
        }
        for g in model.grades
    ]
    grades += [
        {"grade": grade, "label": "", "label_en": "", "count": count}
        for grade, count in sorted(counts.items())
    ]
    return {
        "model": model.code,
        "model_name": model.name,
        "model_name_en": model.name_en,
        "grades": grades,
        "rated": sum(g["count"] for g in grades),
        "enterprises": enterprises,
    }


def statistics_compute(*, today: dt.date | None = None) -> dict[str, Any]:
    """Every figure of the statistics as of ``today``, counted now (docs/statistics.md)."""
    today = today or timezone.localdate()
    months = months_ending(today)
    return {
        "as_of": today.isoformat(),
        "months": [_month_key(m) for m in months],
        "records": _records(today, months),
        "listings": _listings(today, months),
        "repairs": _outcomes(
            "sanctions_repairapplication", "submitted_at", REPAIR_OUTCOMES, [ApplicationStatus.SUBMITTED]
        ),
        "objections": _outcomes("sanctions_objection", "received_at", OBJECTION_OUTCOMES, OBJECTION_PENDING),
        "ratings": _ratings(),
    }


def _digest(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def statistics_refresh(*, today: dt.date | None = None) -> StatisticsSnapshot:
    """Count the public statistics again and make them the current snapshot (hourly; idempotent)."""
    started = time.monotonic()
    computed_at = timezone.now()
    if connection.in_atomic_block:  # inside a caller's transaction: count in it
        data = statistics_compute(today=today)
    else:
        with transaction.atomic():
            with (
                connection.cursor() as cursor
            ):  # the transaction's first statements: one moment for every figure
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                cursor.execute("SET LOCAL work_mem = %s", [_WORK_MEM])
            data = statistics_compute(today=today)
    return _snapshot_replace(
        data=data, computed_at=computed_at, duration_ms=round((time.monotonic() - started) * 1000)
    )


@transaction.atomic
def _snapshot_replace(
    *, data: dict[str, Any], computed_at: dt.datetime, duration_ms: int
) -> StatisticsSnapshot:
    """Replace the current snapshot, unless a concurrent refresh that counted later has already done so."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_REPLACE_LOCK])
    newer = StatisticsSnapshot.objects.filter(computed_at__gt=computed_at).order_by("-id").first()
    if newer is not None:
        return newer
    StatisticsSnapshot.objects.all().delete()
    snapshot = StatisticsSnapshot.objects.create(
        computed_at=computed_at,
        as_of=dt.date.fromisoformat(data["as_of"]),
        duration_ms=duration_ms,
        digest=_digest(data),
        data=data,
    )
    statistics_version_publish(snapshot)
    return snapshot
