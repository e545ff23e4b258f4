"""Importing a partner's feed served by a fake partner (an http.server in a thread): hostile and
malformed events are refused and logged while the sync goes on; conflicts with this platform's own
data are reported, never overwritten; replays change nothing; local changes of a copy are refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError

from registry.models import ChangeEvent, Enterprise
from sanctions.models import CreditRecord, Listing, PartnerPlatform, SyncConflict, SyncRejection
from sanctions.records import services as record_services
from sanctions.remedies import objections
from sanctions.sync import services as sync
from sanctions.sync.keys import key_unseal
from sanctions.sync.services import event_import
from tests.factories import EnterpriseFactory
from tests.sanctions.payloads import penalty_data
from tests.sync.feeds import AGENCY, FIRM, FakeFeed, credit_page, enterprise_event, record_event

pytestmark = pytest.mark.django_db(transaction=True)


def follow(feed: FakeFeed, registry_admin, **options) -> PartnerPlatform:
    return sync.partner_register(
        actor=registry_admin,
        code="zhejiang",
        name="浙江省信用平台",
        name_en="Zhejiang credit platform",
        feed_url=feed.url,
        key="dk_partner_secret",
        **options,
    )


def test_hostile_events_are_rejected_and_logged_and_the_sync_goes_on(registry_admin, client):
    bad_uscc = FIRM[:-1] + ("0" if FIRM[-1] != "0" else "1")
    script = "<script>alert('x')</script>虚假宣传"
    events = [
        enterprise_event(),
        record_event(enterprise=bad_uscc, document_number="坏码1号"),
        record_event(document_number="超长2号", content="长" * 20_001),
        {**record_event(document_number="未知3号"), "kind": "record.teleported"},
        record_event(source="jiangsu", document_number="冒充4号"),
        record_event(document_number="缺项5号", decision_date=None),
        "not an event",
        record_event(source="national", document_number="回流6号"),  # our own, come back: skipped
        record_event(document_number="浙市监罚〔2026〕7号", violation_facts=script),
    ]
    with FakeFeed(events) as feed:
        partner = follow(feed, registry_admin)
        result = sync.partner_sync(partner=partner, limit=4)

    assert result.error == "" and result.events == len(events)
    reasons = {r.subject or r.raw[:20]: r.reason for r in SyncRejection.objects.all()}
    assert sorted(reasons.values()) == sorted(
        ["bad_uscc", "oversized_field", "unknown_kind", "forged_provenance", "missing_field", "malformed"]
    )
    forged = SyncRejection.objects.get(reason="forged_provenance")
    assert "jiangsu" in forged.message and "冒充4号" in forged.raw
    assert len(SyncRejection.objects.get(reason="oversized_field").raw) <= 4001
    # The good ones are in: the enterprise and the last record, script kept as text.
    copy = CreditRecord.objects.get(source_platform="zhejiang")
    assert copy.document_number == "浙市监罚〔2026〕7号" and copy.violation_facts == script
    assert not CreditRecord.objects.filter(document_number="回流6号").exists()
    assert feed.requests[0]["key"] == "dk_partner_secret"
    assert key_unseal(PartnerPlatform.objects.get().key_sealed) == "dk_partner_secret"
    assert "dk_partner_secret" not in PartnerPlatform.objects.get().key_sealed
    page = credit_page(client, FIRM, "en")
    assert "&lt;script&gt;alert(" in page and "<script>alert(" not in page
    assert "Source: Zhejiang credit platform" in page
    chinese = credit_page(client, FIRM, "zh-hans")
    assert "浙江省信用平台</dd>" in chinese and "Zhejiang credit platform" not in chinese


def test_a_relayed_platform_is_accepted_only_when_registered(registry_admin):
    events = [enterprise_event(), record_event(source="anhui", source_platform_name="安徽省信用平台")]
    with FakeFeed(events) as feed:
        partner = follow(feed, registry_admin, relays="anhui")
        sync.partner_sync(partner=partner)
    copy = CreditRecord.objects.get()
    assert (copy.source_platform, copy.source_platform_name, copy.received_from) == (
        "anhui",
        "安徽省信用平台",
        partner,
    )
    assert not SyncRejection.objects.exists()


def test_a_local_record_with_the_same_document_number_is_reported_never_overwritten(
    registry_admin, clerk, reviewer, market_agency
):
    firm = EnterpriseFactory(uscc=FIRM)
    local, _ = record_services.record_create(
        actor=clerk,
        agency=market_agency,
        kind="penalty",
        data=penalty_data(market_agency, firm, document_number="浙市监罚〔2026〕501号"),
    )
    record_services.record_submit(actor=clerk, record=local)
    record_services.record_publish(actor=reviewer, record=local)
    with FakeFeed([record_event(document_number="浙市监罚〔2026〕501号", content="伙伴的版本")]) as feed:
        result = sync.partner_sync(partner=follow(feed, registry_admin))
    assert result.outcomes == {"conflict": 1}
    conflict = SyncConflict.objects.get()
    assert conflict.local_record_id == local.pk and "501号" in conflict.message
    local.refresh_from_db()
    assert local.content == "罚款人民币五万元" and local.source_platform == ""
    assert CreditRecord.objects.count() == 1


def test_an_enterprise_whose_registration_facts_differ_is_reported_not_changed(registry_admin):
    EnterpriseFactory(uscc=FIRM, name="本地登记的名称有限公司")
    with FakeFeed([enterprise_event(name="伙伴登记的名称有限公司")]) as feed:
        sync.partner_sync(partner=follow(feed, registry_admin))
    assert Enterprise.objects.get(uscc=FIRM).name == "本地登记的名称有限公司"
    assert "伙伴登记的名称有限公司" in SyncConflict.objects.get().message


def test_a_partners_record_cannot_be_corrected_revoked_or_objected_to_here(registry_admin, client):
    from tests.factories import UserFactory

    with FakeFeed([enterprise_event(), record_event()]) as feed:
        sync.partner_sync(partner=follow(feed, registry_admin))
    copy = CreditRecord.objects.get()
    # Even an administrator of this platform, or a clerk of the agency row the copy points to.
    clerk = UserFactory(username="agency_clerk")
    from registry.choices import StaffRoleKind
    from registry.models import StaffRole

    StaffRole.objects.create(user=clerk, agency=copy.agency, role=StaffRoleKind.CLERK)
    for attempt in (
        lambda: record_services.record_correct(actor=clerk, record=copy, data={"content": "改"}, reason="改"),
        lambda: record_services.record_revoke(actor=clerk, record=copy, reason="撤"),
    ):
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert "浙江省信用平台" in " ".join(refused.value.messages)
    with pytest.raises(ValidationError, match="浙江省信用平台"):
        objections.objection_submit(objector_name="张三", contact="13800000000", reason="不实", record=copy)
    copy.refresh_from_db()
    assert copy.status == "published" and copy.version == 1
    page = credit_page(client, FIRM, "en")
    assert "Source: Zhejiang credit platform" in page and "Object to this record" not in page


def test_a_replayed_feed_changes_nothing(registry_admin):
    key = "6f1c7a52-3d43-4d5e-9d86-3b1f0f5f1a10"
    events = [
        enterprise_event(),
        record_event(key=key),
        record_event(kind="record.corrected", key=key, version=2, content="罚款人民币三万元"),
    ]
    with FakeFeed(events) as feed:
        partner = follow(feed, registry_admin)
        sync.partner_sync(partner=partner)
        # The partner starts its feed over (a restore, a new cursor): every event comes again.
        PartnerPlatform.objects.filter(pk=partner.pk).update(last_cursor="", page_offset=0)
        again = sync.partner_sync(partner=partner)
    assert again.outcomes == {"unchanged": 3}
    copy = CreditRecord.objects.get()
    assert (copy.version, copy.content) == (2, "罚款人民币三万元")
    ours = list(ChangeEvent.objects.filter(source_platform="zhejiang").values_list("kind", flat=True))
    assert ours == ["record.published", "record.corrected"]


def test_a_failure_mid_sync_loses_and_doubles_nothing_when_run_again(registry_admin, monkeypatch):
    events = [enterprise_event()] + [
        record_event(document_number=f"浙市监罚〔2026〕6{n}号") for n in range(6)
    ]
    real_apply, calls = event_import._apply, []

    def failing(partner, event):
        calls.append(event)
        if len(calls) == 4:
            raise OperationalError("the database went away")
        return real_apply(partner, event)

    with FakeFeed(events) as feed:
        partner = follow(feed, registry_admin)
        monkeypatch.setattr(event_import, "_apply", failing)
        with pytest.raises(OperationalError):
            sync.partner_sync(partner=partner, limit=2)
        partner.refresh_from_db()
        assert (partner.last_status, partner.events_imported) == ("error", 3)
        assert CreditRecord.objects.count() == 2
        monkeypatch.setattr(event_import, "_apply", real_apply)
        sync.partner_sync(partner=partner, limit=2)
    assert sorted(CreditRecord.objects.values_list("document_number", flat=True)) == sorted(
        f"浙市监罚〔2026〕6{n}号" for n in range(6)
    )
    assert ChangeEvent.objects.filter(source_platform="zhejiang").count() == 6
    partner.refresh_from_db()
    assert (partner.last_status, partner.events_imported, partner.last_cursor) == ("ok", 7, "7")


def test_the_public_api_filters_records_by_source(registry_admin, clerk, reviewer, market_agency, client):
    with FakeFeed([enterprise_event(), record_event()]) as feed:
        sync.partner_sync(partner=follow(feed, registry_admin))
    firm = Enterprise.objects.get(uscc=FIRM)
    own, _ = record_services.record_create(
        actor=clerk, agency=market_agency, kind="penalty", data=penalty_data(market_agency, firm)
    )
    record_services.record_submit(actor=clerk, record=own)
    record_services.record_publish(actor=reviewer, record=own)
    url = f"/api/v1/public/enterprises/{FIRM}/records/"
    theirs = client.get(url, {"source": "zhejiang"}).json()["results"]
    mine = client.get(url, {"source": "national"}).json()["results"]
    assert [(r["source_platform"], r["source_platform_name"]) for r in theirs] == [
        ("zhejiang", "浙江省信用平台")
    ]
    assert [(r["source_platform"], r["source_platform_name"]) for r in mine] == [("national", "")]
    assert len(client.get(url).json()["results"]) == 2
    assert AGENCY in {r["agency_uscc"] for r in theirs}


def test_a_partners_listing_starting_later_enters_our_feed_once_on_its_start_date(registry_admin):
    import datetime as dt

    from sanctions.lists.services import listings_started_emit
    from tests.sync.feeds import listing_event

    start = dt.date.today() + dt.timedelta(days=3)
    with FakeFeed([enterprise_event(), listing_event(original="41", start=start.isoformat())]) as feed:
        sync.partner_sync(partner=follow(feed, registry_admin))
    copy = Listing.objects.get(source_platform="zhejiang")
    assert copy.original_id == "41" and not ChangeEvent.objects.filter(kind="listing.entered").exists()
    assert listings_started_emit(today=start) == 1
    assert listings_started_emit(today=start + dt.timedelta(days=1)) == 0
    entered = ChangeEvent.objects.get(kind="listing.entered")
    assert (entered.subject, entered.source_platform) == ("41", "zhejiang")


def test_recognition_rules_decide_whether_a_partners_penalties_count_for_standing_and_rating(
    registry_admin, client
):
    from sanctions.lists.standing import enterprise_standing
    from sanctions.models import EnterpriseRating, PartnerRecognition, RatingModel

    with FakeFeed([enterprise_event(), record_event(severity="serious", fine_amount="50")]) as feed:
        partner = follow(feed, registry_admin)
        sync.partner_sync(partner=partner)
    firm = Enterprise.objects.get(uscc=FIRM)
    base = RatingModel.objects.get(pk="registry-default").base_points

    def rating():
        return EnterpriseRating.objects.get(enterprise=firm, model="registry-default", is_current=True)

    # Without a rule the partner's penalty counts like ours.
    assert enterprise_standing(enterprise=firm).level == "attention"
    assert rating().points < base
    page = credit_page(client, FIRM, "en")
    assert "Source: Zhejiang credit platform" in page and 'class="standing standing-attention"' in page

    # An administrator decides that Zhejiang's penalties do not count here, for either.
    rule = sync.partner_recognition_save(
        actor=registry_admin,
        recognition=PartnerRecognition(
            partner=partner, record_kind="penalty", counts_for_rating=False, counts_for_standing=False
        ),
    )
    assert enterprise_standing(enterprise=firm).level == "good"
    assert (rating().points, rating().explanation) == (base, [])
    page = credit_page(client, FIRM, "en")
    assert 'class="standing standing-good"' in page and "浙市监罚〔2026〕501号" in page
    standing_on_page = client.get(f"/api/v1/public/enterprises/{FIRM}/records/").json()["results"]
    assert len(standing_on_page) == 1  # still shown, with its source: only its weight changed

    # Counted again for the rating only.
    rule.counts_for_rating = True
    sync.partner_recognition_save(actor=registry_admin, recognition=rule)
    assert rating().points < base and enterprise_standing(enterprise=firm).level == "good"


def test_only_a_registry_administrator_sets_recognition_rules(registry_admin, clerk):
    from django.core.exceptions import PermissionDenied

    from sanctions.models import PartnerRecognition

    with FakeFeed([]) as feed:
        partner = follow(feed, registry_admin)
    with pytest.raises(PermissionDenied):
        sync.partner_recognition_save(
            actor=clerk,
            recognition=PartnerRecognition(partner=partner, record_kind="penalty", counts_for_rating=False),
        )
    assert not PartnerRecognition.objects.exists()


def test_the_beat_job_pulls_every_enabled_partner(registry_admin, settings):
    from sanctions.tasks import partners_sync

    assert settings.CELERY_BEAT_SCHEDULE["partners-sync"]["task"] == "sanctions.tasks.partners_sync"
    with FakeFeed([enterprise_event(), record_event()]) as feed, FakeFeed([record_event()]) as paused:
        follow(feed, registry_admin)
        sync.partner_register(
            actor=registry_admin, code="jiangsu", name="江苏省信用平台", feed_url=paused.url, enabled=False
        )
        done = partners_sync()
    assert set(done) == {"zhejiang"} and done["zhejiang"]["outcomes"] == {"applied": 2}
    assert paused.requests == []
    assert PartnerPlatform.objects.get(code="zhejiang").last_status == "ok"


def test_an_administrator_registers_a_partner_and_its_recognition_rules_in_the_admin(admin_client):
    from sanctions.models import PartnerRecognition

    answer = admin_client.post(
        "/admin/sanctions/partnerplatform/add/",
        {
            "code": "zhejiang",
            "name": "浙江省信用平台",
            "name_en": "Zhejiang credit platform",
            "feed_url": "https://credit.zj.example.cn/api/v1/changes/",
            "relays": "",
            "enabled": "on",
            "key": "dk_from_zhejiang",
            "recognitions-TOTAL_FORMS": "1",
            "recognitions-INITIAL_FORMS": "0",
            "recognitions-0-record_kind": "penalty",
            "recognitions-0-list_kind": "",
            "recognitions-0-counts_for_standing": "on",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[-3000:]
    partner = PartnerPlatform.objects.get(code="zhejiang")
    assert key_unseal(partner.key_sealed) == "dk_from_zhejiang"
    rule = PartnerRecognition.objects.get(partner=partner)
    assert (rule.record_kind, rule.counts_for_rating, rule.counts_for_standing) == ("penalty", False, True)
    page = admin_client.get(f"/admin/sanctions/partnerplatform/{partner.pk}/change/").content.decode()
    assert "dk_from_zhejiang" not in page


def test_an_enterprise_first_known_from_a_record_gets_its_missing_facts_from_its_enterprise_event(
    registry_admin,
):
    event = enterprise_event()
    event["payload"]["domicile"] = "浙江省杭州市西湖区文三路1号"
    with FakeFeed([record_event(), event]) as feed:
        result = sync.partner_sync(partner=follow(feed, registry_admin))
    assert result.outcomes == {"applied": 2}
    firm = Enterprise.objects.get(uscc=FIRM)
    assert (firm.name, firm.legal_representative, firm.domicile) == (
        "杭州西湖伙伴测试有限公司",
        "王小明",
        "浙江省杭州市西湖区文三路1号",
    )
    assert not SyncConflict.objects.exists()
