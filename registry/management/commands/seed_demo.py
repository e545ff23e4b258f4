"""``manage.py seed_demo [--enterprises N]``: the demo set, and optionally N synthetic enterprises."""

from __future__ import annotations

import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.seeding import (
    DEMO_PASSWORD,
    DEMO_PERSONAS,
    demo_data_refusal,
    demo_seed,
    enterprises_seed_synthetic,
)


class Command(BaseCommand):
    help = "Load the demo agencies, accounts and enterprises (idempotent); optionally add N synthetic enterprises."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enterprises", type=int, default=0, metavar="N", help="Also generate N synthetic enterprises."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, enterprises: int, no_progress: bool, **options) -> None:
        refusal = demo_data_refusal()
        if refusal:
            raise CommandError(refusal)
        if enterprises < 0:
            raise CommandError("--enterprises must be 0 or more.")
        try:
            created = demo_seed()
        except (PermissionDenied, ValidationError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                "Demo set loaded: {agencies} agencies, {users} accounts, {roles} roles, "
                "{enterprises} enterprises created (existing ones left as they were).".format(**created)
            )
        )
        self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}):")
        for username, agency, role in DEMO_PERSONAS:
            self.stdout.write(f"  {username:<14} {role:<15} {agency or '(registry, also /admin/)'}")
        if enterprises:
            self._synthetic(enterprises, progress_bar=not no_progress and options["verbosity"] > 0)

    def _synthetic(self, count: int, *, progress_bar: bool) -> None:
        bar = None
        if progress_bar:
            from tqdm import tqdm

            bar = tqdm(total=count, unit="rows", unit_scale=True, file=self.stderr)
        started = time.perf_counter()
        try:
            made = enterprises_seed_synthetic(count=count, progress=bar.update if bar else None)
        except (PermissionDenied, ValidationError) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if bar:
                bar.close()
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"{made} synthetic enterprises in {seconds:.1f} s ({made / seconds:,.0f} rows/s)."
            )
        )
