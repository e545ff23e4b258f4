"""Every write to the registry: enterprises, agencies and staff roles.

Each service checks its own permission, validates, saves and writes its audit entry in one
transaction. The admin, the API, the import command and tasks all call these.

- ``system``: the system account that commands and scheduled tasks act as (``system_actor``);
- ``enterprises``: register an enterprise, change its registration details, record a former name;
- ``agencies``: the rules for an agency's details (``agency_validate``), create and change an agency;
- ``staff_roles``: grant and revoke a person's role in an agency;
- ``calendar_days``: the working-day calendar's public holidays and make-up working days.

The registration details (shareholders, key personnel, branches) are written by
``registry.details.services``; they are re-exported here, so every registry write is found here.
"""

from ..details.services import (
    branch_link,
    branch_unlink,
    personnel_set,
    shareholder_add,
    shareholder_remove,
    shareholder_update,
)
from .agencies import agency_create, agency_update, agency_validate
from .calendar_days import calendar_day_remove, calendar_day_set
from .enterprises import enterprise_add_former_name, enterprise_register, enterprise_update
from .staff_roles import staff_role_grant, staff_role_revoke
from .system import SYSTEM_USERNAME, system_actor

__all__ = [
    "SYSTEM_USERNAME",
    "agency_create",
    "agency_update",
    "agency_validate",
    "branch_link",
    "branch_unlink",
    "calendar_day_remove",
    "calendar_day_set",
    "enterprise_add_former_name",
    "enterprise_register",
    "enterprise_update",
    "personnel_set",
    "shareholder_add",
    "shareholder_remove",
    "shareholder_update",
    "staff_role_grant",
    "staff_role_revoke",
    "system_actor",
]
