#!/usr/bin/env bash
# Reconnects: the WebSocket API connection (order entry and user data) drops mid-run and
# cannot come back for a few seconds; meanwhile another account trades against Phoenix's
# orders. After the reconnect Phoenix reconciles: its open orders and its position equal
# the exchange's, and the corrections are counted.
source "$(dirname "$0")/trading_lib.sh"
start_exchange --config configs/exchange.yaml
make_trading_config "$TEST_TMP/p.yaml"
start_phoenix_with "$TEST_TMP/p.yaml"
wait_until 10 all_symbols_have 14 && pass "quoting 5 x 14" || fail "did not reach 5 x 14"
eth0=10  # the demo account's starting ETH (configs/exchange.yaml)

# The outage: new WebSocket connections are refused for 3 s, and the API connection drops.
admin POST "/admin/accept_close?seconds=3" >/dev/null
admin POST "/admin/drop?conn=api&mode=reset" >/dev/null
line=$(wait_for_log "$TEST_TMP/phoenix.log" "gateway_down" 5) && pass "Phoenix saw the drop: ${line:0:160}" || fail "no gateway_down"
# During the outage demo2 takes Phoenix's two best ETHUSDC asks (and the market's liquidity
# in front of them).
asks=$(demo_orders_json ETHUSDC | grep '"side":"SELL"' | grep -o '"price":"[0-9.]*"' | tr -dc '0-9.\n' | sort -n)
second=$(sed -n 2p <<<"$asks")
if [ -n "$second" ]; then
  out=$(sweep ETHUSDC BUY "$second" 20)
  expect_contains "$out" '"status": 200' "demo2 swept the asks up to $second during the outage"
else
  fail "no Phoenix asks to sweep"
fi
# Reconnect attempts during the 3 s of refusals back off with jitter (0.5 s doubling, up to
# 30 s): the reconnect may come up to ~15 s later, so the wait is generous.
line=$(wait_for_log "$TEST_TMP/phoenix.log" "reconcile_done startup=false" 40) && pass "reconciled after the reconnect: ${line:0:200}" || fail "no reconcile_done"
c=$(msum phoenix_reconcile_corrections_total)
gt "$c" 0 && pass "corrections counted: $c" || { fail "no phoenix_reconcile_corrections_total after fills during the outage"; grep -E "reconcile|gateway|gw_" "$TEST_TMP/phoenix.log" | cut -c1-220 >&2; }

# Phoenix's view equals the exchange's (both move with the market, so: eventually equal).
same_orders() {
  local a b
  a=$(msum phoenix_orders_active 'symbol="ETHUSDC"')
  b=$(demo_orders ETHUSDC)
  [ "${a%.*}" = "$b" ]
}
wait_until 10 same_orders && pass "ETHUSDC open orders: Phoenix = exchange ($(demo_orders ETHUSDC))" \
  || fail "ETHUSDC open orders differ: Phoenix $(msum phoenix_orders_active 'symbol="ETHUSDC"'), exchange $(demo_orders ETHUSDC)"
same_position() {
  local p b
  p=$(msum phoenix_position_base 'symbol="ETHUSDC"')
  b=$(demo_balance ETH)
  awk -v p="$p" -v b="$b" -v s="$eth0" 'BEGIN { d = (b - s) - p; exit !(d < 1e-9 && d > -1e-9) }'
}
wait_until 10 same_position && pass "ETHUSDC position = the exchange's ETH balance change ($(msum phoenix_position_base 'symbol="ETHUSDC"'))" \
  || fail "position differs: Phoenix $(msum phoenix_position_base 'symbol="ETHUSDC"'), exchange $(demo_balance ETH) - $eth0"
wait_until 20 all_symbols_have 14 && pass "quoting 5 x 14 again" || fail "not back to 5 x 14"

stop_phoenix
expect_eq "$EXIT_CODE" 0 "phoenix stops cleanly"
expect_eq "$(demo_orders)" 0 "no open order remains"
stop_exchange
finish
