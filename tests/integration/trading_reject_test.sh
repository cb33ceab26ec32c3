#!/usr/bin/env bash
# Rejections: the exchange rejects the next orders with -2010, -1013, -1015 (HTTP 429),
# -1003 with a 429, and -1003 with a 418 (an IP ban of 1 s). Phoenix counts each by code,
# backs off, does not loop on a rejected level, and never exceeds the exchange's limits (the
# exchange's own rate limiter never fires); quotes come back once the rejections stop.
source "$(dirname "$0")/trading_lib.sh"
start_exchange --config configs/exchange.yaml
# The reject-rate kill switch is tested in trading_risk_test; here it must not trip.
make_trading_config "$TEST_TMP/p.yaml" 's/^\(\s*max_rejects_per_minute:\).*/\1 10000/'
start_phoenix_with "$TEST_TMP/p.yaml"
wait_until 10 all_symbols_have 14 && pass "quoting 5 x 14" || fail "did not reach 5 x 14"

rejected_total() { exchange_metric 'phoenix_exchange_orders_total{result="rejected"}'; }
for spec in "-2010 400" "-1013 400" "-1015 429" "-1003 429" "-1003 418"; do
  read -r code status <<<"$spec"
  rej0=$(rejected_total)
  before=$(msum phoenix_order_requests_total)
  t0=$(date +%s%N)
  admin POST "/admin/reject?count=5&code=$code&status=$status" >/dev/null
  # Phoenix's next order requests meet the rejections (its order budget may first have to
  # refill: up to 10 s).
  consumed() { gt "$(rejected_total)" "${rej0:-0}"; }
  wait_until 15 consumed || fail "code $code: no order reached the exchange within 15 s"
  sleep 2
  after=$(msum phoenix_order_requests_total)
  secs=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
  n=$(msum phoenix_order_rejects_total "code=\"$code\"")
  gt "$n" 0 && pass "code $code (HTTP $status): $n rejects counted" || fail "code $code: no phoenix_order_rejects_total{code=\"$code\"}"
  sent=$(awk -v a="$before" -v b="$after" 'BEGIN { print b - a }')
  # Our own cap is 90 order requests per 10 s (risk.max_orders_per_10s in configs/sim.yaml);
  # cancels are not orders but are requests. A loop would send hundreds a second.
  if awk -v s="$sent" -v t="$secs" 'BEGIN { exit !(s <= 20 * t + 20) }'; then pass "code $code: $sent requests in $secs s (no loop)"; else fail "code $code: $sent requests in $secs s: looping"; fi
  wait_until 15 all_symbols_have 14 && pass "code $code: back to 5 x 14" || fail "code $code: not back to 5 x 14"
done
line=$(grep -m1 "order_backoff code=-1015" "$TEST_TMP/phoenix.log" || true)
[ -n "$line" ] && pass "429 backs off: ${line:0:200}" || fail "no order_backoff after a 429"
# The injected 418 carries a 1 s ban: every order request stops until it ends.
line=$(grep -m1 "gw_banned" "$TEST_TMP/phoenix.log" || true)
[ -n "$line" ] && pass "418 bans order traffic: ${line:0:200}" || fail "no gw_banned after a 418"
limited=$(exchange_metric 'phoenix_exchange_orders_total{result="rate_limited"}')
expect_eq "${limited:-0}" 0 "the exchange's own rate limiter never fired"
expect_eq "$(msum phoenix_kill_switch 'reason="reject_rate"')" 0 "kill switch not tripped"

stop_phoenix
expect_eq "$EXIT_CODE" 0 "phoenix stops cleanly"
expect_eq "$(demo_orders)" 0 "no open order remains"
stop_exchange
finish
