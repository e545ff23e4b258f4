"""The API's filter backend: a filter value the schema does not allow is refused, never ignored.

django-filter reads ``?overdue=maybe`` or ``?status=`` as "no filter", so a typo silently widens a
list. The API's schema says a boolean is ``true`` or ``false`` and an enum, date or number is one of
its values: anything else is a 400 that names the parameter, as every other invalid input is.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from django_filters import utils
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

BOOLEAN_VALUES = ("true", "false")


def loose_values(filterset: django_filters.FilterSet, params) -> dict[str, list[str]]:
    """Errors for the parameters whose value the schema forbids but django-filter would ignore."""
    errors: dict[str, list[str]] = {}
    for name, declared in filterset.filters.items():
        if name not in params:
            continue
        for value in params.getlist(name):
            if isinstance(declared, django_filters.BooleanFilter):
                if value not in BOOLEAN_VALUES:
                    errors[name] = [_("Enter true or false.")]
            elif not isinstance(declared, django_filters.CharFilter) and value.strip() == "":
                errors[name] = [_("This parameter has no value: give one, or leave the parameter out.")]
    return errors


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, strict about the values the schema does not allow (see the module)."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        errors = loose_values(filterset, request.query_params)
        if errors:
            raise ValidationError(errors)
        if not filterset.is_valid() and self.raise_exception:
            raise utils.translate_validation(filterset.errors)
        return filterset.qs
