"""Each row under the desk's rules: the good rows imported, each bad cell named and listed in the
error report, a party found by a legacy identifier, drafts or records sent to review, and only a
clerk of the agency importing for it."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from registry.audit import audit_verify
from registry.models import AuditEntry
from sanctions.models import CreditRecord, ImportBatch, RecordEvent
from sanctions.records.importing.run import import_error_report, import_start
from sanctions.records.publicity import publicity_for
from tests.factories import EnterpriseFactory
from tests.sanctions.records.importing.helpers import (
    DECIDED,
    MIXED_ERRORS,
    MIXED_GOOD,
    PENALTY_HEADERS,
    audited,
    bad_check,
    errors_of,
    numbers,
    penalty_row,
    run_import,
    write_csv,
)
from tests.sanctions.records.legacy import LEGACY_CODES, register_legacy, unflagged

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root", "eager_tasks")]


def test_mixed_file_imports_exactly_the_good_rows_and_names_each_bad_cell(
    django_capture_on_commit_callbacks, clerk, market_agency, mixed_file, acme, beta
):
    batch = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=mixed_file)

    assert batch.status == "done" and batch.finished_at is not None
    assert numbers(market_agency) == sorted(MIXED_GOOD)
    assert [(e["row"], e["column"]) for e in errors_of(batch)] == MIXED_ERRORS
    by_row = {e["row"]: e for e in errors_of(batch)}
    assert by_row[3]["value"] == bad_check(acme.uscc)
    assert f"should be “{acme.uscc[-1]}”" in by_row[3]["reason"]
    assert "placeholder" in by_row[4]["reason"]
    assert by_row[5]["value"] == "罚金刑" and "Unknown penalty category: 罚金刑" in by_row[5]["reason"]
    assert "is before the decision date" in by_row[6]["reason"]
    assert by_row[7]["value"] == "500" and "looks as if it was keyed in yuan" in by_row[7]["reason"]
    assert by_row[9]["reason"] == "This decision document number already appears in row 2."
    assert by_row[10] == {"row": 10, "column": "CF_WFXW", "value": "", "reason": "This field is required."}
    assert "register the enterprise first" in by_row[12]["reason"]
    assert (
        batch.total_rows,
        batch.processed_rows,
        batch.created_count,
        batch.unchanged_count,
        batch.error_count,
    ) == (11, 11, 3, 0, 8)
    assert batch.message == "Columns ignored (not known): 内部编号."

    first = CreditRecord.objects.get(document_number="杭市监罚〔2026〕1号")
    assert (first.enterprise, first.party_uscc, first.kind, first.status) == (
        acme,
        acme.uscc,
        "penalty",
        "draft",
    )
    assert (first.created_by, first.import_batch, first.agency) == (clerk, batch, market_agency)
    assert first.penalty_categories == ["fine"] and first.fine_amount == Decimal("5")
    expected = publicity_for(
        kind="penalty",
        decision_date=DECIDED,
        categories=["fine"],
        severity="general",
        regulatory_field="",
        province="33",
        fine=Decimal("5"),
        valid_to=None,
    )
    assert (
        first.publicity_rule,
        first.publicity_end,
        first.earliest_repair_date,
        first.publish_deadline,
    ) == (expected.rule, expected.end, expected.earliest_repair, expected.publish_deadline)
    second = CreditRecord.objects.get(document_number="杭市监罚〔2026〕2号")
    assert second.enterprise == beta and second.penalty_categories == ["warning", "fine"]
    third = CreditRecord.objects.get(document_number="杭市监罚〔2026〕3号")
    assert third.party_uscc == acme.uscc and third.never_published  # a warning alone is never published

    assert list(RecordEvent.objects.filter(record=first).values_list("action", "actor", "changes")) == [
        ("create", clerk.pk, {"import_batch": batch.pk, "file": "penalties.csv", "row": 2})
    ]
    # One audit entry for the chunk (this small file is one), naming each record it created and its row.
    (entry,) = AuditEntry.objects.filter(action="record.import.draft")
    assert entry.actor == clerk and (entry.target_type, entry.target_id) == (
        "sanctions.importbatch",
        str(batch.pk),
    )
    assert entry.after == {
        "file": "penalties.csv",
        "status": "draft",
        "columns": ["row", "record_id", "document_number", "party_uscc"],
        "records": [
            [2, first.pk, "杭市监罚〔2026〕1号", acme.uscc],
            [8, second.pk, "杭市监罚〔2026〕2号", beta.uscc],
            [13, third.pk, "杭市监罚〔2026〕3号", acme.uscc],
        ],
    }
    assert AuditEntry.objects.filter(action="import.start", target_id=str(batch.pk)).count() == 1
    assert AuditEntry.objects.get(action="import.finish").after == {
        "rows": 11,
        "created": 3,
        "unchanged": 0,
        "errors": 8,
    }
    assert audit_verify().ok


def test_error_report_lists_each_bad_cell_for_excel(
    django_capture_on_commit_callbacks, clerk, market_agency, mixed_file, acme
):
    batch = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=mixed_file)

    report = import_error_report(batch)

    assert report.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(report.decode("utf-8-sig"))))
    assert rows[0] == ["row", "column", "value", "reason"]
    assert [(int(r[0]), r[1]) for r in rows[1:]] == MIXED_ERRORS
    assert rows[1][2] == bad_check(acme.uscc)
    assert rows[6] == [
        "9",
        "CF_WSH",
        "杭市监罚〔2026〕1号",
        "This decision document number already appears in row 2.",
    ]


def test_a_party_without_a_uscc_is_found_by_the_legacy_identifier_that_names_exactly_one(
    django_capture_on_commit_callbacks, clerk, market_agency, tmp_path
):
    from registry.uscc import organization_check

    shared = "MA000001" + organization_check("MA000001")
    registered = EnterpriseFactory(registration_number="330100000012345")
    EnterpriseFactory(organization_code=shared)
    EnterpriseFactory(organization_code=shared)  # the same organisation code twice: it names no one
    headers = [*PENALTY_HEADERS, "CF_XDR_GSZC", "CF_XDR_ZZJG"]
    rows = [
        [*penalty_row(market_agency, "", "杭市监罚〔2026〕1号"), "330100000012345", ""],
        [*penalty_row(market_agency, "", "杭市监罚〔2026〕2号"), "", shared],
    ]
    path = write_csv(tmp_path / "penalties.csv", [headers, *rows])

    batch = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=path)

    assert (batch.created_count, batch.error_count) == (1, 1)
    record = CreditRecord.objects.get()
    assert (record.document_number, record.enterprise, record.party_uscc) == (
        "杭市监罚〔2026〕1号",
        registered,
        registered.uscc,
    )
    assert [(e["row"], e["column"]) for e in errors_of(batch)] == [(3, "CF_XDR_SHXYM")]


def test_submit_sends_the_imported_records_to_review(
    django_capture_on_commit_callbacks, clerk, market_agency, mixed_file
):
    batch = run_import(
        django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=mixed_file, submit=True
    )

    records = CreditRecord.objects.filter(import_batch=batch)
    assert {r.status for r in records} == {"submitted"} and all(r.submitted_at for r in records)
    record = records.get(document_number="杭市监罚〔2026〕1号")
    assert list(RecordEvent.objects.filter(record=record).values_list("action", flat=True)) == [
        "create",
        "submit",
    ]
    assert sorted(r[2] for r in audited("record.import.submitted")) == MIXED_GOOD


def test_drafts_stay_with_the_clerk(django_capture_on_commit_callbacks, clerk, market_agency, mixed_file):
    batch = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=mixed_file)

    records = CreditRecord.objects.filter(import_batch=batch)
    assert {r.status for r in records} == {"draft"} and not any(r.submitted_at for r in records)


@pytest.mark.parametrize("persona", ["other_clerk", "reviewer"])
def test_only_a_clerk_of_the_agency_imports_for_it(request, persona, market_agency, mixed_file):
    with pytest.raises(PermissionDenied):
        import_start(
            actor=request.getfixturevalue(persona),
            agency=market_agency,
            path=mixed_file,
            original_name=mixed_file.name,
        )
    assert not ImportBatch.objects.exists() and not CreditRecord.objects.exists()


def test_a_party_registered_under_a_legacy_code_is_imported_and_other_codes_failing_the_check_are_not(
    django_capture_on_commit_callbacks, tmp_path, clerk, market_agency, registry_admin
):
    legacy = register_legacy(registry_admin, LEGACY_CODES[0])
    held = unflagged(LEGACY_CODES[1])
    a = market_agency
    rows = [
        PENALTY_HEADERS,
        penalty_row(a, legacy, "闽榕市监罚〔2026〕1号"),  # 2
        penalty_row(a, held, "闽榕市监罚〔2026〕2号"),  # 3: held, but not as a legacy code
        penalty_row(a, legacy, "闽榕市监罚〔2026〕3号", CF_XDR_SHXYM=LEGACY_CODES[0].lower()),  # 4
        penalty_row(a, LEGACY_CODES[0][:-1] + "2", "闽榕市监罚〔2026〕4号"),  # 5: fails, not registered
    ]
    path = write_csv(tmp_path / "penalties.csv", rows)

    batch = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=a, path=path)

    assert numbers(a) == ["闽榕市监罚〔2026〕1号", "闽榕市监罚〔2026〕3号"]
    assert {r.enterprise_id for r in CreditRecord.objects.all()} == {legacy.pk}
    assert {r.party_uscc for r in CreditRecord.objects.all()} == {LEGACY_CODES[0]}
    errors = errors_of(batch)
    assert [(e["row"], e["column"]) for e in errors] == [(3, "CF_XDR_SHXYM"), (5, "CF_XDR_SHXYM")]
    assert all("The check character (18) should be" in e["reason"] for e in errors)
