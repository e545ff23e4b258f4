"""The change feed's outbox: every service that changes what the public sees writes one event in its
own transaction, with the payload the public API shows; nothing that is not public gets in; the
feed reads back in commit-safe order and prunes with a horizon."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from registry import services as registry_services
from registry.changes import (
    CursorExpired,
    InvalidCursor,
    change_emit,
    change_emit_many,
    changes_after,
    changes_prune,
    cursor_decode,
)
from registry.models import ChangeEvent
from sanctions.lists import services as lists_services
from sanctions.models import CreditRecord
from sanctions.records import services
from sanctions.records.public import public_record_fields
from sanctions.records.selectors import public_records_for
from tests.databases import server_params
from tests.factories import EnterpriseFactory, enterprise_code
from tests.sanctions.lists.helpers import publish_listing, publish_record
from tests.sanctions.payloads import penalty_data

pytestmark = [pytest.mark.django_db]

TODAY = timezone.localdate


def kinds() -> list[str]:
    return list(ChangeEvent.objects.order_by("id").values_list("kind", flat=True))


def last(kind: str) -> ChangeEvent:
    return ChangeEvent.objects.filter(kind=kind).latest("id")


@pytest.fixture
def enterprise(db):
    return EnterpriseFactory(name="杭州西湖建设工程有限公司")


@pytest.fixture
def clean_feed(enterprise):
    """The feed emptied of the set-up's events (registering the enterprise is one)."""
    ChangeEvent.objects.all().delete()


def test_publishing_a_record_emits_its_public_fields(clerk, reviewer, market_agency, enterprise, clean_feed):
    record = publish_record(clerk, reviewer, market_agency, enterprise)
    event = last("record.published")
    shown = public_records_for(enterprise=enterprise).get(pk=record.pk)
    assert event.payload == public_record_fields(shown)
    assert event.subject == str(record.record_key)
    assert event.enterprise_uscc == enterprise.uscc
    assert event.agency_code == market_agency.uscc
    assert event.source_platform == "national"
    assert event.txid > 0


def test_drafts_and_submitted_records_are_not_in_the_feed(clerk, market_agency, enterprise, clean_feed):
    record, _ = services.record_create(
        actor=clerk, agency=market_agency, kind="penalty", data=penalty_data(market_agency, enterprise)
    )
    services.record_submit(actor=clerk, record=record)
    assert kinds() == []


def test_a_record_outside_public_scope_emits_nothing_when_published(
    clerk, reviewer, market_agency, enterprise, clean_feed
):
    publish_record(clerk, reviewer, market_agency, enterprise, usage_scope="government")
    assert kinds() == []


def test_a_natural_persons_name_is_masked_in_the_payload(
    clerk, reviewer, market_agency, enterprise, clean_feed
):
    publish_record(
        clerk,
        reviewer,
        market_agency,
        enterprise,
        party_category="natural_person",
        party_name="张三丰",
        legal_representative="张三丰",
        violation_facts="张三丰（身份证330106199001011234）销售假冒商品。",
    )
    payload = last("record.published").payload
    text = str(payload)
    assert payload["party_name"] == "张*丰"
    assert "张三丰" not in text and "330106199001011234" not in text


def test_a_correction_is_in_the_feed_once_approved(clerk, reviewer, market_agency, enterprise, clean_feed):
    record = publish_record(clerk, reviewer, market_agency, enterprise)
    new = services.record_correct(
        actor=clerk, record=record, data={"content": "罚款人民币三万元"}, reason="金额笔误"
    )
    assert kinds() == ["record.published"]  # the correction under review is not public
    services.record_publish(actor=reviewer, record=new)
    event = last("record.corrected")
    assert event.subject == str(record.record_key)
    assert event.payload["version"] == 2 and event.payload["content"] == "罚款人民币三万元"


