"""What refuses a change of a record: the authority rule (a partner platform's copy is not changed
here), a decision document number the agency already recorded, and a status the change does not
apply to; and the row lock every change of an existing record takes first."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from registry.models import Agency
from sanctions.choices import RecordStatus
from sanctions.models import CreditRecord


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


def _existing_duplicate(agency: Agency, document_number: str, exclude_key=None) -> CreditRecord | None:
    qs = CreditRecord.objects.filter(agency=agency, document_number=document_number, is_current=True)
    if exclude_key is not None:
        qs = qs.exclude(record_key=exclude_key)
    return qs.first()


def _locked(record: CreditRecord) -> CreditRecord:
    return CreditRecord.objects.select_for_update().select_related("agency").get(pk=record.pk)


def _refuse(status_now: str, allowed: set[str], what: str) -> None:
    if status_now not in allowed:
        raise ValidationError(
            _("A record that is “%(status)s” cannot be %(what)s.")
            % {"status": RecordStatus(status_now).label, "what": what}
        )
