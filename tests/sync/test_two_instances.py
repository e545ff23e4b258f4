"""Two live instances: A (gunicorn in a subprocess, its own database, platform code and signing
key) publishes, corrects, revokes and repairs; B (this process and its test database) follows A's
change feed with the sync and shows each change on its credit page and public API. A sync killed
mid-way and run again loses nothing and doubles nothing."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
from django.core.exceptions import ValidationError

from registry.models import ChangeEvent
from sanctions.models import CreditRecord, Listing, PartnerPlatform, SyncRejection
from sanctions.records import services as record_services
from sanctions.sync.client import feed_page
from sanctions.sync.services import partner_register, partner_sync
from tests.conftest import worker_environment
from tests.sync.conftest import A_CODE, A_NAME, ROOT, new_signing_key
from tests.sync.feeds import credit_page

pytestmark = pytest.mark.django_db(transaction=True)
COPIED = ("record.", "listing.")


@pytest.fixture(scope="module")
def seeded_a(instance_a):
    return instance_a, instance_a.run("setup")


@pytest.fixture
def b_signing_key(settings):
    from lookup import signing

    settings.SIGNING_KEYS = {"national-2026": new_signing_key()}
    signing.keyring.cache_clear()
    yield
    signing.keyring.cache_clear()


def follow_a(instance, actor) -> PartnerPlatform:
    return partner_register(
        actor=actor,
        code=A_CODE,
        name=A_NAME,
        name_en="Zhejiang credit platform",
        feed_url=instance.feed_url,
    )


def a_feed(partner: PartnerPlatform) -> list[dict]:
    """Every event of A's feed, read as the sync reads it."""
    events, after = [], ""
    while True:
        page = feed_page(partner, after=after, limit=1000)
        events += page["events"]
        if not page["events"]:
            return events
        after = page["next"]


def copied_kinds(events: list[dict]) -> list[tuple[str, str]]:
    return [(e["kind"], e["subject"]) for e in events if e["kind"].startswith(COPIED)]


def b_partner_events() -> list[tuple[str, str]]:
    """B's own feed events about A's data (what a third platform following B would read)."""
    return list(
        ChangeEvent.objects.filter(source_platform=A_CODE)
        .order_by("txid", "id")
        .values_list("kind", "subject")
    )


def records_on_b(client, uscc: str, **query) -> list[dict]:
    answer = client.get(f"/api/v1/public/enterprises/{uscc}/records/", query)
    assert answer.status_code == 200, answer.content
    return answer.json()["results"]


