import time

from django.core.management.base import BaseCommand, CommandError

from lookup.profiles import profiles_build, profiles_build_due
from registry.models import Enterprise
from sanctions.lists.standing_facts import standings_build_due


class Command(BaseCommand):
    help = (
        "Render the public profiles (credit page bodies ahead of their first view, lookup/profiles/) "
        "that are missing or no longer current, or those of the codes given; and, without codes, build "
        "every standing (what a search result's standing rests on) that is missing or not current."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "uscc", nargs="*", help="only these enterprises (their profiles are rendered again)"
        )
        parser.add_argument("--limit", type=int, help="at most this many profiles")
        parser.add_argument("--batch", type=int, default=500, help="profiles per batch (default 500)")
        parser.add_argument(
            "--shard",
            default="0/1",
            help="K/N: only enterprises whose id is K modulo N, so that N processes (or machines) share "
            "a large rebuild (default 0/1: all)",
        )

    def handle(self, *args, uscc=(), limit=None, batch=500, shard="0/1", **options):
        try:
            number, shards = (int(part) for part in shard.split("/"))
        except ValueError:
            raise CommandError(f"--shard must be K/N, such as 0/4, not {shard!r}") from None
        if not 0 <= number < shards:
            raise CommandError(f"--shard {shard}: K must be at least 0 and less than N")
        started = time.monotonic()
        if uscc:
            ids = list(Enterprise.objects.filter(uscc__in=uscc).values_list("id", flat=True))
            unknown = set(uscc) - set(Enterprise.objects.filter(id__in=ids).values_list("uscc", flat=True))
            if unknown:
                raise CommandError(f"No enterprise has these codes: {', '.join(sorted(unknown))}")
            result = profiles_build(ids)
        else:

            def progress(total, last_id):
                seconds = time.monotonic() - started
                rate = total.stored / seconds if seconds else 0
                self.stdout.write(f"  {total.stored} stored (to id {last_id}), {rate:.0f} a second")

            if number == 0:  # one cheap pass (a query per 5,000 enterprises), by the first shard
                standings = standings_build_due(
                    progress=lambda total, last_id: self.stdout.write(
                        f"  {total.stored} standings stored (to id {last_id})"
                    )
                )
                self.stdout.write(
                    f"Standings: {standings.stored} stored, {standings.changed_meanwhile} changed while "
                    f"read (left to their own refresh), in {time.monotonic() - started:.1f} s"
                )
            result = profiles_build_due(
                limit=limit, batch=max(1, batch), progress=progress, shard=(number, shards)
            )
        self.stdout.write(
            f"Public profiles: {result.stored} stored, {result.changed_meanwhile} changed while rendered "
            f"(left to their own refresh), {result.missing} without an enterprise, "
            f"in {time.monotonic() - started:.1f} s"
        )
