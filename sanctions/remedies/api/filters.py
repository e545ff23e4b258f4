"""Filters of the remedies API's lists: repair applications, objections and commitments."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from registry import uscc as uscc_codes
from sanctions.choices import ApplicationStatus, CommitmentKind, CommitmentStatus, ObjectionStatus
from sanctions.models import Commitment, Objection, RepairApplication
from sanctions.remedies.selectors import (
    OPEN_OBJECTION_STATUSES,
    application_overdue_q,
    commitment_overdue_q,
)


def _enterprise_filter() -> django_filters.CharFilter:
    return django_filters.CharFilter(
        method="filter_enterprise",
        label=_("Enterprise"),
        max_length=30,
        help_text=_("The enterprise's unified social credit code."),
    )


class EnterpriseFilterMixin:
    def filter_enterprise(self, queryset, name, value):
        code = uscc_codes.compact(value)
        return queryset.filter(enterprise__uscc=code) if code else queryset


class RepairApplicationFilter(EnterpriseFilterMixin, django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ApplicationStatus.choices, label=_("Application status"))
    enterprise = _enterprise_filter()
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label=_("Only overdue"),
        help_text=_("true: open applications past their decision deadline."),
    )

    class Meta:
        model = RepairApplication
        fields = ["status", "enterprise", "overdue"]

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(application_overdue_q()) if value else queryset


class ObjectionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ObjectionStatus.choices, label=_("Objection status"))
    open = django_filters.BooleanFilter(
        method="filter_open",
        label=_("Open or decided"),
        help_text=_("true: received or forwarded, not decided yet; false: decided."),
    )

    class Meta:
        model = Objection
        fields = ["status", "open"]

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.filter(status__in=OPEN_OBJECTION_STATUSES)
        return queryset.exclude(status__in=OPEN_OBJECTION_STATUSES)


class CommitmentFilter(EnterpriseFilterMixin, django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=CommitmentStatus.choices, label=_("Commitment status"))
    kind = django_filters.ChoiceFilter(choices=CommitmentKind.choices, label=_("Kind of commitment"))
    enterprise = _enterprise_filter()
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label=_("Only overdue"),
        help_text=_("true: open commitments past their due date."),
    )

    class Meta:
        model = Commitment
        fields = ["status", "kind", "enterprise", "overdue"]

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(commitment_overdue_q()) if value else queryset
