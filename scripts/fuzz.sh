#!/usr/bin/env bash
# `make fuzz`: serve the app on 127.0.0.1 and let schemathesis fuzz the API from its own OpenAPI
# schema, anonymously and with a one-day agency token: no request may end in a server error.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT=${FUZZ_PORT:-8765}
EXAMPLES=${FUZZ_EXAMPLES:-25}
export DEBUG=false PORTAL_PAGE_RATE=1000000/min PUBLIC_API_ANON_RATE=1000000/min \
  API_ANON_RATE=1000000/min API_USER_RATE=1000000/min SIGN_IN_RATE=1000000/min
$PY manage.py migrate --noinput >/dev/null
$PY manage.py seed_demo >/dev/null
AGENCY=$($PY manage.py shell -c "from registry.models import Agency; print(Agency.objects.order_by('id').first().uscc)" | tail -1)
KEY=$($PY manage.py issue_token "$AGENCY" "schemathesis fuzz" --days 1 | grep '^crt_')
$PY manage.py runserver "127.0.0.1:$PORT" --noreload >/dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 30); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 1; done
SCHEMA="http://127.0.0.1:$PORT/api/schema/"
echo "==> anonymous"
.venv/bin/schemathesis run "$SCHEMA" --url "http://127.0.0.1:$PORT" --checks not_a_server_error \
  --max-examples "$EXAMPLES" -w 1
echo "==> with an agency token (writes included; they go to the development database)"
.venv/bin/schemathesis run "$SCHEMA" --url "http://127.0.0.1:$PORT" --checks not_a_server_error \
  -H "Authorization: Bearer $KEY" --max-examples "$EXAMPLES" -w 1
