"""The enterprises a chunk's rows name, fetched at once, and the guard that keeps the cleaning
thread off the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from sanctions.records.validation import LEGACY_IDENTIFIERS, find_party


@dataclass(slots=True)
class PartyRef:
    """The enterprise a row names, as much of it as an import needs."""

    pk: int
    uscc: str
    is_legacy_code: bool = False  # registered under a code that fails its check (``clean_record``)


class NeedsDatabase(Exception):
    """Cleaning ahead, off the database: this row is finished by ``ChunkImporter.finish``."""


@contextmanager
def no_database() -> Iterator[None]:
    """In this thread, any use of the database raises NeedsDatabase instead (the helper thread).

    Django gives each thread a connection of its own: the one refused here is this thread's,
    never the main thread's (which holds the import's transaction).
    """
    own = connections[DEFAULT_DB_ALIAS]
    if own.connection is not None or own.in_atomic_block:
        raise RuntimeError("no_database() is for a thread that has not used the database")

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise NeedsDatabase

    own.ensure_connection = refuse
    try:
        yield
    finally:
        del own.ensure_connection


@dataclass
class Parties:
    """``find_party``'s answers for one chunk, fetched at once (``ChunkImporter.parties``)."""

    codes: set[str] = dataclass_field(default_factory=set)
    by_uscc: dict[str, PartyRef] = dataclass_field(default_factory=dict)
    wanted: dict[str, set[str]] = dataclass_field(default_factory=dict)
    by_legacy: dict[str, dict[str, list[PartyRef]]] = dataclass_field(default_factory=dict)

    def finder(self, *, ahead: bool) -> Callable[[dict[str, Any]], Any]:
        """find_party from what was fetched; a party not fetched is looked up, or (ahead) deferred."""

        def fallback(cleaned: dict[str, Any]) -> Any:
            if ahead:
                raise NeedsDatabase
            return find_party(cleaned)

        def finder(cleaned: dict[str, Any]) -> Any:
            code = cleaned.get("party_uscc")
            if code:
                return self.by_uscc.get(code) if code in self.codes else fallback(cleaned)
            for name, _column in LEGACY_IDENTIFIERS:
                value = cleaned.get(name)
                if value:
                    if value not in self.wanted.get(name, ()):
                        return fallback(cleaned)
                    found = self.by_legacy[name].get(value, ())
                    if len(found) == 1:
                        return found[0]
            return None

        return finder
