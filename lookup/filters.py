"""The public search page's filters: the registry's, plus province, city, unexpired penalties and lists.

Their choice lists (divisions, lists in force) come from reference data that changes a few times a
year, so they are read once per process and reference generation (``registry.reference_cache``),
and the filter form of a search without filters is rendered once per language and generation
(``blank_filters_html``). A select renders its options in one pass (``OptionsSelect``): Django's
widget templates, one template per option, cost more than the search itself for the few hundred
prefectures.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from registry.choices import EntityType
from registry.filters import EnterpriseFilter
from registry.models import Enterprise
from registry.reference_cache import reference_memo
from registry.selectors import division_choices, division_describe
from sanctions.choices import RecordKind
from sanctions.lists.selectors import active_listings
from sanctions.lists.standing import list_display_name
from sanctions.models import ListKind
from sanctions.records.selectors import public_records

# The filters a search page may carry besides its query and page (``division`` and ``entity_type``
# have no field on the page, but links may carry them).
FILTER_NAMES = (
    "status",
    "industry",
    "division",
    "entity_type",
    "province",
    "city",
    "has_penalties",
    "on_list",
)


class OptionsSelect(forms.Select):
    """Django's select, its options written in one pass instead of one template each."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        chosen = {str(v) for v in self.format_value(value)}
        attrs = self.build_attrs(self.attrs, attrs)
        head = "".join(f' {key}="{escape(val)}"' for key, val in attrs.items() if val not in (None, False))
        options = "".join(
            f'<option value="{escape(option)}"{" selected" if str(option) in chosen else ""}>{escape(label)}</option>'
            for option, label in self.choices
        )
        return mark_safe(f'<select name="{escape(name)}"{head}>{options}</select>')  # noqa: S308 - escaped above


@reference_memo
def _list_kinds() -> tuple[tuple[str, str, str], ...]:
    return tuple(ListKind.objects.filter(active=True).order_by("code").values_list("code", "name", "name_en"))


def _provinces():
    return division_choices()[0]


def _cities():
    return division_choices()[1]


def _lists():
    return [
        ("any", _("Any list")),
        *((code, list_display_name(name, name_en)) for code, name, name_en in _list_kinds()),
    ]


class PortalSearchFilter(EnterpriseFilter):
    """What a citizen can narrow a search by; every filter is applied before the query itself."""

    province = django_filters.ChoiceFilter(
        choices=_provinces,
        method="filter_place",
        label=pgettext_lazy("filter", "Province"),
        widget=OptionsSelect,
    )
    city = django_filters.ChoiceFilter(
        choices=_cities, method="filter_place", label=pgettext_lazy("filter", "City"), widget=OptionsSelect
    )
    has_penalties = django_filters.BooleanFilter(
        method="filter_has_penalties",
        label=_("Has administrative penalties still in their publicity period"),
        widget=forms.CheckboxInput,
    )

    on_list = django_filters.ChoiceFilter(
        choices=_lists, method="filter_on_list", label=_("On a list"), widget=OptionsSelect
    )

    class Meta(EnterpriseFilter.Meta):
        fields = [*EnterpriseFilter.Meta.fields, "province", "city", "has_penalties", "on_list"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("status", "industry", "entity_type"):
            self.filters[name].extra["widget"] = OptionsSelect

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


def carried_filters(filterset: PortalSearchFilter) -> list[tuple[str, str, str]]:
    """The filters a link carried that the form has no field for (division, entity type), valid ones
    only (beside another filter's invalid value too): (what the page says, parameter, value), so that
    the page shows them and a new search keeps them."""
    filterset.is_valid()  # cleans the form: ``cleaned_data`` keeps the values that are valid
    data = filterset.form.cleaned_data
    fields = filterset.form.fields
    carried = []
    if division := data.get("division"):
        described = division_describe(division.ljust(6, "0"))
        shown = f"{division} {described['name']}" if described else division
        carried.append((filter_said(fields["division"].label, shown), "division", division))
    if entity_type := data.get("entity_type"):
        shown = EntityType(entity_type).label
        carried.append((filter_said(fields["entity_type"].label, shown), "entity_type", entity_type))
    return carried


def filter_said(label, value) -> str:
    """A filter's label and its value (or what is wrong with it), as the search page names a filter."""
    return gettext("%(filter)s: %(message)s") % {"filter": label, "message": value}


def filters_html(filterset: PortalSearchFilter) -> SafeString:
    """The filter form of a search page, open, with the visitor's choices selected."""
    context = {"form": filterset.form, "open": True, "carried": carried_filters(filterset)}
    return mark_safe(  # noqa: S308 - our own template's output, escaped there
        render_to_string("lookup/_search_filters.html", context)
    )


@reference_memo
def _blank_filters_html(language: str) -> SafeString:
    filterset = PortalSearchFilter(None, queryset=Enterprise.objects.none())
    return mark_safe(  # noqa: S308 - our own template's output, escaped there
        render_to_string("lookup/_search_filters.html", {"form": filterset.form, "open": False})
    )


def blank_filters_html() -> SafeString:
    """The filter form with nothing chosen, closed: rendered once per language and reference generation."""
    return _blank_filters_html(get_language())
