"""``partner_sync``: a run following a partner's feed from its stored position, one event per
transaction, its status kept on the partner."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from sanctions.models import PartnerPlatform

from .event_import import SyncOutOfStep, partner_event_import


@dataclass
class SyncResult:
    events: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    pages: int = 0
    error: str = ""


def partner_sync(
    *,
    partner: PartnerPlatform,
    fetch=None,
    limit: int = 200,
    max_events: int | None = None,
    pause: float = 0.0,
) -> SyncResult:
    """Follow the partner's feed from its stored position to its end (or ``max_events``), one
    event per transaction. A failure stops the run with the position at the last event applied; the
    next run goes on from there. The run's status is kept on the partner."""
    import time

    from sanctions.sync.client import FeedError, feed_page

    fetch = fetch or feed_page
    result = SyncResult()
    try:
        while max_events is None or result.events < max_events:
            partner.refresh_from_db()
            cursor, offset = partner.last_cursor, partner.page_offset
            page = fetch(partner, after=cursor, limit=limit)
            result.pages += 1
            events, next_cursor = page["events"], page["next"]
            if not events:
                break
            if offset >= len(events):  # only if the partner's page shrank: go on after it
                PartnerPlatform.objects.filter(pk=partner.pk).update(last_cursor=next_cursor, page_offset=0)
                continue
            for index in range(offset, len(events)):
                if max_events is not None and result.events >= max_events:
                    break
                last = index == len(events) - 1
                applied = partner_event_import(
                    partner=partner,
                    event=events[index],
                    page_cursor=cursor,
                    index=index,
                    next_cursor=next_cursor if last else None,
                )
                result.events += 1
                result.outcomes[applied.outcome] = result.outcomes.get(applied.outcome, 0) + 1
                if pause:
                    time.sleep(pause)
            if next_cursor == cursor:
                break
    except (FeedError, SyncOutOfStep) as exc:
        result.error = str(exc)
    except Exception as exc:  # noqa: BLE001 - recorded on the partner, then raised for the caller's log
        _finish(partner, result, f"{type(exc).__name__}: {exc}")
        raise
    _finish(partner, result, result.error)
    return result


def _finish(partner: PartnerPlatform, result: SyncResult, error: str) -> None:
    PartnerPlatform.objects.filter(pk=partner.pk).update(
        last_run_at=timezone.now(), last_status="error" if error else "ok", last_error=error[:4000]
    )
