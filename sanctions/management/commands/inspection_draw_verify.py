from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sanctions.inspections.draw import draw_verify
from sanctions.inspections.selectors import public_plan_get, public_plan_snapshot, recorded_draw


class Command(BaseCommand):
    help = (
        "Reproduce a drawn inspection plan's draw from its published seed and population snapshot and "
        "compare it with the inspections recorded. --snapshot and --seed check a downloaded file instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("plan", type=int, help="The plan's number (as on /inspections/<number>/).")
        parser.add_argument(
            "--snapshot", type=Path, help="A downloaded snapshot file (default: the stored one)."
        )
        parser.add_argument("--seed", help="The published seed in hex (default: the stored one).")

    def handle(self, *args, plan: int, snapshot: Path | None = None, seed: str | None = None, **options):
        found = public_plan_get(pk=plan)
        if found is None:
            raise CommandError(f"No drawn plan has the number {plan}.")
        file = snapshot.read_bytes() if snapshot else public_plan_snapshot(pk=plan)
        try:
            problems = draw_verify(
                seed=seed or found.seed,
                snapshot_file=file,
                sha256=found.snapshot_sha256,
                recorded=recorded_draw(plan=found),
            )
        except ValueError as exc:
            raise CommandError(f"The snapshot or seed cannot be read: {exc}") from None
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"Plan {plan}: the draw is NOT reproduced ({len(problems)} differences).")
        self.stdout.write(
            f"Plan {plan}: reproduced. {found.inspections.count()} enterprises drawn from "
            f"{found.population} with seed {found.seed}, snapshot SHA-256 {found.snapshot_sha256}."
        )
