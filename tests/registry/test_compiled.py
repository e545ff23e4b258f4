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


def test_a_prepared_querys_runs_are_logged_with_its_sql():
    """psycopg keeps no text of a prepared statement's run; the query log (``DEBUG``, the tests' query
    counts and captures) still gets the statement."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    EnterpriseFactory(name="杭州西湖建设有限公司")
    shapes = QueryShapes(prepare=True)
    with CaptureQueriesContext(connection) as ran:
        for _ in range(3):  # prepared on the first run, then run by its name
            shapes.get("names", lambda: _names(slot("prefix"), slot("part")), "default").fetch(
                "default", {"prefix": "无", "part": "西湖"}
            )
    sqls = [query["sql"] for query in ran.captured_queries]
    assert len(sqls) == 3 and all(sql and sql.startswith("SELECT") and "$1" in sql for sql in sqls)


def test_a_query_reads_the_rows_of_another_in_place_of_its_table_with_each_value_in_its_place():
    """``rows_from``: the outer query's values before the FROM (a CASE in the select list) and after it
    (the ORDER BY), and the inner query's between them, each keep their own slots."""
    from django.db.models import Case, IntegerField, Value, When

    for name in (
        "杭州西湖建设有限公司",
        "杭州滨江科技有限公司",
        "宁波港口物流有限公司",
        "上海浦东贸易有限公司",
    ):
        EnterpriseFactory(name=name)
    found = Enterprise.objects.filter(search_name__startswith=slot("city")).values(
        "id", "name", "search_name"
    )
    found = found.union(
        Enterprise.objects.filter(search_name__contains=slot("word")).values("id", "name", "search_name")
    )
    first = Case(
        When(search_name__contains=slot("first"), then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    ranked = Enterprise.objects.annotate(first=first).order_by("first", "name").values_list("name", "first")
    compiled = compile_queryset(ranked, "default", rows_from=found)
    rows = compiled.fetch("default", {"city": "杭州", "word": "物流", "first": "滨江"})
    assert rows == [("杭州滨江科技有限公司", 0), ("宁波港口物流有限公司", 1), ("杭州西湖建设有限公司", 1)]
    rows = compiled.fetch("default", {"city": "上海", "word": "西湖", "first": "西湖"})
    assert rows == [("杭州西湖建设有限公司", 0), ("上海浦东贸易有限公司", 1)]


def test_a_query_that_joins_cannot_read_another_querys_rows():
    joined = Enterprise.objects.filter(former_names__name="x").values_list("name")
    with pytest.raises(ValueError, match="rows_from"):
        compile_queryset(joined, "default", rows_from=Enterprise.objects.values("id", "name"))


def test_a_query_inside_another_keeps_its_values_and_the_outer_ones_follow():
    """``around``: the outer query's own parameters are numbered after the inner one's, so each value
    goes to its place whatever the two hold."""
    for name in ("杭州西湖建设有限公司", "杭州滨江科技有限公司", "宁波港口物流有限公司"):
        EnterpriseFactory(name=name)
    inner = compile_queryset(_names(slot("prefix"), slot("part")), "default", prepare=True)
    outer = inner.around(
        "SELECT found.name, strpos(found.name, {0}) > 0, {1} FROM ({query}) AS found ORDER BY 1",
        (("whole", "mark"), ("const", 7)),
    )
    assert outer.prepare and outer.params[: len(inner.params)] == inner.params
    rows = outer.fetch("default", {"prefix": "杭州", "part": "港口", "mark": "滨江"})
    assert rows == [
        ("宁波港口物流有限公司", False, 7),
        ("杭州滨江科技有限公司", True, 7),
        ("杭州西湖建设有限公司", False, 7),
    ]
