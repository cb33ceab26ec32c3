#!/usr/bin/env bash
# Risk: each pre-trade limit and each kill-switch reason triggers as configured. Limits
# block levels (phoenix_quote_state{reason="risk_limit"}, phoenix_risk_blocks_total); the
# kill switch cancels everything and stops quoting until a restart.
source "$(dirname "$0")/trading_lib.sh"
# Several Phoenix runs back to back on one account: the exchange's 100 orders per 10 s
# would make each start wait for the previous run's window (trading_reject_test covers
# the limits), so this exchange allows more.
make_exchange_config "$TEST_TMP/exchange.yaml" 's/^\(\s*orders_per_10s:\).*/\1 1000/'
start_exchange --config "$TEST_TMP/exchange.yaml"

run_case() {  # run_case <name> <sed expressions...>: starts Phoenix with the edited config
  local name=$1; shift
  make_trading_config "$TEST_TMP/$name.yaml" "$@"
  start_phoenix_with "$TEST_TMP/$name.yaml"
}
stop_case() {
  stop_phoenix
  expect_eq "$(demo_orders)" 0 "$1: no open order remains after the stop"
}
ready() { grep -q "engine_ready" "$TEST_TMP/phoenix.log"; }

# 1. max_position_base: 0.01 ETH on ETHUSDC. An order is 20 USDC (~0.0067 ETH): counting
# every resting order on its side as filled, one bid and one ask fit; the rest are refused.
# (max_open_orders_per_symbol cannot be crossed at run time: the config loader refuses
# levels that would not fit it.)
run_case position '/symbol: ETHUSDC/a\    max_position_base: 0.01'
grep -q "max_position_base: 0.01" "$TEST_TMP/position.yaml" || fail "position: config not edited"
wait_until 10 ready || fail "position: not ready"
eth_two() { [ "$(demo_orders ETHUSDC)" -eq 2 ]; }
wait_until 5 eth_two && pass "position: ETHUSDC quotes one level a side" || fail "position: ETHUSDC has $(demo_orders ETHUSDC) orders"
sol_full() { [ "$(demo_orders SOLUSDC)" -eq 14 ]; }
wait_until 5 sol_full && pass "position: SOLUSDC (no limit) quotes 14" || fail "position: SOLUSDC has $(demo_orders SOLUSDC)"
gt "$(msum phoenix_risk_blocks_total 'symbol="ETHUSDC"' 'reason="position"')" 0 && pass "position: blocks counted" \
  || fail "position: no phoenix_risk_blocks_total{ETHUSDC,position}"
stop_case position

# 2. max_order_notional_quote below every order's size -> nothing quotes, reason risk_limit.
run_case notional 's/^\(\s*max_order_notional_quote:\).*/\1 5/'
wait_until 10 ready || fail "notional: not ready"
sleep 2
expect_eq "$(demo_orders)" 0 "notional: no order placed"
expect_eq "$(msum phoenix_quote_state 'reason="risk_limit"')" 10 "notional: every side is risk_limit"
stop_case notional

# 3. Kill switch on rejects: 5 per minute, the exchange rejects the next 10.
run_case rejects 's/^\(\s*max_rejects_per_minute:\).*/\1 5/'
wait_until 10 all_symbols_have 14 && pass "rejects: quoting" || fail "rejects: not quoting"
admin POST "/admin/reject?count=10&code=-2010" >/dev/null
line=$(wait_for_log "$TEST_TMP/phoenix.log" "kill_switch_tripped" 20) && pass "rejects: ${line:0:200}" || fail "rejects: no kill_switch_tripped"
expect_contains "$line" "reason=reject_rate" "rejects: reason=reject_rate"
gone() { [ "$(demo_orders)" -eq 0 ]; }
wait_until 5 gone && pass "rejects: every order cancelled" || fail "rejects: $(demo_orders) orders still open"
expect_eq "$(msum phoenix_kill_switch 'reason="reject_rate"')" 1 "rejects: phoenix_kill_switch{reject_rate} = 1"
sleep 3
expect_eq "$(demo_orders)" 0 "rejects: still not quoting 3 s later"
expect_eq "$(msum phoenix_quote_state 'reason="kill_switch"')" 10 "rejects: every side is kill_switch"
stop_case rejects

# 4. Kill switch on loss: any fill's fee is a loss above 0.001 USDC.
run_case loss 's/^\(\s*max_daily_loss_quote:\).*/\1 0.001/'
wait_until 10 all_symbols_have 14 && pass "loss: quoting" || fail "loss: not quoting"
best=$(demo_orders_json ETHUSDC | grep '"side":"SELL"' | grep -o '"price":"[0-9.]*"' | tr -dc '0-9.\n' | sort -n | head -1)
sweep ETHUSDC BUY "$best" 20 >/dev/null
line=$(wait_for_log "$TEST_TMP/phoenix.log" "kill_switch_tripped" 10) && pass "loss: ${line:0:200}" || fail "loss: no kill_switch_tripped"
expect_contains "$line" "reason=daily_loss" "loss: reason=daily_loss"
wait_until 5 gone && pass "loss: every order cancelled" || fail "loss: $(demo_orders) orders still open"
stop_case loss

# 5. Kill switch on reconciliation mismatches: fills during an API outage are corrections.
run_case mismatch 's/^\(\s*max_reconcile_mismatches:\).*/\1 1/'
wait_until 10 all_symbols_have 14 && pass "mismatch: quoting" || fail "mismatch: not quoting"
admin POST "/admin/accept_close?seconds=2" >/dev/null
admin POST "/admin/drop?conn=api&mode=reset" >/dev/null
asks=$(demo_orders_json ETHUSDC | grep '"side":"SELL"' | grep -o '"price":"[0-9.]*"' | tr -dc '0-9.\n' | sort -n)
sweep ETHUSDC BUY "$(sed -n 3p <<<"$asks")" 20 >/dev/null
line=$(wait_for_log "$TEST_TMP/phoenix.log" "kill_switch_tripped" 40) && pass "mismatch: ${line:0:200}" || fail "mismatch: no kill_switch_tripped"
expect_contains "$line" "reason=reconcile_mismatches" "mismatch: reason=reconcile_mismatches"
wait_until 5 gone && pass "mismatch: every order cancelled" || fail "mismatch: $(demo_orders) orders still open"
stop_case mismatch

stop_exchange
finish
