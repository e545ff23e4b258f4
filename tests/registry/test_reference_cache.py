"""What each process builds from reference data is kept until the data changes (``registry.reference_cache``)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from registry import reference_cache
from registry.models import Division
from registry.reference import divisions_sync
from registry.selectors import division_choices

pytestmark = [pytest.mark.django_db]


def test_a_memo_is_kept_until_reference_data_changes():
    calls = []

    @reference_cache.reference_memo
    def built(language):
        calls.append(language)
        return f"{language}-{len(calls)}"

    assert built("en") == "en-1"
    assert built("en") == "en-1" and built("zh-hans") == "zh-hans-2"
    reference_cache.reference_changed()
    assert built("en") == "en-3"
    assert calls == ["en", "zh-hans", "en"]


def test_the_generation_is_new_after_the_cache_is_emptied():
    before = reference_cache.reference_generation()
    cache.clear()
    reference_cache.forget_local()
    after = reference_cache.reference_generation()
    assert after > 0 and after != before


def test_the_division_choices_are_read_once_and_follow_a_sync_of_the_division_table(
    django_assert_num_queries,
):
    Division.objects.filter(code="330200").delete()  # a table that lacks a prefecture
    assert ("3302", "浙江省宁波市") not in division_choices()[1]
    with django_assert_num_queries(0):
        division_choices()
    created, _ = divisions_sync()  # brought in line with the shipped data: the prefecture added
    assert created == 1
    assert ("3302", "浙江省宁波市") in division_choices()[1]


def test_an_unknown_generation_keeps_nothing(monkeypatch):
    calls = []

    @reference_cache.reference_memo
    def built():
        calls.append(1)
        return len(calls)

    generations = iter([-1, -2])
    monkeypatch.setattr(reference_cache, "reference_generation", lambda: next(generations))
    assert built() == 1 and built() == 2
