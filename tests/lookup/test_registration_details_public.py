"""Registration details on every public output (docs/registration-details.md): the credit page, the
public API and the PDF report show shareholders, key personnel, branches (both ways) and the change
history; a natural-person shareholder is named only in part everywhere, key personnel in full."""

from __future__ import annotations

import html
import io
import json

import pytest
from django.core.cache import cache
from pypdf import PdfReader

from registry import services
from tests.factories import EnterpriseFactory, enterprise_code

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def company(registry_admin):
    company = EnterpriseFactory(name="杭州西湖明亮科技有限公司", legal_representative="王小明")
    branch = EnterpriseFactory(name="杭州西湖明亮科技有限公司滨江分公司")
    services.shareholder_add(
        actor=registry_admin,
        enterprise=company,
        data={
            "name": "张三丰",
            "kind": "natural_person",
            "subscribed_amount": "300",
            "paid_in_amount": "120",
        },
    )
    services.shareholder_add(
        actor=registry_admin,
        enterprise=company,
        data={
            "name": "杭州投资控股有限公司",
            "kind": "enterprise",
            "uscc": enterprise_code(88),
            "subscribed_amount": "700",
        },
    )
    services.personnel_set(
        actor=registry_admin,
        enterprise=company,
        people=[{"name": "王小明", "role": "chair"}, {"name": "李秋水", "role": "supervisor"}],
    )
    services.branch_link(
        actor=registry_admin, parent=company, data={"uscc": branch.uscc, "name": branch.name}
    )
    services.enterprise_update(
        actor=registry_admin, enterprise=company, data={"domicile": "杭州市西湖区文三路1号"}
    )
    company.branch = branch
    return company


def page_text(client, uscc: str) -> str:
    response = client.get(f"/enterprises/{uscc}/", HTTP_COOKIE="django_language=en")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_the_credit_page_shows_shareholders_masked_personnel_in_full_and_the_history(client, company):
    page = page_text(client, company.uscc)

    assert "张*丰" in page and "张三丰" not in page
    assert "杭州投资控股有限公司" in page and enterprise_code(88) in page
    assert "李秋水" in page and "Supervisor" in page
    assert "Change history" in page and "杭州市西湖区文三路1号" in page
    assert f'href="/enterprises/{company.branch.uscc}/"' in page


def test_the_branch_page_shows_its_parent(client, company):
    page = page_text(client, company.branch.uscc)

    assert "Branch of" in page
    assert f'href="/enterprises/{company.uscc}/"' in page and company.name in page


def test_the_public_api_gives_the_details_and_the_history_masked(api, company):
    base = f"/api/v1/public/enterprises/{company.uscc}"
    details = api.get(f"{base}/registration/", HTTP_ACCEPT_LANGUAGE="en").json()
    changes = api.get(f"{base}/changes/", HTTP_ACCEPT_LANGUAGE="en").json()

    assert [h["name"] for h in details["shareholders"]] == ["张*丰", "杭州投资控股有限公司"]
    assert details["shareholders"][0]["uscc"] == "" and details["shareholders"][0]["paid_in_amount"] == "120"
    assert [(p["name"], p["role"]) for p in details["personnel"]] == [
        ("王小明", "chair"),
        ("李秋水", "supervisor"),
    ]
    assert details["branches"] == [
        {"uscc": company.branch.uscc, "name": company.branch.name, "registered_here": True}
    ]
    branch = api.get(f"/api/v1/public/enterprises/{company.branch.uscc}/registration/").json()
    assert branch["parents"] == [{"uscc": company.uscc, "name": company.name}]

    text = json.dumps(changes, ensure_ascii=False)
    assert "张三丰" not in text and "张*丰" in text
    assert {c["item"] for c in changes["results"]} == {"shareholder", "personnel", "branch", "domicile"}


def test_the_api_answers_404_in_json_for_an_unknown_code(api):
    response = api.get(f"/api/v1/public/enterprises/{enterprise_code(999)}/registration/")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")


def test_the_pdf_report_shows_the_details_masked(client, company):
    pdf = client.get(f"/enterprises/{company.uscc}/report.pdf", HTTP_COOKIE="django_language=en").content
    text = "".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())

    assert "张*丰" in text and "张三丰" not in text
    assert "李秋水" in text and "Changehistory" in text


def test_a_change_shows_on_a_page_seen_before(client, registry_admin, company):
    assert "赵敏" not in page_text(client, company.uscc)
    services.personnel_set(
        actor=registry_admin,
        enterprise=company,
        people=[{"name": "王小明", "role": "chair"}, {"name": "赵敏", "role": "manager"}],
    )
    page = page_text(client, company.uscc)
    assert "赵敏" in page and "Manager" in page
