"""A webhook's filters (event kinds, deciding agencies, division prefixes, USCCs), cleaned as stored."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from registry import uscc as uscc_codes
from registry.models import Agency, Division

from .. import events

MAX_AGENCIES = 100
MAX_DIVISIONS = 100
MAX_USCCS = 1000


def _as_list(value, field: str, errors: dict) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [v for v in value.replace("，", ",").replace("\n", ",").split(",")]
    if not isinstance(value, list | tuple):
        errors.setdefault(field, []).append(_("Give a list."))
        return []
    items = []
    for item in value:
        text = str(item).strip()
        if text and text not in items:
            items.append(text)
    return items


def clean_filters(
    *, kinds=None, agency_codes=None, division_prefixes=None, usccs=None
) -> dict[str, list[str]]:
    """The filters as stored, or ValidationError naming each bad value and its field."""
    errors: dict[str, list[str]] = {}
    kinds = _as_list(kinds, "kinds", errors)
    agency_codes = [c.upper() for c in _as_list(agency_codes, "agency_codes", errors)]
    division_prefixes = _as_list(division_prefixes, "division_prefixes", errors)
    usccs = [uscc_codes.compact(c) for c in _as_list(usccs, "usccs", errors)]

    unknown = [k for k in kinds if k not in events.ChangeKind.values]
    if unknown:
        errors.setdefault("kinds", []).append(
            _("Unknown event kind %(kinds)s; the kinds are %(known)s.")
            % {"kinds": ", ".join(unknown), "known": ", ".join(events.ChangeKind.values)}
        )
    if len(agency_codes) > MAX_AGENCIES:
        errors.setdefault("agency_codes", []).append(_("At most %(max)d agencies.") % {"max": MAX_AGENCIES})
    elif agency_codes:
        known = set(Agency.objects.filter(uscc__in=agency_codes).values_list("uscc", flat=True))
        missing = [c for c in agency_codes if c not in known]
        if missing:
            errors.setdefault("agency_codes", []).append(
                _("No agency has the code %(codes)s.") % {"codes": ", ".join(missing)}
            )
    if len(division_prefixes) > MAX_DIVISIONS:
        errors.setdefault("division_prefixes", []).append(
            _("At most %(max)d divisions.") % {"max": MAX_DIVISIONS}
        )
    else:
        for prefix in division_prefixes:
            if not (prefix.isascii() and prefix.isdigit() and len(prefix) in (2, 4, 6)):
                errors.setdefault("division_prefixes", []).append(
                    _(
                        "“%(prefix)s” is not a division: give 2 digits for a province, 4 for a city, "
                        "6 for a county (GB/T 2260), e.g. 33, 3301 or 330106."
                    )
                    % {"prefix": prefix}
                )
            elif not Division.objects.filter(code__startswith=prefix).exists():
                errors.setdefault("division_prefixes", []).append(
                    _("No administrative division starts with %(prefix)s.") % {"prefix": prefix}
                )
    if len(usccs) > MAX_USCCS:
        errors.setdefault("usccs", []).append(_("At most %(max)d enterprises.") % {"max": MAX_USCCS})
    else:
        bad = [c for c in usccs if not uscc_codes.is_valid(c)]
        if bad:
            errors.setdefault("usccs", []).append(
                _("Not a valid unified social credit code: %(codes)s.") % {"codes": ", ".join(bad[:10])}
            )
    if errors:
        raise ValidationError(errors)
    return {
        "kinds": kinds,
        "agency_codes": agency_codes,
        "division_prefixes": division_prefixes,
        "usccs": usccs,
    }
