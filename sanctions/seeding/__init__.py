"""Credit data for the demo: records, lists, ratings, commitments, objections and repairs that make
the demo registry look lived in (``manage.py seed_demo``, which lives in ``lookup`` and orchestrates
this with the registry's enterprises and the portal's badges).

- ``credit_seed_demo``: the demo set, through the services: the named situations
  (``scenarios.SITUATIONS``, also in the README) and the other demo enterprises at realistic rates.
- ``credit_seed_synthetic``: the synthetic enterprises of ``seed_demo --enterprises N``, at the same
  rates, through the bulk paths (the record import's COPY path, bulk listings and commitments,
  ``ratings_recompute_bulk``), chunk by chunk.

Both create only what is missing, never under production settings, and act as the demo agencies'
clerks and reviewers (``registry.seeding.demo_personas``).
"""

from .bulk import BulkReport, credit_seed_synthetic
from .context import DemoUnavailable, SeedContext
from .demo import DemoReport, credit_seed_demo
from .scenarios import BADGE_ENTERPRISES, SITUATIONS, Situation, situation_enterprises

__all__ = [
    "BADGE_ENTERPRISES",
    "SITUATIONS",
    "BulkReport",
    "DemoReport",
    "DemoUnavailable",
    "SeedContext",
    "Situation",
    "credit_seed_demo",
    "credit_seed_synthetic",
    "situation_enterprises",
]
