from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from registry.context import request_context
from sanctions.lists.services import listings_expire


class Command(BaseCommand):
    help = (
        "Mark listings whose term has ended as removed and notify subscribers (the daily task does the same)."
    )

    def handle(self, *args, **options):
        total = 0
        with request_context(prefix="expire-listings-"):
            while count := listings_expire():
                total += count
        self.stdout.write(_("%(count)d listings ended.") % {"count": total})
