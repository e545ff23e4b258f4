"""Precomputed standings (sanctions/lists/standing_facts.py, registry.PublicStanding): what a search
result's standing rests on, read as one narrow row an enterprise while it is exactly current, and
read live from the records and listings otherwise.

Each service that changes what is public is checked in tests/lookup/test_profiles_services.py
(built, not current after the change, built again equal to the records); here: that the row is what
the page reads, and every way it stops being current."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from registry.models import PublicStanding
from registry.profiles.store import (
    profiles_epoch_bump,
    profiles_invalidate,
    standing_versions,
    standings_store,
)
from sanctions.lists import standing as standing_rules
from sanctions.lists import standing_facts
from sanctions.models import CreditRecord, ListKind
from tests.factories import EnterpriseFactory

pytestmark = [pytest.mark.django_db]
TODAY = timezone.localdate


def precomputed(enterprise, today=None):
    return standing_facts.precomputed_facts([enterprise.id], today=today or TODAY(), using="default").get(
        enterprise.id
    )


def pretend_listed(enterprise) -> None:
    """Write facts the records do not give straight into the enterprise's current row (no service)."""
    PublicStanding.objects.filter(pk=enterprise.pk).update(
        listings=[["dishonest", "严重失信主体名单", "Seriously dishonest entities list", "punishment"]]
    )


def test_the_search_page_shows_the_standing_of_the_precomputed_row(client, settings, publish):
    settings.PUBLIC_PROFILE_CHECK = False  # the suite's oracle would (rightly) refuse the row below
    enterprise = EnterpriseFactory(name="杭州西湖预算测试有限公司")
    publish(enterprise, document_number="PRE-1", severity="general")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/search", {"q": "西湖预算"}).content.decode()
    assert "standing-penalised" in page  # read live: nothing precomputed yet
    assert standing_facts.standings_build([enterprise.id]).stored == 1
    assert precomputed(enterprise) == standing_facts.Facts(penalties=1)
    pretend_listed(enterprise)
    page = client.get("/search", {"q": "西湖预算"}).content.decode()
    assert "standing-dishonest" in page and "Listed on Seriously dishonest entities list" in page
    settings.PUBLIC_PROFILE_CHECK = True  # the oracle reads the live facts too and refuses the row
    with pytest.raises(standing_facts.StaleStanding):
        client.get("/search", {"q": "西湖预算"})


def test_the_standing_is_read_from_the_records_once_a_service_changed_them(publish):
    enterprise = EnterpriseFactory()
    standing_facts.standings_build([enterprise.id])
    assert precomputed(enterprise) == standing_facts.NONE
    publish(enterprise, document_number="PRE-2", severity="serious")  # invalidated in its transaction
    assert precomputed(enterprise) is None
    assert standing_rules.enterprise_standing(enterprise=enterprise).level == standing_rules.ATTENTION


def test_a_standing_is_not_read_after_the_day_a_record_leaves_public_view(publish):
    enterprise = EnterpriseFactory()
    record = publish(enterprise, document_number="PRE-3")
    CreditRecord.objects.filter(pk=record.pk).update(publicity_end=TODAY() + dt.timedelta(days=3))
    standing_facts.standings_build([enterprise.id])
    assert precomputed(enterprise, TODAY() + dt.timedelta(days=2)) == standing_facts.Facts(penalties=1)
    assert precomputed(enterprise, TODAY() + dt.timedelta(days=3)) is None
    # Read live on that day: the penalty is out of public view, no job having run.
    later = standing_rules.enterprise_standing(enterprise=enterprise, today=TODAY() + dt.timedelta(days=3))
    assert later.level == standing_rules.GOOD
    assert enterprise.id in standing_facts.standings_due(today=TODAY() + dt.timedelta(days=3))


def test_facts_read_before_a_change_are_not_stored():
    enterprise = EnterpriseFactory()
    versions = standing_versions([enterprise.id])
    profiles_invalidate([enterprise.id])  # a change commits while the facts are read
    row = (enterprise.id, versions[enterprise.id], TODAY(), None, 0, 0, 0)
    stored = standings_store([row], format=standing_facts.standing_format(), epoch=1)
    assert stored == 0 and precomputed(enterprise) is None
    assert standing_facts.standings_build([enterprise.id]).stored == 1  # it reads the version first
    assert precomputed(enterprise) == standing_facts.NONE


