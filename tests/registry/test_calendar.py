"""Working days from the State Council's holiday notices (2014 on), and from the law for other years."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.template import Context, Template
from django.utils import translation

from registry.calendar import add_working_days, is_provisional, working_calendar, working_day_deadline
from registry.holiday_notices import calendar_notice_load, parse_days
from registry.models import AuditEntry, CalendarDay, CalendarYear
from registry.statutory_holidays import qingming, statutory_days

pytestmark = [pytest.mark.django_db]

FIXTURE = json.loads((Path(__file__).resolve().parents[2] / "fixtures" / "calendar_cn.json").read_text())


@pytest.mark.parametrize(
    ("decided", "publish_by"),
    [
        # National Day 2024: 1–7 October off, Sunday 29 September and Saturday 12 October worked.
        (dt.date(2024, 9, 25), dt.date(2024, 10, 28)),
        # Dragon Boat Festival 2024: Monday 10 June off.
        (dt.date(2024, 6, 3), dt.date(2024, 7, 2)),
        # Spring Festival 2020, extended to 2 February by 国办发明电〔2020〕1号.
        (dt.date(2020, 1, 20), dt.date(2020, 2, 25)),
        # Labour Day 2019 as amended by 国办发明电〔2019〕3号: 1–4 May off, 28 April and 5 May worked.
        (dt.date(2019, 4, 30), dt.date(2019, 5, 6)),
    ],
)
def test_deadlines_in_noticed_years_follow_the_notices(decided, publish_by):
    days = 20 if decided.year != 2019 else 2
    deadline = working_day_deadline(decided, days)
    assert deadline == (publish_by, False, ())
    assert add_working_days(decided, days) == publish_by


def test_every_year_from_2014_has_its_notice_with_its_number():
    notices = dict(CalendarYear.objects.values_list("year", "notice"))
    assert set(range(2014, 2027)) <= set(notices)
    for year, notice in notices.items():
        assert f"关于{year}年部分节假日安排的通知" in notice
        assert "号" in notice  # the number is cited (or, for 2026, marked as to be checked)
    assert "国办发明电〔2023〕7号" in notices[2024]
    assert "国办发明电〔2020〕1号" in notices[2020] and "国发明电〔2015〕1号" in notices[2015]
    assert "待核对" in notices[2026]
    day = CalendarDay.objects.get(date=dt.date(2024, 10, 1))
    assert day.name == "国庆节" and "国办发明电〔2023〕7号" in day.source


def test_the_fixture_matches_the_chinese_calendar_package():
    """The committed days are those of the package the generator read (fixtures/make_calendar.py)."""
    constants = pytest.importorskip("chinese_calendar.constants")
    shipped = {(d["date"], d["is_working_day"]) for d in FIXTURE["days"]}
    years = {n["year"] for n in FIXTURE["notices"]}

    def year_of(day, name):
        return day.year + 1 if day.month == 12 and name == "New Year's Day" else day.year

    expected = {(d.isoformat(), False) for d, n in constants.holidays.items() if year_of(d, n) in years}
    expected |= {(d.isoformat(), True) for d, n in constants.workdays.items() if year_of(d, n) in years}
    assert shipped == expected


def test_a_year_without_notice_counts_the_statutory_holidays_and_says_so():
    # 2027's notice is not loaded: 1 January 2027 (a Friday) is New Year's Day by law.
    deadline = working_day_deadline(dt.date(2026, 12, 4), 20)
    assert deadline.date == dt.date(2027, 1, 4)
    assert deadline.provisional and deadline.unsettled_years == (2027,)
    assert is_provisional(deadline.date, dt.date(2026, 12, 4))
    assert not working_calendar().is_working_day(dt.date(2027, 1, 1))


def test_the_last_week_of_december_waits_for_the_next_notice():
    # The 2019 notice moved 29–31 December 2018: a count ending there is settled only with 2027's.
    deadline = working_day_deadline(dt.date(2026, 12, 21), 5)
    assert deadline.date == dt.date(2026, 12, 28)
    assert deadline.provisional and deadline.unsettled_years == (2027,)
    assert not working_day_deadline(dt.date(2026, 12, 1), 5).provisional


def test_statutory_holidays_follow_the_law_in_force():
    # 2027 under the 2024 law: Spring Festival from New Year's Eve (4 days), Labour Day 2 days; days
    # lost to a weekend are made up on the next weekday.
    days = statutory_days(2027)
    assert [d for d, name in days.items() if name.startswith("春节")] == [
        dt.date(2027, 2, d) for d in (5, 6, 7, 8, 9, 10)
    ]
    assert days[dt.date(2027, 5, 3)] == "劳动节补休" and dt.date(2027, 5, 2) in days
    assert days[dt.date(2027, 4, 5)] == "清明节"
    # 2013 under the 2007 law: New Year's Eve, the 1st and 2nd; one day for Labour Day.
    assert [d for d, n in statutory_days(2013).items() if n == "春节"] == [
        dt.date(2013, 2, d) for d in (9, 10, 11)
    ]
    # 2020 under the 2013 law: Mid-Autumn fell on 1 October, so one more day is made up.
    # National Day on Thursday–Saturday: the day lost to the coincidence and Saturday's are made up.
    assert [statutory_days(2020)[dt.date(2020, 10, d)].endswith("补休") for d in (5, 6)] == [True, True]
    assert dt.date(2020, 10, 7) not in statutory_days(2020)


def test_qingming_is_the_solar_term():
    known = {2014: 5, 2016: 4, 2019: 5, 2020: 4, 2023: 5, 2024: 4, 2026: 5, 2027: 5, 2028: 4}
    assert {year: qingming(year).day for year in known} == known


def test_loading_a_notice_settles_its_year_audited(registry_admin):
    start = dt.date(2026, 12, 4)
    assert working_day_deadline(start, 20).provisional
    notice = "国务院办公厅关于2027年部分节假日安排的通知（测试）"
    calendar_notice_load(
        actor=registry_admin,
        year=2027,
        notice=notice,
        holidays=parse_days(["2027-01-01..2027-01-03:元旦", "2027-02-05..2027-02-12:春节"]),
        working_days=parse_days(["2027-02-20:春节调休上班"]),
    )
    assert CalendarYear.objects.get(year=2027).notice == notice
    assert working_day_deadline(start, 20) == (dt.date(2027, 1, 4), False, ())
    assert working_calendar().is_working_day(dt.date(2027, 2, 20))
    entry = AuditEntry.objects.get(action="calendar.notice_load")
    assert entry.after["notice"] == notice and entry.after["days"]["2027-02-20"][0] is True
    # Loading a corrected notice replaces the year's days; other years' days stay.
    calendar_notice_load(
        actor=registry_admin, year=2027, notice=notice, holidays=parse_days(["2027-01-01:元旦"])
    )
    assert not CalendarDay.objects.filter(date=dt.date(2027, 2, 20)).exists()
    assert CalendarDay.objects.filter(date=dt.date(2026, 10, 1)).exists()


def test_loading_keeps_the_next_years_new_year_break(registry_admin):
    """2018's days set by the 2019 notice (29–31 December) survive a reload of 2018."""
    year_2018 = CalendarYear.objects.get(year=2018)
    days = CalendarDay.objects.filter(date__year=2018, source=year_2018.notice)
    calendar_notice_load(
        actor=registry_admin,
        year=2018,
        notice=year_2018.notice,
        holidays=[(d.date, d.name) for d in days if not d.is_working_day],
        working_days=[(d.date, d.name) for d in days if d.is_working_day],
    )
    assert CalendarDay.objects.get(date=dt.date(2018, 12, 29)).is_working_day
    assert not CalendarDay.objects.get(date=dt.date(2018, 12, 31)).is_working_day


