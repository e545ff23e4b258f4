"""Credit repair (DOMAIN.md §4): who may apply to end a record's or a listing's publicity early, the
application with its materials, and the deciding agency's decision.

Eligibility comes from data: the record's ``earliest_repair_date`` and ``early_repair_allowed``
(computed from the publicity rule and the penalty category catalogue), a list's
``early_removal_after_months``. The decision deadline is the ``repair_decision`` DeadlineRule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.accounts import ensure_acts_for, enterprise_of
from registry.audit import audit_write, snapshot
from registry.background import task_on_commit
from registry.cache import enterprise_changed
from registry.models import Enterprise
from registry.permissions import ensure_registry_admin, is_registry_admin, roles_in
from sanctions import task_names
from sanctions.choices import (
    ApplicationStatus,
    DeadlineKind,
    ListNature,
    MaterialKind,
    RecordKind,
    RecordStatus,
    RemovalReason,
    Severity,
)
from sanctions.lists.selectors import active_listings, active_listings_for
from sanctions.models import (
    CreditRecord,
    DeadlineRule,
    Listing,
    PenaltyCategory,
    RecordEvent,
    RepairApplication,
    RepairMaterial,
)
from sanctions.permissions import agencies_of, ensure_can_review
from sanctions.records.publicity import add_months
from sanctions.records.selectors import public_records, public_records_for
from sanctions.remedies.deadlines import deadline
from sanctions.remedies.uploads import CheckedFile, check_upload, delete_files, max_files, save_checked_files

# Which lists block the repair of records is data: ListKind.blocks_record_repair (seeded for the
# abnormal-operations and seriously-dishonest lists, SAMR Order 45 (2021), art. 16).
# What an application must contain at least (the rest of DOMAIN.md §4's materials are optional).
REQUIRED_MATERIALS = (MaterialKind.COMMITMENT_LETTER, MaterialKind.PROOF_OF_PERFORMANCE)
STATEMENT_MAX = 4000
REASON_MAX = 4000


# -- eligibility ---------------------------------------------------------------------------------------
@dataclass
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
class _Context:
    """What the eligibility of many targets needs, read once."""

    today: dt.date
    forbidden: dict[str, str] = field(default_factory=dict)
    open_by_record_key: dict = field(default_factory=dict)
    open_by_listing: dict = field(default_factory=dict)
    blocking: dict[int, list[str]] = field(default_factory=dict)


def _context(
    enterprise_ids: Iterable[int], record_keys: Iterable, listing_ids: Iterable[int], today: dt.date
) -> _Context:
    ctx = _Context(today=today)
    ctx.forbidden = dict(PenaltyCategory.objects.filter(early_end_forbidden=True).values_list("code", "name"))
    record_keys, listing_ids = list(record_keys), list(listing_ids)
    if record_keys or listing_ids:
        open_apps = (
            RepairApplication.objects.filter(status=ApplicationStatus.SUBMITTED)
            .filter(Q(record__record_key__in=record_keys) | Q(listing_id__in=listing_ids))
            .select_related("record")
        )
        for app in open_apps:
            if app.record_id:
                ctx.open_by_record_key[app.record.record_key] = app
            else:
                ctx.open_by_listing[app.listing_id] = app
    for listing in active_listings(today=today).filter(
        enterprise_id__in=list(enterprise_ids), list_kind__blocks_record_repair=True
    ):
        ctx.blocking.setdefault(listing.enterprise_id, []).append(listing.list_kind.name)
    return ctx


def _record_eligibility(record: CreditRecord, ctx: _Context, *, known_public: bool = False) -> Eligibility:
    today, end = ctx.today, record.publicity_end

    def no(reason: str, *, possible: bool = False, from_date: dt.date | None = None) -> Eligibility:
        return Eligibility(record, False, possible, from_date, reason, end)

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
        forbidden = [ctx.forbidden[c] for c in record.penalty_categories if c in ctx.forbidden]
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
    lists = ctx.blocking.get(record.enterprise_id)
    if lists:
        return no(
            _("While the enterprise is on the list “%(lists)s”, its penalties cannot be repaired early.")
            % {"lists": "、".join(lists)},
            possible=True,
            from_date=earliest,
        )
    open_app = ctx.open_by_record_key.get(record.record_key)
    if open_app:
        result = no(
            _("An application is being decided (decision due by %(date)s).")
            % {"date": open_app.decide_by.isoformat()},
            possible=True,
            from_date=earliest,
        )
        result.open_application = open_app
        return result
    return Eligibility(record, True, True, earliest or today, _("Repair can be applied for now."), end)


def _listing_eligibility(listing: Listing, ctx: _Context, *, known_active: bool = False) -> Eligibility:
    today, end = ctx.today, listing.end_date
    kind = listing.list_kind

    def no(reason: str, *, possible: bool = False, from_date: dt.date | None = None) -> Eligibility:
        return Eligibility(listing, False, possible, from_date, reason, end)

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
    open_app = ctx.open_by_listing.get(listing.pk)
    if open_app:
        result = no(
            _("An application is being decided (decision due by %(date)s).")
            % {"date": open_app.decide_by.isoformat()},
            possible=True,
            from_date=earliest,
        )
        result.open_application = open_app
        return result
    return Eligibility(listing, True, True, earliest, _("Early removal can be applied for now."), end)


def record_repair_eligibility(*, record: CreditRecord, today: dt.date | None = None) -> Eligibility:
    today = today or timezone.localdate()
    return _record_eligibility(record, _context([record.enterprise_id], [record.record_key], [], today))


def listing_repair_eligibility(*, listing: Listing, today: dt.date | None = None) -> Eligibility:
    today = today or timezone.localdate()
    return _listing_eligibility(listing, _context([listing.enterprise_id], [], [listing.pk], today))


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
    ctx = _context([enterprise.pk], [r.record_key for r in records], [li.pk for li in listings], today)
    return [_listing_eligibility(li, ctx, known_active=True) for li in listings] + [
        _record_eligibility(r, ctx, known_public=True) for r in records
    ]


# -- applying -----------------------------------------------------------------------------------------
def check_materials(materials: list[tuple[str, UploadedFile]]) -> list[tuple[str, CheckedFile]]:
    """Every file checked by content; the required kinds present. Errors keyed by material kind."""
    if len(materials) > max_files():
        raise ValidationError({"__all__": [_("Attach at most %(n)d files.") % {"n": max_files()}]})
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
    actor,
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


def listing_remove_service():
    """The lists feature's removal service (it checks its own permission and writes its own audit)."""
    try:
        from sanctions.lists.services import listing_remove
    except ImportError:
        raise ValidationError(_("Removing a listing early is not available yet.")) from None
    return listing_remove


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


