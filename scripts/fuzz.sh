#!/usr/bin/env bash
# `make fuzz`: serve the app on 127.0.0.1 and let schemathesis fuzz the API from its own OpenAPI
# schema with every check (--checks all): no server error; every status code, content type, header
# and body as the schema documents it; requests the schema allows accepted, and those it forbids
# refused; unsupported methods answered 405; authentication not ignored. Once anonymously, once
# with a one-day agency token. scripts/schemathesis.toml names the few operations whose rules
# depend on the data (a 400 to a request of the right shape), and why. Any failure fails the run.
#
# FUZZ_EXAMPLES: test cases per operation and phase (default 25); FUZZ_SEED: replay a run's seed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT=${FUZZ_PORT:-8765}
EXAMPLES=${FUZZ_EXAMPLES:-25}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.local}
export DEBUG=false PORTAL_PAGE_RATE=1000000/min PUBLIC_API_ANON_RATE=1000000/min \
  API_ANON_RATE=1000000/min API_USER_RATE=1000000/min SIGN_IN_RATE=1000000/min
$PY manage.py migrate --noinput >/dev/null
$PY manage.py seed_demo >/dev/null
AGENCY=$($PY manage.py shell -c "from registry.models import Agency; print(Agency.objects.order_by('id').first().uscc)" | tail -1)
KEY=$($PY manage.py issue_token "$AGENCY" "schemathesis fuzz" --days 1 | grep '^crt_')
# gunicorn, as in production: Django's runserver answers the same requests about four times slower.
# No limit on the request line: a long one is the front server's 414 (an HTML page of its own, before
# the application), not the API's contract, and schemathesis' repeated parameters make long lines.
.venv/bin/gunicorn config.wsgi --bind "127.0.0.1:$PORT" --workers 2 --threads 2 --limit-request-line 0 \
  >/dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 30); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 1; done
SCHEMA="http://127.0.0.1:$PORT/api/schema/"
fuzz() {
  .venv/bin/schemathesis --config-file scripts/schemathesis.toml run "$SCHEMA" --url "http://127.0.0.1:$PORT" \
    --checks all --max-examples "$EXAMPLES" -w 1 ${FUZZ_SEED:+--seed "$FUZZ_SEED"} "$@"
}
# The two passes run side by side (each schemathesis process keeps about one core busy), each into a
# log of its own that is printed whole when it ends.
LOGS=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$LOGS"' EXIT
fuzz >"$LOGS/anonymous" 2>&1 &
ANONYMOUS=$!
fuzz -H "Authorization: Bearer $KEY" >"$LOGS/token" 2>&1 &
TOKEN=$!
failed=0
wait $ANONYMOUS || failed=1
echo "==> anonymous"
cat "$LOGS/anonymous"
wait $TOKEN || failed=1
echo "==> with an agency token (writes included; they go to the development database)"
cat "$LOGS/token"
if [ "$failed" != 0 ]; then
  echo "make fuzz: the API does not do what its schema says (see the failures above)"
  exit 1
fi
echo "make fuzz: 0 failures"
