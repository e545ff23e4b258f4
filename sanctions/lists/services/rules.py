"""Listings that follow from a fact by a published rule, written by the system account on behalf of
each competent agency (an annual report not filed by 30 June: ``sanctions.lists.annual_reports``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from registry.audit import PendingEntry, audit_write_many
from registry.background import task_on_commit
from registry.cache import enterprise_changed
from registry.services import system_actor
from sanctions import task_names
from sanctions.choices import ListingStatus, NotificationEvent
from sanctions.lists.notifications import notifications_create
from sanctions.models import Listing, ListKind
from sanctions.records.publicity import add_months


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
