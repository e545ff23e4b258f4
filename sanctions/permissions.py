"""Who may do what with credit records. Services call the ``ensure_*`` functions themselves."""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from registry.choices import StaffRoleKind
from registry.models import Agency, StaffRole
from registry.permissions import is_registry_admin, roles_in
from sanctions.models import CreditRecord

CLERK_ROLES = {StaffRoleKind.CLERK, StaffRoleKind.AGENCY_ADMIN}
REVIEW_ROLES = {StaffRoleKind.REVIEWER}

M = TypeVar("M", bound=Model)


def agencies_of(user) -> list[Agency]:
    if not getattr(user, "is_authenticated", False):
        return []
    ids = StaffRole.objects.filter(user=user, agency__isnull=False).values_list("agency_id", flat=True)
    return list(Agency.objects.filter(pk__in=ids).order_by("name"))


def restrict_to_staff(queryset: QuerySet[M], user, *, agency_field: str = "agency") -> QuerySet[M]:
    """The objects of the agencies ``user`` works for; every object for a registry administrator.

    The one rule of what a member of staff sees at the desk and in the staff API: records, listings,
    repair applications, objections, commitments and imports all go through it.
    """
    if is_registry_admin(user):
        return queryset
    return queryset.filter(**{f"{agency_field}__in": [a.pk for a in agencies_of(user)]})


def get_for_staff(queryset: QuerySet[M], user, *, pk: int, agency_field: str = "agency") -> M:
    """One object of the user's agencies (``restrict_to_staff``), or 404: another agency's work
    stays unknown rather than forbidden."""
    obj = restrict_to_staff(queryset, user, agency_field=agency_field).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def can_edit_records(user, agency: Agency) -> bool:
    return bool(roles_in(user, agency) & CLERK_ROLES)


def can_review_records(user, agency: Agency) -> bool:
    return bool(roles_in(user, agency) & REVIEW_ROLES)


def can_view_record(user, record: CreditRecord) -> bool:
    return bool(roles_in(user, record.agency)) or is_registry_admin(user)


def ensure_can_edit(actor, agency: Agency) -> None:
    if not can_edit_records(actor, agency):
        raise PermissionDenied(_("Only a clerk of %(agency)s may do this.") % {"agency": agency.name})


def ensure_can_review(actor, agency: Agency) -> None:
    if not can_review_records(actor, agency):
        raise PermissionDenied(_("Only a reviewer of %(agency)s may do this.") % {"agency": agency.name})


def ensure_can_correct(actor, agency: Agency) -> None:
    if not (can_edit_records(actor, agency) or can_review_records(actor, agency)):
        raise PermissionDenied(
            _("Only a clerk or reviewer of %(agency)s may do this.") % {"agency": agency.name}
        )
