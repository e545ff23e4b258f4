from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from registry.context import request_context
from registry.importing import enterprise_import
from registry.services import system_actor

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = "Register or update enterprises from a CSV or XLSX file (Chinese or English column headers)."

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            nargs="?",
            help="CSV (UTF-8 or GB18030, comma or tab) or XLSX file of enterprises; an XLSX file's sheets "
            "named 股东/shareholders, 主要人员/personnel and 分支机构/branches are read as registration details",
        )
        parser.add_argument("--shareholders", metavar="FILE", help="shareholders and their contributions")
        parser.add_argument(
            "--personnel", metavar="FILE", help="key personnel (directors, supervisors, managers)"
        )
        parser.add_argument("--branches", metavar="FILE", help="branches, each under its own code")
        parser.add_argument("--strict", action="store_true", help="write nothing if any row is invalid")
        parser.add_argument(
            "--errors-out", metavar="REPORT.csv", help="write the invalid rows and reasons here"
        )
        parser.add_argument(
            "--actor", metavar="USERNAME", help="the registry administrator to record as actor"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        actor = self._actor(options["actor"])
        stream = getattr(self.stderr, "_out", self.stderr)
        show_progress = not options["no_progress"] and hasattr(stream, "isatty") and stream.isatty()
        bars: dict[str, object] = {}

        def progress(phase: str, done: int, total: int | None) -> None:
            from tqdm import tqdm

            bar = bars.get(phase)
            if bar is None:
                for other in bars.values():
                    other.close()
                label = _("checking rows") if phase == "validate" else _("writing")
                bar = bars[phase] = tqdm(total=total, desc=label, unit=" rows", file=stream, leave=False)
            if total and total > bar.total:
                bar.total = total
            bar.update(done - bar.n)

        try:
            with request_context(prefix="import-"):
                report = enterprise_import(
                    actor=actor,
                    path=options["file"],
                    details={
                        kind: options[kind]
                        for kind in ("shareholders", "personnel", "branches")
                        if options.get(kind)
                    },
                    strict=options["strict"],
                    progress=progress if show_progress else None,
                )
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from None
        finally:
            for bar in bars.values():
                bar.close()

        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(warning))
        for error in report.errors[:SHOWN_ERRORS]:
            line = _("row %(row)d, column %(column)s: %(reason)s") % {
                "row": error.row,
                "column": error.column,
                "reason": error.reason,
            }
            if getattr(error, "file", ""):
                line = f"{error.file}, {line}"
            self.stderr.write(line)
        if len(report.errors) > SHOWN_ERRORS:
            self.stderr.write(
                _("... and %(count)d more; see --errors-out") % {"count": len(report.errors) - SHOWN_ERRORS}
            )
        if options["errors_out"]:
            report.write_errors_csv(options["errors_out"])
        if not report.ok:
            raise CommandError(report.summary())
        self.stdout.write(self.style.SUCCESS(report.summary()))

    def _actor(self, username: str | None):
        if not username:
            return system_actor()
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(_("There is no user “%(username)s”.") % {"username": username}) from None
