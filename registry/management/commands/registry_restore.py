"""``manage.py registry_restore BACKUP``: a backup made by ``registry_backup`` into the configured
(empty) database, MEDIA_ROOT and the signing keys (docs/operations.md, "Backups").

What it reports goes to standard error; standard output carries only the ``SIGNING_*=…`` lines to set
in the environment, if any, so that they can be redirected to a file of their own.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from registry.backup import PASSPHRASE_ENV, BackupError, backup_open, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup directory made by registry_backup into the database of DATABASE_URL (or the "
        "embedded one), which must be empty, and MEDIA_ROOT; then write the signing keys to the development "
        "key file, or print the SIGNING_* values to set in production. The keys' passphrase comes from "
        f"{PASSPHRASE_ENV} or is asked for in a terminal."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("backup", help="the backup directory, e.g. backups/20261204T230000Z")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="overwrite a database, MEDIA_ROOT or development key file that is not empty (the old key file is kept beside)",
        )

    def handle(self, *args, **options):
        path = Path(options["backup"])
        try:
            opened = backup_open(path)
            passphrase = os.environ.get(PASSPHRASE_ENV) or None
            if passphrase is None and opened.keys_encrypted and sys.stdin.isatty():
                passphrase = getpass.getpass(_("Passphrase for the signing keys: "))
            result = backup_restore(opened, passphrase=passphrase, replace=options["replace"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stderr.write(
            self.style.SUCCESS(
                _("Restored %(backup)s into the database %(name)s, and %(files)d files into MEDIA_ROOT.")
                % {"backup": path, "name": result.database, "files": result.media_files}
            )
        )
        self._keys(result)
        if not result.audit.ok:
            raise CommandError(
                _(
                    "Restored, but the audit chain is broken at entry #%(id)d: %(reason)s "
                    "(%(checked)d entries before it are intact)."
                )
                % {
                    "id": result.audit.first_broken_id,
                    "reason": result.audit.reason,
                    "checked": result.audit.checked,
                }
            )
        self.stderr.write(
            _("Audit chain intact: %(count)d entries checked.") % {"count": result.audit.checked}
        )

    def _keys(self, result) -> None:
        keys, installed = result.keys, result.keys_installed
        if keys is None:
            self.stderr.write(
                self.style.WARNING(
                    _(
                        "The backup holds no signing keys: reports and badges issued before will read “not genuine”."
                    )
                )
            )
            return
        kids = ", ".join(sorted(keys.private))
        if installed.already_configured:
            self.stderr.write(_("Signing keys %(kids)s: already configured, unchanged.") % {"kids": kids})
        if installed.written_to is not None:
            self.stderr.write(
                _("Signing keys %(kids)s written to %(path)s.") % {"kids": kids, "path": installed.written_to}
            )
        if installed.replaced_file is not None:
            self.stderr.write(
                self.style.WARNING(
                    _("The key file it replaced is kept as %(path)s.") % {"path": installed.replaced_file}
                )
            )
        if not installed.env_lines:
            return
        if installed.configured_differs:
            self.stderr.write(
                self.style.WARNING(
                    _(
                        "The signing keys configured now are not the backup's: reports and badges they did not sign read “not genuine”."
                    )
                )
            )
        self.stderr.write(
            _(
                "Set these in the environment of every web and worker process (your secret store, or the "
                "x-app environment of docker-compose.yml), then restart them. Until then the reports and badges "
                "issued before read “not genuine”. The lines hold private keys: keep them out of shell history "
                "and logs."
            )
            if installed.written_to is None and not installed.already_configured
            else _("Also set these in the environment of every web and worker process, then restart them:")
        )
        for line in installed.env_lines:
            self.stdout.write(line)  # alone on standard output: `> signing.env` keeps just these
