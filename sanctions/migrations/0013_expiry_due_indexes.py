"""Partial indexes for the daily expiry jobs: the published records whose publicity has ended and
the listings in force whose term has ended, found without reading the expired and removed rows,
which only grow (docs: README, "At 10 million enterprises"). Built concurrently: a registry of
tens of millions of records keeps taking writes while they are built."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("sanctions", "0012_import_heartbeat_cancel"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="creditrecord",
            index=models.Index(
                condition=models.Q(("status", "published")),
                fields=["publicity_end", "id"],
                name="record_publicity_due",
            ),
        ),
        AddIndexConcurrently(
            model_name="listing",
            index=models.Index(
                condition=models.Q(("status", "active")), fields=["end_date", "id"], name="listing_term_due"
            ),
        ),
    ]
