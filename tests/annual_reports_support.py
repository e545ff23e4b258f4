"""What the annual report tests share: a clock, a report's data, an enterprise with its account."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from tests.factories import EnterpriseFactory
from tests.sanctions.remedies.helpers import enterprise_account


def at(monkeypatch, day: dt.date, hour: int = 10) -> dt.datetime:
    """Set the clock to ``day`` at ``hour`` local time (every ``timezone.now`` / ``localdate``)."""
    moment = dt.datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(settings.TIME_ZONE))
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment


def report_data(**overrides) -> dict:
    data = {
        "operating_status": "operating",
        "address": "浙江省杭州市西湖区文三路90号",
        "postal_code": "310012",
        "phone": "0571-88886666",
        "email": "office@example.com",
        "subscribed_capital": "500",
        "paid_in_capital": "300",
        "employees": "25",
        "total_assets": "1200.50",
        "total_liabilities": "400.25",
        "owners_equity": "800.25",
        "total_revenue": "3000",
        "main_business_revenue": "2800",
        "total_profit": "150",
        "net_profit": "120",
        "tax_paid": "88.80",
        "insured_employees": "24",
        "social_insurance_contributions": "60",
        "investments": [],
        "websites": [{"kind": "shop", "name": "西湖茶叶旗舰店", "url": "https://shop.example.com/xihu"}],
        "published_fields": ["employees", "total_revenue"],
    }
    data.update(overrides)
    return data


def enterprise_with_account(registry_admin, username: str = "ent_user", **fields):
    fields.setdefault("established_on", dt.date(2020, 5, 1))
    fields.setdefault("status", "in_operation")
    enterprise = EnterpriseFactory(**fields)
    user = enterprise_account(registry_admin, enterprise, username)
    user.email = f"{username}@example.com"
    user.save(update_fields=["email"])
    return enterprise, user
