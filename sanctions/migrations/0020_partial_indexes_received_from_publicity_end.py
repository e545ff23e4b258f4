"""Indexes that hold only the rows their reads ask for.

- ``publicity_end`` loses its own index: every read of it is among published records, which
  ``record_publicity_due`` holds (the plain one held every record ever written, expired ones too).
- ``received_from`` (a partner platform's copies) is indexed only where it is set: this platform's
  own records and listings, nearly all of them, have none.

Each record an import or a clerk writes updates two indexes fewer. Built and dropped CONCURRENTLY,
so that a table of many millions of records keeps taking writes meanwhile; the foreign key of
``received_from`` stays as it is (Django would drop and validate it again over the whole table).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # CREATE / DROP INDEX CONCURRENTLY

    dependencies = [
        ("registry", "0020_search_name_default_statistics"),
        ("sanctions", "0019_rating_model_english"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(sql, reverse)
                for sql, reverse in (
                    (
                        'DROP INDEX CONCURRENTLY IF EXISTS "sanctions_creditrecord_publicity_end_ca04f13c"',
                        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "sanctions_creditrecord_publicity_end_ca04f13c" '
                        'ON "sanctions_creditrecord" ("publicity_end")',
                    ),
                    (
                        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "record_received_from" ON "sanctions_creditrecord" '
                        '("received_from_id") WHERE "received_from_id" IS NOT NULL',
                        'DROP INDEX CONCURRENTLY IF EXISTS "record_received_from"',
                    ),
                    (
                        'DROP INDEX CONCURRENTLY IF EXISTS "sanctions_creditrecord_received_from_id_a0a23dde"',
                        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "sanctions_creditrecord_received_from_id_a0a23dde" '
                        'ON "sanctions_creditrecord" ("received_from_id")',
                    ),
                    (
                        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "listing_received_from" ON "sanctions_listing" '
                        '("received_from_id") WHERE "received_from_id" IS NOT NULL',
                        'DROP INDEX CONCURRENTLY IF EXISTS "listing_received_from"',
                    ),
                    (
                        'DROP INDEX CONCURRENTLY IF EXISTS "sanctions_listing_received_from_id_01063d5b"',
                        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "sanctions_listing_received_from_id_01063d5b" '
                        'ON "sanctions_listing" ("received_from_id")',
                    ),
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="creditrecord",
                    name="publicity_end",
                    field=models.DateField(blank=True, null=True, verbose_name="publicity ends"),
                ),
                *(
                    migrations.AlterField(
                        model_name=model,
                        name="received_from",
                        field=models.ForeignKey(
                            blank=True,
                            db_index=False,
                            null=True,
                            on_delete=django.db.models.deletion.PROTECT,
                            related_name="+",
                            to="sanctions.partnerplatform",
                            verbose_name="received from",
                        ),
                    )
                    for model in ("creditrecord", "listing")
                ),
                *(
                    migrations.AddIndex(
                        model_name=model,
                        index=models.Index(
                            condition=models.Q(("received_from__isnull", False)),
                            fields=["received_from"],
                            name=f"{prefix}_received_from",
                        ),
                    )
                    for model, prefix in (("creditrecord", "record"), ("listing", "listing"))
                ),
            ],
        ),
    ]
