"""Importing a partner platform's change feed: one event per transaction, with the stored cursor.

``partner_event_import`` is the one write path of the sync: it checks the event, applies it (a
partner's record or listing copied, corrected or withdrawn here; an enterprise registered when
missing), or logs why not (``SyncRejection``, ``SyncConflict``), and moves the partner's stored
position past the event, all in one transaction. A sync killed at any point therefore resumes at
the first event whose transaction did not commit: nothing is lost, nothing applied twice. Copies
are also keyed by (source platform, id at the source), and an event older than the copy's version
changes nothing, so a partner that replays its feed does not double anything either.

Authority: a copy belongs to the platform of its deciding agency. The services of
``sanctions.records`` refuse to edit, correct, revoke or repair it (``ensure_local_record``); only
its source changes it, through this sync. A local record with the same decision document number is
never overwritten: the event is kept as a ``SyncConflict`` for a person to decide.

Loops: copies write their own change-feed events with ``source_platform`` = the platform they came
from, so a third platform can follow; a platform reading a feed skips events whose source is
itself, so nothing returns to its origin.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.audit import audit_write
from registry.background import task_on_commit
from registry.cache import enterprise_changed
from registry.choices import AgencyLevel, ChangeKind, DataSource
from registry.models import Agency, Division, Enterprise
from registry.services import enterprise_register, enterprise_update, system_actor
from sanctions import task_names
from sanctions.choices import ListingStatus, RecordStatus, RemovalReason, UsageScope
from sanctions.lists.public import listing_change_emit
from sanctions.models import (
    CreditRecord,
    Listing,
    ListKind,
    PartnerPlatform,
    PartnerRecognition,
    SyncConflict,
    SyncRejection,
)
from sanctions.models.records import RecordEvent
from sanctions.records.public import record_change_emit, record_is_public
from sanctions.sync import validation as v
from sanctions.sync.keys import key_seal
from sanctions.sync.validation import EventRejected, Reason

logger = logging.getLogger(__name__)


class SyncOutOfStep(Exception):
    """The partner's stored position is not where this run expected: another run moved it."""


# Outcomes of one event.
APPLIED = "applied"
UNCHANGED = "unchanged"  # already applied (a replay), or nothing here to change
SKIPPED = "skipped"  # ours (loop prevention) or not applicable to this platform
REJECTED = "rejected"
CONFLICT = "conflict"

# What a copy's registration facts are compared on (never overwritten silently).
ENTERPRISE_FACTS = (
    "name",
    "entity_type",
    "status",
    "legal_representative",
    "established_on",
    "domicile",
    "registration_authority",
)


@transaction.atomic
def partner_register(
    *,
    actor,
    code: str,
    name: str,
    feed_url: str,
    key: str = "",
    name_en: str = "",
    relays: str | None = None,
    enabled: bool | None = None,
) -> PartnerPlatform:
    """Register a partner platform to follow, or update its name, feed URL and key."""
    from registry.permissions import ensure_registry_admin

    ensure_registry_admin(actor)
    if code == settings.PLATFORM_CODE:
        raise ValidationError(
            {"code": [_("This is this platform's own code: a platform does not follow itself.")]}
        )
    partner = PartnerPlatform.objects.filter(code=code).first() or PartnerPlatform(code=code)
    before = {"name": partner.name, "feed_url": partner.feed_url} if partner.pk else None
    partner.name, partner.feed_url = name, feed_url
    partner.name_en = name_en or partner.name_en
    if relays is not None:
        partner.relays = " ".join(relays.split())
    if enabled is not None:
        partner.enabled = enabled
    if key:
        partner.key_sealed = key_seal(key)
    partner.full_clean()
    partner.save()
    audit_write(
        actor=actor,
        action="partner.register",
        target=partner,
        before=before,
        after={"name": name, "feed_url": feed_url, "key_changed": bool(key)},
    )
    return partner


def _recognition_changed(partner: PartnerPlatform) -> None:
    """Ratings and pages of the enterprises holding this partner's copies follow the new rule."""
    ids = sorted(
        set(CreditRecord.objects.filter(source_platform=partner.code).values_list("enterprise_id", flat=True))
        | set(Listing.objects.filter(source_platform=partner.code).values_list("enterprise_id", flat=True))
    )
    if not ids:
        return
    enterprise_changed(ids)
    for start in range(0, len(ids), 500):
        task_on_commit(task_names.RATINGS_RECOMPUTE_MANY, ids[start : start + 500])


