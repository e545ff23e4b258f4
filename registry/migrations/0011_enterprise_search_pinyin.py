"""Pinyin search of any run of a name: syllable and initial pairs with positions (``search_pinyin``).

Existing enterprises are backfilled in batches before the index is built; their ``search_vector``
is rewritten at the same time, without the whole-name pinyin lexemes it held before (see
``registry.search``).
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations

BATCH = 5000


def backfill(apps, schema_editor):
    from registry.search import search_fields

    last = 0
    with schema_editor.connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT id, name FROM registry_enterprise WHERE id > %s ORDER BY id LIMIT %s", [last, BATCH]
            )
            rows = cursor.fetchall()
            if not rows:
                break
            ids, vectors, pinyin = [], [], []
            for pk, name in rows:
                fields = search_fields(name)
                ids.append(pk)
                vectors.append(fields["search_vector"])
                pinyin.append(fields["search_pinyin"])
            cursor.execute(
                """
                UPDATE registry_enterprise e SET search_vector = v.d::tsvector, search_pinyin = v.p::tsvector
                FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS v(id, d, p) WHERE e.id = v.id
                """,
                [ids, vectors, pinyin],
            )
            last = ids[-1]


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0010_sign_in_addresses"),
    ]

    operations = [
        migrations.AddField(
            model_name="enterprise",
            name="search_pinyin",
            field=django.contrib.postgres.search.SearchVectorField(
                editable=False, null=True, verbose_name="name pinyin pairs"
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name="enterprise",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_pinyin"], name="enterprise_search_pinyin"
            ),
        ),
    ]
