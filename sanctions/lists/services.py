"""Listings on the lists (red, seriously dishonest, watch, abnormal operations, …): their lifecycle.

A listing is an agency's decision, written by a clerk and published by another reviewer of the same
agency (four eyes), exactly like a credit record. It leaves public view by itself when its term
ends (``selectors.active_listings`` compares dates); ``listings_expire`` only marks such listings
removed, writes their audit entries and tells the subscribers (``notifications``). Early removal
after credit repair and revocation go through ``listing_remove``.

Every write here checks permission itself, writes its audit entry in the same transaction, bumps
the enterprise's cache generation and schedules its rating recomputation on commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from registry.audit import PendingEntry, audit_write, audit_write_many, snapshot
from registry.background import task_on_commit
from registry.cache import enterprise_changed
from registry.choices import ChangeKind
from registry.models import Agency, ChangeEvent, Enterprise
from registry.permissions import is_registry_admin
from registry.services import system_actor
from sanctions import task_names
from sanctions.choices import ListingStatus, NotificationEvent, RemovalReason
from sanctions.lists.notifications import notifications_create
from sanctions.lists.public import listing_change_emit, listings_removal_emit
from sanctions.lists.validation import LISTING_FIELDS, cited_records_clean, listing_clean
from sanctions.models import CreditRecord, Listing, ListKind
from sanctions.permissions import ensure_can_correct, ensure_can_edit, ensure_can_review
from sanctions.records.publicity import add_months


def _rating_recompute_on_commit(enterprise_ids: Iterable[int]) -> None:
    for enterprise_id in sorted(set(enterprise_ids)):
        task_on_commit(task_names.RATING_RECOMPUTE, enterprise_id)


def _values(listing: Listing) -> dict[str, Any]:
    values = snapshot(listing, [*LISTING_FIELDS, "list_kind_id", "enterprise_id", "agency_id", "status"])
    if listing.pk:
        values["records"] = sorted(listing.records.values_list("pk", flat=True))
    return values


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


def _refuse(status_now: str, allowed: set[ListingStatus], what: str) -> None:
    if status_now not in allowed:
        raise ValidationError(
            _("A listing that is “%(status)s” cannot be %(what)s.")
            % {"status": ListingStatus(status_now).label, "what": what}
        )


@transaction.atomic
def listing_create(
    *,
    actor: User,
    agency: Agency,
    enterprise: Enterprise,
    list_kind: ListKind,
    data: dict[str, Any],
    records: Iterable[CreditRecord | int] = (),
    submit: bool = False,
) -> Listing:
    """Draft an agency's decision to put an enterprise on a list (or send it straight to review)."""
    ensure_can_edit(actor, agency)
    cleaned = listing_clean(list_kind=list_kind, data=data)
    cited = cited_records_clean(enterprise=enterprise, records=records)
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
    *,
    actor: User,
    listing: Listing,
    data: dict[str, Any],
    records: Iterable[CreditRecord | int] | None = None,
) -> Listing:
    """Edit a draft listing (one sent back by the reviewer is a draft again)."""
    listing = _locked(listing)
    ensure_can_edit(actor, listing.agency)
    _refuse(listing.status, {ListingStatus.DRAFT}, pgettext("cannot be", "edited"))
    before = _values(listing)
    merged = {**{f: getattr(listing, f) for f in LISTING_FIELDS}, **data}
    cleaned = listing_clean(list_kind=listing.list_kind, data=merged)
    for field, value in cleaned.items():
        setattr(listing, field, value)
    _save(listing)
    if records is not None:
        listing.records.set(cited_records_clean(enterprise=listing.enterprise, records=records))
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
def listing_submit(*, actor: User, listing: Listing) -> Listing:
    """Send a draft listing to the agency's reviewers."""
    listing = _locked(listing)
    ensure_can_edit(actor, listing.agency)
    _refuse(listing.status, {ListingStatus.DRAFT}, pgettext("cannot be", "submitted"))
    listing.status = ListingStatus.SUBMITTED
    listing.save(update_fields=["status", "updated_at"])
    audit_write(
        actor=actor,
        action="listing.submit",
        target=listing,
        before={"status": ListingStatus.DRAFT},
        after={"status": ListingStatus.SUBMITTED},
    )
    return listing