def test_renaming_a_list_or_another_deployment_retires_every_standing(monkeypatch):
    enterprise = EnterpriseFactory()
    standing_facts.standings_build([enterprise.id])
    assert precomputed(enterprise) is not None
    kind = ListKind.objects.get(code="dishonest")
    kind.name_en = "Seriously dishonest entities (renamed)"
    kind.save()  # a list's name is in the facts: the epoch is raised
    assert precomputed(enterprise) is None
    standing_facts.standings_build([enterprise.id])
    assert precomputed(enterprise) is not None
    monkeypatch.setitem(standing_facts._memo, "format", "another-deploy")
    assert precomputed(enterprise) is None
    assert enterprise.id in standing_facts.standings_due()
    profiles_epoch_bump()
    monkeypatch.undo()
    assert precomputed(enterprise) is None


def test_without_public_profiles_nothing_is_precomputed_or_read(settings):
    enterprise = EnterpriseFactory()
    standing_facts.standings_build([enterprise.id])
    pretend_listed(enterprise)
    settings.PUBLIC_PROFILES = False
    assert standing_facts.standings_build([EnterpriseFactory().id]).stored == 0
    assert standing_rules.enterprise_standing(enterprise=enterprise).level == standing_rules.GOOD


def test_the_nightly_build_stores_every_standing_due_and_verify_names_a_wrong_one(capsys, publish):
    enterprises = [EnterpriseFactory() for _ in range(3)]
    publish(enterprises[0], document_number="PRE-4")
    result = standing_facts.standings_build_due(batch=2)
    assert result.stored >= 3
    assert not set(standing_facts.standings_due()) & {e.id for e in enterprises}
    assert standing_facts.standings_build_due().stored == 0
    assert precomputed(enterprises[0]) == standing_facts.Facts(penalties=1)
    call_command("profiles_verify", "--sample", "50")
    assert "standings: " in capsys.readouterr().out
    PublicStanding.objects.filter(pk=enterprises[1].pk).update(penalties=F("penalties") + 2)
    with pytest.raises(CommandError, match="1 in"):
        call_command("profiles_verify", "--sample", "50")
    err = capsys.readouterr().err
    assert f"enterprise {enterprises[1].id}:" in err and f"enterprise {enterprises[0].id}:" not in err


def test_the_oracle_passes_a_row_read_just_before_a_change_committed(publish):
    """As for a profile: a change committing between the row's read and the live read invalidated
    the row; only a row still current after the live facts differ is stale."""
    enterprise = EnterpriseFactory()
    standing_facts.standings_build([enterprise.id])
    before = precomputed(enterprise)
    publish(enterprise, document_number="PRE-5")  # commits between the two reads
    standing_facts._check({enterprise.id: before}, today=TODAY(), using="default")
    PublicStanding.objects.filter(pk=enterprise.pk).update(built_version=F("version"))
    with pytest.raises(standing_facts.StaleStanding):
        standing_facts._check({enterprise.id: before}, today=TODAY(), using="default")


def test_turned_off_and_on_again_nothing_a_change_made_meanwhile_left_behind_is_read(
    publish, registry_admin, market_agency, settings
):
    """``PUBLIC_PROFILES=false`` turns reading and building off, not the invalidation: a change made
    while they were off still retires the profile and the standing it made wrong."""
    from lookup import profiles
    from registry.services import agency_update

    enterprise, other = EnterpriseFactory(), EnterpriseFactory()
    profiles.profiles_build([enterprise.id, other.id])
    assert precomputed(enterprise) is not None and profiles.profile_body(other.uscc) is not None
    settings.PUBLIC_PROFILES = False
    publish(enterprise, document_number="OFF-1", severity="serious")
    agency_update(
        actor=registry_admin, agency=market_agency, data={"name": "杭州市市场监督管理局（关闭期间）"}
    )
    settings.PUBLIC_PROFILES = True
    assert precomputed(enterprise) is None and profiles.profile_body(enterprise.uscc) is None
    assert profiles.profile_body(other.uscc) is None  # the agency's new name: every profile retired
    assert standing_rules.enterprise_standing(enterprise=enterprise).level == standing_rules.ATTENTION


def joined_ids(query: str, today=None) -> set[int]:
    """The results of a search page whose standing the page's own query read as current."""
    from registry.selectors import enterprise_search_page

    joined = standing_facts.joined_standings(today=today or TODAY())
    page = enterprise_search_page(query=query, joined=joined)
    return set(standing_facts.joined_facts(page.hits))