def _current_version(record: CreditRecord) -> CreditRecord | None:
    return (
        CreditRecord.objects.select_for_update()
        .filter(record_key=record.record_key, is_current=True)
        .order_by("-version")
        .first()
    )


@transaction.atomic
def repair_approve(*, actor, application: RepairApplication, reason: str) -> RepairApplication:
    """The deciding agency's reviewer approves: the record leaves public view (or the listing is removed)."""
    application = _locked_application(application)
    ensure_can_review(actor, application.agency)
    _refuse_unless_open(application)
    reason = _decision_reason(reason)
    now = timezone.now()
    if application.record_id:
        record = _current_version(application.record)
        if record is None or record.status != RecordStatus.PUBLISHED or record.repaired_at is not None:
            raise ValidationError(
                _(
                    "The record is no longer public: there is nothing left to end. Reject the "
                    "application with this reason."
                )
            )
        record.repaired_at = now
        record.save(update_fields=["repaired_at", "updated_at"])
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
        listing_remove = listing_remove_service()
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
        before={"status": "submitted"},
        after={"status": "approved", "reason": reason},
    )
    enterprise_changed(application.enterprise_id)
    task_on_commit(task_names.RATING_RECOMPUTE, application.enterprise_id)
    return application


@transaction.atomic
def repair_reject(*, actor, application: RepairApplication, reason: str) -> RepairApplication:
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
        before={"status": "submitted"},
        after={"status": "rejected", "reason": reason},
    )
    return application


