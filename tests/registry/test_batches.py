"""Jobs in bounded batches (``registry.batches.run_in_batches``): every batch runs, progress after
each with a rate and the time left, and a failing batch is named while the ones before it stay."""

from __future__ import annotations

import pytest
from django.utils import translation

from registry.batches import BatchFailed, BatchProgress, run_in_batches


def counting_step(rows: int, size: int, fail_at: int | None = None):
    handled: list[range] = []

    def step(after):
        start = 0 if after is None else after
        if start >= rows:
            return None
        if fail_at is not None and len(handled) + 1 == fail_at:
            raise RuntimeError("the database went away")
        stop = min(start + size, rows)
        handled.append(range(start, stop))
        return stop - start, stop

    return step, handled


def test_a_job_over_more_rows_than_a_batch_handles_them_all_and_reports_each_batch():
    step, handled = counting_step(rows=25, size=10)
    seen: list[BatchProgress] = []

    run = run_in_batches(step, total=25, progress=seen.append)

    assert [len(r) for r in handled] == [10, 10, 5]
    assert (run.batches, run.rows) == (3, 25)
    assert [(p.batch, p.rows, p.done, p.position) for p in seen] == [
        (1, 10, 10, 10),
        (2, 10, 20, 20),
        (3, 5, 25, 25),
    ]
    assert seen[-1].eta_seconds == 0
    assert all(p.total == 25 and p.seconds >= 0 for p in seen)


def test_the_progress_line_says_the_batch_the_share_the_rate_and_the_time_left():
    progress = BatchProgress(batch=2, rows=10_000, done=20_000, total=80_000, seconds=10.0, position=None)
    with translation.override("en"):
        line = progress.line("records expired")
    assert line == (
        "batch 2: 10,000 records expired (20,000 of about 80,000, 25%), 2,000 a second; about 30 s left"
    )
    without_total = BatchProgress(batch=1, rows=5, done=5, total=None, seconds=1.0, position=None)
    with translation.override("en"):
        assert without_total.line("rows") == "batch 1: 5 rows (5 in all), 5 a second"


def test_a_failing_batch_is_named_and_the_batches_before_it_are_kept():
    step, handled = counting_step(rows=50, size=10, fail_at=3)

    with pytest.raises(BatchFailed) as failed, translation.override("en"):
        run_in_batches(step, total=50)

    assert (failed.value.batch, failed.value.after, failed.value.done) == (3, 20, 20)
    assert isinstance(failed.value.__cause__, RuntimeError)
    assert "batch 3 failed (the rows after 20): the database went away" in str(failed.value)
    assert [len(r) for r in handled] == [10, 10]  # what batches 1 and 2 did stays done

    # Run again from where it stopped: the rest, and nothing twice.
    step_again, handled_again = counting_step(rows=50, size=10)
    run = run_in_batches(step_again, start=failed.value.after)
    assert run.rows == 30 and handled_again[0].start == 20
