"""Sign-in pages for who they serve, the enterprise users' sign-up, and the enterprise account's home.

- ``/accounts/login/``: agency staff (the desk and the admin); ``/account/sign-in/``: enterprise
  users. Each links to the other, and a page under ``/account/`` that needs a sign-in sends the
  visitor to the enterprise one.
- ``/account/sign-up/`` → ``/account/sign-up/verify/``: an address, a password and the one-time code
  (``registry.sign_up``); then the claim code links the account to its enterprise.
- ``/account/``: what the account may do, with links to the enterprise's public page, credit repair,
  objections, staff and badges.

Views are thin: the rules are ``registry.sign_up``'s and ``registry.accounts``'; each form of these
pages is limited per client by the one rate limiter (``registry.throttling``).
"""

from __future__ import annotations

import math
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache

from . import lockout, sign_up, throttling, two_factor
from . import uscc as uscc_codes
from .account_forms import CodeForm, EnterpriseSignInForm, SignUpForm, TwoFactorCodeForm
from .accounts import claim_waiting_of, enterprise_of, works_for_an_agency
from .permissions import is_registry_admin
from .selectors import enterprise_get

SESSION_SIGN_UP = "account_sign_up"  # the id of the sign-up waiting for its code
ACCOUNT_PREFIX = "/account/"
_MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _see_other(url: str) -> HttpResponseRedirect:
    """Post/redirect/get: the browser fetches the next page with GET."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _wait_message(wait: int) -> str:
    minutes = max(1, math.ceil(wait / 60))
    return ngettext(
        "Too many attempts from your connection. Please try again in %(minutes)d minute.",
        "Too many attempts from your connection. Please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def _throttled(response: HttpResponse, wait: int) -> HttpResponse:
    response.status_code = 429
    response["Retry-After"] = str(wait)
    return response


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


def _client_over(request: HttpRequest, name: str, rate: str) -> int | None:
    """Count one try of a form for this client; the seconds to wait once over ``rate``."""
    return throttling.hit(f"{name}:{throttling.client_hash(request)}", throttling.parse_rate(rate))


# -- sign-in -----------------------------------------------------------------------------------------
class StaffSignInView(LoginView):
    """Agency staff sign in here (``/accounts/login/``); enterprise users are sent to their own page."""

    template_name = "registration/login.html"

    def get(self, request, *args, **kwargs):
        next_url = request.GET.get(self.redirect_field_name, "")
        if next_url.startswith(ACCOUNT_PREFIX):  # a page of the enterprise account asked for a sign-in
            return redirect(f"{reverse('account:sign-in')}?{urlencode({self.redirect_field_name: next_url})}")
        return super().get(request, *args, **kwargs)

    def get_success_url(self):
        # Staff with an authenticator app (or, where it is required, without one yet) go on to it.
        step = two_factor.pending_step(self.request.user)
        if step is not None:
            return two_factor.step_url(step, super().get_success_url())
        return super().get_success_url()


class EnterpriseSignInView(LoginView):
    """Enterprise users sign in with their e-mail address or mobile number (``/account/sign-in/``)."""

    form_class = EnterpriseSignInForm
    template_name = "account/sign_in.html"
    next_page = "account:home"

    def post(self, request, *args, **kwargs):
        # The same budget of password tries per address as the staff and admin sign-in forms.
        wait = throttling.sign_in_hit(request)
        if wait is not None:
            form = self.form_class(request, initial={"username": request.POST.get("username", "")[:254]})
            context = self.get_context_data(form=form, throttled=_wait_message(wait))
            return _throttled(self.render_to_response(context), wait)
        return super().post(request, *args, **kwargs)


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """Every sign-in form's answer for a locked account (``AXES_LOCKOUT_CALLABLE``, ``registry.lockout``).

    The same page whether the password was right or wrong and whether the account exists: the
    password of a locked account is not even compared.
    """
    minutes = lockout.lockout_minutes()
    enterprise = request.path.startswith(ACCOUNT_PREFIX)
    response = render(
        request,
        "account/locked_out.html",
        {
            "failures": lockout.failure_limit(),
            "minutes": minutes,
            "sign_in_url": reverse("account:sign-in" if enterprise else "login"),
        },
        status=429,
    )
    response["Retry-After"] = str(minutes * 60)
    return _private(response)


# -- second factor (agency staff and registry administrators) ------------------------------------------
def _next_url(request: HttpRequest) -> str:
    """Where to go once signed in: the page asked for, if it is one of ours; else the desk."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return settings.LOGIN_REDIRECT_URL


