"""The roster: an agency's inspectors and their declared conflicts of interest."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from registry.audit import audit_write
from registry.models import Agency, Enterprise, StaffRole
from registry.permissions import can_manage_agency_staff
from sanctions.models import Inspector, InspectorConflict
from sanctions.permissions import ensure_can_correct


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
