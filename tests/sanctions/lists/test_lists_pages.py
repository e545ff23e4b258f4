"""Desk pages for listings, subscriptions and notifications; the public credit-system pages."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from sanctions.lists import measures, notifications, ratings
from sanctions.models import Listing, ListKind, ListSubscription, Measure, Memorandum
from tests.factories import EnterpriseFactory
from tests.sanctions.lists.helpers import draft_listing, publish_listing, publish_record

pytestmark = [pytest.mark.django_db]
TODAY = timezone.localdate


@pytest.fixture
def enterprise():
    return EnterpriseFactory(name="杭州西湖页面测试有限公司")


@pytest.fixture
def client(client, settings):
    """Pages in English (the portal speaks Chinese first)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def signed_in(client, user):
    client.force_login(user)
    return client


def form_data(agency, enterprise, **overrides):
    data = {
        "agency": agency.pk,
        "enterprise": enterprise.uscc,
        "list_kind": "dishonest",
        "grounds": "Refused to pay a fine while able to.",
        "legal_basis": "SAMR Order 44, art. 2",
        "document_number": "浙市监信〔2026〕9号",
        "start_date": (TODAY() - dt.timedelta(days=1)).isoformat(),
        "end_date": "",
        "records": "",
        "inclusion_conditions": "",
        "removal_conditions": "",
        "action": "submit",
    }
    data.update(overrides)
    return data


# -- desk -----------------------------------------------------------------------------------------------
def test_clerk_drafts_a_listing_and_a_reviewer_publishes_it_on_the_desk(
    client, clerk, reviewer, market_agency, enterprise
):
    record = publish_record(clerk, reviewer, market_agency, enterprise)
    signed_in(client, clerk)
    response = client.post(
        reverse("lists:listing-new"), form_data(market_agency, enterprise, records=record.document_number)
    )
    listing = Listing.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("lists:listing", args=[listing.pk])
    assert listing.status == "submitted" and list(listing.records.all()) == [record]
    page = client.get(reverse("lists:listing", args=[listing.pk])).content.decode()
    assert "publish-listing" not in page  # a clerk does not publish

    signed_in(client, reviewer)
    queue = client.get(reverse("lists:listing-review")).content.decode()
    assert listing.document_number in queue
    assert "publish-listing" in client.get(reverse("lists:listing", args=[listing.pk])).content.decode()
    client.post(reverse("lists:listing-publish", args=[listing.pk]))
    assert Listing.objects.get().status == "active"


def test_the_form_shows_the_services_refusals_next_to_the_fields(client, clerk, market_agency, enterprise):
    signed_in(client, clerk)
    start = TODAY().isoformat()
    response = client.post(reverse("lists:listing-new"), form_data(market_agency, enterprise, grounds=""))
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    response = client.post(
        reverse("lists:listing-new"), form_data(market_agency, enterprise, end_date=start, start_date=start)
    )
    assert (
        response.status_code == 400 and "The listing must end after it starts." in response.content.decode()
    )
    response = client.post(
        reverse("lists:listing-new"), form_data(market_agency, enterprise, records="NOPE-1")
    )
    assert response.status_code == 400 and "No published record NOPE-1" in response.content.decode()
    assert not Listing.objects.exists()


