"""Search by name: bigram documents for enterprises (filled from Python) and former names (generated).

The two SQL functions repeat ``registry.search.normalize`` for the former-name columns that
PostgreSQL generates; ``tests/registry/test_search.py`` checks that both give the same result.
Existing enterprises are backfilled here, before their indexes are built.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models

# A frozen copy of registry.search.SQL_PUNCTUATION_CLASS (spaces, brackets of both widths, ·, …).
PUNCTUATION_CLASS = (
    '[ \t\r\n\u00a0\u3000()\\[\\]{}<>.,;:!?\'"`~@#$%\\^&*_+=|/\\\\\\-'
    "·・•、，。；：！？“”‘’《》〈〉【】〔〕「」『』—–]"
)

CREATE_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION registry_search_normalize(value text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN regexp_replace(lower(normalize(value, NFKC)), '{PUNCTUATION_CLASS.replace("'", "''")}', '', 'g');

CREATE OR REPLACE FUNCTION registry_search_vector(value text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT array_to_tsvector(ARRAY(
        SELECT substr(n, i, 2)
        FROM (SELECT left(registry_search_normalize(value), 200) AS n) AS s,
             generate_series(1, length(n) - 1) AS i
    ));
END;
"""

DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS registry_search_vector(text);
DROP FUNCTION IF EXISTS registry_search_normalize(text);
"""

BATCH = 5000


def backfill(apps, schema_editor):
    from registry.search import search_fields

    connection = schema_editor.connection
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT id, name FROM registry_enterprise WHERE id > %s ORDER BY id LIMIT %s", [last, BATCH]
            )
            rows = cursor.fetchall()
            if not rows:
                break
            ids, names, documents = [], [], []
            for pk, name in rows:
                fields = search_fields(name)
                ids.append(pk)
                names.append(fields["search_name"])
                documents.append(fields["search_vector"])
            cursor.execute(
                """
                UPDATE registry_enterprise e SET search_name = v.n, search_vector = v.d::tsvector
                FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS v(id, n, d) WHERE e.id = v.id
                """,
                [ids, names, documents],
            )
            last = ids[-1]


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0007_enterprise_accounts'),
    ]

    operations = [
        migrations.RunSQL(CREATE_FUNCTIONS, DROP_FUNCTIONS),
        migrations.AddField(
            model_name='enterprise',
            name='search_name',
            field=models.TextField(default='', editable=False, verbose_name='name as searched'),
        ),
        migrations.AddField(
            model_name='enterprise',
            name='search_vector',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True, verbose_name='name bigrams'),
        ),
        migrations.AddField(
            model_name='enterpriseformername',
            name='search_name',
            field=models.GeneratedField(db_persist=True, expression=models.Func(models.F('name'), function='registry_search_normalize'), output_field=models.TextField()),
        ),
        migrations.AddField(
            model_name='enterpriseformername',
            name='search_vector',
            field=models.GeneratedField(db_persist=True, expression=models.Func(models.F('name'), function='registry_search_vector'), output_field=django.contrib.postgres.search.SearchVectorField()),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name='enterprise',
            index=django.contrib.postgres.indexes.GinIndex(fields=['search_vector'], name='enterprise_search_bigrams'),
        ),
        migrations.AddIndex(
            model_name='enterprise',
            index=models.Index(django.contrib.postgres.indexes.OpClass(models.F('search_name'), name='text_pattern_ops'), name='enterprise_search_name'),
        ),
        migrations.AddIndex(
            model_name='enterpriseformername',
            index=django.contrib.postgres.indexes.GinIndex(fields=['search_vector'], name='former_name_search_bigrams'),
        ),
    ]
