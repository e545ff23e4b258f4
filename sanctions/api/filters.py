"""The records list filters of the API (the desk has its own in ``sanctions/filters.py``)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from registry import uscc as uscc_codes

from ..choices import RecordKind, RecordStatus
from ..models import CreditRecord


class RecordApiFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=RecordKind.choices, label=_("Record kind"))
    status = django_filters.ChoiceFilter(choices=RecordStatus.choices, label=_("Status"))
    enterprise = django_filters.CharFilter(
        method="filter_enterprise",
        label=_("Party USCC"),
        max_length=40,
        help_text=_("The party's unified social credit code (18 characters)."),
    )
    decision_date_after = django_filters.DateFilter(
        field_name="decision_date", lookup_expr="gte", label=_("Decided on or after")
    )
    decision_date_before = django_filters.DateFilter(
        field_name="decision_date", lookup_expr="lte", label=_("Decided on or before")
    )
    document_number = django_filters.CharFilter(
        method="filter_document_number",
        label=_("Decision document number"),
        max_length=100,
        help_text=_("The whole number, as recorded."),
    )
    category = django_filters.CharFilter(
        field_name="penalty_categories",
        method="filter_category",
        label=_("Penalty category"),
        max_length=32,
        help_text=_("A code from the penalty category catalogue, e.g. fine."),
    )
    current = django_filters.BooleanFilter(
        field_name="is_current",
        label=_("Current version only"),
        help_text=_("true: the version in force; false: replaced or pending versions."),
    )

    class Meta:
        model = CreditRecord
        fields = [
            "kind",
            "status",
            "enterprise",
            "decision_date_after",
            "decision_date_before",
            "document_number",
            "category",
            "current",
        ]

    def filter_enterprise(self, queryset, name, value):
        return queryset.filter(enterprise__uscc=uscc_codes.compact(value))

    def filter_document_number(self, queryset, name, value):
        return queryset.filter(document_number=" ".join(value.split()))

    def filter_category(self, queryset, name, value):
        return queryset.filter(penalty_categories__contains=[value.strip()])
