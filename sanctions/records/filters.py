"""One FilterSet for the records: the clerk desk's list and the records API use the same filters."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry import uscc as uscc_codes
from registry.language import in_reader_language
from registry.models import Agency
from sanctions.choices import RecordKind, RecordStatus
from sanctions.models import CreditRecord, PenaltyCategory
from sanctions.permissions import agencies_of
from sanctions.records.selectors import current_or_pending, overdue_q


def penalty_category_choices() -> list[tuple[str, str]]:
    """The active catalogue, named in the page's language."""
    return [
        (c.code, in_reader_language(c.name, c.name_en))
        for c in PenaltyCategory.objects.filter(active=True).order_by("code")
    ]


class RecordFilter(django_filters.FilterSet):
    """Filters of the record list, for the desk page and the API alike.

    Without ``current`` or ``all_versions`` the list holds the versions in force plus corrections
    still waiting; the API lists every version unless asked (``all_versions_by_default``), as it always
    has. ``DESK_FIELDS`` are the ones the desk page shows; the API takes them all.
    """

    DESK_FIELDS = (
        "kind",
        "status",
        "decided_from",
        "decided_to",
        "enterprise",
        "category",
        "agency",
        "overdue",
        "all_versions",
    )

    q = django_filters.CharFilter(
        method="filter_search",
        label=_("Search"),
        max_length=100,
        help_text=_("Document number, party name or USCC."),
    )
    kind = django_filters.ChoiceFilter(
        choices=RecordKind.choices, label=_("Record kind"), empty_label=_("Any kind")
    )
    status = django_filters.ChoiceFilter(
        choices=RecordStatus.choices, label=_("Record status"), empty_label=_("Any status")
    )
    decided_from = django_filters.DateFilter(
        field_name="decision_date",
        lookup_expr="gte",
        label=_("Decided from"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    decided_to = django_filters.DateFilter(
        field_name="decision_date",
        lookup_expr="lte",
        label=_("Decided until"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    # The API's names for the same two dates.
    decision_date_after = django_filters.DateFilter(
        field_name="decision_date", lookup_expr="gte", label=_("Decided on or after")
    )
    decision_date_before = django_filters.DateFilter(
        field_name="decision_date", lookup_expr="lte", label=_("Decided on or before")
    )
    enterprise = django_filters.CharFilter(
        method="filter_enterprise",
        label=_("Enterprise (USCC or name)"),
        max_length=100,
        help_text=_("The party's unified social credit code (or its start), or part of its name."),
    )
    document_number = django_filters.CharFilter(
        method="filter_document_number",
        label=_("Decision document number"),
        max_length=100,
        help_text=_("The whole number, as recorded."),
    )
    category = django_filters.ChoiceFilter(
        choices=penalty_category_choices,
        method="filter_category",
        label=_("Penalty category"),
        empty_label=_("Any category"),
        help_text=_("A code from the penalty category catalogue, e.g. fine."),
    )
    agency = django_filters.ModelChoiceFilter(queryset=None, label=_("Agency"), empty_label=_("Any agency"))
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label=_("Only overdue"), widget=forms.CheckboxInput
    )
    current = django_filters.BooleanFilter(
        field_name="is_current",
        label=_("Current version only"),
        help_text=_("true: the version in force; false: replaced or pending versions."),
    )
    all_versions = django_filters.BooleanFilter(
        method="filter_all_versions",
        label=_("Show replaced and withdrawn versions too"),
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = CreditRecord
        fields = [
            "q",
            "kind",
            "status",
            "decided_from",
            "decided_to",
            "decision_date_after",
            "decision_date_before",
            "enterprise",
            "document_number",
            "category",
            "agency",
            "overdue",
            "current",
            "all_versions",
        ]

    def __init__(
        self, *args, agencies: list[Agency] | None = None, all_versions_by_default: bool = False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        if agencies is None:
            user = getattr(self.request, "user", None)
            agencies = agencies_of(user) if user is not None else []
        self.filters["agency"].queryset = Agency.objects.filter(pk__in=[a.pk for a in agencies])
        self.several_agencies = len(agencies) > 1
        self.all_versions_by_default = all_versions_by_default

    def desk_fields(self):
        """The bound fields the desk page offers in its filter panel."""
        form = self.form
        return [form[name] for name in self.DESK_FIELDS if name != "agency" or self.several_agencies]

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        versions_chosen = data.get("all_versions") or data.get("current") is not None
        if not versions_chosen and not self.all_versions_by_default:
            queryset = current_or_pending(queryset)
        return super().filter_queryset(queryset)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        code = uscc_codes.compact(value)
        return queryset.filter(
            Q(document_number__icontains=value)
            | Q(party_name__icontains=value)
            | Q(party_uscc__icontains=code or value)
        )

    def filter_enterprise(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        code = uscc_codes.compact(value)
        return queryset.filter(
            Q(enterprise__uscc__startswith=code or value)
            | Q(party_uscc__startswith=code or value)
            | Q(enterprise__name__icontains=value)
            | Q(party_name__icontains=value)
        )

    def filter_document_number(self, queryset, name, value):
        return queryset.filter(document_number=" ".join(value.split()))

    def filter_category(self, queryset, name, value: str):
        return queryset.filter(penalty_categories__contains=[value])

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue_q()) if value else queryset

    def filter_all_versions(self, queryset, name, value):
        return queryset
