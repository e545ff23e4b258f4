"""``manage.py sync_partner URL --key KEY`` / ``--partner CODE`` / ``--all``: pull partner feeds."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from registry.context import request_context
from registry.services import system_actor
from sanctions.models import PartnerPlatform
from sanctions.sync.services import partner_register, partner_sync


class Command(BaseCommand):
    help = (
        "Import a partner platform's change feed (GET …/api/v1/changes/) from where the last run "
        "stopped: one event per transaction, so it can be killed and run again at any point."
    )

    def add_arguments(self, parser):
        parser.add_argument("url", nargs="?", help="The partner's change feed URL.")
        parser.add_argument("--key", default="", help="The developer key the partner issued to us.")
        parser.add_argument("--partner", help="The code of a registered partner platform.")
        parser.add_argument("--all", action="store_true", help="Every enabled partner platform.")
        parser.add_argument("--code", help="Register the URL's partner under this platform code.")
        parser.add_argument("--name", help="The partner's name when registering it (e.g. 浙江省信用平台).")
        parser.add_argument("--name-en", default="", help="Its English name.")
        parser.add_argument("--relays", default=None, help="Codes of platforms the partner relays.")
        parser.add_argument("--limit", type=int, default=200, help="Events per page (at most 1000).")
        parser.add_argument("--max-events", type=int, help="Stop after this many events.")
        parser.add_argument("--pause", type=float, default=0.0, help="Seconds to wait after each event.")

    def handle(self, *args, **options):
        partners = self._partners(options)
        failed = False
        for partner in partners:
            with request_context(prefix=f"command:sync_partner:{partner.code}:"):
                result = partner_sync(
                    partner=partner,
                    limit=max(1, min(options["limit"], 1000)),
                    max_events=options["max_events"],
                    pause=options["pause"],
                )
            outcomes = ", ".join(f"{k} {n}" for k, n in sorted(result.outcomes.items())) or "nothing new"
            self.stdout.write(f"{partner.code}: {result.events} events ({outcomes})")
            if result.error:
                failed = True
                self.stderr.write(f"{partner.code}: stopped: {result.error}")
        if failed:
            raise CommandError("the sync stopped early; run it again to go on from where it stopped")

    def _partners(self, options) -> list[PartnerPlatform]:
        if options["all"]:
            return list(PartnerPlatform.objects.filter(enabled=True))
        if options["partner"]:
            partner = PartnerPlatform.objects.filter(code=options["partner"]).first()
            if partner is None:
                raise CommandError(f"no partner platform {options['partner']!r}: register it first")
            if options["key"]:
                partner = self._register(options, code=partner.code, name=partner.name, url=partner.feed_url)
            return [partner]
        url = options["url"]
        if not url:
            raise CommandError("give the partner's feed URL, --partner CODE or --all")
        partner = PartnerPlatform.objects.filter(feed_url=url).first()
        if partner is None and not (options["code"] and options["name"]):
            raise CommandError(
                "a new partner: give --code and --name to register it (its platform code and name)"
            )
        if partner is None or options["key"] or options["code"]:
            partner = self._register(
                options,
                code=options["code"] or partner.code,
                name=options["name"] or partner.name,
                url=url,
            )
        return [partner]

    def _register(self, options, *, code: str, name: str, url: str) -> PartnerPlatform:
        try:
            return partner_register(
                actor=system_actor(),
                code=code,
                name=name,
                feed_url=url,
                key=options["key"],
                name_en=options["name_en"],
                relays=options["relays"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
