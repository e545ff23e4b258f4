"""The author's side: record a decision (a draft, or submitted at once), edit a draft, submit it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

if TYPE_CHECKING:
    from django.contrib.auth.models import User

from registry.audit import audit_write
from registry.models import Agency
from sanctions.choices import RecordKind, RecordStatus
from sanctions.models import CreditRecord
from sanctions.permissions import ensure_can_edit
from sanctions.records.validation import clean_record

from .guards import DuplicateRecord, _existing_duplicate, _locked, _refuse, ensure_local_record
from .history import EDITABLE, _event, _record_values
from .visibility import _apply_publicity


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
