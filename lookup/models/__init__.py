"""The portal's models, one module per feature so that each can grow on its own."""

from .badges import *  # noqa: F403 - the badge models (lookup.models.badges.__all__)
from .developers import DeveloperKey
from .reports import CreditReport
from .webhooks import WebhookDelivery, WebhookDispatchCursor, WebhookSubscription

__all__ = [
    "CreditReport",
    "DeveloperKey",
    "WebhookDelivery",
    "WebhookDispatchCursor",
    "WebhookSubscription",
]
