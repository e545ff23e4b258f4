"""Public pages: search by code or name, the enterprise page, language switch, health."""

import pytest

from tests.factories import EnterpriseFactory, enterprise_code

pytestmark = [pytest.mark.django_db]


def test_home_page_speaks_chinese_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in response.content.decode()


def test_a_whole_code_opens_the_enterprise(client):
    enterprise = EnterpriseFactory()
    response = client.get("/", {"q": enterprise.uscc.lower()[:9] + " " + enterprise.uscc[9:].lower()})
    assert response.status_code == 302
    assert response["Location"] == f"/enterprises/{enterprise.uscc}/"


def test_name_search_lists_matches_best_first(client):
    EnterpriseFactory(name="杭州西湖建设工程有限公司")
    EnterpriseFactory(name="西湖", status="deregistered")
    EnterpriseFactory(name="西湖龙井茶业有限公司")
    EnterpriseFactory(name="宁波港口物流有限公司")
    content = client.get("/", {"q": "西湖"}).content.decode()
    positions = [
        content.find(n)
        for n in ['title="西湖龙井茶业有限公司"', 'title="杭州西湖建设工程有限公司"', 'title="西湖"']
    ]
    assert -1 not in positions and positions == sorted(positions)
    assert "宁波港口物流有限公司" not in content


def test_a_code_with_a_wrong_check_character_is_explained(client):
    code = enterprise_code(3)
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    content = client.get("/", {"q": wrong}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "not a valid code" in content or "不是有效" in content


def test_enterprise_page_shows_registration_and_derived_parts(client):
    enterprise = EnterpriseFactory(name="杭州西湖建设工程有限公司", registered_capital="500")
    enterprise.former_names.create(name="杭州西湖建筑有限公司")
    content = client.get(f"/enterprises/{enterprise.uscc}/").content.decode()
    assert "杭州西湖建设工程有限公司" in content
    assert "浙江省杭州市西湖区" in content
    assert "杭州西湖建筑有限公司" in content


def test_lowercase_code_in_the_url_redirects_and_unknown_is_404(client):
    enterprise = EnterpriseFactory()
    assert (
        client.get(f"/enterprises/{enterprise.uscc.lower()}/")["Location"]
        == f"/enterprises/{enterprise.uscc}/"
    )
    assert client.get(f"/enterprises/{enterprise_code(555)}/").status_code == 404
    assert client.get("/enterprises/nonsense/").status_code == 404


def test_english_switch(client):
    response = client.get("/lang/en/", {"next": "/?q=西湖"})
    assert response.status_code == 302 and response["Location"] == "/?q=%E8%A5%BF%E6%B9%96"
    content = client.get("/").content.decode()
    assert '<html lang="en">' in content and "Search" in content


def test_language_switch_never_redirects_off_site(client):
    assert client.get("/lang/en/", {"next": "https://evil.example/"})["Location"] == "/"
    assert client.get("/lang/xx/").status_code == 404


def test_anonymous_credit_page_is_served_whole_from_the_cache_until_a_change(
    client, clerk, reviewer, market_agency, django_assert_max_num_queries
):
    from sanctions.records import services
    from tests.sanctions.payloads import penalty_data

    enterprise = EnterpriseFactory(name="杭州西湖建设工程有限公司")
    url = f"/enterprises/{enterprise.uscc}/"
    first = client.get(url).content
    assert client.get(url).content == first  # kept from its second view
    with django_assert_max_num_queries(0):
        assert client.get(url).content == first
    record, _ = services.record_create(
        actor=clerk,
        agency=market_agency,
        kind="penalty",
        data=penalty_data(market_agency, enterprise, document_number="杭罚〔2026〕9号"),
    )
    services.record_submit(actor=clerk, record=record)
    services.record_publish(actor=reviewer, record=record)
    assert "杭罚〔2026〕9号" in client.get(url).content.decode()


def test_enterprise_page_query_count_is_pinned(client, django_assert_max_num_queries):
    enterprise = EnterpriseFactory()
    client.get(f"/enterprises/{enterprise.uscc}/")
    with django_assert_max_num_queries(5):
        assert client.get(f"/enterprises/{enterprise.uscc}/").status_code == 200


def test_health_endpoints(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    body = client.get("/readyz").json()
    assert body["status"] == "ok" and body["checks"]["database"] == "ok"


def test_pages_stay_chinese_for_an_english_browser_until_the_switch(client):
    content = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-CN">' in content and "搜索" in content


def test_api_errors_follow_accept_language(client):
    body = client.get("/api/v1/uscc/123", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["errors"][0]["message"].startswith("A code has 18 characters")
    body = client.get("/api/v1/uscc/123").json()
    assert body["errors"][0]["message"].startswith("统一社会信用代码为 18 位")


def test_enterprise_page_shows_published_records_only(client, clerk, reviewer, market_agency):
    from sanctions.records import services
    from tests.sanctions.payloads import penalty_data

    enterprise = EnterpriseFactory(name="杭州西湖建设工程有限公司")
    shown, _ = services.record_create(
        actor=clerk,
        agency=market_agency,
        kind="penalty",
        data=penalty_data(market_agency, enterprise, document_number="杭罚〔2026〕1号"),
    )
    services.record_submit(actor=clerk, record=shown)
    services.record_publish(actor=reviewer, record=shown)
    services.record_create(
        actor=clerk,
        agency=market_agency,
        kind="penalty",
        data=penalty_data(market_agency, enterprise, document_number="杭罚〔2026〕2号"),
    )
    content = client.get(f"/enterprises/{enterprise.uscc}/").content.decode()
    assert "杭罚〔2026〕1号" in content and "虚假宣传" in content
    assert "杭罚〔2026〕2号" not in content
    assert "330106199001011234" not in content  # the legal representative's ID number is never public
