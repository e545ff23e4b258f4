"""What a registry administrator decides about partners: registering one (its feed and key),
recognition rules for its data, and conflicts marked as resolved or reopened."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from registry.audit import audit_write
from registry.background import task_on_commit
from registry.cache import enterprise_changed
from sanctions import task_names
from sanctions.models import CreditRecord, Listing, PartnerPlatform, PartnerRecognition, SyncConflict
from sanctions.sync.keys import key_seal


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
