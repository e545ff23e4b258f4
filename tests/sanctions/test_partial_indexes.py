"""The columns indexed only where their reads look (``sanctions/migrations/0020``): each read of them is
one its partial index can serve, and no plain index of every row is left behind."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanctions.models import CreditRecord, Listing, PartnerPlatform
from sanctions.records.selectors import records_expiry_due_count

pytestmark = pytest.mark.django_db


def _whole_column_indexes(table: str, columns: list[str]) -> list[str]:
    """The indexes of ``table`` on one of ``columns`` alone, with no condition: an entry for every row."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0] "
            "WHERE x.indrelid = %s::regclass AND x.indnatts = 1 AND x.indpred IS NULL AND a.attname = ANY(%s)",
            [table, columns],
        )
        return [name for (name,) in cursor.fetchall()]


def _plan(sql: str, params, *, unsorted: bool = False) -> str:
    """The plan PostgreSQL picks when it must use an index if any serves the read (tables here are tiny);
    ``unsorted``: and must not sort, for a read whose index gives its order. The table's size as the
    planner sees it varies with what earlier tests wrote and rolled back (their dead rows), and a
    bitmap of another index and a sort may then look as cheap on a nearly empty table."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        if unsorted:
            cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_publicity_end_and_received_from_have_no_index_of_every_row():
    assert _whole_column_indexes(CreditRecord._meta.db_table, ["publicity_end", "received_from_id"]) == []
    assert _whole_column_indexes(Listing._meta.db_table, ["received_from_id"]) == []
    # The check itself finds such an index where one is (the enterprise's code, unique, on every row).
    assert _whole_column_indexes("registry_enterprise", ["uscc"])


def test_the_expiry_jobs_read_of_publicity_end_uses_the_partial_index():
    """The job's filter and order (``records_expire_batch``), without its joins: with them, the planner
    of a nearly empty table may start from another table, which says nothing of the index."""
    today = dt.date(2026, 12, 7)
    due = CreditRecord.objects.filter(
        status="published", publicity_end__isnull=False, publicity_end__lte=today
    ).order_by("publicity_end", "pk")[:500]
    sql, params = due.query.sql_with_params()
    assert "record_publicity_due" in _plan(sql, params, unsorted=True)
    assert records_expiry_due_count(today=today) == 0


@pytest.mark.parametrize("model", [CreditRecord, Listing])
def test_a_partner_platform_is_deleted_after_a_look_for_its_copies_by_the_partial_index(model):
    """Deleting a platform asks for its copies (``on_delete=PROTECT``) by ``received_from_id``."""
    platform = PartnerPlatform.objects.create(code="zj", name="浙江", feed_url="https://zj.example/feed")
    with CaptureQueriesContext(connection) as captured:
        platform.delete()
    table = model._meta.db_table
    looks = [q["sql"] for q in captured.captured_queries if f'FROM "{table}"' in q["sql"]]
    assert looks and all("received_from_id" in sql for sql in looks), captured.captured_queries
    index = "record_received_from" if model is CreditRecord else "listing_received_from"
    for sql in looks:
        assert index in _plan(sql, None), sql
    assert not PartnerPlatform.objects.filter(pk=platform.pk).exists()
