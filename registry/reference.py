"""Reference data that ships with the code: the administrative division table."""

from __future__ import annotations

from django.db import transaction

from .divisions import load_rows


@transaction.atomic
def divisions_sync(model=None) -> tuple[int, int]:
    """Bring the division table in line with python-stdnum's; returns (created, updated)."""
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
    from .selectors import _division_cached

    _division_cached.cache_clear()
    return len(create), len(update)


def calendar_load(model=None) -> int:
    """Public holidays and make-up working days shipped in fixtures/calendar_cn.json (adds missing)."""
    import json
    from pathlib import Path

    if model is None:
        from .models import CalendarDay as model
    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "calendar_cn.json"
    created = 0
    for day in json.loads(fixture.read_text(encoding="utf-8")):
        _obj, was_created = model.objects.get_or_create(
            date=day["date"], defaults={k: v for k, v in day.items() if k != "date"}
        )
        created += was_created
    from .calendar import calendar_changed

    calendar_changed()
    return created