def test_a_correction_that_takes_a_record_out_of_public_view_is_a_withdrawal(
    clerk, reviewer, market_agency, enterprise, clean_feed
):
    record = publish_record(clerk, reviewer, market_agency, enterprise)
    new = services.record_correct(
        actor=clerk, record=record, data={"usage_scope": "government"}, reason="仅供政务共享"
    )
    services.record_publish(actor=reviewer, record=new)
    event = last("record.withdrawn")
    assert set(event.payload) == {"record_key", "version", "document_number", "agency_uscc"}


def test_a_revocation_is_in_the_feed_with_only_the_identifiers(
    clerk, reviewer, market_agency, enterprise, clean_feed
):
    record = publish_record(clerk, reviewer, market_agency, enterprise)
    services.record_revoke(actor=reviewer, record=record, reason="复议撤销")
    event = last("record.revoked")
    assert event.subject == str(record.record_key)
    assert event.payload == {
        "record_key": str(record.record_key),
        "version": 1,
        "document_number": record.document_number,
        "agency_uscc": market_agency.uscc,
    }


def test_the_expiry_job_emits_one_removal_per_record_that_was_public(
    clerk, reviewer, market_agency, clean_feed
):
    shown = [publish_record(clerk, reviewer, market_agency, EnterpriseFactory()) for _ in range(3)]
    hidden = publish_record(clerk, reviewer, market_agency, EnterpriseFactory(), usage_scope="government")
    CreditRecord.objects.filter(pk__in=[r.pk for r in [*shown, hidden]]).update(
        publicity_end=TODAY() - dt.timedelta(days=1)
    )
    assert services.records_expire() == 4
    expired = ChangeEvent.objects.filter(kind="record.expired")
    assert sorted(e.subject for e in expired) == sorted(str(r.record_key) for r in shown)
    assert len({e.txid for e in expired}) == 1  # written in the job's own transaction


def test_listings_enter_and_leave_the_feed(clerk, reviewer, market_agency, enterprise, clean_feed):
    listing = publish_listing(clerk, reviewer, market_agency, enterprise)
    entered = last("listing.entered")
    assert entered.subject == str(listing.pk)
    assert entered.payload["list_kind"] == "dishonest"
    assert entered.payload["document_number"] == listing.document_number
    lists_services.listing_remove(actor=reviewer, listing=listing, reason="revoked", note="复议撤销")
    removed = last("listing.removed")
    assert removed.payload == {
        "id": listing.pk,
        "list_kind": "dishonest",
        "document_number": listing.document_number,
        "agency_uscc": market_agency.uscc,
    }


def test_a_listing_that_starts_later_enters_the_feed_on_its_start_date_once(
    clerk, reviewer, market_agency, enterprise, clean_feed
):
    start = TODAY() + dt.timedelta(days=3)
    listing = publish_listing(clerk, reviewer, market_agency, enterprise, start_date=start)
    assert kinds() == []  # not public yet
    assert lists_services.listings_started_emit(today=start - dt.timedelta(days=1)) == 0
    assert lists_services.listings_started_emit(today=start) == 1
    entered = last("listing.entered")
    assert entered.subject == str(listing.pk) and entered.payload["start_date"] == start.isoformat()
    assert lists_services.listings_started_emit(today=start) == 0  # the job run again
    assert lists_services.listings_started_emit(today=start + dt.timedelta(days=1)) == 0
    assert kinds() == ["listing.entered"]


def test_a_listing_in_force_when_published_is_not_entered_twice_by_the_daily_job(
    clerk, reviewer, market_agency, enterprise, clean_feed
):
    publish_listing(clerk, reviewer, market_agency, enterprise)
    assert lists_services.listings_started_emit() == 0
    assert kinds() == ["listing.entered"]


def test_listings_whose_term_ended_leave_the_feed_in_the_expiry_batch(
    clerk, reviewer, market_agency, enterprise, clean_feed
):
    listing = publish_listing(
        clerk, reviewer, market_agency, enterprise, end_date=TODAY() + dt.timedelta(days=30)
    )
    type(listing).objects.filter(pk=listing.pk).update(end_date=TODAY())
    assert lists_services.listings_expire() == 1
    assert last("listing.removed").subject == str(listing.pk)


