"""Reads of the webhooks: a subscriber's webhooks and their delivery logs, nobody else's."""

from __future__ import annotations

from django.db.models import QuerySet

from registry.models import Agency

from ..models import DeveloperKey, WebhookDelivery, WebhookSubscription
from .choices import DeliveryStatus


def webhook_list(*, owner: DeveloperKey | Agency | list[Agency] | None) -> QuerySet[WebhookSubscription]:
    """The webhooks of a developer key, of an agency, or of any of several agencies; none for None."""
    webhooks = WebhookSubscription.objects.select_related("agency", "developer_key")
    if isinstance(owner, DeveloperKey):
        return webhooks.filter(developer_key=owner)
    if isinstance(owner, Agency):
        return webhooks.filter(agency=owner)
    if isinstance(owner, list):
        return webhooks.filter(agency__in=owner)
    return webhooks.none()


def webhook_get(*, owner, pk) -> WebhookSubscription | None:
    try:
        return webhook_list(owner=owner).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def delivery_list(*, webhook: WebhookSubscription, status: str | None = None) -> QuerySet[WebhookDelivery]:
    """A webhook's delivery log, newest first."""
    deliveries = webhook.deliveries.order_by("-created_at")
    if status:
        deliveries = deliveries.filter(status=status)
    return deliveries


def delivery_get(*, webhook: WebhookSubscription, delivery_id) -> WebhookDelivery | None:
    import uuid

    try:
        key = uuid.UUID(str(delivery_id))
    except ValueError:
        return None
    return webhook.deliveries.filter(pk=key).first()


def delivery_counts(*, webhook: WebhookSubscription) -> dict[str, int]:
    from django.db.models import Count

    counts = dict(webhook.deliveries.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {status: counts.get(status, 0) for status in DeliveryStatus.values}
