"""Background work named by its Celery task name, so a lower layer never imports the one above.

Queuing never fails the request that asked for it: the change is committed already, and a broker
(Redis) that cannot take the message is an outage to log, not the user's error. Every task of the
project is a ``Task`` below (``config/celery.py``), whose ``delay_on_commit`` logs such a failure
instead of raising it. What was not queued is found again by the periodic jobs (a pending import
by the imports' sweeper, which re-queues it); the log names the task and its arguments.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from celery import current_app
from celery.contrib.django.task import DjangoTask
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

from .cache_backend import OUTAGE_ERRORS

logger = logging.getLogger(__name__)

# The broker did not take the message: kombu's own error (it wraps the transport's connection
# errors), or a Redis error from the result backend's subscription before the message is sent.
BROKER_ERRORS: tuple[type[BaseException], ...] = (BrokerError, *OUTAGE_ERRORS)
# One more try after a failed send (a pooled connection that a restarted Redis closed), not kombu's
# three: with the broker's 3 s socket timeout a hung Redis then costs a request at most about 9 s.
SEND_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


class Task(DjangoTask):
    """Celery's Django task, whose ``delay_on_commit`` never raises a broker outage into the request."""

    def delay_on_commit(self, *args: Any, **kwargs: Any) -> None:
        transaction.on_commit(functools.partial(self.delay_or_log, *args, **kwargs))

    def delay_or_log(self, *args: Any, **kwargs: Any) -> bool:
        """Queue the task; False, with a warning logged, if the broker could not take the message.

        Nobody waits for a task queued this way (its effects are in the database), so its result is
        not kept: the web process then never subscribes to the result backend, whose client, once
        Redis is gone, retries for 20 s and then stays broken until the process restarts. Run
        eagerly (tests, no ``REDIS_URL``) the task's own errors propagate as they are.
        """
        if self.app.conf.task_always_eager:
            self.delay(*args, **kwargs)
            return True
        try:
            self.apply_async(args, kwargs, ignore_result=True, retry_policy=SEND_RETRY_POLICY)
        except Exception as error:  # noqa: BLE001 - sending runs no task code: any failure is the broker's
            logger.warning(
                "background: could not queue %s%r, the broker is unavailable (%s: %s); "
                "a periodic job must pick the work up later",
                self.name,
                args,
                error.__class__.__name__,
                error,
                exc_info=not isinstance(error, BROKER_ERRORS),  # kombu's internals can fail oddly too
            )
            return False
        return True


def task_by_name(name: str):
    """The task registered as ``name``, importing the task modules first if this process has not."""
    task = current_app.tasks.get(name)
    if task is None:
        current_app.loader.import_default_modules()
        task = current_app.tasks[name]
    return task


def task_on_commit(name: str, *args: Any) -> None:
    """Queue the task registered as ``name`` with ``args`` once the current transaction commits
    (a broker outage is logged, never raised into the request: ``Task.delay_on_commit``)."""
    task_by_name(name).delay_on_commit(*args)
