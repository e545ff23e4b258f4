"""Reading: the credit page's first view reads the current profile of a code (one row), and with
``PUBLIC_PROFILE_CHECK`` checks it against the page rendered from the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connections, router
from django.utils import timezone, translation

from registry.compiled import server_cursor
from registry.models import PublicProfile
from registry.profiles.models import PublicProfileEpoch

from ..credit_page import credit_page_body, credit_page_read
from .format import COLUMNS, decompress, profile_format

_READS: dict[tuple[str, str], str] = {}


def _read_statement(alias: str, language: str) -> str:
    key = (alias, language)
    sql = _READS.get(key)
    if sql is None:
        table = PublicProfile._meta.db_table
        epoch_table = PublicProfileEpoch._meta.db_table
        sql = _READS[key] = f"""
            SELECT p.enterprise_id, e.name, p.{COLUMNS[language]}
              FROM registry_enterprise e JOIN {table} p ON p.enterprise_id = e.id
             WHERE e.uscc = $1 AND p.built_version = p.version AND p.format = $2 AND p.valid_until >= $3
               AND p.epoch = COALESCE((SELECT epoch FROM {epoch_table} WHERE id = 1), 1)
        """  # noqa: S608 - the models' tables
    return sql


@dataclass
class Profile:
    enterprise_id: int
    name: str
    body: str


def profile_body(uscc: str, *, today: dt.date | None = None) -> Profile | None:
    """The current profile of this code in the active language, or None (none, or not current:
    the caller renders the page from the database)."""
    language = translation.get_language()
    if language not in COLUMNS or not getattr(settings, "PUBLIC_PROFILES", True):
        return None
    connection = connections[router.db_for_read(PublicProfile)]
    with server_cursor(connection, prepare=True) as cursor:
        cursor.execute(
            _read_statement(connection.alias, language),
            [uscc, profile_format(), today or timezone.localdate()],
        )
        row = cursor.fetchone()
    if row is None or row[2] is None:
        return None
    return Profile(enterprise_id=row[0], name=row[1], body=decompress(bytes(row[2]), language))


class StaleProfile(AssertionError):
    """A profile was about to show what the page, rendered from the database, does not."""


def profile_check(uscc: str, body: str) -> None:
    """With ``PUBLIC_PROFILE_CHECK`` (the test suite): render the page from the database as well and
    fail if the profile about to be shown differs, so that every test which changes what is public
    and then views the page checks that the change reached the profile.

    The profile and the page are two reads, not one snapshot: a change that commits between them (or
    that a replica replays between them) shows on the page and not in the profile read before it. That
    change emptied the profile in its own transaction, so the profile is read once more: only one that
    is still current, with the same body, after the page showed something else is stale."""
    page = credit_page_read(uscc=uscc)
    if page is not None and credit_page_body(page) == body:
        return
    again = profile_body(uscc)
    if again is not None and again.body == body:
        raise StaleProfile(f"the public profile of {uscc} differs from its page rendered from the database")
