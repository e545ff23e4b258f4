"""A page of search results with their number, in one query compiled once per shape of query
(``enterprise_search_page``), and when a query is "more than" ``SEARCH_LIMIT`` without counting."""

from __future__ import annotations

import functools
import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field, replace

from django.db import connection, router
from django.db.models import Count, QuerySet, Window

from .. import search, search_sample
from .. import uscc as uscc_codes
from ..choices import EnterpriseStatus, EntityType
from ..compiled import CompiledQuery, QueryShapes, slot
from ..models import Enterprise, EnterpriseFormerName
from .column_stats import _unmeasured, common_pairs, common_pinyin, names_estimate
from .search_list import (
    FORMER_RANK,
    SEARCH_LIMIT,
    _code_upper,
    _contains_any,
    candidates,
    enterprise_search_plan,
    ranking,
)

# A query the statistics expect in this many times SEARCH_LIMIT names is "more than" without counting.
KNOWN_MORE_FACTOR = 20
# ... and its names are the first found in the table (in the order of their ids, by the primary key,
# not by the words' index) when that is the cheaper way to a
# page: reading the table finds a page's 21 names after 21 / share of them, at about 1.5 µs each (a
# scan with the tsquery and substring filters); the index builds a bitmap of share × names entries,
# at about 0.34 µs each (64 ms for 188,502 at 10 M). The table is cheaper from a share of
# sqrt(FIRST_FOUND_BREAK_EVEN / names): 1% at 1 M names, 0.3% at 10 M (docs/scaling.md, §3).
FIRST_FOUND_BREAK_EVEN = 93.0
# A query of several lexemes the search sample finds in this many times SEARCH_LIMIT names, counted two
# standard deviations below its count there, is "more than" too (``_sampled_more``). That bound is
# already near certain; the margin left covers the names registered since the sample was drawn (a
# night's). With the statistics' margin of 20, initials in 0.44% of the sample (``zyxz``: its bound
# 0.34%, that line 0.40%) were read from a bitmap of 40,000 names, the slowest searches of their kind
# (23-32 ms in process).
SAMPLED_MORE_FACTOR = 5


@dataclass
class SearchHit:
    """One result of a search page: what the page and the API show of an enterprise."""

    id: int
    uscc: str
    name: str
    status: str
    entity_type: str
    division_code: str
    rank: int | None = None
    former_match: str | None = None  # the former name that matched, when one did
    joined: tuple = ()  # the columns a ``Joined`` added to the row, when one was asked for

    @property
    def pk(self) -> int:
        return self.id

    def get_status_display(self) -> str:
        return str(EnterpriseStatus(self.status).label)

    def get_entity_type_display(self) -> str:
        return str(EntityType(self.entity_type).label)


@dataclass
class SearchPage:
    """A page of results, and their number: exact up to ``SEARCH_LIMIT``, past it only "more than"."""

    hits: list[SearchHit]
    number: int  # the page shown, 1 or more (the last one when a later page was asked for)
    count: int  # the results found, ``SEARCH_LIMIT`` + 1 meaning more than ``SEARCH_LIMIT``

    @property
    def is_capped(self) -> bool:
        return self.count > SEARCH_LIMIT


@dataclass(frozen=True)
class Joined:
    """Columns of another table joined to each row of a page, by the enterprise's id, in the page's own
    query: what the page then shows of each result (its standing, ``sanctions.lists.standing_facts``)
    costs no second statement. ``template`` wraps the page's query, written ``{query}``: it must keep
    the page's columns first and in its order (ordering by ``page_row``, the row's place in the page,
    which the page's query is given), then add ``width`` columns, and refer to its own parameters as
    ``{0}``, ``{1}`` … (``params``, as ``CompiledQuery.params``; their values in ``values``). ``key``
    names the template among the compiled queries (one per shape of page and template)."""

    key: Hashable
    template: str
    params: tuple
    width: int
    values: Mapping[str, object] = field(default_factory=dict)

    def around(self, query: CompiledQuery) -> CompiledQuery:
        # The page's own SQL, compiled from its queryset.
        inner = f"SELECT page.*, row_number() OVER () AS page_row FROM ({query.sql}) AS page"  # noqa: S608
        return replace(query, sql=inner).around(self.template, self.params)


