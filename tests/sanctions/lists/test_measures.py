"""The catalogue of joint measures and ``GET /api/v1/enterprises/{uscc}/measures``.

A measure outside the published catalogue (unpublished, not yet in force, ended, published after
the day asked) or not applied by the agency asking must never be returned.
"""

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import resolve
from django.utils import timezone, translation
from rest_framework.throttling import AnonRateThrottle

from registry.models import AuditEntry
from sanctions.lists import measures as catalogue
from sanctions.lists.api import EnterpriseMeasuresView
from sanctions.lists.services import listing_remove
from sanctions.models import ListKind, Measure, Memorandum
from tests.factories import AgencyFactory, EnterpriseFactory
from tests.sanctions.lists.helpers import publish_listing

pytestmark = [pytest.mark.django_db]
TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def enterprise():
    return EnterpriseFactory(name="杭州西湖联合惩戒测试有限公司")


@pytest.fixture
def memorandum(registry_admin):
    return catalogue.memorandum_save(
        actor=registry_admin,
        memorandum=Memorandum(
            name="关于对失信被执行人实施联合惩戒的合作备忘录",
            document_number="发改财金〔2016〕141号",
            signed_on=dt.date(2016, 1, 20),
            signatories="国家发展改革委、最高人民法院等44个部门",
        ),
    )


def make_measure(admin, memorandum, agencies, *, kind="dishonest", publish=True, **overrides):
    values = {
        "memorandum": memorandum,
        "list_kind": ListKind.objects.get(pk=kind),
        "nature": "punishment",
        "name": "限制参与政府采购",
        "legal_basis": "《政府采购法》第二十二条",
        "effective_from": TODAY() - dt.timedelta(days=100),
    }
    values.update(overrides)
    measure = catalogue.measure_save(actor=admin, measure=Measure(**values), applying_agencies=agencies)
    if publish:
        measure = catalogue.measure_publish(actor=admin, measure=measure)
    return measure


@pytest.fixture
def listed(clerk, reviewer, market_agency, enterprise):
    return publish_listing(
        clerk, reviewer, market_agency, enterprise, start_date=TODAY() - dt.timedelta(days=30)
    )


# -- the catalogue --------------------------------------------------------------------------------------
def test_only_registry_admins_keep_the_catalogue(clerk, registry_admin, memorandum, market_agency):
    with pytest.raises(PermissionDenied):
        catalogue.memorandum_save(
            actor=clerk,
            memorandum=Memorandum(name="x", document_number="x", signed_on=TODAY(), signatories="x"),
        )
    measure = make_measure(registry_admin, memorandum, [market_agency], publish=False)
    with pytest.raises(PermissionDenied):
        catalogue.measure_publish(actor=clerk, measure=measure)
    catalogue.measure_publish(actor=registry_admin, measure=measure)
    assert AuditEntry.objects.filter(action="measure.publish", target_id=str(measure.pk)).exists()


def test_a_measure_is_published_once_with_its_agencies_and_basis(registry_admin, memorandum, market_agency):
    no_agency = make_measure(registry_admin, memorandum, [], publish=False)
    with pytest.raises(ValidationError) as exc:
        catalogue.measure_publish(actor=registry_admin, measure=no_agency)
    assert "applying_agencies" in exc.value.message_dict
    measure = make_measure(registry_admin, memorandum, [market_agency])
    with pytest.raises(ValidationError):
        catalogue.measure_publish(actor=registry_admin, measure=measure)


