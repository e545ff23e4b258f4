"""Working days: Monday to Friday, less public holidays, plus make-up working days (CalendarDay).

Every statutory deadline (publish within N working days, decide an objection within 5 working
days, …) is counted with ``add_working_days``.
"""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache

from .models import CalendarDay

_CACHE_KEY = "registry:calendar:v1"


def calendar_exceptions() -> dict[dt.date, bool]:
    """The holidays and make-up working days, by date (from the cache).

    A caller that counts many deadlines at once (a bulk import) reads it once and passes it to
    ``add_working_days``; the dict is shared: never change it.
    """
    found = cache.get(_CACHE_KEY)
    if found is None:
        found = dict(CalendarDay.objects.values_list("date", "is_working_day"))
        cache.set(_CACHE_KEY, found, 3600)
    return found


def calendar_changed() -> None:
    cache.delete(_CACHE_KEY)


def is_working_day(day: dt.date, exceptions: dict[dt.date, bool] | None = None) -> bool:
    exceptions = calendar_exceptions() if exceptions is None else exceptions
    if day in exceptions:
        return exceptions[day]
    return day.weekday() < 5


def add_working_days(start: dt.date, days: int, exceptions: dict[dt.date, bool] | None = None) -> dt.date:
    """The date ``days`` working days after ``start`` (the start day itself does not count)."""
    exceptions = calendar_exceptions() if exceptions is None else exceptions
    current = start
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    while remaining:
        current += dt.timedelta(days=step)
        if is_working_day(current, exceptions):
            remaining -= 1
    return current


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if end is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    exceptions = calendar_exceptions()
    count, current = 0, start
    while current < end:
        current += dt.timedelta(days=1)
        if is_working_day(current, exceptions):
            count += 1
    return count
