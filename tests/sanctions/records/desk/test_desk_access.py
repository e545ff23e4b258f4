"""Who may open what at the clerk desk: signing in and out, a role in an agency, other agencies'
records, a registry administrator who only reads, and the four eyes of publishing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from registry.choices import StaffRoleKind
from registry.models import StaffRole
from sanctions.choices import RecordStatus
from tests.factories import UserFactory
from tests.sanctions.records.desk.helpers import as_user, english, make_record, record_pages

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_sign_in_from_every_desk_page_and_action(client, draft):
    pages = [
        ("get", reverse("sanctions:records")),
        ("get", reverse("sanctions:review")),
        ("get", reverse("sanctions:record-new", args=["penalty"])),
        *record_pages(draft.pk),
    ]
    for method, url in pages:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login") + "?next="), url
    draft.refresh_from_db()
    assert draft.status == RecordStatus.DRAFT


def test_sign_in_page_signs_a_clerk_in_and_opens_the_desk(client, clerk):
    english(client)
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert 'name="username"' in page.content.decode() and 'name="password"' in page.content.decode()
    response = client.post(
        reverse("login"), {"username": "clerk", "password": "pw-for-tests-1", "next": "/desk/"}
    )
    assert response.status_code == 302 and response["Location"] == "/desk/"
    assert client.get("/desk/").status_code == 200


def test_wrong_password_shows_an_error_on_the_sign_in_page(client, clerk):
    english(client)
    response = client.post(reverse("login"), {"username": "clerk", "password": "wrong"})
    assert response.status_code == 200
    assert 'id="error-summary"' in response.content.decode()


def test_sign_out_is_a_post_from_the_desk(client, clerk):
    as_user(client, clerk)
    page = client.get(reverse("sanctions:records")).content.decode()
    assert f'action="{reverse("logout")}"' in page
    client.post(reverse("logout"))
    assert client.get(reverse("sanctions:records")).status_code == 302


def test_user_without_an_agency_role_sees_a_clear_403_page(client):
    as_user(client, UserFactory(username="nobody"))
    for url in (
        reverse("sanctions:records"),
        reverse("sanctions:review"),
        reverse("sanctions:record-new", args=["penalty"]),
    ):
        response = client.get(url)
        assert response.status_code == 403
        assert "You have no role in any agency" in response.content.decode()


def test_other_agencys_clerk_gets_404_on_every_page_and_action_of_a_record(client, other_clerk, published):
    as_user(client, other_clerk)
    for method, url in record_pages(published.pk):
        assert getattr(client, method)(url).status_code == 404, url
    published.refresh_from_db()
    assert published.status == RecordStatus.PUBLISHED


def test_clerk_and_reviewer_of_another_agency_get_404(client, market_agency, other_agency, clerk, enterprise):
    other_reviewer = UserFactory(username="other_reviewer")
    StaffRole.objects.create(user=other_reviewer, agency=other_agency, role=StaffRoleKind.REVIEWER)
    record = make_record(clerk=clerk, agency=market_agency, enterprise=enterprise, submit=True)
    as_user(client, other_reviewer)
    assert client.get(reverse("sanctions:record", args=[record.pk])).status_code == 404
    assert client.post(reverse("sanctions:record-publish", args=[record.pk])).status_code == 404
    assert record.document_number not in client.get(reverse("sanctions:review")).content.decode()
    record.refresh_from_db()
    assert record.status == RecordStatus.SUBMITTED


def test_other_agencys_clerk_never_sees_our_drafts_in_the_list_or_search(client, other_clerk, draft):
    as_user(client, other_clerk)
    for query in ("", "?q=浙市监罚", f"?q={draft.party_uscc}", "?status=draft", "?all_versions=on"):
        page = client.get(reverse("sanctions:records") + query).content.decode()
        assert draft.document_number not in page, query
        assert reverse("sanctions:record", args=[draft.pk]) not in page


def test_registry_admin_reads_every_agencys_records_but_has_no_actions(client, registry_admin, submitted):
    as_user(client, registry_admin)
    assert submitted.document_number in client.get(reverse("sanctions:records")).content.decode()
    page = client.get(reverse("sanctions:record", args=[submitted.pk])).content.decode()
    assert 'id="publish-record"' not in page and 'id="edit-record"' not in page
    assert client.post(reverse("sanctions:record-publish", args=[submitted.pk])).status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == RecordStatus.SUBMITTED


def test_clerk_cannot_publish(client, clerk, submitted):
    as_user(client, clerk)
    page = client.get(reverse("sanctions:record", args=[submitted.pk])).content.decode()
    assert 'id="publish-record"' not in page
    assert "Waiting for a reviewer of" in page
    response = client.post(reverse("sanctions:record-publish", args=[submitted.pk]))
    assert response.status_code == 403
    assert "Only a reviewer of" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == RecordStatus.SUBMITTED


def test_clerk_cannot_open_the_review_queue(client, clerk):
    as_user(client, clerk)
    response = client.get(reverse("sanctions:review"))
    assert response.status_code == 403
    assert "not a reviewer" in response.content.decode()


def test_reviewer_cannot_write_records(client, reviewer):
    as_user(client, reviewer)
    assert client.get(reverse("sanctions:record-new", args=["penalty"])).status_code == 403
    assert reverse("sanctions:record-new", args=["penalty"]) not in client.get("/desk/").content.decode()


def test_reviewer_cannot_publish_own_record_and_is_told_why(
    client, clerk_reviewer, market_agency, enterprise
):
    record = make_record(clerk=clerk_reviewer, agency=market_agency, enterprise=enterprise, submit=True)
    as_user(client, clerk_reviewer)
    page = client.get(reverse("sanctions:record", args=[record.pk])).content.decode()
    assert 'id="publish-record"' not in page
    assert "You wrote this record: another reviewer must approve it" in page
    assert record.document_number not in client.get(reverse("sanctions:review")).content.decode()
    response = client.post(reverse("sanctions:record-publish", args=[record.pk]), follow=True)
    assert "another reviewer must approve it" in response.content.decode()
    record.refresh_from_db()
    assert record.status == RecordStatus.SUBMITTED


def test_action_endpoints_refuse_get(client, reviewer, submitted):
    as_user(client, reviewer)
    assert client.get(reverse("sanctions:record-publish", args=[submitted.pk])).status_code == 405


def test_unknown_record_kind_is_404(client, clerk):
    as_user(client, clerk)
    assert client.get(reverse("sanctions:record-new", args=["fine"])).status_code == 404
