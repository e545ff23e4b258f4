from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from lookup.developer_keys import developer_key_issue
from registry.services import system_actor


class Command(BaseCommand):
    help = "Issue a developer key for the public API. The key is printed once and never stored."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the application that will use the key")
        parser.add_argument("email", help="the developer's contact e-mail")
        parser.add_argument("--organisation", default="")
        parser.add_argument("--per-minute", type=int, default=600, help="requests per minute (default 600)")
        parser.add_argument(
            "--actor", help="username of the registry administrator issuing it (default: the system account)"
        )

    def handle(self, *args, name, email, organisation, per_minute, actor, **options):
        user = system_actor() if not actor else get_user_model().objects.filter(username=actor).first()
        if user is None:
            raise CommandError(f"No user {actor}.")
        try:
            row, key = developer_key_issue(
                actor=user,
                name=name,
                contact_email=email,
                organisation=organisation,
                requests_per_minute=per_minute,
            )
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from None
        self.stdout.write(f"Developer key for {row.name} ({row.requests_per_minute} requests per minute):")
        self.stdout.write(key)
        self.stdout.write(
            "Send it in the X-Api-Key header. Keep it now: it is not stored and cannot be shown again."
        )
