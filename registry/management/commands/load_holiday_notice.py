"""``manage.py load_holiday_notice``: load a year's State Council holiday notice into the calendar.

Example, for a notice published in November::

    manage.py load_holiday_notice 2027 --actor admin \\
        --notice "国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕N号）" \\
        --holiday 2027-01-01..2027-01-03:元旦 --holiday 2027-02-05..2027-02-12:春节 \\
        --working-day 2027-02-20:春节调休上班

or, for a year shipped in fixtures/calendar_cn.json: ``manage.py load_holiday_notice 2026 --from-fixture``.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from registry.holiday_notices import MAKE_UP_SUFFIX, calendar_notice_load, parse_days
from registry.services import system_actor

FIXTURE = Path(__file__).resolve().parents[3] / "fixtures" / "calendar_cn.json"


class Command(BaseCommand):
    help = (
        "Load a year's holiday notice (国务院办公厅关于YYYY年部分节假日安排的通知): its holidays and make-up "
        "working days. Deadlines crossing that year stop being provisional and are counted again."
    )

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("--notice", help="the notice's title and number, as its source")
        parser.add_argument(
            "--holiday",
            action="append",
            default=[],
            metavar="DATE[..DATE]:NAME",
            help="a holiday or a range of them, e.g. 2027-02-05..2027-02-12:春节 (repeat)",
        )
        parser.add_argument(
            "--working-day",
            action="append",
            default=[],
            metavar="DATE:NAME",
            help=f"a make-up working day on a weekend, e.g. 2027-02-20:春节{MAKE_UP_SUFFIX} (repeat)",
        )
        parser.add_argument(
            "--from-fixture",
            action="store_true",
            help="take the year's notice from fixtures/calendar_cn.json",
        )
        parser.add_argument("--actor", help="username of the registry administrator (default: system)")

    def handle(self, *args, year, notice, holiday, working_day, from_fixture, actor, **options):
        user = system_actor() if not actor else get_user_model().objects.filter(username=actor).first()
        if user is None:
            raise CommandError(f"No user {actor}.")
        try:
            if from_fixture:
                notice, holidays, working_days = self._from_fixture(year)
            else:
                if not holiday:
                    raise CommandError("Give the notice's holidays (--holiday), or --from-fixture.")
                holidays = parse_days(holiday)
                working_days = parse_days(working_day)
            loaded = calendar_notice_load(
                actor=user, year=year, notice=notice or "", holidays=holidays, working_days=working_days
            )
        except ValidationError as exc:
            messages = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            lines = [
                f"{field}: {message}" if field else message
                for field, ms in messages.items()
                for message in ms
            ]
            raise CommandError("\n".join(lines)) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{loaded.year}: {len(holidays)} holidays and {len(working_days)} make-up working days "
                f"from {loaded.notice}."
            )
        )

    def _from_fixture(self, year: int):
        data = json.loads(FIXTURE.read_text(encoding="utf-8"))
        notice = next((n["notice"] for n in data["notices"] if n["year"] == year), None)
        if notice is None:
            raise CommandError(f"fixtures/calendar_cn.json has no notice for {year}.")
        sources = set(notice.split("；"))
        days = [d for d in data["days"] if d["source"] in sources]
        holidays = parse_days(f"{d['date']}:{d['name']}" for d in days if not d["is_working_day"])
        working_days = parse_days(f"{d['date']}:{d['name']}" for d in days if d["is_working_day"])
        return notice, holidays, working_days
