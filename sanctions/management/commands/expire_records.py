from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from registry.context import request_context
from sanctions.records.services import records_expire


class Command(BaseCommand):
    help = (
        "Mark published records whose publicity period has ended as expired (the daily task does the same)."
    )

    def handle(self, *args, **options):
        total = 0
        with request_context(prefix="expire-"):
            while count := records_expire():
                total += count
        self.stdout.write(_("%(count)d records expired.") % {"count": total})
