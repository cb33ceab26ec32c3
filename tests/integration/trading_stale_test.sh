#!/usr/bin/env bash
# Stale data pulls quotes: the exchange stalls one symbol's streams; that symbol's orders
# are gone from the exchange within stale_after_ms (2 s) + 100 ms of the last update (plus
# the test's own polling granularity), the other symbols keep quoting, and quotes come
# back when the data does. A dropped market-data connection pulls every symbol.
source "$(dirname "$0")/trading_lib.sh"
start_exchange --config configs/exchange.yaml
make_trading_config "$TEST_TMP/p.yaml"
start_phoenix_with "$TEST_TMP/p.yaml"
wait_until 10 all_symbols_have 14 && pass "quoting 5 x 14" || fail "did not reach 5 x 14"

sol_empty() { [ "$(demo_orders SOLUSDC)" -eq 0 ]; }
t0=$(date +%s%N)
admin POST "/admin/stall?symbol=SOLUSDC&ms=5000" >/dev/null
if wait_until 5 sol_empty; then
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  # The stall starts at most one market step (100 ms) after the admin call returns, and
  # this loop polls every ~100 ms: 2000 + 100 + 100 + 100.
  if [ "$ms" -le 2300 ]; then pass "SOLUSDC orders gone $ms ms after the stall"; else fail "SOLUSDC orders gone only after $ms ms (> 2300)"; fi
else
  fail "SOLUSDC orders still open 5 s after the stall: $(demo_orders SOLUSDC)"
fi
line=$(grep -m1 "quotes_pulled symbol=SOLUSDC" "$TEST_TMP/phoenix.log" || true)
expect_contains "$line" "reason=stale" "quotes_pulled logged with reason=stale"
expect_eq "$(msum phoenix_quote_state 'symbol="SOLUSDC"' 'reason="stale"')" 2 "phoenix_quote_state{SOLUSDC, stale} on both sides"
expect_eq "$(demo_orders ETHUSDC)" 14 "ETHUSDC keeps quoting"
expect_eq "$(demo_orders BNBUSDC)" 14 "BNBUSDC keeps quoting"
sol_full() { [ "$(demo_orders SOLUSDC)" -eq 14 ]; }
wait_until 8 sol_full && pass "SOLUSDC quotes return after the stall" || fail "SOLUSDC did not return to 14 orders"
expect_eq "$(msum phoenix_quote_state 'symbol="SOLUSDC"' 'reason="quoting"')" 2 "SOLUSDC quoting again"

# The market-data connection drops: every symbol is pulled, then quotes return.
admin POST "/admin/drop?conn=market&mode=reset" >/dev/null
line=$(wait_for_log "$TEST_TMP/phoenix.log" "quotes_pulled symbol=ETHUSDC reason=disconnected" 5) \
  && pass "market connection drop pulls quotes: ${line:0:160}" || fail "no quotes_pulled reason=disconnected"
wait_until 10 all_symbols_have 14 && pass "all symbols quote again after the reconnect" || fail "not back to 5 x 14 after the reconnect"

stop_phoenix
expect_eq "$EXIT_CODE" 0 "phoenix stops cleanly"
expect_eq "$(demo_orders)" 0 "no open order remains"
stop_exchange
finish
