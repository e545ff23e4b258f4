"""One FilterSet serves the public search page and the API list."""

from __future__ import annotations

import django_filters
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from .choices import EnterpriseStatus, EntityType, Industry
from .models import Enterprise
from .selectors import enterprise_list

# A division filter's value: a province, a prefecture or a county code (empty: no filter). The API
# schema says it with an ECMA regular expression; Python's ``$`` would also match before a final
# newline, hence ``\Z`` here.
DIVISION_PATTERN = r"^(?:[0-9]{2}){0,3}$"
_DIVISION_REGEX = DIVISION_PATTERN.removesuffix("$") + r"\Z"


class EnterpriseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_query",
        label=_("Name or code"),
        max_length=100,
        help_text=_("A name, part of a name, a former name, or a code (whole or its beginning)."),
    )
    status = django_filters.ChoiceFilter(choices=EnterpriseStatus.choices, label=_("Registration status"))
    entity_type = django_filters.ChoiceFilter(choices=EntityType.choices, label=_("Entity type"))
    industry = django_filters.ChoiceFilter(choices=Industry.choices, label=_("Industry"))
    division = django_filters.CharFilter(
        method="filter_division",
        label=_("Division code"),
        max_length=6,
        # Exactly as given (no stripping), so that the schema's pattern says what is taken.
        strip=False,
        validators=[
            RegexValidator(
                _DIVISION_REGEX,
                _("A division code is 2, 4 or 6 digits: a province, a prefecture or a county."),
            )
        ],
        help_text=_("A province (2 digits), a prefecture (4 digits) or a county (6 digits)."),
    )

    # What the API schema says a parameter must look like (registry/api/schema.py).
    SCHEMA_PATTERNS = {"division": DIVISION_PATTERN}

    class Meta:
        model = Enterprise
        fields = ["q", "status", "entity_type", "industry", "division"]

    def filter_queryset(self, queryset):
        # The query last: it searches within what the other filters left (each way of matching
        # stops after a bounded number of rows, so filtering afterwards could lose matches).
        for name, value in self.form.cleaned_data.items():
            if name != "q":
                queryset = self.filters[name].filter(queryset, value)
        return self.filters["q"].filter(queryset, self.form.cleaned_data.get("q"))

    def filter_query(self, queryset, name, value):
        return enterprise_list(query=value, base=queryset)

    def filter_division(self, queryset, name, value):
        return queryset.filter(division_code__startswith=value)
