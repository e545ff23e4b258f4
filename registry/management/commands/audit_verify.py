from django.core.management.base import BaseCommand, CommandError

from registry.audit import audit_verify


class Command(BaseCommand):
    help = "Walk the hash-chained audit trail and name the first broken entry."

    def handle(self, *args, **options):
        report = audit_verify()
        if not report.ok:
            raise CommandError(
                f"Audit chain broken at entry #{report.first_broken_id}: {report.reason} "
                f"({report.checked} entries before it are intact)."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} entries checked."))
