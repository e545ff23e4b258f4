"""The audit trail loses the two varchar_pattern_ops indexes that ``db_index``/``unique`` added on
``action`` and ``hash``: no query matches either column by pattern, and every write paid for them.

The plain index on ``action`` and the unique constraint on ``hash`` stay; they are only renamed to
the names the model now declares, so that a large trail is not reindexed.
"""

from django.db import migrations, models

TABLE = "registry_auditentry"


def _existing(schema_editor) -> dict:
    with schema_editor.connection.cursor() as cursor:
        return schema_editor.connection.introspection.get_constraints(cursor, TABLE)


def forward(apps, schema_editor) -> None:
    quote = schema_editor.quote_name
    found = _existing(schema_editor)
    action_index = hash_unique = None
    for name, info in found.items():
        if info["columns"] == ["action"] and info["index"] and not info["unique"]:
            if name.endswith("_like"):
                schema_editor.execute(f"DROP INDEX {quote(name)}")
            elif action_index is None:
                action_index = name
        elif info["columns"] == ["hash"]:
            if name.endswith("_like") and info["index"] and not info["unique"]:
                schema_editor.execute(f"DROP INDEX {quote(name)}")
            elif info["unique"] and not info["primary_key"] and hash_unique is None:
                hash_unique = name
    if action_index is None:
        schema_editor.execute(f"CREATE INDEX {quote('audit_action')} ON {quote(TABLE)} (action)")
    elif action_index != "audit_action":
        schema_editor.execute(f"ALTER INDEX {quote(action_index)} RENAME TO {quote('audit_action')}")
    if hash_unique is None:
        schema_editor.execute(
            f"ALTER TABLE {quote(TABLE)} ADD CONSTRAINT {quote('audit_hash_unique')} UNIQUE (hash)"
        )
    elif hash_unique != "audit_hash_unique":
        schema_editor.execute(
            f"ALTER TABLE {quote(TABLE)} RENAME CONSTRAINT {quote(hash_unique)} TO {quote('audit_hash_unique')}"
        )


def backward(apps, schema_editor) -> None:
    quote = schema_editor.quote_name
    action_index = schema_editor._create_index_name(TABLE, ["action"])
    schema_editor.execute(f"ALTER INDEX {quote('audit_action')} RENAME TO {quote(action_index)}")
    schema_editor.execute(
        f"ALTER TABLE {quote(TABLE)} RENAME CONSTRAINT {quote('audit_hash_unique')} "
        f"TO {quote(TABLE + '_hash_key')}"
    )
    for column in ("action", "hash"):
        like = schema_editor._create_index_name(TABLE, [column], suffix="_like")
        schema_editor.execute(
            f"CREATE INDEX {quote(like)} ON {quote(TABLE)} ({quote(column)} varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0008_enterprise_search"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forward, backward)],
            state_operations=[
                migrations.AlterField(
                    model_name="auditentry",
                    name="action",
                    field=models.CharField(max_length=64, verbose_name="action"),
                ),
                migrations.AlterField(
                    model_name="auditentry",
                    name="hash",
                    field=models.CharField(max_length=64, verbose_name="hash"),
                ),
                migrations.AddIndex(
                    model_name="auditentry",
                    index=models.Index(fields=["action"], name="audit_action"),
                ),
                migrations.AddConstraint(
                    model_name="auditentry",
                    constraint=models.UniqueConstraint(fields=("hash",), name="audit_hash_unique"),
                ),
            ],
        ),
    ]
