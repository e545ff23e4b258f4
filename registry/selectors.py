"""Reads of the registry. Views and the API ask here; nothing else builds these querysets."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

from django.contrib.postgres.search import SearchQueryField
from django.db import connections, router
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, Least, Length, NullIf, StrIndex
from django.db.models.lookups import GreaterThan
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from . import search, search_sample
from . import uscc as uscc_codes
from .choices import DivisionLevel, EnterpriseStatus, EntityType
from .compiled import QueryShapes, slot
from .models import Agency, Division, Enterprise, EnterpriseFormerName
from .reference_cache import reference_memo

_INACTIVE = [EnterpriseStatus.REVOKED, EnterpriseStatus.DEREGISTERED]
# Each way of matching (bigrams, former names, prefix, code prefix) contributes at most this many
# rows plus one: a result list is never counted past it, whatever the query ("more than N"). Every
# row of it is a heap visit, so it bounds the time of the commonest words (bench_search).
SEARCH_LIMIT = 200
# The rank of a result matched by a former name only (0: the exact name, 1: its start, 2: within it).
FORMER_RANK = 3
# A query the statistics expect in this many times SEARCH_LIMIT names is "more than" without counting.
KNOWN_MORE_FACTOR = 20
# ... and its names are the first found in the table (no index) when that is the cheaper way to a
# page: reading the table finds a page's 21 names after 21 / share of them, at about 1.5 µs each (a
# scan with the tsquery and substring filters); the index builds a bitmap of share × names entries,
# at about 0.34 µs each (64 ms for 188,502 at 10 M). The table is cheaper from a share of
# sqrt(FIRST_FOUND_BREAK_EVEN / names): 1% at 1 M names, 0.3% at 10 M (docs/scaling.md, §3).
FIRST_FOUND_BREAK_EVEN = 93.0
_COMMON_TTL = 600.0
_common_cache: tuple[float, dict[str, float]] = (float("-inf"), {})
_common_pinyin_cache: tuple[float, dict[str, float]] = (float("-inf"), {})
_names_estimate = 0.0
# Per column, the smallest share among the lexemes the statistics measured: one they did not measure
# is in fewer names than about this (ANALYZE keeps every lexeme above a cut-off).
_unmeasured: dict[str, float] = {}


def enterprise_get(*, uscc: str) -> Enterprise | None:
    code = uscc_codes.compact(uscc)
    if len(code) != uscc_codes.LENGTH:
        return None
    return Enterprise.objects.filter(uscc=code).prefetch_related("former_names").first()


def enterprise_in_path(uscc: str, *, view_name: str | None = None, **url_kwargs) -> Enterprise | HttpResponse:
    """The enterprise a URL names by its code: the one way every page and API resolves a USCC in a path.

    A code spelled otherwise (lower case, spaces, full-width characters) is sent to the canonical
    address when ``view_name`` is given (pages); without it (API, forms posted to a page) only the
    canonical spelling is found. An unknown code is a 404 either way.
    """
    code = uscc_codes.compact(uscc)
    if code != uscc:
        if view_name is not None and len(code) == uscc_codes.LENGTH:
            return redirect(view_name, uscc=code, **url_kwargs)
        raise Http404(_("No enterprise has this code."))
    enterprise = enterprise_get(uscc=code)
    if enterprise is None:
        raise Http404(_("No enterprise has this code."))
    return enterprise


def _common_elements(column: str) -> dict[str, float]:
    """Lexemes of a ``tsvector`` column with their share of names, as the statistics ANALYZE keeps
    measured them (its most common elements: down to about 0.5% of the names at 1 M and 10 M), which
    also tell how many names there are (``names_estimate``). Those in more than ``search.COMMON_SHARE``
    are left out of an index query (``registry.search``); every measured share can make a query
    "more than" at once (``enterprise_search_page``)."""
    global _names_estimate
    # Where the request reads the enterprises (a replica for the public, registry/db_router.py).
    with connections[router.db_for_read(Enterprise)].cursor() as cursor:
        cursor.execute(
            "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, c.reltuples "
            "FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename "
            "AND c.relnamespace = to_regnamespace(s.schemaname) "
            "WHERE s.schemaname = current_schema() AND s.tablename = %s AND s.attname = %s",
            [Enterprise._meta.db_table, column],
        )
        row = cursor.fetchone()
    if not row or not row[0]:
        _unmeasured[column] = 0.0
        return {}
    _names_estimate = max(float(row[2] or 0), 0.0)
    elements, freqs = row[0], row[1]
    # The frequencies are followed by their minimum, their maximum and (maybe) the null elements'.
    _unmeasured[column] = float(freqs[len(elements)]) if len(freqs) > len(elements) else 0.0
    return dict(zip(elements, freqs, strict=False))


def names_estimate() -> float:
    """How many enterprises the statistics counted when the common pairs were last read (0: unknown)."""
    return _names_estimate


def common_pairs() -> dict[str, float]:
    """Pairs in many names and their share, from the statistics ANALYZE keeps (re-read every 10 min)."""
    global _common_cache
    fetched_at, pairs = _common_cache
    now = time.monotonic()
    if now - fetched_at < _COMMON_TTL:
        return pairs
    pairs = search.Shares(dict.fromkeys(search.ALWAYS_COMMON, 1.0) | _common_elements("search_vector"))
    _common_cache = (now, pairs)
    return pairs


def common_pinyin() -> dict[str, float]:
    """Pinyin lexemes (syllable pairs, initial pairs and triples) in many names, as ``common_pairs``."""
    global _common_pinyin_cache
    fetched_at, lexemes = _common_pinyin_cache
    now = time.monotonic()
    if now - fetched_at < _COMMON_TTL:
        return lexemes
    lexemes = search.Shares(_common_elements("search_pinyin"))
    _common_pinyin_cache = (now, lexemes)
    return lexemes


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


def _by_former_name(
    probe: QuerySet[Enterprise], tsquery: str, variants: tuple[str, ...]
) -> QuerySet[Enterprise]:
    """The enterprises with a former name that matches the query and holds one of its variants: both
    tests in one ``filter``, so that they are of the same former name, one join (two ``filter`` calls
    on a many-valued relation would join it twice, each test to a former name of its own)."""
    return probe.filter(
        _matches("former_names__search_vector", tsquery), _contains_any("former_names__search_name", variants)
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
    table's order, without the index, and only this many plus one: for a query the statistics say
    most names match (``enterprise_search_page``), the first few found are as good as any, and
    reading the index for them would mean reading every match."""
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
    inactive = Case(When(status__in=_INACTIVE, then=Value(1)), default=Value(0), output_field=IntegerField())
    if plan.pinyin:
        return _pinyin_list(qs, probe, plan, limit, inactive, found_limit)
    if found_limit is None:
        by_name = probe.filter(_matches("search_vector", plan.tsquery))
    else:
        by_name = probe.filter(_matches_unindexed("search_vector", plan.tsquery))
    variants = plan.variants
    by_former = _by_former_name(probe, plan.tsquery, variants)
    exact = _exact_names(variants)
    by_name = by_name.filter(_contains_any("search_name", variants))
    starts = Q()
    for variant in variants:
        starts |= Q(search_name__startswith=variant)
    by_prefix = probe.filter(starts)
    by_exact = probe.filter(search_name__in=exact)
    found = by_exact.values("pk")[: limit + 1].union(
        by_prefix.values("pk")[: limit + 1],
        by_name.values("pk")[: (limit if found_limit is None else found_limit) + 1],
        by_former.values("pk")[: limit + 1],
        all=True,
    )
    former = EnterpriseFormerName.objects.filter(enterprise=OuterRef("pk")).filter(
        _contains_any("search_name", variants)
    )
    positions = [NullIf(StrIndex("search_name", Value(v)), 0) for v in variants]
    position = Coalesce(Least(*positions) if len(positions) > 1 else positions[0], Value(999))
    return (
        qs.filter(pk__in=found)
        .annotate(
            inactive=inactive,
            rank=Case(
                When(search_name__in=exact, then=Value(0)),
                When(starts, then=Value(1)),
                When(_contains_any("search_name", variants), then=Value(2)),
                default=Value(FORMER_RANK),
                output_field=IntegerField(),
            ),
            position=position,
            name_length=Length("search_name"),
            former_match=Subquery(former.order_by("-used_until", "name").values("name")[:1]),
        )
        .order_by("inactive", "rank", "position", "name_length", "name", "uscc")
    )


