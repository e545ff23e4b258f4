"""The rating model speaks the reader's language: its name, description, grade labels and rule names
in English on the English pages (rating, credit page, home, statistics), in Chinese on the Chinese
ones; a grade computed before the English texts existed is explained in English too."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from sanctions.lists import ratings
from sanctions.models import RatingModel, RatingRule
from sanctions.reference import rating_model_english
from sanctions.statistics.services import statistics_refresh
from tests.factories import EnterpriseFactory
from tests.sanctions.lists.helpers import publish_listing, publish_record

pytestmark = [pytest.mark.django_db]

MODEL_ZH, MODEL_EN = "登记系统默认信用评价模型", "Registry default credit rating model"
RULE_ZH, RULE_EN = "严重失信行政处罚，每条扣 15 分", "Penalty for serious dishonesty: 15 points off each"
LIST_RULE_EN = "On the watch list: 10 points off"
GRADE_ZH, GRADE_EN = "信用较好", "Fairly good credit"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    with translation.override("en"):  # the pages switch languages; the next module's stays its own
        yield
    cache.clear()


@pytest.fixture
def rated(clerk, reviewer, market_agency):
    """An enterprise with a serious penalty and a watch listing, graded: 100 − 15 − 10 = 75, B."""
    enterprise = EnterpriseFactory(name="杭州西湖评级双语有限公司")
    record = publish_record(clerk, reviewer, market_agency, enterprise, severity="serious")
    publish_listing(clerk, reviewer, market_agency, enterprise, kind="watch")
    ratings.rating_recompute(enterprise_id=enterprise.pk)
    return enterprise, record


def in_language(client, code):
    client.get(reverse("lookup:language", args=[code]))
    return client


def test_the_rating_page_names_the_model_its_rules_grades_and_lists_in_the_readers_language(client, rated):
    enterprise, record = rated
    url = reverse("lists:public-rating", args=[enterprise.uscc])

    english = in_language(client, "en").get(url).content.decode()
    assert "Grade B (75 points)" in english and record.document_number in english
    assert MODEL_EN in english and "Starts at 100 points." in english
    assert RULE_EN in english and LIST_RULE_EN in english and f"B · {GRADE_EN}" in english
    assert "Watch list (key attention)" in english  # the listing that fired the rule
    assert MODEL_ZH not in english and RULE_ZH not in english and GRADE_ZH not in english

    chinese = in_language(client, "zh-hans").get(url).content.decode()
    assert MODEL_ZH in chinese and RULE_ZH in chinese and f"B · {GRADE_ZH}" in chinese
    assert "重点关注名单" in chinese
    assert MODEL_EN not in chinese and RULE_EN not in chinese


def test_a_rule_without_an_english_name_keeps_its_chinese_one_in_english(client, rated):
    enterprise, _record = rated
    RatingRule.objects.filter(name=RULE_ZH).update(name_en="")
    english = in_language(client, "en").get(reverse("lists:public-rating", args=[enterprise.uscc]))
    assert RULE_ZH in english.content.decode() and LIST_RULE_EN in english.content.decode()


def test_the_credit_page_and_the_home_page_name_the_model_in_the_readers_language(client, rated):
    enterprise, _record = rated
    page = reverse("lookup:enterprise", args=[enterprise.uscc])

    english = in_language(client, "en")
    assert f"75 points · {MODEL_EN}" in english.get(page).content.decode()
    home = english.get("/").content.decode()
    assert MODEL_EN in home and RULE_EN in home and GRADE_EN in home and RULE_ZH not in home

    chinese = in_language(client, "zh-hans")
    assert MODEL_ZH in chinese.get(page).content.decode()
    home = chinese.get("/").content.decode()
    assert MODEL_ZH in home and RULE_ZH in home and GRADE_ZH in home and RULE_EN not in home


def test_the_statistics_name_the_model_and_its_grades_in_the_readers_language(
    client, rated, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        statistics_refresh()
    english = in_language(client, "en").get("/statistics/").content.decode()
    assert f"“{MODEL_EN}”" in english and GRADE_EN in english and GRADE_ZH not in english
    chinese = in_language(client, "zh-hans").get("/statistics/").content.decode()
    assert MODEL_ZH in chinese and GRADE_ZH in chinese and GRADE_EN not in chinese
    data = client.get("/api/v1/statistics/").json()["ratings"]
    assert (data["model_name"], data["model_name_en"]) == (MODEL_ZH, MODEL_EN)
    grade_b = {key: value for key, value in data["grades"][1].items() if key != "count"}
    assert grade_b == {"grade": "B", "label": GRADE_ZH, "label_en": GRADE_EN}


def test_the_english_texts_are_filled_in_where_missing_and_an_administrators_are_kept():
    model = RatingModel.objects.get(code="registry-default")
    RatingModel.objects.filter(pk=model.pk).update(
        name_en="", description_en="Our own words.", grades=[{**g, "label_en": ""} for g in model.grades]
    )
    RatingRule.objects.filter(model=model).update(name_en="")
    RatingRule.objects.filter(model=model, name=RULE_ZH).update(name_en="Serious penalty (ours)")

    rules = RatingRule.objects.filter(model=model).count()
    # The model, and every rule but the one an administrator named.
    assert rating_model_english(RatingModel, RatingRule) == 1 + (rules - 1)
    model.refresh_from_db()
    assert (model.name_en, model.description_en) == (MODEL_EN, "Our own words.")
    assert [g["label_en"] for g in model.grades] == ["Good credit", GRADE_EN, "Fair credit", "Poor credit"]
    assert RatingRule.objects.get(model=model, name=RULE_ZH).name_en == "Serious penalty (ours)"
    assert not RatingRule.objects.filter(model=model, name_en="").exists()
    assert rating_model_english(RatingModel, RatingRule) == 0  # nothing left to fill
