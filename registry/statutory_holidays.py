"""The public holidays fixed by law (《全国年节及纪念日放假办法》), for a year whose notice is not loaded.

Each year the General Office of the State Council publishes a notice (国务院办公厅关于YYYY年部分节假日
安排的通知) that places the holidays and moves weekends to make longer breaks. Until it is loaded
(``CalendarYear``), a year's working days are estimated from the law alone: the statutory holidays
themselves, and — because the law (art. 6) says a holiday of all citizens that falls on a Saturday
or Sunday is made up on a working day — one day off on the next free weekday for each holiday that
falls on a weekend or on another holiday. Make-up working days on weekends cannot be known before
the notice, so a date computed this way is provisional and is shown as such.

The versions of the law, each from 1 January of the year it took effect:

- 1999 (国务院令第270号): New Year 1 day; Spring Festival 3 (1st–3rd of the first lunar month);
  Labour Day 3 (1–3 May); National Day 3 (1–3 October).
- 2008 (国务院令第513号): Spring Festival 3 (lunar New Year's Eve, 1st and 2nd); Labour Day 1;
  Qingming, Dragon Boat and Mid-Autumn 1 day each.
- 2014 (国务院令第644号): Spring Festival 3 (1st–3rd).
- 2025 (国务院令第795号): Spring Festival 4 (New Year's Eve and 1st–3rd); Labour Day 2 (1–2 May).

Lunar dates come from ``lunardate`` (1900–2099); Qingming is the day of the solar term, computed
with the usual formula for the 20th and 21st centuries.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from lunardate import LunarDate

NEW_YEAR = "元旦"
SPRING_FESTIVAL = "春节"
QINGMING = "清明节"
LABOUR_DAY = "劳动节"
DRAGON_BOAT = "端午节"
MID_AUTUMN = "中秋节"
NATIONAL_DAY = "国庆节"
MAKE_UP_SUFFIX = "补休"

# (first year in force, source) of each version of the law.
LAW_VERSIONS = (
    (1999, "《全国年节及纪念日放假办法》（国务院令第270号）"),
    (2008, "《全国年节及纪念日放假办法》（2007年修订，国务院令第513号）"),
    (2014, "《全国年节及纪念日放假办法》（2013年修订，国务院令第644号）"),
    (2025, "《全国年节及纪念日放假办法》（2024年修订，国务院令第795号）"),
)


def law_for(year: int) -> str:
    """The version of the law in force in ``year`` (its citation)."""
    source = LAW_VERSIONS[0][1]
    for first_year, citation in LAW_VERSIONS:
        if year >= first_year:
            source = citation
    return source


def _lunar(year: int, month: int, day: int) -> dt.date | None:
    try:
        return LunarDate(year, month, day).to_solar_date()
    except ValueError:  # outside the tables (1900–2099)
        return None


def qingming(year: int) -> dt.date:
    """The day of the solar term Qingming (清明), about 4–6 April."""
    y = year % 100
    constant = 4.81 if year >= 2000 else 5.59  # the formula's constants for 2000–2099 and 1900–1999
    return dt.date(year, 4, int(y * 0.2422 + constant) - y // 4)


def _days_off(year: int) -> list[tuple[dt.date, str]]:
    """The statutory holidays of ``year`` in date order, as the law in force that year has them."""
    days: list[tuple[dt.date, str]] = [(dt.date(year, 1, 1), NEW_YEAR)]
    new_year = _lunar(year, 1, 1)
    if new_year is not None:
        if year >= 2025:
            offsets = (-1, 0, 1, 2)
        elif year >= 2014 or year < 2008:
            offsets = (0, 1, 2)
        else:
            offsets = (-1, 0, 1)
        days += [(new_year + dt.timedelta(days=n), SPRING_FESTIVAL) for n in offsets]
    if year >= 2008:
        days.append((qingming(year), QINGMING))
    labour = 3 if year < 2008 else 2 if year >= 2025 else 1
    days += [(dt.date(year, 5, 1 + n), LABOUR_DAY) for n in range(labour)]
    if year >= 2008:
        for month, day, name in ((5, 5, DRAGON_BOAT), (8, 15, MID_AUTUMN)):
            solar = _lunar(year, month, day)
            if solar is not None:
                days.append((solar, name))
    days += [(dt.date(year, 10, n), NATIONAL_DAY) for n in (1, 2, 3)]
    return sorted(days, key=lambda d: d[0])  # stable: the law's order within a day


@lru_cache(maxsize=256)
def statutory_days(year: int) -> dict[dt.date, str]:
    """The days off of ``year`` under the law alone: holidays, and a make-up day for each that is lost.

    A holiday lost to a weekend or to another holiday (Mid-Autumn on 1 October) is made up on the
    next weekday that is not already off. Returns {date: name}; every one is a day off.
    """
    off: dict[dt.date, str] = {}
    lost: list[tuple[dt.date, str]] = []
    for day, name in _days_off(year):
        if day in off or day.weekday() >= 5:
            lost.append((day, name))
        off.setdefault(day, name)
    for day, name in lost:
        make_up = day + dt.timedelta(days=1)
        while make_up in off or make_up.weekday() >= 5:
            make_up += dt.timedelta(days=1)
        off[make_up] = name + MAKE_UP_SUFFIX
    return dict(sorted(off.items()))
