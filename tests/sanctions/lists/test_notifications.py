"""Following enterprises: who is told when an enterprise enters or leaves a list, and who may follow."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from registry.choices import StaffRoleKind
from registry.models import StaffRole
from sanctions.desk.views import desk_for
from sanctions.lists import notifications
from sanctions.lists import services as lists
from sanctions.models import ListKind, ListSubscription, Notification
from tests.factories import AgencyFactory, EnterpriseFactory, UserFactory
from tests.sanctions.lists.helpers import publish_listing

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def enterprise():
    return EnterpriseFactory(name="杭州西湖失信测试有限公司")


def test_subscribers_are_told_when_an_enterprise_enters_and_leaves(
    clerk, reviewer, market_agency, other_agency, other_clerk, enterprise
):
    third = UserFactory(username="third_clerk")
    third_agency = AgencyFactory(name="上海市市场监督管理局")
    StaffRole.objects.create(user=third, agency=third_agency, role=StaffRoleKind.CLERK)
    notifications.subscription_create(
        actor=other_clerk, agency=other_agency, enterprise=enterprise
    )  # any list
    notifications.subscription_create(
        actor=third, agency=third_agency, enterprise=enterprise, list_kind=ListKind.objects.get(pk="red")
    )  # another list only
    notifications.subscription_create(
        actor=third, agency=third_agency, enterprise=EnterpriseFactory()
    )  # someone else

    listing = publish_listing(clerk, reviewer, market_agency, enterprise)
    assert list(Notification.objects.values_list("agency", "event")) == [(other_agency.pk, "entered")]
    lists.listing_remove(actor=clerk, listing=listing, reason="revoked", note="Annulled.")
    assert sorted(Notification.objects.values_list("agency", "event")) == [
        (other_agency.pk, "entered"),
        (other_agency.pk, "left"),
    ]
    assert desk_for(other_clerk).unread == 2
    assert desk_for(third).unread == 0 and desk_for(clerk).unread == 0


def test_subscribing_is_for_the_agencys_own_staff_and_is_idempotent(
    clerk, other_clerk, market_agency, enterprise
):
    first = notifications.subscription_create(actor=clerk, agency=market_agency, enterprise=enterprise)
    assert (
        notifications.subscription_create(actor=clerk, agency=market_agency, enterprise=enterprise) == first
    )
    with pytest.raises(PermissionDenied):
        notifications.subscription_create(actor=other_clerk, agency=market_agency, enterprise=enterprise)
    with pytest.raises(PermissionDenied):
        notifications.subscription_delete(actor=other_clerk, subscription=first)
    notifications.subscription_delete(actor=clerk, subscription=first)
    assert not ListSubscription.objects.exists()


def test_notifications_are_marked_read_per_agency(
    clerk, reviewer, market_agency, other_agency, other_clerk, enterprise
):
    notifications.subscription_create(actor=other_clerk, agency=other_agency, enterprise=enterprise)
    publish_listing(clerk, reviewer, market_agency, enterprise)
    with pytest.raises(PermissionDenied):
        notifications.notifications_mark_read(actor=clerk, agency=other_agency)
    assert notifications.notifications_mark_read(actor=other_clerk, agency=other_agency) == 1
    assert desk_for(other_clerk).unread == 0


def test_the_desk_counts_unread_notifications_once_a_request(
    client, clerk, reviewer, market_agency, other_agency, other_clerk, enterprise, django_assert_num_queries
):
    notifications.subscription_create(actor=other_clerk, agency=other_agency, enterprise=enterprise)
    publish_listing(clerk, reviewer, market_agency, enterprise)
    desk = desk_for(other_clerk)
    with django_assert_num_queries(1):
        assert desk.unread == 1 and desk.unread == 1
    client.force_login(other_clerk)
    page = client.get(reverse("lists:listings")).content.decode()
    assert re.search(r'id="unread-count">\D*1\D', page)  # in the desk's navigation
