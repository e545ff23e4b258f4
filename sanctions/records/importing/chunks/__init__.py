"""One chunk of an import: every row through the desk's rules, then set-based writes.

Each row is cleaned by ``clean_record`` itself, with the penalty catalogue read once per import and
the parties fetched once per chunk. Publicity is computed by ``publicity_for`` once per distinct
combination of what it depends on. The new records and their history events are written by COPY,
with one audit entry for the chunk, in the caller's transaction.

- ``outcomes``: the columns a row of the file decides, and what each step hands on: the lookups
  fetched ahead, each row's outcome (``CleanRow``, its errors, ``RowNeedingDatabase``), the chunk
  cleaned ahead, what writing did (``Written``);
- ``cleaning``: the rows cleaned, ahead in a thread off the database or at once: their parties
  fetched, publicity computed once per distinct combination (``ChunkCleaning``);
- ``writing``: a good row's record and history rendered as COPY lines, the rows already present set
  apart, the new ones written by COPY with one audit entry (``ChunkWriting``);
- ``importer``: ``ChunkImporter``, both of them over one file, with what it reads once per file.
"""

from .importer import ChunkImporter
from .outcomes import ROW_FIELDS, ChunkLookups, CleanedChunk, CleanRow, RowNeedingDatabase, Written

__all__ = [
    "ROW_FIELDS",
    "ChunkImporter",
    "ChunkLookups",
    "CleanRow",
    "CleanedChunk",
    "RowNeedingDatabase",
    "Written",
]
