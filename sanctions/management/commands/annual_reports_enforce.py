from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.batches import BatchFailed, run_in_batches
from registry.context import request_context
from sanctions.lists.annual_reports import (
    annual_reports_enforce_batch,
    annual_reports_enforce_due_count,
    year_to_enforce,
)


class Command(BaseCommand):
    help = (
        "Enter the enterprises that have not filed the annual report whose period last ended into the "
        "abnormal operations list (the daily task does the same), in batches with a progress line on stderr."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", type=dt.date.fromisoformat, default=None, help="Run as of this day (YYYY-MM-DD)."
        )
        parser.add_argument("--batch-size", type=int, default=None, help="Enterprises per transaction.")

    def handle(self, *args, date: dt.date | None = None, batch_size: int | None = None, **options):
        today = date or timezone.localdate()
        total = annual_reports_enforce_due_count(today=today)
        noun = _("enterprises listed")

        def progress(done):
            self.stderr.write(done.line(noun))

        def step(after):
            return annual_reports_enforce_batch(today=today, after=after, size=batch_size)

        with request_context(prefix="annual-reports-enforce-"):
            try:
                run = run_in_batches(step, total=total, progress=progress if options["verbosity"] else None)
            except BatchFailed as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(
            _(
                "%(count)d enterprises without an annual report for %(year)d entered into the abnormal operations list."
            )
            % {"count": run.rows, "year": year_to_enforce(today)}
        )
