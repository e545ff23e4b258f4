"""The records' management commands: import_records (its exit status, error report, submit and
actor) and expire_records."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sanctions.models import CreditRecord
from sanctions.records import services
from tests.sanctions.records.importing.helpers import (
    MIXED_GOOD,
    PENALTY_HEADERS,
    numbers,
    penalty_row,
    write_csv,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root", "eager_tasks")]


@pytest.fixture
def tasks_at_once(monkeypatch):
    """The test's transaction never commits, so the queued import runs at once instead of on commit."""
    from sanctions.tasks import import_process

    monkeypatch.setattr(import_process, "delay_on_commit", import_process.delay)


CLI = pytest.mark.usefixtures("tasks_at_once")


@CLI
def test_import_records_command_exits_1_and_writes_the_report_when_rows_are_bad(
    tmp_path, clerk, market_agency, mixed_file
):
    out, err = io.StringIO(), io.StringIO()
    report = tmp_path / "errors.csv"
    with pytest.raises(CommandError) as exc_info:
        call_command(
            "import_records",
            str(mixed_file),
            "--agency",
            market_agency.uscc,
            "--actor",
            "clerk",
            "--errors-out",
            str(report),
            stdout=out,
            stderr=err,
        )

    assert exc_info.value.returncode == 1
    assert "3 records created, 0 already present, 8 rows with errors" in str(exc_info.value)
    assert "row 3, column CF_XDR_SHXYM" in err.getvalue()
    assert (
        report.read_bytes().startswith(b"\xef\xbb\xbf")
        and len(report.read_text("utf-8-sig").splitlines()) == 9
    )
    assert numbers(market_agency) == sorted(MIXED_GOOD)


@CLI
def test_import_records_command_succeeds_on_a_clean_file(tmp_path, clerk, market_agency, acme):
    path = write_csv(
        tmp_path / "good.csv", [PENALTY_HEADERS, penalty_row(market_agency, acme, "杭市监罚〔2026〕1号")]
    )
    out = io.StringIO()

    call_command(
        "import_records",
        str(path),
        "--agency",
        market_agency.uscc,
        "--actor",
        "clerk",
        "--submit",
        stdout=out,
        stderr=io.StringIO(),
    )

    assert "1 rows, 1 records created, 0 already present, 0 rows with errors" in out.getvalue()
    assert CreditRecord.objects.get().status == "submitted"


@CLI
def test_import_records_command_without_actor_imports_as_the_system_account_and_audits_who_ran_it(
    tmp_path, market_agency, acme
):
    """The README's form, ``import_records FILE --agency CODE``, works: no clerk needs to be named."""
    import getpass

    from registry.models import AuditEntry
    from registry.services import SYSTEM_USERNAME

    path = write_csv(
        tmp_path / "good.csv", [PENALTY_HEADERS, penalty_row(market_agency, acme, "杭市监罚〔2026〕1号")]
    )
    out, err = io.StringIO(), io.StringIO()

    call_command("import_records", str(path), "--agency", market_agency.uscc, stdout=out, stderr=err)

    assert "1 records created" in out.getvalue()
    record = CreditRecord.objects.get()
    assert record.created_by.get_username() == SYSTEM_USERNAME
    start = AuditEntry.objects.get(action="import.start")
    assert start.actor_label == SYSTEM_USERNAME
    assert (
        start.after["run_by"].startswith(f"{getpass.getuser()}@")
        and "import_records" in start.after["run_by"]
    )
    assert AuditEntry.objects.get(action="record.import.draft").actor_label == SYSTEM_USERNAME
    assert f"Importing as {SYSTEM_USERNAME}" in err.getvalue()


@CLI
def test_import_records_command_with_an_actor_who_is_no_clerk_is_refused(
    tmp_path, reviewer, market_agency, mixed_file
):
    with pytest.raises(CommandError, match="Name a clerk of the agency with --actor"):
        call_command(
            "import_records",
            str(mixed_file),
            "--agency",
            market_agency.uscc,
            "--actor",
            reviewer.get_username(),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert not CreditRecord.objects.exists()


def test_the_system_account_imports_only_through_a_command(clerk, market_agency, mixed_file):
    """The service lets the system account import only when a command says who ran it."""
    from django.core.exceptions import PermissionDenied

    from registry.services import system_actor
    from sanctions.records.importing.run import import_start

    with pytest.raises(PermissionDenied):
        import_start(actor=system_actor(), agency=market_agency, path=mixed_file)
    user = system_actor()
    user.set_password("a password someone set")  # a person could sign in as it now
    user.save()
    with pytest.raises(PermissionDenied):
        import_start(actor=user, agency=market_agency, path=mixed_file, run_by="root@host")


def test_expire_records_command_expires_records_whose_publicity_ended(clerk, reviewer, market_agency, acme):
    from tests.sanctions.payloads import penalty_data

    record, _created = services.record_create(
        actor=clerk, agency=market_agency, kind="penalty", data=penalty_data(market_agency, acme)
    )
    services.record_submit(actor=clerk, record=record)
    services.record_publish(actor=reviewer, record=record)
    CreditRecord.objects.filter(pk=record.pk).update(publicity_end=dt.date.today() - dt.timedelta(days=1))
    out = io.StringIO()

    call_command("expire_records", stdout=out)

    assert out.getvalue().strip() == "1 records expired."
    record.refresh_from_db()
    assert record.status == "expired"
