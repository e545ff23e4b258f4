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


def division_describe(code: str) -> dict | None:
    """Name of a six-digit division code (also for divisions that no longer exist)."""
    return _described(code, _division_table())


def divisions_describe(codes) -> dict[str, dict | None]:
    """``division_describe`` of each of these codes, the division table read once for all of them (a
    page of search results names twenty divisions)."""
    table = _division_table()
    return {code: _described(code, table) for code in dict.fromkeys(codes)}


def _described(code: str, table: dict[str, tuple[str, str, int | None]]) -> dict | None:
    if not code or len(code) != 6 or not code.isdigit():
        return None
    found = table.get(code)
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
