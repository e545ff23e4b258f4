"""The importer of one file's chunks (``ChunkImporter``): what stays the same from chunk to chunk
read once (the publicity rules, the penalty catalogue, the holiday calendar, the COPY formatters and
the order of the columns), the caches its chunks share; cleaning and writing come from its mixins."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from registry.calendar import calendar_exceptions
from sanctions.choices import RecordStatus
from sanctions.models import CreditRecord, ImportBatch, PenaltyCategory, PublicityRule, RecordEvent
from sanctions.records.cells import penalty_category_lookup
from sanctions.records.importing.copying import copy_formatter, foreign_keys
from sanctions.records.importing.files import Columns
from sanctions.records.publicity import Publicity
from sanctions.records.validation import RECORD_FIELDS

from .cleaning import ChunkCleaning
from .outcomes import _PUBLICITY_FIELDS, ROW_FIELDS
from .writing import ChunkWriting


class ChunkImporter(ChunkCleaning, ChunkWriting):
    """Cleans and writes the chunks of one import; caches what stays the same from chunk to chunk."""

    def __init__(self, *, batch: ImportBatch, columns: Columns, first_row: dict[str, int]) -> None:
        self.batch = batch
        self.agency = batch.agency
        self.actor = batch.uploaded_by
        self.kind = columns.kind
        self.columns = columns
        self.first_row = first_row
        self.status = RecordStatus.SUBMITTED if batch.submit else RecordStatus.DRAFT
        self.categories = penalty_category_lookup()
        self.today = timezone.localdate()
        self.province = self.agency.division_id[:2]
        self.agency_system = self.agency.publicity_system
        rules = list(PublicityRule.objects.filter(kind=self.kind))
        # The catalogue and the holiday calendar are read once per file, not once per row (nor once
        # per publicity computed); the helper thread then needs neither the database nor the cache.
        self.catalogue_kwargs: dict[str, Any] = {
            "rules": rules,
            "catalogue": {c.code: c for c in PenaltyCategory.objects.all()},
            "calendar": calendar_exceptions(),
        }
        # The fine matters to the choice of rule only as "at most this threshold or not".
        self.fine_thresholds = sorted({r.fine_at_most for r in rules if r.fine_at_most is not None})
        # A rule without a maximum ends publicity with the record's validity.
        self.valid_to_matters = any(r.max_months is None for r in rules)
        # publicity key -> (Publicity, its columns formatted) or the reason no rule applies
        self.publicity_cache: dict[tuple, tuple[Publicity, str] | str] = {}
        self.met_present = False  # a chunk of this file met a record already present
        self.memo: dict = {}  # clean_record's per-field memo, for this file (one agency, one language)
        self.keys: dict[Any, str] = {}  # a party code cell -> the code as stored
        fields = [f for f in CreditRecord._meta.concrete_fields if not getattr(f, "generated", False)]
        by_name = {f.attname: f for f in fields}
        self.formatters = {name: copy_formatter(by_name[name]) for name in ROW_FIELDS}
        # A field the file has no column for is cleaned from None, to the same value in every row
        # (the party's code excepted: a party found by a legacy identifier gets it from the registry).
        # Those columns come last, rendered again only when their values change (never, in practice).
        self.varying = [n for n in RECORD_FIELDS if n in columns.by_field or n == "party_uscc"]
        self.fixed = [n for n in RECORD_FIELDS if n not in self.varying]
        self.constant_fields = [f for f in fields if f.attname not in {"id", "record_key", *ROW_FIELDS}]
        self.record_columns = ", ".join(
            [by_name["id"].column, by_name["record_key"].column]
            + [
                by_name[name].column
                for name in ["enterprise_id", *self.varying, *_PUBLICITY_FIELDS, *self.fixed]
            ]
            + [f.column for f in self.constant_fields]
        )
        self.template = {f.attname: f.get_default() for f in self.constant_fields}
        self.foreign_keys = foreign_keys(CreditRecord, RecordEvent)
