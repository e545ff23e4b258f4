"""The desk's lists: the reviewer's queue, and the records list with its filters and search,
overdue marks, pages and a query count that does not grow with the records."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import EnterpriseFactory
from tests.sanctions.records.desk.helpers import RECENT, as_user, make_record

pytestmark = pytest.mark.django_db


def test_review_queue_lists_submitted_records_oldest_first_with_deadline(
    client, clerk, reviewer, market_agency, enterprise
):
    old = make_record(
        clerk=clerk,
        agency=market_agency,
        enterprise=enterprise,
        number="A-1",
        submit=True,
        decision_date=(timezone.localdate() - dt.timedelta(days=60)).isoformat(),
    )
    new = make_record(clerk=clerk, agency=market_agency, enterprise=enterprise, number="A-2", submit=True)
    make_record(clerk=clerk, agency=market_agency, enterprise=enterprise, number="A-3")  # a draft: not queued
    as_user(client, reviewer)
    page = client.get(reverse("sanctions:review")).content.decode()
    assert page.index("A-1") < page.index("A-2")
    assert "A-3" not in page
    assert old.publish_deadline.isoformat() in page and new.publish_deadline.isoformat() in page
    row = page[page.index("A-1") : page.index("A-2")]
    assert "overdue" in row


def test_desk_list_filters_and_searches(client, clerk, reviewer, market_agency, enterprise):
    other = EnterpriseFactory(name="宁波港口物流有限公司")
    make_record(clerk=clerk, agency=market_agency, enterprise=enterprise, number="F-1")
    make_record(
        clerk=clerk,
        agency=market_agency,
        enterprise=other,
        number="F-2",
        submit=True,
        penalty_categories=["criticism"],
        fine_amount="",
    )
    make_record(
        clerk=clerk,
        agency=market_agency,
        enterprise=other,
        number="F-3",
        submit=True,
        publish_by=reviewer,
        decision_date="2024-01-10",
    )
    as_user(client, clerk)

    def numbers(query: str) -> set[str]:
        page = client.get(reverse("sanctions:records") + query).content.decode()
        return set(re.findall(r">(F-\d)</a>", page))

    assert numbers("") == {"F-1", "F-2", "F-3"}
    assert numbers("?status=draft") == {"F-1"}
    assert numbers("?kind=licence") == set()
    assert numbers("?q=F-2") == {"F-2"}
    assert numbers("?q=宁波港口") == {"F-2", "F-3"}
    assert numbers(f"?enterprise={enterprise.uscc}") == {"F-1"}
    assert numbers("?enterprise=宁波") == {"F-2", "F-3"}
    assert numbers("?category=criticism") == {"F-2"}
    assert numbers("?decided_to=2024-12-31") == {"F-3"}
    assert numbers(f"?decided_from={RECENT.isoformat()}") == {"F-1", "F-2"}


def test_desk_list_marks_overdue_records(client, clerk, market_agency, enterprise):
    late = make_record(
        clerk=clerk,
        agency=market_agency,
        enterprise=enterprise,
        number="LATE-1",
        decision_date=(timezone.localdate() - dt.timedelta(days=90)).isoformat(),
    )
    make_record(clerk=clerk, agency=market_agency, enterprise=enterprise, number="FRESH-1")
    assert late.publish_deadline < timezone.localdate()
    as_user(client, clerk)
    page = client.get(reverse("sanctions:records")).content.decode()
    late_row = page[page.index("LATE-1") :].split("</tr>")[0]
    fresh_row = page[page.index("FRESH-1") :].split("</tr>")[0]
    assert "overdue" in late_row and "overdue" not in fresh_row
    assert late.publish_deadline.isoformat() in late_row
    only = client.get(reverse("sanctions:records") + "?overdue=on").content.decode()
    assert "LATE-1" in only and "FRESH-1" not in only


def test_desk_list_paginates(client, clerk, market_agency, enterprise):
    for n in range(30):
        make_record(clerk=clerk, agency=market_agency, enterprise=enterprise, number=f"P-{n:02d}")
    as_user(client, clerk)
    first = client.get(reverse("sanctions:records") + "?status=draft").content.decode()
    assert "30 records" in first and "Page 1 of 2" in first
    assert "status=draft&amp;page=2" in first
    second = client.get(reverse("sanctions:records") + "?status=draft&page=2").content.decode()
    assert len(re.findall(r">P-\d\d</a>", second)) == 5


def test_desk_list_query_count_does_not_grow_with_records(
    client, clerk, market_agency, enterprise, django_assert_max_num_queries
):
    for n in range(30):
        make_record(clerk=clerk, agency=market_agency, enterprise=enterprise, number=f"Q-{n:02d}")
    as_user(client, clerk)
    client.get(reverse("sanctions:records"))  # warm the session
    with django_assert_max_num_queries(8):
        response = client.get(reverse("sanctions:records"))
    assert response.status_code == 200
    assert len(re.findall(r">Q-\d\d</a>", response.content.decode())) == 25
