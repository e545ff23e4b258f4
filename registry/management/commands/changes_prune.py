"""Delete change-feed events older than the retention (CHANGE_FEED_RETENTION_DAYS), in batches."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from registry.changes import changes_prune


class Command(BaseCommand):
    help = "Delete change-feed events older than CHANGE_FEED_RETENTION_DAYS, oldest first, in batches."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=None, help="Keep this many days instead.")
        parser.add_argument("--batch", type=int, default=5000, help="Events deleted per transaction.")

    def handle(self, *args, days: int | None, batch: int, **options) -> None:
        deleted = changes_prune(retention_days=days, batch=batch)
        self.stdout.write(_("%(count)d change-feed events deleted.") % {"count": deleted})
