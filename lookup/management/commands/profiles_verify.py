from django.core.management.base import BaseCommand, CommandError

from lookup.profiles import profiles_verify


class Command(BaseCommand):
    help = (
        "Render a random sample of current public profiles again and compare them with the stored "
        "bodies; exits with status 1 and names each difference if any."
    )

    def add_arguments(self, parser):
        parser.add_argument("--sample", type=int, default=1000, help="profiles to compare (default 1000)")

    def handle(self, *args, sample=1000, **options):
        compared, differences = profiles_verify(sample=max(1, sample))
        for difference in differences:
            self.stderr.write(f"  {difference.uscc} ({difference.language}): {difference.reason}")
        if differences:
            raise CommandError(f"{len(differences)} differences in {compared} public profiles compared")
        self.stdout.write(f"Public profiles: {compared} compared, all equal to their pages.")
