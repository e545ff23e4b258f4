from __future__ import annotations

import contextlib

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_http_methods

from registry import cache_backend
from registry import uscc as uscc_codes
from registry.cache import enterprise_cache_key, enterprise_generation
from registry.models import Enterprise
from registry.selectors import division_describe, enterprise_in_path
from sanctions.lists.ratings import rating_current
from sanctions.lists.selectors import active_listings_for
from sanctions.lists.standing import penalty_counts, standing_from
from sanctions.records.selectors import public_records_for
from sanctions.remedies.selectors import (
    listings_under_objection,
    open_objection_on_record,
    public_commitments_for,
)

from . import search_views
from .home import home_body
from .masking import (
    SECTION_KINDS,
    public_listing_fields,
    public_text,
    section_title,
    sections_of,
    with_labels,
)
from .report.services import MAX_UPLOAD_BYTES, credit_report_issue, credit_report_verify, pdf_matches
from .signing import public_jwks

PAGE_CACHE_SECONDS = 24 * 60 * 60  # the key carries the date and the enterprise's generation anyway
# Part of every cache key of a credit page: a new one when what the page shows changes shape (2:
# the standing worded from what is listed, free text masked), so no older page is served again.
PAGE_FORMAT = "p2"


def credit_page_body(enterprise: Enterprise) -> str:
    """The rendered body of a credit page (facts, standing, record sections), cached per enterprise and language.

    The key changes whenever a service changes what is public about the enterprise (its generation,
    bumped by the record and enterprise services) and at midnight (its date), so a cached page is
    never stale. Only the frame around it (CSRF token, language switch) is rendered per request.
    """
    language = translation.get_language()
    key = enterprise_cache_key("credit-page", enterprise.id, language, PAGE_FORMAT)
    cached = cache.get(key)
    if cached is not None:
        return cached
    # Each public record once, with its objection flag; the standing from what is read here anyway.
    records = list(
        public_records_for(enterprise=enterprise)
        .annotate(under_objection=open_objection_on_record())
        .order_by("-decision_date", "-id")
    )
    objected = {record.pk for record in records if record.under_objection}
    by_kind = sections_of(records)
    sections = [
        (
            kind.value,
            section_title(kind),
            [{**with_labels(r), "under_objection": r["id"] in objected} for r in by_kind.get(kind.value, [])],
        )
        for kind in SECTION_KINDS
    ]
    listings = list(active_listings_for(enterprise=enterprise).order_by("list_kind__nature", "-start_date"))
    # The standing is worked out from, and worded by, exactly what the page lists.
    standing = standing_from(enterprise=enterprise, listings=listings, penalties=penalty_counts(records))
    objected_listings = listings_under_objection(entry.pk for entry in listings)
    commitments = list(public_commitments_for(enterprise=enterprise))
    for commitment in commitments:
        commitment.public_content = public_text(commitment.content, codes=(enterprise.uscc,))
    counts = [(kind, label, len(items)) for kind, label, items in sections]
    counts += [
        ("lists", _("Lists"), len(listings)),
        ("commitments", _("Credit commitments"), len(commitments)),
    ]
    html = render_to_string(
        "lookup/_credit_body.html",
        {
            "enterprise": enterprise,
            "division": division_describe(enterprise.division_code),
            "former_names": list(enterprise.former_names.all()),
            "standing": standing.as_dict() | {"details": standing.details},
            "section_counts": counts,
            "sections": sections,
            "rating": rating_current(enterprise=enterprise),
            "listings": [
                (public_listing_fields(entry, enterprise=enterprise), entry.pk in objected_listings)
                for entry in listings
            ],
            "commitments": commitments,
        },
    )
    cache.set(key, html, PAGE_CACHE_SECONDS)
    return html


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


def _full_page_key(uscc: str) -> str:
    """By code, not by id: a cached page is found without asking the database who the code is."""
    return f"credit-page-full:{PAGE_FORMAT}:{uscc}:{translation.get_language()}:{timezone.localdate().isoformat()}"


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

    For visitors who are not signed in the whole page is the same for everyone, so it is served
    from the cache: one entry (enterprise id, generation, HTML) per code, language and day, used
    only while its generation is the enterprise's current one (every public change bumps it; this
    process' copy of the generations is kept fresh by Redis, see ``registry.near_cache``). The
    latest pages are also kept in the process, so a popular page costs no round trip at all.
    """
    anonymous = visitor_is_anonymous(request)
    if anonymous and len(uscc) == uscc_codes.LENGTH and uscc.isalnum():  # only a code as written by us
        page_key = _full_page_key(uscc)
        entry = _LOCAL_PAGES.get(page_key)
        if entry is not None:
            if enterprise_generation(entry[0]) == entry[1]:
                return HttpResponse(entry[2])
            _LOCAL_PAGES.pop(page_key, None)
        entry = cache.get(page_key)
        if entry is not None and enterprise_generation(entry[0]) == entry[1]:
            _remember_page(page_key, entry)
            return HttpResponse(entry[2])
    enterprise = enterprise_in_path(uscc, view_name="lookup:enterprise")
    if isinstance(enterprise, HttpResponse):
        return enterprise
    generation = enterprise_generation(enterprise.id)  # read before rendering: a change meanwhile wins
    body = credit_page_body(enterprise)
    response = render(
        request,
        "lookup/enterprise.html",
        {
            "enterprise": enterprise,
            "body_html": mark_safe(body),  # noqa: S308 - our own template's output, escaped there
        },
    )
    if anonymous and response.status_code == 200 and generation > 0:  # < 0: Redis down, keep nothing
        entry = (enterprise.id, generation, response.content)
        cache.set(_full_page_key(enterprise.uscc), entry, PAGE_CACHE_SECONDS)
        _remember_page(_full_page_key(enterprise.uscc), entry)
    return response


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
