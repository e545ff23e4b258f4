"""The snapshot a transactional test ends on (tests/snapshot.py) puts back exactly what was there."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from registry.audit import audit_write
from registry.models import Division, Enterprise
from tests import snapshot
from tests.factories import EnterpriseFactory


def _counts() -> dict[str, int]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))
        cursor.execute(" UNION ALL ".join(f"SELECT %s, count(*) FROM {quote(t)}" for t in tables), tables)
        return dict(cursor.fetchall())


@pytest.fixture
def own_snapshot():
    """A snapshot of the state this test starts on, the process' own put back afterwards."""
    saved = dict(snapshot._SNAPSHOTS)
    snapshot.take()
    yield
    snapshot._SNAPSHOTS.clear()
    snapshot._SNAPSHOTS.update(saved)


@pytest.mark.django_db(transaction=True)
def test_a_restore_empties_what_a_test_wrote_and_puts_back_what_it_changed(own_snapshot):
    before = _counts()
    content_types = set(ContentType.objects.values_list("pk", "app_label", "model"))
    division = Division.objects.order_by("code").first()
    assert before["registry_division"] > 3000 and before["django_content_type"] > 0
    assert before["registry_enterprise"] == 0 == before["registry_auditentry"]

    enterprise = EnterpriseFactory()
    # The audit trail refuses DELETE by a trigger; the restore empties it all the same.
    with transaction.atomic():
        audit_write(actor=None, action="test", target=enterprise)
    Division.objects.filter(code=division.code).update(name="改过的名字")
    Division.objects.exclude(code=division.code).filter(code__startswith="11").delete()
    assert _counts() != before

    assert snapshot.restore()

    assert _counts() == before
    assert Division.objects.get(code=division.code).name == division.name
    assert not Enterprise.objects.exists()
    # The rows come back with their ids: what a process cached by id (content types) still holds.
    assert set(ContentType.objects.values_list("pk", "app_label", "model")) == content_types