def test_enterprise_registration_change_and_deregistration(registry_admin, admin_api):
    code = enterprise_code(77)
    enterprise = registry_services.enterprise_register(
        actor=registry_admin, data={"uscc": code, "name": "杭州新设科技有限公司"}
    )
    registered = last("enterprise.registered")
    assert registered.subject == code and registered.payload["name"] == "杭州新设科技有限公司"
    registry_services.enterprise_update(
        actor=registry_admin, enterprise=enterprise, data={"name": "杭州更名科技有限公司"}
    )
    changed = last("enterprise.changed")
    assert changed.payload["name"] == "杭州更名科技有限公司"
    assert [n["name"] for n in changed.payload["former_names"]] == ["杭州新设科技有限公司"]
    registry_services.enterprise_update(
        actor=registry_admin, enterprise=enterprise, data={"status": "deregistered"}
    )
    assert last("enterprise.deregistered").payload["status"] == "deregistered"


def test_the_enterprise_payload_is_the_public_enterprise_api_response(registry_admin, api):
    code = enterprise_code(78)
    enterprise = registry_services.enterprise_register(
        actor=registry_admin,
        data={
            "uscc": code,
            "name": "杭州对照科技有限公司",
            "entity_type": "joint_stock",
            "legal_representative": "王小明",
            "registered_capital": "812.5",
            "established_on": "2015-03-09",
            "domicile": "浙江省杭州市西湖区文三路 1 号",
            "registration_authority": "杭州市西湖区市场监督管理局",
            "industry": "I",
        },
        former_names=[
            {"name": "杭州旧名科技有限公司", "used_from": "2015-03-09", "used_until": "2020-01-01"}
        ],
    )
    registry_services.enterprise_update(
        actor=registry_admin, enterprise=enterprise, data={"name": "杭州新名科技有限公司"}
    )
    response = api.get(f"/api/v1/enterprises/{code}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    payload = last("enterprise.changed").payload
    assert payload == response.json()
    assert payload["registered_capital"] == "812.5000" and len(payload["former_names"]) == 2


def test_a_failed_service_leaves_no_event(clerk, reviewer, market_agency, enterprise, clean_feed):
    record = publish_record(clerk, reviewer, market_agency, enterprise)
    before = kinds()
    with pytest.raises(ValidationError):
        services.record_revoke(actor=reviewer, record=record, reason=" ")
    assert kinds() == before


def test_emitting_outside_a_transaction_is_refused(enterprise):
    with pytest.raises(RuntimeError):
        # pytest-django wraps the test in a transaction: leave it to see the guard.
        from django.db import connection

        saved = connection.in_atomic_block
        connection.in_atomic_block = False
        try:
            change_emit(kind="badge.revoked", enterprise_uscc=enterprise.uscc, subject="1", payload={})
        finally:
            connection.in_atomic_block = saved


def test_events_read_back_in_order_and_the_cursor_moves_on(enterprise, clean_feed):
    with transaction.atomic():
        change_emit_many(
            {
                "kind": "badge.revoked",
                "enterprise_uscc": enterprise.uscc,
                "subject": str(n),
                "payload": {"n": n},
            }
            for n in range(5)
        )
    # In the test's own transaction the events are its own, still running: the feed holds them back.
    assert changes_after(None, 10).events == []
    # Still so once a later transaction elsewhere on the server has finished (a snapshot never lists
    # its own transaction as running; the suite's other workers and any other database do this).
    with psycopg.connect(**server_params("postgres"), autocommit=False) as other:
        other.execute("SELECT pg_current_xact_id()")
        other.commit()
    assert changes_after(None, 10).events == []


def test_a_cursor_that_was_not_handed_out_is_invalid():
    for bad in ("%%%", "bm90LWEtY3Vyc29y", "LTEuMg"):
        with pytest.raises(InvalidCursor):
            cursor_decode(bad)
    assert cursor_decode("") == (0, 0)


@pytest.mark.django_db(transaction=True)
def test_committed_events_are_read_in_pages_and_pruning_expires_older_cursors(market_agency):
    enterprise = EnterpriseFactory()
    with transaction.atomic():
        change_emit_many(
            {
                "kind": "badge.revoked",
                "enterprise_uscc": enterprise.uscc,
                "subject": str(n),
                "payload": {"n": n},
            }
            for n in range(5)
        )
    first = changes_after(None, 2)
    assert [e.payload["n"] for e in first.events] == [0, 1]
    rest = changes_after(first.next, 10)
    assert [e.payload["n"] for e in rest.events] == [2, 3, 4]
    assert changes_after(rest.next, 10).events == [] and changes_after(rest.next, 10).next == rest.next
    ChangeEvent.objects.filter(payload__n__in=[0, 1, 2]).update(
        recorded_at=timezone.now() - dt.timedelta(days=31)
    )
    assert changes_prune(retention_days=30, batch=2) == 3
    with pytest.raises(CursorExpired):
        changes_after(first.next, 10)
    assert [e.payload["n"] for e in changes_after(rest.next, 10).events] == []
    assert [e.payload["n"] for e in changes_after(None, 10).events] == [3, 4]


def test_an_enterprise_import_writes_one_event_per_enterprise_created_or_changed(registry_admin, tmp_path):
    import csv

    from registry.importing import enterprise_import

    existing = EnterpriseFactory(uscc=enterprise_code(4), name="宁波港口物流有限公司")
    untouched = EnterpriseFactory(uscc=enterprise_code(6), name="宁波不变贸易有限公司")
    path = tmp_path / "enterprises.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [
                ["uscc", "name", "status"],
                [enterprise_code(4), "宁波港口物流有限公司", "注销"],
                [enterprise_code(5), "宁波新设贸易有限公司", ""],
                [enterprise_code(6), "宁波不变贸易有限公司", ""],
            ]
        )
    report = enterprise_import(actor=registry_admin, path=path)
    assert (report.created, report.updated) == (1, 1)
    events = {e.subject: e for e in ChangeEvent.objects.all()}
    assert set(events) == {existing.uscc, enterprise_code(5)}
    assert events[existing.uscc].kind == "enterprise.deregistered"
    assert events[existing.uscc].payload["status"] == "deregistered"
    assert events[enterprise_code(5)].kind == "enterprise.registered"
    assert events[enterprise_code(5)].payload["name"] == "宁波新设贸易有限公司"
    assert untouched.uscc not in events


