"""The registry API: anonymous reads, admin-only writes, filters, invalid input, the code explainer."""

import pytest
from django.utils import translation

from registry.models import AuditEntry, Enterprise
from tests.factories import EnterpriseFactory, enterprise_code

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_anonymous_can_list_and_filter_enterprises(api):
    EnterpriseFactory(name="杭州西湖建设工程有限公司", industry="E")
    EnterpriseFactory(name="宁波港口物流有限公司", industry="G", status="deregistered")
    response = api.get("/api/v1/enterprises/", {"q": "西湖"})
    assert response.status_code == 200
    assert [r["name"] for r in response.json()["results"]] == ["杭州西湖建设工程有限公司"]
    response = api.get("/api/v1/enterprises/", {"status": "deregistered"})
    assert [r["name"] for r in response.json()["results"]] == ["宁波港口物流有限公司"]
    response = api.get("/api/v1/enterprises/", {"division": "33"})
    assert response.json()["count"] == 2
    response = api.get("/api/v1/enterprises/", {"status": "nonsense"})
    assert response.status_code == 400


def test_search_by_former_name_and_by_code_prefix(api, registry_admin):
    enterprise = EnterpriseFactory(name="新名字有限公司")
    enterprise.former_names.create(name="老字号杭州有限公司")
    assert api.get("/api/v1/enterprises/", {"q": "老字号"}).json()["count"] == 1
    assert api.get("/api/v1/enterprises/", {"q": enterprise.uscc[:10].lower()}).json()["count"] == 1


def test_retrieve_by_code_with_derived_names(api):
    enterprise = EnterpriseFactory()
    body = api.get(f"/api/v1/enterprises/{enterprise.uscc}/").json()
    assert body["uscc"] == enterprise.uscc
    assert body["category"] == {"code": "1", "name": "Enterprise"}
    assert body["division"]["name"] == "浙江省杭州市西湖区"
    assert api.get(f"/api/v1/enterprises/{enterprise_code(999)}/").status_code == 404


def test_anonymous_cannot_write(api):
    response = api.post("/api/v1/enterprises/", {"uscc": enterprise_code(1), "name": "X"}, format="json")
    assert response.status_code in (401, 403)
    assert not Enterprise.objects.exists()


def test_clerk_cannot_write(api, clerk):
    api.force_authenticate(clerk)
    response = api.post("/api/v1/enterprises/", {"uscc": enterprise_code(1), "name": "X"}, format="json")
    assert response.status_code == 403
    assert "registry administrator" in response.json()["detail"]


def test_admin_creates_through_the_service(admin_api):
    response = admin_api.post(
        "/api/v1/enterprises/",
        {
            "uscc": enterprise_code(1),
            "name": "杭州测试有限公司",
            "registered_capital": "120.5",
            "former_names": [{"name": "杭州旧名有限公司", "used_from": None, "used_until": "2020-01-01"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["former_names"][0]["name"] == "杭州旧名有限公司"
    assert AuditEntry.objects.filter(action="enterprise.register").count() == 1


def test_invalid_input_names_the_field(admin_api):
    code = enterprise_code(1)
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    response = admin_api.post("/api/v1/enterprises/", {"uscc": wrong, "name": "X"}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors[0]["field"] == "uscc" and f"“{code[17]}”" in errors[0]["message"]
    response = admin_api.post("/api/v1/enterprises/", {"uscc": "123", "name": ""}, format="json")
    assert {e["field"] for e in response.json()["errors"]} == {"uscc", "name"}


def test_admin_updates_and_clerk_cannot(api, admin_api, clerk):
    enterprise = EnterpriseFactory()
    response = admin_api.patch(
        f"/api/v1/enterprises/{enterprise.uscc}/", {"status": "revoked"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    api.force_authenticate(clerk)
    assert (
        api.patch(
            f"/api/v1/enterprises/{enterprise.uscc}/", {"status": "deregistered"}, format="json"
        ).status_code
        == 403
    )


def test_deep_pagination_is_capped(api):
    assert api.get("/api/v1/enterprises/", {"page": 100000}).status_code == 404


def test_explain_a_valid_code(api):
    body = api.get("/api/v1/uscc/91 110000-600037341l").json()
    assert body["valid"] is True and body["normalized"] == "91110000600037341L"
    assert body["authority"]["name"] == "Market regulation (industry and commerce)"
    assert body["division"]["name"] == "北京市"
    assert body["registered"] is False


def test_explain_a_wrong_code_and_an_abolished_division(api):
    body = api.get("/api/v1/uscc/91110103600037341X").json()
    assert body["valid"] is False
    assert body["division"] == {"code": "110103", "name": "北京市崇文区", "abolished_after": 2010}
    assert [e["code"] for e in body["errors"]] == ["check"]
    assert api.get("/api/v1/uscc/" + "9" * 80).status_code == 400


def test_agencies_are_public(api, market_agency):
    body = api.get("/api/v1/agencies/").json()
    assert body["results"][0]["uscc"] == market_agency.uscc
    assert api.get(f"/api/v1/agencies/{market_agency.uscc}/").json()["division"]["code"] == "330000"


def test_schema_carries_the_uscc_pattern(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    create = schema["components"]["schemas"]["EnterpriseCreateInputRequest"]["properties"]["uscc"]
    assert create["pattern"] == "^[0-9A-HJ-NPQRTUWXY]{2}\\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"
    assert "deregistered" in schema["components"]["schemas"]["EnterpriseStatusEnum"]["enum"]
