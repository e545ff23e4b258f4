"""An index for the home page's "latest decisions in publicity" (``lookup.home.latest_decisions``).

The query asks for the few most recently published current records of a kind; without this index
PostgreSQL reads and sorts every published record (about 0.7 s at 400,000 records), with it it
reads the first rows of the index (under a millisecond). Partial (published, current versions
only), so it stays small and costs nothing on drafts and old versions.

It lives with the portal because the portal's query is the one that needs it; the records' own
model does not declare it. Built CONCURRENTLY, so a registry with millions of records keeps taking
writes while it is made.
"""

from django.db import migrations

INDEX = "record_public_latest"


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("lookup", "0004_badges"),
        ("sanctions", "0009_import_errors_table"),
    ]

    operations = [
        migrations.RunSQL(
            sql=(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON sanctions_creditrecord "
                "(kind, published_at DESC NULLS LAST, id DESC) "
                "WHERE status = 'published' AND is_current"
            ),
            reverse_sql=f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}",
        ),
    ]
