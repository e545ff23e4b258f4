"""Querysets compiled once per shape and run with each request's values (``registry.compiled``)."""

from __future__ import annotations

import pytest
from django.db.models import Q

from registry.compiled import QueryShapes, compile_queryset, slot
from registry.models import Enterprise
from tests.factories import EnterpriseFactory

pytestmark = [pytest.mark.django_db]


def _names(prefix: str, part: str):
    return (
        Enterprise.objects.filter(Q(search_name__startswith=prefix) | Q(search_name__contains=part))
        .order_by("name")
        .values_list("name", flat=True)
    )


def test_a_compiled_query_answers_as_the_queryset_does_for_every_value():
    for name in ("杭州西湖建设有限公司", "杭州滨江科技有限公司", "宁波港口物流有限公司"):
        EnterpriseFactory(name=name)
    compiled = compile_queryset(_names(slot("prefix"), slot("part")), "default")
    assert "$1" in compiled.sql and "杭州" not in compiled.sql
    for prefix, part in (("杭州", "物流"), ("宁波", "科技"), ("上海", "上海")):
        rows = [name for (name,) in compiled.fetch("default", {"prefix": prefix, "part": part})]
        assert rows == list(_names(prefix, part)), (prefix, part)
    assert [r for (r,) in compiled.fetch("default", {"prefix": "杭州", "part": "港口"})] == [
        "宁波港口物流有限公司",
        "杭州滨江科技有限公司",
        "杭州西湖建设有限公司",
    ]


def test_a_value_django_would_have_escaped_is_refused_not_run():
    compiled = compile_queryset(_names(slot("prefix"), slot("part")), "default")
    # Inside LIKE 'prefix%' a % or _ would have been escaped by Django: never run unescaped.
    for value in ("杭%", "杭_", "杭\\"):
        with pytest.raises(ValueError):
            compiled.bind({"prefix": value, "part": "x"})


def test_a_slot_written_into_the_sql_text_fails_loudly():
    queryset = Enterprise.objects.extra(where=[f"name <> '{slot('name')}'"])  # noqa: S610 - the case under test
    with pytest.raises(ValueError):
        compile_queryset(queryset, "default")


def test_shapes_are_compiled_once(django_assert_num_queries):
    built = []

    def build():
        built.append(1)
        return _names(slot("prefix"), slot("part"))

    shapes = QueryShapes()
    EnterpriseFactory(name="杭州西湖建设有限公司")
    with django_assert_num_queries(3):
        for part in ("西湖", "建设", "港口"):
            shapes.get("names", build, "default").fetch("default", {"prefix": "无", "part": part})
    assert len(built) == 1


def test_a_query_compiled_to_be_prepared_answers_for_every_value(django_assert_num_queries):
    for name in ("杭州西湖建设有限公司", "宁波港口物流有限公司"):
        EnterpriseFactory(name=name)
    shapes = QueryShapes(prepare=True)
    for _ in range(7):  # past psycopg's threshold: the same statement, prepared once per connection
        for part, expected in (("港口", ["宁波港口物流有限公司"]), ("建设", ["杭州西湖建设有限公司"])):
            with django_assert_num_queries(1):
                rows = shapes.get("names", lambda: _names(slot("prefix"), slot("part")), "default").fetch(
                    "default", {"prefix": "无", "part": part}
                )
            assert [name for (name,) in rows] == expected
