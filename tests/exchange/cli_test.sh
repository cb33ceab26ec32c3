#!/usr/bin/env bash
# phoenix-exchange's command line: version, config check, bad config and flags (exit 2),
# port 0, clean stop on SIGINT/SIGTERM.
source "$(dirname "$0")/lib.sh"
X=$PHOENIX_EXCHANGE_BIN
cd "$PHOENIX_SOURCE_DIR"

out=$("$X" --version); expect_contains "$out" "phoenix-exchange " "--version"
out=$("$X" --check-config --config configs/exchange.yaml); expect_contains "$out" "OK (5 symbols" "--check-config on the shipped config"

printf 'assets: {USDC: 8}\nsymbols: []\nbogus: 1\n' >"$TEST_TMP/bad.yaml"
set +e; out=$("$X" --check-config --config "$TEST_TMP/bad.yaml" 2>&1); rc=$?; set -e
expect_eq "$rc" 2 "a bad config exits 2"
expect_contains "$out" "bad.yaml:3:1: bogus: unknown key" "the problem is located"
expect_contains "$out" "symbols: expected a non-empty list" "every problem is reported"

set +e; out=$("$X" --config configs/exchange.yaml --listen nonsense 2>&1); rc=$?; set -e
expect_eq "$rc" 2 "a bad --listen exits 2"
expect_contains "$out" "--listen nonsense: expected HOST:PORT" "--listen error says what is expected"
set +e; out=$("$X" --no-such-flag 2>&1); rc=$?; set -e
expect_eq "$rc" 2 "an unknown flag exits 2"

start_exchange --config configs/exchange.yaml
pass "listening on a free port ($EX_PORT) with --listen 127.0.0.1:0"
body=$(curl -sS --max-time 5 "http://127.0.0.1:$EX_PORT/api/v3/ping"); expect_eq "$body" "{}" "GET /api/v3/ping"
# The same port is busy now: a second exchange says so and exits 1.
set +e; out=$("$X" --config configs/exchange.yaml --listen "127.0.0.1:$EX_PORT" 2>&1); rc=$?; set -e
expect_eq "$rc" 1 "a taken port exits 1"
expect_contains "$out" "listen_failed" "a taken port is logged"
stop_exchange
expect_eq "$EXIT_CODE" 0 "SIGINT stops it cleanly"
expect_contains "$(cat "$TEST_TMP/exchange.err")" "exchange_stopped" "stop is logged"

start_exchange --config configs/exchange.yaml --no-market
kill -TERM "$EX_PID"; wait_for_exit "$EX_PID" 15
expect_eq "$EXIT_CODE" 0 "SIGTERM stops it cleanly"
finish