def _pinyin_list(
    qs: QuerySet[Enterprise],
    probe: QuerySet[Enterprise],
    plan: search.SearchPlan,
    limit: int,
    inactive: Case,
    found_limit: int | None = None,
) -> QuerySet[Enterprise]:
    """Letters: pinyin syllables or initials of any run of the name, or the letters written in it.

    Best first: active before inactive, then names that begin with the syllables (or the letters),
    names that hold them elsewhere, names that begin with the initials, the rest; shorter first.
    """
    parts = []
    if plan.pinyin_query and found_limit is not None:
        by_pinyin = probe.filter(_matches_unindexed("search_pinyin", plan.pinyin_query))
        parts.append(by_pinyin.values("pk")[: found_limit + 1])
    elif plan.pinyin_query:
        by_pinyin = probe.filter(_matches("search_pinyin", plan.pinyin_index_query))
        if plan.pinyin_index_query != plan.pinyin_query:
            by_pinyin = by_pinyin.filter(_matches_unindexed("search_pinyin", plan.pinyin_query))
        parts.append(by_pinyin.values("pk")[: limit + 1])
    letters = _contains_any("search_name", plan.variants)
    parts.append(
        probe.filter(_matches("search_vector", plan.tsquery)).filter(letters).values("pk")[: limit + 1]
    )
    parts.append(_by_former_name(probe, plan.tsquery, plan.variants).values("pk")[: limit + 1])
    found = parts[0].union(*parts[1:], all=True)
    # The first matching level wins: the levels are in ascending order.
    levels = [(0, Q(search_name__startswith=plan.variants[0])), (1, letters)]
    levels += [(level, _matches("search_pinyin", tsquery)) for level, tsquery in plan.pinyin_ranks]
    ranks = [When(condition, then=Value(level)) for level, condition in sorted(levels, key=lambda x: x[0])]
    return (
        qs.filter(pk__in=found)
        .annotate(
            inactive=inactive,
            rank=Case(*ranks, default=Value(3), output_field=IntegerField()),
            name_length=Length("search_name"),
        )
        .order_by("inactive", "rank", "name_length", "name", "uscc")
    )


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


