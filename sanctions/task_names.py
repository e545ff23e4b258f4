"""The names under which the sanctions tasks are registered with Celery.

A lower layer schedules a consequence that a higher one carries out by naming its task (a record
change → the ratings built on it), never by importing that layer (docs/architecture.md). The names
are those of queued messages and beat schedules already in use, so they do not follow the modules.
"""

IMPORT_PROCESS = "sanctions.tasks.import_process"
IMPORTS_SWEEP = "sanctions.tasks.imports_sweep"
RECORDS_EXPIRE = "sanctions.tasks.records_expire"
RATING_RECOMPUTE = "sanctions.rating_tasks.rating_recompute"
# Many enterprises in one message: a batch of the expiry jobs (one message per 500, not one each).
RATINGS_RECOMPUTE_MANY = "sanctions.rating_tasks.ratings_recompute_many"
LISTINGS_EXPIRE = "sanctions.rating_tasks.listings_expire"
STATISTICS_REFRESH = "sanctions.tasks.statistics_refresh"
ANNUAL_REPORTS_ENFORCE = "sanctions.tasks.annual_reports_enforce"
PARTNERS_SYNC = "sanctions.tasks.partners_sync"
