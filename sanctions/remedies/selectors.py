"""Reads of the remedies: the queues and detail reads of repair applications (docs/domain.md §4),
objections (§5) and commitments (§8), and what the public pages ask of them. Whether something can
be repaired at all is ``eligibility``'s.

Staff reads go through ``sanctions.permissions.restrict_to_staff``: another agency's application,
objection or commitment is a 404, never a 403.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from registry.accounts import enterprise_of
from registry.models import Enterprise
from sanctions.choices import ApplicationStatus, CommitmentStatus, ObjectionStatus
from sanctions.models import (
    Commitment,
    CreditRecord,
    Objection,
    ObjectionEvidence,
    RepairApplication,
    RepairMaterial,
)
from sanctions.permissions import get_for_staff, restrict_to_staff

OPEN_OBJECTION_STATUSES = (ObjectionStatus.RECEIVED, ObjectionStatus.FORWARDED)


def record_current_version(*, record: CreditRecord, lock: bool = False) -> CreditRecord:
    """The version of the record in force now: an application or objection may name a version that
    was corrected since. ``lock`` takes the row lock a service changing that version needs."""
    versions = CreditRecord.objects.filter(record_key=record.record_key, is_current=True).order_by("-version")
    if lock:
        versions = versions.select_for_update()
    return versions.first() or record


# -- repair applications -------------------------------------------------------------------------------
def _applications() -> QuerySet[RepairApplication]:
    return RepairApplication.objects.select_related(
        "enterprise", "agency", "record", "listing__list_kind", "applicant", "decided_by"
    )


def applications_of_enterprise(*, user) -> QuerySet[RepairApplication]:
    """The applications of the enterprise the user acts for (none if it acts for none)."""
    enterprise = enterprise_of(user)
    if enterprise is None:
        return RepairApplication.objects.none()
    return _applications().filter(enterprise=enterprise)


def application_overdue_q(today: dt.date | None = None) -> Q:
    """Open and past its decision deadline (``is_application_overdue`` asks the same of one)."""
    return Q(status=ApplicationStatus.SUBMITTED, decide_by__lt=today or timezone.localdate())


def repair_queue(
    *, user, overdue_only: bool = False, today: dt.date | None = None
) -> QuerySet[RepairApplication]:
    """Applications the user's agencies decide (registry administrators: all); open ones first, oldest first."""
    qs = restrict_to_staff(_applications(), user)
    if overdue_only:
        qs = qs.filter(application_overdue_q(today))
    return qs.order_by("-status", "decide_by", "submitted_at")


def _applications_visible_to(user) -> QuerySet[RepairApplication]:
    """The deciding agency's staff and registry administrators, and the applying enterprise's account."""
    visible = restrict_to_staff(_applications(), user)
    enterprise = enterprise_of(user)
    if enterprise is not None:
        visible = visible | _applications().filter(enterprise=enterprise)
    return visible


def application_get(*, user, pk: int) -> RepairApplication:
    """The application if the user may see it; otherwise 404, so that others' applications stay unknown."""
    application = _applications_visible_to(user).filter(pk=pk).first()
    if application is None:
        raise Http404
    return application


def material_get(*, user, pk: int) -> RepairMaterial:
    """A repair material, if the user may see its application; otherwise 404."""
    material = (
        RepairMaterial.objects.select_related("application")
        .filter(pk=pk, application__in=_applications_visible_to(user).values("pk"))
        .first()
    )
    if material is None:
        raise Http404
    return material


def is_application_overdue(application: RepairApplication, today: dt.date | None = None) -> bool:
    return application.status == ApplicationStatus.SUBMITTED and application.decide_by < (
        today or timezone.localdate()
    )


# -- objections ---------------------------------------------------------------------------------------
def follow_key_hash(key: str) -> str:
    """What is stored of an objection's follow-up key."""
    return hashlib.sha256((key or "").encode()).hexdigest()


def open_objection_on_record() -> Exists:
    """For annotating a record query: whether the record (any version of it) carries an objection
    that is not decided yet (what ``records_under_objection`` asks too)."""
    return Exists(
        Objection.objects.filter(
            status__in=OPEN_OBJECTION_STATUSES, record__record_key=OuterRef("record_key")
        )
    )


def records_under_objection(record_ids: Iterable[int]) -> set[int]:
    """Which of these records carry an objection that is not decided yet (any version of the record)."""
    ids = list(record_ids)
    if not ids:
        return set()
    return set(
        CreditRecord.objects.filter(open_objection_on_record(), pk__in=ids).values_list("pk", flat=True)
    )


