"""The facts an enterprise's credit standing rests on (``sanctions.lists.standing``): its listings in
force and the counts of its administrative penalties in publicity, read live from the records and
listings, or precomputed (``registry.PublicStanding``, one narrow row an enterprise).

A page of search results shows the standing of twenty enterprises. Read live, that is the records of
twenty enterprises that, in a registry of millions, no buffer holds; precomputed, it is twenty rows of
a table narrow enough to stay in memory (``docs/public-profiles.md``, "Standings"). A precomputed
row is read only while it is exactly current, under the same rules as a public profile:

- every service that changes what is public raises its version in its own transaction
  (``profiles_invalidate``), and a row built from data read before that change is not stored
  (``standings_store`` writes only at the version read before the data);
- it holds until the day before the next date on which one of the enterprise's records or listings
  enters or leaves public view (``valid_until``), since publicity starts and ends with no write;
- it was built by this deployment's code (``standing_format``) and under the current reference data
  (the epoch, raised when a list's name or nature changes).

Anything else (no row, a row invalidated and not yet built again) is read live, in the same query as
before; the change's refresh (on commit, by the worker) and the nightly job build it again. With
``PUBLIC_PROFILE_CHECK`` (the test suite) every precomputed row read is also compared with the live
facts, and a difference fails the request (``StaleStanding``).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections, router
from django.db.models import Count, Min, Q, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone

from registry.compiled import QueryShapes, server_cursor, slot
from registry.models import PublicStanding
from registry.profiles.models import PublicProfileEpoch
from registry.profiles.store import due, profiles_epoch, standing_versions, standings_store
from registry.selectors import Joined
from sanctions.choices import RecordKind, Severity
from sanctions.lists.recognition import STANDING, listing_unrecognised, record_unrecognised
from sanctions.lists.selectors import active_listings
from sanctions.models import CreditRecord, Listing
from sanctions.records.selectors import public_records

SERIOUS_SEVERITIES = (Severity.SERIOUS, Severity.SPECIFIC_SERIOUS)

# Raise when what the facts mean changes in a way the files below do not show.
STANDING_CODE_VERSION = "1"
# What the facts depend on besides the data: a deployment that changes any of these has another
# format, and no row built by an older one is read.
_SOURCES = (
    "sanctions/lists/standing_facts.py",
    "sanctions/lists/recognition.py",
    "sanctions/lists/selectors.py",
    "sanctions/records/selectors.py",
)

Listed = tuple[str, str, str, str]  # a listing in force: its list's code, name, English name, nature


@dataclass(frozen=True)
class Facts:
    """What one enterprise's standing rests on, on one day."""

    listings: tuple[Listed, ...] = ()
    penalties: int = 0
    serious: int = 0  # not exempt, serious or specific serious
    exempt: int = 0


NONE = Facts()


class StaleStanding(AssertionError):
    """A precomputed standing was about to be read that the live records and listings do not give."""


_memo: dict[str, str] = {}


def standing_format() -> str:
    """This deployment's format: a digest of the code that works the facts out."""
    found = _memo.get("format")
    if found is None:
        root = Path(settings.BASE_DIR)
        digest = hashlib.sha256(STANDING_CODE_VERSION.encode())
        for name in _SOURCES:
            digest.update(name.encode())
            path = root / name
            digest.update(path.read_bytes() if path.exists() else b"-")
        found = _memo["format"] = digest.hexdigest()[:16]
    return found


def _enabled() -> bool:
    return getattr(settings, "PUBLIC_PROFILES", True)


def max_days() -> int:
    """How far ahead a profile or a standing may be valid at most (a bound, besides the data's dates)."""
    return int(getattr(settings, "PUBLIC_PROFILE_MAX_DAYS", 30))


