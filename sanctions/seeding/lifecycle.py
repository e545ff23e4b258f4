"""A plan carried out through the services, step by step as the desk, the portal and the enterprise
would: a clerk records, another reviewer publishes, corrections and revocations follow, anyone may
object, the enterprise applies for repair and the agency decides. Each step checks its permission,
writes its audit entry and history and bumps the enterprise's cache generation, as it always does.

Creating nothing twice: a record is found again by its idempotency key, a listing by its enterprise,
list and agency, a commitment by its enterprise, agency and kind.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from registry.models import Enterprise
from sanctions.choices import ApplicationStatus, CommitmentStatus, ObjectionStatus, RecordStatus
from sanctions.lists.services import listing_create, listing_publish, listing_remove
from sanctions.models import Commitment, CreditRecord, Listing, ListKind
from sanctions.records.services import (
    record_correct,
    record_publish,
    record_revoke,
    record_send_back,
    record_submit,
)
from sanctions.records.services import record_create as record_create_service
from sanctions.remedies.commitments import commitment_breach, commitment_fulfil, commitment_record
from sanctions.remedies.eligibility import listing_repair_eligibility, record_repair_eligibility
from sanctions.remedies.objections import (
    objection_correct,
    objection_forward,
    objection_revoke,
    objection_submit,
    objection_uphold,
)
from sanctions.remedies.repair import repair_apply, repair_approve, repair_reject, repair_withdraw

from . import texts
from .context import SeedContext
from .materials import repair_materials
from .plans import CommitmentPlan, EnterprisePlan, ListingPlan, RecordPlan, record_key

OBJECTOR_PHONE = "400-000-0000"  # a phone number, not an e-mail: nobody is written to
UPHOLD_REASON = "经核查，处罚决定认定事实清楚、证据确凿、适用依据正确，公示信息与处罚决定书一致，维持公示。"


def record_publish_new(
    ctx: SeedContext, *, enterprise: Enterprise, plan: RecordPlan, key: str | None
) -> tuple[CreditRecord, bool]:
    """The agency's clerk records the decision and sends it to review; its reviewer publishes it.
    Returns (record, created); a record with this key is returned as it is."""
    clerk, reviewer = ctx.staff[plan.agency]
    record, created = record_create_service(
        actor=clerk,
        agency=ctx.agency(plan.agency),
        kind=plan.kind,
        data=plan.data,
        idempotency_key=key,
        submit=True,
    )
    if not created or plan.stop == "submitted":
        return record, created
    if plan.stop == "sent_back":
        return record_send_back(actor=reviewer, record=record, comment=plan.comment), created
    return record_publish(actor=reviewer, record=record), created


def record_aftermath(
    ctx: SeedContext, *, enterprise: Enterprise, record: CreditRecord, plan: RecordPlan
) -> CreditRecord:
    """What happens to a published record afterwards: a correction, a revocation, an objection, a
    repair application. Returns the record's current version."""
    if record.status != RecordStatus.PUBLISHED:
        return record
    clerk, reviewer = ctx.staff[plan.agency]
    if plan.then == "revoke":
        return record_revoke(actor=reviewer, record=record, reason=plan.reason)
    if plan.then == "correct" and plan.correction:
        new = record_correct(actor=clerk, record=record, data=plan.correction, reason=plan.reason)
        return record_publish(actor=reviewer, record=new)
    if plan.objection:
        current = object_to_record(
            ctx,
            record=record,
            objector=enterprise.name,
            reason=plan.objection_reason or texts.OBJECTION_REASONS[0],
            outcome=plan.objection,
            decision_reason=plan.reason or UPHOLD_REASON,
            correction=plan.correction,
        )
        return current or record
    if plan.repair:
        repair(ctx, enterprise=enterprise, record=record, outcome=plan.repair, reason=plan.repair_reason)
    return record


