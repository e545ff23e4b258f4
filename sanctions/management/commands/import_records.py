"""``manage.py import_records FILE --agency CODE``: import a file of records, wait for it, report it.

Without ``--actor`` the import acts as the system account (``registry.services.system_actor``), and
the audit records the operating-system user and host that ran the command; with ``--actor`` it acts
as that clerk of the agency.
"""

from __future__ import annotations

import getpass
import os
import socket
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.context import request_context
from registry.models import Agency
from registry.services import system_actor
from sanctions.choices import ImportStatus
from sanctions.records.importing.run import FINISHED, import_error_report, import_errors, import_start

SHOWN_ERRORS = 20
POLL_SECONDS = 0.5
QUIET_WARNING_SECONDS = 30


class Command(BaseCommand):
    help = (
        "Import credit records from a CSV or XLSX file (first row: national CF_*/XK_* codes, their Chinese "
        "names or the desk form's labels) for an agency; waits for the import and reports it. Acts as the "
        "system account, with the operating-system user who ran the command recorded in the audit, or as "
        "the clerk named by --actor."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV (UTF-8 or GB18030, comma or tab) or XLSX file")
        parser.add_argument(
            "--agency", required=True, metavar="CODE", help="the agency's USCC (or exact name)"
        )
        parser.add_argument(
            "--actor",
            metavar="USERNAME",
            help="a clerk of the agency to record as author (default: the system account “system”; the "
            "audit records who ran the command either way)",
        )
        parser.add_argument(
            "--submit", action="store_true", help="submit the records for review (default: drafts)"
        )
        parser.add_argument(
            "--errors-out", metavar="REPORT.csv", help="write the refused rows and reasons here"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        agency = self._agency(options["agency"])
        actor = self._actor(options["actor"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("There is no file %(path)s.") % {"path": path})
        started = timezone.now()
        run_by = _operator()
        try:
            with request_context(prefix="import-"):
                batch = import_start(
                    actor=actor,
                    agency=agency,
                    path=path,
                    original_name=path.name,
                    submit=options["submit"],
                    run_by=run_by,
                )
        except PermissionDenied as exc:
            hint = _(
                "Name a clerk of the agency with --actor, or leave --actor out to act as the system account."
            )
            raise CommandError(f"{exc} {hint}") from None
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        batch.refresh_from_db()
        self.stderr.write(
            _("Importing as %(actor)s for %(agency)s; run by %(operator)s.")
            % {"actor": actor.get_username(), "agency": agency.name, "operator": run_by}
        )
        if batch.created_at < started:
            self.stderr.write(
                self.style.WARNING(
                    _("This file was imported before (import #%(id)d, %(when)s): nothing changed.")
                    % {
                        "id": batch.pk,
                        "when": timezone.localtime(batch.created_at).strftime("%Y-%m-%d %H:%M"),
                    }
                )
            )
        self._wait(batch, show_progress=self._show_progress(options))
        self._report(batch, errors_out=options["errors_out"])

    def _show_progress(self, options) -> bool:
        stream = getattr(self.stderr, "_out", self.stderr)
        return not options["no_progress"] and hasattr(stream, "isatty") and stream.isatty()

    def _wait(self, batch, *, show_progress: bool) -> None:
        bar = None
        started = time.monotonic()
        warned = False
        try:
            while batch.status not in FINISHED:  # a clerk may cancel it meanwhile
                if show_progress and batch.total_rows:
                    from tqdm import tqdm

                    if bar is None:
                        bar = tqdm(
                            total=batch.total_rows,
                            desc=_("importing"),
                            unit=" rows",
                            file=getattr(self.stderr, "_out", self.stderr),
                            leave=False,
                        )
                    bar.update(batch.processed_rows - bar.n)
                if (
                    not warned
                    and batch.status == ImportStatus.PENDING
                    and time.monotonic() - started > QUIET_WARNING_SECONDS
                ):
                    self.stderr.write(
                        self.style.WARNING(
                            _("Import #%(id)d is still waiting: is a Celery worker running?")
                            % {"id": batch.pk}
                        )
                    )
                    warned = True
                time.sleep(POLL_SECONDS)
                batch.refresh_from_db()
        finally:
            if bar is not None:
                bar.update(batch.processed_rows - bar.n)
                bar.close()

    def _report(self, batch, *, errors_out: str | None) -> None:
        if batch.status in (ImportStatus.FAILED, ImportStatus.CANCELLED):
            raise CommandError(
                _("Import #%(id)d failed: %(message)s") % {"id": batch.pk, "message": batch.message}
            )
        if batch.message:
            self.stderr.write(self.style.WARNING(batch.message))
        errors = import_errors(batch)
        for error in errors[:SHOWN_ERRORS]:
            self.stderr.write(
                _("row %(row)d, column %(column)s, value “%(value)s”: %(reason)s")
                % {"row": error.row, "column": error.column, "value": error.value, "reason": error.reason}
            )
        if len(errors) > SHOWN_ERRORS:
            self.stderr.write(
                _("... and %(count)d more; see --errors-out") % {"count": len(errors) - SHOWN_ERRORS}
            )
        if errors_out:
            Path(errors_out).write_bytes(import_error_report(batch))
        summary = _(
            "Import #%(id)d of %(file)s: %(rows)d rows, %(created)d records created, %(unchanged)d already "
            "present, %(errors)d rows with errors."
        ) % {
            "id": batch.pk,
            "file": batch.original_name,
            "rows": batch.total_rows,
            "created": batch.created_count,
            "unchanged": batch.unchanged_count,
            "errors": batch.error_count,
        }
        if batch.error_count:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))

    def _agency(self, code: str) -> Agency:
        agency = Agency.objects.filter(Q(uscc=code.strip().upper()) | Q(name=code.strip())).first()
        if agency is None:
            raise CommandError(_("There is no agency “%(code)s”.") % {"code": code})
        return agency

    def _actor(self, username: str | None):
        if not username:
            return system_actor()
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(_("There is no user “%(username)s”.") % {"username": username}) from None


def _operator() -> str:
    """Who runs the command: the operating-system user and host, as the audit records them."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (e.g. in a container)
        user = f"uid {os.getuid()}"
    return f"{user}@{socket.gethostname()} via manage.py import_records"
