from __future__ import annotations

import contextlib
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_http_methods

from registry import cache_backend
from registry import uscc as uscc_codes
from registry.cache import enterprise_generation
from registry.selectors import enterprise_in_path

from . import search_views
from .credit_page import credit_page_body, credit_page_read
from .home import home_body
from .masking import (
    SECTION_KINDS,
    section_title,
)
from .profiles import profile_body, profile_check, profiles_build
from .report.services import MAX_UPLOAD_BYTES, credit_report_issue, credit_report_verify, pdf_matches
from .signing import public_jwks

PAGE_CACHE_SECONDS = 24 * 60 * 60  # the key carries the date and the enterprise's generation anyway
# Part of every cache key of a credit page: a new one when what the page shows changes shape (2:
# the standing worded from what is listed, free text masked; 3: the body rendered by Jinja2), so
# no older page is served again.
PAGE_FORMAT = "p3"


# The most recent pages, per process: (enterprise id, generation, HTML) by cache key. Served only
# while the enterprise's generation still matches: every public change bumps it, and this process'
# copy of the generations is kept fresh by Redis (registry.near_cache), so a change is seen at once.
_LOCAL_PAGES: dict[str, tuple[int, int, bytes]] = {}
_LOCAL_PAGES_MAX = 500
# After a Redis outage the generations may have restarted from 1: forget every page kept.
cache_backend.on_recovery(_LOCAL_PAGES.clear)


def _remember_page(key: str, entry: tuple[int, int, bytes]) -> None:
    if len(_LOCAL_PAGES) >= _LOCAL_PAGES_MAX:
        # The oldest; another thread may empty the dict meanwhile (the on_recovery above).
        with contextlib.suppress(StopIteration, RuntimeError):
            _LOCAL_PAGES.pop(next(iter(_LOCAL_PAGES)), None)
    _LOCAL_PAGES[key] = entry


# The frame of a credit page (``lookup/enterprise.html`` around the body) as a visitor who is not
# signed in gets it, per language: rendered once with stand-ins for the three things in it that vary
# (the title, the page's own address in the language links, the body). The frame holds nothing
# else of the request or the visitor (it is kept whole in the cache for everyone anyway); a test
# holds it equal to the template rendered for a real request.
_FRAME_TITLE, _FRAME_PATH, _FRAME_BODY = "\x01title\x01", "/__credit_page_path__/", "\x01body\x01"
_FRAMES: dict[str, tuple[str, str]] = {}


def anonymous_frame(request: HttpRequest, *, title: str, body: str) -> str:
    """The whole credit page for a visitor who is not signed in, around an escaped ``body``."""
    language = translation.get_language()
    frame = _FRAMES.get(language)
    if frame is None:
        stand_in = HttpRequest()
        stand_in.path = stand_in.path_info = _FRAME_PATH
        stand_in.user = AnonymousUser()
        stand_in.LANGUAGE_CODE = language
        html = render_to_string(
            "lookup/enterprise.html",
            {"enterprise": {"name": _FRAME_TITLE}, "body_html": mark_safe(_FRAME_BODY)},  # noqa: S308 - a constant
            request=stand_in,
        )
        before, after = html.split(_FRAME_BODY)
        frame = _FRAMES[language] = (before, after)
    path = quote(request.get_full_path(), safe="/")
    return (
        frame[0].replace(_FRAME_TITLE, escape(title)).replace(_FRAME_PATH, path)
        + body
        + frame[1].replace(_FRAME_PATH, path)
    )


def _full_page_key(uscc: str) -> str:
    """By code, not by id: a cached page is found without asking the database who the code is."""
    return f"credit-page-full:{PAGE_FORMAT}:{uscc}:{translation.get_language()}:{timezone.localdate().isoformat()}"


