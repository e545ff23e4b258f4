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
