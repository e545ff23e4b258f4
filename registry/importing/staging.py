"""The temporary table cleaned rows wait in between the validation pass and the upsert.

It keeps memory bounded whatever the size of the file, and lets the upsert be set-based SQL. It
is dropped at the end of the import's transaction.
"""

from __future__ import annotations

# Columns of the staging table, in COPY order, with their PostgreSQL types.
DATA_COLUMNS = [
    ("name", "text"),
    ("entity_type", "text"),
    ("status", "text"),
    ("legal_representative", "text"),
    ("registered_capital", "numeric"),
    ("established_on", "date"),
    ("domicile", "text"),
    ("registration_authority", "text"),
    ("industry", "text"),
    ("registration_number", "text"),
    ("organization_code", "text"),
    ("tax_number", "text"),
]
DATA_FIELDS = [name for name, _type in DATA_COLUMNS]
STAGING = "registry_import_rows"


def staging_sql() -> str:
    columns = ", ".join(f"{name} {kind}" for name, kind in DATA_COLUMNS)
    return (
        f"CREATE TEMP TABLE {STAGING} (rownum integer NOT NULL, ok boolean NOT NULL, raw_uscc text, "
        f"uscc text NOT NULL, {columns}, former_names text[], search_name text, search_vector text, "
        "search_pinyin text) ON COMMIT DROP"
    )


COPY_COLUMNS = [
    "rownum",
    "ok",
    "raw_uscc",
    "uscc",
    *DATA_FIELDS,
    "former_names",
    "search_name",
    "search_vector",
    "search_pinyin",
]
COPY_TYPES = [
    "int4",
    "bool",
    "text",
    "text",
    *[kind for _n, kind in DATA_COLUMNS],
    "text[]",
    "text",
    "text",
    "text",
]
