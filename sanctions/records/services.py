"""Every change to a credit record: create, edit, submit, send back, publish, correct, revoke, expire.

Each is one atomic function that checks permission, applies the rules, saves, and writes both the
audit entry and the record's own history event. Nothing is overwritten: a correction is a new
version, and the old one stays.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

if TYPE_CHECKING:
    from django.contrib.auth.models import User

from registry.audit import PendingEntry, audit_write, audit_write_many, snapshot
from registry.background import task_on_commit
from registry.cache import enterprise_changed
from registry.choices import ChangeKind
from registry.models import Agency
from sanctions import task_names
from sanctions.choices import RecordKind, RecordStatus, UsageScope
from sanctions.models import CreditRecord, RecordEvent
from sanctions.permissions import ensure_can_correct, ensure_can_edit, ensure_can_review
from sanctions.records.public import record_change_emit, record_is_public, records_removal_emit
from sanctions.records.publicity import publicity_for
from sanctions.records.validation import RECORD_FIELDS, clean_record

EDITABLE = list(RECORD_FIELDS)


class DuplicateRecord(ValidationError):
    """The agency already has a record with this decision document number."""

    def __init__(self, existing: CreditRecord):
        self.existing = existing
        url = reverse("sanctions:record", args=[existing.pk])
        super().__init__(
            {
                "document_number": [
                    _("Your agency already recorded decision %(number)s: see %(url)s")
                    % {"number": existing.document_number, "url": url}
                ]
            }
        )


class PartnerRecordLocked(ValidationError):
    """A copy received from a partner platform: it belongs to the platform of its deciding agency."""

    def __init__(self, record: CreditRecord):
        super().__init__(
            _(
                "This record was received from %(platform)s and belongs to the platform of its deciding "
                "agency (%(agency)s): it cannot be edited, corrected, revoked or repaired here. Ask "
                "%(platform)s; its changes reach this platform by the sync."
            )
            % {
                "platform": record.source_platform_name or record.source_platform,
                "agency": record.source_agency_name or record.agency.name,
            }
        )


def ensure_local_record(record: CreditRecord) -> None:
    """Refuse any local change of a partner platform's record (the authority rule)."""
    if record.source_platform:
        raise PartnerRecordLocked(record)


def _record_values(record: CreditRecord) -> dict[str, Any]:
    values = snapshot(record, [f if f != "enterprise" else "enterprise_id" for f in EDITABLE])
    values["status"] = record.status
    return values


def _event(
    record: CreditRecord, *, actor: User, action: str, comment: str = "", changes: dict | None = None
) -> None:
    RecordEvent.objects.create(
        record=record,
        record_key=record.record_key,
        action=action,
        actor=actor,
        actor_label=actor.get_username() if actor else "system",
        comment=comment,
        changes=changes or {},
    )


def _apply_publicity(record: CreditRecord) -> None:
    try:
        result = publicity_for(
            kind=record.kind,
            decision_date=record.decision_date,
            categories=record.penalty_categories,
            severity=record.severity,
            regulatory_field=record.regulatory_field,
            province=record.agency.division_id[:2],
            fine=record.fine_amount,
            valid_to=record.valid_to,
            agency_system=record.agency.publicity_system,
            party_category=record.party_category,
        )
    except LookupError as exc:
        raise ValidationError({"decision_date": [str(exc)]}) from None
    record.publicity_rule = result.rule
    record.publicity_end = result.end
    record.earliest_repair_date = result.earliest_repair
    record.early_repair_allowed = result.early_repair_allowed
    record.publish_deadline = result.publish_deadline
    record.never_published = result.never_published


def _existing_duplicate(agency: Agency, document_number: str, exclude_key=None) -> CreditRecord | None:
    qs = CreditRecord.objects.filter(agency=agency, document_number=document_number, is_current=True)
    if exclude_key is not None:
        qs = qs.exclude(record_key=exclude_key)
    return qs.first()