_HIT_FIELDS = ("id", "uscc", "name", "status", "entity_type", "division_code")
# And what the ranking reads (``ranking``): pinyin's also reads ``search_pinyin``.
_CANDIDATE_FIELDS = (*_HIT_FIELDS, "search_name")
# Prepared, planned once per connection and shape for any values (a generic plan; ``CompiledQuery``):
# planning a page's query for its values cost PostgreSQL about as much as running it (0.5-0.8 ms of
# 1.9-2.8 at 1 M names). The plan rests on the application's choices, not on estimates: the index query
# leaves common lexemes out (``registry.search``), a query in many names is read in the order of the ids
# (``_known_more``), a name's beginning is a range of its index (``search_list._pattern_range``).
_page_queries = QueryShapes(prepare=True)


@functools.cache
def _code_page() -> CompiledQuery:
    """A page of the codes that begin with a prefix, and their number (up to ``SEARCH_LIMIT`` + 1).

    The codes are read from the unique index alone (an index-only scan: a range between the prefix and
    the prefix followed by Zs, ``_planned_list``) and counted there; only the page's own rows are then
    read from the table, by their codes. Reading the whole row of every code counted cost a search by
    a province's or a city's prefix 201 rows from as many table pages; the page's plan does not depend
    on the prefix, so it is prepared."""
    meta = Enterprise._meta
    table = connection.ops.quote_name(meta.db_table)
    uscc = connection.ops.quote_name(meta.get_field("uscc").column)
    columns = ", ".join(f"e.{connection.ops.quote_name(meta.get_field(f).column)}" for f in _HIT_FIELDS)
    # Names from the model, values as parameters.
    sql = (
        f"SELECT {columns}, p.result_count FROM ("  # noqa: S608
        f"SELECT {uscc}, COUNT(*) OVER () AS result_count FROM ("
        f"SELECT {uscc} FROM {table} WHERE {uscc} >= $1 AND {uscc} <= $2 ORDER BY {uscc} LIMIT $3"
        f") AS found ORDER BY {uscc} OFFSET $4 LIMIT $5"
        f") AS p JOIN {table} AS e ON e.{uscc} = p.{uscc} ORDER BY e.{uscc}"
    )
    params = (
        ("whole", "code"),
        ("whole", "upper"),
        ("const", SEARCH_LIMIT + 1),
        ("whole", "offset"),
        ("whole", "per_page"),
    )
    return CompiledQuery(sql, params, prepare=True)


def _slotted(plan: search.SearchPlan) -> tuple[tuple, search.SearchPlan, dict[str, object]]:
    """The plan's shape, the plan with slots for its values, and the values."""
    if plan.kind == "code":
        values = {"code": plan.code, "upper": _code_upper(plan.code)}
        return ("code",), replace(plan, code=slot("code")), values
    values = {"tsquery": plan.tsquery} | {f"v{i}": v for i, v in enumerate(plan.variants)}
    slotted = replace(
        plan, tsquery=slot("tsquery"), variants=tuple(slot(f"v{i}") for i in range(len(plan.variants)))
    )
    if not plan.pinyin:
        return ("name", len(plan.variants)), slotted, values
    same = plan.pinyin_index_query == plan.pinyin_query
    values |= {"pq": plan.pinyin_query, "pi": plan.pinyin_index_query}
    values |= {f"r{i}": tsquery for i, (_, tsquery) in enumerate(plan.pinyin_ranks)}
    slotted = replace(
        slotted,
        pinyin_query=slot("pq") if plan.pinyin_query else "",
        pinyin_index_query=slot("pq") if same else slot("pi"),
        pinyin_ranks=tuple((level, slot(f"r{i}")) for i, (level, _) in enumerate(plan.pinyin_ranks)),
    )
    shape = (
        "pinyin",
        len(plan.variants),
        bool(plan.pinyin_query),
        same,
        tuple(lv for lv, _ in plan.pinyin_ranks),
    )
    return shape, slotted, values