def test_a_published_measure_may_only_be_ended_or_reworded(
    registry_admin, memorandum, market_agency, other_agency
):
    measure = make_measure(registry_admin, memorandum, [market_agency])
    measure.name = "something else"
    with pytest.raises(ValidationError):
        catalogue.measure_save(actor=registry_admin, measure=measure)
    measure = Measure.objects.get(pk=measure.pk)
    with pytest.raises(ValidationError):
        catalogue.measure_save(
            actor=registry_admin, measure=measure, applying_agencies=[market_agency, other_agency]
        )
    measure.effective_to = TODAY() - dt.timedelta(days=1)
    with pytest.raises(ValidationError):
        catalogue.measure_save(actor=registry_admin, measure=measure)  # not in the past
    measure.effective_to = TODAY() + dt.timedelta(days=10)
    measure.description = "Bids are not accepted."
    catalogue.measure_save(actor=registry_admin, measure=measure)
    assert Measure.objects.get(pk=measure.pk).effective_to == TODAY() + dt.timedelta(days=10)


def test_a_measure_cannot_end_before_it_takes_effect(registry_admin, memorandum, market_agency):
    with pytest.raises(ValidationError):
        make_measure(
            registry_admin,
            memorandum,
            [market_agency],
            publish=False,
            effective_to=TODAY() - dt.timedelta(days=200),
        )


# -- which measures apply --------------------------------------------------------------------------------
def test_measures_for_returns_only_published_in_force_measures_the_agency_applies(
    registry_admin, memorandum, market_agency, other_agency, enterprise, listed
):
    applied = make_measure(registry_admin, memorandum, [market_agency], name="applied")
    make_measure(registry_admin, memorandum, [market_agency], name="unpublished", publish=False)
    make_measure(
        registry_admin,
        memorandum,
        [market_agency],
        name="not yet in force",
        effective_from=TODAY() + dt.timedelta(days=1),
    )
    ended = make_measure(registry_admin, memorandum, [market_agency], name="ended")
    Measure.objects.filter(pk=ended.pk).update(effective_to=TODAY() - dt.timedelta(days=1))
    make_measure(registry_admin, memorandum, [other_agency], name="other agency's")
    make_measure(registry_admin, memorandum, [market_agency], name="another list", kind="watch")

    found = catalogue.measures_for(enterprise=enterprise, agency=market_agency)
    assert [(a.measure.name, a.listing) for a in found] == [("applied", listed)]
    assert {a.measure.name for a in catalogue.measures_for(enterprise=enterprise)} == {
        "applied",
        "other agency's",
    }
    assert catalogue.measures_for(enterprise=EnterpriseFactory(), agency=market_agency) == []
    assert applied.published_at is not None


def test_a_measure_does_not_apply_on_days_before_it_was_published(
    registry_admin, memorandum, market_agency, enterprise, listed
):
    make_measure(registry_admin, memorandum, [market_agency], effective_from=TODAY() - dt.timedelta(days=100))
    assert catalogue.measures_for(enterprise=enterprise, agency=market_agency, on=TODAY())
    assert (
        catalogue.measures_for(enterprise=enterprise, agency=market_agency, on=TODAY() - dt.timedelta(days=1))
        == []
    )


def test_measures_follow_the_listing_past_and_present(
    registry_admin, memorandum, market_agency, enterprise, listed, reviewer
):
    make_measure(registry_admin, memorandum, [market_agency])
    Measure.objects.update(published_at=timezone.now() - dt.timedelta(days=60))
    before_listing = TODAY() - dt.timedelta(days=31)
    assert catalogue.measures_for(enterprise=enterprise, agency=market_agency, on=before_listing) == []
    listing_remove(actor=reviewer, listing=listed, reason="revoked", note="Annulled.")
    assert catalogue.measures_for(enterprise=enterprise, agency=market_agency) == []
    # A revoked listing never justified a measure, not even for the days it was shown.
    assert (
        catalogue.measures_for(enterprise=enterprise, agency=market_agency, on=TODAY() - dt.timedelta(days=5))
        == []
    )


# -- the API ------------------------------------------------------------------------------------------------
def url(enterprise, **query):
    from urllib.parse import urlencode

    return f"/api/v1/enterprises/{enterprise.uscc}/measures" + (f"?{urlencode(query)}" if query else "")


def test_route_resolves_to_the_measures_view_not_the_router(enterprise):
    assert resolve(url(enterprise)).func.view_class is EnterpriseMeasuresView


