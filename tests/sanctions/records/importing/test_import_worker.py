"""A real worker killed with SIGKILL in the middle of an import: the next one finishes it, each row once."""

import csv
import time
from collections import Counter

import pytest
from django.db import transaction

from registry.models import Division, Enterprise
from registry.reference import divisions_sync
from sanctions.models import CreditRecord, PenaltyCategory, PublicityRule, RecordEvent
from sanctions.records.importing.run import import_errors, import_start
from sanctions.reference import load_catalogue
from tests.factories import enterprise_code

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

ROWS = 6000  # 20 chunks of 300
BAD_EVERY = 500
HEADERS = [
    "CF_XDR_MC",
    "CF_XDR_SHXYM",
    "CF_WSH",
    "CF_WFXW",
    "CF_YJ",
    "CF_CFLB",
    "CF_NR",
    "CF_NR_FK",
    "CF_JDRQ",
    "CF_CFJG",
    "CF_CFJGDM",
    "CF_SJLY",
    "CF_SJLYDM",
]


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """Reference rows loaded by migrations are gone after an earlier transactional test's flush."""
    if not Division.objects.filter(code="330000").exists():
        divisions_sync()
    load_catalogue(PenaltyCategory, PublicityRule)


@pytest.fixture
def penalty_file(tmp_path, market_agency):
    parties = Enterprise.objects.bulk_create(
        Enterprise(uscc=enterprise_code(n), name=f"杭州西湖{n}号科技有限公司", division_code="330106")
        for n in range(1, 101)
    )
    a = market_agency
    path = tmp_path / "penalties.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for n in range(1, ROWS + 1):
            party = parties[n % len(parties)]
            category = "罚金刑" if n % BAD_EVERY == 0 else "罚款"  # not in the catalogue: a bad row
            writer.writerow(
                [
                    party.name,
                    party.uscc,
                    f"杭市监罚〔2026〕{n}号",
                    "虚假宣传",
                    "《反不正当竞争法》第二十条",
                    category,
                    "罚款人民币一万元",
                    "1",
                    "2026-03-02",
                    a.name,
                    a.uscc,
                    a.name,
                    a.uscc,
                ]
            )
    return path


def wait_for(condition, *, timeout: float, what: str, every: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    pytest.fail(f"gave up after {timeout:.0f} s waiting for {what}")


def test_a_worker_killed_mid_import_leaves_every_row_imported_exactly_once(
    celery_workers, monkeypatch, clerk, market_agency, penalty_file
):
    from sanctions.tasks import import_process

    # The import is queued on this test's own queue, where only this test's workers listen.
    monkeypatch.setattr(
        import_process,
        "delay_on_commit",
        lambda batch_id: transaction.on_commit(
            lambda: import_process.apply_async(args=[batch_id], queue=celery_workers.queue)
        ),
    )
    # A short visibility timeout: the killed worker's unacknowledged task comes back within seconds.
    first = celery_workers.start(CELERY_VISIBILITY_TIMEOUT="10")
    batch = import_start(actor=clerk, agency=market_agency, path=penalty_file, original_name="penalties.csv")

    def mid_import():
        batch.refresh_from_db()
        return 0 < batch.processed_rows < ROWS and batch.processed_rows

    done_when_killed = wait_for(mid_import, timeout=30, what="the first chunks")
    celery_workers.kill(first)
    batch.refresh_from_db()
    assert batch.status == "importing" and batch.processed_rows < ROWS, (
        "the worker finished before it was killed"
    )
    assert batch.processed_rows >= done_when_killed

    celery_workers.start(CELERY_VISIBILITY_TIMEOUT="10")

    def finished():
        batch.refresh_from_db()
        return batch.status in ("done", "failed")

    wait_for(finished, timeout=45, what="the redelivered task to finish the import", every=0.2)

    good = ROWS - ROWS // BAD_EVERY
    assert (batch.status, batch.total_rows, batch.processed_rows) == ("done", ROWS, ROWS)
    assert (batch.created_count, batch.unchanged_count, batch.error_count) == (good, 0, ROWS // BAD_EVERY)
    numbers = Counter(
        CreditRecord.objects.filter(agency=market_agency).values_list("document_number", flat=True)
    )
    assert len(numbers) == sum(numbers.values()) == good
    assert RecordEvent.objects.count() == good
    assert [e.row for e in import_errors(batch)] == [n + 1 for n in range(BAD_EVERY, ROWS + 1, BAD_EVERY)]