@translation.override("en")
def test_a_notice_with_wrong_days_is_refused_with_the_reason(registry_admin, clerk):
    with pytest.raises(ValidationError) as caught:
        calendar_notice_load(
            actor=registry_admin,
            year=2027,
            notice="通知",
            holidays=parse_days(["2028-01-01:元旦"]),
            working_days=parse_days(["2027-02-22:春节调休上班"]),
        )
    messages = caught.value.message_dict["days"]
    assert any("2028-01-01" in m and "outside" in m for m in messages)
    assert any("2027-02-22 is a weekday" in m for m in messages)
    assert not CalendarYear.objects.filter(year=2027).exists()
    with pytest.raises(PermissionDenied):
        calendar_notice_load(actor=clerk, year=2027, notice="通知", holidays=parse_days(["2027-01-01:元旦"]))
    with pytest.raises(ValidationError, match="2027-13-01"):
        parse_days(["2027-13-01:元旦"])


def test_the_command_loads_a_notice(registry_admin):
    call_command(
        "load_holiday_notice",
        "2027",
        "--actor",
        "registry_admin",
        "--notice",
        "国务院办公厅关于2027年部分节假日安排的通知（测试）",
        "--holiday",
        "2027-01-01:元旦",
        "--working-day",
        "2027-01-03:元旦调休上班",
    )
    assert CalendarDay.objects.get(date=dt.date(2027, 1, 3)).is_working_day
    with pytest.raises(CommandError, match="2028-01-04"):
        call_command(
            "load_holiday_notice", "2028", "--notice", "x", "--holiday", "2028-01-01:元旦",
            "--working-day", "2028-01-04:x",
        )  # fmt: skip
    call_command("load_holiday_notice", "2026", "--from-fixture")
    assert "待核对" in CalendarYear.objects.get(year=2026).notice


def test_the_template_note_marks_provisional_dates_only():
    template = Template("{% load working_days %}[{% provisional_note day since %}]")
    with translation.override("en"):
        note = template.render(Context({"day": dt.date(2027, 1, 4), "since": dt.date(2026, 12, 4)}))
        assert "statutory holidays" in note and "2027" in note
        assert template.render(Context({"day": dt.date(2024, 10, 28), "since": dt.date(2024, 9, 25)})) == "[]"
        assert template.render(Context({"day": None, "since": None})) == "[]"


def test_a_calendar_remembers_the_deadlines_it_counted_and_no_more_than_it_may():
    from registry import calendar as working

    calendar = working_calendar()
    decided = dt.date(2024, 9, 27)  # before the National Day week
    first = working_day_deadline(decided, 7, calendar)
    assert first == working_day_deadline(decided, 7, calendar) == working_day_deadline(decided, 7)
    assert calendar.deadlines[(decided, 7)] is first
    assert working_calendar() == calendar  # what it remembers is not part of what it is

    full = working.WorkingCalendar(calendar.exceptions, calendar.notice_years)
    full.deadlines.update({(dt.date(2000, 1, 1), n): first for n in range(working._DEADLINES_KEPT)})
    assert working_day_deadline(decided, 7, full) == first
    assert (decided, 7) not in full.deadlines
