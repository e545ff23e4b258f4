"""A random sample of the enterprises' search documents, to tell how many names a query of several
lexemes matches before the search chooses how to read them (docs/scaling.md, §3).

The column statistics (``selectors.common_pairs``, ``selectors.common_pinyin``) give the share of
names holding one pair of characters or one pinyin lexeme. A query of several (三个字, 四个字,
``zhiyouxian``) asks the index for its rarer lexemes and checks the whole phrase on what it finds,
and no statistic says how many names hold the phrase. When the index would build a large bitmap for
it, what the index finds and what matches the whole query are counted in this sample instead:
``SEARCH_SAMPLE_SIZE`` names drawn at random, with the same GIN indexes, about a millisecond. From
the two shares the search tells whether reading the table in its order finds a page sooner than the
index's bitmap (``selectors.search_page._sampled_more``); the page holds the same kind of names either way, and
the sample only chooses the way.

The sample is a statistic, like ANALYZE's: drawn again every night (beat ``search-sample-nightly``),
after a seed, or by hand (``manage.py search_sample_refresh``). An empty or small sample estimates
nothing, and every search reads the index as before.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.db import connections, router, transaction

from . import search
from .models import Enterprise, SearchSample

# A sample smaller than this tells nothing worth a query (a new registry, the test database).
MIN_SAMPLE = 1_000
# How many standard deviations below the hits counted the share must still clear its threshold: the
# sample says "more" only for a query whose share is above it with near certainty.
SIGMAS = 2.0
# The sample's names the index query finds are counted up to this many (a tenth of the default
# sample): past it the index's bitmap is large whatever the exact number.
INDEX_HITS_MAX = 2_000
_TTL = 600.0  # the sample's size and the estimates made on it are kept this long in each process
_MEMO_MAX = 10_000
_state: tuple[float, int] = (float("-inf"), 0)  # (read at, rows in the sample)
_memo: dict[tuple, tuple[int, int, int]] = {}


def search_sample_refresh(*, size: int | None = None) -> int:
    """Draw the sample again: ``size`` enterprises at random (default ``SEARCH_SAMPLE_SIZE``), replacing
    the last sample in one transaction (searches use the old one until it commits). Returns the
    number drawn.

    The table's pages are sampled (``TABLESAMPLE SYSTEM``, about three times the rows wanted, read at
    random pages rather than the whole table: 1.5 to 5.5 s at 10 M enterprises), then ``size`` of
    their rows at random."""
    size = settings.SEARCH_SAMPLE_SIZE if size is None else size
    if size < 0:
        raise ValueError("size: a number of enterprises, 0 or more")
    table = Enterprise._meta.db_table
    sample = SearchSample._meta.db_table
    using = router.db_for_write(SearchSample)
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        rows = float(cursor.fetchone()[0])  # -1 before the table's first ANALYZE
        percent = 100.0 if rows <= 0 else min(100.0, 100.0 * 3 * size / rows)
        while True:
            cursor.execute(f"DELETE FROM {sample}")  # noqa: S608 - the model's table
            cursor.execute(
                f"INSERT INTO {sample} (enterprise_id, search_name, search_vector, search_pinyin) "  # noqa: S608 - the models' tables
                f"SELECT id, search_name, search_vector, search_pinyin FROM {table} TABLESAMPLE SYSTEM (%s) "
                "ORDER BY random() LIMIT %s",
                [percent, size],
            )
            drawn = cursor.rowcount
            # The table's size as last measured may be far off (rows added or deleted since): fewer
            # drawn than asked, a larger part of its pages is sampled, up to all of them.
            if drawn >= size or percent >= 100.0:
                break
            percent = min(100.0, percent * 4)
        cursor.execute(f"ANALYZE {sample}")
    forget()
    return drawn


def forget() -> None:
    """Read the sample's size again and drop the estimates made on the old one (this process)."""
    global _state
    _state = (float("-inf"), 0)
    _memo.clear()


def sample_size() -> int:
    """The names in the sample (read every ten minutes)."""
    global _state
    read_at, rows = _state
    now = time.monotonic()
    if now - read_at < _TTL:
        return rows
    rows = SearchSample.objects.using(router.db_for_read(Enterprise)).count()
    _memo.clear()
    _state = (now, rows)
    return rows


def share_at_least(hits: int, size: int) -> float:
    """The share of all names a count of ``hits`` among ``size`` names drawn at random shows with near
    certainty: ``SIGMAS`` standard deviations (about √hits for a binomial count) below the count
    (0.0: a sample too small to tell)."""
    if size < MIN_SAMPLE or hits <= 0:
        return 0.0
    return max(hits - SIGMAS * math.sqrt(hits), 0.0) / size


def sample_counts(plan: search.SearchPlan) -> tuple[int, int, int]:
    """Of the sample's names: how many there are, how many the index query finds (counted up to
    ``INDEX_HITS_MAX``) and how many of those match the whole query; kept per query for ten minutes.

    For letters the whole query is the pinyin phrase; for characters, the pairs and the substring (a
    lower bound of the search, which also matches former names and letters written in a name)."""
    size = sample_size()
    if size < MIN_SAMPLE:
        return size, 0, 0
    key = (plan.pinyin, plan.tsquery, plan.variants, plan.pinyin_query, plan.pinyin_index_query)
    counted = _memo.get(key)
    if counted is None:
        # One statement, written here rather than by the ORM: it runs before the search's own query.
        if plan.pinyin:
            column, asked, params = "search_pinyin", plan.pinyin_index_query, [plan.pinyin_query]
            whole = "ts_match_vq(search_pinyin, %s::tsquery)"
        else:
            column, asked, params = "search_name", plan.tsquery, list(plan.variants)
            whole = " OR ".join(["strpos(search_name, %s) > 0"] * len(plan.variants))
        index_column = "search_pinyin" if plan.pinyin else "search_vector"
        with connections[router.db_for_read(Enterprise)].cursor() as cursor:
            cursor.execute(
                f"SELECT count(*), count(*) FILTER (WHERE {whole}) FROM (SELECT {column} "  # noqa: S608 - no value in the text
                f"FROM {SearchSample._meta.db_table} WHERE {index_column} @@ %s::tsquery LIMIT %s) found",
                [*params, asked, INDEX_HITS_MAX],
            )
            index_hits, whole_hits = cursor.fetchone()
        counted = (size, index_hits, whole_hits)
        if len(_memo) >= _MEMO_MAX:
            _memo.clear()
        _memo[key] = counted
    return counted
