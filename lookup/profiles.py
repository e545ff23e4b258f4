"""Public profiles: credit page bodies rendered ahead of their first view (``registry.profiles``).

``profiles_build`` renders enterprises' bodies in every language from the same one query a page
view uses (``lookup.credit_page``) and stores them, compressed, under the version it read before
the data; ``profile_body`` is the view's read: one row, by code, only if the profile is current (its
version, this deployment's format, the reference data's epoch, and not past its last valid day).
``profiles_verify`` renders a sample again and names every difference.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connections, router
from django.db.models import Min, Q
from django.utils import timezone, translation

from registry.compiled import server_cursor
from registry.models import Enterprise, PublicProfile
from registry.profiles.models import PublicProfileEpoch
from registry.profiles.store import profile_store, profile_versions, profiles_epoch
from sanctions.models import CreditRecord, Listing

from .credit_page import CreditPage, credit_page_body, credit_page_read

logger = logging.getLogger(__name__)

# Raise when the body's rendering changes in a way the files below do not show.
PROFILE_CODE_VERSION = "1"
# The portal's languages, each with its own body column.
COLUMNS = {"zh-hans": "body_zh", "en": "body_en"}
# What the rendered body depends on besides the data: a deployment that changes any of these has
# another format, and no profile written by an older one is shown.
_SOURCES = (
    "lookup/jinja2/lookup/credit_body.html",
    "lookup/credit_page/__init__.py",
    "lookup/credit_page/query.py",
    "lookup/credit_page/page.py",
    "lookup/credit_page/body.py",
    "lookup/masking.py",
    "lookup/profiles.py",
    "config/jinja2.py",
    "sanctions/lists/standing.py",
    "sanctions/lists/recognition.py",
    "registry/details/public.py",
    "registry/annual_reports/selectors.py",
    "locale/zh_Hans/LC_MESSAGES/django.mo",
)


def max_days() -> int:
    """How far ahead a profile may be valid at most (a bound, besides the dates in the data)."""
    return int(getattr(settings, "PUBLIC_PROFILE_MAX_DAYS", 30))


# --- Format and compression ----------------------------------------------------------------------------

_memo: dict[str, object] = {}


def _sample_page() -> CreditPage:
    """A fixed page with no records: its rendering in each language is the compression dictionary
    (most of a body is the same frame of headings and labels)."""
    enterprise = Enterprise(
        id=0,
        uscc="91330106MA2AXXXX0X",
        name="示例有限公司",
        entity_type="company",
        status="in_operation",
        legal_representative="张三",
        registered_capital=Decimal("1000"),
        established_on=dt.date(2000, 1, 1),
        domicile="浙江省杭州市西湖区",
        registration_authority="杭州市市场监督管理局",
        division_code="330106",
        industry="I",
        registration_number="",
        organization_code="",
        tax_number="",
        is_legacy_code=False,
        legacy_reason="",
        source="seed",
        updated_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
    )
    return CreditPage(
        enterprise=enterprise,
        records=[],
        listings=[],
        commitments=[],
        former_names=[],
        rating=None,
        division=None,
        today=dt.date(2000, 1, 1),
    )


def _dictionaries() -> dict[str, bytes]:
    found = _memo.get("dictionaries")
    if found is None:
        page = _sample_page()
        found = {}
        for language in COLUMNS:
            with translation.override(language):
                found[language] = credit_page_body(page).encode()
        _memo["dictionaries"] = found
    return found  # type: ignore[return-value]


def profile_format() -> str:
    """This deployment's format: a digest of what renders a body (and of the dictionaries)."""
    found = _memo.get("format")
    if found is None:
        digest = hashlib.sha256(PROFILE_CODE_VERSION.encode())
        root = Path(settings.BASE_DIR)
        for name in _SOURCES:
            path = root / name
            digest.update(name.encode())
            digest.update(path.read_bytes() if path.exists() else b"-")
        for language, dictionary in sorted(_dictionaries().items()):
            digest.update(language.encode() + dictionary)
        found = _memo["format"] = digest.hexdigest()[:32]
    return found  # type: ignore[return-value]


