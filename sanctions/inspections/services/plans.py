"""Plans: drafted and edited by a clerk, submitted, sent back or approved by another reviewer."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.audit import audit_write
from registry.models import Agency
from sanctions.choices import InspectionPlanStatus
from sanctions.inspections.validation import PLAN_FIELDS, plan_clean
from sanctions.models import InspectionPlan
from sanctions.permissions import ensure_can_edit, ensure_can_review


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
