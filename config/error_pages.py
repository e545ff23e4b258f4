"""The error pages (400, 403, 404, 500) in the portal's frame, and the portal's 404 with DEBUG on.

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
"""

from __future__ import annotations

import re

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
    return HttpResponseServerError(loader.get_template("500.html").render())


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
