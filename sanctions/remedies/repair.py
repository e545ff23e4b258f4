"""Credit repair (docs/domain.md §4): an enterprise applies to end a record's or a listing's
publicity early, with its materials, and the deciding agency's reviewer approves or rejects.

Whether something can be repaired is ``eligibility``'s; the decision deadline is the
``repair_decision`` DeadlineRule.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.accounts import ensure_acts_for
from registry.audit import audit_write
from registry.background import task_on_commit
from registry.cache import enterprise_changed
from registry.choices import ChangeKind
from sanctions import task_names
from sanctions.choices import ApplicationStatus, DeadlineKind, MaterialKind, RecordStatus, RemovalReason
from sanctions.lists.services import listing_remove
from sanctions.models import CreditRecord, Listing, RecordEvent, RepairApplication, RepairMaterial
from sanctions.permissions import ensure_can_review
from sanctions.records.public import record_change_emit, record_is_public
from sanctions.records.services import ensure_local_record
from sanctions.remedies.deadlines import deadline
from sanctions.remedies.eligibility import listing_repair_eligibility, record_repair_eligibility
from sanctions.remedies.selectors import record_current_version
from sanctions.remedies.uploads import CheckedFile, check_upload, delete_files, save_checked_files

# What an application must contain at least (the other materials of docs/domain.md §4 are optional).
REQUIRED_MATERIALS = (MaterialKind.COMMITMENT_LETTER, MaterialKind.PROOF_OF_PERFORMANCE)
STATEMENT_MAX = 4000
REASON_MAX = 4000


class RepairDecision(models.TextChoices):
    """What a reviewer decides on an application: ``repair_approve`` or ``repair_reject``."""

    APPROVE = "approve", gettext_lazy("Approve")
    REJECT = "reject", gettext_lazy("Reject")


def check_materials(materials: list[tuple[str, UploadedFile]]) -> list[tuple[str, CheckedFile]]:
    """Every file checked by content; the required kinds present. Errors keyed by material kind."""
    if len(materials) > settings.REMEDY_UPLOAD_MAX_FILES:
        raise ValidationError(
            {"__all__": [_("Attach at most %(n)d files.") % {"n": settings.REMEDY_UPLOAD_MAX_FILES}]}
        )
    errors: dict[str, list] = {}
    checked: list[tuple[str, CheckedFile]] = []
    for kind, upload in materials:
        if kind not in MaterialKind.values:
            errors.setdefault("__all__", []).append(_("Unknown kind of material."))
            continue
        try:
            checked.append((kind, check_upload(upload)))
        except ValidationError as exc:
            errors.setdefault(kind, []).extend(exc.messages)
    have = {kind for kind, _upload in materials}
    for kind in REQUIRED_MATERIALS:
        if kind not in have and kind not in errors:
            errors.setdefault(kind, []).append(_("Attach the %(what)s.") % {"what": MaterialKind(kind).label})
    if errors:
        raise ValidationError(errors)
    return checked


@transaction.atomic
def repair_apply(
    *,
    actor: User,
    statement: str,
    materials: list[tuple[str, UploadedFile]],
    record: CreditRecord | None = None,
    listing: Listing | None = None,
) -> RepairApplication:
    """An enterprise account applies to end a record's (or a listing's) publicity early, with its materials."""
    if (record is None) == (listing is None):
        raise ValueError("give a record or a listing")
    target = record or listing
    enterprise = target.enterprise
    ensure_acts_for(actor, enterprise)
    today = timezone.localdate()
    if record is not None:
        record = (
            CreditRecord.objects.select_for_update(of=("self",))
            .select_related("agency", "publicity_rule")
            .get(pk=record.pk)
        )
        ensure_local_record(record)
        eligibility = record_repair_eligibility(record=record, today=today)
    else:
        listing = (
            Listing.objects.select_for_update(of=("self",))
            .select_related("list_kind", "agency")
            .get(pk=listing.pk)
        )
        eligibility = listing_repair_eligibility(listing=listing, today=today)
    if not eligibility.can_apply:
        raise ValidationError(eligibility.reason)
    statement = (statement or "").strip()
    errors: dict[str, list] = {}
    if not statement:
        errors["statement"] = [_("Say how the dishonesty was corrected (fine paid, harm removed, …).")]
    elif len(statement) > STATEMENT_MAX:
        errors["statement"] = [_("At most %(max)d characters.") % {"max": STATEMENT_MAX}]
    try:
        checked = check_materials(materials)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    try:
        decide_by = deadline(DeadlineKind.REPAIR_DECISION, today)
    except LookupError as exc:
        raise ValidationError(str(exc)) from None
    agency = (record or listing).agency
    saved: list[str] = []
    try:
        with transaction.atomic():
            application = RepairApplication.objects.create(
                enterprise=enterprise,
                record=record,
                listing=listing,
                agency=agency,
                applicant=actor,
                statement=statement,
                decide_by=decide_by,
            )
        save_checked_files(
            lambda kind, item: RepairMaterial(
                application=application,
                kind=kind,
                original_name=item.original_name,
                content_type=item.content_type,
                size=item.size,
                sha256=item.sha256,
            ),
            checked,
            saved,
        )
        audit_write(
            actor=actor,
            action="repair.apply",
            target=application,
            after={
                "record": record.pk if record else None,
                "listing": listing.pk if listing else None,
                "agency": agency.pk,
                "decide_by": decide_by,
                "materials": [{"kind": k, "sha256": c.sha256, "size": c.size} for k, c in checked],
            },
        )
    except IntegrityError:
        delete_files(saved)
        raise ValidationError(_("An application for this is already being decided.")) from None
    except BaseException:
        delete_files(saved)
        raise
    return application


def _locked_application(application: RepairApplication) -> RepairApplication:
    return (
        RepairApplication.objects.select_for_update(of=("self",))
        .select_related("agency", "enterprise", "record", "listing")
        .get(pk=application.pk)
    )


def _decision_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reasons for the decision.")]})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": [_("At most %(max)d characters.") % {"max": REASON_MAX}]})
    return reason


def _refuse_unless_open(application: RepairApplication) -> None:
    if application.status != ApplicationStatus.SUBMITTED:
        raise ValidationError(
            _("This application was already decided (%(status)s).")
            % {"status": ApplicationStatus(application.status).label}
        )


@transaction.atomic
def repair_approve(*, actor: User, application: RepairApplication, reason: str) -> RepairApplication:
    """The deciding agency's reviewer approves: the record leaves public view (or the listing is removed)."""
    application = _locked_application(application)
    ensure_can_review(actor, application.agency)
    _refuse_unless_open(application)
    reason = _decision_reason(reason)
    now = timezone.now()
    if application.record_id:
        record = record_current_version(record=application.record, lock=True)
        ensure_local_record(record)
        if record.status != RecordStatus.PUBLISHED or record.repaired_at is not None:
            raise ValidationError(
                _(
                    "The record is no longer public: there is nothing left to end. Reject the "
                    "application with this reason."
                )
            )
        was_public = record_is_public(record)
        record.repaired_at = now
        record.save(update_fields=["repaired_at", "updated_at"])
        if was_public:
            record_change_emit(kind=ChangeKind.RECORD_REPAIRED, record=record)
        RecordEvent.objects.create(
            record=record,
            record_key=record.record_key,
            action="repair",
            actor=actor,
            actor_label=actor.get_username(),
            comment=reason,
            changes={"repair_application": application.pk},
        )
        audit_write(
            actor=actor,
            action="record.repair",
            target=record,
            before={"repaired_at": None},
            after={"repaired_at": now, "repair_application": application.pk},
        )
    else:
        listing_remove(actor=actor, listing=application.listing, reason=RemovalReason.REPAIRED, note=reason)
    application.status = ApplicationStatus.APPROVED
    application.decided_by = actor
    application.decided_at = now
    application.decision_reason = reason
    application.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    audit_write(
        actor=actor,
        action="repair.approve",
        target=application,
        before={"status": ApplicationStatus.SUBMITTED},
        after={"status": ApplicationStatus.APPROVED, "reason": reason},
    )
    enterprise_changed(application.enterprise_id)
    task_on_commit(task_names.RATING_RECOMPUTE, application.enterprise_id)
    return application


