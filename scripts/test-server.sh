#!/usr/bin/env bash
# The server's tests with real clients, against real processes on loopback: the official `openai`
# client (SQLite store, an API key), restarts and SIGTERM, 200 concurrent calls, headless Chromium on
# the web page, and two workers on PostgreSQL with one killed mid-job. Installs the clients into
# venv-server/ and chromium, chromedriver and PostgreSQL from Debian when missing.
# Usage: ZOETROPE=.build/release/zoetrope bash scripts/test-server.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ZOETROPE=${ZOETROPE:-.build/release/zoetrope}
ARTIFACTS=${ZOETROPE_ARTIFACTS:-out/test-artifacts}
mkdir -p "$ARTIFACTS"
export ZOETROPE_BINARY=$ZOETROPE ZOETROPE_ARTIFACTS=$ARTIFACTS
# The client marks the Videos API deprecated on every call; the tests know.
export PYTHONWARNINGS=ignore::DeprecationWarning

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v chromium > /dev/null || missing+=(chromium)
command -v chromedriver > /dev/null || missing+=(chromium-driver)
ls /usr/lib/postgresql/*/bin/initdb > /dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
    as_root apt-get update -q && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
if ! venv-server/bin/python -c "import openai, httpx, selenium" 2> /dev/null; then
    python3 -m venv venv-server
    venv-server/bin/pip install -q -r tools/server-tests/requirements.txt
fi
PY=venv-server/bin/python

work=$(mktemp -d)
servers=()
pg_started=""
cleanup() {
    for pid in "${servers[@]}"; do kill -TERM "$pid" 2> /dev/null || true; done
    for pid in "${servers[@]}"; do wait "$pid" 2> /dev/null || true; done
    if [ -n "$pg_started" ]; then bash scripts/stop-postgres.sh > /dev/null 2>&1 || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Starts `zoetrope serve` with the given arguments in the background; sets URL.
start_server() {
    local name=$1; shift
    local port; port=$(free_port)
    "$ZOETROPE" serve --port "$port" "$@" > "$ARTIFACTS/server-$name.log" 2>&1 &
    servers+=($!)
    URL=http://127.0.0.1:$port
    for _ in $(seq 1 120); do
        if curl -sf "$URL/healthz" > /dev/null; then return 0; fi
        if ! kill -0 "${servers[-1]}" 2> /dev/null; then cat "$ARTIFACTS/server-$name.log"; return 1; fi
        sleep 0.5
    done
    echo "server $name did not start"; return 1
}

failed=0
passed_checks=0
failed_checks=0
# Runs one test script, echoing it; its closing "N passed, N failed" line adds to the totals.
run() {
    echo "== $1"; shift
    local log="$work/run.log" status=0
    "$@" 2>&1 | tee "$log" || status=$?
    local summary; summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1 || true)
    if [ -n "$summary" ]; then
        passed_checks=$((passed_checks + ${summary%% passed*}))
        local rest=${summary#*, }; failed_checks=$((failed_checks + ${rest%% failed*}))
    fi
    if [ "$status" != 0 ] || [ -z "$summary" ]; then failed=$((failed + 1)); fi
}

start_server api --database "sqlite:$work/api.db" --api-key test-key
run "openai client" env ZOETROPE_URL="$URL" ZOETROPE_API_KEY=test-key "$PY" tests/server/test_openai_client.py
run "web page in chromium" env ZOETROPE_URL="$URL" ZOETROPE_API_KEY=test-key "$PY" tests/server/test_page.py

start_server busy --database "sqlite:$work/busy.db" --workers 0 --queue-limit 10
run "200 concurrent calls" env ZOETROPE_URL="$URL" ZOETROPE_QUEUE_LIMIT=10 "$PY" tests/server/test_concurrency.py

run "restarts, SIGTERM and memory" "$PY" tests/server/test_restart.py

# The PostgreSQL cluster of scripts/test.sh when it runs one (ZOETROPE_TEST_POSTGRES), else our own;
# a database of this test's own on it either way.
pg_base=${ZOETROPE_TEST_POSTGRES:-}
if [ -z "$pg_base" ]; then pg_base=$(bash scripts/start-postgres.sh); pg_started=yes; fi
pg_url=${pg_base%/*}/zoetrope_server_test
PGOPTIONS="--client-min-messages=warning" psql "$pg_base" -q -c "DROP DATABASE IF EXISTS zoetrope_server_test" -c "CREATE DATABASE zoetrope_server_test"
start_server postgres --database "$pg_url" --workers 0
run "two workers on PostgreSQL, one killed" env ZOETROPE_URL="$URL" ZOETROPE_DATABASE="$pg_url" "$PY" tests/server/test_postgres_workers.py

[ "$failed" = 0 ] || echo "server: $failed test script(s) failed or did not finish"
echo "server: $passed_checks passed, $failed_checks failed"
[ "$failed" = 0 ]
