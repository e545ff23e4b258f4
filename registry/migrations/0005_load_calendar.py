from django.db import migrations


def load(apps, schema_editor):
    from registry.reference import calendar_load

    calendar_load(apps.get_model("registry", "CalendarDay"))


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_calendar")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
