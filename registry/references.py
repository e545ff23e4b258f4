"""The references the database does not check, checked instead.

A few foreign keys are declared with ``db_constraint=False``: their value is set by a service alone,
never from what a user keys in (a record's agency, author, publicity rule and import; a history
event's record and actor), and checking them
again for every row cost the bulk import 4–22% of the database's time (README, "At 10 million
enterprises"). Django still keeps their ``on_delete`` and nothing deletes the rows they name, so a
dangling value means that something wrote around the services: ``references_verify`` looks for one
in every such column, nightly (``registry.tasks.references_verify``) and on demand
(``manage.py references_verify``).
"""

# The SQL below is assembled only from model metadata (table and column names).
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, models


@dataclass(frozen=True, slots=True)
class UncheckedReference:
    """A column holding another table's key, with no foreign key constraint in the database."""

    table: str
    column: str
    target_table: str
    target_column: str

    @property
    def label(self) -> str:
        return f"{self.table}.{self.column} → {self.target_table}.{self.target_column}"


@dataclass(frozen=True, slots=True)
class Dangling:
    """Rows of ``reference.table`` whose value names no row of the target table."""

    reference: UncheckedReference
    rows: int
    example: int | str  # the smallest dangling value

    @property
    def message(self) -> str:
        """What the command prints and the nightly task logs."""
        return f"{self.reference.label}: {self.rows} rows name a missing row (the smallest value: {self.example})"


def unchecked_references() -> Iterator[UncheckedReference]:
    """Every concrete foreign key or one-to-one field of an installed model declared without its
    database constraint, in a stable order."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        for field in meta.local_fields:
            if isinstance(field, models.ForeignKey) and not field.db_constraint:
                target = field.target_field
                found.append(
                    UncheckedReference(
                        table=meta.db_table,
                        column=field.column,
                        target_table=target.model._meta.db_table,
                        target_column=target.column,
                    )
                )
    yield from sorted(found, key=lambda ref: (ref.table, ref.column))


def references_verify() -> list[Dangling]:
    """The unchecked references that name a missing row (empty when every one holds).

    One anti-join a column; each reads its table once (seconds for tens of millions of rows).
    """
    dangling = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for ref in unchecked_references():
            cursor.execute(
                f"SELECT count(*), min(c.{quote(ref.column)}) FROM {quote(ref.table)} c "
                f"WHERE c.{quote(ref.column)} IS NOT NULL AND NOT EXISTS ("
                f"SELECT 1 FROM {quote(ref.target_table)} t "
                f"WHERE t.{quote(ref.target_column)} = c.{quote(ref.column)})"
            )
            rows, example = cursor.fetchone()
            if rows:
                dangling.append(Dangling(reference=ref, rows=rows, example=example))
    return dangling