@transaction.atomic
def repair_reject(*, actor: User, application: RepairApplication, reason: str) -> RepairApplication:
    """The deciding agency's reviewer rejects, with reasons the enterprise sees."""
    application = _locked_application(application)
    ensure_can_review(actor, application.agency)
    _refuse_unless_open(application)
    reason = _decision_reason(reason)
    application.status = ApplicationStatus.REJECTED
    application.decided_by = actor
    application.decided_at = timezone.now()
    application.decision_reason = reason
    application.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    audit_write(
        actor=actor,
        action="repair.reject",
        target=application,
        before={"status": ApplicationStatus.SUBMITTED},
        after={"status": ApplicationStatus.REJECTED, "reason": reason},
    )
    return application


@transaction.atomic
def repair_withdraw(*, actor: User, application: RepairApplication) -> RepairApplication:
    """The enterprise withdraws its own application before it is decided."""
    application = _locked_application(application)
    ensure_acts_for(actor, application.enterprise)
    _refuse_unless_open(application)
    application.status = ApplicationStatus.WITHDRAWN
    application.save(update_fields=["status"])
    audit_write(
        actor=actor,
        action="repair.withdraw",
        target=application,
        before={"status": ApplicationStatus.SUBMITTED},
        after={"status": ApplicationStatus.WITHDRAWN},
    )
    return application
