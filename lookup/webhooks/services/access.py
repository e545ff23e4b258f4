"""Who may manage a webhook: its owner (a developer key or an agency), and the actors that may act
for it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from registry.models import Agency
from registry.permissions import is_registry_admin, roles_in

from ...models import DeveloperKey, WebhookSubscription

Owner = DeveloperKey | Agency


def owner_of(webhook: WebhookSubscription) -> Owner:
    return webhook.developer_key if webhook.developer_key_id else webhook.agency


def can_manage_webhooks(actor, owner: Owner) -> bool:
    """A developer key manages its own webhooks; an agency's staff (any role) and registry
    administrators manage the agency's."""
    if isinstance(actor, DeveloperKey):
        return isinstance(owner, DeveloperKey) and actor.pk == owner.pk and actor.revoked_at is None
    if is_registry_admin(actor):
        return True
    return isinstance(owner, Agency) and bool(roles_in(actor, owner))


def ensure_can_manage_webhooks(actor, owner: Owner) -> None:
    if not can_manage_webhooks(actor, owner):
        raise PermissionDenied(_("You may not manage these webhooks."))


def _audit_actor(actor):
    if isinstance(actor, DeveloperKey):
        return f"developer key {actor.prefix}"
    return actor
