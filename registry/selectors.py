"""Reads of the registry. Views and the API ask here; nothing else builds these querysets."""

from __future__ import annotations

import re
from functools import lru_cache

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from . import uscc as uscc_codes
from .choices import EnterpriseStatus
from .models import Agency, Division, Enterprise, EnterpriseFormerName

_CODE_LIKE = re.compile(r"^[0-9A-Z]{4,18}$")
_INACTIVE = [EnterpriseStatus.REVOKED, EnterpriseStatus.DEREGISTERED]


def enterprise_get(*, uscc: str) -> Enterprise | None:
    code = uscc_codes.compact(uscc)
    if len(code) != uscc_codes.LENGTH:
        return None
    return Enterprise.objects.filter(uscc=code).prefetch_related("former_names").first()


def enterprise_list(*, query: str = "", base: QuerySet[Enterprise] | None = None) -> QuerySet[Enterprise]:
    """Enterprises matching a code (whole or its start) or a name or former name, best first."""
    qs = Enterprise.objects.all() if base is None else base
    text = " ".join((query or "").split())
    if not text:
        return qs.order_by("uscc")
    code = uscc_codes.compact(text)
    if _CODE_LIKE.match(code) and any(ch.isdigit() for ch in code):
        if len(code) == uscc_codes.LENGTH:
            return qs.filter(uscc=code)
        return qs.filter(uscc__startswith=code).order_by("uscc")
    former = EnterpriseFormerName.objects.filter(enterprise=OuterRef("pk"), name__icontains=text)
    return (
        qs.filter(Q(name__icontains=text) | Exists(former))
        .annotate(
            rank=Case(
                When(name=text, then=Value(0)),
                When(name__istartswith=text, then=Value(1)),
                When(name__icontains=text, then=Value(2)),
                default=Value(3),
                output_field=IntegerField(),
            ),
            inactive=Case(When(status__in=_INACTIVE, then=Value(1)), default=Value(0), output_field=IntegerField()),
        )
        .order_by("inactive", "rank", "name", "uscc")
    )


@lru_cache(maxsize=8192)
def _division_cached(code: str) -> tuple[str, str, int | None] | None:
    division = Division.objects.filter(code=code).values_list("full_name", "level", "valid_until").first()
    return division


def division_describe(code: str) -> dict | None:
    """Name of a six-digit division code (also for divisions that no longer exist)."""
    if not code or len(code) != 6 or not code.isdigit():
        return None
    found = _division_cached(code)
    if found is None:
        return None
    full_name, level, valid_until = found
    return {"code": code, "name": full_name, "level": level, "valid_until": valid_until}


def division_list() -> QuerySet[Division]:
    return Division.objects.all()


def agency_list() -> QuerySet[Agency]:
    return Agency.objects.select_related("division", "parent")


def agency_get(*, uscc: str) -> Agency | None:
    return agency_list().filter(uscc=uscc_codes.compact(uscc)).first()
