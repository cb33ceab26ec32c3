# Shared helpers for integration tests (sourced, not run). Each test gets a private
# temp dir and kills whatever it started on exit. Loopback only; every wait is bounded.
set -euo pipefail

: "${PHOENIX_BIN:?PHOENIX_BIN must point at the phoenix binary}"
: "${PHOENIX_SOURCE_DIR:?PHOENIX_SOURCE_DIR must point at the repository}"

TEST_TMP=$(mktemp -d /tmp/phoenix-it.XXXXXX)
TEST_PIDS=()
cleanup() {
  for pid in "${TEST_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$TEST_TMP"
}
trap cleanup EXIT

failures=0
passes=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*"; passes=$((passes + 1)); }
finish() {
  echo "$passes passed, $failures failed"
  [ "$failures" -eq 0 ]
}

# expect_contains <haystack> <needle> <what>
expect_contains() {
  if grep -qF -- "$2" <<<"$1"; then pass "$3"; else fail "$3: expected to find '$2' in:"; echo "$1" | head -40 >&2; fi
}
expect_not_contains() {
  if grep -qF -- "$2" <<<"$1"; then fail "$3: '$2' must not appear"; else pass "$3"; fi
}
expect_eq() { if [ "$1" = "$2" ]; then pass "$3"; else fail "$3: expected '$2', got '$1'"; fi; }

# A copy of configs/sim.yaml with metrics on a free port and the log in the temp dir.
make_sim_config() {
  local out=$1
  sed -e "s#^\(\s*listen:\).*#\1 \"127.0.0.1:0\"#" \
      -e "s#^\(\s*file:\).*#\1 \"$TEST_TMP/phoenix.log\"#" \
      "$PHOENIX_SOURCE_DIR/configs/sim.yaml" > "$out"
}

# wait_for_log <file> <pattern> [timeout_s]: prints the first matching line.
wait_for_log() {
  local file=$1 pattern=$2 timeout=${3:-15} i
  for ((i = 0; i < timeout * 20; i++)); do
    if [ -f "$file" ] && grep -m1 -E -- "$pattern" "$file"; then return 0; fi
    sleep 0.05
  done
  return 1
}

# wait_for_exit <pid> [timeout_s]: sets EXIT_CODE; 124 on timeout.
wait_for_exit() {
  local pid=$1 timeout=${2:-15} i
  for ((i = 0; i < timeout * 20; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      set +e; wait "$pid"; EXIT_CODE=$?; set -e
      return 0
    fi
    sleep 0.05
  done
  EXIT_CODE=124
}

# start_fake_ws <name> [args...]: starts tests/interop/fake_binance_ws.py (python3-websockets),
# sets FAKE_PORT. Its stdout/stderr go to $TEST_TMP/<name>.out / .err.
start_fake_ws() {
  local name=$1; shift
  /usr/bin/python3 "$PHOENIX_SOURCE_DIR/tests/interop/fake_binance_ws.py" --lifetime-s 90 "$@" \
    >"$TEST_TMP/$name.out" 2>"$TEST_TMP/$name.err" &
  TEST_PIDS+=("$!")
  disown "$!"  # killed at exit without a "Killed" line
  local i
  for ((i = 0; i < 100; i++)); do
    FAKE_PORT=$(awk '/^LISTENING/{print $2}' "$TEST_TMP/$name.out" 2>/dev/null || true)
    [ -n "$FAKE_PORT" ] && return 0
    sleep 0.05
  done
  echo "fake server $name did not start:" >&2; cat "$TEST_TMP/$name.err" >&2
  return 1
}

# make_md_config <out> <port> [compression] [extra market_data lines...]: a dry-run config
# whose market data (and REST) point at 127.0.0.1:<port>, metrics on a free port.
make_md_config() {
  local out=$1 port=$2 compression=${3:-context}; shift 3 || shift $#
  {
    cat <<YAML
instance_id: itest
dry_run: true
exchange:
  venue: local
  rest_url: http://127.0.0.1:$port
  ws_market_url: ws://127.0.0.1:$port
  ws_api_url: ws://127.0.0.1:$port/ws-api/v3
market_data:
  stale_after_ms: 2000
  compression: $compression
  streams: [book_ticker]
  summary_interval_ms: 1000
  reconnect:
    initial_backoff_ms: 200
    max_backoff_ms: 5000
    stable_after_ms: 3000
YAML
    local line
    for line in "$@"; do echo "  $line"; done
    cat <<YAML
symbols:
  - { symbol: ETHUSDC, size_quote: 20 }
  - { symbol: SOLUSDC, size_quote: 20 }
metrics:
  listen: "127.0.0.1:0"
logging:
  file: "$TEST_TMP/phoenix.log"
  stderr: false
YAML
  } > "$out"
}

# start_phoenix_with <config>: starts phoenix in the background, waits for metrics; sets PID, PORT.
start_phoenix_with() {
  rm -f "$TEST_TMP/phoenix.log"
  "$PHOENIX_BIN" --config "$1" 2>"$TEST_TMP/stderr.log" &
  PID=$!
  TEST_PIDS+=("$PID")
  local line
  if ! line=$(wait_for_log "$TEST_TMP/phoenix.log" "metrics_listening" 20); then
    fail "phoenix did not start"; cat "$TEST_TMP/stderr.log" "$TEST_TMP/phoenix.log" >&2 2>/dev/null; return 1
  fi
  PORT=$(sed -E 's/.*addr=[^ ]*:([0-9]+).*/\1/' <<<"$line")
}

# metric <name{labels}>: the value of one exposed sample ("" when absent).
metric() {
  curl -sS --max-time 5 "http://127.0.0.1:$PORT/metrics" | awk -v k="$1" 'index($0, k" ") == 1 {print $2}'
}

stop_phoenix() {
  kill -INT "$PID" 2>/dev/null || true
  wait_for_exit "$PID" 15
}