@transaction.atomic
def partner_recognition_save(*, actor, recognition: PartnerRecognition) -> PartnerRecognition:
    """Decide whether a partner's records of a kind (or listings on a list) count here for ratings
    and for the standing; the affected ratings are recomputed."""
    from registry.permissions import ensure_registry_admin

    ensure_registry_admin(actor)
    recognition.full_clean()
    recognition.save()
    audit_write(
        actor=actor,
        action="partner.recognition",
        target=recognition,
        after={
            "partner": recognition.partner.code,
            "record_kind": recognition.record_kind,
            "list_kind": recognition.list_kind_id,
            "counts_for_rating": recognition.counts_for_rating,
            "counts_for_standing": recognition.counts_for_standing,
        },
    )
    _recognition_changed(recognition.partner)
    return recognition


@transaction.atomic
def partner_recognition_delete(*, actor, recognition: PartnerRecognition) -> None:
    """Remove a rule: the partner's data of that kind count again."""
    from registry.permissions import ensure_registry_admin

    ensure_registry_admin(actor)
    partner = recognition.partner
    audit_write(actor=actor, action="partner.recognition_delete", target=recognition)
    recognition.delete()
    _recognition_changed(partner)


@transaction.atomic
def sync_conflict_resolve(*, actor, conflict: SyncConflict) -> SyncConflict:
    """Mark a partner's event that conflicted with this platform's data as decided by a person
    (what was done about it, in the partner's data or ours, is done through the usual services)."""
    return _conflict_mark(actor=actor, conflict=conflict, resolved=True)


@transaction.atomic
def sync_conflict_reopen(*, actor, conflict: SyncConflict) -> SyncConflict:
    """Put a conflict marked as resolved back among those left to decide."""
    return _conflict_mark(actor=actor, conflict=conflict, resolved=False)


def _conflict_mark(*, actor, conflict: SyncConflict, resolved: bool) -> SyncConflict:
    from registry.permissions import ensure_registry_admin

    ensure_registry_admin(actor)
    conflict = SyncConflict.objects.select_for_update().get(pk=conflict.pk)
    if conflict.resolved == resolved:
        raise ValidationError(
            _("This conflict is already resolved.") if resolved else _("This conflict is not resolved.")
        )
    conflict.resolved = resolved
    conflict.save(update_fields=["resolved"])
    audit_write(
        actor=actor,
        action="sync.conflict_resolve" if resolved else "sync.conflict_reopen",
        target=conflict,
        before={"resolved": not resolved},
        after={"resolved": resolved, "partner": conflict.partner.code, "subject": conflict.subject},
    )
    return conflict


@dataclass
class Applied:
    outcome: str
    detail: str = ""


@transaction.atomic
def partner_event_import(
    *, partner: PartnerPlatform, event: Any, page_cursor: str, index: int, next_cursor: str | None
) -> Applied:
    """Import one event of the partner's feed (the ``index``-th of the page read after
    ``page_cursor``) and move the partner's stored position past it, in one transaction.
    ``next_cursor`` is the page's ``next`` when this is its last event."""
    locked = PartnerPlatform.objects.select_for_update().get(pk=partner.pk)
    if (locked.last_cursor, locked.page_offset) != (page_cursor, index):
        raise SyncOutOfStep(
            f"{partner.code}: stored position {(locked.last_cursor, locked.page_offset)} is not "
            f"{(page_cursor, index)}: another sync of this partner is running"
        )
    try:
        with transaction.atomic():  # a savepoint: a refused event leaves nothing behind
            result = _apply(locked, event)
    except EventRejected as exc:
        result = _reject(locked, event, exc.reason, exc.message)
    except (ValidationError, IntegrityError) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc).splitlines()[0]
        result = _reject(locked, event, Reason.BAD_VALUE, message)
    if next_cursor is not None:
        locked.last_cursor, locked.page_offset = next_cursor, 0
    else:
        locked.page_offset = index + 1
    locked.events_imported += 1
    locked.save(update_fields=["last_cursor", "page_offset", "events_imported"])
    partner.last_cursor, partner.page_offset = locked.last_cursor, locked.page_offset
    partner.events_imported = locked.events_imported
    return result


