"""A partner's record events: its copy published, corrected, revoked, expired, withdrawn or repaired
here."""

from __future__ import annotations

import uuid

from django.utils import timezone

from registry.audit import audit_write
from registry.background import task_on_commit
from registry.cache import enterprise_changed
from registry.choices import ChangeKind
from registry.models import Agency
from registry.services import system_actor
from sanctions import task_names
from sanctions.choices import RecordStatus, UsageScope
from sanctions.models import CreditRecord, PartnerPlatform
from sanctions.models.records import RecordEvent
from sanctions.records.public import record_change_emit, record_is_public
from sanctions.sync import validation as v
from sanctions.sync.validation import EventRejected, Reason

from .outcomes import APPLIED, UNCHANGED, Applied, _conflict
from .provenance import _agency_for, _enterprise_for, _platform_names


def _record_event(partner: PartnerPlatform, event: dict) -> Applied:
    payload = event["payload"]
    key = v.record_key(event["subject"])
    if str(payload.get("record_key", key)) != str(key):
        raise EventRejected(Reason.BAD_VALUE, "payload.record_key differs from the subject")
    version = v.version(payload)
    source = event["source_platform"]
    copy = (
        CreditRecord.objects.select_for_update()
        .select_related("agency", "enterprise")
        .filter(source_platform=source, original_id=str(key))
        .first()
    )
    if copy is None and CreditRecord.objects.filter(record_key=key).exists():
        raise EventRejected(
            Reason.FORGED_PROVENANCE, f"record {key} is not a copy from {source}: it cannot be changed by it"
        )
    if event["kind"] in (ChangeKind.RECORD_PUBLISHED, ChangeKind.RECORD_CORRECTED):
        return _record_upsert(partner, event, key, version, copy)
    if copy is None:
        return Applied(UNCHANGED, "no copy of this record here")
    if version < (copy.source_version or 0):
        return Applied(UNCHANGED, f"stale: version {version} < {copy.source_version}")
    return _record_remove(partner, event, copy)


def _record_upsert(partner, event: dict, key: uuid.UUID, version: int, copy: CreditRecord | None) -> Applied:
    payload = event["payload"]
    if copy is not None and version <= (copy.source_version or 0) and copy.status == RecordStatus.PUBLISHED:
        return Applied(UNCHANGED, f"version {version} already here")
    fields = v.record_fields(payload, payload.get("kind"))
    agency = _agency_for(event, payload, name_field="agency_name")
    enterprise = _enterprise_for(partner, event, payload)
    clash = (
        CreditRecord.objects.filter(is_current=True, document_number=fields["document_number"])
        .filter(enterprise=enterprise, source_platform="")
        .first()
    ) or (
        CreditRecord.objects.filter(is_current=True, document_number=fields["document_number"], agency=agency)
        .exclude(pk=copy.pk if copy else None)
        .first()
    )
    if clash is not None:
        return _conflict(
            partner,
            event,
            f"a record of this platform ({clash.agency.name}, id {clash.pk}) has the same decision "
            f"document number {fields['document_number']}: the partner's version was not imported",
            local_record=clash,
            document_number=fields["document_number"],
        )
    actor = system_actor()
    now = timezone.now()
    was_public = copy is not None and record_is_public(copy)
    names = _platform_names(partner, event)
    provenance = {
        "source_platform": event["source_platform"],
        "source_platform_name": names[0],
        "source_platform_name_en": names[1],
        "source_agency_code": agency.uscc,
        "source_agency_name": v.text(payload, "agency_name", model=Agency, column="name"),
        "original_id": str(key),
        "source_version": version,
        "received_at": now,
        "received_from": partner,
    }
    if copy is None:
        copy = CreditRecord(
            record_key=key,
            agency=agency,
            enterprise=enterprise,
            created_by=actor,
            usage_scope=UsageScope.PUBLIC,
        )
        action = "sync_publish"
    else:
        action = "sync_correct"
        old_enterprise_id = copy.enterprise_id
    for name, value in {**fields, **provenance}.items():
        setattr(copy, name, value)
    copy.version = version
    copy.agency = agency
    copy.enterprise = enterprise
    copy.status = RecordStatus.PUBLISHED
    copy.is_current = True
    copy.repaired_at = None
    copy.revoked_at = None
    copy.published_by = actor
    copy.published_at = now
    copy.save()
    RecordEvent.objects.create(
        record=copy,
        record_key=copy.record_key,
        action=action,
        actor=actor,
        actor_label=actor.get_username(),
        comment=f"{copy.source_platform_name} · v{version}",
    )
    if record_is_public(copy):
        record_change_emit(
            kind=ChangeKind.RECORD_CORRECTED if was_public else ChangeKind.RECORD_PUBLISHED, record=copy
        )
    elif was_public:
        record_change_emit(kind=ChangeKind.RECORD_WITHDRAWN, record=copy)
    audit_write(
        actor=actor,
        action=f"record.{action}",
        target=copy,
        after={"source_platform": copy.source_platform, "original_id": copy.original_id, "version": version},
    )
    enterprise_changed(copy.enterprise_id)
    task_on_commit(task_names.RATING_RECOMPUTE, copy.enterprise_id)
    if action == "sync_correct" and old_enterprise_id != copy.enterprise_id:
        enterprise_changed(old_enterprise_id)
        task_on_commit(task_names.RATING_RECOMPUTE, old_enterprise_id)
    return Applied(APPLIED, action)


_REMOVALS = {
    ChangeKind.RECORD_REVOKED: ("sync_revoke", RecordStatus.REVOKED),
    ChangeKind.RECORD_EXPIRED: ("sync_expire", RecordStatus.EXPIRED),
    ChangeKind.RECORD_WITHDRAWN: ("sync_withdraw", None),
    ChangeKind.RECORD_REPAIRED: ("sync_repair", None),
}


def _record_remove(partner, event: dict, copy: CreditRecord) -> Applied:
    kind = event["kind"]
    action, status = _REMOVALS[kind]
    now = timezone.now()
    was_public = record_is_public(copy)
    if kind == ChangeKind.RECORD_REVOKED:
        if copy.status == RecordStatus.REVOKED:
            return Applied(UNCHANGED, "already revoked")
        copy.revoked_at = now
        copy.revoked_reason = f"Revoked at the source platform ({copy.source_platform_name})"
    elif kind == ChangeKind.RECORD_EXPIRED:
        if copy.status != RecordStatus.PUBLISHED:
            return Applied(UNCHANGED, "not published here")
    elif kind == ChangeKind.RECORD_REPAIRED:
        if copy.repaired_at is not None:
            return Applied(UNCHANGED, "already repaired")
        copy.repaired_at = now
    elif kind == ChangeKind.RECORD_WITHDRAWN:
        if copy.usage_scope != UsageScope.PUBLIC:
            return Applied(UNCHANGED, "already withdrawn")
        copy.usage_scope = UsageScope.GOVERNMENT
    if status is not None:
        copy.status = status
    copy.received_at = now
    copy.save()
    actor = system_actor()
    RecordEvent.objects.create(
        record=copy,
        record_key=copy.record_key,
        action=action,
        actor=actor,
        actor_label=actor.get_username(),
        comment=copy.source_platform_name,
    )
    if was_public:
        record_change_emit(kind=kind, record=copy)
    audit_write(actor=actor, action=f"record.{action}", target=copy, after={"event": kind})
    enterprise_changed(copy.enterprise_id)
    task_on_commit(task_names.RATING_RECOMPUTE, copy.enterprise_id)
    return Applied(APPLIED, action)
