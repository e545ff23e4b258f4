"""Reference data that ships with the code: the administrative division table."""

from __future__ import annotations

from django.db import transaction

from .divisions import load_rows


@transaction.atomic
def divisions_sync(model=None) -> tuple[int, int]:
    """Bring the division table in line with python-stdnum's; returns (created, updated)."""
    historical = model is not None  # a migration's model: no later table (the profiles) exists yet
    if model is None:
        from .models import Division as model
    rows = load_rows()
    existing = {d.code: d for d in model.objects.all()}
    fields = ["name", "full_name", "level", "valid_from", "valid_until", "history"]
    create, update = [], []
    for row in rows:
        values = {f: getattr(row, f) for f in fields}
        current = existing.get(row.code)
        if current is None:
            create.append(model(code=row.code, **values))
        elif any(getattr(current, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(current, f, v)
            update.append(current)
    model.objects.bulk_create(create, batch_size=2000)
    model.objects.bulk_update(update, fields, batch_size=2000)
    from .reference_cache import reference_changed
    from .selectors.reference import _division_table

    _division_table.cache_clear()
    if create or update:
        reference_changed()  # the search filters' choice lists, in every process
        if not historical:
            from .profiles.store import profiles_epoch_bump

            # Bulk writes send no post_save: the credit pages' profiles name divisions.
            profiles_epoch_bump()
    return len(create), len(update)


def calendar_load(model=None, year_model=None) -> int:
    """The holiday notices shipped in fixtures/calendar_cn.json: their days and, with ``year_model``,
    the years they settle (``CalendarYear``). Returns the number of days added.

    Adds what is missing and never overwrites a registry administrator's edit; the one change it
    makes to an existing day is to complete a seeded source that lacked the notice's number (the
    fixture's source then starts with the stored one). Called without models at run time (both
    current models); an early migration passes only its ``CalendarDay``.
    """
    import json
    from pathlib import Path

    if model is None:
        from .models import CalendarDay as model
        from .models import CalendarYear as year_model
    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "calendar_cn.json"
    data = json.loads(fixture.read_text(encoding="utf-8"))
    existing = {day.date.isoformat(): day for day in model.objects.all()}
    created = []
    for day in data["days"]:
        current = existing.get(day["date"])
        if current is None:
            created.append(model(**day))
        elif _completes(current.source, day["source"]) and current.is_working_day == day["is_working_day"]:
            current.source = day["source"]
            current.save(update_fields=["source"])
    model.objects.bulk_create(created)
    if year_model is not None:
        years = {y.year: y for y in year_model.objects.all()}
        for notice in data["notices"]:
            current = years.get(notice["year"])
            if current is None:
                year_model.objects.create(year=notice["year"], notice=notice["notice"])
            elif _completes(current.notice, notice["notice"]):
                current.notice = notice["notice"]
                current.save(update_fields=["notice"])
    from .calendar import calendar_changed

    calendar_changed()
    return len(created)


def _completes(stored: str, shipped: str) -> bool:
    """Whether the shipped text completes what was seeded (adds a number), rather than replacing it."""
    return bool(stored) and stored != shipped and shipped.startswith(stored)