@transaction.atomic
def record_create(
    *,
    actor: User,
    agency: Agency,
    kind: str,
    data: dict[str, Any],
    idempotency_key: str | None = None,
    submit: bool = False,
    import_batch=None,
) -> tuple[CreditRecord, bool]:
    """Record a decision as a draft (or submitted); returns (record, created).

    The same Idempotency-Key returns the first record; the same document number is a duplicate.
    """
    ensure_can_edit(actor, agency)
    if kind not in RecordKind.values:
        raise ValidationError({"kind": [_("Choose penalty, licence or reward.")]})
    if idempotency_key:
        found = CreditRecord.objects.filter(agency=agency, idempotency_key=idempotency_key).first()
        if found:
            return found, False
    cleaned, errors = clean_record(data, kind=kind, agency=agency)
    if errors:
        raise ValidationError(errors)
    duplicate = _existing_duplicate(agency, cleaned["document_number"])
    if duplicate:
        raise DuplicateRecord(duplicate)
    record = CreditRecord(
        agency=agency,
        kind=kind,
        created_by=actor,
        idempotency_key=idempotency_key or None,
        import_batch=import_batch,
        **cleaned,
    )
    _apply_publicity(record)
    if submit:
        record.status = RecordStatus.SUBMITTED
        record.submitted_at = timezone.now()
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        duplicate = _existing_duplicate(agency, cleaned["document_number"])
        if duplicate:
            raise DuplicateRecord(duplicate) from None
        raise
    _event(record, actor=actor, action="create", changes=_record_values(record))
    audit_write(
        actor=actor, action=f"record.create.{record.status}", target=record, after=_record_values(record)
    )
    if submit:
        _event(record, actor=actor, action="submit")
    return record, True


def _locked(record: CreditRecord) -> CreditRecord:
    return CreditRecord.objects.select_for_update().select_related("agency").get(pk=record.pk)


def _refuse(status_now: str, allowed: set[str], what: str) -> None:
    if status_now not in allowed:
        raise ValidationError(
            _("A record that is “%(status)s” cannot be %(what)s.")
            % {"status": RecordStatus(status_now).label, "what": what}
        )


@transaction.atomic
def record_update(*, actor: User, record: CreditRecord, data: dict[str, Any]) -> CreditRecord:
    """Edit a draft (a record sent back by the reviewer is a draft again)."""
    record = _locked(record)
    ensure_local_record(record)
    ensure_can_edit(actor, record.agency)
    _refuse(
        record.status, {RecordStatus.DRAFT}, _("edited (only drafts can; correct a published record instead)")
    )
    full = {**_record_values(record), "enterprise": None}
    full.update({k: v for k, v in data.items() if k in EDITABLE})
    cleaned, errors = clean_record(full, kind=record.kind, agency=record.agency)
    if errors:
        raise ValidationError(errors)
    if cleaned["document_number"] != record.document_number:
        duplicate = _existing_duplicate(
            record.agency, cleaned["document_number"], exclude_key=record.record_key
        )
        if duplicate:
            raise DuplicateRecord(duplicate)
    before = _record_values(record)
    for field, value in cleaned.items():
        setattr(record, field, value)
    _apply_publicity(record)
    after = _record_values(record)
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if not changed:
        return record
    record.save()
    _event(record, actor=actor, action="edit", changes=changed)
    audit_write(
        actor=actor,
        action="record.edit",
        target=record,
        before={k: v[0] for k, v in changed.items()},
        after={k: v[1] for k, v in changed.items()},
    )
    return record


@transaction.atomic
def record_submit(*, actor: User, record: CreditRecord) -> CreditRecord:
    """Send a draft to the agency's reviewers."""
    record = _locked(record)
    ensure_local_record(record)
    ensure_can_edit(actor, record.agency)
    _refuse(record.status, {RecordStatus.DRAFT}, pgettext("cannot be", "submitted"))
    record.status = RecordStatus.SUBMITTED
    record.submitted_at = timezone.now()
    record.save(update_fields=["status", "submitted_at", "updated_at"])
    _event(record, actor=actor, action="submit")
    audit_write(
        actor=actor,
        action="record.submit",
        target=record,
        before={"status": "draft"},
        after={"status": "submitted"},
    )
    return record


@transaction.atomic
def record_send_back(*, actor: User, record: CreditRecord, comment: str) -> CreditRecord:
    """Return a submitted record to its author with the reviewer's comment."""
    record = _locked(record)
    ensure_can_review(actor, record.agency)
    _refuse(record.status, {RecordStatus.SUBMITTED}, pgettext("cannot be", "sent back"))
    if not (comment or "").strip():
        raise ValidationError({"comment": [_("Tell the clerk what to change.")]})
    # A correction sent back becomes a draft of the correction; the published version stays meanwhile.
    record.status = RecordStatus.DRAFT
    record.review_comment = comment.strip()
    record.save(update_fields=["status", "review_comment", "updated_at"])
    _event(record, actor=actor, action="send_back", comment=comment.strip())
    audit_write(
        actor=actor,
        action="record.send_back",
        target=record,
        before={"status": "submitted"},
        after={"status": "draft", "comment": comment.strip()},
    )
    return record