@transaction.atomic
def repair_withdraw(*, actor, application: RepairApplication) -> RepairApplication:
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
        before={"status": "submitted"},
        after={"status": "withdrawn"},
    )
    return application


# -- reads --------------------------------------------------------------------------------------------
def _base() -> QuerySet[RepairApplication]:
    return RepairApplication.objects.select_related(
        "enterprise", "agency", "record", "listing__list_kind", "applicant", "decided_by"
    )


def applications_of_enterprise(*, user) -> QuerySet[RepairApplication]:
    """The applications of the enterprise the user acts for (none if it acts for none)."""
    enterprise = enterprise_of(user)
    if enterprise is None:
        return RepairApplication.objects.none()
    return _base().filter(enterprise=enterprise)


def repair_queue(
    *, user, overdue_only: bool = False, today: dt.date | None = None
) -> QuerySet[RepairApplication]:
    """Applications the user's agencies decide (registry administrators: all); open ones first, oldest first."""
    qs = _base()
    if not is_registry_admin(user):
        qs = qs.filter(agency__in=agencies_of(user))
    if overdue_only:
        qs = qs.filter(status=ApplicationStatus.SUBMITTED, decide_by__lt=today or timezone.localdate())
    return qs.order_by("-status", "decide_by", "submitted_at")


def can_see_application(user, application: RepairApplication) -> bool:
    """The deciding agency's staff, registry administrators, and the applying enterprise's own account."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_registry_admin(user) or roles_in(user, application.agency):
        return True
    enterprise = enterprise_of(user)
    return enterprise is not None and enterprise.pk == application.enterprise_id


def application_get(*, user, pk: int) -> RepairApplication:
    """The application if the user may see it; otherwise 404, so that others' applications stay unknown."""
    application = _base().filter(pk=pk).first()
    if application is None or not can_see_application(user, application):
        raise Http404
    return application


def material_get(*, user, pk: int) -> RepairMaterial:
    material = RepairMaterial.objects.select_related("application__agency").filter(pk=pk).first()
    if material is None or not can_see_application(user, material.application):
        raise Http404
    return material


def is_application_overdue(application: RepairApplication, today: dt.date | None = None) -> bool:
    return application.status == ApplicationStatus.SUBMITTED and application.decide_by < (
        today or timezone.localdate()
    )


# -- the deadline catalogue (registry administrators) -------------------------------------------------
@transaction.atomic
def deadline_rule_save(*, actor, rule: DeadlineRule) -> DeadlineRule:
    """Add or change a statutory deadline; deadlines already computed keep the rule they were computed with."""
    ensure_registry_admin(actor)
    if rule.effective_to and rule.effective_to < rule.effective_from:
        raise ValidationError({"effective_to": [_("The end of effect is before its start.")]})
    if not (rule.legal_basis or "").strip():
        raise ValidationError({"legal_basis": [_("Give the legal basis of the deadline.")]})
    overlapping = (
        DeadlineRule.objects.filter(kind=rule.kind)
        .exclude(pk=rule.pk)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=rule.effective_from))
    )
    if rule.effective_to:
        overlapping = overlapping.filter(effective_from__lte=rule.effective_to)
    if overlapping.filter(effective_from=rule.effective_from).exists():
        raise ValidationError(
            {"effective_from": [_("Another rule of this kind takes effect on the same day.")]}
        )
    before = snapshot(DeadlineRule.objects.get(pk=rule.pk)) if rule.pk else None
    rule.full_clean()
    rule.save()
    audit_write(
        actor=actor, action="catalogue.deadline_rule_save", target=rule, before=before, after=snapshot(rule)
    )
    return rule
