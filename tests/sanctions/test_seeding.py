"""Credit data for synthetic enterprises in bulk (``sanctions.seeding.credit_seed_synthetic``): the
same plans as the small demo, through the import's COPY path and the other bulk paths, chunk by
chunk, resumable, and nothing twice."""

from __future__ import annotations

import pytest
from django.db.models import Count, F
from django.utils import timezone

from registry import seeding as registry_seeding
from registry.cache import enterprise_generation
from registry.models import AuditEntry
from sanctions import seeding
from sanctions.choices import ImportStatus, RecordKind, RecordStatus
from sanctions.models import (
    Commitment,
    CreditRecord,
    EnterpriseRating,
    ImportBatch,
    Listing,
    RecordEvent,
)
from sanctions.records.selectors import public_records
from sanctions.seeding import bulk
from sanctions.seeding.context import SeedContext
from sanctions.seeding.decisions import Facts
from sanctions.seeding.plans import plan_enterprise

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def synthetic(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    registry_seeding.demo_seed()
    registry_seeding.enterprises_seed_synthetic(count=600)
    return list(registry_seeding.synthetic_enterprises().order_by("pk"))


def planned(enterprises) -> list:
    ctx = SeedContext.load()
    fields = bulk._FACT_FIELDS
    return [
        plan_enterprise(Facts(*(getattr(e, f) for f in fields)), ctx.agencies, ctx.today) for e in enterprises
    ]


def test_synthetic_enterprises_get_their_plans_through_the_import_and_are_published(synthetic):
    generation_before = enterprise_generation(synthetic[0].pk)
    report = seeding.credit_seed_synthetic(chunk=250)

    assert report.enterprises == 600 and report.chunks == 3
    plans = planned(synthetic)
    expected = sum(len(p.records) for p in plans)
    imported = CreditRecord.objects.filter(import_batch__isnull=False)
    assert imported.count() == expected == report.records
    assert expected > 100  # about three in ten hold a licence, one in six a penalty
    assert not imported.filter(status__in=[RecordStatus.DRAFT, RecordStatus.SUBMITTED]).exists()
    assert not imported.filter(published_by=F("created_by")).exists()  # four eyes
    assert not imported.filter(publicity_rule__isnull=True).exists()
    today = timezone.localdate()
    assert not CreditRecord.objects.filter(status=RecordStatus.PUBLISHED, publicity_end__lte=today).exists()
    assert imported.filter(status=RecordStatus.EXPIRED).count() == report.expired > 0
    actions = dict(
        RecordEvent.objects.filter(record__in=imported)
        .values_list("action")
        .annotate(n=Count("id"))
        .order_by()
    )
    assert actions["create"] == actions["submit"] == actions["publish"] == expected
    assert actions["expire"] == report.expired
    batches = ImportBatch.objects.filter(original_name__startswith="seed_demo-")
    assert set(batches.values_list("status", flat=True)) == {ImportStatus.DONE}
    assert sum(batches.values_list("created_count", flat=True)) == expected
    named = {
        row[0] for e in AuditEntry.objects.filter(action="record.publish.bulk") for row in e.after["records"]
    }
    assert named == set(imported.values_list("pk", flat=True))
    # Most enterprises clean; some with one or two penalties still public; a few on a list.
    with_penalty = public_records().filter(kind=RecordKind.PENALTY, enterprise__in=synthetic)
    share = with_penalty.values("enterprise").distinct().count() / 600
    assert 0.03 <= share <= 0.3
    assert Listing.objects.filter(enterprise__in=synthetic).count() == sum(len(p.listings) for p in plans) > 0
    assert not Listing.objects.filter(end_date__lte=today, status="active").exists()
    assert Commitment.objects.filter(enterprise__in=synthetic).count() <= sum(
        len(p.commitments) for p in plans
    )
    assert EnterpriseRating.objects.filter(is_current=True, enterprise__in=synthetic).count() == 600
    touched = next(p.facts.pk for p in plans if not p.is_empty)
    assert enterprise_generation(touched) > generation_before or enterprise_generation(touched) > 1


def test_a_second_run_creates_nothing_and_more_enterprises_get_only_their_own(synthetic):
    seeding.credit_seed_synthetic(chunk=250)
    records, listings = CreditRecord.objects.count(), Listing.objects.count()

    again = seeding.credit_seed_synthetic(chunk=250)

    assert again.enterprises == 0 and again.records == 0
    assert (CreditRecord.objects.count(), Listing.objects.count()) == (records, listings)
    registry_seeding.enterprises_seed_synthetic_up_to(total=700)
    more = seeding.credit_seed_synthetic(chunk=250)
    assert more.enterprises == 100
    newest = list(registry_seeding.synthetic_enterprises().order_by("-pk")[:100])
    assert more.records == sum(len(p.records) for p in planned(newest))


def test_a_run_that_stops_resumes_after_its_last_chunk(synthetic, monkeypatch):
    real = bulk.chunk_seed
    calls = {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("the process was killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(bulk, "chunk_seed", failing)
    with pytest.raises(RuntimeError):
        seeding.credit_seed_synthetic(chunk=250)
    assert bulk.watermark() == synthetic[249].pk  # the first chunk committed, the second rolled back
    monkeypatch.setattr(bulk, "chunk_seed", real)

    report = seeding.credit_seed_synthetic(chunk=250)

    assert report.enterprises == 350
    imported = CreditRecord.objects.filter(import_batch__isnull=False)
    assert imported.count() == sum(len(p.records) for p in planned(synthetic))
    duplicates = imported.values("agency", "document_number").annotate(n=Count("id")).filter(n__gt=1)
    assert not duplicates.exists()


def test_only_a_registry_administrator_seeds_credit_data(clerk, synthetic):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        seeding.credit_seed_synthetic(actor=clerk)
    with pytest.raises(PermissionDenied):
        seeding.credit_seed_demo(actor=clerk)
    assert not CreditRecord.objects.exists()


def test_no_credit_data_under_production_settings(synthetic, monkeypatch):
    from django.core.exceptions import PermissionDenied

    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "config.settings.production")
    with pytest.raises(PermissionDenied):
        seeding.credit_seed_synthetic()
    with pytest.raises(PermissionDenied):
        seeding.credit_seed_demo()
    assert not CreditRecord.objects.exists()


def test_bulk_ratings_can_be_limited_to_a_range_of_enterprises(synthetic):
    from sanctions.lists.ratings_bulk import ratings_recompute_bulk

    first, last = synthetic[100].pk, synthetic[199].pk
    result = ratings_recompute_bulk(between=(first, last))

    rated = set(EnterpriseRating.objects.filter(is_current=True).values_list("enterprise_id", flat=True))
    assert rated == {e.pk for e in synthetic[100:200]}
    assert result.base_rows == 100 and result.enterprises == 100


def test_a_seed_that_runs_past_midnight_objects_only_to_what_is_still_public(clerk, reviewer, market_agency):
    """The seed's day is fixed when it starts; the objection service judges by the clock. A record or
    listing whose publicity ended at midnight is left without its objection, not a failed seed."""
    import datetime as dt
    from types import SimpleNamespace

    from sanctions.lists.selectors import active_listings
    from sanctions.models import Objection
    from sanctions.seeding.lifecycle import object_to_listing, object_to_record
    from tests.factories import EnterpriseFactory
    from tests.sanctions.lists.helpers import publish_listing, publish_record

    enterprise = EnterpriseFactory()
    record = publish_record(clerk, reviewer, market_agency, enterprise)
    listing = publish_listing(clerk, reviewer, market_agency, enterprise, kind="watch")
    today = timezone.localdate()
    yesterday, earlier = today - dt.timedelta(days=1), today - dt.timedelta(days=30)
    # Public until yesterday included: the publicity and the listing ended at midnight.
    CreditRecord.objects.filter(pk=record.pk).update(decision_date=earlier, publicity_end=today)
    Listing.objects.filter(pk=listing.pk).update(start_date=earlier, end_date=today)
    started_yesterday = SimpleNamespace(today=yesterday)
    assert public_records(today=yesterday).filter(pk=record.pk).exists()
    assert active_listings(today=yesterday).filter(pk=listing.pk).exists()

    assert (
        object_to_record(
            started_yesterday, record=record, objector="某公司", reason="理由", outcome="received"
        )
        is None
    )
    object_to_listing(
        started_yesterday, listing=listing, objector="某公司", outcome="received", reason="理由"
    )
    assert not Objection.objects.exists()
