"""Entering records through the desk's forms: a new penalty or licence, edits of a draft, the
correction of a published record into a new version, and each error shown next to its field."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from registry.choices import StaffRoleKind
from registry.models import StaffRole
from sanctions.choices import RecordStatus
from sanctions.models import CreditRecord
from tests.factories import EnterpriseFactory
from tests.sanctions.records.desk.helpers import RECENT, as_user, field_errors, penalty_form, summary_links
from tests.sanctions.records.legacy import LEGACY_CODES, register_legacy, unflagged

pytestmark = pytest.mark.django_db


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


def test_submitted_record_cannot_be_edited(client, clerk, submitted):
    as_user(client, clerk)
    response = client.get(reverse("sanctions:record-edit", args=[submitted.pk]), follow=True)
    assert "Only a draft can be edited" in response.content.decode()


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


def test_a_party_registered_under_a_legacy_code_gets_a_record_at_the_desk(
    client, clerk, market_agency, registry_admin
):
    """An early Fujian pilot code fails its check; registered as a legacy code, it is a party."""
    legacy = register_legacy(registry_admin, LEGACY_CODES[0])
    as_user(client, clerk)

    response = client.post(
        reverse("sanctions:record-new", args=["penalty"]), penalty_form(legacy, market_agency)
    )

    assert response.status_code == 302, field_errors(response, "party_uscc")
    assert CreditRecord.objects.get().enterprise == legacy


def test_a_code_failing_its_check_is_refused_at_the_desk_unless_registered_as_legacy(
    client, clerk, market_agency
):
    held = unflagged(LEGACY_CODES[1])
    as_user(client, clerk)

    response = client.post(
        reverse("sanctions:record-new", args=["penalty"]), penalty_form(held, market_agency)
    )

    assert response.status_code == 400
    assert "The check character (18) should be" in field_errors(response, "party_uscc")
    assert not CreditRecord.objects.exists()