def enterprise_search_page(
    *,
    query: str,
    number: int = 1,
    per_page: int = 20,
    plan: search.SearchPlan | None = None,
    joined: Joined | None = None,
) -> SearchPage | None:
    """A page of ``enterprise_list(query=query)`` with the number of results, in one query whose SQL is
    compiled once per shape of query (``registry.compiled``); ``None`` for what it does not page (an
    empty, too short or whole code, a code too long, letters Django would have escaped).

    The number comes from a window over the candidates, which each way of matching bounds at
    ``SEARCH_LIMIT + 1``: exact up to the limit, ``SEARCH_LIMIT + 1`` ("more than") past it. A query
    the column statistics say is in many names (two characters or one pinyin lexeme counted in more
    than ``KNOWN_MORE_FACTOR`` times ``SEARCH_LIMIT`` names: 有限, 公司, 科技, ``kj`` …) is "more than" at
    once, and the names holding it anywhere are the first found in the table in the order of their
    ids, only as many as the page needs, instead of every match read from the index to keep 201 of
    them; they come after the exact names and those beginning with the query, in that order, so that
    each page follows the one before it (``search_list.ranking``'s ``first_found``).

    ``joined``: columns of another table for each result, read in the same query (``SearchHit.joined``).
    """
    plan = plan or enterprise_search_plan(query)  # the caller's plan of the same query, when it has one
    if plan.kind not in ("name", "code") or plan.is_whole_code or len(plan.code) > uscc_codes.LENGTH:
        return None
    shape, slotted, values = _slotted(plan)
    using = router.db_for_read(Enterprise)
    number = max(1, number)
    # The former name a result matched is read for the page's rows matched by a former name only
    # (``_former_matches``), not by a subquery run for every candidate the page was ranked among.
    extra = ("rank",) if shape[0] == "name" else ()
    known_more = _known_more(plan.known_share, names_estimate()) or _sampled_more(plan, names_estimate())

    def fetch(page: int) -> list[tuple]:
        offset = (page - 1) * per_page
        found_limit = min(SEARCH_LIMIT, offset + per_page) if known_more else None
        key = (*shape, offset, per_page, found_limit)
        if shape[0] == "code":
            return _run(_code_page(), values | {"offset": offset, "per_page": per_page})

        # Names and pinyin: ranked, counted and cut to the page from the rows the ways of matching
        # read (``candidates``), not from the table again.
        def found() -> QuerySet:
            fields = (*_CANDIDATE_FIELDS, "search_pinyin") if plan.pinyin else _CANDIDATE_FIELDS
            return candidates(slotted, fields, SEARCH_LIMIT, found_limit=found_limit)

        def page_of() -> QuerySet:
            columns, order = ranking(slotted, first_found=found_limit is not None)
            ranked = Enterprise.objects.annotate(**columns, result_count=Window(Count("pk")))
            rows = ranked.order_by(*order).values_list(*_HIT_FIELDS, *extra, "result_count")
            return rows[offset : offset + per_page]

        return _run(_page_queries.get(key, page_of, using, rows_from=found), values)

    def _run(compiled: CompiledQuery, values: dict[str, object]) -> list[tuple]:
        if joined is None:
            return compiled.fetch(using, values)
        rows = _joined_query(compiled, joined).fetch(using, values | dict(joined.values))
        # The page's own columns, then the joined ones (``page_row`` between them is the order).
        return [(*row[: -joined.width - 1], row[-joined.width :]) for row in rows]

    # With a ``Joined``, its columns are one tuple after the page's count.
    count_at = -1 if joined is None else -2
    try:
        rows = fetch(number)
        if not rows and number > 1:
            first = fetch(1)
            last = -(-min(first[0][count_at], SEARCH_LIMIT + 1) // per_page) if first else 1
            number = max(1, last)
            rows = fetch(number) if first else []
    except ValueError:  # a value that cannot go into its slot: not a query a person types
        return None
    width = len(_HIT_FIELDS)
    hits = [
        SearchHit(*row[:width], *row[width:count_at], **({} if joined is None else {"joined": row[-1]}))
        for row in rows
    ]
    by_former = [hit.id for hit in hits if hit.rank == FORMER_RANK]
    if by_former:
        matches = _former_matches(by_former, plan.variants)
        for hit in hits:
            hit.former_match = matches.get(hit.id)
    count = rows[0][count_at] if rows else 0
    if known_more and rows:
        count = SEARCH_LIMIT + 1
    return SearchPage(hits=hits, number=number, count=min(count, SEARCH_LIMIT + 1))


_JOINED: dict[tuple[str, Hashable], CompiledQuery] = {}


def _joined_query(compiled: CompiledQuery, joined: Joined) -> CompiledQuery:
    """``compiled`` with ``joined``'s columns, put together once per process (the page's SQL, the same
    string object every time, hashes once)."""
    key = (compiled.sql, joined.key)
    found = _JOINED.get(key)
    if found is None:
        if len(_JOINED) >= 512:
            _JOINED.clear()
        found = _JOINED[key] = joined.around(compiled)
    return found


def _known_more(share: float, names: float) -> bool:
    """A query measured in this share of ``names`` is "more than" ``SEARCH_LIMIT`` without counting, and
    its page is the first names found in the table rather than a bitmap of all of them from the index."""
    if share <= 0.0 or names <= 0.0:
        return False
    return share * names >= KNOWN_MORE_FACTOR * SEARCH_LIMIT and share >= math.sqrt(
        FIRST_FOUND_BREAK_EVEN / names
    )


def _index_share(plan: search.SearchPlan) -> float:
    """At most how large a share of the names the index's bitmap for the plan holds: per alternative,
    its rarest lexeme's share (measured, or below what the statistics measure), summed."""
    column = "search_pinyin" if plan.pinyin else "search_vector"
    shares = common_pinyin() if plan.pinyin else common_pairs()
    unmeasured = _unmeasured.get(column, 0.0)
    return sum(
        min((shares.get(lexeme, unmeasured) for lexeme in group), default=0.0) for group in plan.index_lexemes
    )


def _sampled_more(plan: search.SearchPlan, names: float) -> bool:
    """``_known_more`` for a query of several lexemes, whose share no statistic gives, from the search
    sample (``registry.search_sample``). The index would build a bitmap of share_index × names
    entries; reading the table finds a page after 21 / share_query rows. The table is the cheaper way
    when share_query ≥ FIRST_FOUND_BREAK_EVEN / (share_index × names) (for one lexeme the two shares
    are one: sqrt(93 / names) again), both as counted in the sample; and "more than" SEARCH_LIMIT must
    hold beyond doubt (``search_sample.share_at_least``)."""
    if plan.known_share or names <= 0.0 or plan.kind != "name":
        return False
    least = SAMPLED_MORE_FACTOR * SEARCH_LIMIT / names
    # The query's share is at most the index's: from the statistics, can the index's be large enough?
    if least >= 1.0 or _index_share(plan) < max(math.sqrt(FIRST_FOUND_BREAK_EVEN / names), least):
        return False
    size, index_hits, whole_hits = search_sample.sample_counts(plan)
    if search_sample.share_at_least(whole_hits, size) < least:
        return False
    # A count of a few dozen is off by a sixth or so: either way costs about the same there, and a
    # share far below the line is beyond doubt (it would have to be SIGMAS off and more).
    return whole_hits / size >= FIRST_FOUND_BREAK_EVEN / (index_hits / size * names)


def _former_matches(ids: list[int], variants: tuple[str, ...]) -> dict[int, str]:
    """For each of these enterprises, the former name holding one of ``variants`` that ``enterprise_list``
    would name (``former_match``: the one used last, then by name), in one query."""
    rows = (
        EnterpriseFormerName.objects.filter(enterprise_id__in=ids)
        .filter(_contains_any("search_name", variants))
        .order_by("enterprise_id", "-used_until", "name")
        .distinct("enterprise_id")
        .values_list("enterprise_id", "name")
    )
    return dict(rows)
