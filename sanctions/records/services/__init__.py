"""Every change to a credit record: create, edit, submit, send back, publish, correct, revoke, expire.

Each is one atomic function that checks permission, applies the rules, saves, and writes both the
audit entry and the record's own history event. Nothing is overwritten: a correction is a new
version, and the old one stays.

- ``guards``: what refuses a change (the authority rule, a duplicate decision, the wrong status),
  and the row lock;
- ``history``: the editable fields, their values as history and audit show them, the history event;
- ``visibility``: the publicity worked out and set on a record, and whether the public saw it;
- ``drafting``: record a decision, edit a draft, submit it;
- ``review``: send a submitted record back, or publish it;
- ``corrections``: correct or revoke a published record;
- ``expiry``: published records whose publicity has ended marked expired, in batches.
"""

from .corrections import record_correct, record_revoke
from .drafting import record_create, record_submit, record_update
from .expiry import records_expire, records_expire_batch
from .guards import DuplicateRecord, PartnerRecordLocked, ensure_local_record
from .history import EDITABLE
from .review import record_publish, record_send_back

__all__ = [
    "EDITABLE",
    "DuplicateRecord",
    "PartnerRecordLocked",
    "ensure_local_record",
    "record_correct",
    "record_create",
    "record_publish",
    "record_revoke",
    "record_send_back",
    "record_submit",
    "record_update",
    "records_expire",
    "records_expire_batch",
]
