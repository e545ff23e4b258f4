"""Per-address rate limit for the portal's HTML pages, counted by the one limiter (``registry.throttling``).

Generous: a person clicking through pages never meets it; a scraper fetching thousands of credit
pages does, and gets a friendly 429 page with ``Retry-After``. Only the portal's own pages count
(URL namespaces ``lookup`` and ``badges``): static files, health checks, the admin, the clerks'
desk and the API are not limited here — except their sign-in forms, where each address may try a
few passwords a minute (``SIGN_IN_RATE``).
"""

from __future__ import annotations

from django.http import HttpRequest

from registry import throttling

LIMITED_NAMESPACES = frozenset({"lookup", "badges"})
# Sign-in forms (the desk's and the admin's): password guessing is limited per address.
SIGN_IN_URL_NAMES = frozenset({"login", "admin:login"})


class PageRateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and request.method == "POST" and match.view_name in SIGN_IN_URL_NAMES:
            wait = throttling.sign_in_hit(request)
            if wait is None:
                return None
            from .views import too_many_requests

            return too_many_requests(request, wait)
        if match is None or not (set(match.namespaces) & LIMITED_NAMESPACES):
            return None
        wait = throttling.hit_batched(
            f"page:{throttling.client_ip(request)}",
            throttling.page_rate(),
            throttling.page_rate_sync_seconds(),
        )
        if wait is None:
            return None
        from .views import too_many_requests

        return too_many_requests(request, wait)
