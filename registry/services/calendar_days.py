"""The working-day calendar: a public holiday or a make-up working day recorded, or removed again."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..audit import audit_write, snapshot
from ..calendar import calendar_changed
from ..models import CalendarDay
from ..permissions import ensure_registry_admin


@transaction.atomic
def calendar_day_set(
    *, actor, date: dt.date, is_working_day: bool, name: str, source: str = ""
) -> CalendarDay:
    """Record a public holiday or a make-up working day (every deadline counts with these)."""
    ensure_registry_admin(actor)
    if not name.strip():
        raise ValidationError({"name": [_("Name the holiday or the make-up working day.")]})
    before = CalendarDay.objects.filter(date=date).first()
    before_values = snapshot(before) if before else None
    day, _created = CalendarDay.objects.update_or_create(
        date=date, defaults={"is_working_day": is_working_day, "name": name.strip(), "source": source.strip()}
    )
    audit_write(actor=actor, action="calendar.set", target=day, before=before_values, after=snapshot(day))
    calendar_changed()  # this transaction sees its own change at once
    transaction.on_commit(calendar_changed)  # and others, once it is committed
    return day


@transaction.atomic
def calendar_day_remove(*, actor, day: CalendarDay) -> None:
    """Remove an exception: the date follows the ordinary Monday–Friday week again."""
    ensure_registry_admin(actor)
    before = snapshot(day)
    target = (day._meta.label_lower, str(day.pk), str(day))
    day.delete()
    audit_write(actor=actor, action="calendar.remove", target=target, before=before)
    calendar_changed()  # this transaction sees its own change at once
    transaction.on_commit(calendar_changed)  # and others, once it is committed
