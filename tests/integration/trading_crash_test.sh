#!/usr/bin/env bash
# Crash safety: Phoenix is killed with SIGKILL while 70 orders are live. The next start
# finds them (they carry the instance's prefix) and cancels them before quoting; an order
# with another client id (the operator's own) is never touched. With
# orders.startup_orphans: adopt, the orphans are adopted instead.
source "$(dirname "$0")/trading_lib.sh"
# Several Phoenix runs back to back on one account: the exchange's 100 orders per 10 s
# would make each start wait for the previous run's window (trading_reject_test covers
# the limits), so this exchange allows more.
make_exchange_config "$TEST_TMP/exchange.yaml" 's/^\(\s*orders_per_10s:\).*/\1 1000/'
start_exchange --config "$TEST_TMP/exchange.yaml"
make_trading_config "$TEST_TMP/p.yaml"

# The operator's own order on the same account, far from the market.
out=$(xclient rest POST /api/v3/order symbol=ETHUSDC side=BUY type=LIMIT timeInForce=GTC price=1000.00 quantity=0.01 newClientOrderId=operator-manual-1 --signed)
expect_contains "$out" '"status": 200' "the operator's order is placed"

start_phoenix_with "$TEST_TMP/p.yaml"
wait_until 10 all_symbols_have 14 && pass "quoting 5 x 14" || fail "did not reach 5 x 14"
kill -KILL "$PID"
wait_for_exit "$PID" 5
sleep 0.5
old=$(demo_orders_json | grep -o '"clientOrderId":"sim-[^"]*"' | sort)
expect_eq "$(wc -l <<<"$old")" 70 "70 orphans left on the exchange after SIGKILL"

start_phoenix_with "$TEST_TMP/p.yaml"
line=$(wait_for_log "$TEST_TMP/phoenix.log" "orphans_found" 10) && pass "orphans found: ${line:0:200}" || fail "no orphans_found"
expect_contains "$line" "count=70" "all 70 orphans found"
wait_until 10 all_symbols_have 14 && pass "quoting 5 x 14 after the restart" || fail "not quoting after the restart"
now=$(demo_orders_json | grep -o '"clientOrderId":"sim-[^"]*"' | sort)
left=$(comm -12 <(echo "$old") <(echo "$now") | wc -l)
expect_eq "$left" 0 "none of the orphans remains"
expect_eq "$(msum phoenix_reconcile_corrections_total 'kind="orphan_canceled"')" 70 "phoenix_reconcile_corrections_total{orphan_canceled} = 70"
expect_contains "$(demo_orders_json ETHUSDC)" '"clientOrderId":"operator-manual-1"' "the operator's order is untouched"
stop_phoenix
expect_eq "$EXIT_CODE" 0 "phoenix stops cleanly"
expect_eq "$(demo_orders_json | grep -c '"clientOrderId":"sim-' || true)" 0 "no Phoenix order remains after the stop"
expect_contains "$(demo_orders_json ETHUSDC)" '"clientOrderId":"operator-manual-1"' "the operator's order survives Phoenix's stop"

# Adopt instead of cancel.
start_phoenix_with "$TEST_TMP/p.yaml"
wait_until 10 all_symbols_have 14 && pass "quoting again" || fail "not quoting"
kill -KILL "$PID"
wait_for_exit "$PID" 5
make_trading_config "$TEST_TMP/adopt.yaml" 's/^\(\s*startup_orphans:\).*/\1 adopt/'
grep -q "startup_orphans: adopt" "$TEST_TMP/adopt.yaml" || fail "the adopt config was not made"
start_phoenix_with "$TEST_TMP/adopt.yaml"
line=$(wait_for_log "$TEST_TMP/phoenix.log" "orphans_found" 10) && pass "orphans found: ${line:0:200}" || fail "no orphans_found"
expect_contains "$line" "policy=adopt" "adopt policy logged"
expect_eq "$(msum phoenix_reconcile_corrections_total 'kind="orphan_adopted"')" 70 "70 orphans adopted"
wait_until 10 all_symbols_have 14 && pass "quoting 5 x 14 with the adopted orders" || fail "not 5 x 14 after adopting"
stop_phoenix
expect_eq "$(demo_orders_json | grep -c '"clientOrderId":"sim-' || true)" 0 "adopted orders are cancelled at stop too"
stop_exchange
finish
