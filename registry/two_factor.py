"""A second factor for agency staff and registry administrators: a time-based code (TOTP, RFC 6238)
from an authenticator app, with django-otp.

Who: every account that holds a staff role (clerk, reviewer, agency or registry administrator) or
may open the admin. Enterprise accounts sign in with their password alone.

When: a staff member who has confirmed an authenticator app enters its six-digit code after the
password, always; with ``OTP_REQUIRED_FOR_STAFF`` (on in production settings, off in the demo) one who
has none is sent to set one up first. Until then the session opens nothing: the desk, the admin and
the account pages send them to the code (or set-up) page, and everywhere else — the API included —
the request is anonymous (``TwoFactorMiddleware``).

Wrong codes: the device waits 1, 2, 4, 8… seconds after each successive failure (django-otp's
throttling), and every try counts against the address's sign-in budget (``SIGN_IN_RATE``). A code
works once. A staff member who lost their phone asks a registry administrator to remove their app
(admin, "TOTP devices", action "Remove", through ``two_factor_reset``), then sets up a new one.
"""

from __future__ import annotations

import base64
import io
import math
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import audit_write
from .models import StaffRole
from .permissions import is_registry_admin

VERIFY, SET_UP = "verify", "set-up"
# Pages that ask for the second factor (each sends a visitor who still owes it there).
PROTECTED_PREFIXES = ("/desk/", "/admin/", "/account/")
# What a session that still owes its second factor may use, as itself.
OPEN_URL_NAMES = frozenset({"account:two-factor", "account:two-factor-set-up", "logout"})
DEVICE_NAME = "authenticator"
SESSION_STEP = "two_factor_step"


def is_staff_account(user) -> bool:
    """Whether the account works for an agency or the registry (and so has a second factor)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.is_staff or StaffRole.objects.filter(user=user).exists())


def required() -> bool:
    return bool(settings.OTP_REQUIRED_FOR_STAFF)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def pending_step(user) -> str | None:
    """What a signed-in account still owes: ``VERIFY`` (its code), ``SET_UP`` (an app), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    if getattr(user, "is_verified", None) is not None and user.is_verified():
        return None
    if not is_staff_account(user):
        return None
    if confirmed_device(user) is not None:
        return VERIFY
    return SET_UP if required() else None


def step_url(step: str, next_url: str = "") -> str:
    name = "account:two-factor" if step == VERIFY else "account:two-factor-set-up"
    return reverse(name) + (f"?{urlencode({'next': next_url})}" if next_url else "")


