"""Random inspections graded by credit (双随机、一公开): the writes.

An agency keeps a roster of inspectors and their declared conflicts of interest; a clerk drafts a
plan (scope, period, a sampling rate per credit grade), another member of staff — a reviewer who
did not write it — approves it (four eyes), then the plan is drawn once: enterprises at random by
the rates of their grades, two inspectors at random for each, from a seed taken from the operating
system's CSPRNG and a snapshot of the population, both recorded and published
(``sanctions.inspections.draw``). A clerk enters each inspection's result, another reviewer
publishes it; an enterprise not found at its registered address is then entered into the
abnormal-operations list through the list services, with their four eyes.

Every write checks permission itself, writes its audit entry in the same transaction and marks the
enterprise's cached pages stale.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.audit import audit_write
from registry.cache import enterprise_changed
from registry.choices import EnterpriseStatus
from registry.models import Agency, Enterprise, StaffRole
from registry.permissions import can_manage_agency_staff
from sanctions.choices import InspectionOutcome, InspectionPlanStatus, InspectionResultStatus
from sanctions.inspections.draw import (
    ALGORITHM,
    DrawImpossible,
    draw_compute,
    snapshot_bytes,
    snapshot_sha256,
    strata_counts,
)
from sanctions.inspections.validation import PLAN_FIELDS, plan_clean
from sanctions.lists.selectors import active_listings
from sanctions.lists.services import listing_create, listing_publish
from sanctions.models import (
    EnterpriseRating,
    Inspection,
    InspectionPlan,
    Inspector,
    InspectorConflict,
    ListKind,
)
from sanctions.permissions import ensure_can_correct, ensure_can_edit, ensure_can_review

ABNORMAL_LIST = "abnormal"
# 企业经营异常名录管理暂行办法（国家工商行政管理总局令第68号）第四条第（四）项；企业信息公示暂行条例 第十七条.
NOT_FOUND_LEGAL_BASIS = (
    "《企业经营异常名录管理暂行办法》第四条第（四）项：通过登记的住所或者经营场所无法联系；"
    "《企业信息公示暂行条例》第十七条"
)
# What the public reads when the clerk does not spell out the consequence (the usual ones).
DEFAULT_CONSEQUENCES = {
    InspectionOutcome.NO_PROBLEM: "无",
    InspectionOutcome.PROBLEMS_CORRECTED: "责令限期改正",
    InspectionOutcome.PROBLEMS_PENDING: "移交后续处理",
    InspectionOutcome.NOT_FOUND: "列入经营异常名录",
    InspectionOutcome.NO_ACTIVITY: "无",
    InspectionOutcome.REFUSED: "依法处理",
}


def _plan_values(plan: InspectionPlan) -> dict[str, Any]:
    values = {f: getattr(plan, f) for f in PLAN_FIELDS if f != "rating_model"}
    values["rating_model"] = plan.rating_model_id
    values["status"] = plan.status
    return values


def _locked_plan(plan: InspectionPlan) -> InspectionPlan:
    return InspectionPlan.objects.select_for_update().select_related("agency").get(pk=plan.pk)


def _refuse(status_now: str, allowed: set[str], message: str) -> None:
    if status_now not in allowed:
        raise ValidationError(message % {"status": InspectionPlanStatus(status_now).label})


# --- The roster ---------------------------------------------------------------------------------------


@transaction.atomic
def inspector_add(*, actor: User, agency: Agency, user: User, badge_number: str) -> Inspector:
    """Put a member of the agency's staff on its roster of inspectors (agency administrators)."""
    if not can_manage_agency_staff(actor, agency):
        raise PermissionDenied(
            _("Only an administrator of %(agency)s may change its inspectors.") % {"agency": agency.name}
        )
    badge_number = " ".join(str(badge_number or "").split())
    if not badge_number:
        raise ValidationError(
            {"badge_number": [_("Give the inspector's law-enforcement certificate number.")]}
        )
    if not StaffRole.objects.filter(user=user, agency=agency).exists():
        raise ValidationError(
            {
                "user": [
                    _("%(user)s is not on the staff of %(agency)s.")
                    % {"user": user.get_username(), "agency": agency.name}
                ]
            }
        )
    if Inspector.objects.filter(agency=agency, badge_number=badge_number).exclude(user=user).exists():
        raise ValidationError(
            {"badge_number": [_("Another inspector of your agency has this certificate number.")]}
        )
    inspector, created = Inspector.objects.update_or_create(
        agency=agency, user=user, defaults={"badge_number": badge_number, "active": True}
    )
    audit_write(
        actor=actor,
        action="inspector.add" if created else "inspector.update",
        target=inspector,
        after={"badge_number": badge_number, "active": True},
    )
    return inspector


