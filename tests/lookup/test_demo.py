"""The demo registry (``manage.py seed_demo``): each situation the README names exists and shows on its
public credit page, each badge state shows when scanned, and running the seed again creates nothing.

The demo is seeded once for the module (it takes a while) and the database emptied afterwards.
"""

from __future__ import annotations

import io
import json
import re
from unittest import mock

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from lookup.badges import verification
from lookup.badges.seeding import STATES, demo_badge_states
from registry.models import AuditEntry, Enterprise
from sanctions.choices import (
    ApplicationStatus,
    CommitmentStatus,
    InspectionOutcome,
    ObjectionStatus,
    RecordKind,
    RecordStatus,
)
from sanctions.inspections.draw import Drawn, draw_compute
from sanctions.models import (
    Commitment,
    CreditRecord,
    EnterpriseRating,
    Inspection,
    Listing,
    Measure,
    Objection,
    RecordEvent,
    RepairApplication,
)
from sanctions.records.selectors import public_records
from sanctions.seeding import SITUATIONS
from sanctions.seeding.scenarios import scenario_names
from tests.conftest import ensure_reference_data

pytestmark = [pytest.mark.django_db]

NAMES = {situation.key: situation.name for situation in SITUATIONS}
COUNTED = (
    Enterprise,
    CreditRecord,
    RecordEvent,
    Listing,
    Commitment,
    Objection,
    RepairApplication,
    Measure,
    AuditEntry,
)


def counts() -> dict[str, int]:
    from lookup.models import Badge

    return {model.__name__: model.objects.count() for model in (*COUNTED, Badge, EnterpriseRating)}


def unluckiest_draw(*, seed: str, snapshot: dict) -> list[Drawn]:
    """The demo's random inspection at its unluckiest: every enterprise of a named situation in the
    population drawn, and first, before what the seed draws. (A real draw put the clean enterprise
    among the first four once, and its page showed it "not found at its address".)"""
    drawn = draw_compute(seed=seed, snapshot=snapshot)
    grades = {uscc: grade for uscc, grade in snapshot["population"]}
    named = sorted(set(Enterprise.objects.filter(name__in=scenario_names()).values_list("uscc", flat=True)))
    first, second = sorted(snapshot["inspectors"])[:2]
    forced = [Drawn(uscc, grades[uscc] or "", first, second) for uscc in named if uscc in grades]
    return forced + [item for item in drawn if item.uscc not in named]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, seeded once and committed (with the unluckiest inspection draw); its first output,
    its counts, and the second run's output."""
    from django.test import override_settings

    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, OPEN_DATA_ROOT=media / "open-data"),
        mock.patch("sanctions.inspections.services.drawing.draw_compute", unluckiest_draw),
    ):
        first = io.StringIO()
        call_command("seed_demo", "--no-progress", stdout=first)
        before = counts()
        second = io.StringIO()
        call_command("seed_demo", "--no-progress", stdout=second)
        after = counts()
        from registry.models import ChangeEvent

        feed = list(ChangeEvent.objects.order_by("txid", "id").values_list("kind", "subject"))
        with override_settings(MEDIA_ROOT=media, OPEN_DATA_ROOT=media / "open-data"):
            yield {
                "first": first.getvalue(),
                "second": second.getvalue(),
                "before": before,
                "after": after,
                "feed": feed,
            }
        call_command("flush", interactive=False, verbosity=0)
        ensure_reference_data()


def enterprise(key: str) -> Enterprise:
    return Enterprise.objects.get(name=NAMES[key])


