"""A small registry whose statistics are known by heart: what each figure must count, and what it
must leave out (records and listings the public pages do not show).

Rows are created directly (fixture data, as the factories do): the figures are under test here,
not the services that made the rows.
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.contrib.auth import get_user_model
from django.utils import timezone

from registry.models import Agency, Enterprise
from sanctions.models import (
    CreditRecord,
    EnterpriseRating,
    Listing,
    ListKind,
    Objection,
    RatingModel,
    RepairApplication,
)
from tests.factories import AgencyFactory, EnterpriseFactory, enterprise_code

_numbers = itertools.count(1)


def month(day: dt.date) -> str:
    return day.strftime("%Y-%m")


def _record(
    agency: Agency, enterprise: Enterprise, author, *, kind: str = "penalty", decided: dt.date, **fields
):
    return CreditRecord.objects.create(
        agency=agency,
        kind=kind,
        status=fields.pop("status", "published"),
        enterprise=enterprise,
        party_name=enterprise.name,
        party_uscc=enterprise.uscc,
        document_number=f"统计测试〔2026〕{next(_numbers)}号",
        decision_date=decided,
        authority_name=agency.name,
        authority_uscc=agency.uscc,
        source_unit_name=agency.name,
        source_unit_uscc=agency.uscc,
        created_by=author,
        publicity_end=fields.pop("publicity_end", decided + dt.timedelta(days=3 * 365)),
        **fields,
    )


def _listing(agency, enterprise, author, kind: str, *, start: dt.date, status: str = "active", **fields):
    return Listing.objects.create(
        list_kind=ListKind.objects.get(pk=kind),
        enterprise=enterprise,
        agency=agency,
        status=status,
        grounds="统计测试",
        legal_basis="统计测试",
        document_number=f"统计测试名单〔2026〕{next(_numbers)}号",
        start_date=start,
        inclusion_conditions="—",
        removal_conditions="—",
        created_by=author,
        published_at=fields.pop("published_at", timezone.now()),
        **fields,
    )


def _aware(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def seed_statistics_data() -> dict:
    """Create the data set; returns what its statistics must say."""
    today = timezone.localdate()
    author = get_user_model().objects.create(username=f"stats-author-{next(_numbers)}")
    agency = AgencyFactory()
    zhejiang_c = EnterpriseFactory(industry="C", uscc=enterprise_code(90001, "330106"))
    guangdong_f = EnterpriseFactory(industry="F", uscc=enterprise_code(90002, "440104"))
    unclassified = EnterpriseFactory(industry="", uscc=enterprise_code(90003, "330106"))

    # Public: four records.
    recent, older, last_year, long_ago = (
        today - dt.timedelta(days=10),
        today - dt.timedelta(days=40),
        today - dt.timedelta(days=400),
        today - dt.timedelta(days=800),
    )
    _record(agency, zhejiang_c, author, kind="penalty", decided=recent)
    _record(agency, zhejiang_c, author, kind="licence", decided=older, publicity_end=None)
    _record(agency, guangdong_f, author, kind="penalty", decided=last_year)
    _record(
        agency,
        unclassified,
        author,
        kind="reward",
        decided=long_ago,
        publicity_end=today + dt.timedelta(days=30),
    )

    # Not public: none of these may count anywhere.
    _record(agency, zhejiang_c, author, decided=recent, status="draft")
    _record(agency, zhejiang_c, author, decided=recent, status="submitted")
    _record(agency, zhejiang_c, author, decided=recent, status="revoked")
    _record(agency, zhejiang_c, author, decided=recent, status="expired")
    _record(agency, zhejiang_c, author, decided=older, publicity_end=today)  # publicity ended today
    _record(agency, zhejiang_c, author, decided=recent, repaired_at=timezone.now())
    _record(agency, zhejiang_c, author, decided=recent, never_published=True)
    _record(agency, guangdong_f, author, decided=recent, usage_scope="government")
    _record(agency, guangdong_f, author, decided=recent, is_current=False)
    _record(agency, guangdong_f, author, decided=today + dt.timedelta(days=1))  # decided tomorrow

    # Listings: one in force, one removed after repair, one whose term ended (job not run yet);
    # a revoked one, a draft and one not started yet count nowhere.
    dishonest_start = today - dt.timedelta(days=10)
    _listing(agency, zhejiang_c, author, "dishonest", start=dishonest_start)
    abnormal_start = today - dt.timedelta(days=100)
    _listing(
        agency,
        guangdong_f,
        author,
        "abnormal",
        start=abnormal_start,
        status="removed",
        removed_at=_aware(today),
        removal_reason="repaired",
    )
    watch_start, watch_end = today - dt.timedelta(days=50), today - dt.timedelta(days=5)
    _listing(agency, unclassified, author, "watch", start=watch_start, end_date=watch_end)
    _listing(
        agency,
        unclassified,
        author,
        "dishonest",
        start=today - dt.timedelta(days=30),
        status="removed",
        removed_at=_aware(today),
        removal_reason="revoked",
    )
    _listing(
        agency,
        guangdong_f,
        author,
        "red",
        start=today - dt.timedelta(days=3),
        status="draft",
        published_at=None,
    )
    _listing(agency, guangdong_f, author, "red", start=today + dt.timedelta(days=3))

    # Repair applications: approved after 2, 4 and 10 days, rejected after 6, one withdrawn, one open.
    subject = _record(agency, guangdong_f, author, decided=last_year, status="expired")
    for status, days in (
        ("approved", 2),
        ("approved", 4),
        ("approved", 10),
        ("rejected", 6),
        ("withdrawn", None),
        ("submitted", None),
    ):
        filed = timezone.now() - dt.timedelta(days=30)
        application = RepairApplication.objects.create(
            enterprise=guangdong_f,
            record=subject,
            agency=agency,
            applicant=author,
            status=status,
            statement="已整改",
            decide_by=today,
            decided_at=filed + dt.timedelta(days=days) if days is not None else None,
        )
        RepairApplication.objects.filter(pk=application.pk).update(submitted_at=filed)

    # Objections: corrected after 3 days, upheld after 1 and 5, one received and one forwarded.
    for status, days in (
        ("corrected", 3),
        ("upheld", 1),
        ("upheld", 5),
        ("received", None),
        ("forwarded", None),
    ):
        filed = timezone.now() - dt.timedelta(days=20)
        objection = Objection.objects.create(
            reference=f"YY{next(_numbers):08d}",
            follow_token_hash="0" * 64,
            record=subject,
            agency=agency,
            objector_name="张三",
            contact="zhang@example.com",
            reason="有误",
            status=status,
            mark_by=today,
            forward_by=today,
            decide_by=today,
            decided_at=filed + dt.timedelta(days=days) if days is not None else None,
        )
        Objection.objects.filter(pk=objection.pk).update(received_at=filed)

    # Ratings under the default model: A, A, C now; an older B no longer current.
    model = RatingModel.objects.get(is_default=True)
    for enterprise, grade, current in (
        (zhejiang_c, "B", False),
        (zhejiang_c, "A", True),
        (guangdong_f, "A", True),
        (unclassified, "C", True),
    ):
        EnterpriseRating.objects.create(
            enterprise=enterprise, model=model, grade=grade, points=80, fingerprint=grade, is_current=current
        )

    return {
        "today": today,
        "months": {"recent": month(recent), "older": month(older), "last_year": month(last_year)},
        "listing_months": {
            "dishonest_entry": month(dishonest_start),
            "abnormal_entry": month(abnormal_start),
            "abnormal_exit": month(today),
            "watch_entry": month(watch_start),
            "watch_exit": month(watch_end),
        },
        "enterprises": Enterprise.objects.count(),
    }
