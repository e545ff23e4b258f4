"""The portal's home page: the search box first, then the ways into the credit system, the latest
decisions in publicity ("double publicity", 双公示), and the rules a visitor asks about.

It is the portal's busiest page, and everything on it but the frame is the same for every visitor:
its body is rendered once per language and day and kept in the shared cache for
``PORTAL_HOME_CACHE_SECONDS`` (a minute by default), so a visit costs one cache read and no query.
The body can lag a change by that long: a newly published decision appears, and one that leaves
public view (revoked, repaired, publicity ended) disappears, within the minute. When it is due,
one process renders it again while the others keep serving the copy they have (no stampede of
identical queries on the database when the minute is up).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation

from sanctions.choices import RecordKind
from sanctions.lists.ratings import default_rating_model
from sanctions.lists.selectors import list_kinds_public
from sanctions.models import CreditRecord
from sanctions.records.selectors import public_records

LATEST_COUNT = 8  # decisions of each kind shown
_KEY = "home-body:{language}:{day}"
_STALE_FOR = 24 * 60 * 60  # how long a copy may still be served while another process renders the next


def cache_seconds() -> float:
    return float(settings.PORTAL_HOME_CACHE_SECONDS)


def latest_decisions_query(kind: str, *, count: int = LATEST_COUNT) -> QuerySet[CreditRecord]:
    """The most recently published decisions of a kind still in publicity, newest first.

    Only what the one visibility rule (``public_records``) lets anyone see, with the enterprise
    (its registered name, a public registration fact) and structured fields only: no free text.
    Read from the partial index ``record_public_latest`` (lookup migration 0005), not by sorting
    every published record.
    """
    return (
        public_records()
        .filter(kind=kind)
        .select_related("enterprise")
        .only(
            "id",
            "kind",
            "document_number",
            "decision_date",
            "published_at",
            "authority_name",
            "fine_amount",
            "certificate_name",
            "licence_category",
            "enterprise__uscc",
            "enterprise__name",
        )
        .order_by(F("published_at").desc(nulls_last=True), "-id")[:count]
    )


def latest_decisions(kind: str, *, count: int = LATEST_COUNT) -> list[CreditRecord]:
    return list(latest_decisions_query(kind, count=count))


def home_context() -> dict:
    """What the body shows: the latest decisions, the lists with their counts, the rating rules (four queries)."""
    model = default_rating_model()
    penalties = latest_decisions(RecordKind.PENALTY)
    for record in penalties:  # in 10,000 yuan, as the national format has it: 5, 0.5, 120 (never 1.2E+2)
        record.fine_display = (
            None if record.fine_amount is None else format(record.fine_amount.normalize(), "f")
        )
    return {
        "penalties": penalties,
        "licences": latest_decisions(RecordKind.LICENCE),
        "list_kinds": list(list_kinds_public().order_by("nature", "name")),
        "rating_model": model,
        "rating_rules": list(model.rules.select_related("list_kind").order_by("order", "id"))
        if model
        else [],
        "latest_count": LATEST_COUNT,
    }


def home_body() -> str:
    """The rendered body of the home page in the active language, from the cache when fresh."""
    key = _KEY.format(language=translation.get_language(), day=timezone.localdate().isoformat())
    cached = cache.get(key)
    now = time.time()
    if cached is not None:
        html, fresh_until = cached
        # Due: one process (the one that takes the short lock) renders it again; the others serve this copy.
        if fresh_until > now or not cache.add(f"{key}:rendering", 1, 30):
            return html
    html = render_to_string("lookup/_home_body.html", home_context())
    cache.set(key, (html, now + cache_seconds()), _STALE_FOR)
    cache.delete(f"{key}:rendering")
    return html
