from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from registry.context import request_context
from sanctions.statistics.services import statistics_refresh


class Command(BaseCommand):
    help = (
        "Count the public statistics again and replace their snapshot (the hourly task does the same); "
        "safe to run at any time."
    )

    def handle(self, *args, **options):
        with request_context(prefix="statistics-"):
            snapshot = statistics_refresh()
        self.stdout.write(
            _("Statistics as of %(date)s refreshed in %(ms)d ms (version %(version)s).")
            % {"date": snapshot.as_of.isoformat(), "ms": snapshot.duration_ms, "version": snapshot.version}
        )
