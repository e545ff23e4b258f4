"""Pages of the QR badges: the public verification page (and its report form), and the enterprise account.

Views are thin: rules and permissions live in ``lookup.badges.services``, reads in ``selectors``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lookup.badges import forms, layouts, selectors, services, tokens, verification
from lookup.models import Badge, BadgeStaff, BadgeStatus
from lookup.views import visitor_is_anonymous
from registry import accounts, throttling
from registry.models import Enterprise
from registry.selectors import enterprise_in_path

REPORT_RATE = throttling.Rate(5, 3600)


def _no_referrer(response: HttpResponse) -> HttpResponse:
    # The token in the URL is a bearer of the badge (and of a staff photo): never leak it to other
    # sites. "same-origin", not "no-referrer", which would make browsers send ``Origin: null`` with
    # the report and language forms, and CSRF protection refuse them.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# --- Public: scan, photo, report ----------------------------------------------------------------


# The page of a genuine badge is rendered once per badge, language and cache generation (see
# lookup.badges.verification), with these stand-ins for what differs per request: the time of
# the scan and the visitor's CSRF token (for the language switch). Rendering is most of the
# cost of a scan; the live answer itself is already cached.
_CSRF = "csrfStandIn7b1e"
_ISO = "isoStandIn7b1e"
_TEXT = "textStandIn7b1e"


_last_scan_time: tuple = (None, "", "")  # (whole seconds, ISO, text) of the latest scan


def _scan_time(checked_at) -> tuple[str, str]:
    """The time of a scan as shown (ISO 8601 and text, local time), worked out once a second."""
    global _last_scan_time
    second = checked_at.replace(microsecond=0)
    last = _last_scan_time
    if last[0] != second:
        local = timezone.localtime(second)
        last = _last_scan_time = (
            second,
            local.isoformat(timespec="seconds"),
            local.strftime("%Y-%m-%d %H:%M:%S"),
        )
    return last[1], last[2]


@never_cache
def verify(request, token: str):
    """What a phone shows after scanning a badge: live standing, as of the scan."""
    answer = verification.badge_verify(token=token)
    iso, text = _scan_time(answer["checked_at"])
    if answer["genuine"] and not request.META.get("QUERY_STRING") and visitor_is_anonymous(request):
        key = f"{answer['_cache_key']}:page:{answer['key_id']}"
        page = verification.local_get(key)
        if page is None:
            page = render_to_string(
                "badges/verify.html",
                {
                    "a": answer,
                    "token": token,
                    "checked_iso": _ISO,
                    "checked_text": _TEXT,
                    "csrf_token": _CSRF,
                },
                request=request,
            )
            verification.local_set(key, page)
        if _CSRF in page:  # only when the frame has a form: a CSRF cookie costs a little on every scan
            page = page.replace(_CSRF, get_token(request))
        page = page.replace(_ISO, iso).replace(_TEXT, text)
        response = HttpResponse(page)
    else:
        response = render(
            request,
            "badges/verify.html",
            {"a": answer, "token": token, "checked_iso": iso, "checked_text": text},
        )
    return _no_referrer(response)


def verify_photo(request, token: str):
    staff = verification.badge_for_photo(token=token)
    if staff is None:
        raise Http404
    response = HttpResponse(bytes(staff.photo), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=300"
    return _no_referrer(response)


def _report_wait(request) -> int | None:
    """Five reports an hour from one client; the counter names the client only by a salted hash."""
    return throttling.hit(f"badge-report:{throttling.client_hash(request)}", REPORT_RATE)


def report(request, token: str):
    """Report a badge that did not verify (or looked wrong): the token and the reporter's words are kept."""
    form = forms.ReportForm(request.POST or None)
    if request.method == "POST":
        wait = _report_wait(request)
        if wait is not None:
            response = render(
                request, "badges/report.html", {"form": form, "token": token, "limited": True}, status=429
            )
            response["Retry-After"] = str(wait)
            return _no_referrer(response)
        if form.is_valid():
            try:
                services.badge_report_create(token=token, **form.cleaned_data)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return _no_referrer(render(request, "badges/report_done.html", {"token": token}))
    return _no_referrer(
        render(
            request, "badges/report.html", {"form": form, "token": token}, status=400 if form.errors else 200
        )
    )


