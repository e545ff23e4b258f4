"""``manage.py seed_demo [--enterprises N]``: a demo registry that looks lived in.

Loads what is missing, in this order: the demo agencies, accounts and enterprises (``registry``),
the demo badges (``lookup``, issued before the credit data makes some of their enterprises
ineligible), the credit data of the demo set (``sanctions``: records, lists, ratings, commitments,
objections, repair applications). With ``--enterprises N``, makes the synthetic enterprises N in
number and gives them credit data at the same rates through the bulk paths. Ends, on every run, with
the demo enterprises to try, one per situation, and the scan path of a badge in each state.
"""

from __future__ import annotations

import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from lookup.badges.seeding import badges_seed, demo_badge_states
from registry.seeding import (
    DEMO_PASSWORD,
    DEMO_PERSONAS,
    demo_data_refusal,
    demo_lock,
    demo_personas,
    demo_seed,
    enterprises_seed_synthetic_up_to,
)
from sanctions.seeding import (
    BADGE_ENTERPRISES,
    credit_seed_demo,
    credit_seed_synthetic,
    situation_enterprises,
)


class Command(BaseCommand):
    help = (
        "Load the demo agencies, accounts, enterprises, badges and credit data (only what is missing); "
        "optionally make the synthetic enterprises N in number, with credit data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enterprises",
            type=int,
            default=0,
            metavar="N",
            help="Also have N synthetic enterprises (only the missing ones are made), with credit data.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, enterprises: int, no_progress: bool, **options) -> None:
        refusal = demo_data_refusal()
        if refusal:
            raise CommandError(refusal)
        if enterprises < 0:
            raise CommandError("--enterprises must be 0 or more.")
        progress_bar = not no_progress and options["verbosity"] > 0
        with demo_lock():
            self._seed(enterprises, progress_bar=progress_bar)
        self._accounts()
        self._to_try()

    def _seed(self, enterprises: int, *, progress_bar: bool) -> None:
        try:
            created = demo_seed()
            self.stdout.write(
                self.style.SUCCESS(
                    "Demo set loaded: {agencies} agencies, {users} accounts, {roles} roles, "
                    "{enterprises} enterprises created (existing ones left as they were).".format(**created)
                )
            )
            badges = badges_seed()
            started = time.perf_counter()
            credit = credit_seed_demo()
            self.stdout.write(
                self.style.SUCCESS(
                    f"Credit data: {credit.scenarios} situations and {credit.enterprises} other enterprises given "
                    f"their records, lists and commitments, {credit.measures} joint measures published, "
                    f"badges for {badges} enterprises, {credit.expired} records past their publicity marked expired, "
                    f"{credit.ratings} ratings computed ({time.perf_counter() - started:.1f} s)."
                )
            )
            if enterprises:
                self._synthetic(enterprises, progress_bar=progress_bar)
        except (PermissionDenied, ValidationError) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc

    def _bar(self, total: int | None, unit: str, enabled: bool):
        if not enabled:
            return None
        from tqdm import tqdm

        return tqdm(total=total, unit=unit, unit_scale=True, file=self.stderr)

    def _synthetic(self, count: int, *, progress_bar: bool) -> None:
        from registry.seeding import synthetic_enterprises

        bar = self._bar(max(0, count - synthetic_enterprises().count()), "rows", progress_bar)
        started = time.perf_counter()
        try:
            made = enterprises_seed_synthetic_up_to(total=count, progress=bar.update if bar else None)
        finally:
            if bar:
                bar.close()
        seconds = time.perf_counter() - started
        rate = f" ({made / seconds:,.0f} rows/s)" if made else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{made} synthetic enterprises in {seconds:.1f} s{rate}; {count} wanted in all."
            )
        )
        bar = self._bar(None, "enterprises", progress_bar)
        started = time.perf_counter()
        try:
            report = credit_seed_synthetic(progress=bar.update if bar else None)
        finally:
            if bar:
                bar.close()
        kinds = report.by_kind
        self.stdout.write(
            self.style.SUCCESS(
                f"Credit data of {report.enterprises} synthetic enterprises in {time.perf_counter() - started:.1f} s: "
                f"{report.records} records ({kinds.get('penalty', 0)} penalties, {kinds.get('licence', 0)} licences, "
                f"{kinds.get('reward', 0)} rewards; {report.expired + report.expired_by_job} past their publicity), {report.listings} listings, "
                f"{report.commitments} commitments, {report.rare_steps} corrections, revocations, objections "
                f"and repairs, {report.ratings} base ratings."
            )
        )

    def _accounts(self) -> None:
        self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}):")
        for username, agency, role in DEMO_PERSONAS:
            self.stdout.write(f"  {username:<14} {role:<15} {agency or '(registry, also /admin/)'}")
        named = {username for username, _agency, _role in DEMO_PERSONAS}
        others = [username for username, _agency, _role in demo_personas() if username not in named]
        if others:
            self.stdout.write(f"  and a clerk and a reviewer of every other demo agency: {', '.join(others)}")
        accounts = [(s.account, s.name) for s, _e in situation_enterprises() if s.account]
        accounts += [(account, name) for name, account in BADGE_ENTERPRISES.values() if account]
        for username, name in accounts:
            self.stdout.write(f"  {username:<14} {'enterprise':<15} {name} (/account/)")

    def _to_try(self) -> None:
        self.stdout.write("Enterprises to try:")
        for situation, enterprise in situation_enterprises():
            if enterprise is None:
                continue
            path = reverse("lookup:enterprise", args=[enterprise.uscc])
            self.stdout.write(f"  {situation.label}\n      {enterprise.name}  {path}")
        self.stdout.write(
            f"  enterprises with penalties still public: {reverse('lookup:search')}?has_penalties=on"
        )
        states = demo_badge_states()
        if states:
            self.stdout.write("Badges to scan (each answer a scan can give):")
            for state, enterprise, path in states:
                self.stdout.write(f"  {state:<15} {enterprise.name}  {path}")
