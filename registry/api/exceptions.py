"""One exception handler: service errors become JSON with a field path and a human message.

Errors that never reach a DRF view (an address no route matches, such as ``/api/v1/records/0.5/``,
a body Django itself refuses, a crash) are answered by Django's error handlers; ``json_under_api``
makes those answer JSON of the same shape under ``/api/``, and the portal's pages elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def _flatten(detail, path: str = "") -> list[dict]:
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            sub = key if key != "non_field_errors" else ""
            out += _flatten(value, f"{path}.{sub}" if path and sub else (sub or path))
        return out
    if isinstance(detail, list):
        out = []
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                out += _flatten(value, f"{path}[{index}]")
            else:
                out += _flatten(value, path)
        return out
    code = getattr(detail, "code", "invalid")
    return [{"field": path or None, "message": str(detail), "code": code}]


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        # A refusal of the whole request (four eyes, wrong status) is its own headline.
        single = len(errors) == 1 and errors[0]["field"] is None
        response.data = {"detail": errors[0]["message"] if single else "Invalid input.", "errors": errors}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"]), "errors": []}
    return response


def error_response(message: str, *, field: str | None = None, status_code: int = status.HTTP_400_BAD_REQUEST):
    return Response(
        {"detail": message, "errors": [{"field": field, "message": message, "code": "invalid"}]},
        status=status_code,
    )


API_PREFIX = "/api/"
# What Django's own error handlers say under /api/: DRF's messages (translated in DRF's catalogue).
_HANDLER_ERRORS: dict[int, type[exceptions.APIException]] = {
    400: exceptions.ParseError,
    403: exceptions.PermissionDenied,
    404: exceptions.NotFound,
    500: exceptions.APIException,
}


def api_error_json(status_code: int, message: str, errors: list[dict] | None = None) -> JsonResponse:
    """An API error as every API refusal looks: ``{"detail": ..., "errors": [...]}`` (each error with its
    ``field``, ``message`` and ``code``, as ``exception_handler`` writes them)."""
    return JsonResponse(
        {"detail": message, "errors": errors or []},
        status=status_code,
        json_dumps_params={"ensure_ascii": False},
    )


def json_under_api(
    page_handler: Callable[..., HttpResponse], status_code: int
) -> Callable[..., HttpResponse]:
    """Django's ``handler400/403/404/500`` for ``config/urls.py``: JSON under /api/, else the page.

    An API client asked for JSON: a malformed path value (``/api/v1/public/enterprises/0.5/``)
    that no route matches gets the same JSON 404 as an unknown code does, never the portal's page.
    """
    error = _HANDLER_ERRORS[status_code]

    def handler(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
        if status_code == 500:
            # The page's handler may know better than 500 (a database outage is a 503, JSON on the
            # API: config/error_pages.py); only its plain 500 is replaced.
            response = page_handler(request)
            if response.status_code != 500 or not request.path_info.startswith(API_PREFIX):
                return response
            return api_error_json(status_code, str(error.default_detail))
        if request.path_info.startswith(API_PREFIX):
            return api_error_json(status_code, str(error.default_detail))
        return page_handler(request, exception)

    handler.__name__ = f"{getattr(page_handler, '__name__', 'handler')}_or_json"
    handler.__doc__ = page_handler.__doc__
    return handler
