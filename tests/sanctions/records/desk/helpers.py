"""What the desk tests share: a clerk's penalty form, records made through the services, the desk's
pages of one record, and readers of the errors a form shows."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from sanctions.models import CreditRecord
from sanctions.records.services import record_create, record_publish

RECENT = timezone.localdate() - dt.timedelta(days=5)


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def as_user(client, user):
    client.force_login(user)
    return english(client)


def penalty_form(enterprise, deciding, **changes) -> dict:
    """What a clerk types for a fine (the POST of the new-penalty form)."""
    data = {
        "party_name": enterprise.name,
        "party_category": "legal_person",
        "party_uscc": enterprise.uscc,
        "legal_representative": "王小明",
        "legal_rep_id_type": "resident_id",
        "legal_rep_id_number": "330106198001011234",
        "document_number": "浙市监罚〔2025〕17号",
        "violation_type": "虚假广告",
        "violation_facts": "在网店发布虚假广告。",
        "legal_basis": "《中华人民共和国广告法》第五十五条",
        "penalty_categories": ["fine"],
        "content": "罚款人民币伍仟元。",
        "fine_amount": "0.5",
        "decision_date": RECENT.isoformat(),
        "authority_name": deciding.name,
        "authority_uscc": deciding.uscc,
        "source_unit_name": deciding.name,
        "source_unit_uscc": deciding.uscc,
        "usage_scope": "public",
        "severity": "general",
        "regulatory_field": "",
        "action": "draft",
    }
    data.update(changes)
    return data


def service_data(enterprise, agency, number: str, **changes) -> dict:
    data = penalty_form(enterprise, agency, document_number=number, **changes)
    data.pop("action")
    return data


def make_record(
    *, clerk, agency, enterprise, number="浙市监罚〔2025〕1号", submit=False, publish_by=None, **changes
) -> CreditRecord:
    record, _created = record_create(
        actor=clerk,
        agency=agency,
        kind="penalty",
        data=service_data(enterprise, agency, number, **changes),
        submit=submit,
    )
    if publish_by is not None:
        record = record_publish(actor=publish_by, record=record)
    return record


def field_errors(response, name: str) -> str:
    """The error list printed next to one field (empty if none)."""
    html = response.content.decode()
    match = re.search(rf'id="id_{name}_errors"[^>]*>(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""


def summary_links(response) -> list[str]:
    html = response.content.decode()
    box = re.search(r'id="error-summary".*?</div>', html, re.S)
    return re.findall(r'href="#([^"]+)"', box.group(0)) if box else []


def record_pages(pk: int) -> list[tuple[str, str]]:
    return [
        ("get", reverse("sanctions:record", args=[pk])),
        ("get", reverse("sanctions:record-edit", args=[pk])),
        ("get", reverse("sanctions:record-correct", args=[pk])),
        ("post", reverse("sanctions:record-submit", args=[pk])),
        ("post", reverse("sanctions:record-publish", args=[pk])),
        ("post", reverse("sanctions:record-send-back", args=[pk])),
        ("post", reverse("sanctions:record-revoke", args=[pk])),
    ]
