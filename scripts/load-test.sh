#!/usr/bin/env bash
# Console load test (issue 10, docs/performance.md "Console under load").
#
# For each backend (SQLite; PostgreSQL when LOAD_POSTGRES_URL or APISEC_TEST_POSTGRES_URL is
# set): seeds a fresh database with a year of results for 10,000 APIs (`apisec
# load-test-seed`), starts the release server on a loopback port, signs in as admin and drives
# the Overview and the list pages (the HTML, whose rendering runs the page's queries) and their
# data server functions (what the browser posts on client-side navigation) with wrk:
# LOAD_CONNECTIONS connections for LOAD_DURATION per target. Prints p50/p99/requests per
# second per target, writes them to target/load-test/results.md, and exits 1 when a target
# has errors or a p99 over LOAD_P99_BUDGET_MS.
#
#   make load-test                       # builds the release binary first
#   LOAD_DURATION=5s scripts/load-test.sh
#
# Only loopback addresses are ever targeted: the script starts its own server.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${APISEC_BIN:-target/release/apisec}
DURATION=${LOAD_DURATION:-20s}
CONNECTIONS=${LOAD_CONNECTIONS:-50}
THREADS=${LOAD_THREADS:-2}
BUDGET_MS=${LOAD_P99_BUDGET_MS:-200}
PG_URL=${LOAD_POSTGRES_URL:-${APISEC_TEST_POSTGRES_URL:-}}
BACKENDS=${LOAD_BACKENDS:-sqlite${PG_URL:+ postgres}}
PASSWORD=load-test-password-1
OUT=target/load-test
say() { echo "load-test: $*" >&2; }

[ -x "$BIN" ] || { say "no $BIN: run 'make build' (or set APISEC_BIN)"; exit 2; }
if ! command -v wrk >/dev/null; then
  say "installing wrk (Debian package)"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get install -y -qq wrk >/dev/null || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null; }
fi
mkdir -p "$OUT"
WORK=$(mktemp -d)
SERVER_PID=""
PG_SCHEMA=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  [ -n "$PG_SCHEMA" ] && psql -q "$PG_URL" -c "DROP SCHEMA IF EXISTS $PG_SCHEMA CASCADE" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wrk script: method, body and session cookie from the environment; prints one RESULT line.
cat > "$WORK/target.lua" <<'LUA'
wrk.method = os.getenv("LT_METHOD")
local body = os.getenv("LT_BODY")
if body ~= nil and body ~= "" then wrk.body = body end
wrk.headers["Cookie"] = "apisec_session=" .. os.getenv("LT_COOKIE")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %.1f %.2f %.2f %.2f %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect + e.read + e.write + e.status + e.timeout))
end
LUA

RESULTS="$OUT/results.md"
{
  echo "| backend | target | requests | req/s | p50 ms | p99 ms | max ms | errors |"
  echo "|---|---|---|---|---|---|---|---|"
} > "$RESULTS"
failed=0

