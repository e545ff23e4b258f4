"""The public search page's filters: the registry's, plus province, city, unexpired penalties and lists."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from registry.filters import EnterpriseFilter
from registry.selectors import division_choices
from sanctions.choices import RecordKind
from sanctions.lists.selectors import active_listings
from sanctions.models import ListKind
from sanctions.records.selectors import public_records


def _provinces():
    return division_choices()[0]


def _cities():
    return division_choices()[1]


def _lists():
    return [("any", _("Any list")), *ListKind.objects.filter(active=True).values_list("code", "name")]


class PortalSearchFilter(EnterpriseFilter):
    """What a citizen can narrow a search by; every filter is applied before the query itself."""

    province = django_filters.ChoiceFilter(
        choices=_provinces, method="filter_place", label=pgettext_lazy("filter", "Province")
    )
    city = django_filters.ChoiceFilter(
        choices=_cities, method="filter_place", label=pgettext_lazy("filter", "City")
    )
    has_penalties = django_filters.BooleanFilter(
        method="filter_has_penalties",
        label=_("Has administrative penalties still in their publicity period"),
        widget=forms.CheckboxInput,
    )

    on_list = django_filters.ChoiceFilter(choices=_lists, method="filter_on_list", label=_("On a list"))

    class Meta(EnterpriseFilter.Meta):
        fields = [*EnterpriseFilter.Meta.fields, "province", "city", "has_penalties", "on_list"]

    def filter_place(self, queryset, name, value):
        return queryset.filter(division_code__startswith=value) if value else queryset

    def filter_has_penalties(self, queryset, name, value):
        if not value:
            return queryset
        penalties = public_records().filter(kind=RecordKind.PENALTY, enterprise=OuterRef("pk"))
        return queryset.filter(Exists(penalties))

    def filter_on_list(self, queryset, name, value):
        if not value:
            return queryset
        listings = active_listings().filter(enterprise=OuterRef("pk"))
        if value != "any":
            listings = listings.filter(list_kind_id=value)
        return queryset.filter(Exists(listings))
