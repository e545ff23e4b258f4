"""Objections (docs/domain.md §5): anyone may object to a published record or listing.

The record is shown as "under objection" from the moment the objection arrives. The platform
(registry administrators) forwards it to the source agency, which corrects the record (a new
version through ``record_correct``), revokes it, or upholds it with reasons. Every time limit is
a DeadlineRule in working days (Shanghai Social Credit Regulation, art. 36–38): mark within
1 working day, platform decision within 5 or forwarding within 2, the source's decision within 5.

The objector gets a reference and a follow-up key, shown once; only the key's hash is stored.
An objector who gave an e-mail address is written to on every outcome.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.audit import audit_write
from registry.cache import enterprise_changed
from registry.permissions import ensure_registry_admin, is_registry_admin
from sanctions.choices import DeadlineKind, ObjectionStatus, RecordStatus, RemovalReason
from sanctions.lists.selectors import active_listings
from sanctions.lists.services import listing_remove
from sanctions.models import CreditRecord, Listing, Objection, ObjectionEvidence
from sanctions.permissions import ensure_can_correct
from sanctions.records.selectors import public_records
from sanctions.records.services import record_correct, record_revoke
from sanctions.remedies.deadlines import deadline
from sanctions.remedies.selectors import OPEN_OBJECTION_STATUSES, follow_key_hash, record_current_version
from sanctions.remedies.uploads import check_uploads, delete_files, save_checked_files

logger = logging.getLogger(__name__)

LIMITS = {"objector_name": 200, "contact": 200, "reason": 4000}
# The outcomes of ``objection_uphold`` and ``objection_revoke`` (a correction is a step of its own).
UPHOLD_OR_REVOKE = [
    (ObjectionStatus.UPHELD, gettext_lazy("Uphold the record")),
    (ObjectionStatus.REVOKED, gettext_lazy("Revoke: the decision was annulled")),
]
_REF_ALPHABET = "ABCDEFGHJKLMNPQRTUWXY0123456789"


def _new_reference(today: dt.date) -> str:
    return f"YY{today:%Y%m%d}{''.join(secrets.choice(_REF_ALPHABET) for _ in range(6))}"


def contact_email(contact: str) -> str | None:
    """The contact, if it is an e-mail address (else it is a phone number: nothing is sent)."""
    try:
        validate_email((contact or "").strip())
    except ValidationError:
        return None
    return contact.strip()


def _check_text(values: dict[str, str]) -> dict[str, str]:
    cleaned, errors = {}, {}
    for name, limit in LIMITS.items():
        value = (values.get(name) or "").strip()
        if not value:
            errors[name] = [_("This field is required.")]
        elif len(value) > limit:
            errors[name] = [_("At most %(max)d characters.") % {"max": limit}]
        cleaned[name] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


# -- writes -------------------------------------------------------------------------------------------
@transaction.atomic
def objection_submit(
    *,
    objector_name: str,
    contact: str,
    reason: str,
    evidence: list[UploadedFile] | None = None,
    record: CreditRecord | None = None,
    listing: Listing | None = None,
) -> tuple[Objection, str]:
    """Anyone objects to a public record or listing; it is under objection at once. Returns (objection, key).

    The key is shown once and never stored (only its hash).
    """
    if (record is None) == (listing is None):
        raise ValueError("give a record or a listing")
    today = timezone.localdate()
    if record is not None:
        target = public_records(today=today).select_related("agency").filter(pk=record.pk).first()
    else:
        target = active_listings(today=today).filter(pk=listing.pk).first()
    if target is None:
        raise ValidationError(_("Only a record or listing that is public can be objected to."))
    if target.source_platform:
        # The deciding agency's platform decides objections (docs/partner-sync.md, authority rules).
        raise ValidationError(
            _("This comes from %(platform)s: object to it there, where its deciding agency answers.")
            % {"platform": target.source_platform_name or target.source_platform}
        )
    errors: dict[str, list] = {}
    try:
        text = _check_text({"objector_name": objector_name, "contact": contact, "reason": reason})
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        checked = check_uploads(list(evidence or []))
    except ValidationError as exc:
        errors["evidence"] = exc.messages
    if errors:
        raise ValidationError(errors)
    try:
        mark_by = deadline(DeadlineKind.OBJECTION_MARK, today)
        forward_by = deadline(DeadlineKind.OBJECTION_FORWARD, today)
        decide_by = deadline(DeadlineKind.OBJECTION_PLATFORM_DECISION, today)
    except LookupError as exc:
        raise ValidationError(str(exc)) from None
    key = secrets.token_urlsafe(24)
    objection = None
    for _attempt in range(5):
        try:
            with transaction.atomic():
                objection = Objection.objects.create(
                    reference=_new_reference(today),
                    follow_token_hash=follow_key_hash(key),
                    record=target if record is not None else None,
                    listing=target if listing is not None else None,
                    agency=target.agency,
                    mark_by=mark_by,
                    forward_by=forward_by,
                    decide_by=decide_by,
                    **text,
                )
            break
        except IntegrityError:
            continue
    if objection is None:  # pragma: no cover - five reference collisions in a row
        raise ValidationError(_("Please try again."))
    saved: list[str] = []
    try:
        save_checked_files(
            lambda _kind, item: ObjectionEvidence(
                objection=objection,
                original_name=item.original_name,
                content_type=item.content_type,
                size=item.size,
                sha256=item.sha256,
            ),
            [("evidence", c) for c in checked],
            saved,
        )
        # No personal data of the objector in the trail: the objection row holds it.
        audit_write(
            actor="public",
            action="objection.submit",
            target=objection,
            after={
                "record": record.pk if record else None,
                "listing": listing.pk if listing else None,
                "agency": objection.agency_id,
                "mark_by": mark_by,
                "forward_by": forward_by,
                "decide_by": decide_by,
                "evidence": [c.sha256 for c in checked],
            },
        )
    except BaseException:
        delete_files(saved)
        raise
    enterprise_changed(target.enterprise_id)
    return objection, key


def _locked(objection: Objection) -> Objection:
    return (
        Objection.objects.select_for_update(of=("self",))
        .select_related("agency", "record", "listing")
        .get(pk=objection.pk)
    )


def _refuse_unless_open(objection: Objection) -> None:
    if objection.status not in OPEN_OBJECTION_STATUSES:
        raise ValidationError(
            _("This objection was already decided (%(status)s).")
            % {"status": ObjectionStatus(objection.status).label}
        )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reasons for the outcome: the objector reads them.")]})
    if len(reason) > LIMITS["reason"]:
        raise ValidationError({"reason": [_("At most %(max)d characters.") % {"max": LIMITS["reason"]}]})
    return reason


@transaction.atomic
def objection_forward(*, actor: User, objection: Objection) -> Objection:
    """The platform forwards the objection to the source agency; the source's decision deadline starts."""
    objection = _locked(objection)
    ensure_registry_admin(actor)
    if objection.status != ObjectionStatus.RECEIVED:
        raise ValidationError(_("Only an objection just received can be forwarded."))
    today = timezone.localdate()
    try:
        decide_by = deadline(DeadlineKind.OBJECTION_SOURCE_DECISION, today)
    except LookupError as exc:
        raise ValidationError(str(exc)) from None
    before = {"status": objection.status, "decide_by": objection.decide_by}
    objection.status = ObjectionStatus.FORWARDED
    objection.forwarded_at = timezone.now()
    objection.decide_by = decide_by
    objection.save(update_fields=["status", "forwarded_at", "decide_by"])
    audit_write(
        actor=actor,
        action="objection.forward",
        target=objection,
        before=before,
        after={
            "status": ObjectionStatus.FORWARDED,
            "decide_by": decide_by,
            "late": today > objection.forward_by,
        },
    )
    return objection


