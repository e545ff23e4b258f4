"""Each good row exactly once, chunk by chunk: the same file again, an interrupted import resumed,
records entered at the desk meanwhile, chunks written with or without looking for present records,
and rows cleaned ahead in a thread that may not use the database."""

import pytest
from django.utils import translation

from registry.audit import audit_verify
from registry.models import AuditEntry
from sanctions.models import CreditRecord, ImportBatch, RecordEvent
from sanctions.records import services
from sanctions.records.importing import chunks, parties
from sanctions.records.importing.run import import_error_report, import_run
from tests.sanctions.records.importing.helpers import (
    MIXED_GOOD,
    PENALTY_HEADERS,
    audited,
    errors_of,
    numbers,
    penalty_row,
    row_data,
    run_import,
    write_csv,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root", "eager_tasks")]


def mixed_row_8(agency, beta):
    """Row 8 of the mixed file (No. 2, beta's warning and fine) as a clerk types it at the desk."""
    return row_data(penalty_row(agency, beta, "杭市监罚〔2026〕2号", CF_CFLB="警告;罚款", CF_NR_FK="0.5"))


def test_importing_the_same_file_again_changes_nothing(
    django_capture_on_commit_callbacks, clerk, market_agency, mixed_file
):
    first = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=mixed_file)
    entries = AuditEntry.objects.count()

    again = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=mixed_file)

    assert again.pk == first.pk and ImportBatch.objects.count() == 1
    assert numbers(market_agency) == sorted(MIXED_GOOD) and AuditEntry.objects.count() == entries

    with open(mixed_file, "a", encoding="utf-8") as handle:
        handle.write("\n")  # the same rows in a file with another checksum
    other = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=mixed_file)

    assert other.pk != first.pk
    assert (other.created_count, other.unchanged_count, other.error_count) == (0, 3, 8)
    assert numbers(market_agency) == sorted(MIXED_GOOD)


def test_an_interrupted_import_resumes_and_writes_each_row_once(
    django_capture_on_commit_callbacks, settings, monkeypatch, tmp_path, clerk, market_agency, acme
):
    settings.RECORD_IMPORT_CHUNK_ROWS = 4
    rows = [penalty_row(market_agency, acme, f"杭市监罚〔2026〕{n}号") for n in range(1, 11)]
    rows[6] = penalty_row(market_agency, acme, "杭市监罚〔2026〕7号", CF_CFLB="罚金刑")
    path = write_csv(tmp_path / "penalties.csv", [PENALTY_HEADERS, *rows])
    write = chunks.ChunkImporter.write
    calls = []

    def dies_in_the_second_chunk(self, good, **kwargs):
        calls.append(len(good))
        # The writes happen, then the worker dies before the chunk commits.
        result = write(self, good, **kwargs)
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return result

    monkeypatch.setattr(chunks.ChunkImporter, "write", dies_in_the_second_chunk)
    with pytest.raises(SystemExit):
        run_import(django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=path)
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.processed_rows, batch.created_count) == ("importing", 4, 4)
    assert CreditRecord.objects.count() == 4

    monkeypatch.setattr(chunks.ChunkImporter, "write", write)
    batch = import_run(batch.pk)  # the task delivered again
    import_run(batch.pk)  # and once more, after it finished

    batch.refresh_from_db()
    assert (
        batch.status,
        batch.processed_rows,
        batch.created_count,
        batch.unchanged_count,
        batch.error_count,
    ) == ("done", 10, 9, 0, 1)
    assert numbers(market_agency) == sorted(f"杭市监罚〔2026〕{n}号" for n in range(1, 11) if n != 7)
    assert RecordEvent.objects.count() == len(audited()) == len({r[1] for r in audited()}) == 9
    assert [e["row"] for e in errors_of(batch)] == [8]
    assert audit_verify().ok


def test_a_record_entered_at_the_desk_meanwhile_counts_as_already_present(
    django_capture_on_commit_callbacks, clerk, market_agency, mixed_file, beta
):
    services.record_create(
        actor=clerk, agency=market_agency, kind="penalty", data=mixed_row_8(market_agency, beta)
    )

    batch = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=mixed_file)

    assert (batch.created_count, batch.unchanged_count) == (2, 1)
    assert numbers(market_agency) == sorted(MIXED_GOOD)