def _shared_page(key: str) -> tuple[tuple[int, int, bytes] | None, bool]:
    """The page kept in the shared cache under ``key``, if any, and whether it was asked for before
    (today, in this language), noted by the same call: a page is kept from its second view on.

    Most of a national registry's pages are seen once a day or less, so keeping every page at its
    first view would fill the cache with pages nobody asks for again and cost each of those views the
    write, and the generation read that makes a kept page safe (README, "A credit page seen for the
    first time"). One round trip on Redis; two on another backend (development without Redis)."""
    note = f"{key}:seen"
    get_and_note = getattr(cache, "get_and_note", None)
    if get_and_note is not None:
        return get_and_note(key, note, PAGE_CACHE_SECONDS)
    entry = cache.get(key)
    return entry, entry is not None or not cache.add(note, 1, PAGE_CACHE_SECONDS)


def home(request: HttpRequest) -> HttpResponse:
    """The portal's home page (``lookup.home``): the search box, the ways into the credit system and the
    latest decisions. With a query (``/?q=…``, filters, a page) it is the search, as links have it."""
    if request.GET:
        return search_views.search(request)
    body = mark_safe(home_body())  # noqa: S308 - our own template's output, escaped there
    return render(request, "lookup/home.html", {"body_html": body})


def visitor_is_anonymous(request: HttpRequest) -> bool:
    """Not signed in: no session cookie (known without a query), or a session with no user."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES or not request.user.is_authenticated


def enterprise_detail(request: HttpRequest, uscc: str) -> HttpResponse:
    """The credit page: registration facts, standing and the public records, by kind.

    Rendered from one query and a Jinja2 body (``lookup.credit_page``), so that a first view is
    cheap. For visitors who are not signed in the whole page is the same for everyone, so from its
    second view of the day (``_shared_page``) it is also kept: one entry (enterprise id, generation, HTML) per code, language and day, in the shared
    cache, used only while its generation is the enterprise's current one (every public change bumps
    it; this process' copy of the generations is kept fresh by Redis, see ``registry.near_cache``).
    The latest pages are also kept in the process, so a popular page costs no round trip at all.
    A page no cache has seen is read as its public profile (``lookup.profiles``: the body rendered
    ahead of time, one row) when that is current, and rendered from the database otherwise.
    """
    anonymous = visitor_is_anonymous(request)
    # ``?source=``: only the records and lists of one source platform (``lookup.credit_page``),
    # rendered from the database: a filtered page is neither kept nor read from a profile.
    source = request.GET.get("source", "").strip()[:40] or None
    kept = anonymous and source is None
    if kept and len(uscc) == uscc_codes.LENGTH and uscc.isalnum():  # only a code as written by us
        page_key = _full_page_key(uscc)
        entry = _LOCAL_PAGES.get(page_key)
        if entry is not None:
            if enterprise_generation(entry[0]) == entry[1]:
                return HttpResponse(entry[2])
            _LOCAL_PAGES.pop(page_key, None)
        entry, seen_before = _shared_page(page_key)
        if entry is not None and enterprise_generation(entry[0]) == entry[1]:
            _remember_page(page_key, entry)
            return HttpResponse(entry[2])
    else:
        seen_before = False
    if uscc_codes.compact(uscc) != uscc:  # spelled otherwise: to the canonical address, or 404
        return enterprise_in_path(uscc, view_name="lookup:enterprise")
    if kept:
        # The page rendered ahead of its first view (``lookup.profiles``), if it is current.
        profile = profile_body(uscc)
        if profile is not None:
            generation = enterprise_generation(profile.enterprise_id) if seen_before else 0
            if generation > 1:  # read again after the generation, as below
                profile = profile_body(uscc)
            if profile is not None:
                if settings.PUBLIC_PROFILE_CHECK:
                    profile_check(uscc, profile.body)
                body = mark_safe(profile.body)  # noqa: S308 - our own template's output, escaped there
                response = HttpResponse(anonymous_frame(request, title=profile.name, body=body))
                _keep(uscc, profile.enterprise_id, generation, response)
                return response
    page = credit_page_read(uscc=uscc)
    if page is None:
        raise Http404(_("No enterprise has this code."))
    generation = 0  # a page not to be kept needs none
    if kept and seen_before:
        # The generation a kept page is valid for must be read before its data. It can only be
        # read once the enterprise's id is known, which the page's one query tells: if the
        # enterprise was never changed (generation 1, most of a registry), no change can have
        # committed since the read; otherwise the page is read again, now after its generation.
        generation = enterprise_generation(page.enterprise.id)
        if generation > 1:
            page = credit_page_read(uscc=uscc) or page
    body = mark_safe(credit_page_body(page, source=source))  # noqa: S308 - our own template's output, escaped there
    if anonymous:
        response = HttpResponse(anonymous_frame(request, title=page.enterprise.name, body=body))
        if settings.PUBLIC_PROFILE_CHECK and kept:
            profiles_build([page.enterprise.id])
    else:
        response = render(
            request, "lookup/enterprise.html", {"enterprise": page.enterprise, "body_html": body}
        )
    _keep(uscc, page.enterprise.id, generation, response)
    return response


def _keep(uscc: str, enterprise_id: int, generation: int, response: HttpResponse) -> None:
    """Keep a page seen before today in the shared cache and this process (generation 0: not to be
    kept; below 0: Redis is down, keep nothing)."""
    if generation > 0 and response.status_code == 200:
        entry = (enterprise_id, generation, response.content)
        cache.set(_full_page_key(uscc), entry, PAGE_CACHE_SECONDS)
        _remember_page(_full_page_key(uscc), entry)


@require_http_methods(["GET"])
def switch_language(request: HttpRequest, code: str) -> HttpResponse:
    """The language switch: a plain link (so public pages carry no per-visitor token and can be
    cached whole) that sets the language cookie and goes back to a page of this site."""
    from django.conf import settings
    from django.utils.http import url_has_allowed_host_and_scheme

    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = redirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
        samesite="Lax",
        secure=request.is_secure(),
        httponly=False,
    )
    return response


def _verify_url(request: HttpRequest):
    base = getattr(settings, "PORTAL_PUBLIC_BASE_URL", "").rstrip("/")

    def url(token: str) -> str:
        path = reverse("lookup:report-verify", kwargs={"token": token})
        return f"{base}{path}" if base else request.build_absolute_uri(path)

    return url


@never_cache
def report_pdf(request: HttpRequest, uscc: str) -> HttpResponse:
    """Issue a new numbered credit report (PDF) of what is public about the enterprise now."""
    enterprise = enterprise_in_path(uscc, view_name="lookup:report")
    if isinstance(enterprise, HttpResponse):
        return enterprise
    issued = credit_report_issue(
        enterprise=enterprise, verify_url=_verify_url(request), requested_by=request.user
    )
    response = HttpResponse(issued.pdf, content_type="application/pdf")
    filename = f"credit-report-{enterprise.uscc}-{issued.report.number}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Report-Number"] = issued.report.number
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def report_verify(request: HttpRequest, token: str) -> HttpResponse:
    """Is this report genuine? 200 with the report's details if so; 404 with a clear page if not.

    A POST with a PDF file also says whether that file is exactly the PDF issued.
    """
    verification = credit_report_verify(token=token)
    upload_result = None
    if verification.genuine and request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            upload_result = "missing"
        elif upload.size > MAX_UPLOAD_BYTES:
            upload_result = "too_large"
        else:
            upload_result = "match" if pdf_matches(verification.report, upload.chunks()) else "mismatch"
    record_counts = []
    if verification.genuine:
        records = verification.report.content.get("records", {})
        record_counts = [(section_title(kind), len(records.get(kind.value, []))) for kind in SECTION_KINDS]
    return render(
        request,
        "lookup/report_verify.html",
        {"verification": verification, "upload_result": upload_result, "record_counts": record_counts},
        status=200 if verification.genuine else 404,
    )


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    """The friendly page a visitor sees when the per-address page limit is reached."""
    response = render(request, "lookup/429.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


@cache_control(public=True, max_age=300)
def signing_keys(request):
    """The public keys that verify credit reports and QR badges, as a JSON Web Key Set."""
    return JsonResponse(public_jwks())
