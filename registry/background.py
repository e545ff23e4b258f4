"""Background work named by its Celery task name, so a lower layer never imports the one above."""

from __future__ import annotations

from typing import Any

from celery import current_app


def task_by_name(name: str):
    """The task registered as ``name``, importing the task modules first if this process has not."""
    task = current_app.tasks.get(name)
    if task is None:
        current_app.loader.import_default_modules()
        task = current_app.tasks[name]
    return task


def task_on_commit(name: str, *args: Any) -> None:
    """Queue the task registered as ``name`` with ``args`` once the current transaction commits."""
    task_by_name(name).delay_on_commit(*args)
