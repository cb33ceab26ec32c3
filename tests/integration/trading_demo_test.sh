#!/usr/bin/env bash
# The demo scenario: Phoenix quotes 5 symbols against phoenix-exchange. Within 5 s of
# start every symbol has 14 live orders on the exchange; the ladders follow the market;
# fills move position and PnL; a clean stop leaves zero open orders on the exchange.
source "$(dirname "$0")/trading_lib.sh"
start_exchange --config configs/exchange.yaml
make_trading_config "$TEST_TMP/p.yaml"

t0=$(date +%s%N)
start_phoenix_with "$TEST_TMP/p.yaml"
if wait_until 8 all_symbols_have 14; then
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  if [ "$ms" -le 5000 ]; then pass "5 symbols x 14 orders live on the exchange after $ms ms"; else fail "14 orders per symbol only after $ms ms (> 5000)"; fi
else
  fail "not every symbol reached 14 orders: $(admin GET /admin/orders | grep -o '"account":"demo","symbol":"[A-Z]*"' | sort | uniq -c | tr '\n' ' ')"
fi
line=$(wait_for_log "$TEST_TMP/phoenix.log" "engine_ready" 5) && pass "ready: ${line:0:200}" || fail "no engine_ready"
expect_eq "$(msum phoenix_orders_active 'symbol="ETHUSDC"' 'side="buy"')" 7 "phoenix_orders_active{ETHUSDC,buy} = 7"
expect_eq "$(msum phoenix_orders_active 'symbol="XRPUSDC"' 'side="sell"')" 7 "phoenix_orders_active{XRPUSDC,sell} = 7"
expect_eq "$(msum phoenix_quote_state 'reason="quoting"')" 10 "phoenix_quote_state: 10 sides quoting"
# Every order is a LIMIT_MAKER carrying the instance's prefix.
orders=$(demo_orders_json ETHUSDC)
expect_eq "$(grep -c '"type":"LIMIT_MAKER"' <<<"$orders")" 14 "ETHUSDC: 14 LIMIT_MAKER orders"
expect_eq "$(grep -c '"clientOrderId":"sim-' <<<"$orders")" 14 "ETHUSDC: every client id starts with the prefix"

# The ladders follow the market: the set of ETHUSDC prices changes over time.
p1=$(demo_orders_json ETHUSDC | grep -o '"price":"[0-9.]*"' | sort | tr -d '\n')
changed=0
for _ in $(seq 60); do
  sleep 0.5
  p2=$(demo_orders_json ETHUSDC | grep -o '"price":"[0-9.]*"' | sort | tr -d '\n')
  if [ "$p1" != "$p2" ]; then changed=1; break; fi
done
expect_eq "$changed" 1 "ETHUSDC ladder moved with the market"

# Fills move position and PnL.
has_fills() { gt "$(msum phoenix_fills_total)" 0; }
if wait_until 60 has_fills; then pass "fills: $(msum phoenix_fills_total)"; else fail "no fill within 60 s"; fi
pos=$(curl -sS "http://127.0.0.1:$PORT/metrics" | grep '^phoenix_position_base{' | awk '$2 != 0' | head -3)
[ -n "$pos" ] && pass "a position moved: $(tr '\n' ' ' <<<"$pos")" || fail "no phoenix_position_base != 0"
pnl=$(curl -sS "http://127.0.0.1:$PORT/metrics" | grep -c '^phoenix_pnl_quote{' || true)
gt "$pnl" 0 && pass "phoenix_pnl_quote present ($pnl series)" || fail "no phoenix_pnl_quote"

# A clean stop cancels everything and confirms it.
stop_phoenix
expect_eq "$EXIT_CODE" 0 "phoenix stops cleanly"
expect_eq "$(demo_orders)" 0 "no open order of the demo account remains on the exchange"
line=$(grep -m1 "shutdown_orders_cleared" "$TEST_TMP/phoenix.log" || true)
[ -n "$line" ] && pass "shutdown logged: ${line:0:200}" || fail "no shutdown_orders_cleared in the log"
stop_exchange
finish
