"""The clerk desk: who may open what, and a record's life through the forms (draft → published →
corrected → revoked), as a clerk and a reviewer see it."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from registry.choices import StaffRoleKind
from registry.models import StaffRole
from sanctions.choices import RecordStatus
from sanctions.models import CreditRecord
from sanctions.records.services import record_create, record_publish
from tests.factories import EnterpriseFactory, UserFactory

pytestmark = pytest.mark.django_db

RECENT = timezone.localdate() - dt.timedelta(days=5)


# -- helpers ---------------------------------------------------------------------------------------------
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


@pytest.fixture
def enterprise(db):
    return EnterpriseFactory(name="杭州西湖测试网络科技有限公司")


@pytest.fixture
def draft(clerk, market_agency, enterprise):
    return make_record(clerk=clerk, agency=market_agency, enterprise=enterprise)


@pytest.fixture
def submitted(clerk, market_agency, enterprise):
    return make_record(clerk=clerk, agency=market_agency, enterprise=enterprise, submit=True)


@pytest.fixture
def published(clerk, reviewer, market_agency, enterprise):
    return make_record(
        clerk=clerk, agency=market_agency, enterprise=enterprise, submit=True, publish_by=reviewer
    )


@pytest.fixture
def clerk_reviewer(reviewer, market_agency):
    """A reviewer who is also a clerk of the agency, so can write records too."""
    StaffRole.objects.create(user=reviewer, agency=market_agency, role=StaffRoleKind.CLERK)
    return reviewer


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


# -- who may open what ----------------------------------------------------------------------------------
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


# -- creating a penalty through the form -----------------------------------------------------------------
def test_new_penalty_form_is_prefilled_with_the_clerks_agency(client, clerk, market_agency):
    as_user(client, clerk)
    page = client.get(reverse("sanctions:record-new", args=["penalty"])).content.decode()
    assert f'value="{market_agency.uscc}"' in page
    assert f'value="{market_agency.name}"' in page
    assert 'name="penalty_categories" value="fine"' in page
    assert "<legend>" in page
    assert 'name="fine_confirmed"' not in page  # only offered when an amount looks keyed in yuan
    assert 'name="agency"' not in page


def test_clerk_creates_a_penalty_draft_through_the_form(client, clerk, market_agency, enterprise):
    as_user(client, clerk)
    response = client.post(
        reverse("sanctions:record-new", args=["penalty"]), penalty_form(enterprise, market_agency)
    )
    record = CreditRecord.objects.get(document_number="浙市监罚〔2025〕17号")
    assert response.status_code == 302
    assert response["Location"] == reverse("sanctions:record", args=[record.pk])
    assert record.status == RecordStatus.DRAFT
    assert record.created_by == clerk
    assert record.enterprise == enterprise
    assert record.fine_amount == Decimal("0.5")
    page = client.get(response["Location"]).content.decode()
    assert "Saved as a draft." in page
    assert "330106198001011234" in page  # the ID number is shown to staff here
    assert 'id="submit-record"' in page


def test_save_and_submit_sends_the_new_record_to_review(client, clerk, market_agency, enterprise):
    as_user(client, clerk)
    client.post(
        reverse("sanctions:record-new", args=["penalty"]),
        penalty_form(enterprise, market_agency, action="submit"),
    )
    assert CreditRecord.objects.get().status == RecordStatus.SUBMITTED


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"party_uscc": "91330106MA0000074A"}, "party_uscc", "check character"),
        ({"party_uscc": "91330106MA27XYZ12A"}, "party_uscc", "never used in a code"),
        ({"party_uscc": "00000000000000000X"}, "party_uscc", "placeholder"),
        ({"document_number": ""}, "document_number", "required"),
        ({"penalty_categories": []}, "penalty_categories", "required"),
        (
            {"declared_publicity_end": (RECENT - dt.timedelta(days=1)).isoformat()},
            "declared_publicity_end",
            "before the decision date",
        ),
        ({"fine_amount": "abc"}, "fine_amount", "is not an amount"),
    ],
    ids=[
        "uscc-wrong-check-character",
        "uscc-letter-never-used",
        "placeholder-uscc",
        "no-document-number",
        "no-category",
        "publicity-end-too-early",
        "amount-not-a-number",
    ],
)
def test_bad_input_is_shown_next_to_the_field(client, clerk, market_agency, enterprise, changes, field, says):
    as_user(client, clerk)
    response = client.post(
        reverse("sanctions:record-new", args=["penalty"]), penalty_form(enterprise, market_agency, **changes)
    )
    assert response.status_code == 400
    errors = field_errors(response, field)
    assert errors.strip(), f"no error next to {field}"
    assert says in errors
    assert any(anchor.startswith(f"id_{field}") for anchor in summary_links(response))
    assert 'aria-invalid="true"' in response.content.decode()
    assert not CreditRecord.objects.exists()


def test_authority_must_be_the_clerks_own_agency(client, clerk, market_agency, other_agency, enterprise):
    as_user(client, clerk)
    response = client.post(
        reverse("sanctions:record-new", args=["penalty"]),
        penalty_form(enterprise, market_agency, authority_uscc=other_agency.uscc),
    )
    assert response.status_code == 400
    assert "must be your own agency" in field_errors(response, "authority_uscc")
    assert market_agency.uscc in field_errors(response, "authority_uscc")


def test_party_not_in_the_registry_is_refused(client, clerk, market_agency, enterprise):
    unknown = EnterpriseFactory.build().uscc
    as_user(client, clerk)
    response = client.post(
        reverse("sanctions:record-new", args=["penalty"]),
        penalty_form(enterprise, market_agency, party_uscc=unknown),
    )
    assert "register the enterprise first" in field_errors(response, "party_uscc")


def test_fine_keyed_in_yuan_asks_for_confirmation_then_saves(client, clerk, market_agency, enterprise):
    as_user(client, clerk)
    url = reverse("sanctions:record-new", args=["penalty"])
    response = client.post(url, penalty_form(enterprise, market_agency, fine_amount="5000"))
    assert response.status_code == 400
    assert "looks as if it was keyed in yuan" in field_errors(response, "fine_amount")
    assert 'name="fine_confirmed"' in response.content.decode()
    assert not CreditRecord.objects.exists()
    response = client.post(
        url, penalty_form(enterprise, market_agency, fine_amount="5000", fine_confirmed="on")
    )
    assert response.status_code == 302
    record = CreditRecord.objects.get()
    assert record.fine_amount == Decimal("5000") and record.fine_confirmed


def test_duplicate_document_number_links_to_the_existing_record(
    client, clerk, market_agency, enterprise, draft
):
    as_user(client, clerk)
    response = client.post(
        reverse("sanctions:record-new", args=["penalty"]),
        penalty_form(enterprise, market_agency, document_number=draft.document_number),
    )
    assert response.status_code == 400
    assert "already recorded decision" in field_errors(response, "document_number")
    assert (
        f'href="{reverse("sanctions:record", args=[draft.pk])}" id="duplicate-link"'
        in response.content.decode()
    )
    assert CreditRecord.objects.count() == 1


def test_clerk_of_two_agencies_chooses_the_agency(client, clerk, other_agency, enterprise):
    StaffRole.objects.create(user=clerk, agency=other_agency, role=StaffRoleKind.CLERK)
    as_user(client, clerk)
    url = reverse("sanctions:record-new", args=["penalty"])
    assert 'name="agency"' in client.get(url).content.decode()
    data = penalty_form(enterprise, other_agency, agency=str(other_agency.pk))
    assert client.post(url, data).status_code == 302
    assert CreditRecord.objects.get().agency == other_agency


def test_licence_and_reward_forms_show_only_their_fields(client, clerk):
    as_user(client, clerk)
    licence = client.get(reverse("sanctions:record-new", args=["licence"])).content.decode()
    assert 'name="licence_category"' in licence and 'name="penalty_categories"' not in licence
    reward = client.get(reverse("sanctions:record-new", args=["reward"])).content.decode()
    assert 'name="fine_amount"' not in reward and 'name="content"' in reward


def test_clerk_creates_a_licence(client, clerk, market_agency, enterprise):
    as_user(client, clerk)
    data = {
        "party_name": enterprise.name,
        "party_category": "legal_person",
        "party_uscc": enterprise.uscc,
        "document_name": "食品经营许可决定书",
        "document_number": "JY13301060012345",
        "licence_category": "01",
        "certificate_name": "食品经营许可证",
        "certificate_number": "JY13301060012345",
        "content": "食品销售经营者",
        "licence_status": "valid",
        "decision_date": RECENT.isoformat(),
        "valid_from": RECENT.isoformat(),
        "valid_to": (RECENT + dt.timedelta(days=365 * 5)).isoformat(),
        "authority_name": market_agency.name,
        "authority_uscc": market_agency.uscc,
        "source_unit_name": market_agency.name,
        "source_unit_uscc": market_agency.uscc,
        "usage_scope": "public",
        "action": "draft",
    }
    assert client.post(reverse("sanctions:record-new", args=["licence"]), data).status_code == 302
    assert CreditRecord.objects.get().kind == "licence"


# -- the record's life --------------------------------------------------------------------------------------
def test_clerk_edits_a_draft_and_history_shows_before_and_after(client, clerk, draft):
    as_user(client, clerk)
    url = reverse("sanctions:record-edit", args=[draft.pk])
    form_page = client.get(url).content.decode()
    assert f'value="{draft.document_number}"' in form_page
    data = penalty_form(
        draft.enterprise,
        draft.agency,
        document_number=draft.document_number,
        content="罚款人民币捌仟元。",
        fine_amount="0.8",
    )
    assert client.post(url, data).status_code == 302
    draft.refresh_from_db()
    assert draft.fine_amount == Decimal("0.8")
    page = client.get(reverse("sanctions:record", args=[draft.pk])).content.decode()
    history = page[page.index('id="history"') :]
    assert "Edited" in history and "clerk" in history
    assert "<del>0.5</del> → <ins>0.8</ins>" in history
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT', history)


def test_clerk_submits_a_draft(client, clerk, draft):
    as_user(client, clerk)
    response = client.post(reverse("sanctions:record-submit", args=[draft.pk]), follow=True)
    draft.refresh_from_db()
    assert draft.status == RecordStatus.SUBMITTED
    page = response.content.decode()
    assert "Submitted for review" in page
    assert 'id="edit-record"' not in page


def test_submitted_record_cannot_be_edited(client, clerk, submitted):
    as_user(client, clerk)
    response = client.get(reverse("sanctions:record-edit", args=[submitted.pk]), follow=True)
    assert "Only a draft can be edited" in response.content.decode()


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


def test_clerk_corrects_a_published_record_into_a_new_version(client, clerk, reviewer, published):
    as_user(client, clerk)
    url = reverse("sanctions:record-correct", args=[published.pk])
    form_page = client.get(url).content.decode()
    assert 'value="0.5"' in form_page and 'name="reason"' in form_page
    data = penalty_form(
        published.enterprise,
        published.agency,
        document_number=published.document_number,
        fine_amount="0.6",
        content="罚款人民币陆仟元。",
    )
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Say why the record is corrected" in field_errors(response, "reason")
    response = client.post(url, {**data, "reason": "决定书金额录入错误"})
    new = CreditRecord.objects.get(previous=published)
    assert response["Location"] == reverse("sanctions:record", args=[new.pk])
    assert new.version == 2 and new.status == RecordStatus.SUBMITTED
    published.refresh_from_db()
    assert published.status == RecordStatus.PUBLISHED and published.is_current
    page = client.get(response["Location"]).content.decode()
    history = page[page.index('id="history"') :]
    assert "Correction submitted" in history and "决定书金额录入错误" in history
    assert "<del>0.5</del> → <ins>0.6</ins>" in history
    assert "Published" in history  # the first version's events stay in the history
    assert reverse("sanctions:record", args=[published.pk]) in page  # version 1 is linked
    # the list shows the version in force and the pending correction
    listing = client.get(reverse("sanctions:records")).content.decode()
    assert reverse("sanctions:record", args=[published.pk]) in listing
    assert reverse("sanctions:record", args=[new.pk]) in listing
    assert "correction, version 2" in listing
    # once approved, the old version is replaced but kept
    as_user(client, reviewer)
    client.post(reverse("sanctions:record-publish", args=[new.pk]))
    published.refresh_from_db()
    assert published.status == RecordStatus.CORRECTED and not published.is_current
    old_page = client.get(reverse("sanctions:record", args=[published.pk])).content.decode()
    assert "This version was replaced by version 2" in old_page
    listing = client.get(reverse("sanctions:records")).content.decode()
    assert reverse("sanctions:record", args=[published.pk]) not in listing
    assert (
        reverse("sanctions:record", args=[published.pk])
        in client.get(reverse("sanctions:records") + "?all_versions=on").content.decode()
    )


def test_correct_is_not_offered_twice(client, clerk, published):
    as_user(client, clerk)
    data = penalty_form(
        published.enterprise,
        published.agency,
        document_number=published.document_number,
        fine_amount="0.6",
        reason="录入错误",
    )
    client.post(reverse("sanctions:record-correct", args=[published.pk]), data)
    page = client.get(reverse("sanctions:record", args=[published.pk])).content.decode()
    assert 'id="correct-record"' not in page
    assert "A correction (version 2) is waiting" in page
    response = client.post(reverse("sanctions:record-correct", args=[published.pk]), data)
    assert response.status_code == 400
    assert "already waiting for review" in response.content.decode()


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


# -- the list ---------------------------------------------------------------------------------------------
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