@transaction.atomic
def inspector_conflict_record(
    *, actor: User, inspector: Inspector, enterprise: Enterprise, reason: str
) -> InspectorConflict:
    """Record that an inspector must never inspect an enterprise (a declared conflict of interest)."""
    ensure_can_correct(actor, inspector.agency)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the inspector is conflicted.")]})
    conflict, _created = InspectorConflict.objects.get_or_create(
        inspector=inspector, enterprise=enterprise, defaults={"reason": reason, "created_by": actor}
    )
    audit_write(
        actor=actor,
        action="inspector.conflict",
        target=conflict,
        after={"inspector": inspector.badge_number, "enterprise": enterprise.uscc, "reason": reason},
    )
    return conflict


# --- Plans ----------------------------------------------------------------------------------------------


@transaction.atomic
def plan_create(*, actor: User, agency: Agency, data: dict[str, Any], submit: bool = False) -> InspectionPlan:
    """Draft an agency's random inspection plan (or send it straight to a reviewer)."""
    ensure_can_edit(actor, agency)
    cleaned = plan_clean(data=data)
    plan = InspectionPlan(agency=agency, created_by=actor, **cleaned)
    if submit:
        plan.status = InspectionPlanStatus.SUBMITTED
    plan.save()
    audit_write(
        actor=actor, action=f"inspection_plan.create.{plan.status}", target=plan, after=_plan_values(plan)
    )
    return plan


@transaction.atomic
def plan_update(*, actor: User, plan: InspectionPlan, data: dict[str, Any]) -> InspectionPlan:
    """Edit a draft plan (one sent back by the reviewer is a draft again)."""
    plan = _locked_plan(plan)
    ensure_can_edit(actor, plan.agency)
    _refuse(plan.status, {InspectionPlanStatus.DRAFT}, _("A plan that is “%(status)s” cannot be edited."))
    before = _plan_values(plan)
    merged = {**{f: getattr(plan, f) for f in PLAN_FIELDS}, **data}
    for field, value in plan_clean(data=merged).items():
        setattr(plan, field, value)
    plan.save()
    audit_write(
        actor=actor, action="inspection_plan.edit", target=plan, before=before, after=_plan_values(plan)
    )
    return plan


@transaction.atomic
def plan_submit(*, actor: User, plan: InspectionPlan) -> InspectionPlan:
    """Send a draft plan to the agency's reviewers."""
    plan = _locked_plan(plan)
    ensure_can_edit(actor, plan.agency)
    _refuse(plan.status, {InspectionPlanStatus.DRAFT}, _("A plan that is “%(status)s” cannot be submitted."))
    plan.status = InspectionPlanStatus.SUBMITTED
    plan.save(update_fields=["status", "updated_at"])
    audit_write(actor=actor, action="inspection_plan.submit", target=plan, after={"status": plan.status})
    return plan


@transaction.atomic
def plan_send_back(*, actor: User, plan: InspectionPlan, comment: str) -> InspectionPlan:
    """Return a submitted plan to its author with the reviewer's comment."""
    plan = _locked_plan(plan)
    ensure_can_review(actor, plan.agency)
    _refuse(
        plan.status, {InspectionPlanStatus.SUBMITTED}, _("A plan that is “%(status)s” cannot be sent back.")
    )
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": [_("Tell the clerk what to change.")]})
    plan.status = InspectionPlanStatus.DRAFT
    plan.review_comment = comment
    plan.save(update_fields=["status", "review_comment", "updated_at"])
    audit_write(
        actor=actor,
        action="inspection_plan.send_back",
        target=plan,
        after={"status": plan.status, "comment": comment},
    )
    return plan