def valid_until(
    enterprise_ids: Sequence[int], *, today: dt.date, using: str | None = None
) -> dict[int, dt.date]:
    """The last day each enterprise's public record as of ``today`` stays right: the day before the
    next date on which one of its records or listings enters or leaves public view (``public_records``:
    a decision date, the end of publicity; ``active_listings``: a start, an end), at most
    ``max_days()`` ahead. Every record and listing counts, whatever its status: a date of one that is
    not public only ends it early."""
    bound = today + dt.timedelta(days=max_days())
    found = dict.fromkeys(enterprise_ids, bound)
    for model, first, second in (
        (CreditRecord, "decision_date", "publicity_end"),
        (Listing, "start_date", "end_date"),
    ):
        rows = (
            model.objects.using(using or router.db_for_write(model))
            .filter(enterprise_id__in=list(enterprise_ids))
            .filter(Q(**{f"{first}__gt": today}) | Q(**{f"{second}__gt": today}))
            .values("enterprise_id")
            .annotate(
                a=Min(first, filter=Q(**{f"{first}__gt": today})),
                b=Min(second, filter=Q(**{f"{second}__gt": today})),
            )
        )
        for row in rows:
            for date in (row["a"], row["b"]):
                if date is not None:
                    found[row["enterprise_id"]] = min(
                        found[row["enterprise_id"]], date - dt.timedelta(days=1)
                    )
    return found


# --- Live: from the records and listings --------------------------------------------------------------

# The read below is the same for every set of enterprises but for the ids and the day: compiled once
# per day and process (``registry.compiled``), it costs the page no Django compilation.
_live_queries = QueryShapes(prepare=True)
_IDS = RawSQL("SELECT unnest(%s::bigint[])", (slot("ids"),))


def _live_query(today: dt.date):
    """The listings in force of the enterprises (one row each, with its list), then their penalties in
    publicity counted (one row each, with an empty list code): one query for both."""
    listings = (
        active_listings(today=today)
        .filter(enterprise_id__in=_IDS)
        .exclude(listing_unrecognised(STANDING))
        .order_by()
        .annotate(total=Value(0), serious=Value(0), exempt=Value(0))
        .values_list(
            "enterprise_id",
            "list_kind__code",
            "list_kind__name",
            "list_kind__name_en",
            "list_kind__nature",
            "total",
            "serious",
            "exempt",
        )
    )
    not_exempt = Q(is_exempt=False)
    penalties = (
        public_records(today=today)
        .filter(enterprise_id__in=_IDS, kind=RecordKind.PENALTY)
        .exclude(record_unrecognised(STANDING))
        .order_by()
        .values("enterprise_id")
        .annotate(
            total=Count("id"),
            serious=Count("id", filter=not_exempt & Q(severity__in=SERIOUS_SEVERITIES)),
            exempt=Count("id", filter=Q(is_exempt=True)),
            code=Value(""),
            name=Value(""),
            name_en=Value(""),
            nature=Value(""),
        )
        .values_list("enterprise_id", "code", "name", "name_en", "nature", "total", "serious", "exempt")
    )
    return listings.union(penalties, all=True)


def live_facts(ids: Sequence[int], *, today: dt.date, using: str) -> dict[int, Facts]:
    """The facts of these enterprises read from their records and listings (one query); an
    enterprise with none of either is left out (``NONE``)."""
    listed: dict[int, list[Listed]] = {}
    counts: dict[int, tuple[int, int, int]] = {}
    query = _live_queries.get(today, lambda: _live_query(today), using)
    for enterprise_id, code, name, name_en, nature, total, serious, exempt in query.fetch(
        using, {"ids": list(ids)}
    ):
        if code:
            listed.setdefault(enterprise_id, []).append((code, name, name_en, nature))
        else:
            counts[enterprise_id] = (total, serious, exempt)
    return {
        i: Facts(tuple(sorted(listed.get(i, ()))), *counts.get(i, (0, 0, 0)))
        for i in set(listed) | set(counts)
    }


# --- Precomputed: one narrow row an enterprise ------------------------------------------------------------

_READS: dict[str, str] = {}


def _current(row: str, format_param: str, today_param: str) -> str:
    """The condition that a precomputed row (the table's row called ``row``) is current: built at its
    version, by this deployment's format, for today, under the current epoch. Every read of the table
    (``precomputed_facts``, ``joined_standings``) puts it in its SQL."""
    epoch = f"(SELECT epoch FROM {PublicProfileEpoch._meta.db_table} WHERE id = 1)"  # noqa: S608 - a model's table
    return (
        f"{row}.built_version = {row}.version AND {row}.format = {format_param}"
        f" AND {row}.valid_until >= {today_param} AND {row}.epoch = COALESCE({epoch}, 1)"
    )