def object_to_record(
    ctx: SeedContext,
    *,
    record: CreditRecord,
    objector: str,
    reason: str,
    outcome: str,
    decision_reason: str = UPHOLD_REASON,
    correction: dict | None = None,
) -> CreditRecord | None:
    """Someone objects to a public record; the platform forwards it; the source agency decides.
    Returns the record's version in force afterwards (None if the record was not public).

    Public on the day the objection service judges it (the clock's), not the seed's day: a seed that
    runs past midnight has records whose publicity ended at it, and the service refuses an objection
    to them."""
    from sanctions.records.selectors import public_records

    if not public_records(today=timezone.localdate()).filter(pk=record.pk).exists():
        return None
    objection, _key = objection_submit(
        objector_name=objector, contact=OBJECTOR_PHONE, reason=reason, record=record
    )
    if outcome == ObjectionStatus.RECEIVED:
        return record
    objection = objection_forward(actor=ctx.admin, objection=objection)
    code = ctx.code_of(record.agency_id)
    clerk, reviewer = ctx.staff[code]
    if outcome == ObjectionStatus.UPHELD:
        objection_uphold(actor=reviewer, objection=objection, reason=decision_reason)
    elif outcome == ObjectionStatus.REVOKED:
        objection_revoke(actor=reviewer, objection=objection, reason=decision_reason)
    elif outcome == ObjectionStatus.CORRECTED and correction:
        new = objection_correct(actor=clerk, objection=objection, data=correction, reason=decision_reason)
        return record_publish(actor=reviewer, record=new)
    return CreditRecord.objects.get(pk=record.pk)


def repair(
    ctx: SeedContext,
    *,
    enterprise: Enterprise,
    outcome: str,
    reason: str = "",
    record: CreditRecord | None = None,
    listing: Listing | None = None,
    account=None,
):
    """The enterprise applies for credit repair with its papers; the deciding agency's reviewer
    approves or rejects it, or the enterprise withdraws it (outcome: an ApplicationStatus). Nothing
    happens when the record or listing cannot be repaired today."""
    target = record or listing
    eligibility = (
        record_repair_eligibility(record=record, today=ctx.today)
        if record is not None
        else listing_repair_eligibility(listing=listing, today=ctx.today)
    )
    if not eligibility.can_apply:
        return None
    user = account or ctx.account_for(enterprise)
    number = target.document_number
    application = repair_apply(
        actor=user,
        statement=texts.REPAIR_STATEMENT,
        materials=repair_materials(enterprise_name=enterprise.name, document_number=number, day=ctx.today),
        record=record,
        listing=listing,
    )
    reviewer = ctx.reviewer(ctx.code_of(target.agency_id))
    if outcome == ApplicationStatus.APPROVED:
        return repair_approve(
            actor=reviewer, application=application, reason=reason or "符合信用修复条件，同意修复。"
        )
    if outcome == ApplicationStatus.REJECTED:
        return repair_reject(
            actor=reviewer, application=application, reason=reason or "申请材料不能证明已履行处罚决定。"
        )
    if outcome == ApplicationStatus.WITHDRAWN:
        return repair_withdraw(actor=user, application=application)
    return application


def listing_existing(*, enterprise: Enterprise, list_kind: str, agency_id: int) -> Listing | None:
    return Listing.objects.filter(enterprise=enterprise, list_kind_id=list_kind, agency_id=agency_id).first()


def listing_publish_new(
    ctx: SeedContext, *, enterprise: Enterprise, plan: ListingPlan, records: dict[int, CreditRecord]
) -> tuple[Listing, bool]:
    """The agency's clerk drafts the listing and submits it, its reviewer publishes; then a removal
    after repair or a revocation, if planned. Returns (listing, created)."""
    found = listing_existing(
        enterprise=enterprise, list_kind=plan.list_kind, agency_id=ctx.agency(plan.agency).pk
    )
    if found is not None:
        return found, False
    clerk, reviewer = ctx.staff[plan.agency]
    listing = listing_create(
        actor=clerk,
        agency=ctx.agency(plan.agency),
        enterprise=enterprise,
        list_kind=ListKind.objects.get(pk=plan.list_kind),
        data=plan.data,
        records=[
            records[n]
            for n in plan.cites
            if n in records and records[n].status in (RecordStatus.PUBLISHED, RecordStatus.EXPIRED)
        ],
        submit=True,
    )
    listing = listing_publish(actor=reviewer, listing=listing)
    if plan.remove:
        listing = listing_remove(actor=reviewer, listing=listing, reason=plan.remove, note=plan.note)
    elif plan.objection:
        object_to_listing(
            ctx, listing=listing, objector=enterprise.name, outcome=plan.objection, reason=plan.note
        )
    return listing, True