@transaction.atomic
def record_publish(*, actor: User, record: CreditRecord) -> CreditRecord:
    """Approve a submitted record: it becomes public (within its scope and period) at once.

    The reviewer must belong to the same agency and must not be the record's author.
    """
    record = _locked(record)
    ensure_can_review(actor, record.agency)
    _refuse(record.status, {RecordStatus.SUBMITTED}, pgettext("cannot be", "published"))
    if record.created_by_id == actor.pk:
        raise ValidationError(_("You wrote this record: another reviewer must approve it (four eyes)."))
    _apply_publicity(record)
    now = timezone.now()
    previous_was_public = False
    if record.previous_id:
        previous = _locked(record.previous)
        previous_was_public = record_is_public(previous)
        previous.status = RecordStatus.CORRECTED
        previous.is_current = False
        previous.save(update_fields=["status", "is_current", "updated_at"])
        _event(
            previous,
            actor=actor,
            action="superseded",
            comment=record.change_reason,
            changes={"version": [previous.version, record.version]},
        )
        audit_write(
            actor=actor,
            action="record.superseded",
            target=previous,
            before={"status": "published"},
            after={"status": "corrected", "by_version": record.version},
        )
    record.status = RecordStatus.PUBLISHED
    record.is_current = True
    record.published_by = actor
    record.published_at = now
    record.review_comment = ""
    record.save()
    _event(record, actor=actor, action="publish")
    # The change feed: a version nobody may see (internal scope, never published, not yet in its
    # period) says nothing; a correction that takes a public record out of view says only that.
    if record_is_public(record):
        kind = ChangeKind.RECORD_CORRECTED if record.previous_id else ChangeKind.RECORD_PUBLISHED
        record_change_emit(kind=kind, record=record)
    elif previous_was_public:
        record_change_emit(kind=ChangeKind.RECORD_WITHDRAWN, record=record)
    audit_write(
        actor=actor,
        action="record.publish",
        target=record,
        before={"status": "submitted"},
        after={
            "status": "published",
            "publicity_end": record.publicity_end,
            "never_published": record.never_published,
        },
    )
    enterprise_changed(record.enterprise_id)
    task_on_commit(task_names.RATING_RECOMPUTE, record.enterprise_id)
    if record.previous_id and record.previous.enterprise_id != record.enterprise_id:
        task_on_commit(task_names.RATING_RECOMPUTE, record.previous.enterprise_id)
    return record


@transaction.atomic
def record_correct(*, actor: User, record: CreditRecord, data: dict[str, Any], reason: str) -> CreditRecord:
    """Correct a published record: a new version goes to review; the published one stays until approved."""
    record = _locked(record)
    ensure_local_record(record)
    ensure_can_correct(actor, record.agency)
    _refuse(record.status, {RecordStatus.PUBLISHED}, pgettext("cannot be", "corrected"))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the record is corrected.")]})
    if CreditRecord.objects.filter(previous=record).exists():
        raise ValidationError(_("A correction of this record is already waiting for review."))
    full = {**_record_values(record), "enterprise": None}
    full.update({k: v for k, v in data.items() if k in EDITABLE})
    cleaned, errors = clean_record(full, kind=record.kind, agency=record.agency)
    if errors:
        raise ValidationError(errors)
    if cleaned["document_number"] != record.document_number:
        duplicate = _existing_duplicate(
            record.agency, cleaned["document_number"], exclude_key=record.record_key
        )
        if duplicate:
            raise DuplicateRecord(duplicate)
    before = _record_values(record)
    new = CreditRecord(
        record_key=record.record_key,
        version=record.version + 1,
        previous=record,
        is_current=False,
        agency=record.agency,
        kind=record.kind,
        status=RecordStatus.SUBMITTED,
        created_by=actor,
        submitted_at=timezone.now(),
        change_reason=reason.strip(),
        **cleaned,
    )
    _apply_publicity(new)
    new.save()
    after = _record_values(new)
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k] and k != "status"}
    _event(new, actor=actor, action="correct", comment=reason.strip(), changes=changed)
    audit_write(
        actor=actor,
        action="record.correct",
        target=new,
        before={k: v[0] for k, v in changed.items()},
        after={**{k: v[1] for k, v in changed.items()}, "reason": reason.strip(), "version": new.version},
    )
    return new


