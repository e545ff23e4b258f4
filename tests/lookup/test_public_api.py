"""The public API: anyone may read what the credit page shows, through the same selectors."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from lookup.developer_keys import developer_key_issue, developer_key_revoke
from sanctions.records import services
from tests.factories import EnterpriseFactory, enterprise_code
from tests.sanctions.payloads import licence_data, penalty_data

pytestmark = [pytest.mark.django_db]

BASE = "/api/v1/public/enterprises"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def enterprise(clerk, reviewer, market_agency):
    enterprise = EnterpriseFactory(name="杭州西湖建设工程有限公司")
    for kind, data in (
        (
            "penalty",
            penalty_data(
                market_agency,
                enterprise,
                document_number="PUB-1",
                severity="serious",
                party_category="natural_person",
                party_name="张三丰",
                legal_representative="赵大宝",
            ),
        ),
        (
            "licence",
            licence_data(market_agency, enterprise, document_number="LIC-1", certificate_number="LIC-1"),
        ),
        (
            "penalty",
            penalty_data(market_agency, enterprise, document_number="GOV-1", usage_scope="government"),
        ),
    ):
        record, _ = services.record_create(actor=clerk, agency=market_agency, kind=kind, data=data)
        services.record_submit(actor=clerk, record=record)
        services.record_publish(actor=reviewer, record=record)
    services.record_create(
        actor=clerk,
        agency=market_agency,
        kind="penalty",
        data=penalty_data(market_agency, enterprise, document_number="DRAFT-1"),
    )
    return enterprise


def test_anonymous_search_by_two_characters(api, enterprise):
    EnterpriseFactory(name="宁波港口物流有限公司")
    response = api.get(f"{BASE}/", {"q": "西湖"})
    assert response.status_code == 200
    body = response.json()
    assert [e["uscc"] for e in body["results"]] == [enterprise.uscc]
    assert body["results"][0]["page_url"].endswith(f"/enterprises/{enterprise.uscc}/")
    assert body["results"][0]["url"].endswith(f"{BASE}/{enterprise.uscc}/")


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}, {"q": "x" * 101}])
def test_search_without_a_usable_query_is_400(api, params):
    response = api.get(f"{BASE}/", params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "q"


def test_page_size_is_capped_and_deep_pages_refused(api):
    for n in range(3):
        EnterpriseFactory(name=f"西湖分页测试{n}有限公司")
    body = api.get(f"{BASE}/", {"q": "西湖分页", "page_size": 1000}).json()
    assert body["count"] == 3 and len(body["results"]) == 3
    assert api.get(f"{BASE}/", {"q": "西湖分页", "page": 9999}).status_code == 404


def test_one_enterprise_and_unknown_or_malformed_codes(api, enterprise):
    body = api.get(f"{BASE}/{enterprise.uscc}/").json()
    assert body["name"] == "杭州西湖建设工程有限公司" and body["status"] == "in_operation"
    assert api.get(f"{BASE}/{enterprise_code(999)}/").status_code == 404
    response = api.get(f"{BASE}/{enterprise.uscc.lower()}/")
    assert response.status_code == 404 and response.json()["detail"]


def test_records_are_exactly_the_public_ones_and_masked(api, enterprise):
    body = api.get(f"{BASE}/{enterprise.uscc}/records/").json()
    numbers = sorted(r["document_number"] for r in body["results"])
    assert numbers == ["LIC-1", "PUB-1"]
    penalty = next(r for r in body["results"] if r["kind"] == "penalty")
    assert penalty["party_name"] == "张*丰" and penalty["legal_representative"] == "赵*宝"
    assert penalty["party_uscc"] == ""
    assert "330106199001011234" not in str(body)
    assert penalty["rule_name"] and penalty["publicity_end"] and penalty["agency_name"]
    licence = next(r for r in body["results"] if r["kind"] == "licence")
    assert licence["fine_amount"] is None and licence["certificate_number"] == "LIC-1"


def test_records_filter_by_kind_and_refuse_an_unknown_kind(api, enterprise):
    body = api.get(f"{BASE}/{enterprise.uscc}/records/", {"kind": "licence"}).json()
    assert [r["document_number"] for r in body["results"]] == ["LIC-1"]
    response = api.get(f"{BASE}/{enterprise.uscc}/records/", {"kind": "secret"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "kind"


def test_records_of_an_unknown_enterprise_are_404(api):
    assert api.get(f"{BASE}/{enterprise_code(998)}/records/").status_code == 404


def test_standing_gives_the_level_and_reasons(api, enterprise):
    body = api.get(f"{BASE}/{enterprise.uscc}/standing/").json()
    assert body["level"] == "attention" and body["uscc"] == enterprise.uscc
    assert body["reasons"] == ["1 administrative penalty in its publicity period (1 of them serious)"]
    assert body["summary"] == "Attention: " + body["reasons"][0]
    counts = (body["penalties"], body["serious_penalties"], body["exempt_penalties"], body["lists"])
    assert counts == (1, 1, 0, [])


def test_api_and_page_agree_on_a_revocation_at_once(api, client, enterprise, reviewer):
    from sanctions.models import CreditRecord

    assert "PUB-1" in client.get(f"/enterprises/{enterprise.uscc}/").content.decode()
    services.record_revoke(
        actor=reviewer, record=CreditRecord.objects.get(document_number="PUB-1"), reason="撤销"
    )
    assert "PUB-1" not in client.get(f"/enterprises/{enterprise.uscc}/").content.decode()
    numbers = [r["document_number"] for r in api.get(f"{BASE}/{enterprise.uscc}/records/").json()["results"]]
    assert numbers == ["LIC-1"]
    assert api.get(f"{BASE}/{enterprise.uscc}/standing/").json()["level"] == "good"


def test_writes_are_not_allowed(api, enterprise):
    assert api.post(f"{BASE}/", {"name": "x"}).status_code == 405
    assert api.delete(f"{BASE}/{enterprise.uscc}/").status_code == 405


def test_a_developer_key_is_accepted_and_a_revoked_or_unknown_key_refused(api, enterprise, registry_admin):
    row, key = developer_key_issue(actor=registry_admin, name="信用地图", contact_email="dev@example.com")
    assert api.get(f"{BASE}/{enterprise.uscc}/", HTTP_X_API_KEY=key).status_code == 200
    developer_key_revoke(actor=registry_admin, key=row)
    refused = api.get(f"{BASE}/{enterprise.uscc}/", HTTP_X_API_KEY=key)
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"] == "X-Api-Key"
    assert api.get(f"{BASE}/{enterprise.uscc}/", HTTP_X_API_KEY="dk_nothing_here").status_code == 401


def test_only_registry_admins_issue_and_revoke_keys_and_both_are_audited(registry_admin, clerk):
    from django.core.exceptions import PermissionDenied, ValidationError

    from registry.models import AuditEntry

    with pytest.raises(PermissionDenied):
        developer_key_issue(actor=clerk, name="x", contact_email="dev@example.com")
    with pytest.raises(ValidationError):
        developer_key_issue(
            actor=registry_admin, name="", contact_email="not-an-email", requests_per_minute=0
        )
    row, key = developer_key_issue(
        actor=registry_admin, name="信用地图", contact_email="dev@example.com", requests_per_minute=1200
    )
    assert key.startswith(f"dk_{row.prefix}_") and row.key_hash != key and key not in str(row.__dict__)
    with pytest.raises(PermissionDenied):
        developer_key_revoke(actor=clerk, key=row)
    developer_key_revoke(actor=registry_admin, key=row)
    actions = list(
        AuditEntry.objects.filter(target_type__endswith="developerkey")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["developer_key.issue", "developer_key.revoke"]


def test_issue_developer_key_command_prints_the_key_once(registry_admin):
    from io import StringIO

    from django.core.management import call_command

    from lookup.models import DeveloperKey

    out = StringIO()
    call_command(
        "issue_developer_key",
        "信用地图",
        "dev@example.com",
        "--per-minute",
        "900",
        "--actor",
        registry_admin.username,
        stdout=out,
    )
    key = next(line for line in out.getvalue().splitlines() if line.startswith("dk_"))
    row = DeveloperKey.objects.get()
    assert row.requests_per_minute == 900 and key.startswith(f"dk_{row.prefix}_")


def test_schema_documents_every_status_of_the_public_api(api):
    import yaml

    schema = yaml.safe_load(api.get("/api/schema/").content)
    paths = {p: v for p, v in schema["paths"].items() if p.startswith("/api/v1/public/")}
    assert set(paths) == {
        f"{BASE}/",
        f"{BASE}/{{uscc}}/",
        f"{BASE}/{{uscc}}/records/",
        f"{BASE}/{{uscc}}/listings/",
        f"{BASE}/{{uscc}}/standing/",
        f"{BASE}/{{uscc}}/inspections/",
        f"{BASE}/{{uscc}}/annual-reports/",
        f"{BASE}/{{uscc}}/registration/",
        f"{BASE}/{{uscc}}/changes/",
    }
    for path, operations in paths.items():
        statuses = set(operations["get"]["responses"])
        assert {"200", "401", "404", "429"} <= statuses, path
        assert "Retry-After" in operations["get"]["responses"]["429"]["headers"]
    assert "400" in paths[f"{BASE}/"]["get"]["responses"]
    assert "400" in paths[f"{BASE}/{{uscc}}/records/"]["get"]["responses"]
    assert schema["components"]["securitySchemes"]["DeveloperKey"]["name"] == "X-Api-Key"


def test_list_memberships_in_force_are_public(api, clerk, reviewer, market_agency):
    import datetime as dt

    from sanctions.lists import services as lists
    from sanctions.models import ListKind
    from tests.factories import EnterpriseFactory

    enterprise = EnterpriseFactory()
    listing = lists.listing_create(
        actor=clerk,
        agency=market_agency,
        enterprise=enterprise,
        list_kind=ListKind.objects.get(code="watch"),
        data={
            "grounds": "两次虚假宣传",
            "legal_basis": "测试依据",
            "document_number": "列-9",
            "start_date": dt.date.today() - dt.timedelta(days=1),
        },
        submit=True,
    )
    url = f"/api/v1/public/enterprises/{enterprise.uscc}/listings/"
    assert api.get(url).json() == []  # not yet published
    lists.listing_publish(actor=reviewer, listing=listing)
    body = api.get(url).json()
    assert [(b["list_kind"], b["nature"], b["document_number"]) for b in body] == [
        ("watch", "attention", "列-9")
    ]
    assert api.get("/api/v1/public/enterprises/91110000600037341L/listings/").status_code == 404


def test_search_counts_exactly_up_to_200_and_says_201_past_it(api):
    from registry.models import Enterprise
    from registry.search import search_fields

    Enterprise.objects.bulk_create(
        Enterprise(
            uscc=enterprise_code(8000 + n),
            name=f"西湖分页{n}有限公司",
            **search_fields(f"西湖分页{n}有限公司"),
        )
        for n in range(205)
    )
    first = api.get(f"{BASE}/", {"q": "西湖分页"}).json()
    assert first["count"] == 201 and len(first["results"]) == 20 and "page=2" in first["next"]
    second = api.get(f"{BASE}/", {"q": "西湖分页", "page": 2}).json()
    assert not {e["uscc"] for e in first["results"]} & {e["uscc"] for e in second["results"]}
    assert second["results"][0]["url"].endswith(f"{BASE}/{second['results'][0]['uscc']}/")
    last = api.get(f"{BASE}/", {"q": "西湖分页", "page": 11}).json()
    assert len(last["results"]) == 1 and last["next"] is None
    assert api.get(f"{BASE}/", {"q": "西湖分页", "page": 12}).status_code == 404
    assert api.get(f"{BASE}/", {"q": "西湖分页3"}).json()["count"] == 11  # 3, 30…39


def test_search_by_a_code_prefix_and_a_too_short_query(api, enterprise):
    body = api.get(f"{BASE}/", {"q": enterprise.uscc[:10].lower()}).json()
    assert [e["uscc"] for e in body["results"]] == [enterprise.uscc] and body["count"] == 1
    assert api.get(f"{BASE}/", {"q": "杭"}).json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


def test_a_page_of_results_addresses_each_host_and_scheme_its_own_way(rf, settings):
    """The addresses of a page's rows are reversed once per process for each scheme, host and script
    prefix the requests come to (``_address``), never handed from one host to another."""
    from lookup.api.serializers import PublicEnterpriseSummarySerializer
    from registry.selectors import enterprise_search_page

    settings.ALLOWED_HOSTS = ["registry.example", "mirror.example"]
    enterprise = EnterpriseFactory(name="杭州西湖建设工程有限公司", division_code="330106")
    hits = enterprise_search_page(query="西湖").hits
    seen = []
    for host, secure in (("registry.example", False), ("mirror.example", True), ("registry.example", False)):
        request = rf.get("/api/v1/public/enterprises/", {"q": "西湖"}, HTTP_HOST=host, secure=secure)
        (row,) = PublicEnterpriseSummarySerializer(hits, many=True, context={"request": request}).data
        seen.append((row["url"], row["page_url"], row["division"]["code"]))
    scheme_host = ["http://registry.example", "https://mirror.example", "http://registry.example"]
    for (url, page_url, division), start in zip(seen, scheme_host, strict=True):
        assert url == f"{start}/api/v1/public/enterprises/{enterprise.uscc}/"
        assert page_url == f"{start}/enterprises/{enterprise.uscc}/"
        assert division == "330106"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_page_of_results_is_what_the_field_serializer_writes(api, rf, language):
    """The results are written row by row (``PublicEnterpriseSummaryListSerializer``); each row is the
    dictionary the serializer's fields write, for search hits and for enterprises alike."""
    from django.utils import translation

    from lookup.api.serializers import PublicEnterpriseSummarySerializer
    from registry.models import Enterprise
    from registry.selectors import enterprise_search_page

    EnterpriseFactory(name="杭州西湖建设工程有限公司", status="deregistered", division_code="330106")
    EnterpriseFactory(name="宁波西湖<b>贸易</b>有限公司", entity_type="branch", division_code="999999")
    request = rf.get("/api/v1/public/enterprises/", {"q": "西湖"}, HTTP_HOST="testserver")
    with translation.override(language):
        hits = enterprise_search_page(query="西湖").hits
        for rows in (hits, list(Enterprise.objects.order_by("id"))):
            written = PublicEnterpriseSummarySerializer(rows, many=True, context={"request": request}).data
            one_by_one = [
                super(
                    PublicEnterpriseSummarySerializer,
                    PublicEnterpriseSummarySerializer(context={"request": request}),
                ).to_representation(row)
                for row in rows
            ]
            assert len(written) == 2
            assert [dict(row) for row in written] == [dict(row) for row in one_by_one]
            assert written[0]["url"].startswith("http://testserver/api/v1/public/enterprises/")
    response = api.get(BASE + "/", {"q": "西湖"})
    assert response.status_code == 200 and response.json()["count"] == 2
