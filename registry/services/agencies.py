"""Agencies: the rules for an agency's details (forms use them too), register one, change one."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from .. import uscc as uscc_codes
from ..audit import audit_write, snapshot
from ..choices import AgencyLevel, Industry, PublicitySystem
from ..models import Agency, Division
from ..permissions import ensure_registry_admin
from ..validation import clean_name, raise_if_errors


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
