"""Staff roles: give a person a role in an agency (or make them a registry administrator), take it away."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..audit import audit_write
from ..choices import StaffRoleKind
from ..models import Agency, StaffRole
from ..permissions import ensure_can_manage_agency_staff, ensure_registry_admin, is_registry_admin


@transaction.atomic
def staff_role_grant(*, actor, user, role: str, agency: Agency | None = None) -> StaffRole:
    """Give a person a role in an agency (or make them a registry administrator)."""
    if role not in StaffRoleKind.values:
        raise ValidationError({"role": [_("Unknown role.")]})
    if role == StaffRoleKind.REGISTRY_ADMIN:
        ensure_registry_admin(actor)
        if agency is not None:
            raise ValidationError({"agency": [_("A registry administrator belongs to no agency.")]})
    else:
        if agency is None:
            raise ValidationError({"agency": [_("Choose the agency this role is in.")]})
        ensure_can_manage_agency_staff(actor, agency)
        elsewhere = StaffRole.objects.filter(user=user, agency__isnull=False).exclude(agency=agency)
        # A person works for one agency; only a registry administrator may grant roles in a second.
        if elsewhere.exists() and not is_registry_admin(actor):
            raise ValidationError(
                {
                    "user": [
                        _(
                            "%(user)s already holds a role in another agency; only a registry administrator can grant more."
                        )
                        % {"user": user.get_username()}
                    ]
                }
            )
    existing = StaffRole.objects.filter(user=user, agency=agency, role=role).first()
    if existing:
        return existing
    staff_role = StaffRole.objects.create(user=user, agency=agency, role=role, granted_by=actor)
    audit_write(
        actor=actor,
        action="staff_role.grant",
        target=staff_role,
        after={"user": user.get_username(), "agency": agency.uscc if agency else None, "role": role},
    )
    return staff_role


@transaction.atomic
def staff_role_revoke(*, actor, staff_role: StaffRole) -> None:
    """Take a role away from a person."""
    if staff_role.role == StaffRoleKind.REGISTRY_ADMIN:
        ensure_registry_admin(actor)
        if staff_role.user_id == getattr(actor, "pk", None):
            raise ValidationError(_("You cannot remove your own registry administrator role."))
    else:
        ensure_can_manage_agency_staff(actor, staff_role.agency)
    before = {
        "user": staff_role.user.get_username(),
        "agency": staff_role.agency.uscc if staff_role.agency_id else None,
        "role": staff_role.role,
    }
    target = (staff_role._meta.label_lower, str(staff_role.pk), str(staff_role))
    staff_role.delete()
    audit_write(actor=actor, action="staff_role.revoke", target=target, before=before)
