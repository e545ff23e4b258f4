"""The credit page: what a citizen sees about an enterprise, and what never reaches them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from lookup.masking import mask_person_name
from sanctions.models import CreditRecord
from sanctions.records import services
from tests.factories import EnterpriseFactory
from tests.sanctions.payloads import penalty_data

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def enterprise(db):
    return EnterpriseFactory(name="杭州西湖建设工程有限公司")


def page(client, enterprise, **extra) -> str:
    response = client.get(f"/enterprises/{enterprise.uscc}/", **extra)
    assert response.status_code == 200
    return response.content.decode()


def test_published_records_show_with_their_agency_dates_and_rule(client, enterprise, publish, market_agency):
    publish(enterprise, document_number="杭罚〔2026〕1号")
    publish(enterprise, "licence", document_number="JY001", certificate_number="JY001")
    content = page(client, enterprise, HTTP_COOKIE="django_language=en")
    assert "杭罚〔2026〕1号" in content and "JY001" in content
    record = CreditRecord.objects.get(document_number="杭罚〔2026〕1号")
    assert market_agency.name in content
    assert record.decision_date.isoformat() in content
    assert record.publicity_end.isoformat() in content
    assert record.publicity_rule.name in content and record.publicity_rule.legal_basis in content
    assert 'Administrative penalties <span class="count">(1)</span>' in content
    assert 'Administrative licences <span class="count">(1)</span>' in content


def test_no_record_outside_public_view_ever_reaches_the_page(
    client, enterprise, publish, clerk, reviewer, market_agency
):
    publish(enterprise, document_number="SHOWN-1")
    draft, _ = services.record_create(
        actor=clerk,
        agency=market_agency,
        kind="penalty",
        data=penalty_data(market_agency, enterprise, document_number="DRAFT-1"),
    )
    submitted, _ = services.record_create(
        actor=clerk,
        agency=market_agency,
        kind="penalty",
        submit=True,
        data=penalty_data(market_agency, enterprise, document_number="SUBMITTED-1"),
    )
    revoked = publish(enterprise, document_number="REVOKED-1")
    services.record_revoke(actor=reviewer, record=revoked, reason="复议撤销")
    old = publish(enterprise, document_number="OLD-1", content="罚款人民币一万元（原）")
    correction = services.record_correct(
        actor=clerk, record=old, data={"content": "罚款人民币一万元（更正）"}, reason="金额笔误"
    )
    services.record_publish(actor=reviewer, record=correction)
    publish(enterprise, document_number="GOV-1", usage_scope="government")
    publish(enterprise, document_number="AUTH-1", usage_scope="authorised")
    warning = publish(
        enterprise, document_number="WARN-1", penalty_categories=["warning"], fine_amount=None, content="警告"
    )
    assert warning.never_published
    ended = publish(enterprise, document_number="ENDED-1")
    CreditRecord.objects.filter(pk=ended.pk).update(publicity_end=timezone.localdate())  # ends today
    expired = publish(enterprise, document_number="EXPIRED-1")
    CreditRecord.objects.filter(pk=expired.pk).update(status="expired")

    content = page(client, enterprise)
    assert "SHOWN-1" in content
    assert "罚款人民币一万元（更正）" in content and "罚款人民币一万元（原）" not in content
    for hidden in (
        "DRAFT-1",
        "SUBMITTED-1",
        "REVOKED-1",
        "GOV-1",
        "AUTH-1",
        "WARN-1",
        "ENDED-1",
        "EXPIRED-1",
    ):
        assert hidden not in content, hidden


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三丰", "张*丰"),
        ("张三", "张*"),
        ("欧阳小明", "欧**明"),
        ("王", "*"),
        ("", ""),
        (" 李 建 国 ", "李*国"),
    ],
)
def test_natural_persons_names_keep_first_and_last_character(name, masked):
    assert mask_person_name(name) == masked


def test_personal_data_is_masked_and_id_numbers_never_shown(client, enterprise, publish):
    publish(
        enterprise,
        document_number="NP-1",
        party_category="natural_person",
        party_name="张三丰",
        legal_representative="赵大宝",
        legal_rep_id_number="330106199001011234",
    )
    content = page(client, enterprise)
    assert "张*丰" in content and "张三丰" not in content
    assert "赵*宝" in content and "赵大宝" not in content
    assert "330106199001011234" not in content


def test_standing_badge_says_good_then_attention_after_a_serious_penalty(client, enterprise, publish):
    content = page(client, enterprise, HTTP_COOKIE="django_language=en")
    assert "standing-good" in content and "In good standing" in content
    publish(enterprise, document_number="SERIOUS-1", severity="serious")
    content = page(client, enterprise, HTTP_COOKIE="django_language=en")
    assert "standing-attention" in content
    assert "1 administrative penalty in its publicity period (1 of them serious)" in content


def test_the_page_s_standing_is_the_one_every_other_reader_gets(client, enterprise, publish):
    """The page works its standing out from the records and listings it reads anyway
    (``standing_from``); badges and the API ask ``enterprise_standing``: the same answer."""
    from sanctions.lists.standing import enterprise_standing

    publish(
        enterprise,
        document_number="EXEMPT-1",
        severity="serious",
        is_exempt=True,
        exemption_reason="不可抗力",
    )
    assert enterprise_standing(enterprise=enterprise).level == "good"
    assert "standing-good" in page(client, enterprise)
    publish(enterprise, document_number="SERIOUS-2", severity="specific_serious")
    publish(enterprise, document_number="GENERAL-1", severity="general")
    standing = enterprise_standing(enterprise=enterprise)
    assert (standing.level, standing.serious_penalties) == ("attention", 1)
    content = page(client, enterprise, HTTP_COOKIE="django_language=en")
    assert "standing-attention" in content
    assert (
        "3 administrative penalties in their publicity period (1 of them serious; "
        "1 of them exempt for force majeure, with no credit consequence)"
    ) in content


def test_a_deregistered_enterprise_is_inactive(client):
    enterprise = EnterpriseFactory(status="deregistered")
    assert "standing-inactive" in page(client, enterprise)


def test_publishing_and_revoking_show_up_at_once_despite_the_cache(client, enterprise, publish, reviewer):
    assert "LIVE-1" not in page(client, enterprise)
    assert "LIVE-1" not in page(client, enterprise)  # kept from this, its second view
    assert "LIVE-1" not in page(client, enterprise)  # from the cache
    record = publish(enterprise, document_number="LIVE-1")
    assert "LIVE-1" in page(client, enterprise)
    services.record_revoke(actor=reviewer, record=record, reason="决定被撤销")
    assert "LIVE-1" not in page(client, enterprise)


def test_each_language_has_its_own_cached_sections(client, enterprise, publish):
    publish(enterprise, document_number="LANG-1")
    for _view in range(2):  # kept from its second view
        english = page(client, enterprise, HTTP_COOKIE="django_language=en")
        chinese = page(client, enterprise)
    assert "Administrative penalties" in english and "Registration information" in english
    assert '<html lang="zh-CN">' in chinese and "登记信息" in chinese
    from django.utils import translation

    from lookup import views as lookup_views

    for language in ("en", "zh-hans"):
        with translation.override(language):
            entry = cache.get(lookup_views._full_page_key(enterprise.uscc))
        assert entry is not None and entry[0] == enterprise.id, language


def test_a_record_leaves_the_page_when_its_publicity_ends_at_midnight(
    client, enterprise, publish, monkeypatch
):
    record = publish(enterprise, document_number="MIDNIGHT-1")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    CreditRecord.objects.filter(pk=record.pk).update(publicity_end=tomorrow)
    from registry.cache import enterprise_changed

    enterprise_changed(enterprise.id)
    assert "MIDNIGHT-1" in page(client, enterprise)
    later = timezone.now() + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert "MIDNIGHT-1" not in page(client, enterprise)


def test_credit_page_query_count_is_pinned_cold_and_warm(
    client, enterprise, publish, django_assert_num_queries, django_assert_max_num_queries, settings
):
    settings.PUBLIC_PROFILE_CHECK = False  # the suite's oracle renders every page twice
    for n in range(5):
        publish(enterprise, document_number=f"Q-{n}")
    publish(enterprise, "licence", document_number="QL-1", certificate_number="QL-1")
    cache.clear()
    client.get("/healthz")
    # No public profile yet (lookup.profiles): its one-row read, then the page's one query: the
    # enterprise with its records, listings, commitments, former names, division and grade (the
    # cache was emptied, so its generation is 1 again: read once).
    with django_assert_num_queries(2):
        assert "Q-4" in page(client, enterprise)
    # Its second view is kept, with its generation (1: the cache was emptied, so no re-read).
    with django_assert_num_queries(2):
        assert "Q-4" in page(client, enterprise)
    with django_assert_max_num_queries(
        0
    ):  # a visitor who is not signed in gets the whole page from the cache
        assert "Q-4" in page(client, enterprise)


def test_a_page_is_kept_from_its_second_view_of_the_day_in_its_language(client, enterprise, publish):
    from django.utils import translation

    from lookup import views as lookup_views

    publish(enterprise, document_number="KEPT-1")
    cache.clear()

    def kept(language: str):
        with translation.override(language):
            return cache.get(lookup_views._full_page_key(enterprise.uscc))

    first = page(client, enterprise)
    assert kept("zh-hans") is None  # seen once: not kept, so no cache write and no generation read
    assert page(client, enterprise, HTTP_COOKIE="django_language=en")
    assert kept("en") is None  # its first view in English
    assert page(client, enterprise) == first
    entry = kept("zh-hans")
    assert entry is not None and entry[0] == enterprise.id and entry[2].decode() == first
    assert kept("en") is None


def test_a_signed_in_visitors_views_never_count_towards_keeping_a_page(client, enterprise, reviewer):
    from django.utils import translation

    from lookup import views as lookup_views

    client.force_login(reviewer)
    for _view in range(3):
        assert client.get(f"/enterprises/{enterprise.uscc}/").status_code == 200
    with translation.override("zh-hans"):
        assert cache.get(lookup_views._full_page_key(enterprise.uscc)) is None


def test_page_has_landmarks_headings_and_the_report_link(client, enterprise):
    content = page(client, enterprise)
    assert 'role="main"' in content and '<h1 id="ent-name">' in content
    assert 'aria-label="' in content and '<nav class="tabs"' in content
    assert f'href="/enterprises/{enterprise.uscc}/report.pdf"' in content
    assert "css/portal.css" in content


def test_no_objection_badge_before_objections_exist(client, enterprise, publish):
    publish(enterprise, document_number="OBJ-1")
    content = page(client, enterprise, HTTP_COOKIE="django_language=en").lower()
    assert "under objection" not in content
