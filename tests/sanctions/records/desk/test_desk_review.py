"""A record's way through review at the desk: submitted by the clerk, sent back or published by a
reviewer, revoked with a reason; and what the record page says of its publicity."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sanctions.choices import RecordStatus
from tests.sanctions.records.desk.helpers import as_user, field_errors, make_record

pytestmark = pytest.mark.django_db


def test_clerk_submits_a_draft(client, clerk, draft):
    as_user(client, clerk)
    response = client.post(reverse("sanctions:record-submit", args=[draft.pk]), follow=True)
    draft.refresh_from_db()
    assert draft.status == RecordStatus.SUBMITTED
    page = response.content.decode()
    assert "Submitted for review" in page
    assert 'id="edit-record"' not in page


def test_reviewer_sends_back_with_a_comment(client, reviewer, clerk, submitted):
    as_user(client, reviewer)
    url = reverse("sanctions:record-send-back", args=[submitted.pk])
    response = client.post(url, {"comment": "  "})
    assert response.status_code == 400
    assert "Tell the clerk what to change" in field_errors(response, "comment")
    client.post(url, {"comment": "罚款金额与决定书不一致"})
    submitted.refresh_from_db()
    assert submitted.status == RecordStatus.DRAFT
    as_user(client, clerk)
    page = client.get(reverse("sanctions:record", args=[submitted.pk])).content.decode()
    assert "Sent back by the reviewer" in page
    history = page[page.index('id="history"') :]
    assert (
        "Sent back to the clerk" in history and "reviewer" in history and "罚款金额与决定书不一致" in history
    )
    edit = client.get(reverse("sanctions:record-edit", args=[submitted.pk])).content.decode()
    assert "罚款金额与决定书不一致" in edit


def test_reviewer_publishes_a_submitted_record(client, reviewer, submitted):
    as_user(client, reviewer)
    page = client.get(reverse("sanctions:record", args=[submitted.pk])).content.decode()
    assert 'id="publish-record"' in page
    response = client.post(reverse("sanctions:record-publish", args=[submitted.pk]), follow=True)
    submitted.refresh_from_db()
    assert submitted.status == RecordStatus.PUBLISHED and submitted.published_by == reviewer
    page = response.content.decode()
    assert "Published: the record is public from now on." in page
    assert submitted.publicity_rule.name in page
    assert submitted.publicity_end.isoformat() in page


def test_warning_only_penalty_says_it_is_never_published(client, clerk, market_agency, enterprise):
    record = make_record(
        clerk=clerk,
        agency=market_agency,
        enterprise=enterprise,
        penalty_categories=["warning"],
        fine_amount="",
    )
    as_user(client, clerk)
    page = client.get(reverse("sanctions:record", args=[record.pk])).content.decode()
    assert "Never published: warning only." in page


def test_penalty_that_cannot_end_early_says_so(client, clerk, market_agency, enterprise):
    record = make_record(
        clerk=clerk,
        agency=market_agency,
        enterprise=enterprise,
        penalty_categories=["business_suspended"],
        fine_amount="",
    )
    as_user(client, clerk)
    page = client.get(reverse("sanctions:record", args=[record.pk])).content.decode()
    assert "Publicity cannot end early." in page


def test_revoke_needs_a_reason_and_is_kept_in_history(client, clerk, published):
    as_user(client, clerk)
    url = reverse("sanctions:record-revoke", args=[published.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert "Say why the decision was revoked" in field_errors(response, "reason")
    published.refresh_from_db()
    assert published.status == RecordStatus.PUBLISHED
    response = client.post(url, {"reason": "行政复议撤销原处罚决定"}, follow=True)
    published.refresh_from_db()
    assert published.status == RecordStatus.REVOKED
    page = response.content.decode()
    history = page[page.index('id="history"') :]
    assert "Revoked" in history and "行政复议撤销原处罚决定" in history and "clerk" in history
    assert 'id="revoke-record"' not in page and 'id="correct-record"' not in page


def test_draft_cannot_be_revoked(client, clerk, draft):
    as_user(client, clerk)
    response = client.post(reverse("sanctions:record-revoke", args=[draft.pk]), {"reason": "x"}, follow=True)
    assert "cannot be revoked" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == RecordStatus.DRAFT
