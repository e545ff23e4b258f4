"""Who may do what in the registry. Services call the ``ensure_*`` functions themselves."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .choices import StaffRoleKind
from .models import Agency, StaffRole


def is_registry_admin(user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return StaffRole.objects.filter(user=user, role=StaffRoleKind.REGISTRY_ADMIN).exists()


def roles_in(user, agency: Agency) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return set(StaffRole.objects.filter(user=user, agency=agency).values_list("role", flat=True))


def can_manage_agency_staff(user, agency: Agency) -> bool:
    return is_registry_admin(user) or StaffRoleKind.AGENCY_ADMIN in roles_in(user, agency)


def ensure_registry_admin(actor) -> None:
    if not is_registry_admin(actor):
        raise PermissionDenied(_("Only a registry administrator may do this."))


def ensure_can_manage_agency_staff(actor, agency: Agency) -> None:
    if not can_manage_agency_staff(actor, agency):
        raise PermissionDenied(
            _("Only an administrator of %(agency)s may change its staff roles.") % {"agency": agency}
        )
