"""Credit records and their consequences, one module per feature."""

from sanctions.models.inspections import Inspection, InspectionPlan, Inspector, InspectorConflict
from sanctions.models.lists import Listing, ListKind, ListSubscription, Measure, Memorandum, Notification
from sanctions.models.ratings import EnterpriseRating, RatingModel, RatingRule
from sanctions.models.records import (
    CreditRecord,
    ImportBatch,
    ImportRowError,
    PenaltyCategory,
    PublicityRule,
    RecordEvent,
)
from sanctions.models.remedies import (
    Commitment,
    DeadlineRule,
    Objection,
    ObjectionEvidence,
    RepairApplication,
    RepairMaterial,
)
from sanctions.models.statistics import StatisticsSnapshot
from sanctions.models.sync import PartnerPlatform, PartnerRecognition, SyncConflict, SyncRejection

__all__ = [
    "Commitment",
    "CreditRecord",
    "DeadlineRule",
    "EnterpriseRating",
    "ImportBatch",
    "ImportRowError",
    "Inspection",
    "InspectionPlan",
    "Inspector",
    "InspectorConflict",
    "ListKind",
    "ListSubscription",
    "Listing",
    "Measure",
    "Memorandum",
    "Notification",
    "Objection",
    "PartnerPlatform",
    "PartnerRecognition",
    "ObjectionEvidence",
    "PenaltyCategory",
    "PublicityRule",
    "RatingModel",
    "RatingRule",
    "RecordEvent",
    "RepairApplication",
    "RepairMaterial",
    "StatisticsSnapshot",
    "SyncConflict",
    "SyncRejection",
]
