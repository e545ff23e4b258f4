"""The audit trail is append-only in the database and its hash chain names the first broken entry."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError

from registry import services
from registry.audit import audit_verify
from registry.context import request_context
from registry.models import AuditEntry
from tests.factories import enterprise_code

pytestmark = [pytest.mark.django_db]


def _make_entries(actor, n=3):
    for i in range(n):
        services.enterprise_register(
            actor=actor, data={"uscc": enterprise_code(i), "name": f"测试{i}有限公司"}
        )


def test_updates_and_deletes_are_refused_by_the_database(registry_admin):
    _make_entries(registry_admin, 1)
    entry = AuditEntry.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get().action == "enterprise.register"


def test_chain_verifies_and_records_request_and_actor(registry_admin):
    with request_context("req-123"):
        _make_entries(registry_admin)
    report = audit_verify()
    assert report.ok and report.checked == 3
    assert set(AuditEntry.objects.values_list("request_id", flat=True)) == {"req-123"}
    assert set(AuditEntry.objects.values_list("actor_label", flat=True)) == {"registry_admin"}


def _tamper(sql, params):
    with connection.cursor() as cursor:
        # A database superuser can bypass triggers; the chain still gives the tampering away.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET session_replication_role = DEFAULT")


def test_an_altered_entry_is_named(registry_admin):
    _make_entries(registry_admin)
    second = AuditEntry.objects.order_by("id")[1]
    _tamper("UPDATE registry_auditentry SET target_repr = 'forged' WHERE id = %s", [second.pk])
    report = audit_verify()
    assert report.first_broken_id == second.pk and "altered" in report.reason
    with pytest.raises(CommandError, match=f"#{second.pk}"):
        call_command("audit_verify")


def test_a_removed_entry_is_named(registry_admin):
    _make_entries(registry_admin)
    first, second, third = AuditEntry.objects.order_by("id")
    _tamper("DELETE FROM registry_auditentry WHERE id = %s", [second.pk])
    report = audit_verify()
    assert report.first_broken_id == third.pk and "removed" in report.reason


def test_command_reports_an_intact_chain(registry_admin, capsys):
    _make_entries(registry_admin, 2)
    call_command("audit_verify")
    assert "2 entries" in capsys.readouterr().out


def test_api_request_id_reaches_the_audit_entry(admin_api):
    response = admin_api.post(
        "/api/v1/enterprises/",
        {"uscc": enterprise_code(77), "name": "宁波测试有限公司"},
        format="json",
        HTTP_X_REQUEST_ID="abc-42",
    )
    assert response.status_code == 201, response.content
    assert response["X-Request-ID"] == "abc-42"
    assert AuditEntry.objects.get().request_id == "abc-42"


def test_entries_with_awkward_text_are_stored_as_given_and_verify(registry_admin):
    """Entries are rendered as COPY lines and their hashes from parts: both must match what is stored."""
    import datetime as dt

    from registry.audit import PendingEntry, audit_write_many, compute_hash

    awkward = '反斜杠\\ tab\t newline\n return\r quote" é 𠀀'
    with request_context("req\t1"), transaction.atomic():
        written = audit_write_many(
            [
                PendingEntry(registry_admin, "test.one", "a.b", "1", awkward, {"x": awkward}, None),
                PendingEntry(
                    None, "test.two", "a.b", "2", "r", None, {"n": [1, None, True], 3: dt.date(2026, 1, 2)}
                ),
                PendingEntry("系统", "test.three", "a.b", "3", "r" * 400, {}, {"nested": {"k": awkward}}),
            ]
        )
    stored = list(AuditEntry.objects.order_by("id"))
    assert [e.target_repr for e in stored] == [awkward, "r", "r" * 300]
    assert stored[0].before == {"x": awkward} and stored[0].request_id == "req\t1"
    assert stored[1].after == {"n": [1, None, True], "3": "2026-01-02"} and stored[1].actor_id is None
    assert stored[2].actor_label == "系统" and stored[2].after == {"nested": {"k": awkward}}
    assert [e.hash for e in stored] == [w.hash for w in written] == [compute_hash(e) for e in stored]
    assert audit_verify().ok and audit_verify().checked == 3


def test_the_admin_lists_entries_without_reading_their_values(admin_client):
    from django.test.utils import CaptureQueriesContext

    from registry.audit import audit_write

    records = [[n + 2, n + 1, f"杭市监罚〔2026〕{n + 1}号", "91330106MA0000015K"] for n in range(2000)]
    with transaction.atomic():
        entry = audit_write(
            actor=None,
            action="record.import.draft",
            target=("sanctions.importbatch", "1", "penalties.csv"),
            after={"records": records},
        )

    with CaptureQueriesContext(connection) as queries:
        listing = admin_client.get("/admin/registry/auditentry/")
    assert listing.status_code == 200 and "penalties.csv" in listing.content.decode()
    read = [q["sql"] for q in queries.captured_queries if '"registry_auditentry"' in q["sql"]]
    assert read and not any('"registry_auditentry"."after"' in sql for sql in read)

    detail = admin_client.get(f"/admin/registry/auditentry/{entry.id}/change/")
    assert detail.status_code == 200 and "杭市监罚〔2026〕2000号" in detail.content.decode()
