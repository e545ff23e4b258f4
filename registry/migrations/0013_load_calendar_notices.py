from django.db import migrations

# Agencies whose decisions follow market regulation's publicity rules (SAMR Order 45), by name:
# an administrator sets the others in the admin.
MARKET_REGULATION_NAMES = ("市场监督管理", "市场监管局", "工商行政管理")


def load(apps, schema_editor):
    from registry.reference import calendar_load

    calendar_load(apps.get_model("registry", "CalendarDay"), apps.get_model("registry", "CalendarYear"))
    Agency = apps.get_model("registry", "Agency")
    for agency in Agency.objects.filter(publicity_system=""):
        if any(part in agency.name for part in MARKET_REGULATION_NAMES):
            agency.publicity_system = "market_regulation"
            agency.save(update_fields=["publicity_system"])


class Migration(migrations.Migration):
    dependencies = [("registry", "0012_calendar_notices_and_publicity_system")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
