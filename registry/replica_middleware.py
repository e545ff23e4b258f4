"""Each request's database route, with read replicas configured (``registry/db_router.py``).

In ``MIDDLEWARE`` right after the language; without ``DATABASE_REPLICA_URLS`` it removes itself
(``MiddlewareNotUsed``) and nothing changes.

- Before the view: the reads of the public portal's and the public API's pages (``PUBLIC_READS``,
  GET or HEAD, no ``Authorization`` header) may go to a replica, for a visitor with no session
  cookie (no one signed in) and no recent write. Anything else reads from the primary; if the
  primary does not answer, its reads go to a replica and a page that is not a public read answers
  503 "writes are unavailable" (``config.error_pages.DatabaseUnavailableMiddleware``).
- After the view: a request that wrote gives the visitor a signed cookie (``recent_write``) for
  ``REPLICA_READ_YOUR_WRITES_SECONDS``, during which their reads stay on the primary: a citizen
  who just filed an objection sees it at once, whatever the replicas' lag.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse

from . import db_router

# The views whose GET only reads what is public (by URL name): the portal's pages and the public API.
PUBLIC_READS = frozenset(
    {
        "lookup:search",
        "lookup:search-alias",
        "lookup:enterprise",
        "lookup:report",  # reads on a replica; the report's number and row are written on the primary
        "lookup:report-verify",
        "badges:verify",
        "badges:verify-photo",
        "lists:public-lists",
        "lists:public-list",
        "lists:public-measures",
        "lists:public-rating",
        "records:public-rules",
        "remedies:eligibility",
        "inspections:public",
        "inspections:public-plan",
        "inspections:public-snapshot",
        "inspections:public-enterprise",
        "public-enterprise-inspections",
        "public-enterprise-list",
        "public-enterprise-detail",
        "public-enterprise-records",
        "public-enterprise-listings",
        "public-enterprise-standing",
        "enterprise-list",
        "enterprise-detail",
        "enterprise-measures",
        "agency-list",
        "agency-detail",
        "uscc-explain",
        "badge-verify",
        # Read nothing, but must keep working with the primary down: the language switch, the public
        # keys, the API's schema and its documentation.
        "lookup:language",
        "signing-keys",
        "api-root",
        "api-schema",
        "api-docs",
    }
)
SAFE_METHODS = frozenset({"GET", "HEAD"})
# Addresses that need no route: they read nothing, or check the databases themselves (/readyz).
UNROUTED_PATHS = frozenset({"/healthz", "/readyz"})

RECENT_WRITE_COOKIE = "recent_write"
_SALT = "registry.replica_middleware.recent_write"


def recent_write(request: HttpRequest) -> bool:
    """The visitor wrote less than REPLICA_READ_YOUR_WRITES_SECONDS ago (a cookie we signed)."""
    if RECENT_WRITE_COOKIE not in request.COOKIES:
        return False
    value = request.get_signed_cookie(
        RECENT_WRITE_COOKIE, default=None, salt=_SALT, max_age=settings.REPLICA_READ_YOUR_WRITES_SECONDS
    )
    return value is not None


def _mark_recent_write(request: HttpRequest, response: HttpResponse) -> None:
    response.set_signed_cookie(
        RECENT_WRITE_COOKIE,
        "1",
        salt=_SALT,
        max_age=settings.REPLICA_READ_YOUR_WRITES_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )


class ReplicaRoutingMiddleware:
    def __init__(self, get_response):
        if not db_router.replicas_configured():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info in UNROUTED_PATHS:
            return self.get_response(request)
        route = db_router.Route()
        # A visitor who may be signed in, or just wrote, reads from the primary from the start (the
        # session is read before the view); so does a request that writes. If the primary does not
        # answer, they read from a replica (and a page that writes is refused before its view).
        request._replica_wanted = (
            request.method in SAFE_METHODS
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "HTTP_AUTHORIZATION" not in request.META
            and not recent_write(request)
        )
        if not request._replica_wanted:
            self._check_primary(route)
        token = db_router.enter(route)
        try:
            response = self.get_response(request)
        finally:
            db_router.leave(token)
        if route.wrote and response.status_code < 500:
            _mark_recent_write(request, response)
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        route = db_router.current_route()
        if route is None:
            return None
        public = request.method in SAFE_METHODS and request.resolver_match.view_name in PUBLIC_READS
        if public and request._replica_wanted:
            route.replica_allowed = True
            return None
        if request._replica_wanted:  # not public after all: a page of the desk, a form, the admin…
            self._check_primary(route)
        if route.primary_down and not public:
            route.refuse_writes = True
        return None

    @staticmethod
    def _check_primary(route: db_router.Route) -> None:
        if not db_router.usable(db_router.PRIMARY):
            route.primary_down = True
            route.replica_allowed = True
