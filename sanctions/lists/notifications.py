"""Following enterprises: an agency subscribes to an enterprise (on one list or on any) and is told
when it enters or leaves a list.

Subscriptions and notifications belong to the agency that follows; only its own staff act on them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.audit import audit_write
from registry.models import Agency, Enterprise
from registry.permissions import roles_in
from sanctions.choices import NotificationEvent
from sanctions.models import Listing, ListKind, ListSubscription, Notification


def _ensure_staff_of(actor: User, agency: Agency) -> None:
    if not roles_in(actor, agency):
        raise PermissionDenied(_("Only the staff of %(agency)s may do this.") % {"agency": agency.name})


def notifications_create(*, listings: Iterable[Listing], event: NotificationEvent) -> int:
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
    *, actor: User, agency: Agency, enterprise: Enterprise, list_kind: ListKind | None = None
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
def subscription_delete(*, actor: User, subscription: ListSubscription) -> None:
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
def notifications_mark_read(*, actor: User, agency: Agency, ids: Iterable[int] | None = None) -> int:
    """Mark the agency's notifications read (the given ones, or all)."""
    _ensure_staff_of(actor, agency)
    qs = Notification.objects.filter(agency=agency, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
