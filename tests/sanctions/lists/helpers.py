"""Listings made the way the desk makes them, for the list, measure, rating, page and scoping tests."""

import datetime as dt

from django.utils import timezone

from sanctions.lists import services as lists
from sanctions.models import ListKind
from sanctions.records import services
from tests.sanctions.payloads import penalty_data

TODAY = timezone.localdate


def listing_data(**overrides):
    data = {
        "grounds": "拒不履行市场监督管理部门作出的行政处罚决定。",
        "legal_basis": "《市场监督管理严重违法失信名单管理办法》第二条",
        "document_number": "浙市监信〔2026〕1号",
        "start_date": TODAY() - dt.timedelta(days=10),
    }
    data.update(overrides)
    return data


def draft_listing(clerk, agency, enterprise, kind="dishonest", records=(), **overrides):
    return lists.listing_create(
        actor=clerk,
        agency=agency,
        enterprise=enterprise,
        list_kind=ListKind.objects.get(pk=kind),
        data=listing_data(**overrides),
        records=records,
    )


def publish_listing(clerk, reviewer, agency, enterprise, kind="dishonest", **overrides):
    listing = draft_listing(clerk, agency, enterprise, kind, **overrides)
    lists.listing_submit(actor=clerk, listing=listing)
    return lists.listing_publish(actor=reviewer, listing=listing)


_numbers = iter(range(1, 10**6))


def publish_record(clerk, reviewer, agency, enterprise, **overrides):
    overrides.setdefault("document_number", f"杭市监罚〔2026〕{next(_numbers)}号")
    record, _ = services.record_create(
        actor=clerk, agency=agency, kind="penalty", data=penalty_data(agency, enterprise, **overrides)
    )
    services.record_submit(actor=clerk, record=record)
    return services.record_publish(actor=reviewer, record=record)
