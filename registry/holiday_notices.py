"""Loading a year's holiday notice: the one write that settles a year of the working-day calendar.

The State Council's notice for a year (国务院办公厅关于YYYY年部分节假日安排的通知) gives its holidays
and its make-up working days. Loading it records each day with the notice as source, marks the
year as settled (``CalendarYear``), removes the year's days that the notice does not have, and
writes one audit entry — in one transaction. Receivers of ``holiday_notice_loaded`` (the records'
publish-by dates) recount what was counted while the year was estimated, in the same transaction.

Used by ``manage.py load_holiday_notice``; registry administrators only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import django.dispatch
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .audit import audit_write
from .calendar import calendar_changed
from .models import CalendarDay, CalendarYear
from .permissions import ensure_registry_admin

# Sent inside the loading transaction, with ``year`` and ``actor``.
holiday_notice_loaded = django.dispatch.Signal()

MAKE_UP_SUFFIX = "调休上班"


def _day_errors(year: int, holidays, working_days) -> list[str]:
    errors = []
    first, last = dt.date(year - 1, 12, 1), dt.date(year, 12, 31)
    seen: dict[dt.date, str] = {}
    for kind, days in ((_("holiday"), holidays), (_("make-up working day"), working_days)):
        for day, name in days:
            if not first <= day <= last:
                errors.append(
                    _("%(date)s (%(kind)s) is outside the notice's year %(year)d.")
                    % {"date": day.isoformat(), "kind": kind, "year": year}
                )
            if not (name or "").strip():
                errors.append(_("%(date)s: name the holiday.") % {"date": day.isoformat()})
            if day in seen:
                errors.append(
                    _("%(date)s is given twice (%(first)s and %(second)s).")
                    % {"date": day.isoformat(), "first": seen[day], "second": kind}
                )
            seen[day] = kind
    for day, _name in working_days:
        if day.weekday() < 5:
            errors.append(
                _("%(date)s is a weekday: a make-up working day is always a Saturday or a Sunday.")
                % {"date": day.isoformat()}
            )
    if not holidays:
        errors.append(_("A notice has holidays: none was given."))
    return errors


@transaction.atomic
def calendar_notice_load(
    *,
    actor,
    year: int,
    notice: str,
    holidays: Iterable[tuple[dt.date, str]],
    working_days: Iterable[tuple[dt.date, str]] = (),
) -> CalendarYear:
    """Record ``year``'s notice: its holidays and make-up working days, each with the notice as source.

    ``notice`` is the notice's title and number (国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔…〕…号）).
    Loading the same year again replaces its days (a corrected or amended notice).
    """
    ensure_registry_admin(actor)
    holidays, working_days = list(holidays), list(working_days)
    notice = (notice or "").strip()
    errors: dict[str, list[str]] = {}
    if not notice:
        errors["notice"] = [_("Give the notice's title and number.")]
    elif len(notice) > CalendarYear._meta.get_field("notice").max_length:
        errors["notice"] = [_("The notice's title and number are too long.")]
    if not 1999 <= year <= 2099:
        errors["year"] = [_("Give a year from 1999 to 2099.")]
    else:
        day_errors = _day_errors(year, holidays, working_days)
        if day_errors:
            errors["days"] = day_errors
    if errors:
        raise ValidationError(errors)
    wanted = {day: (False, name.strip()) for day, name in holidays}
    wanted |= {day: (True, name.strip()) for day, name in working_days}
    previous = CalendarYear.objects.filter(year=year).first()
    # The year's days that another year's notice set (a New Year break starting in December) stay.
    others = {
        part
        for text in CalendarYear.objects.exclude(year=year).values_list("notice", flat=True)
        for part in text.split("；")
    }
    stale = (
        CalendarDay.objects.filter(date__year=year).exclude(date__in=list(wanted)).exclude(source__in=others)
    )
    before = {
        "notice": previous.notice if previous else None,
        "days": {
            d.date.isoformat(): [d.is_working_day, d.name, d.source]
            for d in CalendarDay.objects.filter(date__in=[*wanted, *stale.values_list("date", flat=True)])
        },
    }
    stale.delete()
    for day, (working, name) in sorted(wanted.items()):
        CalendarDay.objects.update_or_create(
            date=day, defaults={"is_working_day": working, "name": name, "source": notice}
        )
    settled, _created = CalendarYear.objects.update_or_create(year=year, defaults={"notice": notice})
    calendar_changed()  # this transaction counts with the notice at once
    transaction.on_commit(calendar_changed)  # and others, once it is committed
    audit_write(
        actor=actor,
        action="calendar.notice_load",
        target=settled,
        before=before,
        after={
            "notice": notice,
            "days": {d.isoformat(): [w, n, notice] for d, (w, n) in sorted(wanted.items())},
        },
    )
    holiday_notice_loaded.send(sender=CalendarYear, year=year, actor=actor)
    return settled


def parse_days(values: Iterable[str], default_name: str = "") -> list[tuple[dt.date, str]]:
    """``2027-02-05..2027-02-11:春节`` or ``2027-01-01:元旦`` (a range includes both ends) into days.

    Raises ValidationError naming the value that cannot be read.
    """
    days: list[tuple[dt.date, str]] = []
    for value in values:
        span, _sep, name = value.partition(":")
        first_text, _dots, last_text = span.strip().partition("..")
        try:
            first = dt.date.fromisoformat(first_text.strip())
            last = dt.date.fromisoformat(last_text.strip()) if last_text else first
        except ValueError:
            raise ValidationError(
                _("“%(value)s” is not a date or a range of dates (YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD).")
                % {"value": value}
            ) from None
        if last < first or (last - first).days > 31:
            raise ValidationError(
                _("“%(value)s”: a range runs forward and covers at most a month.") % {"value": value}
            )
        name = name.strip() or default_name
        days += [(first + dt.timedelta(days=n), name) for n in range((last - first).days + 1)]
    return days
