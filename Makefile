# Two commands: `make run` serves the portal with demo data, `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test lint format bench bench-1m bench-10m fuzz worker beat messages stop clean signing-key backup restore

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	@bash scripts/run.sh

# The suite runs in TEST_WORKERS processes (pytest-xdist), each taking a file's tests of one kind at a
# time (tests/conftest.py: the transactional ones still last on every worker). TEST_WORKERS=0 runs it
# in this process, as `pytest` alone does (docs/operations.md, "Tests").
TEST_WORKERS ?= 3
test: install
	$(PY) -m pytest $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadgroup)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Each benchmark uses its own *_bench database and writes bench/results/<name>.json.
# The HTTP ones (portal, badges) drive gunicorn with wrk, installed here from Debian if missing.
bench: install
	@command -v wrk >/dev/null || (apt-get install -y -qq wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk)) \
		|| { echo "wrk is needed for the HTTP benchmarks: apt-get install wrk"; exit 1; }
	$(PY) -m bench.bench_seed
	$(PY) -m bench.bench_import
	$(PY) -m bench.bench_records_import
	$(PY) -m bench.bench_search
	$(PY) -m bench.bench_portal
	$(PY) -m bench.bench_search_http
	$(PY) -m bench.bench_standings
	$(PY) -m bench.bench_badges
	$(PY) -m bench.bench_statistics
	$(PY) -m bench.bench_export
	$(PY) -m bench.bench_changes
	$(PY) -m bench.bench_webhooks
	@echo "Results: bench/results/"

# The registry at 1 M and at 10 M enterprises (not part of `make bench`: the 10 M database takes hours to
# seed and tens of GB): seeds credit_registry_<size>_bench with seed_demo (or reuses it), then measures
# search, first views, imports and the batch jobs with the portal serving alongside; then the open-data
# export of that database and the annual-report listing job at the same size. Results:
# bench/results/seed_<size>.json, scale_<size>.json, export.json ("reused") and annual_reports[_10m].json
# (README, "At 10 million enterprises").
bench-1m bench-10m: install
	@command -v wrk >/dev/null || (apt-get install -y -qq wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk)) \
		|| { echo "wrk is needed for the HTTP benchmarks: apt-get install wrk"; exit 1; }
	$(PY) -m bench.bench_scale all --size $(subst bench-,,$@)
	$(PY) -m bench.bench_search_sample --db credit_registry_$(subst bench-,,$@)_bench
	$(PY) -m bench.bench_export --reuse credit_registry_$(subst bench-,,$@)_bench
	$(PY) -m bench.bench_annual_reports --enterprises $(if $(filter bench-10m,$@),10000000,1000000)

# Fuzz the API from its OpenAPI schema (schemathesis, every check) against a local server: 0 failures.
fuzz: install
	@bash scripts/fuzz.sh

worker: install
	$(PY) -m celery -A config worker -Q celery,webhooks --loglevel=INFO

beat: install
	$(PY) -m celery -A config beat --loglevel=INFO --schedule=.data/celerybeat-schedule

messages: install
	$(PY) manage.py makemessages -l zh_Hans --no-location --no-obsolete --ignore=.venv --ignore=.data --ignore=bench --ignore=tests --ignore=reports
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv

stop: install
	$(PY) -c "from config.embedded_pg import stop; print('stopped' if stop() else 'not running')"

clean: stop
	rm -rf .data

signing-key: install
	@$(PY) -c "import base64,secrets; print(base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b'=').decode())"

# The database (pg_dump -Fc), the signing keys (encrypted with BACKUP_PASSPHRASE, or asked for) and the
# uploaded files into backups/<UTC time>/ (docs/operations.md, "Backups"). BACKUP_DIR=... to put it elsewhere.
backup: install
	$(PY) manage.py registry_backup $(if $(BACKUP_DIR),--output "$(BACKUP_DIR)")

# Into an empty database (DATABASE_URL, or the embedded one): make restore BACKUP=backups/<time>
# [REPLACE=1 to overwrite one that is not empty].
restore: install
	@test -n "$(BACKUP)" || { echo "Usage: make restore BACKUP=backups/<time> [REPLACE=1]"; exit 2; }
	$(PY) manage.py registry_restore "$(BACKUP)" $(if $(REPLACE),--replace)
