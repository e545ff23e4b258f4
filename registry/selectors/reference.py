"""Reads of the reference tables: administrative divisions and agencies."""

from __future__ import annotations

from django.db.models import QuerySet

from .. import uscc as uscc_codes
from ..choices import DivisionLevel
from ..models import Agency, Division
from ..reference_cache import reference_memo


@reference_memo
def _division_table() -> dict[str, tuple[str, str, int | None]]:
    """Every division, current or abolished (a few thousand rows), read once per process until the
    division table changes: a page of twenty search results in the API names twenty divisions."""
    rows = Division.objects.values_list("code", "full_name", "level", "valid_until")
    return {code: (full_name, level, valid_until) for code, full_name, level, valid_until in rows}


def _division_cached(code: str) -> tuple[str, str, int | None] | None:
    return _division_table().get(code)


_division_cached.cache_clear = _division_table.cache_clear  # type: ignore[attr-defined]


def division_describe(code: str) -> dict | None:
    """Name of a six-digit division code (also for divisions that no longer exist)."""
    if not code or len(code) != 6 or not code.isdigit():
        return None
    found = _division_cached(code)
    if found is None:
        return None
    full_name, level, valid_until = found
    return {"code": code, "name": full_name, "level": level, "valid_until": valid_until}


def divisions_describe(codes) -> dict[str, dict | None]:
    """``division_describe`` of each of these codes, the division table read once for all of them (a
    page of search results names twenty divisions)."""
    table = _division_table()
    described: dict[str, dict | None] = {}
    for code in codes:
        if code in described:
            continue
        found = table.get(code) if code and len(code) == 6 and code.isdigit() else None
        described[code] = (
            None
            if found is None
            else {"code": code, "name": found[0], "level": found[1], "valid_until": found[2]}
        )
    return described


def division_list() -> QuerySet[Division]:
    return Division.objects.all()


def agency_list() -> QuerySet[Agency]:
    return Agency.objects.select_related("division", "parent")


def agency_get(*, uscc: str) -> Agency | None:
    return agency_list().filter(uscc=uscc_codes.compact(uscc)).first()


@reference_memo
def division_choices() -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """(provinces, prefectures) in use today as (code prefix, name): choices for the search filters.

    Read once per process until the division table changes (``registry.reference_cache``)."""
    rows = Division.objects.filter(
        valid_until__isnull=True, level__in=[DivisionLevel.PROVINCE, DivisionLevel.PREFECTURE]
    ).values_list("code", "level", "name", "full_name")
    provinces, prefectures = [], []
    for code, level, name, full_name in rows:
        if level == DivisionLevel.PROVINCE:
            provinces.append((code[:2], name))
        elif name not in {"市辖区", "县"} and "直辖" not in name:
            prefectures.append((code[:4], full_name))
    return tuple(provinces), tuple(prefectures)
