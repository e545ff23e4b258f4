import json
from pathlib import Path

from django.db import migrations

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "calendar_cn.json"


def load(apps, schema_editor):
    CalendarDay = apps.get_model("registry", "CalendarDay")
    for day in json.loads(FIXTURE.read_text(encoding="utf-8")):
        CalendarDay.objects.update_or_create(date=day["date"], defaults={k: v for k, v in day.items() if k != "date"})


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_calendar")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
