"""Where and when demo data may be made: never under production settings (``demo_data_refusal``),
one demo seed at a time (``demo_lock``). Both the demo set and the synthetic enterprises ask here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils.translation import gettext as _


def demo_data_refusal() -> str | None:
    """Why demo data may not be created here, or None: production settings never get demo data."""
    modules = {os.environ.get("DJANGO_SETTINGS_MODULE", ""), getattr(settings, "SETTINGS_MODULE", "") or ""}
    if any(module.endswith(".production") for module in modules):
        return _("Demo data is never created by production settings.")
    return None


_DEMO_LOCK = 0x44454D4F  # "DEMO": one seed_demo at a time


@contextmanager
def demo_lock() -> Iterator[None]:
    """One demo seed at a time: a second ``seed_demo`` started meanwhile waits for the first, then
    finds everything made. A session lock (each step commits on its own), re-entrant, released
    with the connection if the process dies."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [_DEMO_LOCK])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_DEMO_LOCK])


def _ensure_demo_allowed() -> None:
    refusal = demo_data_refusal()
    if refusal:
        raise PermissionDenied(refusal)
