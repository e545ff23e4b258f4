"""The search as a queryset: ``enterprise_list``, every enterprise matching a code, a name, part of
one, a former name or pinyin, best first (the plan of a query is ``registry.search``'s)."""

from __future__ import annotations

from django.contrib.postgres.search import SearchQueryField
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    F,
    Func,
    IntegerField,
    OrderBy,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Least, Length, NullIf, StrIndex
from django.db.models.lookups import GreaterThan

from .. import search
from .. import uscc as uscc_codes
from ..choices import EnterpriseStatus
from ..models import Enterprise, EnterpriseFormerName
from .column_stats import common_pairs, common_pinyin

_INACTIVE = [EnterpriseStatus.REVOKED, EnterpriseStatus.DEREGISTERED]
# Each way of matching (bigrams, former names, prefix, code prefix) contributes at most this many
# rows plus one: a result list is never counted past it, whatever the query ("more than N"). Every
# row of it is a heap visit, so it bounds the time of the commonest words (bench_search).
SEARCH_LIMIT = 200
# The rank of a result matched by a former name only (0: the exact name, 1: its start, 2: within it).
FORMER_RANK = 3
# The ranking columns of a name's and of pinyin's candidates, best first (``_ways_of_matching``).
_NAME_ORDER = ("inactive", "rank", "position", "name_length", "name", "uscc")
_PINYIN_ORDER = ("inactive", "rank", "name_length", "name", "uscc")


class _Matches(Func):
    """``vector @@ query`` with a query written as tsquery text (lexemes quoted, never parsed)."""

    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def _matches(field: str, tsquery: str) -> _Matches:
    return _Matches(F(field), Cast(Value(tsquery), output_field=SearchQueryField()))


def _matches_unindexed(field: str, tsquery: str) -> Func:
    """The same test as a function call, which the planner never turns into an index condition: a
    re-check of the rows the index found (phrases, common lexemes left out of the index query)."""
    return Func(
        F(field),
        Cast(Value(tsquery), output_field=SearchQueryField()),
        function="ts_match_vq",
        output_field=BooleanField(),
    )


def _contains_any(field: str, variants: tuple[str, ...]) -> Q:
    q = Q()
    for variant in variants:
        q |= Q(GreaterThan(StrIndex(field, Value(variant)), 0))
    return q


def _starts_any(variants: tuple[str, ...]) -> Q:
    """The normalised name begins with one of the variants."""
    q = Q()
    for variant in variants:
        q |= Q(search_name__startswith=variant)
    return q


def _by_former_name(
    probe: QuerySet[Enterprise], tsquery: str, variants: tuple[str, ...]
) -> QuerySet[Enterprise]:
    """The enterprises with a former name that matches the query and holds one of its variants: both
    tests in one ``filter``, so that they are of the same former name, one join (two ``filter`` calls
    on a many-valued relation would join it twice, each test to a former name of its own)."""
    return probe.filter(
        _matches("former_names__search_vector", tsquery), _contains_any("former_names__search_name", variants)
    )


class _PatternOrder(OrderBy):
    """``ORDER BY column USING ~<~``: the order of the names' ``text_pattern_ops`` index. (Django finds
    the expression of each ORDER BY term by the ``ASC`` or ``DESC`` after it, which ``USING`` cannot
    have: the comment gives it one.)"""

    template = "%(expression)s USING ~<~ /* ASC */"

    def __init__(self, field: str) -> None:
        super().__init__(F(field))


def _by_prefix(probe: QuerySet[Enterprise], variants: tuple[str, ...]) -> list[QuerySet[Enterprise]]:
    """The names that begin with a variant, one part per variant, each read in the order of the names'
    index (each cut at ``limit + 1`` by the caller). In that order the index's range is the plan whatever
    the planner estimates; unordered, the plan rested on the estimate of how many names begin with the
    query, which took the column a histogram of 1,000 buckets to get right at 10 M names (one of 100
    buckets is 100,000 names there, and the part then read the table instead of the index: 808 ms), and
    every search's planning decompressed that histogram again (a third of planning a name search, about
    0.4 ms; ``registry/migrations/0020``). The beginning is a range of the index (``_pattern_range``),
    not a ``LIKE``: the page's query is prepared with a generic plan, where a pattern that is a
    parameter is no index condition and the whole index was read for it (8 s at 1 M names)."""
    return [
        probe.filter(_pattern_range(variant)).order_by(_PatternOrder("search_name")) for variant in variants
    ]


