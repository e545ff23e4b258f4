from django.db import migrations


def load(apps, schema_editor):
    from registry.reference import divisions_sync

    divisions_sync(apps.get_model("registry", "Division"))


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_audit_append_only")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
