"""Credit ratings: rules as data, an explanation that adds up, ceilings, exemptions, history, bulk."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone, translation

from registry.models import AuditEntry
from sanctions.lists import ratings, ratings_bulk
from sanctions.models import EnterpriseRating, RatingModel, RatingRule
from sanctions.records import services
from tests.factories import EnterpriseFactory
from tests.sanctions.lists.helpers import publish_listing, publish_record
from tests.sanctions.payloads import penalty_data

pytestmark = [pytest.mark.django_db]
TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def enterprise():
    return EnterpriseFactory(name="杭州西湖信用评价测试有限公司")


@pytest.fixture
def model():
    return RatingModel.objects.get(pk="registry-default")


def current(enterprise, model_code="registry-default"):
    return EnterpriseRating.objects.get(enterprise=enterprise, model=model_code, is_current=True)


def grade_from_scale(model, points):
    return next(g["grade"] for g in model.grades if g["min_points"] is None or points >= g["min_points"])


def assert_adds_up(rating, model):
    assert model.base_points + sum(entry["points"] for entry in rating.explanation) == rating.points


def fired(rating):
    return {entry["name"]: entry for entry in rating.explanation}


def test_an_enterprise_with_nothing_public_has_the_base_grade(enterprise, model):
    ratings.rating_recompute(enterprise_id=enterprise.pk)
    rating = current(enterprise)
    assert (rating.grade, rating.points, rating.explanation) == ("A", model.base_points, [])


def test_explanation_names_every_rule_and_item_and_adds_up_to_the_grade(
    clerk, reviewer, market_agency, enterprise, model
):
    general = [
        publish_record(clerk, reviewer, market_agency, enterprise, severity="general") for _ in range(2)
    ]
    serious = publish_record(clerk, reviewer, market_agency, enterprise, severity="serious")
    watch = publish_listing(clerk, reviewer, market_agency, enterprise, kind="watch")
    ratings.rating_recompute(enterprise_id=enterprise.pk)
    rating = current(enterprise)
    assert_adds_up(rating, model)
    # 100 - 2×5 - 15 - 10 = 65: grade C on the default scale.
    assert rating.points == 65 and rating.grade == grade_from_scale(model, 65) == "C"
    rules = fired(rating)
    general_rule = rules["一般行政处罚，每条扣 5 分"]
    assert general_rule["points"] == -10 and general_rule["count"] == 2
    assert {item["id"] for item in general_rule["items"]} == {r.pk for r in general}
    assert [item["id"] for item in rules["严重失信行政处罚，每条扣 15 分"]["items"]] == [serious.pk]
    assert [item["id"] for item in rules["列入重点关注名单，扣 10 分"]["items"]] == [watch.pk]
    assert all(entry["rule"] for entry in rating.explanation)


def test_a_rule_counts_at_most_its_max_count(clerk, reviewer, market_agency, enterprise, model):
    for _ in range(7):
        publish_record(clerk, reviewer, market_agency, enterprise, severity="general")
    ratings.rating_recompute(enterprise_id=enterprise.pk)
    rating = current(enterprise)
    entry = fired(rating)["一般行政处罚，每条扣 5 分"]
    assert (entry["count"], entry["points"], len(entry["not_counted"])) == (6, -30, 1)
    assert rating.points == 70 and rating.grade == "B"
    assert_adds_up(rating, model)


def test_exempt_records_have_no_effect(clerk, reviewer, market_agency, enterprise):
    publish_record(
        clerk,
        reviewer,
        market_agency,
        enterprise,
        severity="serious",
        is_exempt=True,
        exemption_reason="疫情防控期间不可抗力",
    )
    ratings.rating_recompute(enterprise_id=enterprise.pk)
    assert (current(enterprise).grade, current(enterprise).points, current(enterprise).explanation) == (
        "A",
        100,
        [],
    )


def test_only_public_information_counts(clerk, reviewer, market_agency, enterprise):
    services.record_create(
        actor=clerk,
        agency=market_agency,
        kind="penalty",
        data=penalty_data(market_agency, enterprise, document_number="draft-1", severity="serious"),
    )
    publish_record(clerk, reviewer, market_agency, enterprise, severity="serious", usage_scope="government")
    ratings.rating_recompute(enterprise_id=enterprise.pk)
    assert current(enterprise).points == 100


def test_the_dishonest_list_caps_the_grade_at_d(clerk, reviewer, market_agency, enterprise, model):
    publish_listing(clerk, reviewer, market_agency, enterprise, kind="dishonest")
    ratings.rating_recompute(enterprise_id=enterprise.pk)
    rating = current(enterprise)
    assert rating.points == 70 and grade_from_scale(model, 70) == "B"  # the points alone would give B
    assert rating.grade == "D"
    ceiling = next(e for e in rating.explanation if e["kind"] == "floor")
    assert ceiling["applied"] is True and ceiling["ceiling_grade"] == "D" and ceiling["points"] == 0
    assert_adds_up(rating, model)


def test_recompute_is_idempotent_and_keeps_history(clerk, reviewer, market_agency, enterprise):
    ratings.rating_recompute(enterprise_id=enterprise.pk)
    ratings.rating_recompute(enterprise_id=enterprise.pk)
    assert EnterpriseRating.objects.filter(enterprise=enterprise).count() == 1
    record = publish_record(clerk, reviewer, market_agency, enterprise, severity="serious")
    ratings.rating_recompute(enterprise_id=enterprise.pk)
    ratings.rating_recompute(enterprise_id=enterprise.pk)
    history = list(EnterpriseRating.objects.filter(enterprise=enterprise).order_by("id"))
    assert [(r.points, r.is_current) for r in history] == [(100, False), (85, True)]
    services.record_revoke(actor=clerk, record=record, reason="Annulled on appeal.")
    ratings.rating_recompute(enterprise_id=enterprise.pk)
    assert [r.points for r in EnterpriseRating.objects.filter(enterprise=enterprise).order_by("id")] == [
        100,
        85,
        100,
    ]
    assert EnterpriseRating.objects.filter(enterprise=enterprise, is_current=True).count() == 1


def test_publishing_or_revoking_a_record_recomputes_through_the_task(
    clerk, reviewer, market_agency, enterprise, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record = publish_record(clerk, reviewer, market_agency, enterprise, severity="serious")
    assert current(enterprise).points == 85
    with django_capture_on_commit_callbacks(execute=True):
        services.record_revoke(actor=clerk, record=record, reason="Annulled on appeal.")
    assert current(enterprise).points == 100


def test_expired_records_are_recomputed_by_the_expiry_job(
    clerk, reviewer, market_agency, enterprise, django_capture_on_commit_callbacks
):
    record = publish_record(clerk, reviewer, market_agency, enterprise, severity="serious")
    ratings.rating_recompute(enterprise_id=enterprise.pk)
    assert current(enterprise).points == 85
    with django_capture_on_commit_callbacks(execute=True):
        assert services.records_expire(today=record.publicity_end) == 1
    assert current(enterprise).points == 100


# -- the model is data -----------------------------------------------------------------------------------
def test_rules_are_edited_by_registry_admins_with_checks(registry_admin, clerk, model):
    rule = RatingRule(model=model, name="ceiling", kind="floor", list_kind_id="watch", ceiling_grade="Z")
    with pytest.raises(PermissionDenied):
        ratings.rating_rule_save(actor=clerk, rule=rule)
    with pytest.raises(ValidationError) as exc:
        ratings.rating_rule_save(actor=registry_admin, rule=rule)
    assert "ceiling_grade" in exc.value.message_dict
    rule.ceiling_grade = "C"
    ratings.rating_rule_save(actor=registry_admin, rule=rule)
    assert AuditEntry.objects.filter(action="rating_rule.save", target_id=str(rule.pk)).exists()
    with pytest.raises(ValidationError):
        ratings.rating_rule_save(actor=registry_admin, rule=RatingRule(model=model, name="x", kind="record"))


def test_a_grade_scale_must_fall_and_end_without_minimum(registry_admin, model):
    model.grades = [
        {"grade": "A", "min_points": 50},
        {"grade": "B", "min_points": 80},
        {"grade": "C", "min_points": None},
    ]
    with pytest.raises(ValidationError):
        ratings.rating_model_save(actor=registry_admin, model=model)
    model.grades = [{"grade": "A", "min_points": 90}, {"grade": "B", "min_points": 70}]
    with pytest.raises(ValidationError):
        ratings.rating_model_save(actor=registry_admin, model=model)


def test_a_changed_rule_changes_the_outcome_on_recompute(
    registry_admin, clerk, reviewer, market_agency, enterprise, capsys
):
    publish_record(clerk, reviewer, market_agency, enterprise, severity="serious")
    ratings.rating_recompute(enterprise_id=enterprise.pk)
    rule = RatingRule.objects.get(model="registry-default", severity="serious")
    rule.points = -25
    ratings.rating_rule_save(actor=registry_admin, rule=rule)
    call_command("ratings_recompute", "--all")
    assert current(enterprise).points == 75


# -- bulk ----------------------------------------------------------------------------------------------------
def test_bulk_command_rates_everyone_in_chunks_and_is_idempotent(clerk, reviewer, market_agency, capsys):
    quiet = EnterpriseFactory.create_batch(25)
    penalised = EnterpriseFactory()
    publish_record(clerk, reviewer, market_agency, penalised, severity="serious")
    listed = EnterpriseFactory()
    publish_listing(clerk, reviewer, market_agency, listed, kind="dishonest")
    exempt_only = EnterpriseFactory()
    publish_record(
        clerk,
        reviewer,
        market_agency,
        exempt_only,
        severity="serious",
        is_exempt=True,
        exemption_reason="不可抗力",
    )

    call_command("ratings_recompute", "--chunk", "7")
    out = capsys.readouterr().out
    assert "28 new ratings" in out
    for enterprise in quiet:
        assert (current(enterprise).grade, current(enterprise).points) == ("A", 100)
    assert current(penalised).points == 85
    assert current(listed).grade == "D"
    assert current(exempt_only).points == 100
    # The base rows written in SQL are the same outcome the engine computes: one row each, whatever the path.
    ratings.rating_recompute(enterprise_id=quiet[0].pk)
    ratings.rating_recompute(enterprise_id=exempt_only.pk)
    assert EnterpriseRating.objects.filter(enterprise__in=[quiet[0], exempt_only]).count() == 2

    call_command("ratings_recompute", "--all", "--chunk", "5")
    assert "0 new ratings" in capsys.readouterr().out
    assert EnterpriseRating.objects.count() == 28 + 0

    newcomer = EnterpriseFactory()
    call_command("ratings_recompute")
    assert "1 new ratings" in capsys.readouterr().out
    assert current(newcomer).grade == "A"


def test_bulk_gives_the_base_grade_back_when_the_inputs_are_gone(clerk, reviewer, market_agency, enterprise):
    record = publish_record(clerk, reviewer, market_agency, enterprise, severity="serious")
    ratings_bulk.ratings_recompute_bulk()
    assert current(enterprise).points == 85
    services.record_revoke(actor=clerk, record=record, reason="Annulled.")
    result = ratings_bulk.ratings_recompute_bulk()
    assert result.base_rows == 1 and current(enterprise).points == 100
    assert EnterpriseRating.objects.filter(enterprise=enterprise).count() == 2


def test_command_for_one_enterprise(enterprise, capsys):
    call_command("ratings_recompute", "--uscc", enterprise.uscc)
    assert f"{enterprise.uscc} registry-default A 100" in capsys.readouterr().out


def test_dates_matter_only_through_public_selectors(clerk, reviewer, market_agency, enterprise):
    start = TODAY() + dt.timedelta(days=2)
    publish_listing(clerk, reviewer, market_agency, enterprise, kind="watch", start_date=start)
    ratings.rating_recompute(enterprise_id=enterprise.pk)
    assert current(enterprise).points == 100
    ratings.rating_recompute(enterprise_id=enterprise.pk, today=start)
    assert current(enterprise).points == 90