class _PatternCompare(Func):
    """``column ~>=~ value`` or ``column ~<~ value``: the order of the names' ``text_pattern_ops`` index."""

    template = "(%(expressions)s)"
    output_field = BooleanField()


def _pattern_range(variant: str) -> Q:
    """``search_name`` from ``variant`` to below ``variant`` followed by the last code point, in the order
    of the names' index: an index range even when ``variant`` is a parameter of a generic plan, which a
    ``LIKE`` is not. (The last code point is a noncharacter, in no name a person registers; a name
    holding it right after the query would be found as holding the query, not as beginning with it.)"""
    below = Func(Value(variant), template="(%(expressions)s || chr(1114111))")
    return Q(_PatternCompare(F("search_name"), Value(variant), arg_joiner=" ~>=~ ")) & Q(
        _PatternCompare(F("search_name"), below, arg_joiner=" ~<~ ")
    )


def _exact_names(variants: tuple[str, ...]) -> list[str]:
    return [variant + form for variant in variants for form in ("", *search.LEGAL_FORMS)]


def enterprise_search_plan(query: str) -> search.SearchPlan:
    """How a query will be searched (see ``registry.search.plan_query``)."""
    text = " ".join((query or "").split())
    code = uscc_codes.compact(text)
    if not text or search.looks_like_code(code):
        return search.plan_query(text)
    return search.plan_query(text, common=common_pairs(), common_pinyin=common_pinyin())


def enterprise_list(
    *, query: str = "", base: QuerySet[Enterprise] | None = None, limit: int = SEARCH_LIMIT
) -> QuerySet[Enterprise]:
    """Enterprises matching a code (whole or its start), a name, part of one, a former name or pinyin.

    Best first: active before revoked or deregistered, then the exact name (legal form aside), names
    that begin with the query, names that contain it (earlier and shorter first), former names.
    Filters belong in ``base``: each way of matching stops after ``limit + 1`` rows of it.
    """
    qs = Enterprise.objects.all() if base is None else base
    return _planned_list(enterprise_search_plan(query), qs, limit)


def _code_upper(code: str) -> str:
    """The highest code starting with ``code``: codes are 18 characters of 0-9 and A-Z."""
    return code.ljust(uscc_codes.LENGTH, "Z")


def _planned_list(
    plan: search.SearchPlan,
    qs: QuerySet[Enterprise],
    limit: int,
    *,
    code_upper: str | None = None,
    found_limit: int | None = None,
) -> QuerySet[Enterprise]:
    """``enterprise_list`` for a plan made already (or made of slots, ``enterprise_search_page``).

    ``found_limit``: the names holding the query anywhere (its pairs, or its pinyin) are read in the
    order of their ids, without the words' index, and only this many plus one: for a query the
    statistics say most names match (``enterprise_search_page``), the first few found are as good as
    any, and reading the index for them would mean reading every match. They are then ordered after
    the rest, by their ids (``ranking``'s ``first_found``)."""
    # The search documents stay in the database: a page of results never reads them.
    qs = qs.defer("search_vector", "search_pinyin")
    if plan.kind == "empty":
        return qs.order_by("uscc")
    if plan.kind == "too_short":
        return qs.none()
    probe = qs.order_by()
    if plan.kind == "code":
        if plan.is_whole_code:
            return qs.filter(uscc=plan.code)
        if len(plan.code) > uscc_codes.LENGTH:
            return qs.none()
        # A range on the unique index. Between a prefix and the prefix followed by Zs lie exactly the
        # codes that begin with it (18 characters of 0-9 and A-Z, in any collation). A LIKE beside it
        # would be exact too, but the planner multiplies the two estimates, expects a few hundred
        # rows where there are 20,000 (a province's prefix) and sorts them all instead of reading the
        # first 201 in the index's order: 80 ms instead of 1.
        upper = code_upper or _code_upper(plan.code)
        prefix = probe.filter(uscc__gte=plan.code, uscc__lte=upper).order_by("uscc")
        return qs.filter(pk__in=prefix.values("pk")[: limit + 1]).order_by("uscc")
    parts, ranking, order = _ways_of_matching(plan, probe, limit, found_limit)
    found = [part.values("pk")[:cut] for part, cut in parts]
    if not plan.pinyin:
        former = EnterpriseFormerName.objects.filter(enterprise=OuterRef("pk")).filter(
            _contains_any("search_name", plan.variants)
        )
        ranking["former_match"] = Subquery(former.order_by("-used_until", "name").values("name")[:1])
    return qs.filter(pk__in=found[0].union(*found[1:], all=True)).annotate(**ranking).order_by(*order)


