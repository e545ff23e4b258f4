"""``GET /api/v1/changes/``: what a partner following the feed sees. Real commits throughout (the feed
only shows events of finished transactions), so these tests use transactional databases."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from lookup.developer_keys import developer_key_issue
from registry import throttling
from registry.changes import change_emit, changes_after, changes_prune
from registry.models import ChangeEvent
from sanctions.records import services
from tests.factories import EnterpriseFactory
from tests.sanctions.lists.helpers import publish_listing, publish_record
from tests.sanctions.payloads import penalty_data

pytestmark = [pytest.mark.django_db(transaction=True)]

FEED = "/api/v1/changes/"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def enterprise():
    return EnterpriseFactory(name="杭州西湖建设工程有限公司")


def feed(api, after: str = "", **params):
    response = api.get(FEED, {"after": after, **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_a_published_record_reads_in_the_feed_exactly_as_the_public_api_shows_it(
    api, clerk, reviewer, market_agency, enterprise
):
    record = publish_record(
        clerk,
        reviewer,
        market_agency,
        enterprise,
        party_category="natural_person",
        party_name="张三丰",
        legal_representative="张三丰",
        violation_facts="张三丰（身份证330106199001011234）销售假冒商品。",
    )
    page = feed(api)
    [event] = [e for e in page["events"] if e["kind"] == "record.published"]
    shown = api.get(f"/api/v1/public/enterprises/{enterprise.uscc}/records/").json()["results"]
    assert event["payload"] == shown[0]
    assert event["payload"]["party_name"] == "张*丰"
    assert "张三丰" not in str(page) and "330106199001011234" not in str(page)
    assert event["subject"] == str(record.record_key)
    assert event["enterprise"] == enterprise.uscc
    assert event["agency"] == market_agency.uscc
    assert event["source_platform"] == "national"
    assert event["occurred_at"]


def test_a_listing_reads_in_the_feed_as_the_public_api_shows_it(
    api, clerk, reviewer, market_agency, enterprise
):
    publish_listing(clerk, reviewer, market_agency, enterprise)
    [event] = feed(api)["events"]
    assert event["kind"] == "listing.entered"
    assert [event["payload"]] == api.get(f"/api/v1/public/enterprises/{enterprise.uscc}/listings/").json()


def test_drafts_and_submitted_records_never_reach_the_feed(api, clerk, market_agency, enterprise):
    for number in ("DRAFT-1", "SUBMITTED-1"):
        record, _ = services.record_create(
            actor=clerk,
            agency=market_agency,
            kind="penalty",
            data=penalty_data(market_agency, enterprise, document_number=number),
        )
    services.record_submit(actor=clerk, record=record)
    assert feed(api)["events"] == []


def test_a_revocation_follows_the_publication_so_mirrors_can_delete(
    api, clerk, reviewer, market_agency, enterprise
):
    record = publish_record(clerk, reviewer, market_agency, enterprise)
    first = feed(api)
    services.record_revoke(actor=reviewer, record=record, reason="复议撤销")
    second = feed(api, first["next"])
    assert [e["kind"] for e in second["events"]] == ["record.revoked"]
    assert second["events"][0]["subject"] == str(record.record_key)
    assert second["events"][0]["payload"] == {
        "record_key": str(record.record_key),
        "version": 1,
        "document_number": record.document_number,
        "agency_uscc": market_agency.uscc,
    }
    assert feed(api, second["next"]) == {"events": [], "next": second["next"]}


def test_a_malformed_cursor_or_limit_is_a_json_400(api):
    for params in ({"after": "not-a-cursor"}, {"limit": "0"}, {"limit": "1001"}, {"wait": "-1"}):
        response = api.get(FEED, params)
        assert response.status_code == 400
        assert response.json()["detail"]


def test_a_cursor_older_than_retention_gets_410_pointing_to_the_bulk_files(api, enterprise):
    for n in range(3):
        with transaction.atomic():
            change_emit(kind="badge.revoked", enterprise_uscc=enterprise.uscc, subject=str(n), payload={})
    old = feed(api, limit=1)["next"]
    ChangeEvent.objects.update(recorded_at=timezone.now() - dt.timedelta(days=40))
    assert changes_prune() == 3
    response = api.get(FEED, {"after": old})
    assert response.status_code == 410
    body = response.json()
    assert "http://testserver/open-data/" in body["detail"]
    assert body["errors"] == [{"field": "after", "message": body["detail"], "code": "expired"}]


def _commit_after(seconds: float, enterprise_uscc: str) -> threading.Thread:
    def write():
        time.sleep(seconds)
        try:
            with transaction.atomic():
                change_emit(kind="badge.revoked", enterprise_uscc=enterprise_uscc, subject="late", payload={})
        finally:
            connection.close()

    thread = threading.Thread(target=write)
    thread.start()
    return thread


def test_a_long_poll_answers_as_soon_as_an_event_commits(api, enterprise):
    start = feed(api)["next"]
    thread = _commit_after(1.0, enterprise.uscc)
    began = time.monotonic()
    page = feed(api, start, wait=20)
    took = time.monotonic() - began
    thread.join()
    assert [e["subject"] for e in page["events"]] == ["late"]
    assert 0.9 <= took < 2.5


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}})
def test_a_long_poll_without_redis_still_answers_soon_by_asking_the_database(api, enterprise):
    thread = _commit_after(1.0, enterprise.uscc)
    began = time.monotonic()
    page = feed(api, wait=20)
    took = time.monotonic() - began
    thread.join()
    assert [e["subject"] for e in page["events"]] == ["late"]
    assert took < 2.5


def test_a_long_poll_with_nothing_new_answers_empty_after_the_wait(api):
    began = time.monotonic()
    page = feed(api, wait=1)
    assert page["events"] == [] and 0.9 <= time.monotonic() - began < 2.0


@override_settings(CHANGE_FEED_MAX_WAIT_SECONDS=1)
def test_a_wait_longer_than_the_maximum_is_cut_to_it(api):
    began = time.monotonic()
    assert feed(api, wait=600)["events"] == []
    assert time.monotonic() - began < 2.0


@override_settings(PUBLIC_API_ANON_RATE="3/min")
def test_anonymous_readers_are_throttled_and_a_developer_key_reads_more(api, registry_admin, monkeypatch):
    monkeypatch.setattr(throttling, "now", lambda: 1_800_000_000.0)
    _row, key = developer_key_issue(
        actor=registry_admin, name="长三角信用平台", contact_email="dev@example.com", requests_per_minute=6
    )
    anonymous = [api.get(FEED).status_code for _ in range(5)]
    keyed = [api.get(FEED, HTTP_X_API_KEY=key).status_code for _ in range(7)]
    assert anonymous == [200, 200, 200, 429, 429]
    assert keyed == [200] * 6 + [429]
    assert "Retry-After" in api.get(FEED)


def test_concurrent_writers_committing_out_of_order_are_read_without_gaps_or_duplicates(enterprise):
    """Writers insert, then sleep inside their transactions (so lower ids commit later), some roll
    back; a reader polls all the while. It collects exactly the committed events, once each."""
    writers, per_writer = 6, 8
    committed: set[str] = set()
    lock = threading.Lock()
    done = threading.Event()
    failures: list[BaseException] = []

    class Rollback(Exception):
        pass

    def write(n: int) -> None:
        rng = random.Random(n)
        try:
            for i in range(per_writer):
                subject = f"w{n}-{i}"
                try:
                    with transaction.atomic():
                        change_emit(
                            kind="badge.revoked", enterprise_uscc=enterprise.uscc, subject=subject, payload={}
                        )
                        time.sleep(rng.uniform(0, 0.15))
                        if rng.random() < 0.2:
                            raise Rollback
                    with lock:
                        committed.add(subject)
                except Rollback:
                    pass
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)
        finally:
            connection.close()

    seen: list[str] = []
    naive: list[str] = []  # what a reader paging by id alone collects, for comparison

    def read() -> None:
        cursor, last_id = None, 0
        try:
            while True:
                finished = done.is_set()
                page = changes_after(cursor, 5)
                seen.extend(e.subject for e in page.events)
                cursor = page.next or cursor
                for event_id, subject in (
                    ChangeEvent.objects.filter(id__gt=last_id).order_by("id").values_list("id", "subject")[:5]
                ):
                    naive.append(subject)
                    last_id = event_id
                if finished and not page.events:
                    return
                time.sleep(0.01)
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)
        finally:
            connection.close()

    reader = threading.Thread(target=read)
    reader.start()
    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    reader.join(timeout=60)
    assert not failures
    assert len(seen) == len(set(seen)), "an event was read twice"
    assert set(seen) == committed, "an event was skipped or a rolled-back one read"
    # The ids really did commit out of order: paging by id alone missed some (else the test proves
    # nothing).
    assert set(naive) < committed


def test_the_prune_command_and_task_keep_recent_events(enterprise):
    from django.core.management import call_command

    with transaction.atomic():
        for n in range(4):
            change_emit(kind="badge.revoked", enterprise_uscc=enterprise.uscc, subject=str(n), payload={})
    ChangeEvent.objects.filter(subject__in=["0", "1"]).update(
        recorded_at=timezone.now() - dt.timedelta(days=31)
    )
    call_command("changes_prune", "--batch", "1")
    assert sorted(ChangeEvent.objects.values_list("subject", flat=True)) == ["2", "3"]
    from registry.tasks import changes_prune as task

    assert task() == 0
    assert changes_prune(retention_days=0) == 2
