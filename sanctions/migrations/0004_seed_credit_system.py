from django.db import migrations


def load(apps, schema_editor):
    from sanctions.reference import load_credit_system

    load_credit_system(
        apps.get_model("sanctions", "ListKind"),
        apps.get_model("sanctions", "DeadlineRule"),
        apps.get_model("sanctions", "RatingModel"),
        apps.get_model("sanctions", "RatingRule"),
    )


class Migration(migrations.Migration):
    dependencies = [("sanctions", "0003_lists_ratings_remedies")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