def compress(body: str, language: str) -> bytes:
    packer = zlib.compressobj(6, zdict=_dictionaries()[language])
    return packer.compress(body.encode()) + packer.flush()


def decompress(data: bytes, language: str) -> str:
    unpacker = zlib.decompressobj(zdict=_dictionaries()[language])
    return (unpacker.decompress(data) + unpacker.flush()).decode()


# --- Building --------------------------------------------------------------------------------------------


def valid_until(enterprise_ids: Sequence[int], *, today: dt.date) -> dict[int, dt.date]:
    """The last day each enterprise's page as of ``today`` stays right: the day before the next date
    on which one of its records or listings enters or leaves public view (``public_records``:
    a decision date, the end of publicity; ``active_listings``: a start, an end), at most
    ``max_days()`` ahead. Every record and listing counts, whatever its status: a date of one that is
    not public only ends a profile early."""
    bound = today + dt.timedelta(days=max_days())
    found = dict.fromkeys(enterprise_ids, bound)
    for model, first, second in (
        (CreditRecord, "decision_date", "publicity_end"),
        (Listing, "start_date", "end_date"),
    ):
        rows = (
            model.objects.filter(enterprise_id__in=list(enterprise_ids))
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


@dataclass
class BuildResult:
    stored: int = 0
    changed_meanwhile: int = 0  # the enterprise changed while its body was rendered: not stored
    missing: int = 0  # no such enterprise any more


def render_bodies(uscc: str, *, today: dt.date) -> dict[str, str] | None:
    """The body in each language as a first view on ``today`` renders it (None: no such code)."""
    page = credit_page_read(uscc=uscc, today=today)
    if page is None:
        return None
    bodies = {}
    for language in COLUMNS:
        with translation.override(language):
            bodies[language] = credit_page_body(page)
    return bodies


def profiles_build(enterprise_ids: Iterable[int], *, today: dt.date | None = None) -> BuildResult:
    """Render and store these enterprises' profiles (read from the primary: the command and the
    tasks run outside a request). The version and the epoch are read before the data."""
    today = today or timezone.localdate()
    ids = sorted({int(i) for i in enterprise_ids})
    result = BuildResult()
    if not ids:
        return result
    versions = profile_versions(ids)
    epoch = profiles_epoch()
    codes = dict(Enterprise.objects.filter(id__in=ids).values_list("id", "uscc"))
    until = valid_until(ids, today=today)
    format_ = profile_format()
    for enterprise_id in ids:
        uscc = codes.get(enterprise_id)
        bodies = render_bodies(uscc, today=today) if uscc else None
        if bodies is None:
            result.missing += 1
            continue
        stored = profile_store(
            enterprise_id=enterprise_id,
            version=versions[enterprise_id],
            format=format_,
            epoch=epoch,
            valid_until=until[enterprise_id],
            body_zh=compress(bodies["zh-hans"], "zh-hans"),
            body_en=compress(bodies["en"], "en"),
        )
        if stored:
            result.stored += 1
        else:
            result.changed_meanwhile += 1
    return result


def profiles_due(
    *, today: dt.date | None = None, after_id: int = 0, limit: int = 1000, shard: tuple[int, int] = (0, 1)
) -> list[int]:
    """Enterprises, in id order after ``after_id``, whose profile is missing or not current; with
    ``shard`` (k, n) only those whose id is k modulo n, so that n processes share the work."""
    today = today or timezone.localdate()
    number, shards = shard
    table = PublicProfile._meta.db_table
    epoch_table = PublicProfileEpoch._meta.db_table
    with connections[router.db_for_write(PublicProfile)].cursor() as cursor:
        cursor.execute(
            f"""
            SELECT e.id FROM registry_enterprise e
              LEFT JOIN {table} p ON p.enterprise_id = e.id
             WHERE e.id > %s AND e.id %% %s = %s
               AND (p.enterprise_id IS NULL OR p.built_version IS DISTINCT FROM p.version
                    OR p.format <> %s OR p.valid_until < %s
                    OR p.epoch <> COALESCE((SELECT epoch FROM {epoch_table} WHERE id = 1), 1))
             ORDER BY e.id LIMIT %s
            """,  # noqa: S608 - the models' tables
            [after_id, shards, number, profile_format(), today, limit],
        )
        return [row[0] for row in cursor.fetchall()]


# --- Reading (the credit page's first view) --------------------------------------------------------------------

_READS: dict[tuple[str, str], str] = {}


def _read_statement(alias: str, language: str) -> str:
    key = (alias, language)
    sql = _READS.get(key)
    if sql is None:
        table = PublicProfile._meta.db_table
        epoch_table = PublicProfileEpoch._meta.db_table
        sql = _READS[key] = f"""
            SELECT p.enterprise_id, e.name, p.{COLUMNS[language]}
              FROM registry_enterprise e JOIN {table} p ON p.enterprise_id = e.id
             WHERE e.uscc = $1 AND p.built_version = p.version AND p.format = $2 AND p.valid_until >= $3
               AND p.epoch = COALESCE((SELECT epoch FROM {epoch_table} WHERE id = 1), 1)
        """  # noqa: S608 - the models' tables
    return sql


@dataclass
class Profile:
    enterprise_id: int
    name: str
    body: str


def profile_body(uscc: str, *, today: dt.date | None = None) -> Profile | None:
    """The current profile of this code in the active language, or None (none, or not current:
    the caller renders the page from the database)."""
    language = translation.get_language()
    if language not in COLUMNS or not getattr(settings, "PUBLIC_PROFILES", True):
        return None
    connection = connections[router.db_for_read(PublicProfile)]
    with server_cursor(connection, prepare=True) as cursor:
        cursor.execute(
            _read_statement(connection.alias, language),
            [uscc, profile_format(), today or timezone.localdate()],
        )
        row = cursor.fetchone()
    if row is None or row[2] is None:
        return None
    return Profile(enterprise_id=row[0], name=row[1], body=decompress(bytes(row[2]), language))


class StaleProfile(AssertionError):
    """A profile was about to show what the page, rendered from the database, does not."""


def profile_check(uscc: str, body: str) -> None:
    """With ``PUBLIC_PROFILE_CHECK`` (the test suite): render the page from the database as well and
    fail if the profile about to be shown differs, so that every test which changes what is public
    and then views the page checks that the change reached the profile.

    The profile and the page are two reads, not one snapshot: a change that commits between them (or
    that a replica replays between them) shows on the page and not in the profile read before it. That
    change emptied the profile in its own transaction, so the profile is read once more: only one that
    is still current, with the same body, after the page showed something else is stale."""
    page = credit_page_read(uscc=uscc)
    if page is not None and credit_page_body(page) == body:
        return
    again = profile_body(uscc)
    if again is not None and again.body == body:
        raise StaleProfile(f"the public profile of {uscc} differs from its page rendered from the database")


# --- Verifying -------------------------------------------------------------------------------------------------


@dataclass
class Difference:
    uscc: str
    language: str
    reason: str


def profiles_verify(*, sample: int = 1000, today: dt.date | None = None) -> tuple[int, list[Difference]]:
    """Render a random sample of current profiles again and compare: (how many compared, the
    differences). A difference is a profile that would have shown something the page does not."""
    today = today or timezone.localdate()
    table = PublicProfile._meta.db_table
    epoch = profiles_epoch()
    with connections[router.db_for_write(PublicProfile)].cursor() as cursor:
        cursor.execute(
            f"""
            SELECT p.enterprise_id, e.uscc, p.version, p.body_zh, p.body_en
              FROM {table} p JOIN registry_enterprise e ON e.id = p.enterprise_id
             WHERE p.built_version = p.version AND p.format = %s AND p.valid_until >= %s AND p.epoch = %s
             ORDER BY random() LIMIT %s
            """,  # noqa: S608 - the model's table
            [profile_format(), today, epoch, sample],
        )
        rows = cursor.fetchall()
    differences = []
    for enterprise_id, uscc, version, body_zh, body_en in rows:
        bodies = render_bodies(uscc, today=today)
        found = []
        for language, stored in (("zh-hans", body_zh), ("en", body_en)):
            if bodies is None:
                found.append(Difference(uscc, language, "the enterprise has no page"))
            elif decompress(bytes(stored), language) != bodies[language]:
                found.append(Difference(uscc, language, "the stored body differs from the page"))
        # A change committed while the sample was compared invalidated the profile: not a difference.
        if found and PublicProfile.objects.filter(pk=enterprise_id, version=version).exists():
            differences.extend(found)
    return len(rows), differences


__all__ = [
    "Profile",
    "compress",
    "decompress",
    "profile_body",
    "profile_format",
    "profiles_build",
    "profiles_due",
    "profiles_verify",
    "render_bodies",
    "valid_until",
]


# --- Keeping them current --------------------------------------------------------------------------------------

# Names a page shows that other tables hold: saving one of these fields changes every page that
# shows it, so the epoch is raised (every profile is rendered again by the nightly job meanwhile
# pages are rendered from the database). Saves of other fields (a plan's status) leave it.
_REFERENCE_FIELDS = {
    ("registry", "agency"): {"name", "uscc"},
    ("registry", "division"): {"full_name", "name", "level", "valid_until"},
    ("sanctions", "listkind"): {"name", "name_en", "nature"},
    ("sanctions", "publicityrule"): {"name", "legal_basis"},
    ("sanctions", "ratingmodel"): {"name", "is_default"},
    ("sanctions", "inspectionplan"): {"title", "agency", "agency_id"},
}
# Changed enterprises whose profiles are rendered again at once (on commit, by the worker); a
# larger change (an import) is left to ``profiles_build`` (the nightly job, or by hand).
REFRESH_CHUNK = 500


def _reference_saved(sender, instance=None, update_fields=None, **kwargs) -> None:
    from registry.profiles.store import profiles_epoch_bump

    shown = _REFERENCE_FIELDS[(sender._meta.app_label, sender._meta.model_name)]
    if update_fields is not None and not (set(update_fields) & shown):
        return
    profiles_epoch_bump()


def _invalidated(sender, enterprise_ids: list[int], **kwargs) -> None:
    """Queue the changed enterprises' profiles to be rendered again (after the commit)."""
    from registry.background import task_by_name

    task = task_by_name("lookup.tasks.profiles_refresh")
    if task.app.conf.task_always_eager and len(enterprise_ids) > REFRESH_CHUNK:
        return  # no worker: a large change is not rendered inside the request that made it
    for start in range(0, len(enterprise_ids), REFRESH_CHUNK):
        try:
            task.delay_or_log(enterprise_ids[start : start + REFRESH_CHUNK])
        except Exception:  # noqa: BLE001 - run eagerly; the change is committed, the page renders live
            logger.warning(
                "profiles: rendering again failed; the pages render from the database", exc_info=True
            )


def connect_signals() -> None:
    from django.apps import apps
    from django.db.models.signals import post_delete, post_save

    from registry.profiles.store import profiles_invalidated

    for app_label, model_name in _REFERENCE_FIELDS:
        model = apps.get_model(app_label, model_name)
        post_save.connect(_reference_saved, sender=model, dispatch_uid=f"profiles-epoch-{model_name}")
        post_delete.connect(_reference_saved, sender=model, dispatch_uid=f"profiles-epoch-del-{model_name}")
    profiles_invalidated.connect(_invalidated, dispatch_uid="profiles-refresh")


def profiles_build_due(
    *,
    today: dt.date | None = None,
    batch: int = 500,
    limit: int | None = None,
    progress=None,
    shard: tuple[int, int] = (0, 1),
) -> BuildResult:
    """Render every profile that is missing or not current, in id order, ``batch`` at a time (each
    batch reads versions, data and epoch afresh); ``progress(result, last_id)`` after each."""
    today = today or timezone.localdate()
    total = BuildResult()
    last = 0
    while limit is None or total.stored + total.changed_meanwhile + total.missing < limit:
        size = (
            batch
            if limit is None
            else min(batch, limit - (total.stored + total.changed_meanwhile + total.missing))
        )
        ids = profiles_due(today=today, after_id=last, limit=size, shard=shard)
        if not ids:
            break
        result = profiles_build(ids, today=today)
        total.stored += result.stored
        total.changed_meanwhile += result.changed_meanwhile
        total.missing += result.missing
        last = ids[-1]
        if progress is not None:
            progress(total, last)
    return total