for kind in $BACKENDS; do
  data="$WORK/$kind"; mkdir -p "$data"
  case $kind in
    sqlite) url="sqlite://$data/apisec.db" ;;
    postgres)
      [ -n "$PG_URL" ] || { say "postgres: set LOAD_POSTGRES_URL"; exit 2; }
      PG_SCHEMA="load_test_$$"
      psql -q "$PG_URL" -c "CREATE SCHEMA $PG_SCHEMA" >/dev/null
      case $PG_URL in *\?*) sep='&' ;; *) sep='?' ;; esac
      url="$PG_URL${sep}options=-csearch_path%3D$PG_SCHEMA" ;;
    *) say "unknown backend $kind"; exit 2 ;;
  esac
  port=$(free_port); addr="127.0.0.1:$port"; base="http://$addr"
  export DATABASE_URL="$url" APISEC_DATA_DIR="$data" APISEC_ADMIN_PASSWORD="$PASSWORD"
  say "$kind: seeding a year of data for 10,000 APIs"
  RUST_LOG=warn,sqlx=error "$BIN" load-test-seed
  APISEC_ADDR="$addr" APISEC_ROLE=web APISEC_DEMO_RECORDS_PER_DAY=0 RUST_LOG=warn \
    "$BIN" serve > "$OUT/server-$kind.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 300); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  curl -fs "$base/healthz" >/dev/null || { say "server did not start (see $OUT/server-$kind.log)"; exit 1; }

  # Sign in: a session with its CSRF token, then the login server function.
  jar="$WORK/cookies-$kind"
  csrf=$(curl -fs -c "$jar" -b "$jar" -X POST "$base/api/session" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf"])')
  curl -fs -o /dev/null -c "$jar" -b "$jar" --data-urlencode username=admin \
    --data-urlencode "password=$PASSWORD" --data-urlencode "csrf=$csrf" --data-urlencode next=/overview \
    "$base/api/login"
  cookie=$(awk '$6 == "apisec_session" { print $7 }' "$jar")
  [ -n "$cookie" ] || { say "sign-in failed"; exit 1; }
  rg=$(curl -fs -b "$jar" -X POST "$base/api/session" | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(next(str(g["id"]) for m in s["memberships"] if m["tenant_slug"] == "demo" for g in m["resource_groups"]))' 2>/dev/null || echo "")
  scope="tenant=demo${rg:+&rg=$rg}&region=cn"

  # name | method | path | form body | text the answer must contain
  targets=(
    "overview page|GET|/overview?$scope||data-testid=\"ov-apis-total\""
    "assets page|GET|/assets?$scope||data-testid=\"asset-row\""
    "risks page|GET|/risks?$scope||data-testid=\"risk-row\""
    "events page|GET|/events?$scope||data-testid=\"event-row\""
    "POST /api/overview|POST|/api/overview|$scope|\"risky_sites\""
    "POST /api/assets_list|POST|/api/assets_list|$scope&query%5Bq%5D=|\"rows\""
    "POST /api/risks_list|POST|/api/risks_list|$scope&query=|\"rows\""
    "POST /api/events_list|POST|/api/events_list|$scope&query=|\"rows\""
  )
  for t in "${targets[@]}"; do
    IFS='|' read -r name method path body marker <<<"$t"
    # The answer must be the real page or data (not a sign-in redirect or an error page).
    if [ "$method" = GET ]; then
      answer=$(curl -s -w '\n%{http_code}' -b "$jar" "$base$path")
    else
      answer=$(curl -s -w '\n%{http_code}' -b "$jar" -H 'Content-Type: application/x-www-form-urlencoded' --data "$body" "$base$path")
    fi
    code=${answer##*$'\n'}
    if [ "$code" != 200 ] || ! grep -qF -- "$marker" <<<"$answer"; then
      say "$kind $name: HTTP $code without $marker"; failed=1; continue
    fi
    line=$(LT_METHOD=$method LT_BODY=$body LT_COOKIE=$cookie \
      wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s -s "$WORK/target.lua" "$base$path" | grep '^RESULT')
    read -r _ requests rps p50 p99 max errors <<<"$line"
    printf '%-9s %-24s %7d req  %7.1f req/s  p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  errors %d\n' \
      "$kind" "$name" "$requests" "$rps" "$p50" "$p99" "$max" "$errors"
    echo "| $kind | $name | $requests | $rps | $p50 | $p99 | $max | $errors |" >> "$RESULTS"
    # No completed request within the run is a failure too (wrk then reports 0 latencies).
    if [ "$errors" != 0 ] || [ "$requests" = 0 ] || awk -v p="$p99" -v b="$BUDGET_MS" 'BEGIN { exit !(p > b) }'; then failed=1; fi
  done
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
done

say "results in $RESULTS (${CONNECTIONS} connections, ${DURATION} per target, p99 budget ${BUDGET_MS} ms)"
[ "$failed" = 0 ] || { say "FAILED: errors or p99 over ${BUDGET_MS} ms"; exit 1; }
