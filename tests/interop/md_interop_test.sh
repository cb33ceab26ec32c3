#!/usr/bin/env bash
# Phoenix's market-data path against a third-party WebSocket server (python3-websockets 10.4)
# that forces `permessage-deflate; server_no_context_takeover; client_no_context_takeover`
# and serves Binance-shaped combined streams: the negotiated extension is logged and
# exposed, decoded prices match what the server sent, and the byte counters show the
# compression (wire < inflated) — and wire == inflated payload when compression is off.
source "$(dirname "$0")/../integration/lib.sh"

for mode in no_context off; do
  if [ "$mode" = off ]; then start_fake_ws srv-$mode --compression none; else start_fake_ws srv-$mode --compression no_context; fi
  make_md_config "$TEST_TMP/md-$mode.yaml" "$FAKE_PORT" "$([ "$mode" = off ] && echo off || echo context)"
  start_phoenix_with "$TEST_TMP/md-$mode.yaml" || { finish; exit 1; }
  if ! wait_for_log "$TEST_TMP/phoenix.log" "md_summary symbol=SOLUSDC bid=[0-9]" 15 >/dev/null; then
    fail "$mode: no md_summary with prices"; cat "$TEST_TMP/phoenix.log" >&2
  fi
  connected=$(grep -m1 "ws_connected" "$TEST_TMP/phoenix.log" || true)
  if [ "$mode" = no_context ]; then
    expect_contains "$connected" 'extensions="permessage-deflate; server_no_context_takeover; client_no_context_takeover' "$mode: negotiated extension logged"
    expect_eq "$(metric 'phoenix_ws_compression_negotiated{conn="market"}')" 1 "$mode: compression_negotiated gauge is 1"
  else
    expect_eq "$(metric 'phoenix_ws_compression_negotiated{conn="market"}')" 0 "$mode: compression_negotiated gauge is 0"
  fi
  # Decoded values: the server sends bid = base + n bp and ask = bid + 1 bp (ETH base 3000).
  summary=$(grep "md_summary symbol=ETHUSDC bid=[0-9]" "$TEST_TMP/phoenix.log" | tail -1)
  bid=$(sed -E 's/.* bid=([0-9.]+).*/\1/' <<<"$summary"); ask=$(sed -E 's/.* ask=([0-9.]+).*/\1/' <<<"$summary")
  if awk -v b="$bid" -v a="$ask" 'BEGIN { d = a - b; n = (b - 3000) / 0.3; exit !(d > 0.2999 && d < 0.3001 && n >= -0.001 && n <= 49.001 && (n - int(n + 0.5))^2 < 1e-6) }'; then
    pass "$mode: decoded ETHUSDC bid=$bid ask=$ask match the server's ladder"
  else
    fail "$mode: decoded ETHUSDC bid=$bid ask=$ask do not match the server's prices"
  fi
  expect_contains "$summary" "stale=false" "$mode: ETHUSDC is fresh"
  updates=$(metric 'phoenix_md_updates_total{stream="book_ticker",symbol="ETHUSDC"}')
  [ -z "$updates" ] && updates=$(metric 'phoenix_md_updates_total{symbol="ETHUSDC",stream="book_ticker"}')
  if [ "${updates:-0}" -gt 10 ] 2>/dev/null; then pass "$mode: updates counted ($updates)"; else fail "$mode: updates_total=$updates"; fi
  # One scrape for the three: data keeps flowing, so separate scrapes would not agree.
  scrape=$(curl -sS --max-time 5 "http://127.0.0.1:$PORT/metrics")
  pick() { awk -v k="$1" 'index($0, k" ") == 1 {print $2}' <<<"$scrape"; }
  wire=$(pick 'phoenix_ws_bandwidth_bytes_total{conn="market",direction="in",layer="wire"}')
  inflated=$(pick 'phoenix_ws_bandwidth_bytes_total{conn="market",direction="in",layer="inflated"}')
  msgs=$(pick 'phoenix_ws_messages_total{conn="market"}')
  echo "  $mode: wire=$wire inflated=$inflated messages=$msgs"
  if [ "$mode" = no_context ]; then
    if awk -v w="$wire" -v i="$inflated" 'BEGIN{exit !(w > 0 && i > 0 && w < i)}'; then pass "$mode: wire bytes < inflated bytes"; else fail "$mode: wire=$wire inflated=$inflated"; fi
  else
    # Uncompressed: the wire carries the payload plus 2-byte frame headers (payloads < 126 B)
    # and the HTTP upgrade response.
    if awk -v w="$wire" -v i="$inflated" -v m="$msgs" 'BEGIN{d = w - i; exit !(i > 0 && d >= 2 * m && d <= 4 * m + 1024)}'; then
      pass "$mode: wire bytes = inflated bytes + frame headers"
    else
      fail "$mode: wire=$wire inflated=$inflated messages=$msgs"
    fi
  fi
  stop_phoenix
  expect_eq "$EXIT_CODE" 0 "$mode: SIGINT stops cleanly"
done

finish
