"""Listings: four-eyes review, refusals, automatic end by date, removal, and the rating they schedule."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone, translation

from registry.choices import StaffRoleKind
from registry.models import AuditEntry, StaffRole
from sanctions.lists import notifications
from sanctions.lists import services as lists
from sanctions.lists.selectors import active_listings, active_listings_for
from sanctions.models import EnterpriseRating, Listing, ListKind, Notification
from sanctions.records import services
from sanctions.records.publicity import add_months
from tests.factories import EnterpriseFactory, UserFactory
from tests.sanctions.lists.helpers import draft_listing, publish_listing, publish_record
from tests.sanctions.payloads import penalty_data

pytestmark = [pytest.mark.django_db]
TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def enterprise():
    return EnterpriseFactory(name="杭州西湖失信测试有限公司")


@pytest.fixture
def second_reviewer(market_agency):
    user = UserFactory(username="second_reviewer")
    StaffRole.objects.create(user=user, agency=market_agency, role=StaffRoleKind.REVIEWER)
    return user


@pytest.fixture
def other_reviewer(other_agency):
    user = UserFactory(username="other_reviewer")
    StaffRole.objects.create(user=user, agency=other_agency, role=StaffRoleKind.REVIEWER)
    return user


# -- the four-eyes path ---------------------------------------------------------------------------------
def test_clerk_drafts_and_another_reviewer_publishes(clerk, reviewer, market_agency, enterprise):
    listing = draft_listing(clerk, market_agency, enterprise)
    assert listing.status == "draft" and not active_listings_for(enterprise=enterprise).exists()
    lists.listing_submit(actor=clerk, listing=listing)
    listing = lists.listing_publish(actor=reviewer, listing=listing)
    assert listing.status == "active" and listing.published_by == reviewer and listing.published_at
    assert list(active_listings_for(enterprise=enterprise)) == [listing]
    actions = set(
        AuditEntry.objects.filter(target_id=str(listing.pk), target_type="sanctions.listing").values_list(
            "action", flat=True
        )
    )
    assert actions == {"listing.create.draft", "listing.submit", "listing.publish"}


def test_listing_takes_the_lists_published_conditions_and_default_term(clerk, market_agency, enterprise):
    listing = draft_listing(clerk, market_agency, enterprise)
    kind = ListKind.objects.get(pk="dishonest")
    assert listing.inclusion_conditions == kind.inclusion_conditions
    assert listing.removal_conditions == kind.removal_conditions
    assert listing.end_date == add_months(listing.start_date, kind.default_term_months)


def test_author_cannot_publish_own_listing(market_agency, enterprise):
    both = UserFactory(username="clerk_and_reviewer")
    StaffRole.objects.create(user=both, agency=market_agency, role=StaffRoleKind.CLERK)
    StaffRole.objects.create(user=both, agency=market_agency, role=StaffRoleKind.REVIEWER)
    listing = draft_listing(both, market_agency, enterprise)
    lists.listing_submit(actor=both, listing=listing)
    with pytest.raises(ValidationError, match="four eyes"):
        lists.listing_publish(actor=both, listing=listing)
    assert Listing.objects.get(pk=listing.pk).status == "submitted"


def test_another_agency_can_neither_draft_nor_publish(
    clerk, other_clerk, other_reviewer, market_agency, enterprise
):
    with pytest.raises(PermissionDenied):
        draft_listing(other_clerk, market_agency, enterprise)
    listing = draft_listing(clerk, market_agency, enterprise)
    lists.listing_submit(actor=clerk, listing=listing)
    with pytest.raises(PermissionDenied):
        lists.listing_publish(actor=other_reviewer, listing=listing)


def test_clerk_cannot_publish(clerk, market_agency, enterprise):
    listing = draft_listing(clerk, market_agency, enterprise)
    lists.listing_submit(actor=clerk, listing=listing)
    with pytest.raises(PermissionDenied):
        lists.listing_publish(actor=clerk, listing=listing)


@pytest.mark.parametrize("field", ["grounds", "legal_basis", "document_number", "start_date"])
def test_listing_needs_grounds_basis_number_and_start(clerk, market_agency, enterprise, field):
    with pytest.raises(ValidationError) as exc:
        draft_listing(clerk, market_agency, enterprise, **{field: ""})
    assert field in exc.value.message_dict


@pytest.mark.parametrize("days", [0, -1])
def test_listing_cannot_end_before_it_starts(clerk, market_agency, enterprise, days):
    start = TODAY()
    with pytest.raises(ValidationError) as exc:
        draft_listing(
            clerk, market_agency, enterprise, start_date=start, end_date=start + dt.timedelta(days=days)
        )
    assert "end_date" in exc.value.message_dict


def test_same_decision_number_twice_is_refused(clerk, market_agency, enterprise):
    draft_listing(clerk, market_agency, enterprise)
    with pytest.raises(ValidationError) as exc:
        draft_listing(clerk, market_agency, EnterpriseFactory())
    assert "document_number" in exc.value.message_dict


def test_listing_rests_only_on_published_records_of_the_same_enterprise(
    clerk, reviewer, market_agency, enterprise
):
    record = publish_record(clerk, reviewer, market_agency, enterprise)
    listing = draft_listing(clerk, market_agency, enterprise, records=[record])
    assert list(listing.records.all()) == [record]
    stranger = publish_record(clerk, reviewer, market_agency, EnterpriseFactory())
    with pytest.raises(ValidationError, match="another enterprise"):
        draft_listing(clerk, market_agency, enterprise, records=[stranger], document_number="X-2")
    draft, _ = services.record_create(
        actor=clerk,
        agency=market_agency,
        kind="penalty",
        data=penalty_data(market_agency, enterprise, document_number="D-9"),
    )
    with pytest.raises(ValidationError, match="not published"):
        draft_listing(clerk, market_agency, enterprise, records=[draft], document_number="X-3")


def test_send_back_needs_a_comment_and_makes_a_draft_again(clerk, reviewer, market_agency, enterprise):
    listing = draft_listing(clerk, market_agency, enterprise)
    lists.listing_submit(actor=clerk, listing=listing)
    with pytest.raises(ValidationError):
        lists.listing_send_back(actor=reviewer, listing=listing, comment=" ")
    listing = lists.listing_send_back(actor=reviewer, listing=listing, comment="Cite the penalty decision.")
    assert listing.status == "draft" and listing.review_comment == "Cite the penalty decision."
    listing = lists.listing_update(actor=clerk, listing=listing, data={"grounds": "Refused to pay the fine."})
    assert listing.grounds == "Refused to pay the fine."


def test_only_drafts_are_edited(clerk, reviewer, market_agency, enterprise):
    listing = publish_listing(clerk, reviewer, market_agency, enterprise)
    with pytest.raises(ValidationError):
        lists.listing_update(actor=clerk, listing=listing, data={"grounds": "changed"})


# -- end of term: by date, without a job ----------------------------------------------------------------
def test_listing_leaves_public_view_on_its_end_date_without_a_job(clerk, reviewer, market_agency, enterprise):
    end = TODAY() + dt.timedelta(days=5)
    listing = publish_listing(clerk, reviewer, market_agency, enterprise, end_date=end)
    assert listing in active_listings(today=end - dt.timedelta(days=1))
    assert listing not in active_listings(today=end)
    assert Listing.objects.get(pk=listing.pk).status == "active"


def test_future_listing_is_not_in_force_before_its_start(clerk, reviewer, market_agency, enterprise):
    start = TODAY() + dt.timedelta(days=3)
    listing = publish_listing(clerk, reviewer, market_agency, enterprise, start_date=start)
    assert not active_listings_for(enterprise=enterprise).exists()
    assert list(active_listings_for(enterprise=enterprise, today=start)) == [listing]


def test_expiry_job_marks_ended_listings_audits_and_tells_subscribers(
    clerk, reviewer, market_agency, other_agency, other_clerk, enterprise
):
    listing = publish_listing(
        clerk,
        reviewer,
        market_agency,
        enterprise,
        start_date=TODAY() - dt.timedelta(days=30),
        end_date=TODAY() + dt.timedelta(days=1),
    )
    lasting = publish_listing(clerk, reviewer, market_agency, EnterpriseFactory(), document_number="L-2")
    notifications.subscription_create(actor=other_clerk, agency=other_agency, enterprise=enterprise)
    assert lists.listings_expire() == 0
    tomorrow = TODAY() + dt.timedelta(days=1)
    assert lists.listings_expire(today=tomorrow) == 1
    listing.refresh_from_db()
    assert listing.status == "removed" and listing.removal_reason == "term_ended" and listing.removed_at
    assert Listing.objects.get(pk=lasting.pk).status == "active"
    assert AuditEntry.objects.filter(
        action="listing.remove.term_ended", target_id=str(listing.pk), actor_label="system"
    ).exists()
    assert list(Notification.objects.values_list("agency", "listing", "event")) == [
        (other_agency.pk, listing.pk, "left")
    ]
    assert lists.listings_expire(today=tomorrow) == 0  # idempotent


def test_expire_listings_command_and_task(
    clerk, reviewer, market_agency, enterprise, django_capture_on_commit_callbacks
):
    from sanctions.tasks import listings_expire

    listing = publish_listing(
        clerk,
        reviewer,
        market_agency,
        enterprise,
        start_date=TODAY() - dt.timedelta(days=30),
        end_date=TODAY() + dt.timedelta(days=1),
    )
    Listing.objects.filter(pk=listing.pk).update(end_date=TODAY())  # the term ends today
    with django_capture_on_commit_callbacks(execute=True):
        assert listings_expire.delay().get() == 1
    assert Listing.objects.get(pk=listing.pk).removal_reason == "term_ended"
    assert EnterpriseRating.objects.filter(enterprise=enterprise, is_current=True).exists()
    call_command("expire_listings")  # nothing left to do
    assert Listing.objects.filter(status="active").count() == 0


# -- early removal and revocation ----------------------------------------------------------------------
def test_early_removal_after_repair_only_when_the_list_allows_it(clerk, reviewer, market_agency, enterprise):
    early = publish_listing(
        clerk, reviewer, market_agency, enterprise, start_date=TODAY() - dt.timedelta(days=60)
    )
    with pytest.raises(ValidationError, match="possible from"):
        lists.listing_remove(actor=reviewer, listing=early, reason="repaired")
    old_enough = publish_listing(
        clerk,
        reviewer,
        market_agency,
        EnterpriseFactory(),
        document_number="L-2",
        start_date=add_months(TODAY(), -13),
    )
    removed = lists.listing_remove(actor=reviewer, listing=old_enough, reason="repaired", note="Fine paid.")
    assert removed.status == "removed" and removed.removal_reason == "repaired"
    assert not active_listings_for(enterprise=removed.enterprise).exists()
    assert AuditEntry.objects.filter(action="listing.remove.repaired", target_id=str(removed.pk)).exists()
    red = publish_listing(
        clerk,
        reviewer,
        market_agency,
        EnterpriseFactory(),
        kind="red",
        document_number="R-1",
        start_date=add_months(TODAY(), -30),
    )
    with pytest.raises(ValidationError, match="no early removal"):
        lists.listing_remove(actor=reviewer, listing=red, reason="repaired")


def test_revocation_needs_a_reason_and_ends_the_listing_at_once(
    clerk, reviewer, market_agency, enterprise, other_clerk
):
    listing = publish_listing(clerk, reviewer, market_agency, enterprise)
    with pytest.raises(ValidationError):
        lists.listing_remove(actor=clerk, listing=listing, reason="revoked")
    with pytest.raises(PermissionDenied):
        lists.listing_remove(actor=other_clerk, listing=listing, reason="revoked", note="Annulled by court.")
    with pytest.raises(ValidationError):
        lists.listing_remove(actor=clerk, listing=listing, reason="term_ended")
    lists.listing_remove(actor=clerk, listing=listing, reason="revoked", note="Annulled by court.")
    assert not active_listings_for(enterprise=enterprise).exists()
    with pytest.raises(ValidationError):
        lists.listing_remove(actor=clerk, listing=listing, reason="revoked", note="again")


def test_publishing_schedules_the_rating(
    clerk, reviewer, market_agency, enterprise, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        publish_listing(clerk, reviewer, market_agency, enterprise)
    rating = EnterpriseRating.objects.get(enterprise=enterprise, model="registry-default", is_current=True)
    assert rating.grade == "D"