def _ensure_can_uphold(actor: User, objection: Objection) -> None:
    """The source agency's clerks and reviewers; the platform (registry administrators) decides itself."""
    if not is_registry_admin(actor):
        ensure_can_correct(actor, objection.agency)


def _close(
    objection: Objection,
    *,
    actor: User,
    status: ObjectionStatus,
    reason: str,
    extra: dict[str, Any] | None = None,
) -> None:
    before = objection.status
    objection.status = status
    objection.decided_by = actor
    objection.decided_at = timezone.now()
    objection.outcome_reason = reason
    objection.save(update_fields=["status", "decided_by", "decided_at", "outcome_reason"])
    audit_write(
        actor=actor,
        action=f"objection.{status}",
        target=objection,
        before={"status": before},
        after={
            "status": status,
            "reason": reason,
            "late": timezone.localdate() > objection.decide_by,
            **(extra or {}),
        },
    )
    target = objection.record or objection.listing
    enterprise_changed(target.enterprise_id)
    _notify_on_commit(objection)


@transaction.atomic
def objection_uphold(*, actor: User, objection: Objection, reason: str) -> Objection:
    """The record (or listing) is right: it stays as it is, and the objector is told why."""
    objection = _locked(objection)
    _ensure_can_uphold(actor, objection)
    _refuse_unless_open(objection)
    _close(objection, actor=actor, status=ObjectionStatus.UPHELD, reason=_reason(reason))
    return objection


