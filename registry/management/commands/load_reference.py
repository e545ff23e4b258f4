"""``manage.py load_reference``: bring the reference tables in line with the data shipped with the code."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from registry.reference import divisions_sync


class Command(BaseCommand):
    help = "Synchronise the administrative division table (GB/T 2260) with python-stdnum's."

    def handle(self, *args, **options) -> None:
        created, updated = divisions_sync()
        self.stdout.write(
            self.style.SUCCESS(f"Administrative divisions: {created} created, {updated} updated.")
        )
