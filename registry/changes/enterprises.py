"""The public payload of an enterprise (``enterprise_public_payload``), and the events of many
enterprises written at once (``enterprises_change_emit``, the import's chunks).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone, translation

from ..choices import EnterpriseStatus, EntityType, Industry
from ..models import Enterprise, EnterpriseFormerName
from .outbox import change_emit_many


def _iso_datetime(value: dt.datetime | None) -> str | None:
    # As DRF's DateTimeField gives it: in the current time zone, ISO 8601, UTC as "Z".
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _iso_date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


@functools.lru_cache(maxsize=512)
def _label_in(language: str, choices: type, value: str) -> str:
    with translation.override(language):
        try:
            return str(choices(value).label)
        except ValueError:
            return value


def _label(choices: type, value: str) -> str:
    return _label_in(translation.get_language() or settings.LANGUAGE_CODE, choices, value)


def enterprise_public_payload(
    enterprise: Enterprise, *, former_names: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """An enterprise exactly as ``GET /api/v1/enterprises/{uscc}/`` shows it
    (``registry.api.serializers.EnterpriseSerializer``), labels in the platform's language: the one
    builder of an enterprise's event payload, in plain Python because imports write it for every
    enterprise they touch (a test holds it equal to the API's answer). ``former_names`` as
    ``_former_names`` reads them for many enterprises at once; else they are read here."""
    from ..api.serializers import division_ref

    capital = enterprise.registered_capital
    division = division_ref(enterprise.division_code)
    with translation.override(settings.LANGUAGE_CODE):
        return {
            "uscc": enterprise.uscc,
            "name": enterprise.name,
            "status": enterprise.status,
            "status_display": _label(EnterpriseStatus, enterprise.status),
            "entity_type": enterprise.entity_type,
            "entity_type_display": _label(EntityType, enterprise.entity_type),
            "legal_representative": enterprise.legal_representative,
            "registered_capital": None
            if capital is None
            else format(capital.quantize(Decimal("0.0001")), "f"),
            "established_on": _iso_date(enterprise.established_on),
            "domicile": enterprise.domicile,
            "registration_authority": enterprise.registration_authority,
            "authority": {"code": enterprise.uscc[0], "name": enterprise.authority_name},
            "category": {"code": enterprise.uscc[1], "name": enterprise.category_name},
            "division": {**division, "abolished_after": _json_value(division["abolished_after"])},
            "industry": enterprise.industry,
            "industry_display": _label(Industry, enterprise.industry),
            "registration_number": enterprise.registration_number,
            "organization_code": enterprise.organization_code,
            "tax_number": enterprise.tax_number,
            "is_legacy_code": enterprise.is_legacy_code,
            "legacy_reason": enterprise.legacy_reason,
            "former_names": (
                former_names
                if former_names is not None
                else _former_names([enterprise.pk]).get(enterprise.pk, [])
            ),
            "updated_at": _iso_datetime(enterprise.updated_at),
        }


def _former_names(enterprise_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The former names of these enterprises as the API lists them (the model's order), one query."""
    found: dict[int, list[dict[str, Any]]] = {}
    rows = (
        EnterpriseFormerName.objects.filter(enterprise_id__in=enterprise_ids)
        .order_by("enterprise_id", *EnterpriseFormerName._meta.ordering)
        .values_list("enterprise_id", "name", "used_from", "used_until")
    )
    for enterprise_id, name, used_from, used_until in rows:
        found.setdefault(enterprise_id, []).append(
            {"name": name, "used_from": _iso_date(used_from), "used_until": _iso_date(used_until)}
        )
    return found


def enterprises_change_emit(kinds: Mapping[int, str]) -> int:
    """The events of many enterprises ({enterprise id: kind}) in the current transaction, payloads
    as ``enterprise_public_payload`` builds them, written with one COPY (the import's chunks)."""
    if not kinds:
        return 0
    enterprises = list(Enterprise.objects.filter(pk__in=list(kinds)).order_by("pk"))
    former = _former_names([e.pk for e in enterprises])
    with translation.override(settings.LANGUAGE_CODE):
        return change_emit_many(
            {
                "kind": kinds[e.pk],
                "enterprise_uscc": e.uscc,
                "subject": e.uscc,
                "payload": enterprise_public_payload(e, former_names=former.get(e.pk, [])),
            }
            for e in enterprises
        )
