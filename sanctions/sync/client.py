"""Reading one page of a partner's change feed over HTTP (``GET <feed_url>?after=&limit=``)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings

from sanctions.models import PartnerPlatform
from sanctions.sync.keys import key_unseal

# A page of 1000 full records is a few MB; anything far larger is not a feed page.
MAX_PAGE_BYTES = 64 * 1024 * 1024


class FeedError(Exception):
    """The partner's feed could not be read, or did not answer with a feed page."""


def feed_page(partner: PartnerPlatform, *, after: str, limit: int) -> dict[str, Any]:
    """One page of the partner's feed: {"events": [...], "next": cursor}. Events are returned as
    received (each is checked on import); only the page's own shape is checked here."""
    if urllib.parse.urlsplit(partner.feed_url).scheme not in ("http", "https"):
        raise FeedError(f"{partner.code}: the feed URL must be http(s)")
    query = urllib.parse.urlencode({"limit": limit, **({"after": after} if after else {})})
    separator = "&" if "?" in partner.feed_url else "?"
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        f"{partner.feed_url}{separator}{query}",
        headers={
            "Accept": "application/json",
            "User-Agent": f"credit-registry-sync/{settings.PLATFORM_CODE}",
        },
    )
    try:
        key = key_unseal(partner.key_sealed)
    except ValueError as exc:
        raise FeedError(str(exc)) from None
    if key:
        request.add_header("X-Api-Key", key)
    try:
        with urllib.request.urlopen(request, timeout=settings.PARTNER_SYNC_TIMEOUT_SECONDS) as response:  # noqa: S310
            body = response.read(MAX_PAGE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        detail = exc.read(2000).decode(errors="replace")
        if exc.code == 410:
            raise FeedError(
                f"{partner.code}: our cursor is past the partner's retention (410): load its bulk "
                f"files, then reset the cursor. {detail}"
            ) from None
        raise FeedError(f"{partner.code}: HTTP {exc.code}: {detail[:500]}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise FeedError(f"{partner.code}: feed unreachable: {exc}") from None
    if len(body) > MAX_PAGE_BYTES:
        raise FeedError(f"{partner.code}: a page larger than {MAX_PAGE_BYTES} bytes")
    try:
        page = json.loads(body)
    except ValueError:
        raise FeedError(f"{partner.code}: the feed did not answer with JSON") from None
    if (
        not isinstance(page, dict)
        or not isinstance(page.get("events"), list)
        or not isinstance(page.get("next"), str)
        or len(page["next"]) > 200
    ):
        raise FeedError(f"{partner.code}: not a change-feed page (events, next)")
    return page
