"""Random inspections graded by credit (双随机、一公开): the writes.

An agency keeps a roster of inspectors and their declared conflicts of interest; a clerk drafts a
plan (scope, period, a sampling rate per credit grade), another member of staff — a reviewer who
did not write it — approves it (four eyes), then the plan is drawn once: enterprises at random by
the rates of their grades, two inspectors at random for each, from a seed taken from the operating
system's CSPRNG and a snapshot of the population, both recorded and published
(``sanctions.inspections.draw``). A clerk enters each inspection's result, another reviewer
publishes it; an enterprise not found at its registered address is then entered into the
abnormal-operations list through the list services, with their four eyes.

Every write checks permission itself, writes its audit entry in the same transaction and marks the
enterprise's cached pages stale.

- ``roster``: inspectors put on the roster, conflicts of interest recorded;
- ``plans``: a plan drafted, edited, submitted, sent back, approved;
- ``drawing``: a plan's population and snapshot, and the draw;
- ``results``: a result entered, sent back, published (with the abnormal-operations listing).
"""

from .drawing import inspection_draw, plan_population, plan_snapshot
from .plans import plan_approve, plan_create, plan_send_back, plan_submit, plan_update
from .results import (
    ABNORMAL_LIST,
    DEFAULT_CONSEQUENCES,
    NOT_FOUND_LEGAL_BASIS,
    inspection_result_enter,
    inspection_result_publish,
    inspection_result_send_back,
)
from .roster import inspector_add, inspector_conflict_record

__all__ = [
    "ABNORMAL_LIST",
    "DEFAULT_CONSEQUENCES",
    "NOT_FOUND_LEGAL_BASIS",
    "inspection_draw",
    "inspection_result_enter",
    "inspection_result_publish",
    "inspection_result_send_back",
    "inspector_add",
    "inspector_conflict_record",
    "plan_approve",
    "plan_create",
    "plan_population",
    "plan_send_back",
    "plan_snapshot",
    "plan_submit",
    "plan_update",
]
