from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.batches import BatchFailed, run_in_batches
from registry.context import request_context
from sanctions.records.selectors import records_expiry_due_count
from sanctions.records.services import records_expire_batch


class Command(BaseCommand):
    help = (
        "Mark published records whose publicity period has ended as expired (the daily task does the same), "
        "in batches of --batch-size (one transaction each), with a progress line per batch on stderr."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=None,
            help="Records per transaction (default: EXPIRY_BATCH_ROWS).",
        )

    def handle(self, *args, batch_size: int | None = None, **options):
        today = timezone.localdate()
        total = records_expiry_due_count(today=today)
        noun = _("records expired")

        def progress(done):
            self.stderr.write(done.line(noun))

        def step(after):
            return records_expire_batch(today=today, after=after, size=batch_size)

        with request_context(prefix="expire-"):
            try:
                run = run_in_batches(step, total=total, progress=progress if options["verbosity"] else None)
            except BatchFailed as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(_("%(count)d records expired.") % {"count": run.rows})
