"""Building: the profiles rendered and stored (read from the primary), and which are due (missing or
not current), rendered in batches. How long each stays right is ``valid_until``, shared with the
standings' facts (``sanctions.lists.standing_facts``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone, translation

from registry.models import Enterprise, PublicProfile
from registry.profiles.store import due, profile_store, profile_versions, profiles_epoch
from sanctions.lists.standing_facts import standings_build, valid_until

from ..credit_page import credit_page_body, credit_page_read
from .format import COLUMNS, compress, profile_format


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
    tasks run outside a request), and their standings' facts first (``standings_build``, cheap:
    one query for all). The version and the epoch are read before the data."""
    today = today or timezone.localdate()
    ids = sorted({int(i) for i in enterprise_ids})
    result = BuildResult()
    if not ids:
        return result
    standings_build(ids, today=today)
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
    return due(
        PublicProfile,
        format=profile_format(),
        today=today or timezone.localdate(),
        after_id=after_id,
        limit=limit,
        shard=shard,
    )


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
