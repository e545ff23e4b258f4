"""Draw the search sample again (registry/search_sample.py): also every night by beat."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from registry.search_sample import search_sample_refresh


class Command(BaseCommand):
    help = "Draw the search sample again: names at random, from which searches estimate how many names match."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--size", type=int, default=None, help="Names to draw (default SEARCH_SAMPLE_SIZE)."
        )

    def handle(self, *args, size: int | None, **options) -> None:
        drawn = search_sample_refresh(size=size)
        self.stdout.write(_("Search sample: %(count)d names drawn at random.") % {"count": drawn})