def _sign_in_first(request: HttpRequest) -> HttpResponse:
    return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")


def _code_page(request, template: str, context: dict, *, status: int = 200, throttled: str = ""):
    context = {**context, "next": _next_url(request), "throttled": throttled}
    return _private(render(request, template, context, status=status))


@never_cache
def two_factor_view(request: HttpRequest) -> HttpResponse:
    """After the password: the six-digit code of the staff member's authenticator app."""
    if not request.user.is_authenticated:
        return _sign_in_first(request)
    step = two_factor.refresh_session_step(request)
    if step is None:
        return redirect(_next_url(request))
    if step == two_factor.SET_UP:
        return redirect(two_factor.step_url(step, _next_url(request)))
    template = "account/two_factor.html"
    if request.method != "POST":
        return _code_page(request, template, {"form": TwoFactorCodeForm()})
    form = TwoFactorCodeForm(request.POST)
    wait = throttling.sign_in_hit(request)  # a code costs what a password does
    if wait is not None:
        return _throttled(_code_page(request, template, {"form": form}, throttled=_wait_message(wait)), wait)
    if form.is_valid():
        try:
            two_factor.two_factor_verify(request=request, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            return _see_other(_next_url(request))
    return _code_page(request, template, {"form": form}, status=400)


@never_cache
def two_factor_set_up_view(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app (a QR code and the key, confirmed by one code), see that it is
    on, or turn it off where it is not required."""
    if not request.user.is_authenticated:
        return _sign_in_first(request)
    user = request.user
    if not two_factor.is_staff_account(user):
        return redirect("account:home")
    step = two_factor.refresh_session_step(request)
    if step == two_factor.VERIFY:  # the app already set up proves who this is before any change
        return redirect(two_factor.step_url(step, request.get_full_path()))
    template = "account/two_factor_set_up.html"
    active = two_factor.confirmed_device(user) if user.is_verified() else None
    if request.method == "POST" and "turn_off" in request.POST:
        try:
            two_factor.two_factor_disable(actor=user, user=user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            two_factor.refresh_session_step(request)
            messages.success(request, _("Two-step sign-in is off. You sign in with your password alone."))
        return _see_other(reverse("account:two-factor-set-up"))
    if active is not None and "replace" not in request.GET and "replace" not in request.POST:
        return _code_page(request, template, {"active": active, "required": two_factor.required()})
    device = two_factor.two_factor_start(user=user)
    context = {
        "device": device,
        "qr": two_factor.qr_data_uri(device),
        "secret": two_factor.secret_text(device),
        "issuer": settings.OTP_TOTP_ISSUER,
        "required": two_factor.required(),
        "replacing": active is not None,
    }
    if request.method != "POST":
        return _code_page(request, template, {**context, "form": TwoFactorCodeForm()})
    form = TwoFactorCodeForm(request.POST)
    wait = throttling.sign_in_hit(request)  # a code costs what a password does
    if wait is not None:
        page = _code_page(request, template, {**context, "form": form}, throttled=_wait_message(wait))
        return _throttled(page, wait)
    if form.is_valid():
        try:
            two_factor.two_factor_confirm(request=request, device=device, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("Two-step sign-in is on. From now on, sign in with your password and a code from the app."),
            )
            return _see_other(_next_url(request))
    return _code_page(request, template, {**context, "form": form}, status=400)


# -- sign-up -----------------------------------------------------------------------------------------
def _sign_up_page(request: HttpRequest, form: SignUpForm, *, status: int = 200, throttled: str = ""):
    return _private(
        render(
            request,
            "account/sign_up.html",
            {
                "form": form,
                "phone_available": sign_up.phone_sign_up_available(),
                "password_help": password_validators_help_texts(),
                "code_minutes": settings.ACCOUNT_CODE_MINUTES,
                "throttled": throttled,
            },
            status=status,
        )
    )


@never_cache
def sign_up_view(request: HttpRequest) -> HttpResponse:
    """An e-mail address or mobile number and a password; a code is sent to the address."""
    if request.user.is_authenticated:
        return redirect("account:home")
    phone = sign_up.phone_sign_up_available()
    if request.method != "POST":
        return _sign_up_page(request, SignUpForm(phone_available=phone))
    form = SignUpForm(request.POST, phone_available=phone)
    wait = _client_over(request, "account-sign-up", settings.ACCOUNT_SIGN_UP_RATE)
    if wait is not None:
        return _throttled(_sign_up_page(request, form, throttled=_wait_message(wait)), wait)
    if form.is_valid():
        try:
            pending = sign_up.sign_up_start(
                address=form.cleaned_data["address"], password=form.cleaned_data["password"]
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            request.session[SESSION_SIGN_UP] = pending.pk
            return _see_other(reverse("account:verify"))
    return _sign_up_page(request, form, status=400)


def _verify_page(request, pending, form: CodeForm, *, status: int = 200, throttled: str = ""):
    return _private(
        render(
            request,
            "account/verify.html",
            {
                "form": form,
                "pending": pending,
                "masked_address": sign_up.mask_address(pending.channel, pending.address),
                "code_minutes": settings.ACCOUNT_CODE_MINUTES,
                "throttled": throttled,
            },
            status=status,
        )
    )


@never_cache
def verify_view(request: HttpRequest) -> HttpResponse:
    """The one-time code; or a new one. The right code creates the account and signs the person in."""
    pending = sign_up.sign_up_waiting(request.session.get(SESSION_SIGN_UP))
    if pending is None:
        request.session.pop(SESSION_SIGN_UP, None)
        messages.info(request, _("Start by entering your e-mail address or mobile number."))
        return redirect("account:sign-up")
    if request.method != "POST":
        return _verify_page(request, pending, CodeForm())
    if "resend" in request.POST:
        wait = _client_over(request, "account-sign-up", settings.ACCOUNT_SIGN_UP_RATE)
        if wait is not None:
            return _throttled(_verify_page(request, pending, CodeForm(), throttled=_wait_message(wait)), wait)
        try:
            sign_up.code_resend(pending_id=pending.pk)
        except ValidationError as exc:
            form = CodeForm()
            form.add_service_error(exc)
            return _verify_page(request, pending, form, status=400)
        messages.success(request, _("A new code was sent. The earlier one no longer works."))
        return _see_other(reverse("account:verify"))
    form = CodeForm(request.POST)
    wait = _client_over(request, "account-code-check", settings.ACCOUNT_CODE_CHECK_RATE)
    if wait is not None:
        return _throttled(_verify_page(request, pending, form, throttled=_wait_message(wait)), wait)
    if form.is_valid():
        try:
            user = sign_up.sign_up_verify(pending_id=pending.pk, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            request.session.pop(SESSION_SIGN_UP, None)
            login(request, user, backend=_MODEL_BACKEND)
            messages.success(
                request,
                _(
                    "Your account is ready. Now link it to your enterprise with the claim code the registry gave it."
                ),
            )
            return _see_other(reverse("account:home"))
    return _verify_page(request, pending, form, status=400)


# -- the account's home ------------------------------------------------------------------------------
@login_required
def account_home(request: HttpRequest) -> HttpResponse:
    """The enterprise the person acts for and what they can do for it; a claim waiting for
    confirmation; or, with neither, the claim form (agency staff: the desk). A registry
    administrator opens any enterprise."""
    enterprise = enterprise_of(request.user)
    if enterprise is None and is_registry_admin(request.user):
        code = uscc_codes.compact(request.GET.get("uscc", ""))
        if code and enterprise_get(uscc=code) is not None:
            return redirect("badges:dashboard", uscc=code)
        return render(request, "account/admin.html", {"searched": code})
    waiting = None if enterprise else claim_waiting_of(request.user)
    if enterprise is None and waiting is None:
        if works_for_an_agency(request.user):  # agency staff: their work is on the desk
            return redirect("sanctions:records")
        return redirect("badges:claim")
    addresses = [sign_up.mask_address(a.channel, a.address) for a in sign_up.sign_in_addresses(request.user)]
    return _private(
        render(
            request,
            "account/home.html",
            {"enterprise": enterprise, "waiting": waiting, "addresses": addresses},
        )
    )
