from django.core.management.base import BaseCommand, CommandError

from registry.references import references_verify, unchecked_references


class Command(BaseCommand):
    help = (
        "Check the references the database does not check (foreign keys declared without their "
        "constraint): name every column holding a value whose row is missing."
    )

    def handle(self, *args, **options):
        checked = list(unchecked_references())
        dangling = references_verify()
        if dangling:
            raise CommandError("Dangling references:\n" + "\n".join(d.message for d in dangling))
        self.stdout.write(
            self.style.SUCCESS(f"References hold: {len(checked)} unchecked columns, no dangling value.")
        )
