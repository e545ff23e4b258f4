"""Enterprise users sign themselves up: an e-mail address or mobile number, a password, a one-time code.

1. ``sign_up_start``: the address and the password (checked by Django's password validators) wait in
   a ``SignInAddress`` with a six-digit code, sent by e-mail (Django's mail backend) or by text
   message (``registry.sms``). Only a keyed hash of the code is kept.
2. ``sign_up_verify``: the right code within ``ACCOUNT_CODE_MINUTES`` and ``ACCOUNT_CODE_MAX_ATTEMPTS``
   tries creates the user; ``code_resend`` sends a new code (and the tries start again).
3. The user then claims an enterprise with its claim code (``registry.accounts``).

Nothing tells a visitor whether an address already has an account: signing up with one sends that
address a note ("you already have an account, sign in") instead of a code, and the page says the
same as for a new address. Codes sent to one address are limited (``ACCOUNT_CODE_SEND_RATE``) so the
form cannot be used to flood someone's phone or mailbox; the pages limit sign-ups and code entries
per client (``ACCOUNT_SIGN_UP_RATE``, ``ACCOUNT_CODE_CHECK_RATE``). Users get a neutral user name
(``qy-…``), so their address never appears in the audit trail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import re
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import sms, throttling
from .audit import audit_write
from .choices import SignInChannel
from .models import SignInAddress

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
PENDING_KEEP = dt.timedelta(days=1)  # sign-ups never verified are deleted after this
USERNAME_PREFIX = "qy-"
_USERNAME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
# Full-width forms of what an address is written with (a Chinese keyboard types them); nothing else
# is folded: other look-alikes are refused by the checks below.
_FULL_WIDTH = str.maketrans(
    {**{chr(0xFF10 + i): str(i) for i in range(10)}, "＋": "+", "＠": "@", "．": ".", "－": "-", "　": " "}
)
_PHONE_SEPARATORS = re.compile(r"[\s\-()]")
_ASCII_DIGITS = re.compile(r"^[0-9]+$")
_MAINLAND_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


# -- addresses -------------------------------------------------------------------------------------
def parse_address(text: str) -> tuple[str, str]:
    """(channel, address) of what a person typed: a lower-case e-mail, or "+86" and 11 digits.

    Raises ValidationError saying what is wrong with it.
    """
    value = (text or "").translate(_FULL_WIDTH).strip()
    if not value:
        raise ValidationError(_("Enter an e-mail address or a mobile number."), code="required")
    if "@" in value:
        value = value.lower()
        if len(value) > 254:
            raise ValidationError(_("An e-mail address has at most 254 characters."), code="too_long")
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError(
                _("“%(value)s” is not an e-mail address (for example name@example.com).") % {"value": value},
                code="invalid",
            ) from None
        return SignInChannel.EMAIL, value
    digits = _PHONE_SEPARATORS.sub("", value)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
            break
    else:
        if len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
    if not _ASCII_DIGITS.match(digits):
        raise ValidationError(
            _("Enter an e-mail address (with @) or a mobile number (digits only)."), code="invalid"
        )
    if len(digits) != 11:
        raise ValidationError(
            _("A mainland mobile number has 11 digits; this one has %(count)d.") % {"count": len(digits)},
            code="invalid",
        )
    if not _MAINLAND_MOBILE.match(digits):
        raise ValidationError(_("A mainland mobile number starts with 13 to 19."), code="invalid")
    return SignInChannel.PHONE, f"+86{digits}"


def mask_address(channel: str, address: str) -> str:
    """What a page shows of an address: 138****5678, l***@example.com."""
    if channel == SignInChannel.PHONE:
        digits = address.removeprefix("+86")
        return f"{digits[:3]}****{digits[-4:]}"
    local, _at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def phone_sign_up_available() -> bool:
    return sms.sms_available()


def _address_taken(channel: str, address: str) -> bool:
    User = get_user_model()
    if SignInAddress.objects.filter(address=address, verified_at__isnull=False).exists():
        return True
    # Accounts created by an administrator with this e-mail address.
    return channel == SignInChannel.EMAIL and User.objects.filter(email__iexact=address).exists()


def username_for_sign_in(identifier: str) -> str:
    """The user name to authenticate for what a person typed at the enterprise sign-in.

    A verified e-mail address or mobile number gives its user's name; anything that is not an
    address is taken as a user name (accounts an administrator created); an unknown address gives
    itself, which matches nobody (and costs the same password hashing as a real check).
    """
    try:
        _channel, address = parse_address(identifier)
    except ValidationError:
        return (identifier or "").strip()
    found = (
        SignInAddress.objects.filter(address=address, verified_at__isnull=False)
        .select_related("user")
        .first()
    )
    return found.user.get_username() if found and found.user else address


# -- codes -------------------------------------------------------------------------------------------
def _code_hash(pending_id: int, code: str) -> str:
    return salted_hmac("registry.sign_up.code", f"{pending_id}:{code}", algorithm="sha256").hexdigest()


def _normalise_code(code: str) -> str:
    return re.sub(r"\s", "", (code or "").translate(_FULL_WIDTH))


def _destination_bucket(address: str) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:32]
    return f"account-code-to:{digest}"


def _count_send(address: str) -> None:
    """Count one message to the address; refuse when too many were sent to it lately."""
    wait = throttling.hit(
        _destination_bucket(address), throttling.parse_rate(settings.ACCOUNT_CODE_SEND_RATE)
    )
    if wait is not None:
        minutes = max(1, math.ceil(wait / 60))
        raise ValidationError(
            {
                "address": [
                    ngettext(
                        "Too many codes were sent to this address. Try again in %(minutes)d minute.",
                        "Too many codes were sent to this address. Try again in %(minutes)d minutes.",
                        minutes,
                    )
                    % {"minutes": minutes}
                ]
            },
            code="throttled",
        )


def _site_path(name: str) -> str:
    return f"{settings.PORTAL_PUBLIC_BASE_URL.rstrip('/')}{reverse(name)}"


def _deliver_on_commit(channel: str, address: str, subject: str, body: str) -> None:
    def deliver() -> None:
        try:
            if channel == SignInChannel.EMAIL:
                send_mail(subject, body, None, [address])
            else:
                sms.send_sms(address, body)
        except Exception:  # the person can ask for a new code; the sign-up itself stands
            logger.exception("could not send a sign-up message by %s", channel)

    transaction.on_commit(deliver)


def _send_code(pending: SignInAddress, *, taken: bool) -> None:
    """A new code for a waiting sign-up, or, for an address that already has an account, a note
    saying so (and no code: nothing verifies)."""
    now = timezone.now()
    minutes = settings.ACCOUNT_CODE_MINUTES
    pending.code_sent_at = now
    pending.code_expires_at = now + dt.timedelta(minutes=minutes)
    pending.code_attempts = 0
    if not taken:
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        pending.code_hash = _code_hash(pending.pk, code)
        subject = _("Your verification code: %(code)s") % {"code": code}
        body = ngettext(
            "Your verification code for the corporate credit registry is %(code)s. It is valid for "
            "%(minutes)d minute. If you did not sign up, ignore this message.",
            "Your verification code for the corporate credit registry is %(code)s. It is valid for "
            "%(minutes)d minutes. If you did not sign up, ignore this message.",
            minutes,
        ) % {"code": code, "minutes": minutes}
    else:
        pending.code_hash = ""
        subject = _("You already have an account")
        body = _(
            "Someone, perhaps you, tried to sign up for the corporate credit registry with this "
            "address, which already has an account. Sign in at %(url)s. If it was not you, ignore "
            "this message."
        ) % {"url": _site_path("account:sign-in")}
    pending.save(update_fields=["code_sent_at", "code_expires_at", "code_attempts", "code_hash"])
    _deliver_on_commit(pending.channel, pending.address, subject, body)


def _audit_target(pending: SignInAddress) -> tuple[str, str, str]:
    return pending._meta.label_lower, str(pending.pk), str(pending)


# -- writes ------------------------------------------------------------------------------------------
@transaction.atomic
def sign_up_start(*, address: str, password: str) -> SignInAddress:
    """A person signs up with an address and a password; a code is sent to the address.

    Errors are keyed by ``address`` and ``password``. The answer is the same whether or not the
    address already has an account (then it is sent a note instead of a code, which no code matches).
    """
    errors: dict[str, list[str]] = {}
    channel = parsed = None
    try:
        channel, parsed = parse_address(address)
    except ValidationError as exc:
        errors["address"] = exc.messages
    if channel == SignInChannel.PHONE and not phone_sign_up_available():
        errors["address"] = [_("Sign-up with a mobile number is not available here: use an e-mail address.")]
    User = get_user_model()
    probe = User(username=parsed or "", email=parsed if channel == SignInChannel.EMAIL else "")
    try:
        validate_password(password or "", user=probe)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    _count_send(parsed)
    now = timezone.now()
    SignInAddress.objects.filter(verified_at__isnull=True, created_at__lt=now - PENDING_KEEP).delete()
    # An earlier sign-up with the same address no longer verifies: the latest code is the one.
    SignInAddress.objects.filter(address=parsed, verified_at__isnull=True).update(code_hash="", password="")
    taken = _address_taken(channel, parsed)
    pending = SignInAddress.objects.create(
        channel=channel, address=parsed, password="" if taken else make_password(password)
    )
    _send_code(pending, taken=taken)
    audit_write(
        actor="public",
        action="account.sign_up",
        target=_audit_target(pending),
        after={"channel": channel, "address_has_account": taken, "code_expires_at": pending.code_expires_at},
    )
    return pending


@transaction.atomic
def code_resend(*, pending_id: int) -> SignInAddress:
    """A new code for a sign-up still waiting (the old one stops working, the tries start again)."""
    pending = (
        SignInAddress.objects.select_for_update().filter(pk=pending_id, verified_at__isnull=True).first()
    )
    taken = pending is not None and _address_taken(pending.channel, pending.address)
    if pending is None or not (pending.password or taken):  # verified, or replaced by a newer sign-up
        raise ValidationError(_("This sign-up is no longer waiting for a code. Please sign up again."))
    _count_send(pending.address)
    _send_code(pending, taken=taken)
    audit_write(
        actor="public",
        action="account.code_resend",
        target=_audit_target(pending),
        after={"code_expires_at": pending.code_expires_at},
    )
    return pending


def _new_username() -> str:
    User = get_user_model()
    while True:
        name = USERNAME_PREFIX + "".join(secrets.choice(_USERNAME_ALPHABET) for _ in range(8))
        if not User.objects.filter(username=name).exists():
            return name


def sign_up_verify(*, pending_id: int, code: str):
    """The code sent to the address: the user is created and returned. Raises ValidationError
    (key ``code``) for a wrong, expired or used-up code; a wrong try is counted even so."""
    failure: str | None = None
    with transaction.atomic():
        pending = (
            SignInAddress.objects.select_for_update().filter(pk=pending_id, verified_at__isnull=True).first()
        )
        if pending is None:
            raise ValidationError(
                {"code": [_("This sign-up is no longer waiting for a code. Please sign up again.")]}
            )
        limit = settings.ACCOUNT_CODE_MAX_ATTEMPTS
        code = _normalise_code(code)
        if pending.code_attempts >= limit:
            failure = _("Too many wrong codes. Ask for a new code.")
        elif pending.code_expires_at is None or pending.code_expires_at <= timezone.now():
            failure = _("This code has expired. Ask for a new code.")
        elif not (
            pending.code_hash and constant_time_compare(pending.code_hash, _code_hash(pending.pk, code))
        ):
            pending.code_attempts += 1
            pending.save(update_fields=["code_attempts"])
            left = limit - pending.code_attempts
            failure = (
                ngettext(
                    "This code is not right. You may try %(left)d more time.",
                    "This code is not right. You may try %(left)d more times.",
                    left,
                )
                % {"left": left}
                if left
                else _("Too many wrong codes. Ask for a new code.")
            )
        else:
            user = _create_user(pending)
            if user is None:
                failure = _("This address already has an account. Sign in instead.")
    if failure is not None:
        raise ValidationError({"code": [failure]})
    return user


def _create_user(pending: SignInAddress):
    """The user of a verified sign-up (inside the caller's transaction); None if the address was
    verified by someone else meanwhile."""
    User = get_user_model()
    if _address_taken(pending.channel, pending.address):
        return None
    now = timezone.now()
    try:
        with transaction.atomic():
            user = User(
                username=_new_username(),
                email=pending.address if pending.channel == SignInChannel.EMAIL else "",
            )
            user.password = pending.password  # the hash made at sign-up
            user.save()
            pending.user = user
            pending.verified_at = now
            pending.password = ""
            pending.code_hash = ""
            pending.save(update_fields=["user", "verified_at", "password", "code_hash"])
    except IntegrityError:
        return None
    audit_write(
        actor=user,
        action="account.verify",
        target=_audit_target(pending),
        after={"user": user.get_username(), "channel": pending.channel},
    )
    return user


def sign_in_addresses(user) -> list[SignInAddress]:
    """The verified addresses a user signs in with."""
    return list(SignInAddress.objects.filter(user=user, verified_at__isnull=False).order_by("created_at"))


def sign_up_waiting(pending_id: int | None) -> SignInAddress | None:
    """The sign-up a visitor started (its id is kept in their session), while it waits for its code."""
    if not pending_id:
        return None
    return SignInAddress.objects.filter(pk=pending_id, verified_at__isnull=True).first()