def test_a_new_file_is_written_without_looking_for_present_records_until_a_chunk_meets_one(
    django_capture_on_commit_callbacks, settings, monkeypatch, tmp_path, clerk, market_agency, acme
):
    settings.RECORD_IMPORT_CHUNK_ROWS = 4
    services.record_create(
        actor=clerk,
        agency=market_agency,
        kind="penalty",
        data=row_data(penalty_row(market_agency, acme, "杭市监罚〔2026〕6号")),
    )
    rows = [penalty_row(market_agency, acme, f"杭市监罚〔2026〕{n}号") for n in range(1, 13)]
    path = write_csv(tmp_path / "penalties.csv", [PENALTY_HEADERS, *rows])
    write = chunks.ChunkImporter.write
    checks = []

    def spy(self, good, *, check=True):
        checks.append((good[0].document_number, check))
        return write(self, good, check=check)

    monkeypatch.setattr(chunks.ChunkImporter, "write", spy)
    batch = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=path)

    # The second chunk (rows 5-8) meets No. 6: it is refused whole, written again with the check,
    # and from then on each chunk is checked first.
    assert checks == [
        ("杭市监罚〔2026〕1号", False),
        ("杭市监罚〔2026〕5号", False),
        ("杭市监罚〔2026〕5号", True),
        ("杭市监罚〔2026〕9号", True),
    ]
    assert (batch.status, batch.created_count, batch.unchanged_count) == ("done", 11, 1)
    assert numbers(market_agency) == sorted(f"杭市监罚〔2026〕{n}号" for n in range(1, 13))
    assert sorted(r[2] for r in audited()) == sorted(f"杭市监罚〔2026〕{n}号" for n in range(1, 13) if n != 6)
    assert audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_a_record_entered_at_the_desk_while_a_chunk_is_copied_counts_as_already_present(
    django_capture_on_commit_callbacks, monkeypatch, clerk, market_agency, mixed_file, beta
):
    """The clerk's record commits after the chunk looked for present numbers, before its COPY."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def enter_at_the_desk():
        try:
            services.record_create(
                actor=clerk, agency=market_agency, kind="penalty", data=mixed_row_8(market_agency, beta)
            )
        finally:
            connection.close()

    insert = chunks.ChunkImporter._insert
    copies = []

    def clerk_first(self, rows):
        copies.append([row.document_number for row in rows])
        if len(copies) == 1:
            with ThreadPoolExecutor(max_workers=1) as desk:  # another connection, committed
                desk.submit(enter_at_the_desk).result()
        return insert(self, rows)

    monkeypatch.setattr(chunks.ChunkImporter, "_insert", clerk_first)
    batch = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=market_agency, path=mixed_file)

    assert copies == [MIXED_GOOD, ["杭市监罚〔2026〕1号", "杭市监罚〔2026〕3号"]]  # the chunk again, less it
    assert (batch.status, batch.created_count, batch.unchanged_count) == ("done", 2, 1)
    assert numbers(market_agency) == sorted(MIXED_GOOD)
    assert AuditEntry.objects.filter(action="record.create.draft").count() == 1  # the clerk's
    assert sorted(r[2] for r in audited()) == ["杭市监罚〔2026〕1号", "杭市监罚〔2026〕3号"]
    assert audit_verify().ok


def test_no_database_refuses_the_database_in_its_thread_only(clerk):
    from concurrent.futures import ThreadPoolExecutor

    from registry.models import Enterprise

    def count_off_the_database():
        with parties.no_database():
            Enterprise.objects.count()

    with ThreadPoolExecutor(max_workers=1) as helper:
        with pytest.raises(parties.NeedsDatabase):
            helper.submit(count_off_the_database).result()
        with pytest.raises(RuntimeError), parties.no_database():  # not where the database is in use
            pass
    assert Enterprise.objects.count() == 0  # this thread's connection is untouched


def test_rows_cleaned_ahead_that_need_the_database_are_finished_in_the_main_thread(
    clerk, market_agency, beta, mixed_file
):
    from concurrent.futures import ThreadPoolExecutor

    from registry.calendar import calendar_changed
    from sanctions.records.importing import files

    scan = files.scan(mixed_file)
    batch = ImportBatch.objects.create(
        agency=market_agency, uploaded_by=clerk, original_name="m.csv", sha256="0" * 64
    )
    importer = chunks.ChunkImporter(batch=batch, columns=scan.columns, first_row=scan.first_row)
    _columns, rows = files.read_rows(mixed_file)
    rows = list(rows)
    expected_good, expected_errors, expected_bad = importer.clean(rows)

    importer.publicity_cache.clear()
    # Publish-by deadlines need the calendar: the importer read it when it was made, so that the
    # cache may lose it meanwhile.
    calendar_changed()
    ahead = importer.prepare(rows)
    # A party that was not fetched ahead is looked up in the database.
    ahead.parties.codes.discard(beta.uscc)
    del ahead.parties.by_uscc[beta.uscc]

    def clean_ahead():
        with translation.override("en"), parties.no_database():
            return importer.clean_ahead(rows, ahead)

    with ThreadPoolExecutor(max_workers=1) as helper:
        cleaned = helper.submit(clean_ahead).result()
    pending = [o for o in cleaned.outcomes if isinstance(o, chunks.RowNeedingDatabase)]
    assert [p.rownum for p in pending] == [8, 9]  # beta's rows

    good, errors, bad = importer.finish(cleaned)
    assert [(r.rownum, r.document_number) for r in good] == [
        (r.rownum, r.document_number) for r in expected_good
    ]
    assert (errors, bad) == (expected_errors, expected_bad)
    columns = slice(2, 2 + len(chunks.ROW_FIELDS))  # after id and key, before the timestamps
    assert [r.record.split("\t")[columns] for r in good] == [
        r.record.split("\t")[columns] for r in expected_good
    ]


def test_overlapping_imports_restore_the_switch_interval_once_the_last_ends():
    import sys

    from sanctions.records.importing.run import pipeline as importing

    before = sys.getswitchinterval()
    importing._quick_switching(True)
    importing._quick_switching(True)  # a second import in another thread of the process
    importing._quick_switching(False)
    # One is still running (the interpreter keeps the interval in whole microseconds).
    assert sys.getswitchinterval() == pytest.approx(min(before, importing.SWITCH_INTERVAL), abs=1e-6)
    importing._quick_switching(False)
    assert sys.getswitchinterval() == before


def test_a_row_that_differs_from_the_agencys_record_with_its_number_is_an_error_naming_the_record(
    django_capture_on_commit_callbacks, tmp_path, clerk, market_agency, acme, beta
):
    """Only an identical row is already present: another party, or another content, is reported."""
    a = market_agency

    def at_the_desk(row):
        record, _created = services.record_create(actor=clerk, agency=a, kind="penalty", data=row_data(row))
        return record

    same = at_the_desk(penalty_row(a, acme, "杭市监罚〔2026〕1号"))
    other_party = at_the_desk(penalty_row(a, acme, "杭市监罚〔2026〕2号"))
    other_content = at_the_desk(
        penalty_row(a, acme, "杭市监罚〔2026〕3号", CF_NR="罚款人民币一万元", CF_NR_FK="1")
    )
    # Text a COPY line escapes, and the categories in another order: the same record.
    text = "罚款人民币五万元；\n第二行\tC:\\目录\\ 与 \\N {备注}"
    at_the_desk(penalty_row(a, acme, "杭市监罚〔2026〕5号", CF_CFLB="罚款;警告", CF_NR=text))
    rows = [
        penalty_row(a, acme, "杭市监罚〔2026〕1号"),  # 2: identical
        penalty_row(a, beta, "杭市监罚〔2026〕2号"),  # 3: names beta
        penalty_row(a, acme, "杭市监罚〔2026〕3号"),  # 4: 5万元, not 1万元
        penalty_row(a, acme, "杭市监罚〔2026〕4号"),  # 5: new
        penalty_row(a, acme, "杭市监罚〔2026〕5号", CF_CFLB="警告、罚款", CF_NR=text),  # 6: the same
    ]
    path = write_csv(tmp_path / "penalties.csv", [PENALTY_HEADERS, *rows])

    batch = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=a, path=path)

    assert (batch.status, batch.created_count, batch.unchanged_count, batch.error_count) == ("done", 1, 2, 2)
    errors = errors_of(batch)
    assert [(e["row"], e["column"]) for e in errors] == [
        (3, "CF_WSH"),
        (3, "CF_XDR_MC"),
        (3, "CF_XDR_SHXYM"),
        (4, "CF_WSH"),
        (4, "CF_NR"),
        (4, "CF_NR_FK"),
    ]
    party, content = errors[0]["reason"], errors[3]["reason"]
    assert f"record #{other_party.pk} (/desk/records/{other_party.pk}/)" in party
    assert "CF_XDR_MC、CF_XDR_SHXYM" in party and "not imported" in party
    assert f"record #{other_content.pk}" in content and "CF_NR、CF_NR_FK" in content
    assert errors[2]["value"] == beta.uscc and acme.uscc in errors[2]["reason"]
    assert (errors[4]["value"], errors[5]["value"]) == ("罚款人民币五万元", "5")
    assert "罚款人民币一万元" in errors[4]["reason"] and "“1”" in errors[5]["reason"]
    # Nothing was written over, and the report lists them for the clerk.
    other_party.refresh_from_db()
    assert (
        other_party.enterprise == acme
        and CreditRecord.objects.filter(document_number__endswith="2号").count() == 1
    )
    assert numbers(a) == [f"杭市监罚〔2026〕{n}号" for n in range(1, 6)]
    assert same.pk in CreditRecord.objects.values_list("pk", flat=True)
    assert "CF_WSH" in import_error_report(batch).decode("utf-8-sig")


def test_a_row_as_an_earlier_version_of_a_corrected_record_is_already_present(
    django_capture_on_commit_callbacks, tmp_path, clerk, reviewer, market_agency, acme
):
    """The file that made a record, imported again after the record was corrected, changes nothing."""
    a = market_agency
    row = penalty_row(a, acme, "杭市监罚〔2026〕1号")
    record, _created = services.record_create(
        actor=clerk, agency=a, kind="penalty", data=row_data(row), submit=True
    )
    services.record_publish(actor=reviewer, record=record)
    correction = services.record_correct(
        actor=clerk, record=record, data={"content": "罚款人民币五万元整"}, reason="补正文字"
    )
    services.record_publish(actor=reviewer, record=correction)
    assert CreditRecord.objects.get(is_current=True).content == "罚款人民币五万元整"
    path = write_csv(tmp_path / "penalties.csv", [PENALTY_HEADERS, row])

    batch = run_import(django_capture_on_commit_callbacks, actor=clerk, agency=a, path=path)

    assert (batch.created_count, batch.unchanged_count, batch.error_count) == (0, 1, 0)
