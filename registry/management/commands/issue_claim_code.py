from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from registry.accounts import claim_code_issue
from registry.selectors import enterprise_get
from registry.services import system_actor


class Command(BaseCommand):
    help = "Issue a one-time code with which a person claims to act for an enterprise. Printed once."

    def add_arguments(self, parser):
        parser.add_argument("uscc", help="the enterprise's USCC")
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--actor", help="username of the registry administrator (default: system)")

    def handle(self, *args, uscc, days, actor, **options):
        enterprise = enterprise_get(uscc=uscc)
        if enterprise is None:
            raise CommandError(f"No enterprise has the code {uscc}.")
        user = system_actor() if not actor else get_user_model().objects.filter(username=actor).first()
        if user is None:
            raise CommandError(f"No user {actor}.")
        try:
            claim, code = claim_code_issue(actor=user, enterprise=enterprise, days=days)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Claim code for {enterprise.name} ({enterprise.uscc}), valid until {claim.expires_at:%Y-%m-%d}:"
        )
        self.stdout.write(code)
