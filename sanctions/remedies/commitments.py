"""Credit commitments (docs/domain.md §8): an agency records an enterprise's written commitment, then
whether it was fulfilled or breached. A breach becomes a draft dishonesty record of that agency,
prefilled from the commitment, which a clerk reviews and submits on the desk like any other.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.audit import audit_write, snapshot
from registry.cache import enterprise_changed
from registry.models import Agency, Enterprise
from sanctions.choices import CommitmentKind, CommitmentStatus, RecordKind
from sanctions.models import Commitment
from sanctions.permissions import ensure_can_correct, ensure_can_edit
from sanctions.records.services import record_create

CONTENT_MAX = 4000
NOTE_MAX = 4000
# The outcomes of ``commitment_fulfil`` and ``commitment_breach``.
COMMITMENT_OUTCOMES = [
    (CommitmentStatus.FULFILLED, gettext_lazy("Fulfilled")),
    (CommitmentStatus.BREACHED, gettext_lazy("Breached: create a draft dishonesty record")),
]
# The violation type of a breach record, as the national catalogue words it.
BREACH_VIOLATION_TYPE = "违背信用承诺"
BREACH_PENALTY_CATEGORY = "other"


def breach_document_number(commitment: Commitment) -> str:
    """The breach record's document number, derived from the commitment (unique per agency)."""
    return f"信用承诺〔{commitment.signed_on.year}〕{commitment.pk}号违诺"


@transaction.atomic
def commitment_record(
    *,
    actor: User,
    agency: Agency,
    enterprise: Enterprise,
    kind: str,
    content: str,
    legal_basis: str,
    signed_on: dt.date,
    due_date: dt.date | None = None,
) -> Commitment:
    """A clerk records an enterprise's written credit commitment; it is public from now on."""
    ensure_can_edit(actor, agency)
    errors: dict[str, list] = {}
    content, legal_basis = (content or "").strip(), (legal_basis or "").strip()
    if kind not in CommitmentKind.values:
        errors["kind"] = [_("Choose the kind of commitment.")]
    if not content:
        errors["content"] = [_("Write down what the enterprise committed to.")]
    elif len(content) > CONTENT_MAX:
        errors["content"] = [_("At most %(max)d characters.") % {"max": CONTENT_MAX}]
    if not legal_basis:
        errors["legal_basis"] = [
            _("Give the rule under which the commitment was given: a breach record cites it.")
        ]
    today = timezone.localdate()
    if signed_on is None:
        errors["signed_on"] = [_("This field is required.")]
    elif signed_on > today:
        errors["signed_on"] = [_("The signing date cannot be in the future.")]
    if due_date and signed_on and due_date < signed_on:
        errors["due_date"] = [_("The due date is before the signing date.")]
    if errors:
        raise ValidationError(errors)
    commitment = Commitment(
        enterprise=enterprise,
        agency=agency,
        kind=kind,
        content=content,
        legal_basis=legal_basis,
        signed_on=signed_on,
        due_date=due_date,
        recorded_by=actor,
    )
    commitment.full_clean()
    commitment.save()
    audit_write(
        actor=actor,
        action="commitment.record",
        target=commitment,
        after=snapshot(
            commitment,
            ["enterprise_id", "agency_id", "kind", "content", "legal_basis", "signed_on", "due_date"],
        ),
    )
    enterprise_changed(enterprise.pk)
    return commitment


def _locked(commitment: Commitment) -> Commitment:
    return (
        Commitment.objects.select_for_update(of=("self",))
        .select_related("agency", "enterprise")
        .get(pk=commitment.pk)
    )


def _refuse_unless_open(commitment: Commitment) -> None:
    if commitment.status != CommitmentStatus.OPEN:
        raise ValidationError(
            _("This commitment was already marked %(status)s.")
            % {"status": CommitmentStatus(commitment.status).label}
        )


def _note(note: str, *, required: bool) -> str:
    note = (note or "").strip()
    if required and not note:
        raise ValidationError({"note": [_("Say how the commitment was broken.")]})
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": [_("At most %(max)d characters.") % {"max": NOTE_MAX}]})
    return note


@transaction.atomic
def commitment_fulfil(*, actor: User, commitment: Commitment, note: str = "") -> Commitment:
    """The agency confirms the enterprise kept its commitment."""
    commitment = _locked(commitment)
    ensure_can_correct(actor, commitment.agency)
    _refuse_unless_open(commitment)
    commitment.status = CommitmentStatus.FULFILLED
    commitment.decided_by = actor
    commitment.decided_at = timezone.now()
    commitment.decision_note = _note(note, required=False)
    commitment.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_write(
        actor=actor,
        action="commitment.fulfil",
        target=commitment,
        before={"status": CommitmentStatus.OPEN},
        after={"status": CommitmentStatus.FULFILLED, "note": commitment.decision_note},
    )
    enterprise_changed(commitment.enterprise_id)
    return commitment


def breach_record_data(commitment: Commitment, *, breached_on: dt.date, note: str) -> dict:
    """What the commitment gives the breach record; the clerk completes the draft on the desk."""
    enterprise, agency = commitment.enterprise, commitment.agency
    return {
        "party_name": enterprise.name,
        "party_uscc": enterprise.uscc,
        "legal_representative": enterprise.legal_representative,
        "document_number": breach_document_number(commitment),
        "violation_type": BREACH_VIOLATION_TYPE,
        "violation_facts": note,
        "legal_basis": commitment.legal_basis,
        "penalty_categories": [BREACH_PENALTY_CATEGORY],
        "content": f"违背{commitment.signed_on.isoformat()}作出的信用承诺：{commitment.content}",
        "decision_date": breached_on,
        "authority_name": agency.name,
        "authority_uscc": agency.uscc,
        "source_unit_name": agency.name,
        "source_unit_uscc": agency.uscc,
    }


@transaction.atomic
def commitment_breach(
    *, actor: User, commitment: Commitment, note: str, breached_on: dt.date | None = None
) -> Commitment:
    """The enterprise broke its commitment: a draft dishonesty record of the agency is created for review."""
    commitment = _locked(commitment)
    ensure_can_edit(actor, commitment.agency)  # the draft record is a clerk's
    _refuse_unless_open(commitment)
    note = _note(note, required=True)
    breached_on = breached_on or timezone.localdate()
    if breached_on > timezone.localdate():
        raise ValidationError({"breached_on": [_("The breach date cannot be in the future.")]})
    if breached_on < commitment.signed_on:
        raise ValidationError({"breached_on": [_("The breach date is before the commitment was signed.")]})
    record, _created = record_create(
        actor=actor,
        agency=commitment.agency,
        kind=RecordKind.PENALTY,
        data=breach_record_data(commitment, breached_on=breached_on, note=note),
    )
    commitment.status = CommitmentStatus.BREACHED
    commitment.decided_by = actor
    commitment.decided_at = timezone.now()
    commitment.decision_note = note
    commitment.breach_record = record
    commitment.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "breach_record"])
    audit_write(
        actor=actor,
        action="commitment.breach",
        target=commitment,
        before={"status": CommitmentStatus.OPEN},
        after={
            "status": CommitmentStatus.BREACHED,
            "note": note,
            "breached_on": breached_on,
            "breach_record": record.pk,
        },
    )
    enterprise_changed(commitment.enterprise_id)
    return commitment