@transaction.atomic
def listing_send_back(*, actor: User, listing: Listing, comment: str) -> Listing:
    """Return a submitted listing to its author with the reviewer's comment."""
    listing = _locked(listing)
    ensure_can_review(actor, listing.agency)
    _refuse(listing.status, {ListingStatus.SUBMITTED}, pgettext("cannot be", "sent back"))
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
        before={"status": ListingStatus.SUBMITTED},
        after={"status": ListingStatus.DRAFT, "comment": comment},
    )
    return listing


@transaction.atomic
def listing_publish(*, actor: User, listing: Listing) -> Listing:
    """Approve a submitted listing: the enterprise is on the list from its start date, publicly.

    The reviewer must belong to the listing's agency and must not be its author (four eyes).
    """
    listing = _locked(listing)
    ensure_can_review(actor, listing.agency)
    _refuse(listing.status, {ListingStatus.SUBMITTED}, pgettext("cannot be", "published"))
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
        before={"status": ListingStatus.SUBMITTED},
        after={
            "status": ListingStatus.ACTIVE,
            "start_date": listing.start_date,
            "end_date": listing.end_date,
        },
    )
    notifications_create(listings=[listing], event=NotificationEvent.ENTERED)
    # In the change feed once it is in force; a listing that starts later is not public yet.
    if listing.start_date <= today:
        listing_change_emit(kind=ChangeKind.LISTING_ENTERED, listing=listing)
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
def listing_remove(*, actor: User, listing: Listing, reason: str, note: str = "") -> Listing:
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
    _refuse(listing.status, {ListingStatus.ACTIVE}, pgettext("cannot be", "removed"))
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
        before={"status": ListingStatus.ACTIVE},
        after={"status": ListingStatus.REMOVED, "reason": reason, "note": note},
    )
    # A listing that had not started yet was never visible: nobody saw the enterprise enter.
    if listing.start_date <= today:
        notifications_create(listings=[listing], event=NotificationEvent.LEFT)
        listing_change_emit(kind=ChangeKind.LISTING_REMOVED, listing=listing)
    enterprise_changed(listing.enterprise_id)
    _rating_recompute_on_commit([listing.enterprise_id])
    return listing


@transaction.atomic
def listings_started_emit(*, today: dt.date | None = None) -> int:
    """Write ``listing.entered`` for listings published ahead of their start date that are in force
    now and not yet in the change feed (they were not public when published); returns how many.
    Run daily (``sanctions.tasks.listings_expire``); a day missed is caught up, within the feed's
    retention, and a run repeated writes nothing twice."""
    today = today or timezone.localdate()
    # A partner's listing is named in the feed by its id at the source (``listing_change_emit``).
    subject = Coalesce(
        NullIf(OuterRef("original_id"), Value("")), Cast(OuterRef("pk"), output_field=CharField())
    )
    entered = ChangeEvent.objects.filter(kind=ChangeKind.LISTING_ENTERED, subject=subject)
    due = list(
        Listing.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("list_kind", "agency", "enterprise")
        .filter(
            status=ListingStatus.ACTIVE,
            start_date__lte=today,
            start_date__gt=today - dt.timedelta(days=settings.CHANGE_FEED_RETENTION_DAYS),
            published_at__date__lt=F("start_date"),
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=today))
        .exclude(Exists(entered))
        .order_by("pk")
    )
    for listing in due:
        listing_change_emit(kind=ChangeKind.LISTING_ENTERED, listing=listing)
    return len(due)


@transaction.atomic
def listings_expire(*, today: dt.date | None = None) -> int:
    """Mark in-force listings whose term has ended as removed (term ended), ``settings.EXPIRY_BATCH_ROWS`` at a time.

    Public view never waits for this: ``active_listings`` already stops showing them on their end date.
    ``listings_expire_batch`` goes on after a position, for a job over millions (``manage.py expire_listings``).
    """
    done = listings_expire_batch(today=today)
    return done[0] if done else 0


