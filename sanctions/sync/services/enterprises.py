"""A partner's enterprise events: an enterprise registered here when missing, its blank facts
filled in; a fact this platform has is never replaced (a difference is a conflict)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from registry.choices import ChangeKind, DataSource
from registry.models import Enterprise
from registry.services import enterprise_register, enterprise_update, system_actor
from sanctions.models import PartnerPlatform
from sanctions.sync import validation as v
from sanctions.sync.validation import EventRejected, Reason

from .outcomes import APPLIED, UNCHANGED, Applied, _conflict

# What a copy's registration facts are compared on (never overwritten silently).
ENTERPRISE_FACTS = (
    "name",
    "entity_type",
    "status",
    "legal_representative",
    "established_on",
    "domicile",
    "registration_authority",
)


def _enterprise_event(partner: PartnerPlatform, event: dict) -> Applied:
    payload = event["payload"]
    code = v.uscc(event.get("enterprise"), "enterprise")
    if v.uscc(payload.get("uscc"), "payload.uscc") != code or event["subject"] != code:
        raise EventRejected(Reason.BAD_VALUE, "the enterprise's code differs between event and payload")
    data = {name: payload.get(name) for name in ENTERPRISE_FACTS if payload.get(name) not in (None, "")}
    for name in ("registered_capital", "industry", "registration_number", "organization_code", "tax_number"):
        if payload.get(name) not in (None, ""):
            data[name] = payload[name]
    for name in ("name", "legal_representative", "domicile", "registration_authority"):
        if name in data:
            v.text(data, name, model=Enterprise)
    v.text(payload, "name", model=Enterprise, required=True)
    enterprise = Enterprise.objects.filter(uscc=code).first()
    if enterprise is None:
        if event["kind"] == ChangeKind.ENTERPRISE_DEREGISTERED:
            return Applied(UNCHANGED, "not registered here")
        enterprise_register(actor=system_actor(), data={"uscc": code, **data}, source=DataSource.IMPORT)
        return Applied(APPLIED, "registered")
    from registry.validation import clean_enterprise

    cleaned, errors = clean_enterprise(data, partial=True)
    if errors:
        raise EventRejected(
            Reason.BAD_VALUE, "; ".join(f"payload.{k}: {' '.join(m)}" for k, m in errors.items())
        )
    # Facts this platform does not have yet (an enterprise first known from a partner's record) are
    # filled in; a fact it has is never replaced.
    blanks = {
        name: value
        for name, value in cleaned.items()
        if name in ENTERPRISE_FACTS and getattr(enterprise, name) in (None, "") and value not in (None, "")
    }
    differs = {
        name: [getattr(enterprise, name), value]
        for name, value in cleaned.items()
        if name in ENTERPRISE_FACTS and name not in blanks and getattr(enterprise, name) != value
    }
    if blanks:
        enterprise_update(actor=system_actor(), enterprise=enterprise, data=blanks)
    if not differs:
        return (
            Applied(APPLIED, "filled in " + ", ".join(blanks)) if blanks else Applied(UNCHANGED, "same facts")
        )
    described = ", ".join(f"{k}: {_show(a)} here, {_show(b)} there" for k, (a, b) in differs.items())
    return _conflict(
        partner, event, f"the enterprise's registration facts differ ({described}); this platform's are kept"
    )


def _show(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else repr(value)
