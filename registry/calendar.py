"""Working days: Monday to Friday, less public holidays, plus make-up working days.

Every statutory deadline (publish within N working days, decide an objection within 5 working
days, …) is counted here. A year whose State Council holiday notice is loaded (``CalendarYear``)
is counted with that notice's days (``CalendarDay``). A year without one is counted with the
holidays fixed by law (registry/statutory_holidays.py): its make-up working days are unknown
until the notice, so a deadline whose count crosses such a year is *provisional* and says so
wherever it is shown ("按法定节假日推算，待年度安排公布后核对").

A day in the last week of December is settled only once the next year's notice is loaded too:
a notice can move the days before its New Year (the 2019 notice made 29 December 2018 a working
day and 31 December a holiday).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.cache import cache

from .models import CalendarDay, CalendarYear
from .statutory_holidays import statutory_days

# v3: a calendar carries the deadlines counted with it (``deadlines``), which one cached before lacks.
_CACHE_KEY = "registry:calendar:v3"
# From this day of December on, the next year's notice may still move a day (see above).
_NEXT_NOTICE_REACHES_BACK_TO = 25
_DEADLINES_KEPT = 10_000  # per calendar: its memory stays bounded


@dataclass(frozen=True)
class WorkingCalendar:
    """The holidays and make-up days of the loaded notices, and which years have a notice.

    ``exceptions`` holds every ``CalendarDay`` (a loaded notice's days and any a registry
    administrator added by hand); the days of a year without a notice that are not in it come
    from the law. Shared between callers: never change it.
    """

    exceptions: dict[dt.date, bool] = field(default_factory=dict)
    notice_years: frozenset[int] = frozenset()
    # (start, days) -> Deadline, as ``working_day_deadline`` counted it with this calendar: a file's
    # records share a few hundred decision dates, each counted again for every record otherwise.
    deadlines: dict[tuple[dt.date, int], Deadline] = field(default_factory=dict, compare=False, repr=False)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        if day.year not in self.notice_years and day in statutory_days(day.year):
            return False
        return day.weekday() < 5

    def is_settled(self, day: dt.date) -> bool:
        """Whether the day's status comes from a loaded notice (not estimated from the law)."""
        if day.year not in self.notice_years:
            return False
        late_december = day.month == 12 and day.day >= _NEXT_NOTICE_REACHES_BACK_TO
        return not late_december or day.year + 1 in self.notice_years

    def unsettled_years(self, start: dt.date, end: dt.date) -> tuple[int, ...]:
        """The years without a notice that a count from ``start`` (excluded) to ``end`` crosses."""
        if end < start:
            start, end = end, start
        years = set()
        for year in range(start.year, end.year + 1):
            first = max(start + dt.timedelta(days=1), dt.date(year, 1, 1))
            last = min(end, dt.date(year, 12, 31))
            if first > last:
                continue
            if year not in self.notice_years:
                years.add(year)
            elif not self.is_settled(last):
                years.add(year + 1)
        return tuple(sorted(years))


class Deadline(NamedTuple):
    """A date counted in working days, and whether it rests on a year whose notice is not loaded."""

    date: dt.date
    provisional: bool
    unsettled_years: tuple[int, ...] = ()


def working_calendar() -> WorkingCalendar:
    """The calendar (from the cache). A caller counting many deadlines reads it once and passes it on."""
    found = cache.get(_CACHE_KEY)
    if found is None:
        found = WorkingCalendar(
            exceptions=dict(CalendarDay.objects.values_list("date", "is_working_day")),
            notice_years=frozenset(CalendarYear.objects.values_list("year", flat=True)),
        )
        cache.set(_CACHE_KEY, found, 3600)
    return found


# The name bulk callers have used (sanctions/records/importing): the same calendar.
calendar_exceptions = working_calendar


def calendar_changed() -> None:
    cache.delete(_CACHE_KEY)


def is_working_day(day: dt.date, calendar: WorkingCalendar | None = None) -> bool:
    return (calendar or working_calendar()).is_working_day(day)


def working_day_deadline(start: dt.date, days: int, calendar: WorkingCalendar | None = None) -> Deadline:
    """The date ``days`` working days after ``start`` (the start day itself does not count).

    ``provisional`` is true when the count crosses a year whose holiday notice is not loaded.
    """
    calendar = calendar or working_calendar()
    found = calendar.deadlines.get((start, days))
    if found is not None:
        return found
    current = start
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    while remaining:
        current += dt.timedelta(days=step)
        if calendar.is_working_day(current):
            remaining -= 1
    unsettled = calendar.unsettled_years(start, current) if current != start else ()
    found = Deadline(current, bool(unsettled), unsettled)
    if len(calendar.deadlines) < _DEADLINES_KEPT:
        calendar.deadlines[(start, days)] = found
    return found


def add_working_days(start: dt.date, days: int, calendar: WorkingCalendar | None = None) -> dt.date:
    """The date ``days`` working days after ``start``; ``working_day_deadline`` also says if provisional."""
    return working_day_deadline(start, days, calendar).date


def is_provisional(
    day: dt.date, since: dt.date | None = None, calendar: WorkingCalendar | None = None
) -> bool:
    """Whether a date counted in working days (from ``since``, if known) rests on an estimated year.

    For display: a stored deadline is provisional while a year it was counted across has no notice.
    """
    calendar = calendar or working_calendar()
    if since is None:
        return not calendar.is_settled(day)
    return bool(calendar.unsettled_years(since, day)) or not calendar.is_settled(day)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if end is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    calendar = working_calendar()
    count, current = 0, start
    while current < end:
        current += dt.timedelta(days=1)
        if calendar.is_working_day(current):
            count += 1
    return count
