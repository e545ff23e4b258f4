"""The references the database does not check for each row (registry/references.py) hold after an
import, and one broken around the services is named by the nightly check and its command."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from registry import tasks
from registry.references import references_verify, unchecked_references
from sanctions.models import CreditRecord, RecordEvent
from tests.sanctions.records.importing.helpers import run_import

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root", "eager_tasks")]

# Each is set by a service alone, never from what a user keys in (docs/scaling.md, "Record import").
UNCHECKED = {
    "sanctions_creditrecord.agency_id → registry_agency.id",
    "sanctions_creditrecord.created_by_id → auth_user.id",
    "sanctions_creditrecord.import_batch_id → sanctions_importbatch.id",
    "sanctions_creditrecord.publicity_rule_id → sanctions_publicityrule.id",
    "sanctions_recordevent.actor_id → auth_user.id",
    "sanctions_recordevent.record_id → sanctions_creditrecord.id",
}


def test_the_references_left_unchecked_by_the_database_are_those_only_services_set():
    # A new one is a decision to write down (and this check then covers it), not an accident.
    assert {ref.label for ref in unchecked_references()} == UNCHECKED


def test_an_import_leaves_every_reference_whole_and_one_broken_around_the_services_is_named(
    django_capture_on_commit_callbacks, clerk, market_agency, mixed_file, monkeypatch
):
    run_import(django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=mixed_file)
    assert CreditRecord.objects.count() == 3 and RecordEvent.objects.count() == 3
    assert references_verify() == []
    call_command("references_verify", stdout=(out := io.StringIO()))
    assert f"{len(UNCHECKED)} unchecked columns, no dangling value" in out.getvalue()
    assert tasks.references_verify() == {"ok": True, "dangling": {}}

    # Written around the services: an author who does not exist, an event of a record that does not.
    first, *rest = CreditRecord.objects.order_by("pk")
    nobody = get_user_model().objects.order_by("-pk").values_list("pk", flat=True).first() + 100
    no_record = rest[-1].pk + 100
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE sanctions_creditrecord SET created_by_id = %s WHERE id = %s", [nobody, first.pk]
        )
        cursor.execute(
            "UPDATE sanctions_recordevent SET record_id = %s WHERE record_id <> %s", [no_record, first.pk]
        )

    found = {(d.reference.label, d.rows, d.example) for d in references_verify()}
    assert found == {
        ("sanctions_creditrecord.created_by_id → auth_user.id", 1, nobody),
        ("sanctions_recordevent.record_id → sanctions_creditrecord.id", 2, no_record),
    }
    with pytest.raises(CommandError) as raised:
        call_command("references_verify")
    assert "sanctions_creditrecord.created_by_id → auth_user.id: 1 rows" in str(raised.value)
    assert "sanctions_recordevent.record_id → sanctions_creditrecord.id: 2 rows" in str(raised.value)
    logged = []
    monkeypatch.setattr(tasks.logger, "error", lambda message, *args: logged.append(message % args))
    answer = tasks.references_verify()
    assert answer["ok"] is False and set(answer["dangling"].values()) == {1, 2}
    assert logged == [
        "dangling reference sanctions_creditrecord.created_by_id → auth_user.id: 1 rows name a missing row "
        f"(the smallest value: {nobody})",
        "dangling reference sanctions_recordevent.record_id → sanctions_creditrecord.id: 2 rows name a "
        f"missing row (the smallest value: {no_record})",
    ]
