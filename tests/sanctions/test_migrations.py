"""Data migrations that move what is stored: nothing is lost on the way, in either direction."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.django_db(transaction=True)]

BEFORE = [("sanctions", "0008_record_references_kept_by_django")]
AFTER = [("sanctions", "0009_import_errors_table")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_import_errors_move_from_the_list_to_their_table_and_back(clerk, market_agency):
    errors = [
        {"row": 3, "column": "CF_XDR_SHXYM", "value": "91330106MA0000015X", "reason": "Bad check digit."},
        {"row": 3, "column": "CF_WSH", "value": "", "reason": "This field is required."},
        {"row": 9, "column": "处罚类别", "value": "罚金刑", "reason": "Unknown penalty category."},
    ]
    try:
        old = migrate(BEFORE)
        batch = old.get_model("sanctions", "ImportBatch").objects.create(
            agency_id=market_agency.pk,
            uploaded_by_id=clerk.pk,
            original_name="a.csv",
            sha256="0" * 64,
            error_count=2,
            errors=errors,
        )
        old.get_model("sanctions", "ImportBatch").objects.create(
            agency_id=market_agency.pk, uploaded_by_id=clerk.pk, original_name="b.csv", sha256="1" * 64
        )

        new = migrate(AFTER)
        rows = new.get_model("sanctions", "ImportRowError").objects.order_by("id")
        assert [(e.batch_id, e.row, e.column, e.value, e.reason) for e in rows] == [
            (batch.pk, e["row"], e["column"], e["value"], e["reason"]) for e in errors
        ]

        old = migrate(BEFORE)
        assert old.get_model("sanctions", "ImportBatch").objects.get(pk=batch.pk).errors == errors
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