@transaction.atomic
def objection_correct(
    *, actor: User, objection: Objection, data: dict[str, Any], reason: str
) -> CreditRecord:
    """The source agency corrects the record: a new version goes to its reviewer (``record_correct``)."""
    objection = _locked(objection)
    ensure_can_correct(actor, objection.agency)
    _refuse_unless_open(objection)
    if objection.record_id is None:
        raise ValidationError(_("A listing is not corrected: revoke it or uphold it."))
    reason = _reason(reason)
    record = record_current_version(record=objection.record)
    new = record_correct(actor=actor, record=record, data=data, reason=reason)
    _close(
        objection,
        actor=actor,
        status=ObjectionStatus.CORRECTED,
        reason=reason,
        extra={"correction": new.pk, "version": new.version},
    )
    return new


@transaction.atomic
def objection_revoke(*, actor: User, objection: Objection, reason: str) -> Objection:
    """The decision behind the record (or listing) is revoked: it leaves public view at once."""
    objection = _locked(objection)
    ensure_can_correct(actor, objection.agency)
    _refuse_unless_open(objection)
    reason = _reason(reason)
    if objection.record_id:
        record = record_current_version(record=objection.record)
        if record.status == RecordStatus.REVOKED:
            raise ValidationError(_("The record is already revoked."))
        record_revoke(actor=actor, record=record, reason=reason)
    else:
        listing_remove(actor=actor, listing=objection.listing, reason=RemovalReason.REVOKED, note=reason)
    _close(objection, actor=actor, status=ObjectionStatus.REVOKED, reason=reason)
    return objection


# -- telling the objector ------------------------------------------------------------------------------
def follow_path(objection: Objection) -> str:
    return reverse("remedies:follow", args=[objection.reference])


def _notify_on_commit(objection: Objection) -> None:
    address = contact_email(objection.contact)
    if address is None:
        return
    objection_id, reference = objection.pk, objection.reference
    status_label = str(ObjectionStatus(objection.status).label)
    reason = objection.outcome_reason

    def send() -> None:
        subject = _("Your objection %(reference)s: %(outcome)s") % {
            "reference": reference,
            "outcome": status_label,
        }
        body = _(
            "The agency has decided on your objection %(reference)s.\n\n"
            "Outcome: %(outcome)s\n\nReasons:\n%(reason)s\n\n"
            "You can follow your objection at %(path)s with the key you were given when you submitted it."
        ) % {
            "reference": reference,
            "outcome": status_label,
            "reason": reason,
            "path": reverse("remedies:follow", args=[reference]),
        }
        try:
            send_mail(subject, body, None, [address])
        except Exception:  # a mail server that is down must not undo the decision
            logger.exception("could not tell the objector of %s", reference)
            return
        Objection.objects.filter(pk=objection_id).update(objector_notified_at=timezone.now())

    transaction.on_commit(send)
