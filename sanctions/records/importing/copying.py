"""Rendering rows as COPY (FORMAT TEXT) lines, for the set-based writes of an import."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import connection, models

from registry.audit import copy_text

NULL = "\\N"


def array_text(items: list[Any]) -> str:
    """A one-dimensional text array literal, every element quoted."""
    quoted = (
        '"' + str(item).replace("\\", "\\\\").replace('"', '\\"') + '"' if item is not None else "NULL"
        for item in items
    )
    return "{" + ",".join(quoted) + "}"


def copy_formatter(field: models.Field) -> Callable[[Any], str]:
    """How a value of this column is written in a COPY (FORMAT TEXT) line."""
    if isinstance(field, ArrayField):
        return lambda v: NULL if v is None else copy_text(array_text(v))
    if isinstance(field, models.BooleanField):
        return lambda v: NULL if v is None else ("t" if v else "f")
    if isinstance(field, models.CharField | models.TextField):
        return lambda v: NULL if v is None else copy_text(v)
    if isinstance(field, models.DateField):  # and DateTimeField: ISO 8601, with the offset
        return lambda v: NULL if v is None else v.isoformat()
    if isinstance(field, models.IntegerField | models.ForeignKey | models.DecimalField | models.UUIDField):
        return lambda v: NULL if v is None else str(v)
    raise TypeError(f"no COPY format for {field!r}")


def random_keys(count: int) -> list[str]:
    """``count`` random (version 4) UUIDs as text, from one read of the system's random source."""
    raw = os.urandom(16 * count)
    return [str(uuid.UUID(bytes=raw[at : at + 16], version=4)) for at in range(0, 16 * count, 16)]


def json_string(value: str) -> str:
    """A JSON string literal for ``value``."""
    return json.encoder.encode_basestring(value)


def foreign_keys(*models_: type[models.Model]) -> str:
    """The foreign key constraints of these tables, as SET CONSTRAINTS names them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' AND condeferrable "
            "AND conrelid = ANY(%s::regclass[])",
            [[m._meta.db_table for m in models_]],
        )
        names = sorted(name for (name,) in cursor.fetchall())
    return ", ".join(connection.ops.quote_name(name) for name in names) or "ALL"