@receiver(user_logged_in)
def _note_step_at_sign_in(sender, request=None, user=None, **kwargs) -> None:
    """What the new session owes, decided once when the password is accepted."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_STEP] = pending_step(user) or ""


def session_step(request: HttpRequest) -> str | None:
    """What this request's session still owes (``pending_step``), without a query on most requests:
    decided at sign-in and kept in the session; where the second factor is required, a session that
    owed nothing is asked again on the protected pages (a staff role may have been granted since)."""
    user = request.user
    if not getattr(user, "is_authenticated", False) or user.is_verified():
        return None
    step = request.session.get(SESSION_STEP)
    if step is None or (not step and required() and request.path_info.startswith(PROTECTED_PREFIXES)):
        step = pending_step(user) or ""
        request.session[SESSION_STEP] = step
    return step or None


def refresh_session_step(request: HttpRequest) -> str | None:
    """``pending_step`` read afresh and kept in the session (the second factor's own pages)."""
    step = pending_step(request.user)
    request.session[SESSION_STEP] = step or ""
    return step


class TwoFactorMiddleware:
    """A staff session that still owes its second factor opens nothing (after ``OTPMiddleware``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        step = session_step(request)
        if step is None:
            return None
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_URL_NAMES:
            return None
        if request.path_info.startswith(PROTECTED_PREFIXES):
            next_url = request.get_full_path() if request.method == "GET" else ""
            response = HttpResponseRedirect(step_url(step, next_url))
            response.status_code = 303
            return response
        # The public pages and the API: the session counts for nothing yet.
        request.user = AnonymousUser()
        return None


# -- services ------------------------------------------------------------------------------------------
def secret_text(device: TOTPDevice) -> str:
    """The key as people type it into an app: base32, in groups of four."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_data_uri(device: TOTPDevice) -> str:
    """The ``otpauth://`` address of the device as an SVG QR code, inline (CSP allows ``data:`` images)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@transaction.atomic
def two_factor_start(*, user) -> TOTPDevice:
    """The authenticator app being set up for ``user``: a new secret, or the one shown before."""
    if not is_staff_account(user):
        raise ValidationError(_("Only agency staff and registry administrators use a second factor."))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def _code_error(device: TOTPDevice, *, throttled: bool) -> ValidationError:
    """A wrong code; or one not even compared, because the device was still waiting."""
    allowed, why = device.verify_is_allowed()
    if throttled and not allowed and why and why.get("locked_until"):
        seconds = max(1, math.ceil((why["locked_until"] - timezone.now()).total_seconds()))
        return ValidationError(
            {
                "code": ngettext(
                    "Too many wrong codes. Wait %(seconds)d second, then enter the code your app shows now.",
                    "Too many wrong codes. Wait %(seconds)d seconds, then enter the code your app shows now.",
                    seconds,
                )
                % {"seconds": seconds}
            },
            code="throttled",
        )
    return ValidationError(
        {
            "code": _(
                "This code is not right, or was already used. Enter the six digits your app shows now; "
                "if it keeps failing, check that your phone's clock is set automatically."
            )
        },
        code="invalid",
    )


def _code_accepted(device: TOTPDevice, code: str) -> tuple[bool, bool]:
    """(accepted, throttled): whether ``code`` is the device's current one, and whether it was not
    compared because the device still waits after earlier wrong codes. A wrong code makes the device
    wait longer (saved at once, so the caller must not roll back on a wrong code)."""
    allowed, _why = device.verify_is_allowed()
    if not allowed:
        return False, True
    return device.verify_token(code), False


def _digits(code: str) -> str:
    code = "".join((code or "").split())
    if not (code.isdigit() and len(code) == 6):
        raise ValidationError(
            {"code": _("Enter the six digits your authenticator app shows.")}, code="format"
        )
    return code


def two_factor_confirm(*, request: HttpRequest, device: TOTPDevice, code: str) -> TOTPDevice:
    """Confirm the app being set up with one of its codes; it then replaces any earlier app, and
    this session counts as verified."""
    user = request.user
    code = _digits(code)
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update().filter(pk=device.pk, user=user, confirmed=False).first()
        )
        if device is None:
            raise ValidationError({"code": _("Start the set-up again: this key is no longer waiting.")})
        accepted, throttled = _code_accepted(device, code)
        if accepted:
            replaced = TOTPDevice.objects.filter(user=user).exclude(pk=device.pk)
            count = replaced.count()
            replaced.delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            audit_write(
                actor=user,
                action="account.two_factor_on",
                target=user,
                after={"device": device.persistent_id, "replaced": count},
            )
    if not accepted:
        raise _code_error(device, throttled=throttled)
    otp_login(request, device)
    return device


def two_factor_verify(*, request: HttpRequest, code: str) -> TOTPDevice:
    """The code that completes a staff member's sign-in; raises ValidationError for a wrong one."""
    code = _digits(code)
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=request.user, confirmed=True)
            .order_by("-id")
            .first()
        )
        if device is None:
            raise ValidationError({"code": _("Set up an authenticator app first.")})
        accepted, throttled = _code_accepted(device, code)
    if not accepted:
        raise _code_error(device, throttled=throttled)
    otp_login(request, device)
    return device


@transaction.atomic
def two_factor_disable(*, actor, user) -> int:
    """Turn the second factor off for one's own account (only where it is not required)."""
    if actor.pk != user.pk:
        raise ValidationError(_("Only the account's holder turns its second factor off here."))
    if required() and is_staff_account(user):
        raise ValidationError(_("Staff accounts must keep a second factor on this registry."))
    count, _detail = TOTPDevice.objects.filter(user=user).delete()
    if count:
        audit_write(actor=actor, action="account.two_factor_off", target=user, after={"devices": count})
    return count


@transaction.atomic
def two_factor_reset(*, actor, user) -> int:
    """Remove a staff member's authenticator apps (a lost phone; a registry administrator): at their
    next sign-in they set up a new one. Audited; returns the number of apps removed."""
    if not is_registry_admin(actor):
        raise PermissionDenied(_("Only a registry administrator may remove someone's authenticator app."))
    count, _detail = TOTPDevice.objects.filter(user=user).delete()
    audit_write(actor=actor, action="account.two_factor_reset", target=user, after={"devices": count})
    return count
