#!/usr/bin/env bash
# A plain curl places and cancels a signed order (HMAC-SHA256 over the query string, as
# Binance's docs show), and sees Binance's error shapes for bad requests.
source "$(dirname "$0")/lib.sh"
cd "$PHOENIX_SOURCE_DIR"
start_exchange --config configs/exchange.yaml

base="http://127.0.0.1:$EX_PORT"
sign() { printf '%s' "$1" | openssl dgst -sha256 -hmac "$DEMO_HMAC_SECRET" | sed 's/^.*= //'; }
ts() { date +%s%3N; }

out=$(curl -sS --max-time 5 "$base/api/v3/time"); expect_contains "$out" '"serverTime":' "GET /api/v3/time"
out=$(curl -sS --max-time 5 "$base/api/v3/exchangeInfo?symbol=ETHUSDC")
expect_contains "$out" '"symbol":"ETHUSDC"' "exchangeInfo has ETHUSDC"
expect_contains "$out" '"filterType":"PRICE_FILTER"' "exchangeInfo has PRICE_FILTER"
expect_contains "$out" '"tickSize":"0.01' "ETHUSDC tick is 0.01"
out=$(curl -sS --max-time 5 "$base/api/v3/depth?symbol=ETHUSDC&limit=5"); expect_contains "$out" '"lastUpdateId":' "depth"
bid=$(/usr/bin/python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print("%.2f" % (float(d["bids"][0][0]) * 0.9))' "$out")

q="symbol=ETHUSDC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.0100&price=$bid&newClientOrderId=curl-1&recvWindow=5000&timestamp=$(ts)"
out=$(curl -sS --max-time 5 -D "$TEST_TMP/h1" -H "X-MBX-APIKEY: $DEMO_HMAC_KEY" -X POST "$base/api/v3/order?$q&signature=$(sign "$q")")
expect_contains "$out" '"clientOrderId":"curl-1"' "curl places a signed LIMIT order"
expect_contains "$out" '"status":"NEW"' "the order rests"
expect_contains "$(cat "$TEST_TMP/h1")" "X-MBX-ORDER-COUNT-10S" "order-count header"
expect_contains "$(tr 'A-Z' 'a-z' <"$TEST_TMP/h1")" "x-mbx-used-weight-1m" "used-weight header"
oid=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])["orderId"])' "$out")

# The same parameters in a form body instead of the query string.
q="symbol=ETHUSDC&orderId=$oid&timestamp=$(ts)"
out=$(curl -sS --max-time 5 -H "X-MBX-APIKEY: $DEMO_HMAC_KEY" -X GET "$base/api/v3/order?$q&signature=$(sign "$q")")
expect_contains "$out" "\"orderId\":$oid" "GET /api/v3/order finds it"
q="symbol=ETHUSDC&orderId=$oid&timestamp=$(ts)"
out=$(curl -sS --max-time 5 -H "X-MBX-APIKEY: $DEMO_HMAC_KEY" -X DELETE --data "$q&signature=$(sign "$q")" "$base/api/v3/order")
expect_contains "$out" '"status":"CANCELED"' "curl cancels it (form body)"

q="symbol=ETHUSDC&orderId=$oid&timestamp=$(ts)"
out=$(curl -sS --max-time 5 -w ' %{http_code}' -H "X-MBX-APIKEY: $DEMO_HMAC_KEY" -X DELETE "$base/api/v3/order?$q&signature=$(sign "$q")")
expect_contains "$out" '"code":-2011' "cancelling again: -2011"
expect_contains "$out" ' 400' "... with HTTP 400"

q="symbol=ETHUSDC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.0100&price=$bid&timestamp=$(ts)"
out=$(curl -sS --max-time 5 -w ' %{http_code}' -H "X-MBX-APIKEY: $DEMO_HMAC_KEY" -X POST "$base/api/v3/order?$q&signature=0000$(sign "$q" | cut -c5-)")
expect_contains "$out" '"code":-1022' "a bad signature: -1022"
q="symbol=ETHUSDC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.0100&price=$bid&timestamp=$(( $(ts) - 60000 ))"
out=$(curl -sS --max-time 5 -H "X-MBX-APIKEY: $DEMO_HMAC_KEY" -X POST "$base/api/v3/order?$q&signature=$(sign "$q")")
expect_contains "$out" '"code":-1021' "an old timestamp: -1021"
q="symbol=ETHUSDC&timestamp=$(ts)"
out=$(curl -sS --max-time 5 -w ' %{http_code}' -H "X-MBX-APIKEY: nosuchkey" "$base/api/v3/openOrders?$q&signature=$(sign "$q")")
expect_contains "$out" '"code":-2015' "an unknown key: -2015"
expect_contains "$out" ' 401' "... with HTTP 401"
q="symbol=NOPE&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=1&timestamp=$(ts)"
out=$(curl -sS --max-time 5 -H "X-MBX-APIKEY: $DEMO_HMAC_KEY" -X POST "$base/api/v3/order?$q&signature=$(sign "$q")")
expect_contains "$out" '"code":-1121' "an unknown symbol: -1121"
q="symbol=ETHUSDC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01000&price=$bid.001&timestamp=$(ts)"
out=$(curl -sS --max-time 5 -H "X-MBX-APIKEY: $DEMO_HMAC_KEY" -X POST "$base/api/v3/order?$q&signature=$(sign "$q")")
expect_contains "$out" '"code":-1' "a price off the tick is rejected"
out=$(curl -sS --max-time 5 -w ' %{http_code}' "$base/api/v3/nosuch")
expect_contains "$out" ' 404' "an unknown path: 404"
stop_exchange
finish
