"""Per-account lockout after repeated failed sign-ins (django-axes), and the notice to the account.

The per-address limit (``SIGN_IN_RATE``, ``lookup.middleware``) stops one client guessing fast; it
cannot stop many addresses guessing one account's password. So django-axes also counts failures per
user name, in PostgreSQL (it keeps working while Redis is down): after ``SIGN_IN_LOCKOUT_FAILURES``
failures the account cannot sign in for ``SIGN_IN_LOCKOUT_MINUTES`` after the last try, from any
address, at every sign-in form (staff, admin, enterprise). Its authentication backend comes first,
so a locked account's password is never compared: the answer is the same page whether a guess was
right or wrong. A registry administrator lifts a lock in the admin (``Access attempts``, action
"Unlock"), through ``account_unlock``, which audits it.

When an account locks, its holder is told at its addresses (e-mail, and text message where a sender
is configured), at most once per lockout period, and the lock is written to the audit trail.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import sms, throttling
from .audit import audit_write
from .choices import SignInChannel
from .models import AuditEntry
from .permissions import is_registry_admin
from .sign_up import sign_in_addresses

logger = logging.getLogger(__name__)

LOCK_ACTION = "account.lock"
UNLOCK_ACTION = "account.unlock"


def client_address(request: HttpRequest) -> str | None:
    """The client as the sign-in limit counts it (``AXES_CLIENT_IP_CALLABLE``), as an address axes can
    store: an IPv6 client's /64 as its first address; None when there is none (a test's request)."""
    client = throttling.client_ip(request)
    try:
        return str(ipaddress.ip_network(client, strict=False).network_address)
    except ValueError:
        return None


def failure_limit(request: HttpRequest | None = None, credentials: dict | None = None) -> int:
    """Failed sign-ins that lock an account (``AXES_FAILURE_LIMIT``)."""
    return settings.SIGN_IN_LOCKOUT_FAILURES


def cool_off(request: HttpRequest | None = None) -> dt.timedelta:
    """How long an account stays locked after its last failed sign-in (``AXES_COOLOFF_TIME``)."""
    return dt.timedelta(minutes=settings.SIGN_IN_LOCKOUT_MINUTES)


def lockout_minutes() -> int:
    return settings.SIGN_IN_LOCKOUT_MINUTES


def _notice(username: str) -> tuple[str, str]:
    minutes, failures = lockout_minutes(), failure_limit()
    subject = _("Your account at the corporate credit registry is locked")
    body = (
        ngettext(
            "There was %(failures)d failed sign-in to the account %(username)s. ",
            "There were %(failures)d failed sign-ins to the account %(username)s. ",
            failures,
        )
        % {"failures": failures, "username": username}
        + ngettext(
            "None of them signed in. The account cannot sign in until %(minutes)d minute after the last "
            "attempt, and every further attempt starts that wait again.",
            "None of them signed in. The account cannot sign in until %(minutes)d minutes after the last "
            "attempt, and every further attempt starts that wait again.",
            minutes,
        )
        % {"minutes": minutes}
        + "\n\n"
        + _(
            "If this was you, wait and try again, or ask a registry administrator to unlock the account. "
            "If it was not you, someone is guessing your password: tell a registry administrator, and "
            "change your password once you can sign in."
        )
    )
    return subject, body


def _deliver_on_commit(user, subject: str, body: str) -> int:
    """Queue the notice to every address of the account; how many addresses it goes to."""
    emails, phones = [], []
    if user.email:
        emails.append(user.email)
    for address in sign_in_addresses(user):
        if address.channel == SignInChannel.EMAIL and address.address not in emails:
            emails.append(address.address)
        elif address.channel == SignInChannel.PHONE and sms.sms_available():
            phones.append(address.address)
    username = user.get_username()

    def deliver() -> None:
        # A mail server or gateway that is down must not undo the lock, nor hide it from the log.
        if emails:
            try:
                send_mail(subject, body, None, emails)
            except Exception:
                logger.exception("could not e-mail the lockout notice of account %s", username)
        for phone in phones:
            try:
                sms.send_sms(phone, f"{subject}. {body}")
            except Exception:
                logger.exception("could not text the lockout notice of account %s", username)

    if emails or phones:
        transaction.on_commit(deliver)
    return len(emails) + len(phones)


@transaction.atomic
def account_lockout_record(*, username: str, client: str = "") -> bool:
    """An account locked after failed sign-ins: audit it and tell its holder, once per lockout
    period (a guessing run that goes on triggers this at every further try). False if there is no
    such account (a name nobody has is locked too, silently) or it was already told."""
    User = get_user_model()
    # The row lock makes concurrent failures from many addresses notify once.
    user = User.objects.select_for_update().filter(**{User.USERNAME_FIELD: username}).first()
    if user is None:
        logger.warning(
            "sign-in locked for unknown user name %r after failed attempts from %s", username, client
        )
        return False
    since = timezone.now() - cool_off()
    told = AuditEntry.objects.filter(
        action=LOCK_ACTION, target_type=user._meta.label_lower, target_id=str(user.pk), created_at__gte=since
    ).exists()
    if told:
        return False
    subject, body = _notice(username)
    recipients = _deliver_on_commit(user, subject, body)
    audit_write(
        actor=None,
        action=LOCK_ACTION,
        target=user,
        after={
            "failures": failure_limit(),
            "minutes": lockout_minutes(),
            "client": client,
            "notified_addresses": recipients,
        },
    )
    logger.warning(
        "account %s locked after %d failed sign-ins (last from %s); %d address(es) notified",
        username,
        failure_limit(),
        client,
        recipients,
    )
    return True


@receiver(user_locked_out)
def _account_locked(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    if username:
        account_lockout_record(username=username, client=ip_address or "")


@transaction.atomic
def account_unlock(*, actor, username: str) -> int:
    """Lift an account's lockout at once (a registry administrator): its failed sign-ins are
    forgotten. Audited; returns the number of attempt records removed."""
    from axes.utils import reset

    if not is_registry_admin(actor):
        raise PermissionDenied(_("Only a registry administrator may unlock an account."))
    removed = reset(username=username)
    User = get_user_model()
    user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
    target = user if user is not None else ("auth.user", "", username)
    audit_write(
        actor=actor, action=UNLOCK_ACTION, target=target, after={"username": username, "attempts": removed}
    )
    return removed
