#!/usr/bin/env bash
# Risk: each pre-trade limit and each kill-switch reason triggers as configured. Limits
# block levels (phoenix_quote_state{reason="risk_limit"}, phoenix_risk_blocks_total); the
# kill switch cancels everything and stops quoting until a restart.
source "$(dirname "$0")/trading_lib.sh"
start_exchange --config configs/exchange.yaml

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

# 1. max_open_orders_per_symbol: 6 -> at most 6 orders per symbol, the inner levels.
run_case open_orders 's/^\(\s*max_open_orders_per_symbol:\).*/\1 6/'
wait_until 10 ready || fail "open_orders: not ready"
sleep 2
n=$(demo_orders ETHUSDC)
if [ "$n" -ge 2 ] && [ "$n" -le 6 ]; then pass "open_orders: ETHUSDC has $n orders (<= 6)"; else fail "open_orders: ETHUSDC has $n orders"; fi
gt "$(msum phoenix_risk_blocks_total 'reason="open_orders"')" 0 && pass "open_orders: blocks counted" || fail "open_orders: no phoenix_risk_blocks_total{reason=open_orders}"
stop_case open_orders

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
line=$(wait_for_log "$TEST_TMP/phoenix.log" "kill_switch_tripped" 15) && pass "mismatch: ${line:0:200}" || fail "mismatch: no kill_switch_tripped"
expect_contains "$line" "reason=reconcile_mismatches" "mismatch: reason=reconcile_mismatches"
wait_until 5 gone && pass "mismatch: every order cancelled" || fail "mismatch: $(demo_orders) orders still open"
stop_case mismatch

stop_exchange
finish
