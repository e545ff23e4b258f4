"""Results: entered by a clerk, sent back or published by another reviewer; an enterprise not found
at its registered address entered into the abnormal-operations list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.audit import audit_write
from registry.cache import enterprise_changed
from sanctions.choices import InspectionOutcome, InspectionResultStatus
from sanctions.lists.services import listing_create, listing_publish
from sanctions.models import Inspection, ListKind
from sanctions.permissions import ensure_can_edit, ensure_can_review

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