def test_publish_correct_revoke_and_repair_on_a_are_seen_on_b(
    seeded_a, registry_admin, client, b_signing_key
):
    instance, seeded = seeded_a
    firm, other = seeded["firm"], seeded["other"]
    partner = follow_a(instance, registry_admin)

    # Each instance signs with its own key.
    a_keys = {
        k["kid"]
        for k in json.loads(_get(f"{instance.portal.base}/.well-known/credit-registry-keys.json"))["keys"]
    }
    b_keys = {k["kid"] for k in client.get("/.well-known/credit-registry-keys.json").json()["keys"]}
    assert a_keys == {"zj-2026"} and b_keys == {"national-2026"}

    # Published on A → on B's API and page, with its source.
    result = partner_sync(partner=partner)
    assert result.error == "" and not SyncRejection.objects.exists()
    theirs = records_on_b(client, firm, source=A_CODE)
    assert sorted(r["document_number"] for r in theirs) == [
        "浙市监罚〔2026〕1号",
        "浙市监罚〔2026〕2号",
        "浙市监罚〔2026〕3号",
    ]
    assert {
        (r["source_platform"], r["source_platform_name"], r["source_platform_name_en"]) for r in theirs
    } == {(A_CODE, A_NAME, "Zhejiang credit platform")}
    fine = next(r for r in theirs if r["document_number"] == "浙市监罚〔2026〕1号")
    assert (fine["record_key"], fine["version"], fine["content"]) == (
        seeded["fine_key"],
        1,
        "罚款人民币五万元",
    )
    assert records_on_b(client, firm, source="national") == []
    page = credit_page(client, firm, "en")
    assert "Source: Zhejiang credit platform" in page and "浙市监罚〔2026〕1号" in page
    chinese = credit_page(client, firm, "zh-hans")
    assert f"{A_NAME}</dd>" in chinese
    assert "&lt;script&gt;alert(" in page and "<script>alert(" not in page
    listings = client.get(f"/api/v1/public/enterprises/{other}/listings/").json()
    listings = listings["results"] if isinstance(listings, dict) else listings
    assert [(x["list_kind"], x["source_platform"]) for x in listings] == [("dishonest", A_CODE)]

    # A's copy cannot be changed on B, by anyone.
    copy = CreditRecord.objects.get(original_id=seeded["fine_key"])
    with pytest.raises(ValidationError, match=A_NAME):
        record_services.record_revoke(actor=registry_admin, record=copy, reason="本地撤销")

    # Corrected on A → the new version on B.
    instance.run("correct")
    partner_sync(partner=partner)
    fine = next(r for r in records_on_b(client, firm) if r["record_key"] == seeded["fine_key"])
    assert (fine["version"], fine["content"], fine["fine_amount"]) == (2, "罚款人民币三万元", "3")

    # Revoked on A → gone from B's API and page.
    instance.run("revoke")
    partner_sync(partner=partner)
    assert seeded["fine_key"] not in {r["record_key"] for r in records_on_b(client, firm)}
    assert "浙市监罚〔2026〕1号" not in credit_page(client, firm, "zh-hans")
    assert CreditRecord.objects.get(original_id=seeded["fine_key"]).status == "revoked"

    # Repaired on A (credit repair approved there) → gone from B's public view too.
    instance.run("repair")
    partner_sync(partner=partner)
    assert [r["document_number"] for r in records_on_b(client, firm)] == ["浙市监罚〔2026〕3号"]

    # B wrote one event of its own for each of A's record and listing events, with A as source: a
    # third platform can follow B; A, following B, would skip them (its own source).
    assert b_partner_events() == copied_kinds(a_feed(partner))
    # Run again: nothing new, nothing doubled.
    again = partner_sync(partner=partner)
    assert again.events == 0 and b_partner_events() == copied_kinds(a_feed(partner))


def test_a_sync_killed_mid_way_and_run_again_loses_and_doubles_nothing(seeded_a, registry_admin):
    instance, _seeded = seeded_a
    instance.run("publish-more", "6")
    partner = follow_a(instance, registry_admin)
    expected = a_feed(partner)
    assert len(expected) >= 10

    # The sync as an operator runs it, slowed down, killed (SIGKILL) after a few events.
    sync = subprocess.Popen(
        [sys.executable, "manage.py", "sync_partner", "--partner", A_CODE, "--limit", "3", "--pause", "0.3"],
        cwd=ROOT,
        env=worker_environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while PartnerPlatform.objects.get(pk=partner.pk).events_imported < 4:
        assert sync.poll() is None, sync.stderr.read().decode()[-2000:]
        assert time.monotonic() < deadline, "the sync did not get going"
        time.sleep(0.05)
    sync.send_signal(signal.SIGKILL)
    sync.wait(timeout=10)
    done_before = PartnerPlatform.objects.get(pk=partner.pk).events_imported
    assert 4 <= done_before < len(expected)

    rerun = subprocess.run(
        [sys.executable, "manage.py", "sync_partner", "--partner", A_CODE],
        cwd=ROOT,
        env=worker_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    partner.refresh_from_db()
    assert partner.events_imported == len(expected) and partner.last_status == "ok"
    assert b_partner_events() == copied_kinds(expected)
    published = {e["subject"] for e in expected if e["kind"] == "record.published"}
    assert (
        set(CreditRecord.objects.filter(source_platform=A_CODE).values_list("original_id", flat=True))
        == published
    )
    assert Listing.objects.filter(source_platform=A_CODE).count() == 1
    assert not SyncRejection.objects.exists()


def _get(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - the test's own server
        return response.read().decode()
