"""Importing a partner platform's change feed: one event per transaction, with the stored cursor.

``partner_event_import`` is the one write path of the sync: it checks the event, applies it (a
partner's record or listing copied, corrected or withdrawn here; an enterprise registered when
missing), or logs why not (``SyncRejection``, ``SyncConflict``), and moves the partner's stored
position past the event, all in one transaction. A sync killed at any point therefore resumes at
the first event whose transaction did not commit: nothing is lost, nothing applied twice. Copies
are also keyed by (source platform, id at the source), and an event older than the copy's version
changes nothing, so a partner that replays its feed does not double anything either.

Authority: a copy belongs to the platform of its deciding agency. The services of
``sanctions.records`` refuse to edit, correct, revoke or repair it (``ensure_local_record``); only
its source changes it, through this sync. A local record with the same decision document number is
never overwritten: the event is kept as a ``SyncConflict`` for a person to decide.

Loops: copies write their own change-feed events with ``source_platform`` = the platform they came
from, so a third platform can follow; a platform reading a feed skips events whose source is
itself, so nothing returns to its origin.

- ``partners``: partners registered, recognition rules, conflicts marked resolved or reopened;
- ``event_import``: ``partner_event_import``, one event in one transaction;
- ``outcomes``: what an event came to (``Applied``), and a conflict kept;
- ``provenance``: the source platform, agency and enterprise of a copy;
- ``records``, ``listings``, ``enterprises``: each kind of event applied;
- ``run``: ``partner_sync``, a run over the partner's feed.
"""

from .enterprises import ENTERPRISE_FACTS
from .event_import import SyncOutOfStep, partner_event_import
from .outcomes import APPLIED, CONFLICT, REJECTED, SKIPPED, UNCHANGED, Applied
from .partners import (
    partner_recognition_delete,
    partner_recognition_save,
    partner_register,
    sync_conflict_reopen,
    sync_conflict_resolve,
)
from .run import SyncResult, partner_sync

__all__ = [
    "APPLIED",
    "CONFLICT",
    "ENTERPRISE_FACTS",
    "REJECTED",
    "SKIPPED",
    "UNCHANGED",
    "Applied",
    "SyncOutOfStep",
    "SyncResult",
    "partner_event_import",
    "partner_recognition_delete",
    "partner_recognition_save",
    "partner_register",
    "partner_sync",
    "sync_conflict_reopen",
    "sync_conflict_resolve",
]