def candidates(
    plan: search.SearchPlan, fields: tuple[str, ...], limit: int, *, found_limit: int | None = None
) -> QuerySet:
    """The candidates of a name or pinyin plan, each way of matching cut at its ``limit + 1``, as one
    union of rows with ``fields``, duplicates removed (a row is the same whichever way found it).

    ``_planned_list`` reads each candidate twice: its id from the way that found it, then its row again
    by that id, to rank it. Ranked from the rows the ways of matching read (``ranking``), a candidate is
    read once: for 渔业, 804 of 1,041 buffers were that second read. Django cannot rank over a union, so
    the caller reads the ranking's queryset from these rows (``compile_queryset``'s ``rows_from``)."""
    probe = Enterprise.objects.order_by()
    parts, _ranking, _order = _ways_of_matching(plan, probe, limit, found_limit)
    found = [part.values(*fields)[:cut] for part, cut in parts]
    return found[0].union(*found[1:])


def ranking(
    plan: search.SearchPlan, *, first_found: bool = False
) -> tuple[dict[str, object], tuple[str, ...]]:
    """The ranking columns of a name or pinyin plan's candidates, and their order, best first (what
    ``enterprise_list`` orders by). They read ``id``, ``status`` and ``search_name``, and for pinyin
    ``search_pinyin``.

    ``first_found``: the order of a page whose names holding the query anywhere were read only as far as
    the page (``candidates`` with a ``found_limit``). Those names come after the others (the exact
    names, the names beginning with the query, the letters and former names: whole sets, read from
    their indexes), in the order of their ids, in which they were read: a later page reads more of them,
    and the earlier pages stay as they were. Ranked among themselves, a later page's reading would put
    some before names an earlier page had shown, and show those again (57 of 200 names twice in ten
    pages of 有限)."""
    _parts, columns, order = _ways_of_matching(plan, Enterprise.objects.order_by(), 0, None)
    if first_found:
        found = _found_anywhere(plan)
        columns = {
            "found_anywhere": Case(When(found, then=Value(1)), default=Value(0), output_field=IntegerField()),
            "found_order": Case(When(found, then=F("id")), default=None, output_field=BigIntegerField()),
            **columns,
        }
        order = ("found_anywhere", "found_order", *order)
    return columns, order


def _found_anywhere(plan: search.SearchPlan) -> Q:
    """The names a page reads only as far as it needs, in the order of their ids (``found_limit``): those
    holding the query but not at their start (names), or read in pinyin without the letters (pinyin)."""
    if plan.pinyin:
        return Q(_matches_unindexed("search_pinyin", plan.pinyin_query)) & ~_contains_any(
            "search_name", plan.variants
        )
    return _contains_any("search_name", plan.variants) & ~_starts_any(plan.variants)


