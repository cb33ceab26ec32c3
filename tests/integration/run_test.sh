#!/usr/bin/env bash
# `phoenix --config` runs, serves /metrics (accepted by promtool) and /healthz, keeps
# secrets out of its log, and stops cleanly (exit 0) on SIGTERM and on SIGINT. A taken
# metrics port is a runtime failure (exit 1) with a clear message.
source "$(dirname "$0")/lib.sh"
cd "$PHOENIX_SOURCE_DIR"

export PHOENIX_API_KEY="run-key-abcdef123456" PHOENIX_API_SECRET="run-secret-never-in-logs-77"
make_sim_config "$TEST_TMP/sim.yaml"

start_phoenix() {
  start_phoenix_with "$TEST_TMP/sim.yaml" && pass "phoenix listening on port $PORT"
}

for sig in TERM INT; do
  start_phoenix
  metrics=$(curl -sS --max-time 5 "http://127.0.0.1:$PORT/metrics")
  expect_contains "$metrics" "process_cpu_seconds_total" "/metrics has process metrics"
  expect_contains "$metrics" "process_resident_memory_bytes" "/metrics has RSS"
  expect_contains "$metrics" "phoenix_build_info" "/metrics has build info"
  if out=$(promtool check metrics <<<"$metrics" 2>&1); then pass "promtool accepts /metrics"; else fail "promtool: $out"; fi
  expect_eq "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$PORT/healthz")" 200 "/healthz is 200"
  expect_eq "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$PORT/nope")" 404 "unknown path is 404"

  kill -"$sig" "$PID"
  wait_for_exit "$PID" 15
  expect_eq "$EXIT_CODE" 0 "SIG$sig stops cleanly with exit 0"
  log=$(cat "$TEST_TMP/phoenix.log" "$TEST_TMP/stderr.log")
  expect_contains "$log" "phoenix_stopped" "SIG$sig: stop is logged"
  expect_contains "$log" "signal=SIG$sig" "SIG$sig: the signal is named"
  expect_not_contains "$log" "run-secret-never-in-logs-77" "SIG$sig: the secret is not in the log"
  expect_not_contains "$log" "run-key-abcdef123456" "SIG$sig: the api key is not in the log"
  if grep -vE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z (TRACE|DEBUG|INFO|WARN|ERROR|CRIT) [a-z0-9_]+( |$)' "$TEST_TMP/phoenix.log" | grep -q .; then
    fail "every log line has the 'UTC-ms LEVEL event k=v' shape"; head -5 "$TEST_TMP/phoenix.log" >&2
  else
    pass "every log line has the 'UTC-ms LEVEL event k=v' shape"
  fi
done

# A taken port: start one instance, then a second on the same port.
start_phoenix
sed -e "s#\"127.0.0.1:0\"#\"127.0.0.1:$PORT\"#" -e "s#phoenix.log#phoenix2.log#" "$TEST_TMP/sim.yaml" > "$TEST_TMP/taken.yaml"
set +e
out=$(timeout 20 "$PHOENIX_BIN" --config "$TEST_TMP/taken.yaml" 2>&1)
rc=$?
set -e
expect_eq "$rc" 1 "a taken metrics port exits 1"
expect_contains "$out" "127.0.0.1:$PORT" "the taken address is named"
kill -TERM "$PID"; wait_for_exit "$PID" 15
expect_eq "$EXIT_CODE" 0 "first instance still stops cleanly"

# --dry-run needs no credentials.
unset PHOENIX_API_KEY PHOENIX_API_SECRET
rm -f "$TEST_TMP/phoenix.log"
"$PHOENIX_BIN" --config "$TEST_TMP/sim.yaml" --dry-run 2>"$TEST_TMP/stderr.log" &
PID=$!; TEST_PIDS+=("$PID")
if line=$(wait_for_log "$TEST_TMP/phoenix.log" "phoenix_ready" 20); then
  expect_contains "$line" "dry_run=true" "--dry-run runs without credentials"
else
  fail "--dry-run did not start"; cat "$TEST_TMP/stderr.log" >&2
fi
kill -TERM "$PID"; wait_for_exit "$PID" 15
expect_eq "$EXIT_CODE" 0 "dry-run instance stops cleanly"

finish
