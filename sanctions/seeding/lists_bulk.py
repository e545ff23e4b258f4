"""Demo listings and commitments in bulk: checked as their services check them (``listing_clean``,
the commitment rules), written with ``bulk_create``, one audit entry per agency and chunk naming each;
the subscribers of the enterprises are notified. A broken commitment goes through the services,
since it creates its dishonesty record."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.utils import timezone

from registry.audit import audit_write
from registry.models import Enterprise
from sanctions.choices import CommitmentStatus, ListingStatus, NotificationEvent, RemovalReason
from sanctions.lists.notifications import notifications_create
from sanctions.lists.validation import listing_clean
from sanctions.models import Commitment, Listing, ListKind
from sanctions.permissions import ensure_can_edit, ensure_can_review
from sanctions.records.publicity import add_months

from .context import SeedContext
from .lifecycle import commitment_new
from .plans import CommitmentPlan, EnterprisePlan, ListingPlan


def listings_bulk(
    ctx: SeedContext, items: list[tuple[EnterprisePlan, ListingPlan]], ids: dict[tuple[int, int], int]
) -> int:
    """Listings decided by a clerk and published by another reviewer, some removed since; checked
    by ``listing_clean`` as the service checks them, written in bulk, one audit entry per agency."""
    if not items:
        return 0
    kinds = {kind.pk: kind for kind in ListKind.objects.all()}
    now, today = timezone.now(), ctx.today
    by_agency: dict[str, list[tuple[EnterprisePlan, ListingPlan]]] = defaultdict(list)
    for plan, item in items:
        by_agency[item.agency].append((plan, item))
    total = 0
    for code, group in sorted(by_agency.items()):
        agency = ctx.agency(code)
        clerk, reviewer = ctx.staff[code]
        ensure_can_edit(clerk, agency)
        ensure_can_review(reviewer, agency)
        listings, cites = [], []
        for plan, item in group:
            kind = kinds.get(item.list_kind)
            if kind is None or not kind.active:
                continue
            cleaned = listing_clean(list_kind=kind, data=item.data)
            if cleaned["end_date"] and cleaned["end_date"] <= today:
                continue  # its term has ended: it could not be published today
            listing = Listing(
                agency=agency,
                enterprise_id=plan.facts.pk,
                list_kind=kind,
                created_by=clerk,
                status=ListingStatus.ACTIVE,
                published_by=reviewer,
                published_at=now,
                **cleaned,
            )
            if item.remove and _removable(kind, listing, item.remove, today):
                listing.status = ListingStatus.REMOVED
                listing.removed_at = now
                listing.removal_reason = item.remove
                listing.removal_note = item.note
            listings.append(listing)
            cites.append([ids[(plan.facts.pk, n)] for n in item.cites if (plan.facts.pk, n) in ids])
        if not listings:
            continue
        Listing.objects.bulk_create(listings)
        through = Listing.records.through
        through.objects.bulk_create(
            [
                through(listing_id=listing.pk, creditrecord_id=rid)
                for listing, rids in zip(listings, cites, strict=True)
                for rid in rids
            ]
        )
        audit_write(
            actor=reviewer,
            action="listing.publish.bulk",
            target=("sanctions.listing", "bulk", f"{len(listings)} listings of {agency.name}"),
            after={
                "author": clerk.get_username(),
                "columns": [
                    "listing_id",
                    "list_kind",
                    "enterprise_id",
                    "document_number",
                    "start_date",
                    "end_date",
                    "status",
                ],
                "listings": [
                    [
                        x.pk,
                        x.list_kind_id,
                        x.enterprise_id,
                        x.document_number,
                        x.start_date,
                        x.end_date,
                        x.status,
                    ]
                    for x in listings
                ],
            },
        )
        notifications_create(listings=listings, event=NotificationEvent.ENTERED)
        notifications_create(
            listings=[x for x in listings if x.status == ListingStatus.REMOVED and x.start_date <= today],
            event=NotificationEvent.LEFT,
        )
        total += len(listings)
    return total


def _removable(kind: ListKind, listing: Listing, reason: str, today: dt.date) -> bool:
    """``listing_remove``'s rule: after repair only once the list allows an early removal."""
    if reason == RemovalReason.REVOKED:
        return True
    months = kind.early_removal_after_months
    return months is not None and add_months(listing.start_date, months) <= today


def commitments_bulk(ctx: SeedContext, items: list[tuple[EnterprisePlan, CommitmentPlan]]) -> int:
    """Commitments recorded by the clerk, kept ones confirmed by the reviewer: in bulk, one audit
    entry per agency; broken ones through the services (each creates its dishonesty record)."""
    if not items:
        return 0
    now, total = timezone.now(), 0
    by_agency: dict[str, list[tuple[EnterprisePlan, CommitmentPlan]]] = defaultdict(list)
    for plan, item in items:
        if item.outcome == CommitmentStatus.BREACHED:
            enterprise = Enterprise.objects.get(pk=plan.facts.pk)
            commitment_new(ctx, enterprise=enterprise, plan=item)
            total += 1
        else:
            by_agency[item.agency].append((plan, item))
    for code, group in sorted(by_agency.items()):
        agency = ctx.agency(code)
        clerk, reviewer = ctx.staff[code]
        ensure_can_edit(clerk, agency)
        commitments = []
        for plan, item in group:
            # commitment_record's rules
            if not item.content.strip() or not item.legal_basis.strip() or item.signed_on > ctx.today:
                raise ValidationError(
                    f"A generated commitment of {plan.facts.uscc} breaks the commitment rules."
                )
            if item.due_date and item.due_date < item.signed_on:
                raise ValidationError(
                    f"A generated commitment of {plan.facts.uscc} is due before it was signed."
                )
            fulfilled = item.outcome == CommitmentStatus.FULFILLED
            commitments.append(
                Commitment(
                    enterprise_id=plan.facts.pk,
                    agency=agency,
                    kind=item.kind,
                    content=item.content,
                    legal_basis=item.legal_basis,
                    signed_on=item.signed_on,
                    due_date=item.due_date,
                    status=item.outcome,
                    recorded_by=clerk,
                    decided_by=reviewer if fulfilled else None,
                    decided_at=now if fulfilled else None,
                    decision_note=item.note if fulfilled else "",
                )
            )
        Commitment.objects.bulk_create(commitments)
        audit_write(
            actor=clerk,
            action="commitment.record.bulk",
            target=("sanctions.commitment", "bulk", f"{len(commitments)} commitments to {agency.name}"),
            after={
                "fulfilled_confirmed_by": reviewer.get_username(),
                "columns": ["commitment_id", "enterprise_id", "kind", "signed_on", "due_date", "status"],
                "commitments": [
                    [c.pk, c.enterprise_id, c.kind, c.signed_on, c.due_date, c.status] for c in commitments
                ],
            },
        )
        total += len(commitments)
    return total
