"""Enterprises: register one under its USCC, change its registration details, record a former name.

Each write also records the change history where it applies, emits the change-feed event the public
enterprise API shows, and drops the enterprise's cached pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import uscc as uscc_codes
from ..audit import audit_write, snapshot
from ..cache import enterprise_changed
from ..changes import change_emit, enterprise_public_payload
from ..choices import ChangeItem, ChangeKind, DataSource, EnterpriseStatus
from ..details.changes import change_write, field_changes_write
from ..details.services import branches_link_registered
from ..models import Enterprise, EnterpriseFormerName
from ..permissions import ensure_registry_admin
from ..search import search_fields
from ..validation import clean_date, clean_enterprise, clean_name, raise_if_errors

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