def _reject(partner: PartnerPlatform, event: Any, reason: str, message: str) -> Applied:
    kind = event.get("kind") if isinstance(event, dict) else ""
    subject = event.get("subject") if isinstance(event, dict) else ""
    SyncRejection.objects.create(
        partner=partner,
        kind=str(kind or "")[:64],
        subject=str(subject or "")[:64],
        reason=reason,
        message=message[:2000],
        raw=v.raw_excerpt(event),
    )
    logger.warning("sync %s: event rejected (%s): %s", partner.code, reason, message)
    return Applied(REJECTED, f"{reason}: {message}")


def _conflict(partner, event, message: str, *, local_record=None, document_number: str = "") -> Applied:
    SyncConflict.objects.create(
        partner=partner,
        kind=event["kind"],
        subject=event["subject"],
        enterprise_uscc=str(event.get("enterprise") or "")[:18],
        document_number=document_number[:100],
        local_record=local_record,
        message=message,
        payload=event,
    )
    logger.warning("sync %s: conflict on %s: %s", partner.code, event["subject"], message)
    return Applied(CONFLICT, message)


def _apply(partner: PartnerPlatform, event: Any) -> Applied:
    event = v.envelope(event, partner_code=partner.code, relayed=partner.relayed)
    kind = event["kind"]
    if event["source_platform"] == settings.PLATFORM_CODE:
        # Our own data coming back through a partner: never imported again (no loops).
        return Applied(SKIPPED, "this platform's own event")
    if kind in v.IGNORED_KINDS:
        return Applied(SKIPPED, f"{kind} concerns only its platform")
    if kind in v.RECORD_KINDS:
        return _record_event(partner, event)
    if kind in v.LISTING_KINDS:
        return _listing_event(partner, event)
    return _enterprise_event(partner, event)


# --- Provenance -------------------------------------------------------------------------------


def _platform_names(partner: PartnerPlatform, event: dict) -> tuple[str, str]:
    """The source platform's name and English name: ours for it when it is a partner of ours,
    else what the relaying partner's payload says."""
    source = event["source_platform"]
    if source == partner.code:
        return partner.name, partner.name_en
    known = PartnerPlatform.objects.filter(code=source).values_list("name", "name_en").first()
    if known:
        return known
    payload = event["payload"]
    return (
        v.text(payload, "source_platform_name", column="source_platform_name") or source,
        v.text(payload, "source_platform_name_en", column="source_platform_name_en"),
    )


def _agency_for(event: dict, payload: dict, *, name_field: str) -> Agency:
    """This platform's agency row for the deciding agency at the source (made when missing)."""
    code = v.uscc(payload.get("agency_uscc"), "payload.agency_uscc")
    if event.get("agency") and event["agency"] != code:
        raise EventRejected(Reason.BAD_VALUE, "the event's agency differs from payload.agency_uscc")
    agency = Agency.objects.filter(uscc=code).first()
    if agency is not None:
        return agency
    name = v.text(payload, name_field, model=Agency, column="name", required=True)
    division = (
        Division.objects.filter(code=code[2:8]).first()
        or Division.objects.filter(code=code[2:4] + "0000").first()
    )
    if division is None:
        raise EventRejected(Reason.UNKNOWN_DIVISION, f"no division {code[2:8]} for agency {code}")
    if Agency.objects.filter(name=name).exists():
        name = f"{name[:170]}（{code}）"
    level = (
        AgencyLevel.PROVINCIAL
        if division.code.endswith("0000")
        else AgencyLevel.MUNICIPAL
        if division.code.endswith("00")
        else AgencyLevel.COUNTY
    )
    return Agency.objects.create(name=name, uscc=code, level=level, division=division, publicity_system="")


def _enterprise_for(partner, event: dict, payload: dict) -> Enterprise:
    code = v.uscc(event.get("enterprise"), "enterprise")
    enterprise = Enterprise.objects.filter(uscc=code).first()
    if enterprise is not None:
        return enterprise
    # A record whose enterprise was registered before the partner's feed began: registered here
    # with what the record says of it; its other facts arrive with its next enterprise event.
    return enterprise_register(
        actor=system_actor(),
        data={"uscc": code, "name": v.text(payload, "party_name", required=True)},
        source=DataSource.IMPORT,
    )