@transaction.atomic
def plan_approve(*, actor: User, plan: InspectionPlan) -> InspectionPlan:
    """Approve a submitted plan so that it can be drawn; never by its own author (four eyes)."""
    plan = _locked_plan(plan)
    ensure_can_review(actor, plan.agency)
    _refuse(
        plan.status, {InspectionPlanStatus.SUBMITTED}, _("A plan that is “%(status)s” cannot be approved.")
    )
    if plan.created_by_id == actor.pk:
        raise ValidationError(_("You wrote this plan: another reviewer must approve it (four eyes)."))
    if plan.period_end < timezone.localdate():
        raise ValidationError({"period_end": [_("The plan's period has already ended.")]})
    plan.status = InspectionPlanStatus.APPROVED
    plan.approved_by = actor
    plan.approved_at = timezone.now()
    plan.review_comment = ""
    plan.save(update_fields=["status", "approved_by", "approved_at", "review_comment", "updated_at"])
    audit_write(actor=actor, action="inspection_plan.approve", target=plan, after={"status": plan.status})
    return plan


# --- The draw -------------------------------------------------------------------------------------------


def plan_population(*, plan: InspectionPlan, today: dt.date | None = None) -> list[tuple[str, str]]:
    """The plan's population today, ordered by USCC: (USCC, current grade or "" when ungraded).

    Enterprises in operation, in the plan's industries and division, on every list it requires and
    on none it excludes.
    """
    today = today or timezone.localdate()
    grade = EnterpriseRating.objects.filter(
        enterprise=OuterRef("pk"), model=plan.rating_model_id, is_current=True
    ).values("grade")[:1]
    queryset = Enterprise.objects.filter(status=EnterpriseStatus.IN_OPERATION)
    if plan.industries:
        queryset = queryset.filter(industry__in=plan.industries)
    if plan.division_prefix:
        queryset = queryset.filter(division_code__startswith=plan.division_prefix)
    listed = active_listings(today=today).filter(enterprise=OuterRef("pk"))
    for code in plan.include_list_kinds:
        queryset = queryset.filter(Exists(listed.filter(list_kind=code)))
    if plan.exclude_list_kinds:
        queryset = queryset.exclude(Exists(listed.filter(list_kind__in=plan.exclude_list_kinds)))
    rows = queryset.annotate(grade=Subquery(grade)).order_by("uscc").values_list("uscc", "grade")
    return [(uscc, grade or "") for uscc, grade in rows.iterator(chunk_size=5000)]


def plan_snapshot(*, plan: InspectionPlan, today: dt.date | None = None) -> dict[str, Any]:
    """What the draw is computed from, as it will be published (``draw.snapshot_bytes``)."""
    inspectors = list(
        Inspector.objects.filter(agency=plan.agency, active=True, user__is_active=True)
        .order_by("badge_number")
        .values_list("badge_number", flat=True)
    )
    conflicts = sorted(
        InspectorConflict.objects.filter(inspector__agency=plan.agency, inspector__active=True).values_list(
            "inspector__badge_number", "enterprise__uscc"
        )
    )
    return {
        "algorithm": ALGORITHM,
        "plan": plan.pk,
        "agency": plan.agency.uscc,
        "rating_model": plan.rating_model_id,
        "rates": plan.rates,
        "taken_on": (today or timezone.localdate()).isoformat(),
        "population": [list(row) for row in plan_population(plan=plan, today=today)],
        "inspectors": inspectors,
        "conflicts": [list(pair) for pair in conflicts],
    }


