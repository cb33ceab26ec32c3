#!/usr/bin/env bash
# One phoenix-exchange fault or connection rule, named by $1, injected through the admin
# API (or a small config value) and observed by a third-party client; each is logged and
# counted in the exchange's /metrics. CTest runs one test per fault.
source "$(dirname "$0")/lib.sh"
fault=${1:?usage: fault.sh <fault>}
cd "$PHOENIX_SOURCE_DIR"

# json_field <json> <python expression over d>
jf() { /usr/bin/python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }
watch_bg() {  # watch_bg <name> <seconds> <stream> [--combined]
  local name=$1 secs=$2 stream=$3; shift 3
  xclient watch --stream "$stream" --seconds "$secs" "$@" >"$TEST_TMP/$name.json" 2>&1 &
  WATCH_PID=$!
}
expect_fault_counted() {
  local v; v=$(exchange_metric "phoenix_exchange_faults_injected_total{kind=\"$1\"}")
  if [ -n "$v" ] && [ "${v%.*}" -ge 1 ]; then pass "fault $1 counted ($v)"; else fail "fault $1 not counted (got '${v:-absent}')"; fi
  expect_contains "$(cat "$TEST_TMP/exchange.err")" "fault_injected kind=$1" "fault $1 logged"
}

case "$fault" in
  drop_close|drop_reset)
    start_exchange --config configs/exchange.yaml
    watch_bg w 4 ethusdc@bookTicker; sleep 1
    admin POST "/admin/drop?conn=market&mode=${fault#drop_}" >/dev/null
    expect_eq "$(admin_status)" 200 "admin drop accepted"
    wait "$WATCH_PID" || true; r=$(cat "$TEST_TMP/w.json"); echo "  $r"
    expect_eq "$(jf "$r" 'd["ended"]')" closed "the client's connection ended"
    if [ "$fault" = drop_close ]; then
      expect_eq "$(jf "$r" 'd["close_code"]')" 1001 "with a close frame (1001)"
    else
      expect_eq "$(jf "$r" 'd["close_code"]')" 1006 "with a TCP reset (no close frame: 1006)"
    fi
    expect_fault_counted drop
    ;;
  stall)
    start_exchange --config configs/exchange.yaml
    watch_bg w 5 ethusdc@bookTicker; sleep 1
    admin POST "/admin/stall?symbol=ETHUSDC&ms=2500" >/dev/null
    expect_eq "$(admin_status)" 200 "admin stall accepted"
    wait "$WATCH_PID" || true; r=$(cat "$TEST_TMP/w.json"); echo "  $r"
    gap=$(jf "$r" 'int(d["max_gap_ms"])')
    if [ "$gap" -ge 2200 ] && [ "$gap" -le 3500 ]; then pass "a 2.5 s silence on the socket ($gap ms)"; else fail "expected a ~2500 ms gap, got $gap"; fi
    expect_eq "$(jf "$r" 'd["ended"]')" timeout "the socket stayed open"
    expect_fault_counted stall
    ;;
  delay)
    start_exchange --config configs/exchange.yaml
    admin POST "/admin/delay?ms=400" >/dev/null; expect_eq "$(admin_status)" 200 "admin delay accepted"
    t0=$(date +%s%3N); r=$(xclient rest GET /api/v3/ping); t1=$(date +%s%3N)
    # Messages on sockets are delayed: a fresh stream's first message comes >= 400 ms after the open.
    out=$(xclient handshake --path /ws/ethusdc@depth5@100ms --seconds 0.3); echo "  $out"
    expect_eq "$(jf "$out" 'd.get("result")')" silent "no message within 300 ms while delayed by 400 ms"
    admin POST "/admin/delay?ms=0" >/dev/null
    out=$(xclient handshake --path /ws/ethusdc@depth5@100ms --seconds 1.5); echo "  $out"
    expect_eq "$(jf "$out" 'd.get("result")')" message "messages flow at once after delay=0"
    expect_fault_counted delay
    ;;
  reject)
    start_exchange --config configs/exchange.yaml
    admin POST "/admin/reject?count=2&code=-2010" >/dev/null; expect_eq "$(admin_status)" 200 "admin reject accepted"
    for i in 1 2 3; do
      r=$(xclient rest POST /api/v3/order symbol=ETHUSDC side=BUY type=LIMIT timeInForce=GTC quantity=0.0100 price=1000.00 --signed)
      codes[$i]=$(jf "$r" 'd["body"].get("code", d["status"]) if isinstance(d["body"], dict) else d["status"]')
    done
    echo "  answers: ${codes[*]}"
    expect_eq "${codes[1]}" -2010 "first order rejected with -2010"
    expect_eq "${codes[2]}" -2010 "second order rejected with -2010"
    expect_eq "${codes[3]}" 200 "third order accepted"
    expect_fault_counted reject
    ;;
  orders)
    start_exchange --config configs/exchange.yaml
    xclient rest POST /api/v3/order symbol=SOLUSDC side=SELL type=LIMIT timeInForce=GTC quantity=0.100 price=300.00 newClientOrderId=admin-view --signed >/dev/null
    out=$(admin GET "/admin/orders?symbol=SOLUSDC"); expect_eq "$(admin_status)" 200 "GET /admin/orders needs no signature"
    expect_contains "$out" '"clientOrderId":"admin-view"' "it lists the demo account's order"
    out=$(admin GET "/admin/orders"); expect_contains "$out" '"symbol":"ETHUSDC"' "without symbol: every symbol (market orders too)"
    out=$(admin POST "/admin/stall?ms=abc"); expect_eq "$(admin_status)" 400 "a bad admin parameter: 400"
    expect_contains "$out" "ms" "the error names the parameter"
    ;;
  deposit)  # an admin deposit reaches the account's user data as balanceUpdate
    start_exchange --config configs/exchange.yaml
    out=$(/usr/bin/python3 - "$EX_PORT" "$PHOENIX_SOURCE_DIR" <<'PY'
import asyncio, json, sys, time, urllib.request, websockets
sys.path.insert(0, sys.argv[2] + "/tests/exchange")
import xclient
async def main():
    hmac_key, secret, _, _ = xclient.demo_keys()
    async with websockets.connect("ws://127.0.0.1:%s/ws-api/v3" % sys.argv[1], compression=None) as ws:
        params = {"apiKey": hmac_key, "timestamp": int(time.time() * 1000)}
        payload = "&".join("%s=%s" % (k, params[k]) for k in sorted(params))
        import hashlib, hmac
        params["signature"] = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
        await ws.send(json.dumps({"id": 1, "method": "userDataStream.subscribe.signature", "params": params}))
        await asyncio.wait_for(ws.recv(), timeout=5)
        req = urllib.request.Request("http://127.0.0.1:%s/admin/deposit?account=demo&asset=USDC&amount=123.45" % sys.argv[1], method="POST")
        urllib.request.urlopen(req, timeout=5).read()
        events = []
        while len(events) < 2:
            events.append(json.loads(await asyncio.wait_for(ws.recv(), timeout=5))["event"])
        print(json.dumps({"first": events[0], "second": events[1]["e"]}))
asyncio.run(main())
PY
)
    echo "  $out"
    expect_eq "$(jf "$out" 'd["first"]["e"]')" balanceUpdate "balanceUpdate first"
    expect_eq "$(jf "$out" 'd["first"]["d"]')" 123.45000000 "with the deposited amount"
    expect_eq "$(jf "$out" 'd["second"]')" outboundAccountPosition "then outboundAccountPosition"
    ;;
  accept_close)
    start_exchange --config configs/exchange.yaml
    admin POST "/admin/accept_close?seconds=2" >/dev/null; expect_eq "$(admin_status)" 200 "admin accept_close accepted"
    out=$(xclient handshake --seconds 2); echo "  $out"
    expect_eq "$(jf "$out" 'd.get("result")')" closed "a new connection is accepted then closed"
    sleep 2.2
    out=$(xclient handshake --seconds 2); echo "  $out"
    expect_eq "$(jf "$out" 'd.get("result")')" message "after the window, connections work again"
    expect_fault_counted accept_close
    ;;
  handshake429|handshake503)
    status=${fault#handshake}
    start_exchange --config configs/exchange.yaml
    admin POST "/admin/handshake?status=$status&count=1&retry_after=7" >/dev/null; expect_eq "$(admin_status)" 200 "admin handshake accepted"
    out=$(xclient handshake); echo "  $out"
    expect_eq "$(jf "$out" 'd["status"]')" "$status" "the upgrade is answered $status"
    if [ "$status" = 429 ]; then expect_eq "$(jf "$out" 'd.get("retry_after")')" 7 "with Retry-After: 7"; fi
    out=$(xclient handshake); expect_eq "$(jf "$out" 'd["status"]')" 101 "the next upgrade works"
    expect_fault_counted handshake
    ;;
  rest_5xx)
    start_exchange --config configs/exchange.yaml
    admin POST "/admin/rest_fault?mode=5xx&count=1" >/dev/null; expect_eq "$(admin_status)" 200 "admin rest_fault accepted"
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$EX_PORT/api/v3/time")
    if [ "${code:0:1}" = 5 ]; then pass "REST answers $code"; else fail "REST answered $code, want 5xx"; fi
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$EX_PORT/api/v3/time")
    expect_eq "$code" 200 "the next request works"
    expect_fault_counted rest_fault
    ;;
  rest_timeout)
    start_exchange --config configs/exchange.yaml
    admin POST "/admin/rest_fault?mode=timeout&count=1" >/dev/null; expect_eq "$(admin_status)" 200 "admin rest_fault accepted"
    set +e; curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$EX_PORT/api/v3/time"; rc=$?; set -e
    expect_eq "$rc" 28 "the request gets no answer (curl times out)"
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$EX_PORT/api/v3/time")
    expect_eq "$code" 200 "the next request works"
    expect_fault_counted rest_fault
    ;;
  depth_gap|depth_duplicate|depth_reorder)
    kind=${fault#depth_}
    start_exchange --config configs/exchange.yaml
    watch_bg w 3 ethusdc@depth@100ms; sleep 1
    admin POST "/admin/depth_fault?symbol=ETHUSDC&kind=$kind" >/dev/null; expect_eq "$(admin_status)" 200 "admin depth_fault accepted"
    wait "$WATCH_PID" || true; r=$(cat "$TEST_TMP/w.json"); echo "  $r"
    gaps=$(jf "$r" 'd["diff_gaps"]')
    if [ "$gaps" -ge 1 ]; then pass "the client sees a broken U/u sequence ($gaps)"; else fail "no sequence break seen"; fi
    expect_fault_counted depth_fault
    ;;
  malformed)
    start_exchange --config configs/exchange.yaml
    watch_bg w 3 ethusdc@bookTicker; sleep 1
    admin POST "/admin/malformed?count=2" >/dev/null; expect_eq "$(admin_status)" 200 "admin malformed accepted"
    wait "$WATCH_PID" || true; r=$(cat "$TEST_TMP/w.json"); echo "  $r"
    expect_eq "$(jf "$r" 'd["bad_json"]')" 2 "the client received 2 malformed payloads"
    expect_fault_counted malformed
    ;;
  rate_1008)  # more than 5 incoming messages a second on a market connection: closed 1008
    start_exchange --config configs/exchange.yaml
    out=$(/usr/bin/python3 - "$EX_PORT" <<'PY'
import asyncio, json, sys, websockets
async def main():
    async with websockets.connect("ws://127.0.0.1:%s/ws" % sys.argv[1], compression=None) as ws:
        try:
            for i in range(12):
                await ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": i}))
            while True:
                await asyncio.wait_for(ws.recv(), timeout=3)
        except websockets.exceptions.ConnectionClosed as e:
            print(json.dumps({"close_code": e.code, "reason": e.reason}))
        except asyncio.TimeoutError:
            print(json.dumps({"close_code": None}))
asyncio.run(main())
PY
)
    echo "  $out"
    expect_eq "$(jf "$out" 'd["close_code"]')" 1008 "closed with 1008"
    ;;
  ping_timeout)  # a client that never answers pings is dropped after pong_timeout_ms
    make_exchange_config "$TEST_TMP/x/exchange.yaml" 's/^  ping_interval_ms: .*/  ping_interval_ms: 300/' 's/^  pong_timeout_ms: .*/  pong_timeout_ms: 1000/'
    start_exchange --config "$TEST_TMP/x/exchange.yaml"
    out=$(/usr/bin/python3 - "$EX_PORT" <<'PY'
import asyncio, json, sys, time, websockets
async def main():
    # websockets answers pings inside recv(); a client that does not read never pongs.
    ws = await websockets.connect("ws://127.0.0.1:%s/ws/ethusdc@bookTicker" % sys.argv[1], compression=None,
                                  ping_interval=None, max_queue=1)
    t0 = time.monotonic()
    ws.transport.pause_reading()
    await asyncio.sleep(2.5)
    ws.transport.resume_reading()
    try:
        while True:
            await asyncio.wait_for(ws.recv(), timeout=3)
    except websockets.exceptions.ConnectionClosed as e:
        print(json.dumps({"close_code": e.code, "after_s": round(time.monotonic() - t0, 1)}))
    except asyncio.TimeoutError:
        print(json.dumps({"close_code": None}))
asyncio.run(main())
PY
)
    echo "  $out"
    if [ "$(jf "$out" 'd["close_code"] is not None')" = True ]; then pass "an unanswered ping ends the connection"; else fail "not closed"; fi
    ;;
  lifetime)  # max connection lifetime: serverShutdown first, then close
    make_exchange_config "$TEST_TMP/x/exchange.yaml" 's/^  max_lifetime_ms: .*/  max_lifetime_ms: 1500/'
    start_exchange --config "$TEST_TMP/x/exchange.yaml"
    out=$(/usr/bin/python3 - "$EX_PORT" <<'PY'
import asyncio, json, sys, websockets
async def main():
    shutdown = False
    async with websockets.connect("ws://127.0.0.1:%s/stream?streams=ethusdc@bookTicker" % sys.argv[1], compression=None) as ws:
        try:
            while True:
                m = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
                if m.get("stream") == "!serverShutdown" and m["data"].get("e") == "serverShutdown":
                    shutdown = True
        except websockets.exceptions.ConnectionClosed as e:
            print(json.dumps({"shutdown_event": shutdown, "close_code": e.code}))
        except asyncio.TimeoutError:
            print(json.dumps({"shutdown_event": shutdown, "close_code": None}))
asyncio.run(main())
PY
)
    echo "  $out"
    expect_eq "$(jf "$out" 'd["shutdown_event"]')" True "serverShutdown event before the close"
    expect_eq "$(jf "$out" 'd["close_code"] is not None')" True "then the connection is closed"
    ;;
  attempts)  # connection attempts per IP per window: over the limit, 429
    make_exchange_config "$TEST_TMP/x/exchange.yaml" 's/^  max_conn_attempts: .*/  max_conn_attempts: 3/'
    start_exchange --config "$TEST_TMP/x/exchange.yaml"
    for i in 1 2 3 4; do st[$i]=$(jf "$(xclient handshake --seconds 0.1)" 'd["status"]'); done
    echo "  statuses: ${st[*]}"
    expect_eq "${st[3]}" 101 "the 3rd attempt in the window is accepted"
    expect_eq "${st[4]}" 429 "the 4th is refused with 429"
    ;;
  *) echo "unknown fault $fault" >&2; exit 2 ;;
esac
stop_exchange
finish