# --- Records ----------------------------------------------------------------------------------


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


# --- Listings ---------------------------------------------------------------------------------


def _listing_event(partner: PartnerPlatform, event: dict) -> Applied:
    payload = event["payload"]
    source = event["source_platform"]
    original = event["subject"]
    copy = (
        Listing.objects.select_for_update()
        .select_related("agency", "enterprise", "list_kind")
        .filter(source_platform=source, original_id=original)
        .first()
    )
    actor = system_actor()
    now = timezone.now()
    if event["kind"] == ChangeKind.LISTING_REMOVED:
        if copy is None or copy.status == ListingStatus.REMOVED:
            return Applied(UNCHANGED, "no listing in force here")
        copy.status = ListingStatus.REMOVED
        copy.removed_at = now
        copy.removal_reason = RemovalReason.REVOKED
        copy.removal_note = f"Removed at the source platform ({copy.source_platform_name})"
        copy.received_at = now
        copy.save()
        listing_change_emit(kind=ChangeKind.LISTING_REMOVED, listing=copy)
        audit_write(actor=actor, action="listing.sync_remove", target=copy, after={"event": event["kind"]})
        enterprise_changed(copy.enterprise_id)
        task_on_commit(task_names.RATING_RECOMPUTE, copy.enterprise_id)
        return Applied(APPLIED, "sync_remove")
    if copy is not None and copy.status == ListingStatus.ACTIVE:
        return Applied(UNCHANGED, "listing already here")
    fields = v.listing_fields(payload)
    list_kind = ListKind.objects.filter(code=str(payload.get("list_kind") or "")[:32]).first()
    if list_kind is None:
        raise EventRejected(
            Reason.UNKNOWN_LIST_KIND,
            f"list {str(payload.get('list_kind'))[:32]!r} is not kept on this platform",
        )
    agency = _agency_for(event, payload, name_field="agency")
    enterprise = _enterprise_for(partner, event, {"party_name": event["enterprise"]})
    clash = (
        Listing.objects.filter(agency=agency, document_number=fields["document_number"])
        .exclude(pk=copy.pk if copy else None)
        .first()
    ) or (
        Listing.objects.filter(
            enterprise=enterprise, document_number=fields["document_number"], source_platform=""
        ).first()
    )
    if clash is not None:
        return _conflict(
            partner,
            event,
            f"a listing of this platform (id {clash.pk}) has the same decision document number "
            f"{fields['document_number']}: the partner's listing was not imported",
            document_number=fields["document_number"],
        )
    copy = copy or Listing(created_by=actor, inclusion_conditions="")
    for name, value in fields.items():
        setattr(copy, name, value)
    copy.list_kind, copy.agency, copy.enterprise = list_kind, agency, enterprise
    copy.status = ListingStatus.ACTIVE
    copy.published_by, copy.published_at = actor, now
    copy.removed_at, copy.removal_reason, copy.removal_note = None, "", ""
    copy.source_platform = event["source_platform"]
    copy.source_platform_name, copy.source_platform_name_en = _platform_names(partner, event)
    copy.original_id = original
    copy.received_at, copy.received_from = now, partner
    copy.save()
    if copy.start_date <= timezone.localdate() and (
        copy.end_date is None or copy.end_date > timezone.localdate()
    ):
        listing_change_emit(kind=ChangeKind.LISTING_ENTERED, listing=copy)
    audit_write(actor=actor, action="listing.sync_enter", target=copy, after={"original_id": original})
    enterprise_changed(copy.enterprise_id)
    task_on_commit(task_names.RATING_RECOMPUTE, copy.enterprise_id)
    return Applied(APPLIED, "sync_enter")


# --- Enterprises ------------------------------------------------------------------------------


