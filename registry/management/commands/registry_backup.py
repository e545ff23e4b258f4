"""``manage.py registry_backup``: the database, the signing keys (encrypted) and the uploaded files
into ``backups/<UTC time>/`` (docs/operations.md, "Backups")."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from registry.backup import PASSPHRASE_ENV, BackupError, backup_create, keyset_configured, passphrase_check


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump -Fc), the signing keys (encrypted with the passphrase in "
        f"{PASSPHRASE_ENV}, or asked for in a terminal) and every file under MEDIA_ROOT into a new "
        "directory named by the time, under backups/."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            metavar="DIR",
            default=str(Path(settings.BASE_DIR) / "backups"),
            help="where the backup directory is made (default: backups/ of the project)",
        )
        parser.add_argument(
            "--plaintext-keys",
            action="store_true",
            help="write the private signing keys UNENCRYPTED (anyone who reads the backup can then forge reports and badges)",
        )

    def handle(self, *args, **options):
        plaintext = options["plaintext_keys"]
        passphrase = os.environ.get(PASSPHRASE_ENV) or None
        try:
            if plaintext:
                self.stderr.write(
                    self.style.ERROR(
                        _(
                            "WARNING: the private signing keys will be written UNENCRYPTED. Anyone who can read "
                            "this backup can forge credit reports and badges. Keep it offline and destroy it "
                            "after use."
                        )
                    )
                )
            elif passphrase is None and keyset_configured() is not None and sys.stdin.isatty():
                passphrase = self._ask()
            result = backup_create(
                root=Path(options["output"]), passphrase=passphrase, plaintext_keys=plaintext
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = result.manifest
        self.stdout.write(self.style.SUCCESS(_("Backup written to %(path)s") % {"path": result.path}))
        self.stdout.write(
            _("Database %(name)s: %(bytes)d bytes; files: %(files)d (%(file_bytes)d bytes).")
            % {
                "name": manifest["database"]["name"],
                "bytes": manifest["database"]["bytes"],
                "files": manifest["media"]["files"],
                "file_bytes": manifest["media"]["bytes"],
            }
        )
        keys = manifest["keys"]
        if keys is None:
            self.stdout.write(self.style.WARNING(_("No signing keys are configured: the backup holds none.")))
        elif keys["encrypted"]:
            self.stdout.write(
                _(
                    "Signing keys %(kids)s (current: %(current)s) encrypted with the passphrase. Keep the "
                    "passphrase apart from the backup: without it the keys cannot be restored."
                )
                % {"kids": ", ".join(keys["key_ids"]), "current": keys["current_kid"]}
            )
        else:
            self.stdout.write(
                self.style.ERROR(
                    _("Signing keys %(kids)s written UNENCRYPTED to %(path)s.")
                    % {"kids": ", ".join(keys["key_ids"]), "path": result.path / keys["file"]}
                )
            )

    def _ask(self) -> str:
        first = getpass.getpass(_("Passphrase for the signing keys: "))
        passphrase_check(first)
        if getpass.getpass(_("The same passphrase again: ")) != first:
            raise BackupError(_("The two passphrases differ: nothing was written."))
        return first
