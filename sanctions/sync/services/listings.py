"""A partner's listing events: its copy entered on a list here, or removed."""

from __future__ import annotations

from django.utils import timezone

from registry.audit import audit_write
from registry.background import task_on_commit
from registry.cache import enterprise_changed
from registry.choices import ChangeKind
from registry.services import system_actor
from sanctions import task_names
from sanctions.choices import ListingStatus, RemovalReason
from sanctions.lists.public import listing_change_emit
from sanctions.models import Listing, ListKind, PartnerPlatform
from sanctions.sync import validation as v
from sanctions.sync.validation import EventRejected, Reason

from .outcomes import APPLIED, UNCHANGED, Applied, _conflict
from .provenance import _agency_for, _enterprise_for, _platform_names


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
