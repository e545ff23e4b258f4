"""Who is at the desk, what they may do, and the frame every desk page shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from registry.choices import StaffRoleKind
from registry.models import Agency, StaffRole
from sanctions.models import Notification
from sanctions.permissions import CLERK_ROLES, REVIEW_ROLES

PAGE_SIZE = 25


@dataclass
class Desk:
    """The viewer's agencies and what they may do in each (one query per request)."""

    agencies: list[Agency] = field(default_factory=list)
    edit_agencies: list[Agency] = field(default_factory=list)
    review_agencies: list[Agency] = field(default_factory=list)
    is_admin: bool = False

    def can_edit(self, agency_id: int) -> bool:
        return any(a.pk == agency_id for a in self.edit_agencies)

    def can_review(self, agency_id: int) -> bool:
        return any(a.pk == agency_id for a in self.review_agencies)

    @cached_property
    def unread(self) -> int:
        """Unread notifications of the viewer's agencies, for the navigation (counted once a request)."""
        if not self.agencies:
            return 0
        return Notification.objects.filter(agency__in=self.agencies, read_at__isnull=True).count()


def desk_for(user) -> Desk:
    if not user.is_active:
        return Desk()
    desk = Desk(is_admin=user.is_superuser)
    seen: dict[int, Agency] = {}
    for role in StaffRole.objects.filter(user=user).select_related("agency").order_by("agency__name"):
        if role.role == StaffRoleKind.REGISTRY_ADMIN:
            desk.is_admin = True
        if role.agency is None:
            continue
        agency = seen.setdefault(role.agency_id, role.agency)
        if agency not in desk.agencies:
            desk.agencies.append(agency)
        if role.role in CLERK_ROLES and agency not in desk.edit_agencies:
            desk.edit_agencies.append(agency)
        if role.role in REVIEW_ROLES and agency not in desk.review_agencies:
            desk.review_agencies.append(agency)
    return desk


def render_desk(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    return render(request, template, {"desk": getattr(request, "desk", None), **context}, status=status)


def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    message = " ".join(str(a) for a in exc.args) or _("You may not do this.")
    return render_desk(request, "sanctions/forbidden.html", {"message": message}, status=403)


def desk_view(view):
    """Signed in, with a role in an agency (or a registry administrator); service refusals become 403."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        request.desk = desk_for(request.user)
        if not request.desk.agencies and not request.desk.is_admin:
            return render_desk(request, "sanctions/no_role.html", {}, status=403)
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return _forbidden(request, exc)

    return wrapper


def paginate(request: HttpRequest, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
