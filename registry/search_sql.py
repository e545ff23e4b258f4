"""The SQL of a name search, shared by the searches (``registry.selectors``) and the estimates made on
the search sample (``registry.search_sample``)."""

from __future__ import annotations

from django.contrib.postgres.search import SearchQueryField
from django.db.models import BooleanField, F, Func, Q, Value
from django.db.models.functions import Cast, StrIndex
from django.db.models.lookups import GreaterThan


class Matches(Func):
    """``vector @@ query`` with a query written as tsquery text (lexemes quoted, never parsed)."""

    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def matches(field: str, tsquery: str) -> Matches:
    return Matches(F(field), Cast(Value(tsquery), output_field=SearchQueryField()))


def matches_unindexed(field: str, tsquery: str) -> Func:
    """The same test as a function call, which the planner never turns into an index condition: a
    re-check of the rows the index found (phrases, common lexemes left out of the index query)."""
    return Func(
        F(field),
        Cast(Value(tsquery), output_field=SearchQueryField()),
        function="ts_match_vq",
        output_field=BooleanField(),
    )


def contains_any(field: str, variants: tuple[str, ...]) -> Q:
    q = Q()
    for variant in variants:
        q |= Q(GreaterThan(StrIndex(field, Value(variant)), 0))
    return q
