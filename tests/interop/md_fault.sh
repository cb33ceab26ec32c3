#!/usr/bin/env bash
# One market-data fault, named by $1, injected by the third-party server
# (tests/interop/fake_binance_ws.py); checks Phoenix's log line and metric for it and that
# it recovers (or backs off) as it should. CTest runs one test per fault.
source "$(dirname "$0")/../integration/lib.sh"
fault=${1:?usage: md_fault_test.sh <fault>}

log_has() { wait_for_log "$TEST_TMP/phoenix.log" "$1" "${2:-15}"; }
reconnects() { metric "phoenix_ws_reconnects_total{conn=\"market\",reason=\"$1\"}"; }
decode_errors() { metric "phoenix_md_decode_errors_total{reason=\"$1\"}"; }
# expect_metric_ge <value> <min> <what>
expect_metric_ge() {
  if [ -n "$1" ] && awk -v v="$1" -v m="$2" 'BEGIN{exit !(v >= m)}'; then pass "$3 ($1)"; else fail "$3: got '${1:-absent}', want >= $2"; fi
}
# msum <name> <label fragment>...: the sum of the samples of <name> whose labels contain every
# fragment (label order is the exposition's business).
msum() {
  local name=$1; shift
  curl -sS --max-time 5 "http://127.0.0.1:$PORT/metrics" | awk -v n="$name" -v f="$*" '
    index($0, n"{") == 1 { ok = 1; k = split(f, a, " "); for (i = 1; i <= k; i++) if (index($0, a[i]) == 0) ok = 0; if (ok) s += $NF }
    END { print s + 0 }'
}
checks() { msum phoenix_md_subscription_checks_total 'conn="market"' "result=\"$1\""; }
# the gaps (ms) between consecutive connection attempts, from the server's view of the client's log
backoffs() { grep -oE "ws_reconnect_scheduled conn=market cause=$1 backoff_ms=[0-9]+" "$TEST_TMP/phoenix.log" | sed -E 's/.*backoff_ms=//'; }
data_flows_again() {
  local before after
  before=$(metric 'phoenix_ws_messages_total{conn="market"}'); sleep 1.5
  after=$(metric 'phoenix_ws_messages_total{conn="market"}')
  if awk -v a="${before:-0}" -v b="${after:-0}" 'BEGIN{exit !(b > a)}'; then pass "data flows again ($before -> $after messages)"; else fail "no data after the fault ($before -> $after)"; fi
}

