"""``manage.py seed_demo [--enterprises N]``: a demo registry that looks lived in.

Loads what is missing, in this order: the demo agencies, accounts and enterprises (``registry``),
the demo badges (``lookup``, issued before the credit data makes some of their enterprises
ineligible), the credit data of the demo set (``sanctions``: records, lists, ratings, commitments,
objections, repair applications). With ``--enterprises N``, makes the synthetic enterprises N in
number and gives them credit data at the same rates through the bulk paths. Ends, on every run, with
the demo enterprises to try, one per situation, and the scan path of a badge in each state.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import CharField
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.translation import gettext as _

from lookup.badges.seeding import badges_seed, demo_badge_states
from lookup.opendata.export import open_data_export
from lookup.opendata.store import export_get
from lookup.profiles import profiles_build_due
from registry.changes import enterprises_change_emit
from registry.choices import ChangeKind
from registry.models import ChangeEvent, Enterprise
from registry.search_sample import search_sample_refresh
from registry.seeding import (
    DEMO_PASSWORD,
    DEMO_PERSONAS,
    demo_data_refusal,
    demo_lock,
    demo_personas,
    demo_seed,
    enterprises_seed_synthetic_up_to,
)
from sanctions.lists.public import listing_change_emit
from sanctions.lists.selectors import active_listings
from sanctions.lists.standing_facts import standings_build_due
from sanctions.records.public import record_change_emit
from sanctions.records.selectors import public_records
from sanctions.seeding import (
    BADGE_ENTERPRISES,
    credit_seed_demo,
    credit_seed_synthetic,
    situation_enterprises,
)
from sanctions.seeding.annual_reports import annual_report_examples, annual_reports_seed
from sanctions.statistics.services import statistics_refresh


@transaction.atomic
def demo_feed_baseline() -> int:
    """The demo's public state in the change feed: most of the demo is written in bulk, not through
    the services that write the feed, and a partner trying the demo's feed (``/api/v1/changes/``)
    should find what its pages show. Each enterprise, public record and listing in force that has
    no event yet gets one (registered, published, entered); a second run writes nothing."""
    told = ChangeEvent.objects.values("subject")
    enterprises = Enterprise.objects.exclude(
        uscc__in=ChangeEvent.objects.filter(kind__startswith="enterprise.").values("enterprise_uscc")
    )
    written = enterprises_change_emit(
        dict.fromkeys(enterprises.values_list("id", flat=True), ChangeKind.ENTERPRISE_REGISTERED)
    )
    records = (
        public_records()
        .annotate(key_text=Cast("record_key", CharField()))
        .exclude(key_text__in=told.filter(kind__startswith="record."))
    )
    for record in records.select_related("enterprise", "agency", "publicity_rule").order_by("id"):
        record_change_emit(kind=ChangeKind.RECORD_PUBLISHED, record=record)
        written += 1
    listings = (
        active_listings()
        .annotate(key_text=Cast("pk", CharField()))
        .exclude(key_text__in=told.filter(kind__startswith="listing."))
    )
    for listing in listings.select_related("enterprise").order_by("id"):
        listing_change_emit(kind=ChangeKind.LISTING_ENTERED, listing=listing)
        written += 1
    return written


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
        parser.add_argument(
            "--chunk",
            type=int,
            default=0,
            metavar="N",
            help="Synthetic enterprises per transaction of credit data (default 50,000).",
        )
        parser.add_argument(
            "--progress-file",
            metavar="PATH",
            help="Append one JSON line per committed part (enterprises) and chunk (credit data): "
            "counts, seconds, estimated time left and this process' memory (resident and peak).",
        )

    def handle(
        self, *args, enterprises: int, no_progress: bool, chunk: int = 0, progress_file=None, **options
    ) -> None:
        refusal = demo_data_refusal()
        if refusal:
            raise CommandError(refusal)
        if enterprises < 0:
            raise CommandError("--enterprises must be 0 or more.")
        progress_bar = not no_progress and options["verbosity"] > 0 and self.stderr.isatty()
        # Without a terminal (a log file, nohup), a line per part and about one a minute instead.
        self._lines = not no_progress and options["verbosity"] > 0 and not progress_bar
        self._chunk = chunk
        self._progress_file = Path(progress_file) if progress_file else None
        with demo_lock():
            self._seed(enterprises, progress_bar=progress_bar)
        snapshot = statistics_refresh()  # the statistics page shows the demo at once, not after the hour
        self.stdout.write(self.style.SUCCESS(f"Statistics counted in {snapshot.duration_ms} ms."))
        drawn = search_sample_refresh()  # what a search of several characters estimates its matches from
        self.stdout.write(self.style.SUCCESS(f"Search sample: {drawn} names drawn at random."))
        # What each search result's standing rests on, precomputed as the nightly job keeps it (a
        # query per 5,000 enterprises: done at every size, 10 million included).
        standings = standings_build_due(
            progress=(lambda total, last_id: self.stdout.write(f"  standings: {total.stored} stored"))
            if enterprises
            else None
        )
        self.stdout.write(
            self.style.SUCCESS(f"Standings: {standings.stored} precomputed for search results.")
        )
        if enterprises == 0:  # the demo alone: small enough for the feed and the open data at once
            events = demo_feed_baseline()
            if events:
                self.stdout.write(
                    self.style.SUCCESS(f"Change feed: {events} events of the demo's public data.")
                )
            if export_get() is None:
                result = open_data_export()
                self.stdout.write(self.style.SUCCESS(f"Open data: the first export, {result.folder.name}."))
            # The credit pages rendered ahead of their first view, as the nightly job keeps them.
            built = profiles_build_due()
            self.stdout.write(
                self.style.SUCCESS(f"Public profiles: {built.stored} credit pages rendered ahead.")
            )
        self._accounts()
        self._to_try()

    def _seed(self, enterprises: int, *, progress_bar: bool) -> None:
        try:
            created = demo_seed()
            self.stdout.write(
                self.style.SUCCESS(
                    "Demo set loaded: {agencies} agencies, {users} accounts, {roles} roles, "
                    "{enterprises} enterprises created (existing ones left as they were), "
                    "{registration_details} rows of shareholders, key personnel, branches and changes.".format(
                        **created
                    )
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
                    f"{credit.ratings} ratings computed, {credit.inspections} inspection results published "
                    f"({time.perf_counter() - started:.1f} s)."
                )
            )
            annual = annual_reports_seed()
            self.stdout.write(
                self.style.SUCCESS(
                    "Annual reports: {filed} filed on time ({corrected} of them corrected), {late} filed late, "
                    "{missing} missing; {listed} entered into the abnormal operations list.".format(**annual)
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

    def _record(self, phase: str, done: int, total: int | None, started: float, **extra) -> dict:
        """One progress sample: appended to --progress-file, and returned for the progress line."""
        seconds = time.perf_counter() - started
        rate = done / seconds if seconds > 0 else 0.0
        eta = (total - done) / rate if total and rate else None
        sample = {
            "phase": phase,
            "done": done,
            "total": total,
            "seconds": round(seconds, 2),
            "rate_per_s": round(rate, 1),
            "eta_s": None if eta is None else round(eta),
            **process_memory(),
            **extra,
        }
        if self._progress_file:
            with self._progress_file.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(sample) + "\n")
        return sample

    def _line(self, sample: dict, unit: str) -> None:
        if not self._lines:
            return
        total = f" / {sample['total']:,}" if sample["total"] else ""
        eta = (
            _("about %(minutes)d min left") % {"minutes": round(sample["eta_s"] / 60)}
            if sample["eta_s"] is not None
            else ""
        )
        self.stdout.write(
            _(
                "%(phase)s: %(done)s%(total)s %(unit)s, %(rate)s/s, %(eta)s; memory %(rss)d MB (peak %(hwm)d MB)"
            )
            % {
                "phase": sample["phase"],
                "done": f"{sample['done']:,}",
                "total": total,
                "unit": unit,
                "rate": f"{sample['rate_per_s']:,.0f}",
                "eta": eta,
                "rss": sample["rss_mb"],
                "hwm": sample["hwm_mb"],
            }
        )
        self.stdout.flush()

    def _synthetic(self, count: int, *, progress_bar: bool) -> None:
        from registry.seeding import synthetic_enterprises
        from sanctions.seeding.bulk import CHUNK_ENTERPRISES, remaining_synthetic

        missing = max(0, count - synthetic_enterprises().count())
        bar = self._bar(missing, "rows", progress_bar)
        started = time.perf_counter()
        self._record("enterprises", 0, missing, started)

        def on_part(added: int, wanted: int) -> None:
            self._line(self._record("enterprises", added, wanted, started), _("enterprises"))

        try:
            made = enterprises_seed_synthetic_up_to(
                total=count, progress=bar.update if bar else None, on_part=on_part
            )
        finally:
            if bar:
                bar.close()
        seconds = time.perf_counter() - started
        rate = f" ({made / seconds:,.0f} rows/s)" if made else ""
        self._record("enterprises_done", made, missing, started)
        self.stdout.write(
            self.style.SUCCESS(
                f"{made} synthetic enterprises in {seconds:.1f} s{rate}; {count} wanted in all."
            )
        )
        remaining = remaining_synthetic()
        bar = self._bar(remaining, "enterprises", progress_bar)
        started = time.perf_counter()
        last_line = [started]

        def on_chunk(done) -> None:
            report = done.report
            sample = self._record(
                "credit",
                report.enterprises,
                remaining,
                started,
                first_id=done.first_id,
                last_id=done.last_id,
                chunk_seconds=round(done.seconds, 2),
                records=report.records,
                listings=report.listings,
                ratings=report.ratings,
            )
            now = time.perf_counter()
            if now - last_line[0] >= 60 or report.enterprises >= remaining:
                last_line[0] = now
                self._line(sample, _("enterprises given their credit data"))

        try:
            report = credit_seed_synthetic(
                progress=bar.update if bar else None,
                on_chunk=on_chunk,
                chunk=self._chunk or CHUNK_ENTERPRISES,
            )
        finally:
            if bar:
                bar.close()
        self._record("credit_done", report.enterprises, remaining, started, records=report.records)
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
        for label, enterprise in annual_report_examples():
            path = reverse("lookup:enterprise", args=[enterprise.uscc])
            self.stdout.write(f"  {label}\n      {enterprise.name}  {path}#section-annual-reports")
        self.stdout.write(
            f"  enterprises with penalties still public: {reverse('lookup:search')}?has_penalties=on"
        )
        states = demo_badge_states()
        if states:
            self.stdout.write("Badges to scan (each answer a scan can give):")
            for state, enterprise, path in states:
                self.stdout.write(f"  {state:<15} {enterprise.name}  {path}")


def process_memory() -> dict[str, int]:
    """This process' resident memory now and at its peak (VmRSS, VmHWM), in MB (Linux)."""
    found = {"rss_mb": 0, "hwm_mb": 0}
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    key = "rss_mb" if line.startswith("VmRSS") else "hwm_mb"
                    found[key] = int(line.split()[1]) // 1024
    except OSError:  # not Linux: the peak from getrusage (KB on Linux, bytes on macOS)
        import resource
        import sys

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        found["hwm_mb"] = peak // (1024 * 1024 if sys.platform == "darwin" else 1024)
    return found
