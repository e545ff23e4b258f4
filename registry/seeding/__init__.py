"""Demo data: the demo agencies, personas and enterprises, and synthetic enterprises in bulk.

``demo_seed`` goes through the ordinary services, so demo rows obey every rule real rows obey.
``enterprises_seed_synthetic`` is the one exception to row-by-row services: it streams generated
rows with PostgreSQL COPY (a million rows in well under a minute) and records the batch as one
audit entry. Neither runs under production settings.

- ``guards``: where and when demo data may be made (never under production settings; one demo
  seed at a time);
- ``demo``: the demo set: agencies, accounts (personas), enterprises and their registration details;
- ``bulk``: synthetic enterprises by COPY, in parts above ``SYNTHETIC_PART_ROWS``;
- ``name_indexes``: the enterprise table's GIN name indexes, dropped for a large COPY and built again;
- ``synthetic``: the synthetic rows as COPY text (codes, names, dates), pure functions;
- ``details``: registration details (shareholders, key personnel, branches, changes) by set-based SQL;
- ``names``: word lists and places that names are built from.
"""

from .bulk import (
    BULK_REBUILD_THRESHOLD,
    SYNTHETIC_PART_ROWS,
    enterprises_seed_synthetic,
    enterprises_seed_synthetic_up_to,
    seed_places,
    synthetic_enterprises,
)
from .demo import (
    AGENCIES_FILE,
    DEMO_PASSWORD,
    DEMO_PERSONAS,
    ENTERPRISES_FILE,
    demo_agencies,
    demo_enterprise_codes,
    demo_personas,
    demo_seed,
    demo_user_create,
)
from .guards import demo_data_refusal, demo_lock
from .name_indexes import drop_gin_indexes, name_indexes_restore

# Patch a name where it is looked up: ``BULK_REBUILD_THRESHOLD`` and
# ``enterprises_seed_synthetic`` in ``bulk``.
__all__ = [
    "AGENCIES_FILE",
    "BULK_REBUILD_THRESHOLD",
    "DEMO_PASSWORD",
    "DEMO_PERSONAS",
    "ENTERPRISES_FILE",
    "SYNTHETIC_PART_ROWS",
    "demo_agencies",
    "demo_data_refusal",
    "demo_enterprise_codes",
    "demo_lock",
    "demo_personas",
    "demo_seed",
    "demo_user_create",
    "drop_gin_indexes",
    "enterprises_seed_synthetic",
    "enterprises_seed_synthetic_up_to",
    "name_indexes_restore",
    "seed_places",
    "synthetic_enterprises",
]
