"""Every write to the registry: enterprises, agencies and staff roles.

Each service checks its own permission, validates, saves and writes its audit entry in one
transaction. The admin, the API, the import command and tasks all call these.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import uscc as uscc_codes
from .audit import audit_write, snapshot
from .cache import enterprise_changed
from .calendar import calendar_changed
from .changes import change_emit, enterprise_public_payload
from .choices import (
    AgencyLevel,
    ChangeItem,
    ChangeKind,
    DataSource,
    EnterpriseStatus,
    Industry,
    PublicitySystem,
    StaffRoleKind,
)
from .details.changes import change_write, field_changes_write
from .details.services import branches_link_registered
from .models import Agency, CalendarDay, Division, Enterprise, EnterpriseFormerName, StaffRole
from .permissions import ensure_can_manage_agency_staff, ensure_registry_admin, is_registry_admin
from .search import search_fields
from .validation import clean_date, clean_enterprise, clean_name, raise_if_errors

SYSTEM_USERNAME = "system"


def system_actor():
    """The account that commands and scheduled tasks act as when no person is named."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"is_superuser": True, "is_staff": False, "is_active": True},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


# --- Enterprises ------------------------------------------------------------------------------

# The search columns follow the name; the audit trail records the name only.
_AUDITED = [f.attname for f in Enterprise._meta.concrete_fields if not f.name.startswith("search_")]


def _clean_former_names(former_names: list[dict] | None) -> list[dict]:
    cleaned, errors = [], []
    for index, item in enumerate(former_names or []):
        try:
            name = clean_name(item.get("name"))
            used_from = clean_date(item.get("used_from"))
            used_until = clean_date(item.get("used_until"))
            if used_from and used_until and used_until < used_from:
                raise ValueError(_("“used until” is before “used from”."))
            cleaned.append({"name": name, "used_from": used_from, "used_until": used_until})
        except ValueError as exc:
            errors.append(_("Former name %(n)d: %(error)s") % {"n": index + 1, "error": exc})
    if errors:
        raise ValidationError({"former_names": errors})
    return cleaned


def _enterprise_change_emit(kind: str, enterprise: Enterprise) -> None:
    """The enterprise's change-feed event, as the public enterprise API shows it (registration
    facts are public; a deregistered enterprise stays in the registry with its status)."""
    fresh = Enterprise.objects.prefetch_related("former_names").get(pk=enterprise.pk)
    change_emit(
        kind=kind,
        enterprise_uscc=fresh.uscc,
        subject=fresh.uscc,
        payload=enterprise_public_payload(fresh),
    )


@transaction.atomic
def enterprise_register(
    *,
    actor,
    data: dict[str, Any],
    former_names: list[dict] | None = None,
    legacy: bool = False,
    legacy_reason: str = "",
    source: str = DataSource.MANUAL,
) -> Enterprise:
    """Register a market entity under its USCC; a code failing the check needs the legacy flag."""
    ensure_registry_admin(actor)
    cleaned, errors = clean_enterprise(data, allow_legacy=legacy)
    if legacy:
        if not legacy_reason.strip():
            errors.setdefault("legacy_reason", []).append(_("Say why this legacy code is accepted."))
        if "uscc" in cleaned and not cleaned["is_legacy_code"]:
            errors.setdefault("uscc", []).append(
                _("This code passes the check: register it normally, not as a legacy code.")
            )
    if "uscc" in cleaned and Enterprise.objects.filter(uscc=cleaned["uscc"]).exists():
        errors.setdefault("uscc", []).append(
            _("An enterprise with the code %(code)s is already registered.") % {"code": cleaned["uscc"]}
        )
    raise_if_errors(errors)
    names = _clean_former_names(former_names)
    enterprise = Enterprise(
        **cleaned,
        division_code=cleaned["uscc"][2:8],
        legacy_reason=legacy_reason.strip() if legacy else "",
        source=source,
        **search_fields(cleaned["name"]),
    )
    try:
        with transaction.atomic():
            enterprise.save()
    except IntegrityError:
        raise ValidationError(
            {
                "uscc": [
                    _("An enterprise with the code %(code)s is already registered.")
                    % {"code": enterprise.uscc}
                ]
            }
        ) from None
    for item in names:
        EnterpriseFormerName.objects.create(enterprise=enterprise, **item)
    # A branch recorded before its own registration is linked to it now.
    branches_link_registered(uscc_codes=[enterprise.uscc])
    after = snapshot(enterprise, _AUDITED)
    after["former_names"] = [n["name"] for n in names]
    audit_write(actor=actor, action="enterprise.register", target=enterprise, after=after)
    _enterprise_change_emit(ChangeKind.ENTERPRISE_REGISTERED, enterprise)
    enterprise_changed(enterprise.pk)
    return enterprise


