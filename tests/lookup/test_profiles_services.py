"""Every service that changes what a credit page shows empties the enterprise's public profile in its
own transaction (``registry.cache.enterprise_changed``), the page shows the change at once, and the
profile rendered again is the page. One test per service, each of the same shape:

1. the profile is built and current (and does not show the change yet);
2. the service is called as the app calls it, by a permitted actor;
3. the profile is no longer current, and the page (rendered from the database) shows the change;
4. built again, the profile is current and equal to the page, and a view is served from it.

The enterprise's precomputed standing (``sanctions.lists.standing_facts``, what a search result's
standing is read from) goes the same way: built with the profile, not current after the change, and
built again equal to what the records and listings give.

The suite's oracle (``PUBLIC_PROFILE_CHECK``) is off while the page is rendered from the database, so
that the view does not build the profile itself (step 4 does), and on again for the last view.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone, translation

from lookup import profiles
from lookup import views as lookup_views
from registry import services as registry_services
from registry.annual_reports.services import annual_report_file
from registry.models import Branch
from sanctions.choices import InspectionOutcome
from sanctions.inspections import services as inspections
from sanctions.lists import ratings, standing_facts
from sanctions.lists import services as lists
from sanctions.lists.selectors import active_listings_for
from sanctions.models import CreditRecord, Listing, ListKind
from sanctions.records import services as records
from sanctions.remedies import commitments, objections, repair
from sanctions.sync import services as sync
from tests.annual_reports_support import enterprise_with_account, report_data
from tests.factories import EnterpriseFactory, enterprise_code
from tests.sanctions.inspections.helpers import SEED, graded, plan_data, roster
from tests.sanctions.lists.helpers import draft_listing, listing_data, publish_listing
from tests.sanctions.remedies.helpers import days_ago, enterprise_account, good_materials
from tests.sync.feeds import FIRM, FakeFeed, enterprise_event, record_event

pytestmark = [pytest.mark.django_db]
TODAY = timezone.localdate
LISTING_GROUNDS = listing_data()["grounds"]
OBJECTION_BADGE = 'class="badge objection"'


# --- The shape every test follows ------------------------------------------------------------------------


def view(client, enterprise, language: str = "en") -> str:
    """The page as an anonymous first visitor sees it (no page kept anywhere)."""
    cache.clear()
    lookup_views._LOCAL_PAGES.clear()
    cookie = {"HTTP_COOKIE": f"django_language={language}"} if language == "en" else {}
    response = client.get(f"/enterprises/{enterprise.uscc}/", **cookie)
    assert response.status_code == 200
    return response.content.decode()


def profile_in(enterprise, language: str):
    with translation.override(language):
        return profiles.profile_body(enterprise.uscc)


def precomputed_standing(enterprise):
    return standing_facts.precomputed_facts([enterprise.id], today=TODAY(), using="default").get(
        enterprise.id
    )


def built(enterprise, *, shows=(), hides=(), language: str = "en") -> None:
    """Step 1: the profile is built and current; it does not show the change yet."""
    assert profiles.profiles_build([enterprise.id]).stored == 1
    assert precomputed_standing(enterprise) is not None, "the standing was not built with the profile"
    profile = profile_in(enterprise, language)
    assert profile is not None
    for text in shows:
        assert text not in profile.body, text
    for text in hides:
        assert text in profile.body, text


def changed(client, settings, enterprise, *, shows=(), hides=(), language: str = "en") -> str:
    """Steps 3 and 4: invalidated in the change's transaction, the page shows the change, and the
    profile built again is the page."""
    for name in ("zh-hans", "en"):
        assert profile_in(enterprise, name) is None, f"the profile ({name}) is still current after the change"
    assert precomputed_standing(enterprise) is None, "the standing is still current after the change"
    settings.PUBLIC_PROFILE_CHECK = False  # the view renders from the database and builds nothing
    page = view(client, enterprise, language)
    for text in shows:
        assert text in page, text
    for text in hides:
        assert text not in page, text
    assert profile_in(enterprise, "zh-hans") is None
    assert profiles.profiles_build([enterprise.id]).stored == 1
    live = standing_facts.live_facts([enterprise.id], today=TODAY(), using="default")
    assert precomputed_standing(enterprise) == live.get(enterprise.id, standing_facts.NONE)
    bodies = profiles.render_bodies(enterprise.uscc, today=TODAY())
    for name in ("zh-hans", "en"):
        profile = profile_in(enterprise, name)
        assert profile is not None and profile.body == bodies[name]
    settings.PUBLIC_PROFILE_CHECK = True  # served from the profile, checked against the database
    assert view(client, enterprise, language) == page
    return page


@pytest.fixture
def enterprise(db):
    return EnterpriseFactory(name="杭州西湖档案测试有限公司")


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# --- Records -----------------------------------------------------------------------------------------------


def test_record_correct_and_its_publication(client, settings, publish, clerk, reviewer, enterprise):
    record = publish(enterprise, document_number="CORRECT-1", content="罚款人民币一万元（原）")
    built(enterprise, shows=["罚款人民币一万元（更正）"], hides=["罚款人民币一万元（原）"])
    correction = records.record_correct(
        actor=clerk, record=record, data={"content": "罚款人民币一万元（更正）"}, reason="金额笔误"
    )
    # A correction waiting for review changes nothing public: the profile stays, and is still the page.
    profile = profile_in(enterprise, "zh-hans")
    assert profile is not None
    assert profile.body == profiles.render_bodies(enterprise.uscc, today=TODAY())["zh-hans"]
    records.record_publish(actor=reviewer, record=correction)
    changed(
        client, settings, enterprise, shows=["罚款人民币一万元（更正）"], hides=["罚款人民币一万元（原）"]
    )


def test_records_expire(client, settings, publish, enterprise):
    record = publish(enterprise, document_number="EXPIRE-1")
    # Its publicity ends today: out of public view already (by date), and the job marks it expired.
    CreditRecord.objects.filter(pk=record.pk).update(publicity_end=TODAY())
    built(enterprise, shows=["EXPIRE-1"])
    assert records.records_expire() == 1
    changed(client, settings, enterprise, hides=["EXPIRE-1"])


# --- Lists -------------------------------------------------------------------------------------------------


def test_listing_entered(client, settings, clerk, reviewer, market_agency, enterprise):
    listing = draft_listing(clerk, market_agency, enterprise)
    lists.listing_submit(actor=clerk, listing=listing)
    built(enterprise, shows=[LISTING_GROUNDS])
    lists.listing_publish(actor=reviewer, listing=listing)
    changed(client, settings, enterprise, shows=[LISTING_GROUNDS])


def test_listing_ended_by_removal(client, settings, clerk, reviewer, market_agency, enterprise):
    listing = publish_listing(clerk, reviewer, market_agency, enterprise)
    built(enterprise, hides=[LISTING_GROUNDS])
    lists.listing_remove(actor=clerk, listing=listing, reason="revoked", note="Annulled by court.")
    changed(client, settings, enterprise, hides=[LISTING_GROUNDS])


def test_listing_ended_by_its_term(client, settings, clerk, reviewer, market_agency, enterprise):
    listing = publish_listing(clerk, reviewer, market_agency, enterprise)
    # Its term ends today: out of public view already (by date), and the job marks it ended.
    Listing.objects.filter(pk=listing.pk).update(end_date=TODAY())
    built(enterprise, shows=[LISTING_GROUNDS])
    assert lists.listings_expire() == 1
    changed(client, settings, enterprise, hides=[LISTING_GROUNDS])


def test_listing_entered_by_rule(client, settings, market_agency, enterprise):
    from sanctions.lists.annual_reports import LEGAL_BASIS, LIST_KIND

    built(enterprise, shows=["按规则列入测试"])
    entered = lists.listings_enter_by_rule(
        list_kind=ListKind.objects.get(code=LIST_KIND),
        entries=[
            lists.RuleListing(
                enterprise_id=enterprise.id,
                agency_id=market_agency.id,
                grounds="按规则列入测试",
                legal_basis=LEGAL_BASIS,
                document_number="RULE-1",
                start_date=TODAY(),
            )
        ],
    )
    assert [listing.status for listing in entered] == ["active"]
    changed(client, settings, enterprise, shows=["按规则列入测试"])


# --- Commitments -------------------------------------------------------------------------------------------

COMMITMENT = "承诺在30日内补交消防安全检查合格证明。"


def record_commitment(clerk, agency, enterprise):
    return commitments.commitment_record(
        actor=clerk,
        agency=agency,
        enterprise=enterprise,
        kind="notification",
        content=COMMITMENT,
        legal_basis="《国务院办公厅关于全面推行证明事项和涉企经营许可事项告知承诺制的指导意见》",
        signed_on=TODAY() - dt.timedelta(days=40),
        due_date=TODAY() - dt.timedelta(days=10),
    )


def test_commitment_recorded(client, settings, clerk, market_agency, enterprise):
    built(enterprise, shows=[COMMITMENT])
    record_commitment(clerk, market_agency, enterprise)
    changed(client, settings, enterprise, shows=[COMMITMENT, '<span class="status">Open</span>'])


@pytest.mark.parametrize("outcome", ["fulfilled", "breached"])
def test_commitment_fulfilled_or_breached(
    client, settings, clerk, reviewer, market_agency, enterprise, outcome
):
    commitment = record_commitment(clerk, market_agency, enterprise)
    status = '<span class="status">{}</span>'
    built(enterprise, shows=[status.format(outcome.capitalize())], hides=[status.format("Open")])
    if outcome == "fulfilled":
        commitments.commitment_fulfil(actor=reviewer, commitment=commitment, note="已按期补交。")
    else:
        commitments.commitment_breach(
            actor=clerk,
            commitment=commitment,
            note="逾期未补交。",
            breached_on=TODAY() - dt.timedelta(days=5),
        )
    changed(
        client,
        settings,
        enterprise,
        shows=[status.format(outcome.capitalize())],
        hides=[status.format("Open")],
    )


# --- Objections --------------------------------------------------------------------------------------------


def submit_objection(record):
    objection, _key = objections.objection_submit(
        objector_name="张三", contact="zhang@example.com", reason="处罚决定已被复议撤销。", record=record
    )
    return objection


def test_objection_submitted(client, settings, publish, enterprise):
    record = publish(enterprise, document_number="OBJECT-1", decision_date=days_ago(20))
    built(enterprise, shows=[OBJECTION_BADGE])
    submit_objection(record)
    page = changed(client, settings, enterprise, shows=[OBJECTION_BADGE, "Under objection"])
    assert "OBJECT-1" in page


@pytest.mark.parametrize("decision", ["uphold", "correct", "revoke"])
def test_objection_decided(client, settings, publish, clerk, enterprise, decision):
    record = publish(enterprise, document_number="OBJECT-2", decision_date=days_ago(20))
    objection = submit_objection(record)
    built(enterprise, hides=[OBJECTION_BADGE, "OBJECT-2"])
    if decision == "uphold":
        objections.objection_uphold(actor=clerk, objection=objection, reason="经核实，处罚决定合法有效。")
    elif decision == "correct":
        objections.objection_correct(
            actor=clerk, objection=objection, data={"fine_amount": "0.6"}, reason="更正"
        )
    else:
        objections.objection_revoke(actor=clerk, objection=objection, reason="复议撤销")
    page = changed(client, settings, enterprise, hides=[OBJECTION_BADGE])
    assert ("OBJECT-2" in page) is (decision != "revoke")


# --- Repair ------------------------------------------------------------------------------------------------


def test_repair_granted(client, settings, publish, reviewer, registry_admin, media_root, enterprise):
    record = publish(enterprise, document_number="REPAIR-1", decision_date=days_ago(125))
    account = enterprise_account(registry_admin, enterprise, "ent_account")
    application = repair.repair_apply(
        actor=account, record=record, statement="罚款已于2026年缴清，已整改。", materials=good_materials()
    )
    built(enterprise, hides=["REPAIR-1"])
    repair.repair_approve(actor=reviewer, application=application, reason="已履行处罚，消除影响。")
    changed(client, settings, enterprise, hides=["REPAIR-1"])


# --- Rating ------------------------------------------------------------------------------------------------


def test_rating_recompute(client, settings, publish, enterprise):
    publish(enterprise, document_number="RATING-1")  # the recompute it schedules runs on commit: not here
    built(enterprise, shows=['class="grade grade-'])
    ratings.rating_recompute(enterprise_id=enterprise.id)
    changed(client, settings, enterprise, shows=['class="grade grade-'])


# --- Registration: annual reports, details, former names ---------------------------------------------------


def test_annual_report_filed(client, settings, registry_admin):
    enterprise, user = enterprise_with_account(registry_admin)
    year = TODAY().year - 1
    built(enterprise, shows=[f'id="annual-report-{year}"'])
    annual_report_file(enterprise=enterprise, year=year, data=report_data(), actor=user)
    changed(client, settings, enterprise, shows=[f'id="annual-report-{year}"', "西湖茶叶旗舰店"])


# The shareholder in the table of shareholders (the change history names it too).
HOLDER_ROW = f'<td>杭州投资控股有限公司 <span class="code">{enterprise_code(88)}</span>'


@pytest.mark.parametrize(
    "change", ["shareholder_add", "shareholder_update", "shareholder_remove", "personnel_set"]
)
def test_registration_detail_changed(client, settings, registry_admin, enterprise, change):
    holder = registry_services.shareholder_add(
        actor=registry_admin,
        enterprise=enterprise,
        data={
            "name": "杭州投资控股有限公司",
            "kind": "enterprise",
            "uscc": enterprise_code(88),
            "subscribed_amount": "700",
        },
    )
    if change == "shareholder_add":
        built(enterprise, shows=["杭州实业集团有限公司"])
        registry_services.shareholder_add(
            actor=registry_admin,
            enterprise=enterprise,
            data={
                "name": "杭州实业集团有限公司",
                "kind": "enterprise",
                "uscc": enterprise_code(89),
                "subscribed_amount": "300",
            },
        )
        changed(client, settings, enterprise, shows=["杭州实业集团有限公司"])
    elif change == "shareholder_update":
        built(enterprise, shows=["<td>812.5"])
        registry_services.shareholder_update(
            actor=registry_admin, shareholder=holder, data={"subscribed_amount": "812.5"}
        )
        changed(client, settings, enterprise, shows=["<td>812.5"])
    elif change == "shareholder_remove":
        built(enterprise, hides=[HOLDER_ROW])
        registry_services.shareholder_remove(actor=registry_admin, shareholder=holder)
        changed(client, settings, enterprise, hides=[HOLDER_ROW])
    else:
        built(enterprise, shows=["赵敏"])
        registry_services.personnel_set(
            actor=registry_admin, enterprise=enterprise, people=[{"name": "赵敏", "role": "manager"}]
        )
        changed(client, settings, enterprise, shows=["赵敏", "Manager"])


@pytest.mark.parametrize("change", ["branch_link", "branch_unlink"])
def test_branch_linked_or_unlinked_changes_both_pages(client, settings, registry_admin, enterprise, change):
    branch = EnterpriseFactory(name="杭州西湖档案测试有限公司滨江分公司")
    if change == "branch_unlink":
        registry_services.branch_link(
            actor=registry_admin, parent=enterprise, data={"uscc": branch.uscc, "name": branch.name}
        )
    link = f'href="/enterprises/{branch.uscc}/"'
    parent_link = f'href="/enterprises/{enterprise.uscc}/"'
    linked = change == "branch_link"
    built(enterprise, **{"shows" if linked else "hides": [link]})
    built(branch, **{"shows" if linked else "hides": [parent_link]})
    if linked:
        registry_services.branch_link(
            actor=registry_admin, parent=enterprise, data={"uscc": branch.uscc, "name": branch.name}
        )
    else:
        registry_services.branch_unlink(actor=registry_admin, branch=Branch.objects.get(uscc=branch.uscc))
    changed(client, settings, enterprise, **{"shows" if linked else "hides": [link]})
    changed(client, settings, branch, **{"shows" if linked else "hides": [parent_link, "Branch of"]})


def test_enterprise_former_name_added(client, settings, registry_admin, enterprise):
    built(enterprise, shows=["西湖恒达营造厂"])
    registry_services.enterprise_add_former_name(
        actor=registry_admin, enterprise=enterprise, name="西湖恒达营造厂", used_until=dt.date(2019, 6, 30)
    )
    changed(client, settings, enterprise, shows=["西湖恒达营造厂", "Former names and earlier identifiers"])


# --- Inspections -------------------------------------------------------------------------------------------

FINDINGS = "未按规定公示即时信息，已责令改正"


@pytest.mark.parametrize("outcome", [InspectionOutcome.PROBLEMS_CORRECTED, InspectionOutcome.NOT_FOUND])
def test_inspection_result_published(client, settings, market_agency, agency_admin, clerk, reviewer, outcome):
    roster(market_agency, agency_admin)
    plan = inspections.plan_create(actor=clerk, agency=market_agency, data=plan_data(), submit=True)
    plan = inspections.plan_approve(actor=reviewer, plan=plan)
    enterprise = graded("D")
    plan = inspections.inspection_draw(actor=clerk, plan=plan, seed=SEED)
    inspection = plan.inspections.get()
    inspections.inspection_result_enter(
        actor=clerk,
        inspection=inspection,
        data={"outcome": outcome, "inspected_on": TODAY(), "findings": FINDINGS},
    )
    built(enterprise, shows=[FINDINGS])
    inspections.inspection_result_publish(actor=reviewer, inspection=inspection)
    changed(client, settings, enterprise, shows=[FINDINGS, plan.title])
    if outcome == InspectionOutcome.NOT_FOUND:  # entered into the abnormal-operations list with it
        assert active_listings_for(enterprise=enterprise).exists()


# --- Partner sync ------------------------------------------------------------------------------------------


def test_partner_sync_import(client, settings, registry_admin):
    # The first record brings the partner's agency (a new agency raises every profile's epoch): the
    # second one changes nothing but this enterprise.
    events = [enterprise_event(), record_event(document_number="浙市监罚〔2026〕880号")]
    with FakeFeed(events) as feed:
        partner = sync.partner_register(
            actor=registry_admin,
            code="zhejiang",
            name="浙江省信用平台",
            name_en="Zhejiang credit platform",
            feed_url=feed.url,
            key="dk_partner_secret",
        )
        sync.partner_sync(partner=partner)
        from registry.models import Enterprise

        enterprise = Enterprise.objects.get(uscc=FIRM)
        built(enterprise, shows=["浙市监罚〔2026〕881号"])
        events.append(record_event(document_number="浙市监罚〔2026〕881号"))
        result = sync.partner_sync(partner=partner)
    assert result.error == "" and result.outcomes
    changed(
        client,
        settings,
        enterprise,
        shows=["浙市监罚〔2026〕881号", "Source: Zhejiang credit platform"],
    )


@pytest.mark.parametrize("change", ["save", "delete"])
def test_partner_recognition_saved_or_deleted(client, settings, registry_admin, change):
    from registry.models import Enterprise
    from sanctions.models import PartnerRecognition

    with FakeFeed([enterprise_event(), record_event(severity="serious", fine_amount="50")]) as feed:
        partner = sync.partner_register(
            actor=registry_admin, code="zhejiang", name="浙江省信用平台", feed_url=feed.url, key="dk_secret"
        )
        sync.partner_sync(partner=partner)
    enterprise = Enterprise.objects.get(uscc=FIRM)
    counted, not_counted = 'class="standing standing-attention"', 'class="standing standing-good"'
    rule = PartnerRecognition(
        partner=partner, record_kind="penalty", counts_for_rating=True, counts_for_standing=False
    )
    if change == "save":  # the partner's penalties no longer count for the standing here
        built(enterprise, shows=[not_counted], hides=[counted])
        sync.partner_recognition_save(actor=registry_admin, recognition=rule)
        changed(client, settings, enterprise, shows=[not_counted], hides=[counted])
    else:  # the rule goes: they count again
        sync.partner_recognition_save(actor=registry_admin, recognition=rule)
        built(enterprise, shows=[counted], hides=[not_counted])
        sync.partner_recognition_delete(actor=registry_admin, recognition=rule)
        changed(client, settings, enterprise, shows=[counted], hides=[not_counted])