_HIT_FIELDS = ("id", "uscc", "name", "status", "entity_type", "division_code")
_page_queries = QueryShapes()


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
    *, query: str, number: int = 1, per_page: int = 20, plan: search.SearchPlan | None = None
) -> SearchPage | None:
    """A page of ``enterprise_list(query=query)`` with the number of results, in one query whose SQL is
    compiled once per shape of query (``registry.compiled``); ``None`` for what it does not page (an
    empty, too short or whole code, a code too long, letters Django would have escaped).

    The number comes from a window over the candidates, which each way of matching bounds at
    ``SEARCH_LIMIT + 1``: exact up to the limit, ``SEARCH_LIMIT + 1`` ("more than") past it. A query
    the column statistics say is in many names (two characters or one pinyin lexeme counted in more
    than ``KNOWN_MORE_FACTOR`` times ``SEARCH_LIMIT`` names: 有限, 公司, 科技, ``kj`` …) is "more than" at
    once, and the names holding it anywhere are the first found in the table, only as many as the
    page needs, instead of every match read from the index to keep 201 of them.
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

        def build() -> QuerySet:
            found = _planned_list(
                slotted,
                Enterprise.objects.all(),
                SEARCH_LIMIT,
                code_upper=slot("upper"),
                found_limit=found_limit,
            )
            found = found.annotate(result_count=Window(Count("pk")))
            return found.values_list(*_HIT_FIELDS, *extra, "result_count")[offset : offset + per_page]

        return _page_queries.get((*shape, offset, per_page, found_limit), build, using).fetch(using, values)

    try:
        rows = fetch(number)
        if not rows and number > 1:
            first = fetch(1)
            last = -(-min(first[0][-1], SEARCH_LIMIT + 1) // per_page) if first else 1
            number = max(1, last)
            rows = fetch(number) if first else []
    except ValueError:  # a value that cannot go into its slot: not a query a person types
        return None
    hits = [SearchHit(*row[: len(_HIT_FIELDS)], *row[len(_HIT_FIELDS) : -1]) for row in rows]
    by_former = [hit.id for hit in hits if hit.rank == FORMER_RANK]
    if by_former:
        matches = _former_matches(by_former, plan.variants)
        for hit in hits:
            hit.former_match = matches.get(hit.id)
    count = rows[0][-1] if rows else 0
    if known_more and rows:
        count = SEARCH_LIMIT + 1
    return SearchPage(hits=hits, number=number, count=min(count, SEARCH_LIMIT + 1))


def _known_more(share: float, names: float) -> bool:
    """A query measured in this share of ``names`` is "more than" ``SEARCH_LIMIT`` without counting, and
    its page is the first names found in the table rather than a bitmap of all of them from the index."""
    if share <= 0.0 or names <= 0.0:
        return False
    return share * names >= KNOWN_MORE_FACTOR * SEARCH_LIMIT and share >= math.sqrt(
        FIRST_FOUND_BREAK_EVEN / names
    )


def _first_found_share(names: float) -> float:
    """The share of names from which a query's page is read first found in the table (``_known_more``)."""
    return max(math.sqrt(FIRST_FOUND_BREAK_EVEN / names), KNOWN_MORE_FACTOR * SEARCH_LIMIT / names)


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
    least = KNOWN_MORE_FACTOR * SEARCH_LIMIT / names
    # The query's share is at most the index's: from the statistics, can the index's be large enough?
    if least >= 1.0 or _index_share(plan) < _first_found_share(names):
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