@transaction.atomic
def enterprise_update(*, actor, enterprise: Enterprise, data: dict[str, Any]) -> Enterprise:
    """Change an enterprise's registration details; a new name keeps the old one as a former name."""
    ensure_registry_admin(actor)
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    errors: dict[str, list[str]] = {}
    if "uscc" in data and uscc_codes.compact(str(data["uscc"] or "")) != enterprise.uscc:
        errors["uscc"] = [_("The code identifies the enterprise and cannot be changed.")]
    fields = {k: v for k, v in data.items() if k != "uscc"}
    cleaned, field_errors = clean_enterprise(fields, partial=True)
    errors.update(field_errors)
    raise_if_errors(errors)
    before = snapshot(enterprise, _AUDITED)
    old_name = enterprise.name
    for name, value in cleaned.items():
        setattr(enterprise, name, value)
    after = snapshot(enterprise, _AUDITED)
    changed = [k for k in after if before[k] != after[k] and k != "updated_at"]
    if not changed:
        return enterprise
    if enterprise.name != old_name:
        for name, value in search_fields(enterprise.name).items():
            setattr(enterprise, name, value)
    enterprise.save()
    if enterprise.name != old_name:
        EnterpriseFormerName.objects.get_or_create(
            enterprise=enterprise,
            name=old_name,
            defaults={"used_until": timezone.localdate()},
        )
    # The change history (变更记录), a name change included: the former name above is the same fact.
    field_changes_write(enterprise, before, after)
    audit_write(
        actor=actor,
        action="enterprise.update",
        target=enterprise,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    deregistered = "status" in changed and enterprise.status == EnterpriseStatus.DEREGISTERED
    _enterprise_change_emit(
        ChangeKind.ENTERPRISE_DEREGISTERED if deregistered else ChangeKind.ENTERPRISE_CHANGED, enterprise
    )
    enterprise_changed(enterprise.pk)
    return enterprise


@transaction.atomic
def enterprise_add_former_name(
    *,
    actor,
    enterprise: Enterprise,
    name: str,
    used_from: dt.date | str | None = None,
    used_until: dt.date | str | None = None,
) -> EnterpriseFormerName:
    """Record a name the enterprise used before."""
    ensure_registry_admin(actor)
    item = _clean_former_names([{"name": name, "used_from": used_from, "used_until": used_until}])[0]
    if enterprise.former_names.filter(name=item["name"]).exists() or item["name"] == enterprise.name:
        raise ValidationError({"name": [_("This name is already recorded for the enterprise.")]})
    former = EnterpriseFormerName.objects.create(enterprise=enterprise, **item)
    # The change history holds the renaming too: from this name to the next one used (a later former
    # name, or the present name), on the day this one ceased to be used.
    following = (
        enterprise.former_names.exclude(pk=former.pk)
        .filter(
            used_from__isnull=False, used_from__gte=item["used_until"] or item["used_from"] or dt.date.max
        )
        .order_by("used_from")
        .values_list("name", flat=True)
        .first()
    )
    change_write(
        enterprise=enterprise,
        item=ChangeItem.NAME,
        before=item["name"],
        after=following or enterprise.name,
        changed_on=item["used_until"],
    )
    audit_write(
        actor=actor,
        action="enterprise.former_name_add",
        target=enterprise,
        after={"former_name": item["name"], "used_from": item["used_from"], "used_until": item["used_until"]},
    )
    _enterprise_change_emit(ChangeKind.ENTERPRISE_CHANGED, enterprise)
    enterprise_changed(enterprise.pk)
    return former


# --- Agencies ---------------------------------------------------------------------------------


def agency_validate(data: dict[str, Any], *, instance: Agency | None) -> dict[str, Any]:
    """The rules for an agency's details; raises ValidationError by field. Used by forms too."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    if "name" in data or instance is None:
        try:
            cleaned["name"] = clean_name(data.get("name"))
            clash = Agency.objects.filter(name=cleaned["name"])
            if instance:
                clash = clash.exclude(pk=instance.pk)
            if clash.exists():
                errors["name"] = [_("Another agency already has this name.")]
        except ValueError as exc:
            errors["name"] = [str(exc)]
    if "uscc" in data or instance is None:
        analysis = uscc_codes.analyse(str(data.get("uscc") or ""))
        if not analysis.is_valid:
            errors["uscc"] = [e.message for e in analysis.errors]
        elif analysis.authority != "1":
            errors["uscc"] = [
                _(
                    "An agency's code is issued by the staffing office: it starts with 1 (e.g. 11 for a government organ)."
                )
            ]
        else:
            cleaned["uscc"] = analysis.normalized
            clash = Agency.objects.filter(uscc=analysis.normalized)
            if instance:
                clash = clash.exclude(pk=instance.pk)
            if clash.exists():
                errors["uscc"] = [_("Another agency already has this code.")]
    if "level" in data or instance is None:
        if data.get("level") not in AgencyLevel.values:
            errors["level"] = [_("Choose one of: %(values)s.") % {"values": ", ".join(AgencyLevel.values)}]
        else:
            cleaned["level"] = data["level"]
    if "division" in data or instance is None:
        code = str(data.get("division") or "")
        division = Division.objects.filter(code=code).first()
        if division is None:
            errors["division"] = [
                _("“%(code)s” is not a known administrative division code.") % {"code": code}
            ]
        else:
            cleaned["division"] = division
    if "parent" in data:
        parent = data.get("parent")
        if parent is not None and not isinstance(parent, Agency):
            parent = Agency.objects.filter(uscc=uscc_codes.compact(str(parent))).first()
            if parent is None:
                errors["parent"] = [_("No agency has this code.")]
        if parent is not None and instance is not None:
            node = parent
            while node is not None:
                if node.pk == instance.pk:
                    errors["parent"] = [_("An agency cannot be placed under itself.")]
                    break
                node = node.parent
        cleaned["parent"] = parent
    if "sectors" in data:
        sectors = list(dict.fromkeys(data.get("sectors") or []))
        unknown = [s for s in sectors if s not in Industry.values]
        if unknown:
            errors["sectors"] = [
                _("Unknown sector(s): %(values)s.") % {"values": ", ".join(map(str, unknown))}
            ]
        cleaned["sectors"] = sectors
    if "publicity_system" in data:
        system = data.get("publicity_system") or ""
        if system not in PublicitySystem.values:
            errors["publicity_system"] = [
                _("Choose one of: %(values)s.")
                % {"values": ", ".join(v for v in PublicitySystem.values if v)}
            ]
        cleaned["publicity_system"] = system
    raise_if_errors(errors)
    return cleaned


@transaction.atomic
def agency_create(*, actor, data: dict[str, Any]) -> Agency:
    """Register a government agency that decides or supplies credit records."""
    ensure_registry_admin(actor)
    agency = Agency(**agency_validate(data, instance=None))
    agency.save()
    audit_write(actor=actor, action="agency.create", target=agency, after=snapshot(agency))
    return agency


@transaction.atomic
def agency_update(*, actor, agency: Agency, data: dict[str, Any]) -> Agency:
    """Change an agency's details."""
    ensure_registry_admin(actor)
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    cleaned = agency_validate(data, instance=agency)
    before = snapshot(agency)
    for name, value in cleaned.items():
        setattr(agency, name, value)
    after = snapshot(agency)
    changed = [k for k in after if before[k] != after[k]]
    if changed:
        agency.save()
        audit_write(
            actor=actor,
            action="agency.update",
            target=agency,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )
    return agency


# --- Staff roles ------------------------------------------------------------------------------


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


# --- Working-day calendar ----------------------------------------------------------------------


@transaction.atomic
def calendar_day_set(
    *, actor, date: dt.date, is_working_day: bool, name: str, source: str = ""
) -> CalendarDay:
    """Record a public holiday or a make-up working day (every deadline counts with these)."""
    ensure_registry_admin(actor)
    if not name.strip():
        raise ValidationError({"name": [_("Name the holiday or the make-up working day.")]})
    before = CalendarDay.objects.filter(date=date).first()
    before_values = snapshot(before) if before else None
    day, _created = CalendarDay.objects.update_or_create(
        date=date, defaults={"is_working_day": is_working_day, "name": name.strip(), "source": source.strip()}
    )
    audit_write(actor=actor, action="calendar.set", target=day, before=before_values, after=snapshot(day))
    calendar_changed()  # this transaction sees its own change at once
    transaction.on_commit(calendar_changed)  # and others, once it is committed
    return day


@transaction.atomic
def calendar_day_remove(*, actor, day: CalendarDay) -> None:
    """Remove an exception: the date follows the ordinary Monday–Friday week again."""
    ensure_registry_admin(actor)
    before = snapshot(day)
    target = (day._meta.label_lower, str(day.pk), str(day))
    day.delete()
    audit_write(actor=actor, action="calendar.remove", target=target, before=before)
    calendar_changed()  # this transaction sees its own change at once
    transaction.on_commit(calendar_changed)  # and others, once it is committed


# --- Registration details (shareholders, key personnel, branches): ``registry.details`` ---------

from .details.services import (  # noqa: E402, F401 - re-exported: every registry write is found here
    branch_link,
    branch_unlink,
    personnel_set,
    shareholder_add,
    shareholder_remove,
    shareholder_update,
)
