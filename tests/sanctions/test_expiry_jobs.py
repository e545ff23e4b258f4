"""The expiry and rating jobs at scale: ``expire_records``, ``expire_listings`` and
``ratings_recompute --all`` run in bounded batches through the same services (each batch audited,
with its cache bumps), print a progress line per batch, and a batch that fails is named while the
batches before it stay committed."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from registry.cache import enterprise_generation
from registry.models import AuditEntry
from sanctions.lists import ratings_bulk
from sanctions.lists import services as lists_services
from sanctions.models import CreditRecord, EnterpriseRating, Listing
from sanctions.records import services as records_services
from sanctions.records.services import expiry as records_expiry
from tests.factories import EnterpriseFactory
from tests.sanctions.lists.helpers import publish_listing, publish_record

pytestmark = [pytest.mark.django_db]

TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def due_records(clerk, reviewer, market_agency):
    """Seven published records whose publicity ended yesterday, on seven enterprises."""
    records = [publish_record(clerk, reviewer, market_agency, EnterpriseFactory()) for _ in range(7)]
    CreditRecord.objects.filter(pk__in=[r.pk for r in records]).update(
        publicity_end=TODAY() - dt.timedelta(days=1)
    )
    return records


def run(command: str, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_expire_records_handles_more_records_than_a_batch_with_a_line_per_batch(due_records):
    generations = {r.enterprise_id: enterprise_generation(r.enterprise_id) for r in due_records}

    out, err = run("expire_records", "--batch-size", "3")

    assert out.strip() == "7 records expired."
    lines = err.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("batch 1: 3 records expired (3 of about 7, 43%)")
    assert lines[2].startswith("batch 3: 1 records expired (7 of about 7, 100%)")
    assert "left" in lines[0]
    assert set(CreditRecord.objects.values_list("status", flat=True)) == {"expired"}
    # Each batch through the service: every record's history event and audit entry, its page's cache bumped.
    assert AuditEntry.objects.filter(action="record.expire").count() == 7
    assert all(enterprise_generation(pk) > before for pk, before in generations.items())
    assert run("expire_records")[0].strip() == "0 records expired."


def test_a_failing_expiry_batch_is_named_and_the_batches_before_it_stay(due_records, monkeypatch):
    real = records_expiry.audit_write_many
    calls = {"n": 0}

    def failing(entries):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(entries)

    monkeypatch.setattr(records_expiry, "audit_write_many", failing)

    with pytest.raises(CommandError) as failed:
        run("expire_records", "--batch-size", "3")

    assert "batch 2 failed" in str(failed.value) and "disk full" in str(failed.value)
    assert "The 3 rows of the batches before it are committed" in str(failed.value)
    expired = CreditRecord.objects.filter(status="expired")
    assert expired.count() == 3  # batch 1 committed, batch 2 rolled back whole
    assert AuditEntry.objects.filter(action="record.expire").count() == 3
    assert set(expired.values_list("pk", flat=True)) == {
        r.pk for r in sorted(due_records, key=lambda r: r.pk)[:3]
    }

    monkeypatch.setattr(records_expiry, "audit_write_many", real)
    out, _err = run("expire_records", "--batch-size", "3")
    assert out.strip() == "4 records expired."  # the run again does the rest, nothing twice
    assert AuditEntry.objects.filter(action="record.expire").count() == 7


def test_expiry_batches_follow_on_from_their_position_and_skip_nothing(due_records):
    first = records_services.records_expire_batch(size=4)
    assert first[0] == 4
    second = records_services.records_expire_batch(size=4, after=first[1])
    assert second[0] == 3
    assert records_services.records_expire_batch(size=4, after=second[1]) is None
    assert not CreditRecord.objects.filter(status="published").exists()
    assert records_services.records_expire() == 0  # the one-batch form, as the daily task calls it


def test_expire_listings_handles_more_listings_than_a_batch(clerk, reviewer, market_agency):
    listings = [
        publish_listing(
            clerk,
            reviewer,
            market_agency,
            EnterpriseFactory(),
            document_number=f"浙市监信〔2026〕{n}号",
            start_date=TODAY() - dt.timedelta(days=30),
            end_date=TODAY() + dt.timedelta(days=10),
        )
        for n in range(5)
    ]
    Listing.objects.filter(pk__in=[x.pk for x in listings]).update(end_date=TODAY())

    out, err = run("expire_listings", "--batch-size", "2")

    assert out.strip() == "5 listings ended."
    assert len(err.strip().splitlines()) == 3
    assert "batch 3: 1 listings ended (5 of about 5, 100%)" in err
    assert set(Listing.objects.values_list("removal_reason", flat=True)) == {"term_ended"}
    assert AuditEntry.objects.filter(action="listing.remove.term_ended").count() == 5
    assert lists_services.listings_expire() == 0


def test_ratings_for_all_run_in_chunks_with_a_line_each_and_bump_the_pages_they_change(registry_admin):
    enterprises = EnterpriseFactory.create_batch(12)
    call_command("ratings_recompute", "--all", stdout=io.StringIO(), stderr=io.StringIO())
    before = {e.pk: enterprise_generation(e.pk) for e in enterprises}
    # A change of the base grade's rule: every clean enterprise's grade changes, in SQL, chunk by chunk.
    from sanctions.models import RatingModel

    model = RatingModel.objects.get(pk="registry-default")
    model.base_points = model.base_points - 5
    from sanctions.lists import ratings

    ratings.rating_model_save(actor=registry_admin, model=model)

    out, err = run("ratings_recompute", "--all", "--chunk", "5")

    first, last = min(before), max(before)
    chunks = -(-(last - first + 1) // 5)
    assert f"in {chunks} chunks" in out and "12 new ratings" in out
    assert len(err.strip().splitlines()) == chunks
    assert err.startswith("batch 1: 5 enterprise ids covered")
    assert EnterpriseRating.objects.filter(is_current=True, points=model.base_points).count() == 12
    assert all(
        enterprise_generation(pk) > gen for pk, gen in before.items()
    )  # cached pages drop the old grade


def test_a_failing_rating_chunk_is_named_and_the_chunks_before_it_stay(monkeypatch):
    enterprises = EnterpriseFactory.create_batch(12)
    real = ratings_bulk._with_inputs
    calls = {"n": 0}

    def failing(low, high, today):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("connection lost")
        return real(low, high, today)

    monkeypatch.setattr(ratings_bulk, "_with_inputs", failing)
    with pytest.raises(CommandError) as failed:
        run("ratings_recompute", "--all", "--chunk", "5")

    assert "batch 2 failed" in str(failed.value) and "connection lost" in str(failed.value)
    first = min(e.pk for e in enterprises)
    rated = set(EnterpriseRating.objects.filter(is_current=True).values_list("enterprise_id", flat=True))
    assert rated == set(range(first, first + 5))  # chunk 1 committed, chunk 2 rolled back

    monkeypatch.setattr(ratings_bulk, "_with_inputs", real)
    out, _err = run("ratings_recompute")
    assert "7 new ratings" in out
    assert EnterpriseRating.objects.filter(is_current=True).count() == 12


def test_each_expiry_batch_queues_its_enterprises_ratings_in_one_message(due_records, monkeypatch):
    from sanctions import task_names

    queued = []
    monkeypatch.setattr(records_expiry, "task_on_commit", lambda name, *args: queued.append((name, args)))

    run("expire_records", "--batch-size", "3")

    assert [name for name, _args in queued] == [task_names.RATINGS_RECOMPUTE_MANY] * 3
    assert sorted(i for _name, (ids,) in queued for i in ids) == sorted(r.enterprise_id for r in due_records)


def test_the_many_enterprises_rating_task_rates_each_as_the_one_enterprise_task_does(due_records):
    from sanctions.tasks import ratings_recompute_many

    EnterpriseRating.objects.all().delete()
    ids = [r.enterprise_id for r in due_records]

    assert ratings_recompute_many.delay([*ids, 10**9]).get() == 7  # an id that is gone is skipped
    rated = dict(EnterpriseRating.objects.filter(is_current=True).values_list("enterprise_id", "points"))
    assert rated.keys() == set(ids)
    assert len(set(rated.values())) == 1  # their penalties no longer public: each the base grade
    assert ratings_recompute_many.delay(ids).get() == 0  # nothing changed: nothing new
