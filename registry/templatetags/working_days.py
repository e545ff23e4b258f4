"""``{% provisional_note day since %}``: beside a date counted in working days, say when it is estimated.

A date counted across a year whose holiday notice is not loaded rests on the statutory holidays
alone (registry/calendar.py); every page that shows such a date puts this note beside it.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from registry.calendar import working_calendar

register = template.Library()


@register.simple_tag
def provisional_note(day: dt.date | None, since: dt.date | dt.datetime | None = None) -> str:
    """The note for ``day`` (counted from ``since``, if known), or nothing when its year is settled."""
    if not isinstance(day, dt.date):
        return ""
    if isinstance(day, dt.datetime):
        day = day.date()
    if isinstance(since, dt.datetime):
        since = since.date()
    calendar = working_calendar()
    years = set(calendar.unsettled_years(since, day)) if isinstance(since, dt.date) else set()
    if not calendar.is_settled(day):
        years.add(day.year + 1 if day.year in calendar.notice_years else day.year)
    if not years:
        return ""
    return format_html(
        ' <span class="tag provisional" title="{}">{}</span>',
        _("The holiday notice of %(years)s is not loaded yet.")
        % {"years": "、".join(map(str, sorted(years)))},
        _("estimated from the statutory holidays; to be checked once the year's arrangements are published"),
    )