@transaction.atomic
def inspection_draw(*, actor: User, plan: InspectionPlan, seed: str | None = None) -> InspectionPlan:
    """Draw an approved plan, once: enterprises by the rates of their grades, two inspectors each.

    The seed comes from the operating system's CSPRNG (``seed`` is for tests only); the seed, the
    snapshot and its SHA-256 are recorded with the drawn inspections, and a second draw is refused.
    """
    plan = _locked_plan(plan)
    ensure_can_correct(actor, plan.agency)
    if plan.status == InspectionPlanStatus.DRAWN:
        raise ValidationError(_("This plan has already been drawn: a plan is drawn once."))
    _refuse(
        plan.status,
        {InspectionPlanStatus.APPROVED},
        _("A plan that is “%(status)s” cannot be drawn: a reviewer approves it first."),
    )
    if plan.period_end < timezone.localdate():
        raise ValidationError({"period_end": [_("The plan's period has already ended.")]})
    seed = seed or secrets.token_hex(32)
    snapshot = plan_snapshot(plan=plan)
    if len(snapshot["inspectors"]) < 2:
        raise ValidationError(
            _("%(agency)s has fewer than two inspectors on its roster: each inspection needs two.")
            % {"agency": plan.agency.name}
        )
    try:
        drawn = draw_compute(seed=seed, snapshot=snapshot)
    except DrawImpossible as exc:
        raise ValidationError(
            _("Enterprise %(uscc)s cannot get two inspectors free of a conflict of interest.")
            % {"uscc": exc.uscc}
        ) from None
    inspectors = {i.badge_number: i for i in Inspector.objects.filter(agency=plan.agency, active=True)}
    enterprises = dict(Enterprise.objects.filter(uscc__in=[d.uscc for d in drawn]).values_list("uscc", "pk"))
    Inspection.objects.bulk_create(
        [
            Inspection(
                plan=plan,
                enterprise_id=enterprises[item.uscc],
                grade=item.grade,
                position=position,
                inspector_1=inspectors[item.inspector_1],
                inspector_2=inspectors[item.inspector_2],
            )
            for position, item in enumerate(drawn, start=1)
        ],
        batch_size=2000,
    )
    plan.algorithm = ALGORITHM
    plan.seed = seed
    plan.snapshot = snapshot_bytes(snapshot).decode()
    plan.snapshot_sha256 = snapshot_sha256(snapshot)
    plan.population = len(snapshot["population"])
    plan.strata = strata_counts(snapshot=snapshot, drawn=drawn)
    plan.status = InspectionPlanStatus.DRAWN
    plan.drawn_by = actor
    plan.drawn_at = timezone.now()
    plan.save()
    audit_write(
        actor=actor,
        action="inspection_plan.draw",
        target=plan,
        after={
            "seed": seed,
            "snapshot_sha256": plan.snapshot_sha256,
            "population": plan.population,
            "drawn": len(drawn),
        },
    )
    return plan


# --- Results --------------------------------------------------------------------------------------------


def _locked_inspection(inspection: Inspection) -> Inspection:
    return (
        Inspection.objects.select_for_update(of=("self",))
        .select_related("plan", "plan__agency", "enterprise")
        .get(pk=inspection.pk)
    )


def _refuse_result(status_now: str, allowed: set[str], message: str) -> None:
    if status_now not in allowed:
        raise ValidationError(message % {"status": InspectionResultStatus(status_now).label})


@transaction.atomic
def inspection_result_enter(*, actor: User, inspection: Inspection, data: dict[str, Any]) -> Inspection:
    """A clerk enters an inspection's result and sends it to a reviewer."""
    inspection = _locked_inspection(inspection)
    ensure_can_edit(actor, inspection.plan.agency)
    _refuse_result(
        inspection.result_status,
        {InspectionResultStatus.PENDING},
        _("A result that is “%(status)s” cannot be entered again."),
    )
    errors: dict[str, list[str]] = {}
    outcome = str(data.get("outcome") or "")
    if outcome not in InspectionOutcome.values:
        errors["outcome"] = [_("Choose the result of the inspection.")]
    inspected_on = data.get("inspected_on")
    if isinstance(inspected_on, str):
        try:
            inspected_on = dt.date.fromisoformat(inspected_on)
        except ValueError:
            inspected_on = None
            errors["inspected_on"] = [_("Enter a date as YYYY-MM-DD.")]
    if not isinstance(inspected_on, dt.date):
        errors.setdefault("inspected_on", [_("Enter the date of the inspection.")])
    else:
        drawn_on = timezone.localdate(inspection.plan.drawn_at)
        if inspected_on > timezone.localdate():
            errors["inspected_on"] = [_("The inspection date cannot be in the future.")]
        elif inspected_on < drawn_on:
            errors["inspected_on"] = [
                _("The inspection cannot precede the draw (%(date)s).") % {"date": drawn_on.isoformat()}
            ]
    findings = str(data.get("findings") or "").strip()
    if outcome in {InspectionOutcome.PROBLEMS_CORRECTED, InspectionOutcome.PROBLEMS_PENDING} and not findings:
        errors["findings"] = [_("Say which problems were found.")]
    if errors:
        raise ValidationError(errors)
    consequences = (
        str(data.get("consequences") or "").strip() or DEFAULT_CONSEQUENCES[InspectionOutcome(outcome)]
    )
    inspection.outcome = outcome
    inspection.inspected_on = inspected_on
    inspection.findings = findings
    inspection.consequences = consequences
    inspection.entered_by = actor
    inspection.review_comment = ""
    inspection.result_status = InspectionResultStatus.SUBMITTED
    inspection.save()
    audit_write(
        actor=actor,
        action="inspection.result_enter",
        target=inspection,
        after={
            "outcome": outcome,
            "inspected_on": inspected_on,
            "findings": findings,
            "consequences": consequences,
        },
    )
    return inspection


