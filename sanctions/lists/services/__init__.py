"""Listings on the lists (red, seriously dishonest, watch, abnormal operations, …): their lifecycle.

A listing is an agency's decision, written by a clerk and published by another reviewer of the same
agency (four eyes), exactly like a credit record. It leaves public view by itself when its term
ends (``selectors.active_listings`` compares dates); ``listings_expire`` only marks such listings
removed, writes their audit entries and tells the subscribers (``notifications``). Early removal
after credit repair and revocation go through ``listing_remove``.

Every write here checks permission itself, writes its audit entry in the same transaction, bumps
the enterprise's cache generation and schedules its rating recomputation on commit.

- ``steps``: what the writes share: the row lock, a change refused in the wrong status, the save that
  names a decision number already used, the audit values, the rating recomputed on commit;
- ``drafting``: draft a listing, edit a draft, submit it;
- ``review``: send a submitted listing back, or publish it (four eyes);
- ``removal``: whether early removal is allowed yet, and a listing removed early or revoked;
- ``term``: the daily job: listings that started put in the change feed, those whose term ended
  marked removed, in batches;
- ``rules``: listings entered by a published rule, by the system account (``RuleListing``).
"""

from .drafting import listing_create, listing_submit, listing_update
from .removal import can_remove_early, listing_remove
from .review import listing_publish, listing_send_back
from .rules import RuleListing, listings_enter_by_rule
from .term import listings_expire, listings_expire_batch, listings_started_emit

__all__ = [
    "RuleListing",
    "can_remove_early",
    "listing_create",
    "listing_publish",
    "listing_remove",
    "listing_send_back",
    "listing_submit",
    "listing_update",
    "listings_enter_by_rule",
    "listings_expire",
    "listings_expire_batch",
    "listings_started_emit",
]