@transaction.atomic
def record_revoke(*, actor: User, record: CreditRecord, reason: str) -> CreditRecord:
    """The decision was annulled: the record leaves public view at once; its history stays."""
    record = _locked(record)
    ensure_local_record(record)
    ensure_can_correct(actor, record.agency)
    _refuse(record.status, {RecordStatus.PUBLISHED, RecordStatus.EXPIRED}, pgettext("cannot be", "revoked"))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the decision was revoked.")]})
    pending = CreditRecord.objects.filter(
        previous=record, status__in=[RecordStatus.SUBMITTED, RecordStatus.DRAFT]
    )
    for correction in pending:
        correction.status = RecordStatus.REVOKED
        correction.revoked_at = timezone.now()
        correction.revoked_reason = reason.strip()
        correction.save(update_fields=["status", "revoked_at", "revoked_reason", "updated_at"])
        _event(correction, actor=actor, action="revoke", comment=reason.strip())
    before_status = record.status
    was_shown = _was_shown(record)
    record.status = RecordStatus.REVOKED
    record.revoked_at = timezone.now()
    record.revoked_reason = reason.strip()
    record.save(update_fields=["status", "revoked_at", "revoked_reason", "updated_at"])
    _event(record, actor=actor, action="revoke", comment=reason.strip())
    if was_shown:
        record_change_emit(kind=ChangeKind.RECORD_REVOKED, record=record)
    audit_write(
        actor=actor,
        action="record.revoke",
        target=record,
        before={"status": before_status},
        after={"status": "revoked", "reason": reason.strip()},
    )
    enterprise_changed(record.enterprise_id)
    task_on_commit(task_names.RATING_RECOMPUTE, record.enterprise_id)
    return record


def _was_shown(record: CreditRecord) -> bool:
    """Whether the record, published or expired, was one the public could see in its period: a
    mirror may hold it, so its revocation or expiry goes to the change feed."""
    return (
        record.status in (RecordStatus.PUBLISHED, RecordStatus.EXPIRED)
        and record.is_current
        and record.usage_scope == UsageScope.PUBLIC
        and not record.never_published
        and record.repaired_at is None
    )


@transaction.atomic
def records_expire(*, today: dt.date | None = None) -> int:
    """Mark published records whose publicity has ended (public view never waits for this), one
    batch of ``settings.EXPIRY_BATCH_ROWS``; returns how many. ``records_expire_batch`` goes on after
    a position, for a job over millions (``manage.py expire_records``)."""
    done = records_expire_batch(today=today)
    return done[0] if done else 0


@transaction.atomic
def records_expire_batch(
    *, today: dt.date | None = None, after: tuple[dt.date, int] | None = None, size: int | None = None
) -> tuple[int, tuple[dt.date, int]] | None:
    """One batch of the expiry: the first ``size`` published records whose publicity ended on or
    before ``today``, in (publicity end, id) order after ``after``, marked expired, each with its
    history event and audit entry, their enterprises' cached pages invalidated and ratings queued.

    Returns (records marked, the position of the last one), or None when none is left after
    ``after``. Found by the partial index ``record_publicity_due``: the cost of a batch does not grow
    with the records already expired. Rows another transaction holds are skipped (the next run takes
    them)."""
    from registry.services import system_actor

    today = today or timezone.localdate()
    size = size or settings.EXPIRY_BATCH_ROWS
    due = (
        CreditRecord.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("agency", "enterprise")
        .filter(status=RecordStatus.PUBLISHED, publicity_end__isnull=False, publicity_end__lte=today)
    )
    if after is not None:
        end, pk = after
        due = due.filter(Q(publicity_end__gt=end) | Q(publicity_end=end, pk__gt=pk))
    due = list(due.order_by("publicity_end", "pk")[:size])
    if not due:
        return None
    actor = system_actor()
    ids = [r.pk for r in due]
    CreditRecord.objects.filter(pk__in=ids).update(status=RecordStatus.EXPIRED, updated_at=timezone.now())
    RecordEvent.objects.bulk_create(
        [
            RecordEvent(
                record=r,
                record_key=r.record_key,
                action="expire",
                actor=actor,
                actor_label="system",
                changes={"publicity_end": r.publicity_end.isoformat()},
            )
            for r in due
        ]
    )
    audit_write_many(
        [
            PendingEntry(
                actor,
                "record.expire",
                r._meta.label_lower,
                str(r.pk),
                str(r)[:300],
                {"status": RecordStatus.PUBLISHED.value},
                {"status": RecordStatus.EXPIRED.value, "publicity_end": r.publicity_end},
            )
            for r in due
        ]
    )
    records_removal_emit(kind=ChangeKind.RECORD_EXPIRED, records=[r for r in due if _was_shown(r)])
    enterprises = sorted({r.enterprise_id for r in due})
    enterprise_changed(enterprises)
    # Their ratings, 500 enterprises a message (one message each cost more than the batch's writes).
    for start in range(0, len(enterprises), 500):
        task_on_commit(task_names.RATINGS_RECOMPUTE_MANY, enterprises[start : start + 500])
    return len(due), (due[-1].publicity_end, due[-1].pk)