def _ways_of_matching(
    plan: search.SearchPlan, probe: QuerySet[Enterprise], limit: int, found_limit: int | None
) -> tuple[list[tuple[QuerySet, int]], dict[str, object], tuple[str, ...]]:
    """A name or pinyin plan's ways of matching, each with the number of rows it is cut at; the ranking
    columns; their order, best first (``_planned_list``)."""
    inactive = Case(When(status__in=_INACTIVE, then=Value(1)), default=Value(0), output_field=IntegerField())
    if plan.pinyin:
        return _pinyin_ways(probe, plan, limit, inactive, found_limit)
    variants = plan.variants
    if found_limit is None:
        by_name = probe.filter(
            _matches("search_vector", plan.tsquery), _contains_any("search_name", variants)
        )
    else:
        # Only as far as the page, in the order of the ids (``ranking``'s ``first_found``), and only
        # what the whole sets read from the indexes do not hold.
        by_name = probe.filter(_matches_unindexed("search_vector", plan.tsquery), _found_anywhere(plan))
        by_name = by_name.order_by("id")
    exact = _exact_names(variants)
    parts = [
        (probe.filter(search_name__in=exact), limit + 1),
        *((part, limit + 1) for part in _by_prefix(probe, variants)),
        (by_name, (limit if found_limit is None else found_limit) + 1),
        (_by_former_name(probe, plan.tsquery, variants), limit + 1),
    ]
    starts = _starts_any(variants)
    positions = [NullIf(StrIndex("search_name", Value(v)), 0) for v in variants]
    position = Coalesce(Least(*positions) if len(positions) > 1 else positions[0], Value(999))
    ranking = {
        "inactive": inactive,
        "rank": Case(
            When(search_name__in=exact, then=Value(0)),
            When(starts, then=Value(1)),
            When(_contains_any("search_name", variants), then=Value(2)),
            default=Value(FORMER_RANK),
            output_field=IntegerField(),
        ),
        "position": position,
        "name_length": Length("search_name"),
    }
    return parts, ranking, _NAME_ORDER


def _pinyin_ways(
    probe: QuerySet[Enterprise],
    plan: search.SearchPlan,
    limit: int,
    inactive: Case,
    found_limit: int | None = None,
) -> tuple[list[tuple[QuerySet, int]], dict[str, object], tuple[str, ...]]:
    """Letters: pinyin syllables or initials of any run of the name, or the letters written in it.

    Best first: active before inactive, then names that begin with the syllables (or the letters),
    names that hold them elsewhere, names that begin with the initials, the rest; shorter first.
    """
    parts = []
    if plan.pinyin_query and found_limit is not None:
        # Only as far as the page, in the order of the ids (``ranking``'s ``first_found``).
        by_pinyin = probe.filter(_found_anywhere(plan)).order_by("id")
        parts.append((by_pinyin, found_limit + 1))
    elif plan.pinyin_query:
        by_pinyin = probe.filter(_matches("search_pinyin", plan.pinyin_index_query))
        if plan.pinyin_index_query != plan.pinyin_query:
            by_pinyin = by_pinyin.filter(_matches_unindexed("search_pinyin", plan.pinyin_query))
        parts.append((by_pinyin, limit + 1))
    letters = _contains_any("search_name", plan.variants)
    parts.append((probe.filter(_matches("search_vector", plan.tsquery)).filter(letters), limit + 1))
    parts.append((_by_former_name(probe, plan.tsquery, plan.variants), limit + 1))
    # The first matching level wins: the levels are in ascending order.
    levels = [(0, Q(search_name__startswith=plan.variants[0])), (1, letters)]
    levels += [(level, _matches("search_pinyin", tsquery)) for level, tsquery in plan.pinyin_ranks]
    ranks = [When(condition, then=Value(level)) for level, condition in sorted(levels, key=lambda x: x[0])]
    ranking = {
        "inactive": inactive,
        "rank": Case(*ranks, default=Value(3), output_field=IntegerField()),
        "name_length": Length("search_name"),
    }
    return parts, ranking, _PINYIN_ORDER
