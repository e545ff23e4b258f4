"""Rendering rows as COPY (FORMAT TEXT) lines, for the set-based writes of an import."""

from __future__ import annotations

import json
import os
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
    return keys_from(os.urandom(16 * count))


def keys_from(raw: bytes) -> list[str]:
    """The version 4 UUIDs, as text, that ``uuid.UUID(bytes=part, version=4)`` makes of each 16 bytes
    of ``raw``: the version and variant bits set for all of them at once, then the text cut from one
    hexadecimal string (a third of the time of a ``UUID`` object a key, which an import makes a row)."""
    marked = bytearray(raw)
    marked[6::16] = bytes([byte & 0x0F | 0x40 for byte in marked[6::16]])  # version 4
    marked[8::16] = bytes([byte & 0x3F | 0x80 for byte in marked[8::16]])  # variant RFC 4122
    text = marked.hex()
    return [
        f"{text[at : at + 8]}-{text[at + 8 : at + 12]}-{text[at + 12 : at + 16]}-{text[at + 16 : at + 20]}-"
        f"{text[at + 20 : at + 32]}"
        for at in range(0, len(text), 32)
    ]


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
