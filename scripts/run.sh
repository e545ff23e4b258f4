#!/usr/bin/env bash
# `make run`: database (embedded unless DATABASE_URL), migrations, reference and demo data, web server.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.local}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

echo "==> Database"
$PY manage.py migrate --noinput
echo "==> Reference data and demo data (only what is missing is created)"
$PY manage.py load_reference
$PY manage.py seed_demo

if [ -z "${REDIS_URL:-}" ]; then
  echo "==> REDIS_URL is not set: background tasks run inline, cache is in memory."
else
  echo "==> REDIS_URL is set: start a worker in another terminal with 'make worker'."
fi

cleanup() {
  echo
  echo "==> Stopping"
  if [ -z "${DATABASE_URL:-}" ]; then
    $PY -c "from config.embedded_pg import stop_after_run; print('    ' + stop_after_run())" 2>/dev/null || true
  fi
}
trap cleanup EXIT

echo
echo "    Portal:     http://$HOST:$PORT/"
echo "    API docs:   http://$HOST:$PORT/api/docs/"
echo "    Admin:      http://$HOST:$PORT/admin/"
echo "    Demo accounts (password demo12345): admin (registry administrator),"
echo "      samr_clerk / samr_reviewer (国家市场监督管理总局), zj_clerk / zj_reviewer (浙江省市场监督管理局)"
echo "    Stop with Ctrl-C."
echo
# In the foreground, so that Ctrl-C reaches the server (a background job of a script would ignore it);
# when the server has stopped, the EXIT trap stops the embedded database.
$PY manage.py runserver "$HOST:$PORT" || true