def test_api_lists_the_measures_with_their_trigger(
    api, registry_admin, memorandum, market_agency, enterprise, listed
):
    measure = make_measure(registry_admin, memorandum, [market_agency])
    make_measure(registry_admin, memorandum, [market_agency], name="unpublished", publish=False)
    response = api.get(url(enterprise, agency=market_agency.uscc, date=TODAY().isoformat()))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["enterprise"] == enterprise.uscc and body["agency"] == market_agency.uscc
    assert [m["id"] for m in body["measures"]] == [measure.pk]
    trigger = body["measures"][0]["trigger"]
    assert trigger == {
        **trigger,
        "type": "listing",
        "listing_id": listed.pk,
        "list": "dishonest",
        "document_number": listed.document_number,
        "agency_uscc": market_agency.uscc,
    }
    assert body["measures"][0]["applying_agencies"] == [market_agency.uscc]


def test_api_never_returns_a_measure_the_agency_does_not_apply(
    api, registry_admin, memorandum, market_agency, other_agency, enterprise, listed
):
    make_measure(registry_admin, memorandum, [market_agency])
    response = api.get(url(enterprise, agency=other_agency.uscc))
    assert response.status_code == 200 and response.json()["measures"] == []


@pytest.mark.parametrize(
    "query,field",
    [
        ({"date": "2026-13-01"}, "date"),
        ({"date": "yesterday"}, "date"),
        ({"date": "20260101"}, "date"),
        ({"agency": "not-a-code"}, "agency"),
    ],
)
def test_api_refuses_a_bad_date_or_agency_code(api, enterprise, query, field):
    response = api.get(url(enterprise, **query))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_api_404_for_unknown_enterprise_or_agency(api, enterprise):
    unknown = EnterpriseFactory.build()
    assert api.get(url(unknown)).status_code == 404
    agency = AgencyFactory.build()
    response = api.get(url(enterprise, agency=agency.uscc))
    assert response.status_code == 404 and response.json()["errors"][0]["field"] == "agency"


def test_api_is_public_and_throttled(api, enterprise, monkeypatch):
    cache.clear()
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "1000/min"})
    assert api.get(url(enterprise)).status_code == 200
    assert api.get(url(enterprise)).status_code == 200
    response = api.get(url(enterprise))
    assert response.status_code == 429 and "Retry-After" in response.headers
    cache.clear()


def test_schema_documents_every_status_code(api):
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    operation = response.json()["paths"]["/api/v1/enterprises/{uscc}/measures"]["get"]
    # 401: a token that is sent must be valid; 503: the database is down (registry/api/schema.py).
    assert set(operation["responses"]) == {"200", "400", "401", "404", "429", "503"}
    assert {p["name"] for p in operation["parameters"]} >= {"uscc", "agency", "date"}


# -- the admin saves through the services ----------------------------------------------------------------
@pytest.fixture
def admin_client(client, db):
    from tests.factories import UserFactory

    user = UserFactory(username="superadmin", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_admin_adds_and_publishes_a_measure_through_the_services(admin_client, memorandum, market_agency):
    response = admin_client.post(
        "/admin/sanctions/measure/add/",
        {
            "memorandum": memorandum.pk,
            "list_kind": "dishonest",
            "nature": "punishment",
            "name": "限制申报财政补助",
            "description": "",
            "legal_basis": "备忘录第三条",
            "effective_from": TODAY().isoformat(),
            "effective_to": "",
            "applying_agencies": [market_agency.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    measure = Measure.objects.get(name="限制申报财政补助")
    assert list(measure.applying_agencies.all()) == [market_agency] and measure.published_at is None
    assert AuditEntry.objects.filter(action="measure.save", target_id=str(measure.pk)).exists()
    admin_client.post("/admin/sanctions/measure/", {"action": "publish", "_selected_action": [measure.pk]})
    assert Measure.objects.get(pk=measure.pk).published_at is not None