@transaction.atomic
def inspection_result_send_back(*, actor: User, inspection: Inspection, comment: str) -> Inspection:
    """Return an entered result to the clerks with the reviewer's comment."""
    inspection = _locked_inspection(inspection)
    ensure_can_review(actor, inspection.plan.agency)
    _refuse_result(
        inspection.result_status,
        {InspectionResultStatus.SUBMITTED},
        _("A result that is “%(status)s” cannot be sent back."),
    )
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": [_("Tell the clerk what to change.")]})
    inspection.result_status = InspectionResultStatus.PENDING
    inspection.review_comment = comment
    inspection.save(update_fields=["result_status", "review_comment"])
    audit_write(
        actor=actor, action="inspection.result_send_back", target=inspection, after={"comment": comment}
    )
    return inspection


@transaction.atomic
def inspection_result_publish(*, actor: User, inspection: Inspection) -> Inspection:
    """Publish an entered result (a reviewer who did not enter it); an enterprise not found at its
    registered address is entered into the abnormal-operations list, published with the result."""
    inspection = _locked_inspection(inspection)
    ensure_can_review(actor, inspection.plan.agency)
    _refuse_result(
        inspection.result_status,
        {InspectionResultStatus.SUBMITTED},
        _("A result that is “%(status)s” cannot be published."),
    )
    if inspection.entered_by_id == actor.pk:
        raise ValidationError(_("You entered this result: another reviewer must publish it (four eyes)."))
    if inspection.outcome == InspectionOutcome.NOT_FOUND:
        inspection.listing = _abnormal_listing(inspection=inspection, reviewer=actor)
    inspection.result_status = InspectionResultStatus.PUBLISHED
    inspection.published_by = actor
    inspection.published_at = timezone.now()
    inspection.save(update_fields=["result_status", "published_by", "published_at", "listing"])
    audit_write(
        actor=actor,
        action="inspection.result_publish",
        target=inspection,
        after={"outcome": inspection.outcome, "listing": inspection.listing_id},
    )
    enterprise_changed(inspection.enterprise_id)
    return inspection


def _abnormal_listing(*, inspection: Inspection, reviewer: User):
    kind = ListKind.objects.filter(pk=ABNORMAL_LIST, active=True).first()
    if kind is None:
        raise ValidationError(
            _("The abnormal-operations list is not in use: this result cannot be published.")
        )
    plan = inspection.plan
    listing = listing_create(
        actor=inspection.entered_by,
        agency=plan.agency,
        enterprise=inspection.enterprise,
        list_kind=kind,
        data={
            "grounds": _(
                "Not found at its registered address by the random inspection “%(plan)s” on %(date)s."
            )
            % {"plan": plan.title, "date": inspection.inspected_on.isoformat()},
            "legal_basis": NOT_FOUND_LEGAL_BASIS,
            "document_number": f"抽查-{plan.pk}-{inspection.position}",
            "start_date": timezone.localdate(),
        },
        submit=True,
    )
    return listing_publish(actor=reviewer, listing=listing)
