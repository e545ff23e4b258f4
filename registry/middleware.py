from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.template import loader
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from .api.exceptions import api_error_json
from .context import _request_id

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class RequestIdMiddleware:
    """Give every request an id (or keep a well-formed X-Request-ID) for the audit trail and logs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = rid
        token = _request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = rid
        return response


class LanguageMiddleware:
    """Simplified Chinese unless the visitor chose English with the switch (the language cookie).

    Pages ignore the browser's Accept-Language: the portal speaks Chinese first whatever the
    browser says, and the switch is one click away. The API honours Accept-Language, since
    partner systems ask for a language that way.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        supported = {code for code, _name in settings.LANGUAGES}
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in supported:
            chosen = settings.LANGUAGE_CODE
            if request.path.startswith("/api/"):
                chosen = translation.get_language_from_request(request)
        translation.activate(chosen)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(
            response, ("Cookie", "Accept-Language") if request.path.startswith("/api/") else ("Cookie",)
        )
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class NulCharacterMiddleware:
    """Refuse, with 400 and a message that says so, a request whose address holds a NUL character.

    PostgreSQL cannot hold one in text, so a view that put it in a query failed with 500 (the search
    box's ``q``, a code in the path). Forms and the API's serializers already refuse it in what is
    posted; the address is read directly by views, so it is checked here, once, before any of them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "%00" in request.META.get("QUERY_STRING", "") or "\x00" in request.path:
            message = _(
                "The address holds a NUL character (code 0), which no page or API accepts: remove it."
            )
            if request.path.startswith("/api/"):
                # Named as a filter's own refusal names it: the parameters that hold one (the path: no field).
                fields = [
                    name
                    for name, values in request.GET.lists()
                    if "\x00" in name or any("\x00" in value for value in values)
                ] or [None]
                errors = [
                    {"field": name, "message": message, "code": "null_characters_not_allowed"}
                    for name in fields
                ]
                return api_error_json(400, message, errors)
            return HttpResponseBadRequest(loader.get_template("400.html").render({"message": message}))
        return self.get_response(request)
