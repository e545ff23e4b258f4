"""The error pages (400, 403, 404, 500, 503) in the portal's frame, and the portal's 404 with DEBUG on.

In production Django calls the handlers set in ``config/urls.py``. A 404 never says more than a
message written for people: the resolver's own exception (every URL pattern of the project, with
file paths) and Django's English "No … matches the given query." are not shown. 400 and 500 are
rendered without the request (as Django's own handlers do): whatever broke must not break the
error page too.

With ``DEBUG`` on Django answers an unknown address with its technical page, which lists every
URL of the project; ``DebugPortalNotFoundMiddleware`` shows the public portal's visitors the same
404 page as production instead (``make run`` is how people first meet the portal). Only 404s: an
exception still gets Django's debug page, and the API, the admin and the desk keep Django's
technical 404, which is what a developer wants there.

A database that cannot be reached (PostgreSQL down, restarting, refusing connections) is not a
bug: ``DatabaseUnavailableMiddleware`` answers a view that failed on it with 503 and
``Retry-After`` (the page ``503.html``; on the API, JSON ``{"detail": …}``), and ``server_error``
does the same for one that failed outside a view (a session saved, a signed-in user loaded). The
503 page is rendered without the request, so it needs neither the session nor the user; pages that
need no database (a cached credit page) keep being served.

With read replicas (``DATABASE_REPLICA_URLS``, registry/db_router.py) and the primary down while a
replica answers, the registry is read-only: public pages keep reading from the replica, and every
page that writes or needs the primary (forms that post, sign-in, the desk, the admin, the API's
writes) answers 503 with ``Retry-After`` saying that nothing can be changed right now
(``503_read_only.html``; on the API, JSON). The request's route refuses such a page before its view
(``DatabaseUnavailableMiddleware.process_view``); one that fails on the way is marked down.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import time

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.template import loader
from django.urls import Resolver404
from django.utils.translation import gettext as _

from registry import db_router
from registry.api.exceptions import api_error_json

logger = logging.getLogger(__name__)

# Addresses that are not the public portal: Django's technical 404 stays there with DEBUG on.
NOT_PORTAL = ("/api/", "/admin/", "/desk/", "/static/", "/media/")
_DJANGO_QUERY_MESSAGE = re.compile(r"^No .+ matches the given query\.$")


def public_message(exception: BaseException | None) -> str:
    """The exception's message if it was written for people, else ""."""
    if exception is None or isinstance(exception, Resolver404) or not exception.args:
        return ""
    message = exception.args[0]
    if not isinstance(message, str) or _DJANGO_QUERY_MESSAGE.match(message):
        return ""
    return message


def bad_request(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    return HttpResponseBadRequest(loader.get_template("400.html").render())


def permission_denied(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    body = loader.get_template("403.html").render({"message": public_message(exception)}, request)
    return HttpResponseForbidden(body)


def page_not_found(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    body = loader.get_template("404.html").render({"message": public_message(exception)}, request)
    return HttpResponseNotFound(body)


def server_error(request: HttpRequest) -> HttpResponse:
    exception = sys.exc_info()[1]  # Django calls the handler while handling the exception
    if is_database_outage(exception):
        db_router.note_outage()
        return service_unavailable(request, exception)
    return HttpResponseServerError(loader.get_template("500.html").render())


# --- 503: the database cannot be reached -----------------------------------------------------------

RETRY_AFTER_SECONDS = 30
DATABASE_OUTAGE_ERRORS = db_router.OUTAGE_ERRORS
_LOG_EVERY_SECONDS = 10.0
_log_state = {"at": float("-inf"), "since": 0}
_log_lock = threading.Lock()


def is_database_outage(exception: BaseException | None) -> bool:
    """The exception, or one it was raised from, says the database could not serve."""
    for _depth in range(5):
        if exception is None:
            return False
        if isinstance(exception, DATABASE_OUTAGE_ERRORS):
            return True
        exception = exception.__cause__
    return False


def service_unavailable(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    """503 with ``Retry-After``: JSON on the API, else the portal's page (rendered without the request).

    With the primary down and a replica up, the read-only answer: public pages still work, writes do not.
    """
    _log_outage(request, exception)
    read_only = db_router.read_only()
    if request.path.startswith("/api/"):
        if read_only:
            message = _(
                "The registry is read-only for the moment: its main database is unavailable, so nothing "
                "can be created or changed, while public reads still work. Try again after the number of "
                "seconds in the Retry-After header."
            )
        else:
            message = _(
                "The registry's database is temporarily unavailable. Try again after the number of "
                "seconds in the Retry-After header."
            )
        response = api_error_json(503, message)
    else:
        template = "503_read_only.html" if read_only else "503.html"
        response = HttpResponse(loader.get_template(template).render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _log_outage(request: HttpRequest, exception: BaseException | None) -> None:
    """One warning every few seconds while the database is down, not one per request."""
    now = time.monotonic()
    with _log_lock:
        _log_state["since"] += 1
        if now - _log_state["at"] < _LOG_EVERY_SECONDS:
            return
        answered, _log_state["since"], _log_state["at"] = _log_state["since"], 0, now
    if exception is None:  # refused before its view: the primary is known to be down
        reason = "the primary is down; read-only" if db_router.read_only() else "the database is down"
    else:
        text = str(exception).strip()
        reason = f"{exception.__class__.__name__}: {text.splitlines()[0] if text else ''}"
    logger.warning(
        "database unavailable (%s); answered 503 to %s (%d requests since the last message)",
        reason,
        request.path,
        answered,
    )


class DatabaseUnavailableMiddleware:
    """A view that failed because the database cannot be reached answers 503 (see the module); with
    replicas and the primary down, so does a page that writes, before its view runs.

    Last in ``MIDDLEWARE``, so that its ``process_exception`` is the first to see the exception.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if db_router.writes_refused():
            return service_unavailable(request)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_outage(exception):
            db_router.note_outage()
            return service_unavailable(request, exception)
        return None


def is_portal(path: str) -> bool:
    return not path.startswith(NOT_PORTAL)


class DebugPortalNotFoundMiddleware:
    """With DEBUG on, the portal's 404 page for the public portal's addresses (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and request.resolver_match is None  # no URL pattern matched: Django's technical 404
            and is_portal(request.path_info)
        ):
            return page_not_found(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if settings.DEBUG and isinstance(exception, Http404) and is_portal(request.path_info):
            return page_not_found(request, exception)
        return None
