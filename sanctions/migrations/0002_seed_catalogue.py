from django.db import migrations


def load(apps, schema_editor):
    from sanctions.reference import load_catalogue

    load_catalogue(apps.get_model("sanctions", "PenaltyCategory"), apps.get_model("sanctions", "PublicityRule"))


class Migration(migrations.Migration):
    dependencies = [("sanctions", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
