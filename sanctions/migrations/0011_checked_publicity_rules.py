from django.db import migrations


def load(apps, schema_editor):
    from sanctions.reference import load_catalogue, upgrade_catalogue

    rule = apps.get_model("sanctions", "PublicityRule")
    upgrade_catalogue(rule)
    load_catalogue(apps.get_model("sanctions", "PenaltyCategory"), rule)


class Migration(migrations.Migration):
    dependencies = [
        ("sanctions", "0010_publicity_rule_system_and_reading"),
        ("registry", "0013_load_calendar_notices"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