# --- Enterprise account ------------------------------------------------------------------------


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def claim(request):
    form = forms.ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.enterprise_claim(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Your claim was received. A registry administrator will confirm it."))
            return redirect("account:home")
    return render(request, "badges/claim.html", {"form": form}, status=400 if form.errors else 200)


def _enterprise_for(request, uscc: str) -> Enterprise:
    enterprise = enterprise_in_path(uscc)
    services.ensure_can_manage_badges(request.user, enterprise)
    return enterprise


def _dashboard(request, enterprise: Enterprise, *, staff_form=None, issue_form=None, status: int = 200):
    standing = selectors.enterprise_badge_standing(enterprise=enterprise)
    staff = list(selectors.badge_staff_list(enterprise=enterprise))
    active_staff = [s for s in staff if s.is_active]
    return render(
        request,
        "badges/dashboard.html",
        {
            "enterprise": enterprise,
            "standing": standing,
            "staff_list": staff,
            "badges": selectors.badge_list(enterprise=enterprise, standing=standing),
            "staff_form": staff_form or forms.StaffForm(),
            "issue_form": issue_form or forms.IssueForm(staff_choices=active_staff),
            "revoke_form": forms.RevokeForm(),
        },
        status=status,
    )


@login_required
def dashboard(request, uscc: str):
    """The enterprise's staff and badges: register and deactivate staff, issue, revoke and print badges."""
    return _dashboard(request, _enterprise_for(request, uscc))


@login_required
@require_POST
def staff_register(request, uscc: str):
    enterprise = _enterprise_for(request, uscc)
    form = forms.StaffForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            staff = services.badge_staff_register(
                actor=request.user, enterprise=enterprise, **form.cleaned_data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": staff.full_name})
            return redirect("badges:dashboard", uscc=enterprise.uscc)
    return _dashboard(request, enterprise, staff_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def staff_deactivate(request, uscc: str, pk: int):
    """Record that a staff member left, once confirmed: a confirmation page first (it works without
    JavaScript); the dashboard's button skips it after the browser's own confirmation dialog."""
    enterprise = _enterprise_for(request, uscc)
    staff = selectors.badge_staff_get(enterprise=enterprise, pk=pk)
    if not staff.is_active:  # recorded already (a second click): nothing to confirm
        return redirect("badges:dashboard", uscc=enterprise.uscc)
    form = forms.DeactivateForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid() and form.cleaned_data["confirmed"]:
        services.badge_staff_deactivate(actor=request.user, staff=staff)
        messages.success(
            request,
            _("%(name)s no longer works for the enterprise: their badges no longer verify.")
            % {"name": staff.full_name},
        )
        return redirect("badges:dashboard", uscc=enterprise.uscc)
    return render(
        request,
        "badges/confirm_deactivate.html",
        {
            "enterprise": enterprise,
            "staff": staff,
            "badges": selectors.badges_of_staff(staff=staff),
        },
    )


@login_required
@require_POST
def badge_issue(request, uscc: str):
    enterprise = _enterprise_for(request, uscc)
    active_staff = list(selectors.badge_staff_list(enterprise=enterprise).filter(is_active=True))
    form = forms.IssueForm(request.POST, staff_choices=active_staff)
    if form.is_valid():
        staff_id = form.cleaned_data["staff"]
        staff = next((s for s in active_staff if s.pk == staff_id), None) if staff_id else None
        try:
            badge = services.badge_issue(
                actor=request.user,
                enterprise=enterprise,
                sector=form.cleaned_data["sector"],
                staff=staff,
                expires_on=form.cleaned_data["expires_on"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Badge %(serial)s issued: download and print it below.") % {"serial": badge.serial_display},
            )
            return redirect(
                reverse("badges:dashboard", kwargs={"uscc": enterprise.uscc}) + f"#badge-{badge.serial}"
            )
    return _dashboard(request, enterprise, issue_form=form, status=400)


def _badge_of(enterprise: Enterprise, serial: str) -> Badge:
    number = tokens.serial_parse(serial)
    if number is None:
        raise Http404
    return selectors.badge_get(enterprise=enterprise, serial=number)


@login_required
@require_http_methods(["GET", "POST"])
def badge_revoke(request, uscc: str, serial: str):
    """Revoke a badge, once confirmed: a confirmation page first (it works without JavaScript); the
    dashboard's button skips it after the browser's own confirmation dialog."""
    enterprise = _enterprise_for(request, uscc)
    badge = _badge_of(enterprise, serial)
    if badge.status != BadgeStatus.ACTIVE:  # revoked already (a second click): nothing to confirm
        messages.info(request, _("Badge %(serial)s is already revoked.") % {"serial": badge.serial_display})
        return redirect("badges:dashboard", uscc=enterprise.uscc)
    form = forms.RevokeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid() and form.cleaned_data["confirmed"]:
        services.badge_revoke(actor=request.user, badge=badge, reason=form.cleaned_data["reason"])
        messages.success(
            request,
            _("Badge %(serial)s is revoked: scanning it now says so.") % {"serial": badge.serial_display},
        )
        return redirect("badges:dashboard", uscc=enterprise.uscc)
    # The confirmation page, with the reason typed on the dashboard (if any) carried over.
    reason = form.data.get("reason", "")[:200] if form.is_bound else ""
    form = forms.RevokeForm(initial={"reason": reason, "confirmed": True})
    return render(
        request,
        "badges/confirm_revoke.html",
        {"enterprise": enterprise, "badge": badge, "form": form},
    )


def badge_url(request, badge: Badge) -> str:
    """The short URL the QR code carries: ``PORTAL_PUBLIC_BASE_URL`` (the public site) or this site's address."""
    path = reverse("badges:verify", kwargs={"token": badge.token})
    base = getattr(settings, "PORTAL_PUBLIC_BASE_URL", "")
    return base.rstrip("/") + path if base else request.build_absolute_uri(path)


LAYOUTS = {
    "card.pdf": "application/pdf",
    "stickers.pdf": "application/pdf",
    "qr.png": "image/png",
    "qr.svg": "image/svg+xml",
}


@login_required
def badge_download(request, uscc: str, serial: str, layout: str):
    """A badge to print or embed; refused once the badge is revoked, expired or suspended."""
    enterprise = _enterprise_for(request, uscc)
    badge = _badge_of(enterprise, serial)
    if layout not in LAYOUTS:
        raise Http404
    standing = selectors.enterprise_badge_standing(enterprise=enterprise)
    live = selectors.badge_live_status(badge=badge, standing=standing)
    if live != selectors.LIVE_ACTIVE:
        messages.error(
            request,
            _("Badge %(serial)s is %(status)s: it cannot be printed.")
            % {"serial": badge.serial_display, "status": selectors.LIVE_LABELS[live]},
        )
        return redirect("badges:dashboard", uscc=enterprise.uscc)
    url = badge_url(request, badge)
    if layout == "card.pdf":
        photo = (
            BadgeStaff.objects.filter(pk=badge.staff_id).values_list("photo", flat=True).first()
            if badge.staff_id
            else None
        )
        body = layouts.card_pdf(badge, url, photo=bytes(photo) if photo else None)
    elif layout == "stickers.pdf":
        body = layouts.sticker_sheet_pdf(badge, url)
    elif layout == "qr.png":
        body = layouts.png(badge, url)
    else:
        body = layouts.svg(badge, url).encode()
    response = HttpResponse(body, content_type=LAYOUTS[layout])
    disposition = "attachment" if layout.endswith(".pdf") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="badge-{badge.serial_display}-{layout}"'
    response["Cache-Control"] = "private, no-store"
    return response
