"""The columns a row of the file decides, and what each step of a chunk hands on: the lookups
fetched ahead (``ChunkLookups``), each row's outcome (a ``CleanRow``, its ``RowError``s, or a
``RowNeedingDatabase``), the chunk cleaned ahead (``CleanedChunk``), what writing did (``Written``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from registry.importing import RowError
from sanctions.records.importing.parties import Parties
from sanctions.records.validation import RECORD_FIELDS

_PUBLICITY_FIELDS = [
    "publicity_rule_id",
    "publicity_end",
    "earliest_repair_date",
    "early_repair_allowed",
    "publish_deadline",
    "never_published",
]
# The columns a row of the file decides (id and record_key come first).
ROW_FIELDS = ["enterprise_id", *RECORD_FIELDS, *_PUBLICITY_FIELDS]


@dataclass(slots=True)
class RowNeedingDatabase:
    """A row that cleaning ahead left to ``ChunkImporter.finish`` (its party or publicity needs the database)."""

    position: int  # in the chunk
    rownum: int
    cells: list[Any]


@dataclass(slots=True)
class CleanRow:
    """A row that passed every check, with its writes rendered: its record and its history."""

    rownum: int
    pk: int
    document_number: str
    party_uscc: str
    record: str  # its COPY line
    events: str  # its history's COPY lines


@dataclass
class Written:
    """What writing a chunk's good rows did: records created, rows already present, rows refused
    because the agency's record with their document number differs (and those rows' errors)."""

    created: int = 0
    present: int = 0
    conflicts: int = 0
    errors: list[RowError] = dataclass_field(default_factory=list)


@dataclass
class ChunkLookups:
    """What cleaning a chunk needs from the database, fetched before it starts (``ChunkImporter.prepare``)."""

    parties: Parties
    ids: list[int]  # a record id for each row of the chunk (a refused row leaves a gap)
    now: dt.datetime
    keys: list[str] = dataclass_field(default_factory=list)  # a record key for each row (clean_ahead)


@dataclass
class CleanedChunk:
    """A chunk cleaned ahead: per row a CleanRow, its RowErrors, or RowNeedingDatabase."""

    outcomes: list
    ahead: ChunkLookups