def listing_objection_open() -> QuerySet[Objection]:
    """For annotating a listing query: its objections not decided yet (wrap in ``Exists``)."""
    return Objection.objects.filter(status__in=OPEN_OBJECTION_STATUSES, listing=OuterRef("pk"))


def listings_under_objection(listing_ids: Iterable[int]) -> set[int]:
    """Which of these listings carry an objection that is not decided yet."""
    ids = list(listing_ids)
    if not ids:
        return set()
    return set(
        Objection.objects.filter(status__in=OPEN_OBJECTION_STATUSES, listing_id__in=ids).values_list(
            "listing_id", flat=True
        )
    )


def objection_follow_get(*, reference: str, key: str) -> Objection | None:
    """The objection if the key is its follow-up key (compared in constant time), else None."""
    objection = (
        Objection.objects.select_related("record", "listing__list_kind", "agency")
        .filter(reference=(reference or "").strip().upper())
        .first()
    )
    if objection is None or not hmac.compare_digest(objection.follow_token_hash, follow_key_hash(key)):
        return None
    return objection


def _objections() -> QuerySet[Objection]:
    return Objection.objects.select_related(
        "agency", "record", "listing__list_kind", "listing__enterprise", "record__enterprise"
    )


def objection_queue(*, user, open_only: bool = False) -> QuerySet[Objection]:
    """Objections to the user's agencies' records (registry administrators: all), open and most urgent first."""
    qs = restrict_to_staff(_objections(), user)
    if open_only:
        qs = qs.filter(status__in=OPEN_OBJECTION_STATUSES)
    return qs.annotate(
        is_open=Case(
            When(status__in=OPEN_OBJECTION_STATUSES, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("is_open", "decide_by", "received_at")


def objection_get_for_staff(*, user, pk: int) -> Objection:
    return get_for_staff(_objections(), user, pk=pk)


def evidence_get_for_staff(*, user, pk: int) -> ObjectionEvidence:
    return get_for_staff(
        ObjectionEvidence.objects.select_related("objection__agency"),
        user,
        pk=pk,
        agency_field="objection__agency",
    )


def objection_lateness(objection: Objection, today: dt.date | None = None) -> list[str]:
    """Which statutory deadlines this open objection has missed (forwarding, decision)."""
    today = today or timezone.localdate()
    late = []
    if objection.status == ObjectionStatus.RECEIVED and objection.forward_by < today:
        late.append("forward")
    if objection.status in OPEN_OBJECTION_STATUSES and objection.decide_by < today:
        late.append("decide")
    return late


# -- commitments --------------------------------------------------------------------------------------
def public_commitments_for(*, enterprise: Enterprise) -> QuerySet[Commitment]:
    """An enterprise's credit commitments as the public sees them (all of them, with their outcome)."""
    return (
        Commitment.objects.filter(enterprise=enterprise)
        .select_related("agency")
        .only(
            "id",
            "enterprise_id",
            "agency__name",
            "agency__uscc",
            "kind",
            "content",
            "legal_basis",
            "signed_on",
            "due_date",
            "status",
            "decided_at",
            "breach_record_id",
        )
        .order_by("-signed_on", "-id")
    )


def _commitments() -> QuerySet[Commitment]:
    return Commitment.objects.select_related("agency", "enterprise", "recorded_by", "breach_record")


def commitment_overdue_q(today: dt.date | None = None) -> Q:
    """Open and past its due date (``is_commitment_overdue`` asks the same of one)."""
    return Q(status=CommitmentStatus.OPEN, due_date__lt=today or timezone.localdate())


def commitments_for_staff(
    *, user, overdue_only: bool = False, today: dt.date | None = None
) -> QuerySet[Commitment]:
    """The commitments of the user's agencies (registry administrators: all)."""
    qs = restrict_to_staff(_commitments(), user)
    if overdue_only:
        qs = qs.filter(commitment_overdue_q(today))
    return qs.order_by("-signed_on", "-id")


def commitment_get_for_staff(*, user, pk: int) -> Commitment:
    return get_for_staff(_commitments(), user, pk=pk)


def is_commitment_overdue(commitment: Commitment, today: dt.date | None = None) -> bool:
    return (
        commitment.status == CommitmentStatus.OPEN
        and commitment.due_date is not None
        and commitment.due_date < (today or timezone.localdate())
    )
