"""The reviewer's side: send a submitted record back to its author, or publish it (four eyes); a
published correction supersedes the version before it."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
from sanctions.permissions import ensure_can_review
from sanctions.records.public import record_change_emit, record_is_public

from .guards import _locked, _refuse
from .history import _event
from .visibility import _apply_publicity


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