def enterprise_code_suggestions(*, code: str) -> list[Enterprise]:
    """Registered enterprises whose valid code is one typing error away from ``code``; for 17
    characters also those whose code begins with them (a legacy code fails the check)."""
    neighbours = search.code_neighbours(code)
    wanted = Q(uscc__in=neighbours)
    code = uscc_codes.compact(code)
    if len(code) == uscc_codes.LENGTH - 1:
        wanted |= Q(uscc__gte=code, uscc__lte=code + "Z", uscc__startswith=code)
    elif not neighbours:
        return []
    return list(Enterprise.objects.filter(wanted).order_by("uscc")[:20])


@reference_memo
def _division_table() -> dict[str, tuple[str, str, int | None]]:
    """Every division, current or abolished (a few thousand rows), read once per process until the
    division table changes: a page of twenty search results in the API names twenty divisions."""
    rows = Division.objects.values_list("code", "full_name", "level", "valid_until")
    return {code: (full_name, level, valid_until) for code, full_name, level, valid_until in rows}


def _division_cached(code: str) -> tuple[str, str, int | None] | None:
    return _division_table().get(code)


_division_cached.cache_clear = _division_table.cache_clear  # type: ignore[attr-defined]


def division_describe(code: str) -> dict | None:
    """Name of a six-digit division code (also for divisions that no longer exist)."""
    if not code or len(code) != 6 or not code.isdigit():
        return None
    found = _division_cached(code)
    if found is None:
        return None
    full_name, level, valid_until = found
    return {"code": code, "name": full_name, "level": level, "valid_until": valid_until}


def division_list() -> QuerySet[Division]:
    return Division.objects.all()


def agency_list() -> QuerySet[Agency]:
    return Agency.objects.select_related("division", "parent")


def agency_get(*, uscc: str) -> Agency | None:
    return agency_list().filter(uscc=uscc_codes.compact(uscc)).first()


@reference_memo
def division_choices() -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """(provinces, prefectures) in use today as (code prefix, name): choices for the search filters.

    Read once per process until the division table changes (``registry.reference_cache``)."""
    rows = Division.objects.filter(
        valid_until__isnull=True, level__in=[DivisionLevel.PROVINCE, DivisionLevel.PREFECTURE]
    ).values_list("code", "level", "name", "full_name")
    provinces, prefectures = [], []
    for code, level, name, full_name in rows:
        if level == DivisionLevel.PROVINCE:
            provinces.append((code[:2], name))
        elif name not in {"市辖区", "县"} and "直辖" not in name:
            prefectures.append((code[:4], full_name))
    return tuple(provinces), tuple(prefectures)
