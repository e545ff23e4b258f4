"""Credit repair eligibility (docs/domain.md §4): whether a record or a listing can be repaired,
from when, and why not.

Eligibility comes from data: the record's ``earliest_repair_date`` and ``early_repair_allowed``
(computed from the publicity rule and the penalty category catalogue), a list's
``early_removal_after_months``, and the lists that block repair (``ListKind.blocks_record_repair``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import Enterprise
from sanctions.choices import ApplicationStatus, ListNature, RecordKind, Severity
from sanctions.lists.selectors import active_listings, active_listings_for
from sanctions.models import CreditRecord, Listing, PenaltyCategory, RepairApplication
from sanctions.records.publicity import add_months
from sanctions.records.selectors import public_records, public_records_for


@dataclass(kw_only=True)
class Eligibility:
    """Whether a record or listing can be repaired, from when, and why (not)."""

    target: CreditRecord | Listing
    can_apply: bool
    possible: bool
    from_date: dt.date | None
    reason: str
    ends_on: dt.date | None = None
    open_application: RepairApplication | None = None

    @property
    def is_listing(self) -> bool:
        return isinstance(self.target, Listing)


@dataclass
class _EligibilityFacts:
    """What the eligibility of many targets needs, read once."""

    today: dt.date
    forbidden: dict[str, str] = field(default_factory=dict)
    open_by_record_key: dict = field(default_factory=dict)
    open_by_listing: dict = field(default_factory=dict)
    blocking: dict[int, list[str]] = field(default_factory=dict)


def _eligibility_facts(
    enterprise_ids: Iterable[int], record_keys: Iterable, listing_ids: Iterable[int], today: dt.date
) -> _EligibilityFacts:
    facts = _EligibilityFacts(today=today)
    facts.forbidden = dict(
        PenaltyCategory.objects.filter(early_end_forbidden=True).values_list("code", "name")
    )
    record_keys, listing_ids = list(record_keys), list(listing_ids)
    if record_keys or listing_ids:
        open_apps = (
            RepairApplication.objects.filter(status=ApplicationStatus.SUBMITTED)
            .filter(Q(record__record_key__in=record_keys) | Q(listing_id__in=listing_ids))
            .select_related("record")
        )
        for app in open_apps:
            if app.record_id:
                facts.open_by_record_key[app.record.record_key] = app
            else:
                facts.open_by_listing[app.listing_id] = app
    # Which lists block the repair of records is data: ListKind.blocks_record_repair.
    for listing in active_listings(today=today).filter(
        enterprise_id__in=list(enterprise_ids), list_kind__blocks_record_repair=True
    ):
        facts.blocking.setdefault(listing.enterprise_id, []).append(listing.list_kind.name)
    return facts


def _being_decided(target, application: RepairApplication, ends_on, from_date) -> Eligibility:
    return Eligibility(
        target=target,
        can_apply=False,
        possible=True,
        from_date=from_date,
        reason=_("An application is being decided (decision due by %(date)s).")
        % {"date": application.decide_by.isoformat()},
        ends_on=ends_on,
        open_application=application,
    )


def _record_eligibility(
    record: CreditRecord, facts: _EligibilityFacts, *, known_public: bool = False
) -> Eligibility:
    today, end = facts.today, record.publicity_end

    def no(reason: str, *, possible: bool = False, from_date: dt.date | None = None) -> Eligibility:
        return Eligibility(
            target=record, can_apply=False, possible=possible, from_date=from_date, reason=reason, ends_on=end
        )

    if record.kind != RecordKind.PENALTY:
        return no(
            _(
                "Only dishonesty information (administrative penalties) is repaired; licences and rewards "
                "are not."
            )
        )
    if record.never_published:
        return no(_("A warning-only penalty is never published: there is nothing to repair."))
    if record.repaired_at:
        return no(_("Publicity already ended by credit repair."))
    if not known_public and not public_records(today=today).filter(pk=record.pk).exists():
        return no(_("This record is not public, so there is nothing to repair."))
    if not record.early_repair_allowed:
        forbidden = [facts.forbidden[c] for c in record.penalty_categories if c in facts.forbidden]
        if forbidden:
            return no(
                _("Publicity of this kind of penalty (%(kinds)s) can never end early.")
                % {"kinds": "、".join(forbidden)}
            )
        if record.severity == Severity.SPECIFIC_SERIOUS:
            return no(
                _("Specific serious dishonesty is public for its full period and cannot be repaired early.")
            )
        rule = record.publicity_rule.name if record.publicity_rule_id else "—"
        return no(_("The publicity rule “%(rule)s” does not allow an early end.") % {"rule": rule})
    earliest = record.earliest_repair_date
    if earliest and earliest > today:
        return no(
            _("The minimum publicity period runs until %(date)s: repair can be applied for from then.")
            % {"date": earliest.isoformat()},
            possible=True,
            from_date=earliest,
        )
    lists = facts.blocking.get(record.enterprise_id)
    if lists:
        return no(
            _("While the enterprise is on the list “%(lists)s”, its penalties cannot be repaired early.")
            % {"lists": "、".join(lists)},
            possible=True,
            from_date=earliest,
        )
    open_app = facts.open_by_record_key.get(record.record_key)
    if open_app:
        return _being_decided(record, open_app, end, earliest)
    return Eligibility(
        target=record,
        can_apply=True,
        possible=True,
        from_date=earliest or today,
        reason=_("Repair can be applied for now."),
        ends_on=end,
    )


def _listing_eligibility(
    listing: Listing, facts: _EligibilityFacts, *, known_active: bool = False
) -> Eligibility:
    today, end = facts.today, listing.end_date
    kind = listing.list_kind

    def no(reason: str, *, possible: bool = False, from_date: dt.date | None = None) -> Eligibility:
        return Eligibility(
            target=listing,
            can_apply=False,
            possible=possible,
            from_date=from_date,
            reason=reason,
            ends_on=end,
        )

    if kind.nature == ListNature.REWARD:
        return no(_("A reward list is not dishonesty information; it is not repaired."))
    if not known_active and not active_listings(today=today).filter(pk=listing.pk).exists():
        return no(_("This listing is not in force, so there is nothing to repair."))
    if kind.early_removal_after_months is None:
        return no(_("The list “%(list)s” allows no early removal by credit repair.") % {"list": kind.name})
    earliest = add_months(listing.start_date, kind.early_removal_after_months)
    if earliest > today:
        return no(
            _(
                "Early removal from “%(list)s” can be applied for %(months)d months after listing, from "
                "%(date)s."
            )
            % {"list": kind.name, "months": kind.early_removal_after_months, "date": earliest.isoformat()},
            possible=True,
            from_date=earliest,
        )
    open_app = facts.open_by_listing.get(listing.pk)
    if open_app:
        return _being_decided(listing, open_app, end, earliest)
    return Eligibility(
        target=listing,
        can_apply=True,
        possible=True,
        from_date=earliest,
        reason=_("Early removal can be applied for now."),
        ends_on=end,
    )


def record_repair_eligibility(*, record: CreditRecord, today: dt.date | None = None) -> Eligibility:
    today = today or timezone.localdate()
    return _record_eligibility(
        record, _eligibility_facts([record.enterprise_id], [record.record_key], [], today)
    )


def listing_repair_eligibility(*, listing: Listing, today: dt.date | None = None) -> Eligibility:
    today = today or timezone.localdate()
    return _listing_eligibility(listing, _eligibility_facts([listing.enterprise_id], [], [listing.pk], today))


def repair_eligibility_for(*, enterprise: Enterprise, today: dt.date | None = None) -> list[Eligibility]:
    """For each public penalty and each listing in force (red lists aside): can it be repaired, and when."""
    today = today or timezone.localdate()
    records = list(
        public_records_for(enterprise=enterprise, today=today)
        .filter(kind=RecordKind.PENALTY)
        .order_by("-decision_date", "-id")
    )
    listings = [
        item
        for item in active_listings_for(enterprise=enterprise, today=today).order_by("-start_date")
        if item.list_kind.nature != ListNature.REWARD
    ]
    facts = _eligibility_facts(
        [enterprise.pk], [r.record_key for r in records], [li.pk for li in listings], today
    )
    return [_listing_eligibility(li, facts, known_active=True) for li in listings] + [
        _record_eligibility(r, facts, known_public=True) for r in records
    ]
