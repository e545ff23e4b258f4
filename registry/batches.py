"""Long jobs in bounded batches: each batch one call of a service (its own transaction, with its
audit entries, cache bumps and tasks), a progress report after each, and a failure that names its batch.

A daily job over a registry of millions (records whose publicity ended, listings whose term ended,
every enterprise's rating) must never hold one transaction for all of it: locks and the database's
undo would grow with the registry, and a failure near the end would lose everything. So a job is a
``step`` that does one batch after a position (an id, or a key such as (date, id)) and returns how
many rows it handled and the position to continue from; ``run_in_batches`` calls it until there is
nothing left, reporting ``BatchProgress`` (rows done, rate, estimated time left) after each.

A batch that fails rolls back alone: the batches before it stay committed, and ``BatchFailed`` says
which batch it was, after which position, and how many rows were committed before it. Running the
job again continues where it stopped, since the jobs only pick rows still due.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

__all__ = ["BatchFailed", "BatchProgress", "BatchRun", "run_in_batches"]


@dataclass(frozen=True)
class BatchProgress:
    """After a committed batch: its number and rows, and the totals so far."""

    batch: int
    rows: int
    done: int
    total: int | None
    seconds: float
    position: Any

    @property
    def rate(self) -> float:
        """Rows per second so far."""
        return self.done / self.seconds if self.seconds > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        """Seconds left at the rate so far (None without a total or a rate)."""
        if self.total is None or not self.rate:
            return None
        return max(0, self.total - self.done) / self.rate

    def line(self, noun: str) -> str:
        """One line for a terminal or a log: batch, rows, share of the total, rate, time left."""
        values = {
            "batch": self.batch,
            "rows": f"{self.rows:,}",
            "noun": noun,
            "done": f"{self.done:,}",
            "rate": f"{self.rate:,.0f}",
        }
        if self.total:
            values |= {"total": f"{self.total:,}", "percent": min(100, round(100 * self.done / self.total))}
            text = _(
                "batch %(batch)d: %(rows)s %(noun)s (%(done)s of about %(total)s, %(percent)d%%), %(rate)s a second"
            )
        else:
            text = _("batch %(batch)d: %(rows)s %(noun)s (%(done)s in all), %(rate)s a second")
        eta = self.eta_seconds
        if eta is not None:
            text += "; " + _("about %(seconds)s left") % {"seconds": _duration(eta)}
        return text % values


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 120:
        return _("%(n)d s") % {"n": seconds}
    if seconds < 7200:
        return _("%(n)d min") % {"n": round(seconds / 60)}
    return _("%(n).1f h") % {"n": seconds / 3600}


@dataclass(frozen=True)
class BatchRun:
    """A job run to its end."""

    batches: int
    rows: int
    seconds: float


class BatchFailed(Exception):
    """A batch failed and rolled back; the batches before it are committed."""

    def __init__(self, *, batch: int, after: Any, done: int, cause: BaseException) -> None:
        self.batch, self.after, self.done, self.cause = batch, after, done, cause
        super().__init__(
            _(
                "batch %(batch)d failed (the rows after %(after)s): %(cause)s. The %(done)s rows of the "
                "batches before it are committed; running the job again continues from there."
            )
            % {
                "batch": batch,
                "after": after if after is not None else _("the start"),
                "cause": cause,
                "done": f"{done:,}",
            }
        )


def run_in_batches(
    step: Callable[[Any], tuple[int, Any] | None],
    *,
    start: Any = None,
    total: int | None = None,
    progress: Callable[[BatchProgress], Any] | None = None,
) -> BatchRun:
    """Call ``step(position)`` until it returns None (nothing left); each call is one batch.

    ``step`` returns (rows handled, position after this batch). ``total`` (an estimate of the rows
    due, for the progress and its time left) may be None. Raises ``BatchFailed`` from the exception
    of the first batch that fails.
    """
    started = time.perf_counter()
    position, number, done = start, 0, 0
    while True:
        number += 1
        try:
            outcome = step(position)
        except Exception as exc:
            raise BatchFailed(batch=number, after=position, done=done, cause=exc) from exc
        if outcome is None:
            return BatchRun(batches=number - 1, rows=done, seconds=time.perf_counter() - started)
        rows, position = outcome
        done += rows
        if progress:
            progress(
                BatchProgress(
                    batch=number,
                    rows=rows,
                    done=done,
                    total=total,
                    seconds=time.perf_counter() - started,
                    position=position,
                )
            )