def _read_statement(alias: str) -> str:
    sql = _READS.get(alias)
    if sql is None:
        table = PublicStanding._meta.db_table
        sql = _READS[alias] = f"""
            SELECT enterprise_id, listings, penalties, serious, exempt FROM {table} AS s
             WHERE enterprise_id = ANY($1::bigint[]) AND {_current("s", "$2", "$3")}
        """  # noqa: S608 - the models' tables
    return sql


def _listings_from(value) -> tuple[Listed, ...]:
    if not value:
        return ()
    if isinstance(value, str | bytes):  # a connection that does not load jsonb
        value = json.loads(value)
    return tuple(tuple(entry) for entry in value)  # type: ignore[misc]


def precomputed_facts(ids: Sequence[int], *, today: dt.date, using: str) -> dict[int, Facts]:
    """The current precomputed facts of these enterprises (one prepared statement); the others are
    left out: they are read live."""
    connection = connections[using]
    with server_cursor(connection, prepare=True) as cursor:
        cursor.execute(_read_statement(connection.alias), [list(ids), standing_format(), today])
        rows = cursor.fetchall()
    return {
        enterprise_id: Facts(_listings_from(listings), penalties, serious, exempt)
        for enterprise_id, listings, penalties, serious, exempt in rows
    }


def joined_standings(*, today: dt.date) -> Joined | None:
    """The current precomputed facts of each result of a search page, read in the page's own query
    (``registry.selectors.Joined``: one statement a page, not two), under the conditions of
    ``precomputed_facts``; ``joined_facts`` reads them from the results. ``None`` with the precomputed
    standings off."""
    if not _enabled():
        return None
    return Joined(
        key="standing",
        template=_joined_template(),
        params=(("whole", "standing_format"), ("whole", "standing_today")),
        width=5,
        values={"standing_format": standing_format(), "standing_today": today},
    )


@functools.cache
def _joined_template() -> str:
    # A lookup by the primary key for each of the page's rows, whatever the plan expects: a LATERAL
    # subquery with a LIMIT is never turned into a join the planner may hash. (A generic plan takes a
    # page of codes, whose LIMIT is a parameter, for 500 rows, and hashed the whole table against them
    # while it was small: 2.6 ms for 50,000 rows at 10 M enterprises, where 20 lookups take 0.1.)
    table = PublicStanding._meta.db_table
    return f"""
        SELECT found.*, s.listings, s.penalties, s.serious, s.exempt, s.enterprise_id IS NOT NULL
          FROM ({{query}}) AS found
          LEFT JOIN LATERAL (
                SELECT st.* FROM {table} AS st
                 WHERE st.enterprise_id = found.id AND {_current("st", "{0}", "{1}")}
                 LIMIT 1
               ) AS s ON true
         ORDER BY found.page_row
    """  # noqa: S608 - the models' tables


def joined_facts(hits: Iterable) -> dict[int, Facts]:
    """The facts ``joined_standings`` read for a page's results (``SearchHit.joined``), by id, for
    those whose row was current: ``standing_facts``'s ``known``."""
    found = {}
    for hit in hits:
        listings, penalties, serious, exempt, current = hit.joined
        if current:
            found[hit.id] = Facts(_listings_from(listings), penalties, serious, exempt)
    return found


def standing_facts(
    enterprise_ids: Iterable[int], *, today: dt.date | None = None, known: Mapping[int, Facts] | None = None
) -> dict[int, Facts]:
    """The facts of each enterprise's standing today, by id: precomputed where current, else live.
    ``known``: current precomputed facts read already (``joined_facts``), for the enterprises they
    hold; they are checked as the ones read here (``PUBLIC_PROFILE_CHECK``)."""
    ids = sorted({int(i) for i in enterprise_ids})
    if not ids:
        return {}
    today = today or timezone.localdate()
    using = router.db_for_read(Listing)
    if known is not None:
        found = {i: known[i] for i in ids if i in known}
    else:
        found = precomputed_facts(ids, today=today, using=using) if _enabled() else {}
    missing = [i for i in ids if i not in found]
    live = live_facts(missing, today=today, using=using) if missing else {}
    if found and getattr(settings, "PUBLIC_PROFILE_CHECK", False):
        _check(found, today=today, using=using)
    return {i: found.get(i) or live.get(i, NONE) for i in ids}


