"""One FilterSet for the clerk desk's record list (and, later, the records API)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from registry import uscc as uscc_codes
from registry.models import Agency

from .choices import RecordKind, RecordStatus
from .models import CreditRecord, PenaltyCategory
from .permissions import agencies_of

PENDING_STATUSES = [RecordStatus.DRAFT, RecordStatus.SUBMITTED]


def penalty_category_choices() -> list[tuple[str, str]]:
    """The active catalogue, named in the page's language."""
    english = (get_language() or "").startswith("en")
    return [
        (c.code, c.name_en if english and c.name_en else c.name)
        for c in PenaltyCategory.objects.filter(active=True).order_by("code")
    ]


def current_or_pending(queryset: QuerySet[CreditRecord]) -> QuerySet[CreditRecord]:
    """The version in force of each record, plus corrections still waiting (draft or submitted)."""
    return queryset.filter(Q(is_current=True) | Q(previous__isnull=False, status__in=PENDING_STATUSES))


def overdue_q(today=None) -> Q:
    """Not yet published although its publish-by deadline has passed (SAMR Order 45: 20 working days)."""
    today = today or timezone.localdate()
    return Q(status__in=PENDING_STATUSES, publish_deadline__lt=today, never_published=False)


class RecordFilter(django_filters.FilterSet):
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
    enterprise = django_filters.CharFilter(
        method="filter_enterprise", label=_("Enterprise (USCC or name)"), max_length=100
    )
    category = django_filters.ChoiceFilter(
        choices=penalty_category_choices,
        method="filter_category",
        label=_("Penalty category"),
        empty_label=_("Any category"),
    )
    agency = django_filters.ModelChoiceFilter(queryset=None, label=_("Agency"), empty_label=_("Any agency"))
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label=_("Only overdue"), widget=forms.CheckboxInput
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
            "enterprise",
            "category",
            "agency",
            "overdue",
            "all_versions",
        ]

    def __init__(self, *args, agencies: list[Agency] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if agencies is None:
            user = getattr(self.request, "user", None)
            agencies = agencies_of(user) if user is not None else []
        self.filters["agency"].queryset = Agency.objects.filter(pk__in=[a.pk for a in agencies])
        self.several_agencies = len(agencies) > 1

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("all_versions"):
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

    def filter_category(self, queryset, name, value):
        return queryset.filter(penalty_categories__contains=[value])

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue_q()) if value else queryset

    def filter_all_versions(self, queryset, name, value):
        return queryset
