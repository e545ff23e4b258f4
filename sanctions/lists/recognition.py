"""Which partner platforms' data count here for ratings and for the standing: the recognition rules
(``PartnerRecognition``), kept as data an administrator edits. A copy counts unless a rule for its
source platform and its record kind (or list) says it does not; this platform's own data always
counts. Expressed as subqueries, so every read that applies them stays one query."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from sanctions.models import PartnerRecognition

RATING = "rating"
STANDING = "standing"


def record_unrecognised(purpose: str) -> Exists:
    """True for a record (the outer row) that a rule keeps out of ``purpose``."""
    return Exists(
        PartnerRecognition.objects.filter(
            partner__code=OuterRef("source_platform"),
            record_kind=OuterRef("kind"),
            **{f"counts_for_{purpose}": False},
        )
    )


def listing_unrecognised(purpose: str) -> Exists:
    """True for a listing (the outer row) that a rule keeps out of ``purpose``."""
    return Exists(
        PartnerRecognition.objects.filter(
            partner__code=OuterRef("source_platform"),
            list_kind=OuterRef("list_kind_id"),
            **{f"counts_for_{purpose}": False},
        )
    )