def page(client, company: Enterprise) -> str:
    response = client.get(f"/enterprises/{company.uscc}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, kind: str) -> str:
    """The part of the credit page that lists one kind of record (or the lists)."""
    start = html.index(f'id="section-{kind}"')
    end = html.find('id="section-', start + 10)
    return html[start : end if end != -1 else len(html)]


def standing(html: str) -> tuple[str, str]:
    """The standing the credit page shows: its level and the line of reasons under it."""
    level = re.search(r'class="standing standing-([a-z]+)"', html)
    details = re.search(r'id="standing-details">(.*?)</p>', html, re.DOTALL)
    return (level.group(1) if level else "", details.group(1) if details else "")


def public(company: Enterprise, kind: str = RecordKind.PENALTY):
    return public_records().filter(enterprise=company, kind=kind)


# --- What the command prints -----------------------------------------------------------------------


def test_the_command_names_an_enterprise_per_situation_and_a_badge_per_state_on_every_run(seeded):
    for output in (seeded["first"], seeded["second"]):
        for situation in SITUATIONS:
            company = Enterprise.objects.get(name=situation.name)
            assert situation.label in output
            assert f"{situation.name}  /enterprises/{company.uscc}/" in output
        assert "/?has_penalties=on" in output
        for state in STATES:
            assert re.search(rf"^  {state} +\S+  /v/\S+$", output, re.MULTILINE), state
        assert "jinjiang" in output and "chaoyang" in output and "demo12345" in output


def test_running_the_seed_again_creates_nothing(seeded):
    assert seeded["before"] == seeded["after"]
    assert "0 agencies, 0 accounts, 0 roles, 0 enterprises created" in seeded["second"]
    assert "Credit data: 0 situations and 0 other enterprises" in seeded["second"]


def test_the_seed_draws_the_search_sample(seeded):
    """A registry smaller than SEARCH_SAMPLE_SIZE is its own sample (registry/search_sample.py)."""
    from registry.models import SearchSample

    drawn = Enterprise.objects.count()
    assert f"Search sample: {drawn} names drawn at random." in seeded["second"]
    assert set(SearchSample.objects.values_list("enterprise_id", flat=True)) == set(
        Enterprise.objects.values_list("pk", flat=True)
    )


# --- Each situation on its public page -----------------------------------------------------------


def test_the_clean_enterprise_has_licences_a_reward_and_the_red_list_and_no_penalty(client, seeded):
    company = enterprise("clean")
    html = page(client, company)
    assert standing(html)[0] == "good", standing(html)
    assert not public(company).exists()
    assert 'class="record record-penalty"' not in section(html, "penalty")
    for licence in public(company, RecordKind.LICENCE):
        assert licence.certificate_number in section(html, "licence")
    assert public(company, RecordKind.REWARD).get().content in section(html, "reward")
    assert "守信激励对象名单" in section(html, "lists")
    assert Commitment.objects.get(enterprise=company).status == CommitmentStatus.FULFILLED


def test_the_demo_inspection_enters_its_results_for_drawn_enterprises_without_a_named_situation(seeded):
    """Drawn first (``unluckiest_draw``), the named situations stay drawn with no result; the four
    results go to the next ones, the one not found at its address on the abnormal-operations list."""
    from sanctions.choices import InspectionResultStatus
    from sanctions.seeding.inspections import RESULTS

    drawn = Inspection.objects.order_by("position").select_related("enterprise", "listing")
    named = [i for i in drawn if i.enterprise.name in scenario_names()]
    assert named and [i.position for i in named] == list(range(1, len(named) + 1))
    assert all(i.result_status == InspectionResultStatus.PENDING for i in named)
    published = [i for i in drawn if i.result_status == InspectionResultStatus.PUBLISHED]
    assert [i.outcome for i in published] == [outcome for outcome, _findings, _consequences in RESULTS]
    assert published[0].position == len(named) + 1
    (not_found,) = [i for i in published if i.outcome == InspectionOutcome.NOT_FOUND]
    assert not_found.listing is not None and not_found.listing.enterprise_id == not_found.enterprise_id


def test_the_penalised_enterprise_lists_its_fine_and_not_the_one_whose_publicity_ended(client, seeded):
    company = enterprise("penalised")
    html = section(page(client, company), "penalty")
    fine = public(company).get()
    assert fine.fine_amount == 5 and fine.document_number in html and "罚款5万元" in html
    ended = CreditRecord.objects.get(enterprise=company, status=RecordStatus.EXPIRED)
    assert ended.publicity_end <= timezone.localdate()
    assert ended.document_number not in html
    assert RecordEvent.objects.filter(record=ended, action="expire").exists()


def test_the_search_for_unexpired_penalties_finds_the_penalised_and_not_the_clean(client, seeded):
    penalised, clean = enterprise("penalised"), enterprise("clean")
    found = client.get("/", {"q": penalised.name[:6], "has_penalties": "on"}).content.decode()
    assert f"/enterprises/{penalised.uscc}/" in found
    missing = client.get("/", {"q": clean.name[:6], "has_penalties": "on"}).content.decode()
    assert f"/enterprises/{clean.uscc}/" not in missing
    everyone = client.get("/", {"has_penalties": "on"}).content.decode()
    assert everyone.count('href="/enterprises/') >= 10  # a full first page: many enterprises have one


def test_the_dishonest_enterprise_is_on_the_list_and_shows_it(client, seeded):
    company = enterprise("dishonest")
    html = page(client, company)
    listing = Listing.objects.get(enterprise=company, list_kind_id="dishonest")
    assert listing.status == "active" and listing.records.get().severity == "serious"
    assert standing(html)[0] == "dishonest", standing(html)
    assert listing.document_number in section(html, "lists")
    assert EnterpriseRating.objects.get(enterprise=company, is_current=True).grade == "D"


def test_the_repaired_enterprise_no_longer_shows_its_repaired_penalty(client, seeded):
    company = enterprise("repaired")
    record = CreditRecord.objects.get(enterprise=company, kind=RecordKind.PENALTY)
    assert record.status == RecordStatus.PUBLISHED and record.repaired_at is not None
    application = RepairApplication.objects.get(record=record)
    assert application.status == ApplicationStatus.APPROVED and application.materials.count() == 2
    assert RecordEvent.objects.filter(record=record, action="repair").exists()
    html = page(client, company)
    assert record.document_number not in html
    assert 'class="record record-penalty"' not in section(html, "penalty")


def test_the_enterprise_under_objection_shows_the_flag_on_its_penalty(client, seeded):
    company = enterprise("objection")
    record = public(company).get()
    assert Objection.objects.get(record=record).status == ObjectionStatus.RECEIVED
    html = section(page(client, company), "penalty")
    entry = html[html.index(record.document_number) :]
    assert 'class="badge objection"' in entry[: entry.index("</h4>")]


def test_the_corrected_record_shows_its_new_version_and_the_revoked_one_is_gone(client, seeded):
    company = enterprise("corrected")
    html = section(page(client, company), "penalty")
    corrected = CreditRecord.objects.get(enterprise=company, version=2)
    assert corrected.status == RecordStatus.PUBLISHED and corrected.fine_amount == 3
    assert corrected.previous.status == RecordStatus.CORRECTED and corrected.previous.fine_amount == 30
    history = list(
        RecordEvent.objects.filter(record_key=corrected.record_key).values_list("action", flat=True)
    )
    assert history == ["create", "submit", "publish", "correct", "superseded", "publish"]
    assert "罚款3万元" in html and "罚款30万元" not in html
    revoked = CreditRecord.objects.get(enterprise=company, status=RecordStatus.REVOKED)
    assert revoked.document_number not in html
    outcomes = set(Objection.objects.filter(record__enterprise=company).values_list("status", flat=True))
    assert outcomes == {ObjectionStatus.CORRECTED, ObjectionStatus.REVOKED, ObjectionStatus.UPHELD}


def test_the_breached_commitment_shows_with_its_record_and_repair_applications_in_each_state(client, seeded):
    company = enterprise("breached")
    commitment = Commitment.objects.get(enterprise=company)
    assert commitment.status == CommitmentStatus.BREACHED
    record = commitment.breach_record
    assert record.status == RecordStatus.PUBLISHED and record.violation_type == "违背信用承诺"
    html = page(client, company)
    assert record.document_number in section(html, "penalty")
    assert "违背信用承诺" in html
    states = set(RepairApplication.objects.filter(record=record).values_list("status", flat=True))
    assert states == {ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN, ApplicationStatus.SUBMITTED}


# --- The registry as a whole ---------------------------------------------------------------------


def test_the_demo_holds_every_kind_of_record_list_and_remedy(seeded):
    statuses = set(CreditRecord.objects.values_list("kind", "status"))
    for kind in RecordKind.values:
        assert (kind, RecordStatus.PUBLISHED) in statuses
    for status in (
        RecordStatus.EXPIRED,
        RecordStatus.REVOKED,
        RecordStatus.CORRECTED,
        RecordStatus.SUBMITTED,
    ):
        assert (RecordKind.PENALTY, status) in statuses
    assert CreditRecord.objects.filter(never_published=True).exists()  # a warning: recorded, never public
    lists = set(Listing.objects.values_list("list_kind_id", "status"))
    assert {kind for kind, _status in lists} == {"red", "dishonest", "watch", "abnormal"}
    removals = set(Listing.objects.exclude(removal_reason="").values_list("removal_reason", flat=True))
    assert removals >= {"repaired", "revoked"}
    assert set(Commitment.objects.values_list("status", flat=True)) == set(CommitmentStatus.values)
    assert set(Objection.objects.values_list("status", flat=True)) >= {
        ObjectionStatus.RECEIVED,
        ObjectionStatus.FORWARDED,
        ObjectionStatus.UPHELD,
        ObjectionStatus.REVOKED,
        ObjectionStatus.CORRECTED,
    }
    assert set(RepairApplication.objects.values_list("status", flat=True)) == set(ApplicationStatus.values)
    assert Measure.objects.filter(published_at__isnull=False).count() >= 5
    assert set(CreditRecord.objects.values_list("agency__name", flat=True).distinct()) >= {
        "国家市场监督管理总局",
        "国家税务总局",
        "浙江省市场监督管理局",
        "应急管理部",
    }


def test_rates_look_like_a_registry_most_enterprises_clean(seeded):
    from registry.seeding import demo_enterprise_codes

    codes = demo_enterprise_codes()
    with_penalty = public_records().filter(kind=RecordKind.PENALTY, enterprise__uscc__in=codes)
    share = with_penalty.values("enterprise").distinct().count() / len(codes)
    assert 0.05 <= share <= 0.35
    most = with_penalty.values("enterprise").annotate(n=Count("id")).order_by("-n").first()["n"]
    assert most <= 3


def test_every_demo_record_came_through_the_rules(seeded):
    """A publicity rule and publish-by date from the catalogue, the create and publish events, audit."""
    published = CreditRecord.objects.exclude(status__in=[RecordStatus.DRAFT, RecordStatus.SUBMITTED])
    assert not published.filter(publicity_rule__isnull=True).exists()
    assert not published.filter(publish_deadline__isnull=True).exists()
    assert not published.filter(published_by__isnull=True).exists()
    assert not published.filter(published_by=models_f("created_by")).exists()  # four eyes
    created = RecordEvent.objects.filter(
        action__in=["create", "correct"]
    )  # a correction's version: "correct"
    without_create = published.exclude(pk__in=created.values("record_id"))
    without_publish = published.exclude(
        pk__in=RecordEvent.objects.filter(action="publish").values("record_id")
    )
    assert not without_create.exists() and not without_publish.exists()
    bulk = AuditEntry.objects.filter(action="record.publish.bulk")
    named = {row[0] for entry in bulk for row in entry.after["records"]}
    by_service = set(
        AuditEntry.objects.filter(action="record.publish", target_type="sanctions.creditrecord").values_list(
            "target_id", flat=True
        )
    )
    ids = set(published.filter(version=1).values_list("pk", flat=True))
    assert ids <= named | {int(pk) for pk in by_service}
    assert EnterpriseRating.objects.filter(is_current=True).count() == Enterprise.objects.count()


def models_f(name: str):
    from django.db.models import F

    return F(name)


# --- Badges ----------------------------------------------------------------------------------------


def test_each_badge_state_shows_when_scanned(client, seeded):
    found = {state: path for state, _enterprise, path in demo_badge_states()}
    assert list(found) == list(STATES)
    for state, path in found.items():
        verification.local_clear()
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code in (200, 404), state
        assert f"verdict verdict-{state}" in response.content.decode(), state


# --- The command's other paths ----------------------------------------------------------------------


def test_seed_demo_with_synthetic_enterprises_gives_them_credit_data_too(seeded, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = io.StringIO()
    progress = tmp_path / "progress.jsonl"
    call_command(
        "seed_demo",
        "--enterprises",
        "50",
        "--no-progress",
        "--chunk",
        "20",
        "--progress-file",
        progress,
        stdout=out,
    )

    text = out.getvalue()
    assert "50 synthetic enterprises" in text and "rows/s" in text
    assert "Credit data of 50 synthetic enterprises" in text
    # A JSON line per phase and per credit chunk, with this process' memory, for the scale bench.
    samples = [json.loads(line) for line in progress.read_text().splitlines()]
    assert [s["phase"] for s in samples] == [
        "enterprises",
        "enterprises_done",
        "credit",
        "credit",
        "credit",
        "credit_done",
    ]
    assert [s["done"] for s in samples if s["phase"] == "credit"] == [20, 40, 50]
    assert samples[-2]["eta_s"] == 0 and samples[2]["eta_s"] is not None
    assert all(s["hwm_mb"] >= s["rss_mb"] > 0 for s in samples)
    from registry.seeding import synthetic_enterprises

    assert synthetic_enterprises().count() == 50
    assert EnterpriseRating.objects.filter(is_current=True).count() == Enterprise.objects.count()
    again = io.StringIO()
    call_command("seed_demo", "--enterprises", "50", "--no-progress", stdout=again)
    assert "0 synthetic enterprises" in again.getvalue() and "Credit data of 0 synthetic" in again.getvalue()
    assert synthetic_enterprises().count() == 50


def test_seed_demo_refuses_under_production_settings(monkeypatch):
    from django.core.management import CommandError
    from django.utils import translation

    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "config.settings.production")
    with (
        translation.override("en"),
        pytest.raises(CommandError, match="never created by production settings"),
    ):
        call_command("seed_demo", stdout=io.StringIO())


def test_a_partner_finds_the_demos_public_data_in_the_feed_and_the_open_data(client, seeded):
    from lookup.opendata.store import export_get
    from sanctions.lists.selectors import active_listings

    kinds = [kind for kind, _subject in seeded["feed"]]
    assert kinds.count("enterprise.registered") == Enterprise.objects.count()
    published = set()  # what a mirror following the feed from its start holds
    for kind, subject in seeded["feed"]:
        if kind in ("record.published", "record.corrected"):
            published.add(subject)
        elif kind.startswith("record."):
            published.discard(subject)
    assert published == {str(key) for key in public_records().values_list("record_key", flat=True)}
    entered = set()
    for kind, subject in seeded["feed"]:
        if kind == "listing.entered":
            entered.add(subject)
        elif kind.startswith("listing."):
            entered.discard(subject)
    assert entered == {str(pk) for pk in active_listings().values_list("pk", flat=True)} != set()
    assert "Change feed:" in seeded["first"] and "Change feed:" not in seeded["second"]
    events = client.get("/api/v1/changes/", {"limit": 1000}).json()["events"]
    assert len(events) == min(len(kinds), 1000)
    published = export_get()
    assert published is not None
    assert (
        published.manifest["datasets"]["penalties"]["rows"]
        == public_records().filter(kind=RecordKind.PENALTY).count()
    )
    assert "penalties.csv.gz" in client.get("/open-data/").content.decode()


def test_the_demo_shows_each_annual_report_situation(client, seeded):
    found = dict(
        re.findall(
            r"^  annual report \d{4} ([^\n]+)\n +\S+  /enterprises/([0-9A-Z]{18})/", seeded["first"], re.M
        )
    )
    keys = {
        "filed on time": "on time",
        "filed late": "filed late",
        "corrected": "corrected",
        "missing": "missing",
    }
    by_start = {
        key: uscc for label, uscc in found.items() for start, key in keys.items() if label.startswith(start)
    }
    assert set(by_start) == set(keys.values())
    assert (
        "Annual reports: 0 filed on time (0 of them corrected), 0 filed late, 0 missing" in seeded["second"]
    )

    def annual(uscc: str) -> str:
        return section(page(client, Enterprise.objects.get(uscc=uscc)), "annual-reports")

    # The portal speaks Chinese unless the visitor chose English (its cookie, not Accept-Language).
    assert "逾期报送" in annual(by_start["filed late"])
    assert re.search(r"\d{4}-\d{2}-\d{2} 更正", annual(by_start["corrected"]))
    missing = page(client, Enterprise.objects.get(uscc=by_start["missing"]))
    assert "经营异常名录" in section(missing, "lists") and "尚未报送年度报告。" not in section(
        missing, "lists"
    )