@transaction.atomic
def listings_expire_batch(
    *, today: dt.date | None = None, after: tuple[dt.date, int] | None = None, size: int | None = None
) -> tuple[int, tuple[dt.date, int]] | None:
    """One batch: the first ``size`` listings in force whose term ended on or before ``today``, in
    (end date, id) order after ``after``, removed with their audit entries and notifications, their
    enterprises' cached pages invalidated and ratings queued. Returns (listings removed, the position
    of the last one), or None when none is left. Found by the partial index ``listing_term_due``."""
    today = today or timezone.localdate()
    size = size or settings.EXPIRY_BATCH_ROWS
    due = Listing.objects.select_for_update(skip_locked=True, of=("self",)).filter(
        status=ListingStatus.ACTIVE, end_date__isnull=False, end_date__lte=today
    )
    if after is not None:
        end, pk = after
        due = due.filter(Q(end_date__gt=end) | Q(end_date=end, pk__gt=pk))
    due = list(due.select_related("list_kind", "enterprise", "agency").order_by("end_date", "pk")[:size])
    if not due:
        return None
    actor = system_actor()
    now = timezone.now()
    Listing.objects.filter(pk__in=[x.pk for x in due]).update(
        status=ListingStatus.REMOVED, removed_at=now, removal_reason=RemovalReason.TERM_ENDED, updated_at=now
    )
    audit_write_many(
        [
            PendingEntry(
                actor,
                f"listing.remove.{RemovalReason.TERM_ENDED.value}",
                Listing._meta.label_lower,
                str(x.pk),
                str(x)[:300],
                {"status": ListingStatus.ACTIVE},
                {"status": ListingStatus.REMOVED, "reason": RemovalReason.TERM_ENDED, "end_date": x.end_date},
            )
            for x in due
        ]
    )
    notifications_create(listings=due, event=NotificationEvent.LEFT)
    listings_removal_emit(listings=[x for x in due if x.start_date <= today])
    enterprises = sorted({x.enterprise_id for x in due})
    enterprise_changed(enterprises)
    # Their ratings, 500 enterprises a message.
    for start in range(0, len(enterprises), 500):
        task_on_commit(task_names.RATINGS_RECOMPUTE_MANY, enterprises[start : start + 500])
    return len(due), (due[-1].end_date, due[-1].pk)


@dataclass(frozen=True)
class RuleListing:
    """One enterprise that a scheduled rule puts on a list, with the decision's particulars."""

    enterprise_id: int
    agency_id: int
    grounds: str
    legal_basis: str
    document_number: str
    start_date: dt.date


@transaction.atomic
def listings_enter_by_rule(*, list_kind: ListKind, entries: list[RuleListing]) -> list[Listing]:
    """Listings that follow from a fact by a published rule (an annual report not filed by 30 June),
    written by the system account on behalf of each competent agency.

    Where the list kind wants its rule-made listings reviewed (``rule_listings_reviewed``), they are
    submitted to the agency's reviewers, who publish them (four eyes: the system is the author);
    otherwise they are in force at once, with their audit entries, the subscribers' notifications,
    the enterprises' cached pages invalidated and their ratings queued. A document number already
    used by the agency is an error: the callers choose numbers that say which fact they follow.
    """
    if not entries:
        return []
    actor = system_actor()
    now = timezone.now()
    at_once = not list_kind.rule_listings_reviewed
    listings = Listing.objects.bulk_create(
        [
            Listing(
                list_kind=list_kind,
                enterprise_id=e.enterprise_id,
                agency_id=e.agency_id,
                status=ListingStatus.ACTIVE if at_once else ListingStatus.SUBMITTED,
                grounds=e.grounds,
                legal_basis=e.legal_basis,
                document_number=e.document_number,
                start_date=e.start_date,
                end_date=None
                if list_kind.default_term_months is None
                else add_months(e.start_date, list_kind.default_term_months),
                inclusion_conditions=list_kind.inclusion_conditions,
                removal_conditions=list_kind.removal_conditions,
                created_by=actor,
                published_by=actor if at_once else None,
                published_at=now if at_once else None,
            )
            for e in entries
        ]
    )
    action = "listing.create.rule." + ("active" if at_once else "submitted")
    audit_write_many(
        [
            PendingEntry(
                actor,
                action,
                Listing._meta.label_lower,
                str(x.pk),
                f"{x.enterprise_id} · {list_kind}"[:300],
                None,
                {
                    "list_kind": list_kind.code,
                    "enterprise": x.enterprise_id,
                    "agency": x.agency_id,
                    "document_number": x.document_number,
                    "start_date": x.start_date,
                    "status": x.status,
                },
            )
            for x in listings
        ]
    )
    if at_once:
        notifications_create(listings=listings, event=NotificationEvent.ENTERED)
        enterprises = sorted({x.enterprise_id for x in listings})
        enterprise_changed(enterprises)
        for start in range(0, len(enterprises), 500):
            task_on_commit(task_names.RATINGS_RECOMPUTE_MANY, enterprises[start : start + 500])
    return listings
