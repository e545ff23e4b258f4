"""A published record changed after the fact: corrected (a new version goes to review; the published
one stays until it is approved) or revoked (the decision was annulled)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

if TYPE_CHECKING:
    from django.contrib.auth.models import User

from registry.audit import audit_write
from registry.background import task_on_commit
from registry.cache import enterprise_changed
from registry.choices import ChangeKind
from sanctions import task_names
from sanctions.choices import RecordStatus
from sanctions.models import CreditRecord
from sanctions.permissions import ensure_can_correct
from sanctions.records.public import record_change_emit
from sanctions.records.validation import clean_record

from .guards import DuplicateRecord, _existing_duplicate, _locked, _refuse, ensure_local_record
from .history import EDITABLE, _event, _record_values
from .visibility import _apply_publicity, _was_shown


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
