# Shared helpers for phoenix-exchange tests (sourced). Builds on the integration helpers
# (temp dir, pass/fail, bounded waits). Loopback only.
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
: "${PHOENIX_EXCHANGE_BIN:?PHOENIX_EXCHANGE_BIN must point at the phoenix-exchange binary}"

PY=/usr/bin/python3
XCLIENT="$PHOENIX_SOURCE_DIR/tests/exchange/xclient.py"
DEMO_HMAC_KEY=$(awk '/type: hmac/{getline; print $2; exit}' "$PHOENIX_SOURCE_DIR/configs/exchange.yaml")
DEMO_HMAC_SECRET=$(cat "$PHOENIX_SOURCE_DIR/configs/demo-keys/demo-hmac.secret")

# make_exchange_config <out.yaml> [sed expressions...]: a copy of configs/exchange.yaml
# (with its demo keys beside it), edited by the given sed expressions.
make_exchange_config() {
  local out=$1; shift
  mkdir -p "$(dirname "$out")/demo-keys"
  cp "$PHOENIX_SOURCE_DIR"/configs/demo-keys/* "$(dirname "$out")/demo-keys/"
  local args=()
  local e
  for e in "$@"; do args+=(-e "$e"); done
  if [ ${#args[@]} -gt 0 ]; then
    sed "${args[@]}" "$PHOENIX_SOURCE_DIR/configs/exchange.yaml" >"$out"
  else
    cp "$PHOENIX_SOURCE_DIR/configs/exchange.yaml" "$out"
  fi
}

# start_exchange [args...]: starts phoenix-exchange on a free loopback port (args are
# passed on, e.g. --config F --no-market); sets EX_PID and EX_PORT; its output goes to
# $TEST_TMP/exchange.out / exchange.err.
start_exchange() {
  # Emptied here, not by the child's redirection: the wait below must never read the
  # previous run's "listening" line before the new process has truncated the file.
  : >"$TEST_TMP/exchange.out"
  : >"$TEST_TMP/exchange.err"
  "$PHOENIX_EXCHANGE_BIN" --listen 127.0.0.1:0 "$@" >"$TEST_TMP/exchange.out" 2>"$TEST_TMP/exchange.err" &
  EX_PID=$!
  TEST_PIDS+=("$EX_PID")
  local i
  for ((i = 0; i < 200; i++)); do
    EX_PORT=$(sed -nE 's/^phoenix-exchange listening on 127\.0\.0\.1:([0-9]+)$/\1/p' "$TEST_TMP/exchange.out" 2>/dev/null || true)
    [ -n "$EX_PORT" ] && return 0
    if ! kill -0 "$EX_PID" 2>/dev/null; then break; fi
    sleep 0.05
  done
  echo "phoenix-exchange did not start:" >&2
  cat "$TEST_TMP/exchange.out" "$TEST_TMP/exchange.err" >&2
  return 1
}

stop_exchange() {
  kill -INT "$EX_PID" 2>/dev/null || true
  wait_for_exit "$EX_PID" 15
}

# admin <method> <path?query>: calls the admin API and prints the body; the HTTP status
# is kept for admin_status (a file: `out=$(admin ...)` runs in a subshell).
admin() {
  local out
  out=$(curl -sS --max-time 10 -X "$1" -w '\n%{http_code}' "http://127.0.0.1:$EX_PORT$2")
  tail -n1 <<<"$out" >"$TEST_TMP/admin.status"
  sed '$d' <<<"$out"
}
admin_status() { cat "$TEST_TMP/admin.status" 2>/dev/null || echo none; }

# exchange_metric <name{labels}>: one sample of the exchange's own /metrics ("" when absent).
exchange_metric() {
  curl -sS --max-time 5 "http://127.0.0.1:$EX_PORT/metrics" | awk -v k="$1" 'index($0, k" ") == 1 {print $2}'
}

# xclient <command> [args...]: the python3-websockets test client (tests/exchange/xclient.py).
xclient() {
  "$PY" "$XCLIENT" --port "$EX_PORT" "$@"
}

# On failure, show the exchange's log: the test's own output says what the client saw.
finish() {
  echo "$passes passed, $failures failed"
  if [ "$failures" -ne 0 ] && [ -f "$TEST_TMP/exchange.err" ]; then
    echo "--- phoenix-exchange stderr (last 40 lines):" >&2
    tail -n 40 "$TEST_TMP/exchange.err" >&2
  fi
  [ "$failures" -eq 0 ]
}
