"""Verifying: a random sample of current profiles rendered again and compared, byte for byte."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connections, router
from django.utils import timezone

from registry.models import PublicProfile
from registry.profiles.store import profiles_epoch

from .build import render_bodies
from .format import decompress, profile_format


@dataclass
class Difference:
    uscc: str
    language: str
    reason: str


def profiles_verify(*, sample: int = 1000, today: dt.date | None = None) -> tuple[int, list[Difference]]:
    """Render a random sample of current profiles again and compare: (how many compared, the
    differences). A difference is a profile that would have shown something the page does not."""
    today = today or timezone.localdate()
    table = PublicProfile._meta.db_table
    epoch = profiles_epoch()
    with connections[router.db_for_write(PublicProfile)].cursor() as cursor:
        cursor.execute(
            f"""
            SELECT p.enterprise_id, e.uscc, p.version, p.body_zh, p.body_en
              FROM {table} p JOIN registry_enterprise e ON e.id = p.enterprise_id
             WHERE p.built_version = p.version AND p.format = %s AND p.valid_until >= %s AND p.epoch = %s
             ORDER BY random() LIMIT %s
            """,  # noqa: S608 - the model's table
            [profile_format(), today, epoch, sample],
        )
        rows = cursor.fetchall()
    differences = []
    for enterprise_id, uscc, version, body_zh, body_en in rows:
        bodies = render_bodies(uscc, today=today)
        found = []
        for language, stored in (("zh-hans", body_zh), ("en", body_en)):
            if bodies is None:
                found.append(Difference(uscc, language, "the enterprise has no page"))
            elif decompress(bytes(stored), language) != bodies[language]:
                found.append(Difference(uscc, language, "the stored body differs from the page"))
        # A change committed while the sample was compared invalidated the profile: not a difference.
        if found and PublicProfile.objects.filter(pk=enterprise_id, version=version).exists():
            differences.extend(found)
    return len(rows), differences
