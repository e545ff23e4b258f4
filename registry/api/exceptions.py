"""One exception handler: service errors become JSON with a field path and a human message."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
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