def _enterprise_event(partner: PartnerPlatform, event: dict) -> Applied:
    payload = event["payload"]
    code = v.uscc(event.get("enterprise"), "enterprise")
    if v.uscc(payload.get("uscc"), "payload.uscc") != code or event["subject"] != code:
        raise EventRejected(Reason.BAD_VALUE, "the enterprise's code differs between event and payload")
    data = {name: payload.get(name) for name in ENTERPRISE_FACTS if payload.get(name) not in (None, "")}
    for name in ("registered_capital", "industry", "registration_number", "organization_code", "tax_number"):
        if payload.get(name) not in (None, ""):
            data[name] = payload[name]
    for name in ("name", "legal_representative", "domicile", "registration_authority"):
        if name in data:
            v.text(data, name, model=Enterprise)
    v.text(payload, "name", model=Enterprise, required=True)
    enterprise = Enterprise.objects.filter(uscc=code).first()
    if enterprise is None:
        if event["kind"] == ChangeKind.ENTERPRISE_DEREGISTERED:
            return Applied(UNCHANGED, "not registered here")
        enterprise_register(actor=system_actor(), data={"uscc": code, **data}, source=DataSource.IMPORT)
        return Applied(APPLIED, "registered")
    from registry.validation import clean_enterprise

    cleaned, errors = clean_enterprise(data, partial=True)
    if errors:
        raise EventRejected(
            Reason.BAD_VALUE, "; ".join(f"payload.{k}: {' '.join(m)}" for k, m in errors.items())
        )
    # Facts this platform does not have yet (an enterprise first known from a partner's record) are
    # filled in; a fact it has is never replaced.
    blanks = {
        name: value
        for name, value in cleaned.items()
        if name in ENTERPRISE_FACTS and getattr(enterprise, name) in (None, "") and value not in (None, "")
    }
    differs = {
        name: [getattr(enterprise, name), value]
        for name, value in cleaned.items()
        if name in ENTERPRISE_FACTS and name not in blanks and getattr(enterprise, name) != value
    }
    if blanks:
        enterprise_update(actor=system_actor(), enterprise=enterprise, data=blanks)
    if not differs:
        return (
            Applied(APPLIED, "filled in " + ", ".join(blanks)) if blanks else Applied(UNCHANGED, "same facts")
        )
    described = ", ".join(f"{k}: {_show(a)} here, {_show(b)} there" for k, (a, b) in differs.items())
    return _conflict(
        partner, event, f"the enterprise's registration facts differ ({described}); this platform's are kept"
    )


def _show(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else repr(value)


# --- A run ------------------------------------------------------------------------------------


@dataclass
class SyncResult:
    events: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    pages: int = 0
    error: str = ""


def partner_sync(
    *,
    partner: PartnerPlatform,
    fetch=None,
    limit: int = 200,
    max_events: int | None = None,
    pause: float = 0.0,
) -> SyncResult:
    """Follow the partner's feed from its stored position to its end (or ``max_events``), one
    event per transaction. A failure stops the run with the position at the last event applied; the
    next run goes on from there. The run's status is kept on the partner."""
    import time

    from sanctions.sync.client import FeedError, feed_page

    fetch = fetch or feed_page
    result = SyncResult()
    try:
        while max_events is None or result.events < max_events:
            partner.refresh_from_db()
            cursor, offset = partner.last_cursor, partner.page_offset
            page = fetch(partner, after=cursor, limit=limit)
            result.pages += 1
            events, next_cursor = page["events"], page["next"]
            if not events:
                break
            if offset >= len(events):  # only if the partner's page shrank: go on after it
                PartnerPlatform.objects.filter(pk=partner.pk).update(last_cursor=next_cursor, page_offset=0)
                continue
            for index in range(offset, len(events)):
                if max_events is not None and result.events >= max_events:
                    break
                last = index == len(events) - 1
                applied = partner_event_import(
                    partner=partner,
                    event=events[index],
                    page_cursor=cursor,
                    index=index,
                    next_cursor=next_cursor if last else None,
                )
                result.events += 1
                result.outcomes[applied.outcome] = result.outcomes.get(applied.outcome, 0) + 1
                if pause:
                    time.sleep(pause)
            if next_cursor == cursor:
                break
    except (FeedError, SyncOutOfStep) as exc:
        result.error = str(exc)
    except Exception as exc:  # noqa: BLE001 - recorded on the partner, then raised for the caller's log
        _finish(partner, result, f"{type(exc).__name__}: {exc}")
        raise
    _finish(partner, result, result.error)
    return result


def _finish(partner: PartnerPlatform, result: SyncResult, error: str) -> None:
    PartnerPlatform.objects.filter(pk=partner.pk).update(
        last_run_at=timezone.now(), last_status="error" if error else "ok", last_error=error[:4000]
    )
