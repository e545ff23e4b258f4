"""The sanctions admin: each capability registers its own models."""

from sanctions.lists import admin as lists_admin  # noqa: F401
from sanctions.records import admin as records_admin  # noqa: F401
from sanctions.remedies import admin as remedies_admin  # noqa: F401
from sanctions.sync import admin as sync_admin  # noqa: F401
