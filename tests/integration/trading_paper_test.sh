#!/usr/bin/env bash
# Paper mode (dry_run: true): the same quoter and OMS against the in-process paper venue,
# fed by phoenix-exchange's public market data only. No API key; not one order reaches the
# exchange; fills from the public trade stream move position and PnL.
source "$(dirname "$0")/trading_lib.sh"
unset PHOENIX_API_KEY PHOENIX_API_SECRET
start_exchange --config configs/exchange.yaml
make_trading_config "$TEST_TMP/p.yaml" 's/^dry_run:.*/dry_run: true/' 's/^\(\s*streams:\).*/\1 [book_ticker, trade]/'
start_phoenix_with "$TEST_TMP/p.yaml"
line=$(wait_for_log "$TEST_TMP/phoenix.log" "engine_ready" 10) && pass "ready: ${line:0:200}" || fail "no engine_ready"
expect_contains "$line" "venue=paper" "the paper venue is in use"
all_paper() { [ "$(msum phoenix_orders_active)" = 70 ]; }
wait_until 5 all_paper && pass "70 paper orders live" || fail "paper orders: $(msum phoenix_orders_active)"
expect_eq "$(demo_orders)" 0 "no order reached the exchange"
has_fills() { gt "$(msum phoenix_paper_fills_total)" 0; }
wait_until 60 has_fills && pass "paper fills: $(msum phoenix_paper_fills_total)" || fail "no paper fill within 60 s"
expect_eq "$(msum phoenix_dry_run)" 1 "phoenix_dry_run = 1"
stop_phoenix
expect_eq "$EXIT_CODE" 0 "phoenix stops cleanly"
line=$(grep -m1 "shutdown_orders_cleared" "$TEST_TMP/phoenix.log" || true)
[ -n "$line" ] && pass "paper orders cancelled at stop: ${line:0:160}" || fail "no shutdown_orders_cleared"
stop_exchange
finish
