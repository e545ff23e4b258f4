from django.core.management.base import BaseCommand, CommandError

from lookup.profiles import profiles_verify
from sanctions.lists.standing_facts import standings_verify


class Command(BaseCommand):
    help = (
        "Render a random sample of current public profiles again and compare them with the stored "
        "bodies, and a sample of precomputed standings with their records; exits with status 1 and "
        "names each difference if any."
    )

    def add_arguments(self, parser):
        parser.add_argument("--sample", type=int, default=1000, help="profiles to compare (default 1000)")

    def handle(self, *args, sample=1000, **options):
        standings_compared, stale = standings_verify(sample=max(1, sample))
        compared, differences = profiles_verify(sample=max(1, sample))
        for enterprise_id in stale:
            self.stderr.write(
                f"  enterprise {enterprise_id}: its precomputed standing differs from its records"
            )
        for difference in differences:
            self.stderr.write(f"  {difference.uscc} ({difference.language}): {difference.reason}")
        if differences or stale:
            raise CommandError(
                f"{len(differences)} differences in {compared} public profiles compared, "
                f"{len(stale)} in {standings_compared} standings compared"
            )
        self.stdout.write(
            f"Public profiles: {compared} compared, all equal to their pages; "
            f"standings: {standings_compared} compared, all equal to their records."
        )
