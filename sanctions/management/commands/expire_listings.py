from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.batches import BatchFailed, run_in_batches
from registry.context import request_context
from sanctions.lists.selectors import listings_expiry_due_count
from sanctions.lists.services import listings_expire_batch


class Command(BaseCommand):
    help = (
        "Mark listings whose term has ended as removed and notify subscribers (the daily task does the same), "
        "in batches of --batch-size (one transaction each), with a progress line per batch on stderr."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=None,
            help="Listings per transaction (default: EXPIRY_BATCH_ROWS).",
        )

    def handle(self, *args, batch_size: int | None = None, **options):
        today = timezone.localdate()
        total = listings_expiry_due_count(today=today)
        noun = _("listings ended")

        def progress(done):
            self.stderr.write(done.line(noun))

        def step(after):
            return listings_expire_batch(today=today, after=after, size=batch_size)

        with request_context(prefix="expire-listings-"):
            try:
                run = run_in_batches(step, total=total, progress=progress if options["verbosity"] else None)
            except BatchFailed as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(_("%(count)d listings ended.") % {"count": run.rows})
