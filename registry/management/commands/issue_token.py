from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from registry.selectors import agency_get
from registry.services import system_actor
from registry.tokens import token_issue


class Command(BaseCommand):
    help = "Issue an API token for an agency's system. The key is printed once and never stored."

    def add_arguments(self, parser):
        parser.add_argument("agency", help="the agency's USCC")
        parser.add_argument("name", help="what system will use the token")
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--read-only", action="store_true")
        parser.add_argument("--actor", help="username issuing it (default: the system account)")

    def handle(self, *args, agency, name, days, read_only, actor, **options):
        found = agency_get(uscc=agency)
        if found is None:
            raise CommandError(f"No agency has the code {agency}.")
        user = system_actor() if not actor else get_user_model().objects.filter(username=actor).first()
        if user is None:
            raise CommandError(f"No user {actor}.")
        try:
            token, key = token_issue(actor=user, agency=found, name=name, days=days, read_only=read_only)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from None
        self.stdout.write(
            f"Token for {found.name}, {'read-only, ' if read_only else ''}expires {token.expires_at:%Y-%m-%d}:"
        )
        self.stdout.write(key)
        self.stdout.write("Keep it now: it is not stored and cannot be shown again.")