def _stale(found: dict[int, Facts], *, today: dt.date, using: str) -> list[int]:
    """The enterprises whose precomputed facts, read as ``found``, differ from the live ones. As for a
    profile, the two reads are not one snapshot; a change committed between them invalidated the row
    in its own transaction, so only one still current after the live read differs is stale."""
    live = live_facts(list(found), today=today, using=using)
    differing = [i for i, facts in found.items() if facts != live.get(i, NONE)]
    if not differing:
        return []
    again = precomputed_facts(differing, today=today, using=using)
    return [i for i in differing if again.get(i) == found[i]]


def _check(found: dict[int, Facts], *, today: dt.date, using: str) -> None:
    """With ``PUBLIC_PROFILE_CHECK``: the precomputed facts just read must be the live ones."""
    stale = _stale(found, today=today, using=using)
    if stale:
        raise StaleStanding(f"the precomputed standing of enterprises {stale} differs from their records")


# --- Building ------------------------------------------------------------------------------------------


@dataclass
class BuildResult:
    stored: int = 0
    changed_meanwhile: int = 0  # the enterprise changed while its facts were read: not stored


def _encoded(listings: tuple[Listed, ...]) -> str | None:
    return json.dumps([list(entry) for entry in listings], ensure_ascii=False) if listings else None


def standings_build(enterprise_ids: Iterable[int], *, today: dt.date | None = None) -> BuildResult:
    """Work out and store these enterprises' standing facts, read from the primary; the versions and
    the epoch are read before the data, so that a change committed meanwhile is not overwritten."""
    ids = sorted({int(i) for i in enterprise_ids})
    result = BuildResult()
    if not ids or not _enabled():
        return result
    today = today or timezone.localdate()
    using = router.db_for_write(PublicStanding)
    versions = standing_versions(ids)
    epoch = profiles_epoch()
    facts = live_facts(ids, today=today, using=using)
    until = valid_until(ids, today=today, using=using)
    rows = []
    for i in ids:
        found = facts.get(i, NONE)
        rows.append(
            (i, versions[i], until[i], _encoded(found.listings), found.penalties, found.serious, found.exempt)
        )
    result.stored = standings_store(rows, format=standing_format(), epoch=epoch)
    result.changed_meanwhile = len(rows) - result.stored
    return result


def standings_due(*, today: dt.date | None = None, after_id: int = 0, limit: int = 5000) -> list[int]:
    """Enterprises, in id order after ``after_id``, whose standing facts are missing or not current."""
    return due(
        PublicStanding,
        format=standing_format(),
        today=today or timezone.localdate(),
        after_id=after_id,
        limit=limit,
    )


def standings_build_due(
    *,
    today: dt.date | None = None,
    batch: int = 5000,
    progress: Callable[[BuildResult, int], None] | None = None,
) -> BuildResult:
    """Build every standing that is missing or not current, ``batch`` at a time in id order (each batch
    reads versions, epoch and data afresh); ``progress(result, last_id)`` after each."""
    today = today or timezone.localdate()
    total = BuildResult()
    last = 0
    if not _enabled():
        return total
    while ids := standings_due(today=today, after_id=last, limit=batch):
        result = standings_build(ids, today=today)
        total.stored += result.stored
        total.changed_meanwhile += result.changed_meanwhile
        last = ids[-1]
        if progress is not None:
            progress(total, last)
    return total


def standings_verify(*, sample: int = 1000, today: dt.date | None = None) -> tuple[int, list[int]]:
    """Compare a random sample of current precomputed standings with their live facts: (how many
    compared, the ids of those that differ and are still current after the comparison)."""
    today = today or timezone.localdate()
    using = router.db_for_write(PublicStanding)
    table = PublicStanding._meta.db_table
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT enterprise_id FROM {table} WHERE built_version = version AND format = %s "  # noqa: S608
            "AND valid_until >= %s AND epoch = %s ORDER BY random() LIMIT %s",
            [standing_format(), today, profiles_epoch(), sample],
        )
        ids = [row[0] for row in cursor.fetchall()]
    found = precomputed_facts(ids, today=today, using=using)
    return len(found), _stale(found, today=today, using=using) if found else []