def test_a_search_page_reads_a_standing_in_its_own_query_exactly_when_it_is_current(publish, monkeypatch):
    """The page's query joins the rows ``precomputed_facts`` would read, under the same conditions
    (``_current``): built at the current version, by this deployment, for the day, under the epoch."""
    names = ["西湖联读甲有限公司", "西湖联读乙有限公司", "西湖联读丙有限公司", "西湖联读丁有限公司"]
    enterprises = [EnterpriseFactory(name=name) for name in names]
    ids = [e.id for e in enterprises]
    record = publish(enterprises[2], document_number="JOIN-1")
    CreditRecord.objects.filter(pk=record.pk).update(publicity_end=TODAY() + dt.timedelta(days=3))
    assert joined_ids("西湖联读") == set()  # nothing built: every standing is read live
    standing_facts.standings_build(ids)
    assert joined_ids("西湖联读") == set(ids)
    profiles_invalidate([ids[0]])  # a service changed what is public about it
    PublicStanding.objects.filter(pk=ids[1]).update(valid_until=TODAY() - dt.timedelta(days=1))
    later = TODAY() + dt.timedelta(days=3)  # the day the record leaves public view
    for today in (TODAY(), later):
        expected = {i for i in ids if precomputed(EnterpriseFactory.build(id=i), today) is not None}
        assert joined_ids("西湖联读", today) == expected
    assert joined_ids("西湖联读") == {ids[2], ids[3]} and joined_ids("西湖联读", later) == {ids[3]}
    profiles_epoch_bump()
    assert joined_ids("西湖联读") == set()
    standing_facts.standings_build(ids)
    monkeypatch.setitem(standing_facts._memo, "format", "another-deploy")
    assert joined_ids("西湖联读") == set()


def test_a_page_whose_standings_are_current_reads_them_in_one_statement(client, settings, publish):
    """Twenty results' standings used to be a second statement after the page's; where every one is
    current the page's query reads them, and only the others are read live, in a statement of their
    own; the page shows the precomputed facts either way."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.PUBLIC_PROFILE_CHECK = False  # the oracle's own live read would be counted
    listed, penalised = (
        EnterpriseFactory(name="余杭一读甲有限公司"),
        EnterpriseFactory(name="余杭一读乙有限公司"),
    )
    publish(penalised, document_number="ONE-1")
    standing_facts.standings_build([listed.id, penalised.id])
    pretend_listed(listed)

    def statements() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            page = client.get("/search", {"q": "余杭一读"}).content.decode()
        assert "standing-dishonest" in page and "standing-penalised" in page  # the rows, as they are
        return [q["sql"] for q in captured.captured_queries]

    client.get("/search", {"q": "余杭"})  # the reference data a page reads once per process
    ran = statements()
    assert len(ran) == 1 and "result_count" in ran[0] and "registry_publicstanding" in ran[0]
    profiles_invalidate([penalised.id])
    ran = statements()  # the penalised one is read live, the listed one still from its row
    assert len(ran) == 2 and "registry_publicstanding" not in ran[1]


def test_a_pages_standings_are_looked_up_by_id_whatever_the_plan_expects():
    """A page of codes takes its LIMIT as a parameter, so its generic plan expects 500 rows; joined
    plainly, the standings table was hashed against them whole while it was small (2.6 ms for 50,000
    rows at 10 M enterprises, a registry whose standings were still being built). Each row's standing
    is a lookup by its id, which the planner cannot turn into another kind of join even when it would
    rather (nested loops turned off)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from registry.selectors import enterprise_search_page
    from tests.plans import explain_generic

    enterprises = [EnterpriseFactory(uscc=f"91330106MA2{n:06d}X") for n in range(3)]
    standing_facts.standings_build([e.id for e in enterprises])
    joined = standing_facts.joined_standings(today=TODAY())
    with CaptureQueriesContext(connection) as captured:
        page = enterprise_search_page(query="91330106MA2", joined=joined)
    assert {hit.id for hit in page.hits} == {e.id for e in enterprises}
    assert standing_facts.joined_facts(page.hits) == {e.id: standing_facts.NONE for e in enterprises}
    (statement,) = [q["sql"] for q in captured.captured_queries if "registry_publicstanding" in q["sql"]]
    values = ["91330106MA2", "91330106MA2ZZZZZZZ", 201, 0, 20, standing_facts.standing_format(), TODAY()]
    plan = explain_generic(statement, values, off=("nestloop",))
    # The page's rows and their standings: a loop over the rows, whatever the page's own joins became.
    assert "Nested Loop Left Join" in plan and "Hash Left Join" not in plan and "Merge Left Join" not in plan
    assert "(enterprise_id = e.id)" in plan  # the standings' own scan takes the row's id
