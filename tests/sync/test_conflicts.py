"""Resolving a partner's conflicting event: only a registry administrator, through the service (the
admin's action and change form call it), recorded and written to the audit trail."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from registry.models import AuditEntry
from sanctions.models import PartnerPlatform, SyncConflict
from sanctions.sync import services as sync
from tests.sync.feeds import FIRM

pytestmark = pytest.mark.django_db


@pytest.fixture
def conflict() -> SyncConflict:
    partner = PartnerPlatform.objects.create(
        code="zhejiang", name="浙江省信用平台", feed_url="https://credit.zj.example.cn/api/v1/changes/"
    )
    return SyncConflict.objects.create(
        partner=partner,
        kind="record.published",
        subject="0f2c9d1e-5b8a-4c3e-9a51-7d2e1f0a6b3c",
        enterprise_uscc=FIRM,
        document_number="浙市监罚〔2026〕501号",
        message="本平台已有同一文号的记录：浙市监罚〔2026〕501号",
    )


def _entries(conflict: SyncConflict):
    return AuditEntry.objects.filter(target_id=str(conflict.pk), action__startswith="sync.conflict_")


def test_only_a_registry_administrator_resolves_a_conflict(conflict, clerk, reviewer):
    for actor in (clerk, reviewer):
        with pytest.raises(PermissionDenied):
            sync.sync_conflict_resolve(actor=actor, conflict=conflict)
    conflict.refresh_from_db()
    assert not conflict.resolved and not _entries(conflict).exists()


def test_a_resolution_is_recorded_and_audited_once(conflict, registry_admin):
    sync.sync_conflict_resolve(actor=registry_admin, conflict=conflict)
    conflict.refresh_from_db()
    assert conflict.resolved
    [entry] = _entries(conflict)
    assert (entry.action, entry.actor_id) == ("sync.conflict_resolve", registry_admin.pk)
    assert entry.before == {"resolved": False}
    assert entry.after["resolved"] is True and entry.after["partner"] == "zhejiang"
    with pytest.raises(ValidationError):
        sync.sync_conflict_resolve(actor=registry_admin, conflict=conflict)
    assert _entries(conflict).count() == 1


def test_a_resolved_conflict_can_be_reopened(conflict, registry_admin):
    with pytest.raises(ValidationError):
        sync.sync_conflict_reopen(actor=registry_admin, conflict=conflict)
    sync.sync_conflict_resolve(actor=registry_admin, conflict=conflict)
    sync.sync_conflict_reopen(actor=registry_admin, conflict=conflict)
    conflict.refresh_from_db()
    assert not conflict.resolved
    assert list(_entries(conflict).order_by("id").values_list("action", flat=True)) == [
        "sync.conflict_resolve",
        "sync.conflict_reopen",
    ]


def test_the_admin_resolves_through_the_service(conflict, admin_client):
    answer = admin_client.post(
        "/admin/sanctions/syncconflict/", {"action": "resolve", "_selected_action": [conflict.pk]}
    )
    assert answer.status_code == 302
    conflict.refresh_from_db()
    assert conflict.resolved
    assert list(_entries(conflict).values_list("action", flat=True)) == ["sync.conflict_resolve"]
    # Unticking "resolved" in the change form reopens it, through the service too.
    answer = admin_client.post(f"/admin/sanctions/syncconflict/{conflict.pk}/change/", {})
    assert answer.status_code == 302, answer.content.decode()[-2000:]
    conflict.refresh_from_db()
    assert not conflict.resolved
    assert _entries(conflict).filter(action="sync.conflict_reopen").count() == 1