def test_another_agencys_clerk_gets_404_and_cannot_act(client, clerk, other_clerk, market_agency, enterprise):
    listing = draft_listing(clerk, market_agency, enterprise)
    signed_in(client, other_clerk)
    assert client.get(reverse("lists:listing", args=[listing.pk])).status_code == 404
    assert client.post(reverse("lists:listing-submit", args=[listing.pk])).status_code == 404
    assert Listing.objects.get().status == "draft"


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("lists:listings"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_reviewer_removes_a_listing_with_a_reason(client, clerk, reviewer, market_agency, enterprise):
    listing = publish_listing(clerk, reviewer, market_agency, enterprise)
    signed_in(client, reviewer)
    response = client.post(
        reverse("lists:listing-remove", args=[listing.pk]), {"reason": "revoked", "note": ""}
    )
    assert (
        response.status_code == 400
        and "Say why the listing decision was revoked." in response.content.decode()
    )
    client.post(
        reverse("lists:listing-remove", args=[listing.pk]), {"reason": "revoked", "note": "Annulled."}
    )
    assert Listing.objects.get().removal_reason == "revoked"


def test_subscribe_see_notifications_and_unsubscribe(
    client, clerk, reviewer, market_agency, other_agency, other_clerk, enterprise
):
    signed_in(client, other_clerk)
    response = client.post(
        reverse("lists:subscriptions"),
        {"agency": other_agency.pk, "enterprise": enterprise.uscc, "list_kind": ""},
    )
    assert response.status_code == 302
    subscription = ListSubscription.objects.get()
    assert subscription.agency == other_agency and subscription.list_kind is None

    publish_listing(clerk, reviewer, market_agency, enterprise)
    page = client.get(reverse("lists:notifications")).content.decode()
    assert "1 unread notification" in page and f"{enterprise.name} entered the list" in page
    client.post(reverse("lists:notifications"))
    assert "0 unread notifications" in client.get(reverse("lists:notifications")).content.decode()

    client.post(reverse("lists:subscription-delete", args=[subscription.pk]))
    assert not ListSubscription.objects.exists()


def test_unknown_enterprise_code_is_refused_on_subscribe(client, other_clerk, other_agency):
    signed_in(client, other_clerk)
    response = client.post(
        reverse("lists:subscriptions"),
        {"agency": other_agency.pk, "enterprise": "91330106MA0000000X", "list_kind": ""},
    )
    assert response.status_code == 400 and "No enterprise has the code" in response.content.decode()


def test_other_agency_cannot_unsubscribe_for_us(client, clerk, other_clerk, market_agency, enterprise):
    subscription = notifications.subscription_create(actor=clerk, agency=market_agency, enterprise=enterprise)
    signed_in(client, other_clerk)
    assert client.post(reverse("lists:subscription-delete", args=[subscription.pk])).status_code == 404
    assert ListSubscription.objects.exists()


# -- public ---------------------------------------------------------------------------------------------
def test_public_lists_page_shows_conditions_and_who_is_on_each_list_today(
    client, clerk, reviewer, market_agency, enterprise
):
    publish_listing(clerk, reviewer, market_agency, enterprise)
    ended = EnterpriseFactory(name="已移出名单测试有限公司")
    publish_listing(
        clerk,
        reviewer,
        market_agency,
        ended,
        document_number="L-2",
        start_date=TODAY() - dt.timedelta(days=30),
        end_date=TODAY() + dt.timedelta(days=1),
    )
    Listing.objects.filter(enterprise=ended).update(end_date=TODAY())
    kind = ListKind.objects.get(pk="dishonest")
    overview = client.get(reverse("lists:public-lists")).content.decode()
    assert kind.inclusion_conditions in overview and kind.removal_conditions in overview
    assert "1 enterprise on the list today" in overview
    page = client.get(reverse("lists:public-list", args=["dishonest"]))
    assert page.status_code == 200
    body = page.content.decode()
    assert enterprise.name in body and enterprise.uscc in body and ended.name not in body


def test_public_measures_page_lists_only_the_published_catalogue(client, registry_admin, market_agency):
    memo = measures.memorandum_save(
        actor=registry_admin,
        memorandum=Memorandum(
            name="联合惩戒备忘录",
            document_number="发改财金〔2016〕141号",
            signed_on=dt.date(2016, 1, 20),
            signatories="44个部门",
        ),
    )
    kind = ListKind.objects.get(pk="dishonest")
    published = measures.measure_save(
        actor=registry_admin,
        measure=Measure(
            memorandum=memo,
            list_kind=kind,
            nature="punishment",
            name="限制发行债券",
            legal_basis="依据甲",
            effective_from=TODAY(),
        ),
        applying_agencies=[market_agency],
    )
    measures.measure_publish(actor=registry_admin, measure=published)
    measures.measure_save(
        actor=registry_admin,
        measure=Measure(
            memorandum=memo,
            list_kind=kind,
            nature="punishment",
            name="尚未公布的措施",
            legal_basis="依据乙",
            effective_from=TODAY(),
        ),
        applying_agencies=[market_agency],
    )
    body = client.get(reverse("lists:public-measures")).content.decode()
    assert "限制发行债券" in body and market_agency.name in body and "发改财金〔2016〕141号" in body
    assert "尚未公布的措施" not in body


def test_public_rating_page_explains_the_grade(client, clerk, reviewer, market_agency, enterprise):
    record = publish_record(clerk, reviewer, market_agency, enterprise, severity="serious")
    ratings.rating_recompute(enterprise_id=enterprise.pk)
    body = client.get(reverse("lists:public-rating", args=[enterprise.uscc])).content.decode()
    assert "Grade B (85 points)" in body
    assert "Penalty for serious dishonesty: 15 points off each" in body and record.document_number in body
    assert client.get(reverse("lists:public-rating", args=["91330106MA0000000X"])).status_code == 404


def test_listings_page_and_editing_a_draft(client, clerk, market_agency, enterprise):
    listing = draft_listing(clerk, market_agency, enterprise)
    signed_in(client, clerk)
    page = client.get(reverse("lists:listings"), {"status": "draft"}).content.decode()
    assert listing.document_number in page and "1 listing" in page
    assert "0 listings" in client.get(reverse("lists:listings"), {"status": "active"}).content.decode()
    assert client.get(reverse("lists:listing-edit", args=[listing.pk])).status_code == 200
    response = client.post(
        reverse("lists:listing-edit", args=[listing.pk]),
        {
            "grounds": "Refused to rectify.",
            "legal_basis": listing.legal_basis,
            "document_number": "浙市监信〔2026〕2号",
            "start_date": listing.start_date.isoformat(),
            "end_date": "",
            "records": "",
            "inclusion_conditions": "",
            "removal_conditions": "",
            "action": "submit",
        },
    )
    assert response.status_code == 302
    listing.refresh_from_db()
    assert (listing.grounds, listing.document_number, listing.status) == (
        "Refused to rectify.",
        "浙市监信〔2026〕2号",
        "submitted",
    )
    assert client.get(reverse("lists:listing-edit", args=[listing.pk])).status_code == 403


def test_the_listings_status_filter_says_when_a_status_is_none_of_them(
    client, clerk, reviewer, market_agency, enterprise
):
    publish_listing(clerk, reviewer, market_agency, enterprise)
    draft_listing(clerk, market_agency, EnterpriseFactory(), document_number="浙市监信〔2026〕2号")
    signed_in(client, clerk)
    page = client.get("/desk/listings/", {"status": "active"}).content.decode()
    assert "1 listing" in page and 'value="active" selected' in page and "error-summary" not in page
    # A status that is none of them (a hand-edited link): said above the list, which shows them all.
    page = client.get("/desk/listings/", {"status": "zz"}).content.decode()
    assert (
        "error-summary" in page and "Select a valid choice. zz is not one of the available choices." in page
    )
    assert "2 listings" in page and '<option value="">All</option>' in page and " selected>" not in page
    client.cookies["django_language"] = "zh-hans"
    page = client.get("/desk/listings/", {"status": "zz"}).content.decode()
    assert "部分筛选条件无法使用：" in page and "zz" in page


def test_the_inspection_plans_status_filter_says_when_a_status_is_none_of_them(client, clerk):
    signed_in(client, clerk)
    page = client.get("/desk/inspections/", {"status": "<b>zz</b>"}).content.decode()
    assert "error-summary" in page and "&lt;b&gt;zz&lt;/b&gt; is not one of the available choices." in page
    assert "<b>zz</b>" not in page
    assert "error-summary" not in client.get("/desk/inspections/", {"status": "draft"}).content.decode()