case "$fault" in
  reset)  # TCP reset mid-stream: logged with its cause, counted, reconnected, data again
    start_fake_ws srv --mode reset --after 30 --compression none
    make_md_config "$TEST_TMP/c.yaml" "$FAKE_PORT" off
    start_phoenix_with "$TEST_TMP/c.yaml"
    line=$(log_has "ws_closed conn=market.*cause=reset") && pass "reset logged: ${line:0:160}" || fail "no ws_closed cause=reset line"
    log_has "ws_reconnect_scheduled conn=market cause=reset" >/dev/null && pass "reconnect scheduled" || fail "no reconnect scheduled"
    expect_metric_ge "$(reconnects reset)" 1 "phoenix_ws_reconnects_total{reason=reset}"
    sleep 1; data_flows_again
    ;;
  accept_close)  # a server that accepts then closes within 1 s, repeatedly: backoff grows
    start_fake_ws srv --mode accept_close --compression none
    make_md_config "$TEST_TMP/c.yaml" "$FAKE_PORT" off
    start_phoenix_with "$TEST_TMP/c.yaml"
    sleep 6
    mapfile -t delays < <(backoffs closed_by_peer)
    echo "  backoffs (ms): ${delays[*]}"
    if [ ${#delays[@]} -ge 3 ]; then pass "${#delays[@]} reconnects scheduled"; else fail "only ${#delays[@]} reconnects: ${delays[*]}"; fi
    # Full jitter over [c/2, c] with c doubling from 200 ms: each ceiling doubles, so the
    # third delay must exceed the largest possible first one.
    if [ ${#delays[@]} -ge 3 ] && [ "${delays[2]}" -gt "${delays[0]}" ] && [ "${delays[2]}" -ge 400 ]; then
      pass "backoff grows (${delays[0]} -> ${delays[2]} ms), never resets on a connection that drops at once"
    else
      fail "backoff did not grow: ${delays[*]}"
    fi
    expect_metric_ge "$(reconnects closed_by_peer)" 3 "phoenix_ws_reconnects_total{reason=closed_by_peer}"
    ;;
  silent)  # socket open, no data: stale at 2 s (+100 ms), logged once in ms, then recycled
    start_fake_ws srv --mode silent --compression none
    make_md_config "$TEST_TMP/c.yaml" "$FAKE_PORT" off
    start_phoenix_with "$TEST_TMP/c.yaml"
    line=$(log_has "WARN md_stale symbol=ETHUSDC" 10) || fail "no md_stale line"
    stale_ms=$(sed -E 's/.*stale_ms=([0-9]+).*/\1/' <<<"$line")
    if [ -n "$stale_ms" ] && [ "$stale_ms" -ge 2000 ] && [ "$stale_ms" -le 2100 ]; then pass "stale detected at ${stale_ms} ms (2000..2100)"; else fail "stale_ms=$stale_ms: ${line}"; fi
    expect_contains "$line" "last_update=20" "md_stale names the last update time"
    log_has "md_connection_recycle conn=market reason=all_symbols_stale" >/dev/null && pass "connection recycled" || fail "no recycle"
    expect_eq "$(metric 'phoenix_md_stale{symbol="ETHUSDC"}')" 1 "phoenix_md_stale{ETHUSDC} is 1"
    expect_metric_ge "$(reconnects stale)" 1 "phoenix_ws_reconnects_total{reason=stale}"
    n=$(grep -c "md_stale symbol=ETHUSDC" "$TEST_TMP/phoenix.log")
    # one per stale spell: the recycled connection delivers one message per symbol, so
    # the symbol recovers and goes stale again at most once per ~2 s
    if [ "$n" -le 3 ]; then pass "md_stale logged once per spell ($n lines in ~3 s)"; else fail "md_stale logged $n times"; fi
    ;;
  silent_noping)  # no frames at all: the idle deadline drops the half-open connection
    start_fake_ws srv --mode silent_noping --compression none
    make_md_config "$TEST_TMP/c.yaml" "$FAKE_PORT" off "idle_timeout_ms: 2000"
    sed -i 's/stale_after_ms: 2000/stale_after_ms: 60000/' "$TEST_TMP/c.yaml"
    start_phoenix_with "$TEST_TMP/c.yaml"
    line=$(log_has "ws_closed conn=market.*cause=idle_timeout" 10) && pass "idle deadline: ${line:0:160}" || fail "no idle_timeout close"
    expect_metric_ge "$(reconnects idle_timeout)" 1 "phoenix_ws_reconnects_total{reason=idle_timeout}"
    ;;
  malformed)  # bad payloads are counted per reason and logged; the feed goes on
    start_fake_ws srv --mode malformed --compression none
    make_md_config "$TEST_TMP/c.yaml" "$FAKE_PORT" off
    start_phoenix_with "$TEST_TMP/c.yaml"
    sleep 2
    expect_metric_ge "$(decode_errors bad_json)" 1 "decode_errors{reason=bad_json}"
    expect_metric_ge "$(decode_errors wrong_type)" 1 "decode_errors{reason=wrong_type}"
    expect_metric_ge "$(decode_errors unknown_stream)" 1 "decode_errors{reason=unknown_stream}"
    log_has "WARN md_decode_error" 2 >/dev/null && pass "decode errors logged" || fail "no md_decode_error log line"
    expect_eq "$(metric 'phoenix_ws_reconnects_total{conn="market",reason="protocol_error"}')" 0 "no reconnect for bad payloads"
    data_flows_again
    ;;
  truncated|oversized|bad_utf8|rsv1)  # frame-level violations: dropped, logged, counted, reconnected
    start_fake_ws srv --mode "$fault" --compression none
    make_md_config "$TEST_TMP/c.yaml" "$FAKE_PORT" off
    start_phoenix_with "$TEST_TMP/c.yaml"
    want=protocol_error
    [ "$fault" = truncated ] && want="(reset|closed_by_peer|protocol_error)"
    line=$(log_has "ws_closed conn=market.*cause=$want" 10) && pass "$fault: ${line:0:200}" || { fail "$fault: no ws_closed cause=$want"; grep ws_ "$TEST_TMP/phoenix.log" | head -5 >&2; }
    log_has "ws_reconnect_scheduled conn=market" 5 >/dev/null && pass "$fault: reconnect scheduled" || fail "$fault: no reconnect"
    ;;
  http429)  # handshake answered 429 + Retry-After: 7 -> the next attempt waits >= 7 s
    start_fake_ws srv --mode http429 --compression none
    make_md_config "$TEST_TMP/c.yaml" "$FAKE_PORT" off
    start_phoenix_with "$TEST_TMP/c.yaml"
    line=$(log_has "ws_connect_failed conn=market.*http_status=429" 10) && pass "429 logged: ${line:0:200}" || fail "no 429 line"
    expect_contains "$line" "retry_after_ms=7000" "Retry-After read as 7000 ms"
    line=$(log_has "ws_reconnect_scheduled conn=market cause=handshake_rejected" 5) || fail "no reconnect scheduled"
    delay=$(sed -E 's/.*backoff_ms=([0-9]+).*/\1/' <<<"$line")
    if [ -n "$delay" ] && [ "$delay" -ge 7000 ]; then pass "next attempt waits ${delay} ms (>= Retry-After)"; else fail "delay=$delay: $line"; fi
    expect_metric_ge "$(reconnects handshake_rejected)" 1 "phoenix_ws_reconnects_total{reason=handshake_rejected}"
    ;;
  http503)
    start_fake_ws srv --mode http503 --compression none
    make_md_config "$TEST_TMP/c.yaml" "$FAKE_PORT" off
    start_phoenix_with "$TEST_TMP/c.yaml"
    line=$(log_has "ws_connect_failed conn=market.*http_status=503" 10) && pass "503 logged: ${line:0:200}" || fail "no 503 line"
    sleep 2
    # identical failure lines are throttled in the log (suppressed=N), so count the metric
    expect_metric_ge "$(reconnects handshake_rejected)" 2 "retried with backoff (phoenix_ws_reconnects_total{reason=handshake_rejected})"
    n=$(metric 'phoenix_ws_reconnects_total{conn="market",reason="handshake_rejected"}')
    if [ "${n:-0}" -le 6 ]; then pass "no storm: $n attempts in ~2 s"; else fail "storm: $n attempts in ~2 s"; fi
    ;;
  refused)  # nothing listens: connect fails, retried with a growing backoff, never a crash
    free_port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    make_md_config "$TEST_TMP/c.yaml" "$free_port" off
    start_phoenix_with "$TEST_TMP/c.yaml"
    line=$(log_has "ws_connect_failed conn=market.*cause=connect_failed" 10) && pass "refused logged: ${line:0:200}" || fail "no connect_failed line"
    sleep 3
    mapfile -t delays < <(backoffs connect_failed)
    echo "  backoffs (ms): ${delays[*]}"
    if [ ${#delays[@]} -ge 3 ] && [ "${delays[2]}" -gt "${delays[0]}" ]; then pass "backoff grows: ${delays[*]}"; else fail "backoff: ${delays[*]}"; fi
    expect_metric_ge "$(reconnects connect_failed)" 2 "phoenix_ws_reconnects_total{reason=connect_failed}"
    ;;
  shutdown)  # serverShutdown: rotate make-before-break -- no stale gap, data continues
    # The server answers control messages: the new connection's LIST_SUBSCRIPTIONS must wait
    # until it is live, so its reply cannot be what ends the rotation.
    start_fake_ws srv --mode shutdown --after 40 --compression none --control answer
    make_md_config "$TEST_TMP/c.yaml" "$FAKE_PORT" off
    start_phoenix_with "$TEST_TMP/c.yaml"
    log_has "md_server_shutdown conn=market action=rotate" 10 >/dev/null && pass "serverShutdown seen" || fail "no md_server_shutdown"
    line=$(log_has "ws_rotated conn=market cause=server_shutdown" 10) && pass "rotated: ${line:0:160}" || fail "no ws_rotated"
    sleep 3.5  # the old connection is closed by the server 3 s after the event
    if grep -q "md_stale" "$TEST_TMP/phoenix.log"; then fail "a symbol went stale during the rotation"; else pass "no stale data during the rotation"; fi
    expect_eq "$(metric 'phoenix_ws_reconnects_total{conn="market",reason="server_shutdown"}')" 1 "reconnects{reason=server_shutdown} is 1"
    expect_eq "$(grep -c "md_subscriptions_verified conn=market streams=2" "$TEST_TMP/phoenix.log")" 2 "subscriptions verified on both connections"
    rotated=$(grep -n "ws_rotated conn=market" "$TEST_TMP/phoenix.log" | head -1 | cut -d: -f1)
    second=$(grep -n "md_subscriptions_verified" "$TEST_TMP/phoenix.log" | sed -n 2p | cut -d: -f1)
    if [ -n "$rotated" ] && [ -n "$second" ] && [ "$second" -gt "$rotated" ]; then pass "the new connection is checked after it went live"; else fail "new connection checked before the rotation ended (rotated line ${rotated:-?}, check line ${second:-?})"; fi
    data_flows_again
    ;;
  shutdown_repeat)  # serverShutdown on every connection: rotations are rate-limited, no storm
    start_fake_ws srv --mode shutdown_repeat --after 20 --compression none
    make_md_config "$TEST_TMP/c.yaml" "$FAKE_PORT" off
    start_phoenix_with "$TEST_TMP/c.yaml"
    sleep 7
    n=$(metric 'phoenix_ws_reconnects_total{conn="market",reason="server_shutdown"}')
    if [ -n "$n" ] && [ "$n" -ge 1 ] && [ "$n" -le 2 ]; then pass "$n rotations in 7 s (at most one per 5 s)"; else fail "rotations in 7 s: ${n:-none}"; fi
    log_has "md_server_shutdown conn=market action=ignored_recent_rotation" 1 >/dev/null && pass "repeats ignored and logged" || fail "no ignored_recent_rotation"
    if grep -q "md_stale" "$TEST_TMP/phoenix.log"; then fail "data went stale"; else pass "no stale data"; fi
    ;;
  depth|depth_gap)  # diff depth: REST snapshot + diffs in sync; a gap triggers a counted resync
    start_fake_ws srv --mode "$([ "$fault" = depth ] && echo normal || echo depth_gap)" --compression none
    make_md_config "$TEST_TMP/c.yaml" "$FAKE_PORT" off
    sed -i 's/  streams: \[book_ticker\]/  streams: [book_ticker, depth]\n  depth_levels: 0/' "$TEST_TMP/c.yaml"
    start_phoenix_with "$TEST_TMP/c.yaml"
    line=$(log_has "md_book_synced symbol=ETHUSDC" 10) && pass "ETHUSDC depth book synced: ${line:0:160}" || { fail "no md_book_synced"; cat "$TEST_TMP/srv.err" >&2; }
    if [ "$fault" = depth_gap ]; then
      line=$(log_has "md_book_resync symbol=[A-Z]+ reason=gap" 15) && pass "gap detected: ${line:0:160}" || fail "no resync on a gap"
      n=$(metric 'phoenix_md_book_resyncs_total{reason="gap",symbol="ETHUSDC"}'); [ -z "$n" ] && n=$(metric 'phoenix_md_book_resyncs_total{symbol="ETHUSDC",reason="gap"}')
      n2=$(metric 'phoenix_md_book_resyncs_total{reason="gap",symbol="SOLUSDC"}'); [ -z "$n2" ] && n2=$(metric 'phoenix_md_book_resyncs_total{symbol="SOLUSDC",reason="gap"}')
      expect_metric_ge "$(( ${n:-0} + ${n2:-0} ))" 1 "phoenix_md_book_resyncs_total{reason=gap}"
      sleep 1
      synced=$(grep -c "md_book_synced symbol=" "$TEST_TMP/phoenix.log")
      if [ "$synced" -ge 3 ]; then pass "books re-synced after gaps ($synced syncs)"; else fail "only $synced syncs"; fi
    else
      sleep 2
      if grep -q "md_book_resync" "$TEST_TMP/phoenix.log"; then fail "unexpected resync: $(grep -m1 md_book_resync "$TEST_TMP/phoenix.log")"; else pass "no resync without a gap"; fi
      summary=$(log_has "md_summary symbol=ETHUSDC.*depth=synced" 5) && pass "summary shows depth=synced" || fail "summary without depth=synced"
    fi
    ;;
  subscriptions)  # runtime LIST_SUBSCRIPTIONS check: a missing stream is re-subscribed; a
                  # server that ignores control messages is noted once, nothing more
    # 1. The server leaves solusdc@bookTicker out of the URL's subscriptions.
    start_fake_ws drop --control drop_one --compression none
    make_md_config "$TEST_TMP/c.yaml" "$FAKE_PORT" off
    start_phoenix_with "$TEST_TMP/c.yaml"
    line=$(log_has "WARN md_subscriptions_missing conn=market missing=1 first=\"?solusdc@bookTicker" 10) \
      && pass "missing stream found: ${line:0:160}" || { fail "no md_subscriptions_missing"; cat "$TEST_TMP/drop.err" >&2; }
    line=$(log_has "INFO md_resubscribed conn=market streams=1" 10) && pass "re-subscribed: ${line:0:160}" || fail "no md_resubscribed"
    expect_eq "$(checks missing)" 1 "phoenix_md_subscription_checks_total{result=missing} is 1"
    expect_eq "$(checks ok)" 0 "no check counted ok"
    grep -q "md_subscriptions_verified" "$TEST_TMP/phoenix.log" && fail "verified logged with a stream missing" || pass "not logged verified"
    before=$(msum phoenix_md_updates_total 'symbol="SOLUSDC"' 'stream="book_ticker"'); sleep 1.5
    after=$(msum phoenix_md_updates_total 'symbol="SOLUSDC"' 'stream="book_ticker"')
    if awk -v a="$before" -v b="$after" 'BEGIN{exit !(b > a && b > 0)}'; then pass "SOLUSDC bookTicker flows after the SUBSCRIBE ($before -> $after)"; else fail "no SOLUSDC data after the SUBSCRIBE ($before -> $after)"; fi
    expect_eq "$(msum phoenix_md_control_errors_total 'conn="market"')" 0 "no control errors"
    stop_phoenix
    expect_eq "$EXIT_CODE" 0 "drop_one: SIGINT stops cleanly"

    # 2. A server that answers: verified, once.
    start_fake_ws answer --control answer --compression none
    make_md_config "$TEST_TMP/c.yaml" "$FAKE_PORT" off
    start_phoenix_with "$TEST_TMP/c.yaml"
    line=$(log_has "INFO md_subscriptions_verified conn=market streams=2" 10) && pass "verified: ${line:0:160}" || fail "no md_subscriptions_verified"
    expect_eq "$(checks ok)" 1 "phoenix_md_subscription_checks_total{result=ok} is 1"
    stop_phoenix
    expect_eq "$EXIT_CODE" 0 "answer: SIGINT stops cleanly"

    # 3. A server that ignores control messages (the default): one line after 5 s, no storm,
    #    no reconnect, data goes on.
    start_fake_ws ignore --compression none
    make_md_config "$TEST_TMP/c.yaml" "$FAKE_PORT" off
    start_phoenix_with "$TEST_TMP/c.yaml"
    line=$(log_has "INFO md_subscriptions_unverified conn=market reason=no_reply" 10) && pass "unverified: ${line:0:160}" || fail "no md_subscriptions_unverified"
    sleep 2
    expect_eq "$(grep -c "md_subscriptions_unverified" "$TEST_TMP/phoenix.log")" 1 "md_subscriptions_unverified logged exactly once"
    expect_eq "$(checks no_reply)" 1 "phoenix_md_subscription_checks_total{result=no_reply} is 1"
    expect_eq "$(msum phoenix_ws_reconnects_total 'conn="market"')" 0 "no reconnect for an unanswered LIST_SUBSCRIPTIONS"
    if grep -qE "WARN md_control|ERROR" "$TEST_TMP/phoenix.log"; then fail "warnings/errors logged: $(grep -m1 -E 'WARN md_control|ERROR' "$TEST_TMP/phoenix.log")"; else pass "no warning or error for it"; fi
    data_flows_again
    ;;
  *) fail "unknown fault $fault" ;;
esac

stop_phoenix
expect_eq "$EXIT_CODE" 0 "$fault: SIGINT stops cleanly"
finish
