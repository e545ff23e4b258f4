"""The OpenAPI schema: the project's AutoSchema, and how the API's own authentication appears in it."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.core.validators import RegexValidator
from django.db import DatabaseError, models, transaction
from drf_spectacular import openapi
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from .serializers import ApiErrorSerializer

AGENCY_TOKEN_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "crt_<prefix>_<secret>",
    "description": "An agency API token, issued by the agency's administrator.",
}


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """How the schema describes ``Authorization: Bearer crt_…``."""

    target_class = "registry.tokens.TokenAuthentication"
    name = "agencyToken"

    def get_security_definition(self, auto_schema):
        return AGENCY_TOKEN_SCHEME


class AutoSchema(openapi.AutoSchema):
    """The project's schema class: every operation lists the errors the code can answer, as JSON.

    Each refusal has the body ``ApiError`` (``registry.api.exceptions.exception_handler``, and
    ``json_under_api`` for what never reaches a view). What a view says itself with
    ``extend_schema`` wins; a documented error without a body gets ``ApiError``'s. The rest follows
    from the operation: 400 where there is input to refuse (query parameters or a body), 401 where
    credentials can be refused, 403 where anonymous callers are not served, 404 where a path names
    something or a page can be past the last, 413 and 415 for a body, 429 where the view is
    throttled, and 503 for all (the database is down: ``Retry-After`` says when to come back).
    """

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None or not path.startswith("/api/"):
            return operation
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query":
                blank_as_any_of(without_nul(parameter.get("schema", {})))
        responses = operation["responses"]
        for code, description in self._error_statuses(operation).items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ApiErrorSerializer, description=description), code
                )
        for code, documented in responses.items():  # an error a view documented without a body
            if code >= "400" and "content" not in documented:
                documented["content"] = self._get_response_for_code(ApiErrorSerializer, code)["content"]
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        meta = self._map_serializer_field_as_stored(field, direction, bypass_extensions)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and not any(isinstance(v, RegexValidator) for v in field.validators)  # a pattern of its own
        ):
            # Surrounding spaces are dropped before a required text is checked: it needs one other.
            trimmed = field.trim_whitespace or getattr(field, "strips_after_checks", False)
            if not field.allow_blank and trimmed and meta.get("type") == "string":
                meta.setdefault("pattern", NOT_BLANK)
            without_nul(meta)
        return meta

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        blank_as_any_of(schema)

    def _map_serializer_field_as_stored(self, field, direction, bypass_extensions):
        # A read-only field says what the model holds: DRF drops ``allow_blank`` from read-only
        # fields and a declared ``SlugRelatedField(read_only=True)`` has no ``allow_null``, yet an
        # empty choice is "" and a missing relation is null in the response.
        if field.read_only and direction == "response":
            model_field = _model_field(field)
            if model_field is not None:
                if model_field.null:
                    field.allow_null = True
                if model_field.blank and isinstance(field, serializers.ChoiceField):
                    field.allow_blank = True
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _error_statuses(self, operation: dict) -> dict[str, str]:
        parameters = operation.get("parameters", [])
        security = operation.get("security", [])
        has_input = "requestBody" in operation or any(p["in"] == "query" for p in parameters)
        statuses: dict[str, str] = {}
        if has_input:
            statuses["400"] = "Invalid input: `errors` lists each field (or parameter) and what is wrong."
        if any(name != "cookieAuth" for requirement in security for name in requirement):
            statuses["401"] = "Credentials were sent but are unknown, expired or revoked (or none were sent)."
        if {} not in security:
            statuses["403"] = "Not allowed: not signed in, or not permitted to do this."
        paged = any(p["in"] == "query" and p["name"] == "page" for p in parameters)
        if paged or any(p["in"] == "path" for p in parameters):
            statuses["404"] = "Nothing at this address, or a page past the last result."
        if "requestBody" in operation:
            statuses["413"] = "The body is larger than the upload limit."
            statuses["415"] = "The body's Content-Type is not one this operation reads."
        if getattr(self.view, "throttle_classes", None):
            statuses["429"] = "Too many requests; retry after the number of seconds in Retry-After."
        statuses["503"] = (
            "A service the registry needs is down; retry after the number of seconds in Retry-After."
        )
        return statuses


# Django's forms and DRF refuse a NUL character in text (PostgreSQL cannot store it): a 400.
NO_NUL = r"^[^\x00]*$"
NOT_BLANK = r"\S"
# What Python's str.strip() drops (DRF trims text with it) spelled out: a schema's regex is ECMA's,
# whose \s is another set (it has U+FEFF, and not U+001C-U+001F or U+0085).
TRIMMED = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_BLANK_TEXT = rf"^[^\x00]*[^\x00{TRIMMED}][^\x00]*$"


def without_nul(schema: dict) -> dict:
    """Say in a free-text string's schema that it holds no NUL character (see ``NO_NUL``).

    A text that must not be blank (``NOT_BLANK``) keeps saying so: one character that is neither
    NUL nor a space, anywhere in it.
    """
    if schema.get("type") != "string" or "enum" in schema or "format" in schema:
        return schema
    pattern = schema.get("pattern")
    if pattern is None:
        schema["pattern"] = NO_NUL
    elif pattern == NOT_BLANK:
        schema["pattern"] = NOT_BLANK_TEXT
    return schema


BLANK = {"type": "string", "maxLength": 0}


def blank_as_any_of(schema: dict) -> dict:
    """Say "this text, or empty" with ``anyOf``, where drf-spectacular says it with ``oneOf``.

    For a text that may be blank and has a pattern, a length or a format, drf-spectacular offers
    the empty string as a second choice of a ``oneOf``. When the first choice also takes the empty
    string (no NUL, ``^(\\d{15})?$``), an empty value matches both, which ``oneOf`` forbids: the
    schema would call a valid empty value invalid. ``anyOf`` says what the API does.
    """
    choices = schema.get("oneOf")
    if isinstance(choices, list) and BLANK in choices:
        schema["anyOf"] = schema.pop("oneOf")
    return schema


def _model_field(field: serializers.Field) -> models.Field | None:
    """The model field a ModelSerializer's field reads directly, if any."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source or field.source == "*":
        return None
    try:
        found = model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return None
    return found if isinstance(found, models.Field) else None


class FilterParameters(DjangoFilterExtension):
    """The filters' parameters as ``registry.api.filters.FilterBackend`` reads them.

    Adds what django-filter checks but drf-spectacular leaves out: a text filter's ``max_length``
    (longer is a 400), its pattern where the filter set names one (``SCHEMA_PATTERNS``), and the
    values of a choice filter whose choices come from the database.
    """

    target_class = "registry.api.filters.FilterBackend"
    match_subclasses = True
    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        max_length = filter_field.extra.get("max_length")
        choices = filter_field.extra.get("choices")
        pattern = getattr(filterset_class, "SCHEMA_PATTERNS", {}).get(field_name)
        for parameter in parameters:
            schema = parameter["schema"]
            if max_length and schema.get("type") == "string":
                schema["maxLength"] = max_length
            if pattern and schema.get("type") == "string":
                schema["pattern"] = pattern
            if callable(choices) and "enum" not in schema:
                # Choices read from the database (the penalty category catalogue) when the schema is
                # made. Before the first migrate (``check --deploy`` in an image build or on a new
                # database) there is no catalogue yet: the parameter is then a plain string.
                enum = _database_choices(choices)
                if enum is not None:
                    schema["enum"] = enum
        return parameters


def _database_choices(choices) -> list[str] | None:
    try:
        with transaction.atomic():
            return [value for value, _label in choices()]
    except DatabaseError:
        return None