def test_a_former_name_added_is_an_enterprise_change(registry_admin, enterprise, clean_feed):
    registry_services.enterprise_add_former_name(
        actor=registry_admin, enterprise=enterprise, name="杭州西湖旧名有限公司"
    )
    event = last("enterprise.changed")
    assert event.subject == enterprise.uscc
    assert [n["name"] for n in event.payload["former_names"]] == ["杭州西湖旧名有限公司"]


def test_a_revoked_badge_is_in_the_feed_without_its_reason(registry_admin, enterprise, clean_feed):
    from lookup.badges import services as badges
    from tests.lookup.badges.support import confirmed_account

    owner = confirmed_account(registry_admin=registry_admin, enterprise=enterprise, username="landlord")
    badge = badges.badge_issue(actor=owner, enterprise=enterprise, sector="housing_rental")
    assert kinds() == []  # issuing is not a removal, and a badge is verified by its token, not listed
    badges.badge_revoke(actor=owner, badge=badge, reason="工牌遗失，联系电话13800138000")
    event = last("badge.revoked")
    assert event.subject == str(badge.serial)
    assert event.payload == {"serial": badge.serial, "enterprise_uscc": enterprise.uscc, "status": "revoked"}
    badges.badge_revoke(actor=owner, badge=badge)
    assert kinds() == ["badge.revoked"]  # revoking again changes nothing
