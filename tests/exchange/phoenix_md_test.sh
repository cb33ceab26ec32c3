#!/usr/bin/env bash
# Phoenix's real market-data path against phoenix-exchange: bookTicker and diff depth
# (REST snapshot + @depth@100ms, Binance's sync procedure) for two symbols with deflate;
# a stalled symbol goes stale and recovers; a dropped connection is reconnected; a depth
# gap is resynced. Both programs are ours, but share nothing beyond core types.
source "$(dirname "$0")/lib.sh"
cd "$PHOENIX_SOURCE_DIR"
start_exchange --config configs/exchange.yaml
make_md_config "$TEST_TMP/p.yaml" "$EX_PORT" context
sed -i 's/^  streams: \[book_ticker\]/  streams: [book_ticker, depth]/' "$TEST_TMP/p.yaml"
start_phoenix_with "$TEST_TMP/p.yaml"
# msum <name> <label fragment>...: the sum of Phoenix's samples of <name> whose labels
# contain every fragment (label order is the exposition's business).
msum() {
  local name=$1; shift
  curl -sS --max-time 5 "http://127.0.0.1:$PORT/metrics" | awk -v n="$name" -v f="$*" '
    index($0, n"{") == 1 { ok = 1; k = split(f, a, " "); for (i = 1; i <= k; i++) if (index($0, a[i]) == 0) ok = 0; if (ok) s += $NF }
    END { print s + 0 }'
}

line=$(wait_for_log "$TEST_TMP/phoenix.log" "ws_connected conn=market" 15) && pass "connected: ${line:0:200}" || fail "no ws_connected"
expect_contains "$line" "permessage-deflate" "deflate negotiated with phoenix-exchange"
wait_for_log "$TEST_TMP/phoenix.log" "md_summary symbol=ETHUSDC" 15 >/dev/null && pass "md_summary for ETHUSDC" || fail "no md_summary"
sleep 2
v=$(msum phoenix_md_updates_total 'symbol="SOLUSDC"' 'stream="book_ticker"')
if [ -n "$v" ] && [ "${v%.*}" -gt 0 ]; then pass "SOLUSDC bookTicker updates ($v)"; else fail "no SOLUSDC bookTicker updates ('$v')"; fi
v=$(msum phoenix_md_updates_total 'symbol="ETHUSDC"' 'stream="depth"')
if [ -n "$v" ] && [ "${v%.*}" -gt 0 ]; then pass "ETHUSDC depth updates applied ($v)"; else fail "no ETHUSDC depth updates ('$v')"; fi
errs=$(curl -sS "http://127.0.0.1:$PORT/metrics" | awk '/^phoenix_md_decode_errors_total/ {s += $2} END {print s + 0}')
expect_eq "$errs" 0 "no decode errors on phoenix-exchange's payloads"
# phoenix-exchange answers LIST_SUBSCRIPTIONS: the URL's 4 streams (2 symbols x bookTicker, depth).
line=$(wait_for_log "$TEST_TMP/phoenix.log" "INFO md_subscriptions_verified conn=market streams=4" 5) \
  && pass "subscriptions verified: ${line:0:160}" || fail "no md_subscriptions_verified conn=market streams=4"
expect_eq "$(msum phoenix_md_subscription_checks_total 'conn="market"' 'result="ok"')" 1 "phoenix_md_subscription_checks_total{result=ok} is 1"

# A stalled symbol: stale after 2 s, recovered after.
admin POST "/admin/stall?symbol=SOLUSDC&ms=3500" >/dev/null
line=$(wait_for_log "$TEST_TMP/phoenix.log" "md_stale symbol=SOLUSDC" 6) && pass "stall seen: ${line:0:160}" || fail "no md_stale for SOLUSDC"
line=$(wait_for_log "$TEST_TMP/phoenix.log" "md_recovered symbol=SOLUSDC" 6) && pass "recovered: ${line:0:160}" || fail "no md_recovered"

# A depth gap: Phoenix resyncs the book.
before=$(msum phoenix_md_book_resyncs_total 'symbol="ETHUSDC"')
admin POST "/admin/depth_fault?symbol=ETHUSDC&kind=gap" >/dev/null
sleep 2.5
after=$(msum phoenix_md_book_resyncs_total 'symbol="ETHUSDC"')
if awk -v a="${before:-0}" -v b="${after:-0}" 'BEGIN{exit !(b > a)}'; then pass "depth gap -> resync ($before -> $after)"; else fail "no resync after a gap ($before -> $after)"; fi

# A dropped connection: reconnected, data again.
admin POST "/admin/drop?conn=market&mode=reset" >/dev/null
wait_for_log "$TEST_TMP/phoenix.log" "ws_reconnect_scheduled conn=market" 10 >/dev/null && pass "reconnect scheduled after the drop" || fail "no reconnect"
n=$(grep -c "ws_connected conn=market" "$TEST_TMP/phoenix.log" || true)
for _ in $(seq 100); do n=$(grep -c "ws_connected conn=market" "$TEST_TMP/phoenix.log" || true); [ "$n" -ge 2 ] && break; sleep 0.1; done
if [ "$n" -ge 2 ]; then pass "reconnected"; else fail "not reconnected"; fi
stop_phoenix
expect_eq "$EXIT_CODE" 0 "phoenix stops cleanly"
stop_exchange
finish
