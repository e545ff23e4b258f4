"""Credit records and what they are judged by, one module per concern:

- ``catalogue``: ``PenaltyCategory`` and ``PublicityRule``, the editable catalogues;
- ``credit_record``: ``CreditRecord`` (one row per version) and its history, ``RecordEvent``;
- ``importing``: ``ImportBatch``, a file of records uploaded by an agency, and its ``ImportRowError``.

Every model is imported here, so that ``sanctions.models`` registers it with the app and
``from sanctions.models.records import X`` works as before.
"""

from sanctions.models.records.catalogue import PenaltyCategory, PublicityRule
from sanctions.models.records.credit_record import CreditRecord, RecordEvent
from sanctions.models.records.importing import ImportBatch, ImportRowError

__all__ = [
    "CreditRecord",
    "ImportBatch",
    "ImportRowError",
    "PenaltyCategory",
    "PublicityRule",
    "RecordEvent",
]