def object_to_listing(
    ctx: SeedContext, *, listing: Listing, objector: str, outcome: str, reason: str
) -> None:
    """Someone objects to a listing in force; the platform forwards it; the listing agency upholds it
    or revokes it (the listing is then removed). Nothing, if the listing is not in force today (see
    ``object_to_record``)."""
    from sanctions.lists.selectors import active_listings

    if not active_listings(today=timezone.localdate()).filter(pk=listing.pk).exists():
        return
    objection, _key = objection_submit(
        objector_name=objector, contact=OBJECTOR_PHONE, reason=texts.LISTING_OBJECTION, listing=listing
    )
    if outcome == ObjectionStatus.RECEIVED:
        return
    objection = objection_forward(actor=ctx.admin, objection=objection)
    reviewer = ctx.reviewer(ctx.code_of(listing.agency_id))
    if outcome == ObjectionStatus.UPHELD:
        objection_uphold(actor=reviewer, objection=objection, reason=UPHOLD_REASON)
    elif outcome == ObjectionStatus.REVOKED:
        objection_revoke(actor=reviewer, objection=objection, reason=reason)


def commitment_existing(*, enterprise: Enterprise, agency_id: int, kind: str) -> Commitment | None:
    return Commitment.objects.filter(enterprise=enterprise, agency_id=agency_id, kind=kind).first()


def commitment_new(
    ctx: SeedContext, *, enterprise: Enterprise, plan: CommitmentPlan
) -> tuple[Commitment, bool]:
    """The agency records the commitment; later it is kept, or broken (then the draft dishonesty
    record it creates is submitted by the clerk and published by the reviewer)."""
    agency = ctx.agency(plan.agency)
    found = commitment_existing(enterprise=enterprise, agency_id=agency.pk, kind=plan.kind)
    if found is not None:
        return found, False
    clerk, reviewer = ctx.staff[plan.agency]
    commitment = commitment_record(
        actor=clerk,
        agency=agency,
        enterprise=enterprise,
        kind=plan.kind,
        content=plan.content,
        legal_basis=plan.legal_basis,
        signed_on=plan.signed_on,
        due_date=plan.due_date,
    )
    if plan.outcome == CommitmentStatus.FULFILLED:
        commitment = commitment_fulfil(actor=reviewer, commitment=commitment, note=plan.note)
    elif plan.outcome == CommitmentStatus.BREACHED:
        commitment = commitment_breach(
            actor=clerk, commitment=commitment, note=plan.note, breached_on=plan.decided_on or ctx.today
        )
        record = record_submit(actor=clerk, record=commitment.breach_record)
        record_publish(actor=reviewer, record=record)
    return commitment, True


@transaction.atomic
def plan_apply(ctx: SeedContext, *, enterprise: Enterprise, plan: EnterprisePlan) -> bool:
    """Carry out an enterprise's whole plan in one transaction; True if anything was created."""
    created_any = False
    records: dict[int, CreditRecord] = {}
    for item in plan.records:
        if item.agency not in ctx.staff:
            continue
        record, created = record_publish_new(
            ctx, enterprise=enterprise, plan=item, key=record_key(enterprise.uscc, item.n)
        )
        if created:
            created_any = True
            record = record_aftermath(ctx, enterprise=enterprise, record=record, plan=item)
        records[item.n] = record
    for item in plan.listings:
        if item.agency in ctx.staff:
            _listing, created = listing_publish_new(ctx, enterprise=enterprise, plan=item, records=records)
            created_any |= created
    for item in plan.commitments:
        if item.agency in ctx.staff:
            _commitment, created = commitment_new(ctx, enterprise=enterprise, plan=item)
            created_any |= created
    return created_any
