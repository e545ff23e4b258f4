"""What a scan of a badge says, live: one answer for the verification page and the JSON API.

Cheap by design, since a badge is scanned far more often than anything about it changes: the
signature check needs no database; the answer is cached per badge and language under the
enterprise's cache generation (``registry.cache``), which every public change of the enterprise
and every badge or staff change bumps, and under today's date (a badge expires at midnight).
A short timeout bounds what a change made outside the services could leave behind.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone, translation

from lookup import signing
from lookup.models import Badge
from registry import cache_backend
from registry.cache import enterprise_cache_key
from registry.personal_data import mask_person_name
from sanctions.lists import standing as standing_module

from . import selectors, services, tokens

CACHE_SECONDS = 60
_IDS_KEY = "badge-ids:{}"

VALID = "valid"
ATTENTION = "attention"
DISHONEST = "dishonest"
SUSPENDED = "suspended"
REVOKED = "revoked"
EXPIRED = "expired"
STAFF_INACTIVE = "staff_inactive"
NOT_GENUINE = "not_genuine"
RESULTS = [VALID, ATTENTION, DISHONEST, SUSPENDED, REVOKED, EXPIRED, STAFF_INACTIVE, NOT_GENUINE]


def mask_name(name: str) -> str:
    """张三明 → 张*明, 张三 → 张*, Anna Li → A*** L*: enough to recognise, not enough to look up
    (the one masking of a natural person's name, ``registry.personal_data``)."""
    return mask_person_name(name)


def _result_for(live_status: str, level: str) -> str:
    if live_status == selectors.LIVE_REVOKED:
        return REVOKED
    if live_status == selectors.LIVE_EXPIRED:
        return EXPIRED
    if live_status == selectors.LIVE_STAFF_INACTIVE:
        return STAFF_INACTIVE
    if live_status == selectors.LIVE_SUSPENDED:
        return DISHONEST if level == standing_module.DISHONEST else SUSPENDED
    # Anything adverse in publicity (a penalty, a watch listing …) is worth reading before paying;
    # "valid" says there is nothing of the kind, as the standing's own words do.
    return ATTENTION if level in (standing_module.ATTENTION, standing_module.PENALISED) else VALID


def photo_shown(*, result: str, active: bool, has_photo: bool) -> bool:
    """Whether a scan shows the staff member's photo: there is one, the person still works for the
    enterprise, and the badge was not revoked. The page's advice and the photo URL follow this."""
    return has_photo and active and result not in (NOT_GENUINE, REVOKED, STAFF_INACTIVE)


def _compute(serial: int) -> dict[str, Any] | None:
    """The answer for a badge as of now (two queries), without the scan time; None if unknown."""
    badge = (
        Badge.objects.select_related("enterprise", "staff")
        .defer("staff__photo")
        .annotate(
            staff_has_photo=ExpressionWrapper(Q(staff__photo__isnull=False), output_field=BooleanField())
        )
        .filter(serial=serial)
        .first()
    )
    if badge is None:
        return None
    enterprise = badge.enterprise
    today = timezone.localdate()
    standing = selectors.enterprise_badge_standing(enterprise=enterprise, today=today)
    live = selectors.badge_live_status(badge=badge, standing=standing, today=today)
    staff = badge.staff
    result = _result_for(live, standing.level)
    return {
        "result": result,
        "genuine": True,
        "badge": {
            "serial": badge.serial_display,
            "kind": badge.kind,
            "sector": badge.sector,
            "sector_label": str(badge.get_sector_display()),
            "issued_on": badge.issued_on,
            "expires_on": badge.expires_on,
            "status": live,
            "status_label": str(selectors.LIVE_LABELS[live]),
            "revoked_at": badge.revoked_at,
        },
        "enterprise": {
            "uscc": enterprise.uscc,
            "name": enterprise.name,
            "status": enterprise.status,
            "status_label": str(enterprise.get_status_display()),
            "standing": {
                "level": standing.level,
                "label": standing.label,
                "reasons": standing.reasons,
                "details": standing.details,
            },
        },
        "staff": None
        if staff is None
        else {
            "name_masked": mask_name(staff.full_name),
            "registration_number": staff.registration_number,
            "active": staff.is_active,
            "has_photo": badge.staff_has_photo,
            "photo_shown": photo_shown(
                result=result, active=staff.is_active, has_photo=badge.staff_has_photo
            ),
        },
        "_badge_id": badge.pk,
        "_facts": (enterprise.uscc, badge.staff_id, badge.issued_on, badge.expires_on),
    }


def not_genuine(checked_at: dt.datetime | None = None) -> dict[str, Any]:
    return {
        "result": NOT_GENUINE,
        "genuine": False,
        "badge": None,
        "enterprise": None,
        "staff": None,
        "key_id": None,
        "checked_at": checked_at or timezone.now(),
    }


# A second, per-process layer in front of the shared cache: entries are looked up by the very
# key the shared cache uses, which carries the enterprise's generation and today's date, so a
# local entry can never be read after a change (the generation is still read from the shared
# cache on every scan). It saves the round trips and the unpickling of the answer and the page.
_LOCAL_SIZE = 5000
_local: dict[str, tuple[float, Any]] = {}


def local_get(key: str) -> Any:
    found = _local.get(key)
    if found is None or found[0] < time.monotonic():
        return None
    return found[1]


def local_set(key: str, value: Any, seconds: float = CACHE_SECONDS) -> None:
    if len(_local) >= _LOCAL_SIZE:
        _local.clear()
    _local[key] = (time.monotonic() + seconds, value)


def local_clear() -> None:
    _local.clear()
    _ids_local.clear()
    _keys_local.clear()


# After a Redis outage the generations may have restarted from 1: forget every answer kept.
cache_backend.on_recovery(local_clear)


_ids_local: dict[int, tuple[int, int]] = {}


def _ids(serial: int) -> tuple[int, int] | None:
    """(badge id, enterprise id) of a serial: facts that never change, cached without expiry."""
    ids = _ids_local.get(serial)
    if ids is not None:
        return ids
    key = _IDS_KEY.format(serial)
    ids = cache.get(key)
    if ids is None:
        ids = Badge.objects.filter(serial=serial).values_list("pk", "enterprise_id").first()
        if ids is None:
            return None
        cache.set(key, ids, None)
    if len(_ids_local) >= _LOCAL_SIZE:
        _ids_local.clear()
    _ids_local[serial] = tuple(ids)
    return tuple(ids)


_keys_local: dict[tuple, tuple[float, str]] = {}


def _answer_key(enterprise_id: int, serial: int, language: str) -> str:
    """The cache key of the answer, which carries the enterprise's generation.

    Reading the generation is a round trip to the shared cache on every scan, most of what a
    repeated scan costs; it can be kept in the process for ``BADGE_LIVE_MEMO_SECONDS`` (default
    0: read every time, strictly live), so a change shows in every process at most that long after.
    """
    memo_seconds = float(settings.BADGE_LIVE_MEMO_SECONDS)
    if memo_seconds <= 0:
        return enterprise_cache_key("badge-verify", enterprise_id, serial, language)
    now = time.monotonic()
    found = _keys_local.get((enterprise_id, serial, language))
    if found is not None and found[0] > now:
        return found[1]
    key = enterprise_cache_key("badge-verify", enterprise_id, serial, language)
    if len(_keys_local) >= _LOCAL_SIZE:
        _keys_local.clear()
    _keys_local[(enterprise_id, serial, language)] = (now + memo_seconds, key)
    return key


def badge_verify(*, token: str, count: bool = True) -> dict[str, Any]:
    """The live answer for a scanned token: ``result`` is one of ``RESULTS``; counts the scan."""
    checked_at = timezone.now()
    try:
        kid, payload = tokens.token_read(token)
    except signing.BadSignature:
        return not_genuine(checked_at)
    ids = _ids(payload.serial)
    if ids is None:
        return not_genuine(checked_at)
    badge_id, enterprise_id = ids
    key = _answer_key(enterprise_id, payload.serial, translation.get_language())
    answer = local_get(key)
    if answer is None:
        answer = cache.get(key)
        if answer is None:
            answer = _compute(payload.serial)
            if answer is None:
                return not_genuine(checked_at)
            answer["_cache_key"] = key
            cache.set(key, answer, CACHE_SECONDS)
        local_set(key, answer)
    if answer["_facts"] != (payload.uscc, payload.staff_id, payload.issued_on, payload.expires_on):
        return not_genuine(checked_at)  # signed, but not what this registry issued under that serial
    if count:
        services.badge_scan_count(badge_id=badge_id)
    return {**answer, "key_id": kid, "checked_at": checked_at}


def badge_for_photo(*, token: str):
    """The staff member whose photo a genuine token may show (active staff, badge not revoked), or None."""
    from lookup.models import BadgeStaff

    answer = badge_verify(token=token, count=False)
    staff = answer["staff"]
    if staff is None or not staff.get("photo_shown"):  # .get: an answer cached before the key existed
        return None
    return BadgeStaff.objects.filter(pk=answer["_facts"][1], is_active=True, photo__isnull=False).first()
