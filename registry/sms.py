"""Text messages to mobile phones (one-time codes of the enterprise users' sign-up).

The registry sends no text message itself: ``ACCOUNT_SMS_SENDER`` names a callable
``send(phone: str, message: str) -> None`` that hands the message to the operator's SMS gateway
and raises if it could not. Without one, mobile numbers are offered at sign-up only with ``DEBUG``
on, where ``log_sender`` writes the message to the development log instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

Sender = Callable[[str, str], None]
LOG_SENDER = "registry.sms.log_sender"


def log_sender(phone: str, message: str) -> None:
    """The development sender: nothing leaves the machine, the message is in the log."""
    logger.warning("SMS would be sent to %s (development: no SMS gateway configured): %s", phone, message)


def sms_sender() -> Sender | None:
    """The configured sender; the log sender with DEBUG on and none configured; else None."""
    path = getattr(settings, "ACCOUNT_SMS_SENDER", "") or (LOG_SENDER if settings.DEBUG else "")
    return import_string(path) if path else None


def sms_available() -> bool:
    return sms_sender() is not None


def send_sms(phone: str, message: str) -> None:
    sender = sms_sender()
    if sender is None:
        raise RuntimeError("no SMS sender is configured (ACCOUNT_SMS_SENDER)")
    sender(phone, message)
