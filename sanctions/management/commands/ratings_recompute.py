from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from registry.batches import BatchFailed
from registry.context import request_context
from registry.models import Enterprise
from sanctions.lists.ratings import rating_recompute
from sanctions.lists.ratings_bulk import CHUNK, ratings_recompute_bulk
from sanctions.models import RatingModel


class Command(BaseCommand):
    help = (
        "Recompute credit ratings. Without options: enterprises that have no current rating yet. "
        "--all: every enterprise (after a change of the rating rules). --uscc: the named enterprises."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Recompute every enterprise.")
        parser.add_argument("--uscc", action="append", default=[], help="Only this enterprise (repeatable).")
        parser.add_argument("--model", help="Only this rating model (its code).")
        parser.add_argument(
            "--chunk", type=int, default=CHUNK, help="Enterprise ids per transaction (a progress line each)."
        )

    def handle(self, *args, **options):
        models = None
        if options["model"]:
            model = RatingModel.objects.filter(pk=options["model"]).first()
            if model is None:
                raise CommandError(_("No rating model has the code %(code)s.") % {"code": options["model"]})
            models = [model]
        started = time.monotonic()
        with request_context(prefix="ratings-recompute-"):
            if options["uscc"]:
                for uscc in options["uscc"]:
                    enterprise = Enterprise.objects.filter(uscc=uscc.strip().upper()).first()
                    if enterprise is None:
                        self.stderr.write(_("No enterprise has the code %(code)s.") % {"code": uscc})
                        continue
                    for rating in rating_recompute(enterprise_id=enterprise.pk):
                        self.stdout.write(
                            f"{enterprise.uscc} {rating.model_id} {rating.grade} {rating.points}"
                        )
                return

            noun = _("enterprise ids covered")

            def progress(done):
                if options["verbosity"]:
                    self.stderr.write(done.line(noun))

            try:
                result = ratings_recompute_bulk(
                    only_missing=not options["all"], chunk=options["chunk"], models=models, progress=progress
                )
            except BatchFailed as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(
            _(
                "%(rows)d new ratings (%(base)d with the base grade, %(evaluated)d enterprises with public records or "
                "listings evaluated) in %(chunks)d chunks, %(seconds).1f s."
            )
            % {
                "rows": result.base_rows + result.evaluated_rows,
                "base": result.base_rows,
                "evaluated": result.evaluated,
                "chunks": result.chunks,
                "seconds": time.monotonic() - started,
            }
        )
