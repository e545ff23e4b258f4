"""The credit page's source filter (``?source=``): records and lists of this platform or of one
partner platform (sanctions.sync), rendered from the database and never kept."""

from __future__ import annotations

import pytest

from lookup import views as lookup_views
from sanctions.models import CreditRecord
from sanctions.records import services
from tests.factories import EnterpriseFactory
from tests.sanctions.payloads import penalty_data

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def enterprise(clerk, reviewer, market_agency):
    enterprise = EnterpriseFactory()
    for number in ("LOCAL-1", "PARTNER-1"):
        data = penalty_data(market_agency, enterprise, document_number=number)
        record, _created = services.record_create(
            actor=clerk, agency=market_agency, kind="penalty", data=data
        )
        services.record_submit(actor=clerk, record=record)
        services.record_publish(actor=reviewer, record=record)
    # As a partner's copy arrives (sanctions.sync): its source platform named.
    CreditRecord.objects.filter(document_number="PARTNER-1").update(
        source_platform="zhejiang",
        source_platform_name="浙江省信用平台",
        source_platform_name_en="Zhejiang credit platform",
    )
    return enterprise


def page(client, enterprise, query="", language="en") -> str:
    cookie = {"HTTP_COOKIE": "django_language=en"} if language == "en" else {}
    response = client.get(f"/enterprises/{enterprise.uscc}/{query}", **cookie)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_offers_its_sources_and_shows_one_at_a_time(client, enterprise):
    everything = page(client, enterprise)
    assert "LOCAL-1" in everything and "PARTNER-1" in everything
    assert 'aria-current="page">All sources</strong>' in everything
    assert f'/enterprises/{enterprise.uscc}/?source=local#records-title">This platform</a>' in everything
    assert "?source=zhejiang#records-title" in everything and "Zhejiang credit platform</a>" in everything

    partner = page(client, enterprise, "?source=zhejiang")
    assert "PARTNER-1" in partner and "LOCAL-1" not in partner
    assert 'aria-current="page">Zhejiang credit platform</strong>' in partner
    assert 'Administrative penalties <span class="count">(1)</span>' in partner
    assert "the credit standing above counts all of them" in partner

    local = page(client, enterprise, "?source=local")
    assert "LOCAL-1" in local and "PARTNER-1" not in local

    chinese = page(client, enterprise, "?source=zhejiang", language="zh-hans")
    assert "浙江省信用平台</strong>" in chinese and "PARTNER-1" in chinese


def test_a_source_with_no_record_shows_none_and_a_filtered_page_is_never_kept(client, enterprise):
    nowhere = page(client, enterprise, "?source=%3Cscript%3Enowhere")
    assert "LOCAL-1" not in nowhere and "PARTNER-1" not in nowhere and "<script>nowhere" not in nowhere
    for _view in range(3):
        assert "LOCAL-1" not in page(client, enterprise, "?source=zhejiang")
    assert not lookup_views._LOCAL_PAGES
    assert "LOCAL-1" in page(client, enterprise)  # the whole page, not a filtered one kept


def test_a_page_with_only_this_platforms_records_offers_no_filter(client, clerk, reviewer, market_agency):
    enterprise = EnterpriseFactory()
    data = penalty_data(market_agency, enterprise, document_number="ONLY-1")
    record, _created = services.record_create(actor=clerk, agency=market_agency, kind="penalty", data=data)
    services.record_submit(actor=clerk, record=record)
    services.record_publish(actor=reviewer, record=record)
    assert "source-filter" not in page(client, enterprise)
