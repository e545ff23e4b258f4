"""Lists (red, seriously dishonest, watch, abnormal operations, …): listings and their notifications.

A listing is an agency's decision, written by a clerk and published by another reviewer of the same
agency (four eyes), exactly like a credit record. It leaves public view by itself when its term
ends (``selectors.active_listings`` compares dates); ``listings_expire`` only marks such listings
removed, writes their audit entries and tells the subscribers. Early removal after credit repair
and revocation go through ``listing_remove``.

Every write here checks permission itself, writes its audit entry in the same transaction, bumps
the enterprise's cache generation and schedules its rating recomputation on commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.audit import PendingEntry, audit_write, audit_write_many, snapshot
from registry.background import task_on_commit
from registry.cache import enterprise_changed
from registry.models import Agency, Enterprise
from registry.permissions import is_registry_admin, roles_in
from sanctions import task_names
from sanctions.choices import ListingStatus, NotificationEvent, RecordStatus, RemovalReason
from sanctions.lists.selectors import active_listings
from sanctions.models import CreditRecord, Listing, ListKind, ListSubscription, Notification
from sanctions.permissions import (
    REVIEW_ROLES,
    agencies_of,
    ensure_can_correct,
    ensure_can_edit,
    ensure_can_review,
)
from sanctions.records.publicity import add_months

LISTING_FIELDS = [
    "grounds",
    "legal_basis",
    "document_number",
    "start_date",
    "end_date",
    "inclusion_conditions",
    "removal_conditions",
]
REQUIRED = {
    "grounds": lambda: _("Give the grounds for the listing."),
    "legal_basis": lambda: _("Give the legal basis of the listing."),
    "document_number": lambda: _("Give the number of the listing decision."),
    "start_date": lambda: _("Give the date the listing starts."),
}
# Records a listing may rest on: decisions that were published (they may have expired since).
CITABLE_RECORD_STATUSES = [RecordStatus.PUBLISHED, RecordStatus.EXPIRED]
EXPIRE_CHUNK = 5000


def _rating_recompute_on_commit(enterprise_ids: Iterable[int]) -> None:
    for enterprise_id in sorted(set(enterprise_ids)):
        task_on_commit(task_names.RATING_RECOMPUTE, enterprise_id)


def _values(listing: Listing) -> dict[str, Any]:
    values = snapshot(listing, [*LISTING_FIELDS, "list_kind_id", "enterprise_id", "agency_id", "status"])
    if listing.pk:
        values["records"] = sorted(listing.records.values_list("pk", flat=True))
    return values


def _as_date(value: Any, field: str, errors: dict[str, list[str]]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors.setdefault(field, []).append(_("Enter a date as YYYY-MM-DD."))
        return None


def _clean(*, list_kind: ListKind, data: dict[str, Any]) -> dict[str, Any]:
    """The listing's fields, checked; the list's published conditions and default term fill the gaps."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for field in ("grounds", "legal_basis", "document_number", "inclusion_conditions", "removal_conditions"):
        cleaned[field] = (
            " ".join(str(data.get(field) or "").split())
            if field == "document_number"
            else str(data.get(field) or "").strip()
        )
    cleaned["start_date"] = _as_date(data.get("start_date"), "start_date", errors)
    cleaned["end_date"] = _as_date(data.get("end_date"), "end_date", errors)
    for field, message in REQUIRED.items():
        if not cleaned.get(field) and field not in errors:
            errors.setdefault(field, []).append(message())
    if not list_kind.active:
        errors.setdefault("list_kind", []).append(_("This list is no longer in use."))
    if not cleaned["inclusion_conditions"]:
        cleaned["inclusion_conditions"] = list_kind.inclusion_conditions
    if not cleaned["removal_conditions"]:
        cleaned["removal_conditions"] = list_kind.removal_conditions
    start, end = cleaned["start_date"], cleaned["end_date"]
    if start and end is None and list_kind.default_term_months and not data.get("no_end"):
        cleaned["end_date"] = end = add_months(start, list_kind.default_term_months)
    if start and end and end <= start:
        errors.setdefault("end_date", []).append(_("The listing must end after it starts."))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_records(*, enterprise: Enterprise, records: Iterable[CreditRecord | int]) -> list[CreditRecord]:
    ids = [r.pk if isinstance(r, CreditRecord) else int(r) for r in records]
    found = list(CreditRecord.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({"records": [_("One of the records does not exist.")]})
    for record in found:
        if record.enterprise_id != enterprise.pk:
            raise ValidationError(
                {
                    "records": [
                        _("Record %(number)s is about another enterprise.")
                        % {"number": record.document_number}
                    ]
                }
            )
        if record.status not in CITABLE_RECORD_STATUSES:
            raise ValidationError(
                {
                    "records": [
                        _(
                            "Record %(number)s is not published: a listing can only rest on published decisions."
                        )
                        % {"number": record.document_number}
                    ]
                }
            )
    return found


def _save(listing: Listing) -> None:
    try:
        with transaction.atomic():
            listing.save()
    except IntegrityError as exc:
        if (
            Listing.objects.filter(agency=listing.agency, document_number=listing.document_number)
            .exclude(pk=listing.pk)
            .exists()
        ):
            raise ValidationError(
                {
                    "document_number": [
                        _("Your agency already has a listing with decision number %(number)s.")
                        % {"number": listing.document_number}
                    ]
                }
            ) from None
        raise ValidationError(str(exc)) from None


def _locked(listing: Listing) -> Listing:
    return (
        Listing.objects.select_for_update()
        .select_related("agency", "list_kind", "enterprise")
        .get(pk=listing.pk)
    )


def _refuse(status_now: str, allowed: set[str], what: str) -> None:
    if status_now not in allowed:
        raise ValidationError(
            _("A listing that is “%(status)s” cannot be %(what)s.")
            % {"status": ListingStatus(status_now).label, "what": what}
        )


@transaction.atomic
def listing_create(
    *,
    actor,
    agency: Agency,
    enterprise: Enterprise,
    list_kind: ListKind,
    data: dict[str, Any],
    records: Iterable[CreditRecord | int] = (),
    submit: bool = False,
) -> Listing:
    """Draft an agency's decision to put an enterprise on a list (or send it straight to review)."""
    ensure_can_edit(actor, agency)
    cleaned = _clean(list_kind=list_kind, data=data)
    cited = _clean_records(enterprise=enterprise, records=records)
    listing = Listing(agency=agency, enterprise=enterprise, list_kind=list_kind, created_by=actor, **cleaned)
    if submit:
        listing.status = ListingStatus.SUBMITTED
    _save(listing)
    listing.records.set(cited)
    audit_write(
        actor=actor, action=f"listing.create.{listing.status}", target=listing, after=_values(listing)
    )
    return listing


@transaction.atomic
def listing_update(
    *, actor, listing: Listing, data: dict[str, Any], records: Iterable[CreditRecord | int] | None = None
) -> Listing:
    """Edit a draft listing (one sent back by the reviewer is a draft again)."""
    listing = _locked(listing)
    ensure_can_edit(actor, listing.agency)
    _refuse(listing.status, {ListingStatus.DRAFT}, _("edited"))
    before = _values(listing)
    merged = {**{f: getattr(listing, f) for f in LISTING_FIELDS}, **data}
    cleaned = _clean(list_kind=listing.list_kind, data=merged)
    for field, value in cleaned.items():
        setattr(listing, field, value)
    _save(listing)
    if records is not None:
        listing.records.set(_clean_records(enterprise=listing.enterprise, records=records))
    after = _values(listing)
    changed = {k: [before[k], after[k]] for k in after if before.get(k) != after[k]}
    if changed:
        audit_write(
            actor=actor,
            action="listing.edit",
            target=listing,
            before={k: v[0] for k, v in changed.items()},
            after={k: v[1] for k, v in changed.items()},
        )
    return listing


@transaction.atomic
def listing_submit(*, actor, listing: Listing) -> Listing:
    """Send a draft listing to the agency's reviewers."""
    listing = _locked(listing)
    ensure_can_edit(actor, listing.agency)
    _refuse(listing.status, {ListingStatus.DRAFT}, _("submitted"))
    listing.status = ListingStatus.SUBMITTED
    listing.save(update_fields=["status", "updated_at"])
    audit_write(
        actor=actor,
        action="listing.submit",
        target=listing,
        before={"status": "draft"},
        after={"status": "submitted"},
    )
    return listing


@transaction.atomic
def listing_send_back(*, actor, listing: Listing, comment: str) -> Listing:
    """Return a submitted listing to its author with the reviewer's comment."""
    listing = _locked(listing)
    ensure_can_review(actor, listing.agency)
    _refuse(listing.status, {ListingStatus.SUBMITTED}, _("sent back"))
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": [_("Tell the clerk what to change.")]})
    listing.status = ListingStatus.DRAFT
    listing.review_comment = comment
    listing.save(update_fields=["status", "review_comment", "updated_at"])
    audit_write(
        actor=actor,
        action="listing.send_back",
        target=listing,
        before={"status": "submitted"},
        after={"status": "draft", "comment": comment},
    )
    return listing


@transaction.atomic
def listing_publish(*, actor, listing: Listing) -> Listing:
    """Approve a submitted listing: the enterprise is on the list from its start date, publicly.

    The reviewer must belong to the listing's agency and must not be its author (four eyes).
    """
    listing = _locked(listing)
    ensure_can_review(actor, listing.agency)
    _refuse(listing.status, {ListingStatus.SUBMITTED}, _("published"))
    if listing.created_by_id == actor.pk:
        raise ValidationError(_("You wrote this listing: another reviewer must approve it (four eyes)."))
    today = timezone.localdate()
    if listing.end_date and listing.end_date <= today:
        raise ValidationError(
            {"end_date": [_("This listing's term has already ended: it cannot be published.")]}
        )
    listing.status = ListingStatus.ACTIVE
    listing.published_by = actor
    listing.published_at = timezone.now()
    listing.review_comment = ""
    listing.save(update_fields=["status", "published_by", "published_at", "review_comment", "updated_at"])
    audit_write(
        actor=actor,
        action="listing.publish",
        target=listing,
        before={"status": "submitted"},
        after={"status": "active", "start_date": listing.start_date, "end_date": listing.end_date},
    )
    notifications_create(listings=[listing], event=NotificationEvent.ENTERED)
    enterprise_changed(listing.enterprise_id)
    _rating_recompute_on_commit([listing.enterprise_id])
    return listing


def can_remove_early(listing: Listing, *, today: dt.date | None = None) -> bool:
    """Whether the list's published rules allow early removal after repair on this date."""
    months = listing.list_kind.early_removal_after_months
    if months is None:
        return False
    return add_months(listing.start_date, months) <= (today or timezone.localdate())


@transaction.atomic
def listing_remove(*, actor, listing: Listing, reason: str, note: str = "") -> Listing:
    """Take an enterprise off a list before its term ends: after credit repair, or because the
    listing decision was revoked. A term that ends needs no removal (``listings_expire`` marks it).
    """
    listing = _locked(listing)
    if not is_registry_admin(actor):  # the credit platform decides some repairs itself
        ensure_can_correct(actor, listing.agency)
    if reason not in (RemovalReason.REPAIRED, RemovalReason.REVOKED):
        raise ValidationError(
            {
                "reason": [
                    _(
                        "A listing is removed early after credit repair, or revoked; "
                        "it ends by itself when its term ends."
                    )
                ]
            }
        )
    _refuse(listing.status, {ListingStatus.ACTIVE}, _("removed"))
    note = (note or "").strip()
    if reason == RemovalReason.REVOKED and not note:
        raise ValidationError({"note": [_("Say why the listing decision was revoked.")]})
    today = timezone.localdate()
    if listing.end_date and listing.end_date <= today:
        raise ValidationError(_("This listing's term has already ended: it is no longer in force."))
    if reason == RemovalReason.REPAIRED and not can_remove_early(listing, today=today):
        if listing.list_kind.early_removal_after_months is None:
            raise ValidationError({"reason": [_("This list allows no early removal after repair.")]})
        raise ValidationError(
            {
                "reason": [
                    _("Early removal from this list is possible from %(date)s.")
                    % {
                        "date": add_months(
                            listing.start_date, listing.list_kind.early_removal_after_months
                        ).isoformat()
                    }
                ]
            }
        )
    listing.status = ListingStatus.REMOVED
    listing.removed_at = timezone.now()
    listing.removal_reason = reason
    listing.removal_note = note
    listing.save(update_fields=["status", "removed_at", "removal_reason", "removal_note", "updated_at"])
    audit_write(
        actor=actor,
        action=f"listing.remove.{reason}",
        target=listing,
        before={"status": "active"},
        after={"status": "removed", "reason": reason, "note": note},
    )
    # A listing that had not started yet was never visible: nobody saw the enterprise enter.
    if listing.start_date <= today:
        notifications_create(listings=[listing], event=NotificationEvent.LEFT)
    enterprise_changed(listing.enterprise_id)
    _rating_recompute_on_commit([listing.enterprise_id])
    return listing


@transaction.atomic
def listings_expire(*, today: dt.date | None = None) -> int:
    """Mark in-force listings whose term has ended as removed (term ended), up to 5,000 at a time.

    Public view never waits for this: ``active_listings`` already stops showing them on their end date.
    """
    from registry.services import system_actor

    today = today or timezone.localdate()
    due = list(
        Listing.objects.select_for_update(skip_locked=True)
        .filter(status=ListingStatus.ACTIVE, end_date__isnull=False, end_date__lte=today)
        .select_related("list_kind", "enterprise")
        .order_by("pk")[:EXPIRE_CHUNK]
    )
    if not due:
        return 0
    actor = system_actor()
    now = timezone.now()
    Listing.objects.filter(pk__in=[x.pk for x in due]).update(
        status=ListingStatus.REMOVED, removed_at=now, removal_reason=RemovalReason.TERM_ENDED, updated_at=now
    )
    audit_write_many(
        [
            PendingEntry(
                actor,
                "listing.remove.term_ended",
                Listing._meta.label_lower,
                str(x.pk),
                str(x)[:300],
                {"status": "active"},
                {"status": "removed", "reason": "term_ended", "end_date": x.end_date},
            )
            for x in due
        ]
    )
    notifications_create(listings=due, event=NotificationEvent.LEFT)
    enterprise_ids = {x.enterprise_id for x in due}
    enterprise_changed(enterprise_ids)
    _rating_recompute_on_commit(enterprise_ids)
    return len(due)


def listings_starting(*, today: dt.date | None = None) -> list[int]:
    """Enterprises whose published listing starts today: their rating changes today."""
    today = today or timezone.localdate()
    return list(
        Listing.objects.filter(status=ListingStatus.ACTIVE, start_date=today)
        .values_list("enterprise_id", flat=True)
        .distinct()
    )


# --- Subscriptions and notifications ------------------------------------------------------------------


def _ensure_staff_of(actor, agency: Agency) -> None:
    if not roles_in(actor, agency):
        raise PermissionDenied(_("Only the staff of %(agency)s may do this.") % {"agency": agency.name})


def notifications_create(*, listings: Iterable[Listing], event: str) -> int:
    """Tell every agency that follows the enterprise (on that list or on any list); once per event."""
    listings = list(listings)
    if not listings:
        return 0
    wanted = ListSubscription.objects.filter(
        enterprise_id__in={x.enterprise_id for x in listings}
    ).values_list("agency_id", "enterprise_id", "list_kind_id")
    followers: dict[int, list[tuple[int, str | None]]] = {}
    for agency_id, enterprise_id, list_kind_id in wanted:
        followers.setdefault(enterprise_id, []).append((agency_id, list_kind_id))
    notices = []
    for listing in listings:
        agencies = {
            a for a, kind in followers.get(listing.enterprise_id, ()) if kind in (None, listing.list_kind_id)
        }
        notices += [Notification(agency_id=a, listing=listing, event=event) for a in sorted(agencies)]
    Notification.objects.bulk_create(notices, ignore_conflicts=True)
    return len(notices)


@transaction.atomic
def subscription_create(
    *, actor, agency: Agency, enterprise: Enterprise, list_kind: ListKind | None = None
) -> ListSubscription:
    """Follow an enterprise: the agency is told when it enters or leaves a list (or any list)."""
    _ensure_staff_of(actor, agency)
    existing = ListSubscription.objects.filter(
        agency=agency, enterprise=enterprise, list_kind=list_kind
    ).first()
    if existing:
        return existing
    subscription = ListSubscription.objects.create(
        agency=agency, enterprise=enterprise, list_kind=list_kind, created_by=actor
    )
    audit_write(
        actor=actor,
        action="list_subscription.create",
        target=subscription,
        after={
            "agency": agency.pk,
            "enterprise": enterprise.uscc,
            "list": list_kind.pk if list_kind else None,
        },
    )
    return subscription


@transaction.atomic
def subscription_delete(*, actor, subscription: ListSubscription) -> None:
    """Stop following an enterprise; notifications already received stay."""
    _ensure_staff_of(actor, subscription.agency)
    audit_write(
        actor=actor,
        action="list_subscription.delete",
        target=subscription,
        before={
            "agency": subscription.agency_id,
            "enterprise": subscription.enterprise_id,
            "list": subscription.list_kind_id,
        },
    )
    subscription.delete()


@transaction.atomic
def notifications_mark_read(*, actor, agency: Agency, ids: Iterable[int] | None = None) -> int:
    """Mark the agency's notifications read (the given ones, or all)."""
    _ensure_staff_of(actor, agency)
    qs = Notification.objects.filter(agency=agency, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


# --- Reads --------------------------------------------------------------------------------------------


def listings_for_staff(*, user) -> QuerySet[Listing]:
    """The listings of the agencies the user works for (registry administrators: all)."""
    qs = Listing.objects.select_related("list_kind", "enterprise", "agency", "created_by")
    if is_registry_admin(user):
        return qs
    return qs.filter(agency__in=agencies_of(user))


def listing_get_for_staff(*, user, pk: int) -> Listing:
    """The listing if the user's agency owns it; otherwise 404, so that others' drafts stay unknown."""
    listing = listings_for_staff(user=user).filter(pk=pk).first()
    if listing is None:
        raise Http404
    return listing


def listing_review_queue(*, user) -> QuerySet[Listing]:
    from registry.models import StaffRole

    agency_ids = StaffRole.objects.filter(user=user, role__in=REVIEW_ROLES).values_list(
        "agency_id", flat=True
    )
    return (
        Listing.objects.filter(agency_id__in=agency_ids, status=ListingStatus.SUBMITTED)
        .exclude(created_by=user)
        .select_related("list_kind", "enterprise", "agency", "created_by")
        .order_by("updated_at")
    )


def list_kinds_public(*, today: dt.date | None = None) -> QuerySet[ListKind]:
    """The lists in use, each with how many enterprises are on it today."""
    today = today or timezone.localdate()
    in_force = Q(listings__status=ListingStatus.ACTIVE, listings__start_date__lte=today) & (
        Q(listings__end_date__isnull=True) | Q(listings__end_date__gt=today)
    )
    return ListKind.objects.filter(active=True).annotate(current=Count("listings", filter=in_force))


def listings_on(*, list_kind: ListKind, today: dt.date | None = None) -> QuerySet[Listing]:
    """Who is on a list today: public information."""
    return (
        active_listings(today=today)
        .filter(list_kind=list_kind)
        .select_related("enterprise")
        .order_by("-start_date", "-id")
    )


def subscriptions_of(*, agencies: Iterable[Agency]) -> QuerySet[ListSubscription]:
    return (
        ListSubscription.objects.filter(agency__in=list(agencies))
        .select_related("agency", "enterprise", "list_kind")
        .order_by("enterprise__name", "list_kind")
    )


def notifications_of(*, agencies: Iterable[Agency]) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(agency__in=list(agencies))
        .select_related("agency", "listing__enterprise", "listing__list_kind")
        .order_by("-created_at", "-id")
    )


def unread_count(*, agencies: Iterable[Agency]) -> int:
    return Notification.objects.filter(agency__in=list(agencies), read_at__isnull=True).count()
