"""An enterprise's standing today, from public information only: the one answer the credit page
header, badge verification and the public API all give.

Levels, worst first: ``inactive`` (revoked or deregistered), ``dishonest`` (on the seriously
dishonest entities list), ``attention`` (unexpired serious
penalties, a watch list or the abnormal operations list), ``good``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from registry.choices import EnterpriseStatus
from registry.models import Enterprise
from sanctions.choices import ListNature, RecordKind, Severity
from sanctions.lists.selectors import active_listings_for
from sanctions.records.selectors import public_records_for

INACTIVE = "inactive"
DISHONEST = "dishonest"
ATTENTION = "attention"
GOOD = "good"

# The code of the seriously dishonest entities list (a list kind of fixtures/credit_system.json).
DISHONEST_LIST = "dishonest"

LEVEL_LABELS = {
    GOOD: _("In good standing"),
    ATTENTION: _("Attention"),
    DISHONEST: _("On the seriously dishonest entities list"),
    INACTIVE: _("No longer operating"),
}


@dataclass
class Standing:
    level: str
    reasons: list[str] = field(default_factory=list)
    serious_penalties: int = 0

    @property
    def label(self) -> str:
        return str(LEVEL_LABELS[self.level])


SERIOUS_SEVERITIES = (Severity.SERIOUS, Severity.SPECIFIC_SERIOUS)


def is_serious_penalty(record) -> bool:
    """A record that counts against standing: a penalty, serious or specific serious, not exempt."""
    return (
        record.kind == RecordKind.PENALTY and not record.is_exempt and record.severity in SERIOUS_SEVERITIES
    )


def enterprise_standing(*, enterprise: Enterprise, today: dt.date | None = None) -> Standing:
    """Live standing with the reasons for it (one or two queries)."""
    if enterprise.status in (EnterpriseStatus.REVOKED, EnterpriseStatus.DEREGISTERED):
        return standing_from(enterprise=enterprise, listings=[], serious_penalties=0)
    listings = list(active_listings_for(enterprise=enterprise, today=today))
    serious = 0
    if not any(entry.list_kind_id == DISHONEST_LIST for entry in listings):
        serious = (
            public_records_for(enterprise=enterprise, today=today)
            .filter(kind=RecordKind.PENALTY, is_exempt=False, severity__in=SERIOUS_SEVERITIES)
            .count()
        )
    return standing_from(enterprise=enterprise, listings=listings, serious_penalties=serious)


def standing_from(*, enterprise: Enterprise, listings, serious_penalties: int) -> Standing:
    """Standing from what a page has read already: the enterprise's listings in force
    (``active_listings_for``) and how many of its public records are serious penalties
    (``is_serious_penalty`` over ``public_records_for``)."""
    if enterprise.status in (EnterpriseStatus.REVOKED, EnterpriseStatus.DEREGISTERED):
        return Standing(
            INACTIVE,
            [str(_("Registration status: %(status)s") % {"status": enterprise.get_status_display()})],
        )
    dishonest = [entry for entry in listings if entry.list_kind_id == DISHONEST_LIST]
    if dishonest:
        return Standing(DISHONEST, [str(entry.list_kind) for entry in dishonest])
    reasons = [str(entry.list_kind) for entry in listings if entry.list_kind.nature == ListNature.ATTENTION]
    if serious_penalties:
        reasons.append(str(_("%(count)d unexpired serious penalty record(s)") % {"count": serious_penalties}))
    if reasons:
        return Standing(ATTENTION, reasons, serious_penalties=serious_penalties)
    return Standing(GOOD)
