# Shared helpers for the trading tests: Phoenix quoting against phoenix-exchange on
# loopback (sourced). Both run on free ports; every wait is bounded.
source "$(dirname "${BASH_SOURCE[0]}")/../exchange/lib.sh"
cd "$PHOENIX_SOURCE_DIR"
export PHOENIX_API_KEY="$DEMO_HMAC_KEY" PHOENIX_API_SECRET="$DEMO_HMAC_SECRET"

# make_trading_config <out.yaml> [sed expressions...]: configs/sim.yaml pointed at the
# running exchange ($EX_PORT), metrics on a free port, the log in the temp dir, then
# edited by the given sed expressions.
make_trading_config() {
  local out=$1; shift
  local args=(-e "s#127\.0\.0\.1:8090#127.0.0.1:$EX_PORT#g"
              -e "s#^\(\s*listen:\).*#\1 \"127.0.0.1:0\"#"
              -e "s#^\(\s*file:\).*#\1 \"$TEST_TMP/phoenix.log\"#")
  local e
  for e in "$@"; do args+=(-e "$e"); done
  sed "${args[@]}" "$PHOENIX_SOURCE_DIR/configs/sim.yaml" >"$out"
}

# demo_orders [symbol]: how many open orders the demo account (Phoenix's) has on the
# exchange, per /admin/orders (the exchange's own view, not Phoenix's).
demo_orders() {
  local q=""
  [ -n "${1:-}" ] && q="?symbol=$1"
  admin GET "/admin/orders$q" | grep -o '"account":"demo"' | wc -l
}

# demo_orders_json [symbol]: the demo account's open orders, one JSON object per line.
demo_orders_json() {
  local q=""
  [ -n "${1:-}" ] && q="?symbol=$1"
  admin GET "/admin/orders$q" | sed 's/},{/}\n{/g' | grep '"account":"demo"' || true
}

# msum <name> <label fragment>...: the sum of Phoenix's samples of <name> whose labels
# contain every fragment.
msum() {
  local name=$1; shift
  curl -sS --max-time 5 "http://127.0.0.1:$PORT/metrics" | awk -v n="$name" -v f="$*" '
    index($0, n"{") == 1 || index($0, n" ") == 1 {
      ok = 1; k = split(f, a, " "); for (i = 1; i <= k; i++) if (index($0, a[i]) == 0) ok = 0; if (ok) s += $NF }
    END { print s + 0 }'
}

# wait_until <timeout_s> <command...>: polls the command every 0.1 s until it succeeds.
wait_until() {
  local timeout=$1; shift
  local i
  for ((i = 0; i < timeout * 10; i++)); do
    if "$@"; then return 0; fi
    sleep 0.1
  done
  return 1
}

SYMBOLS=(ETHUSDC DOGEUSDC SOLUSDC BNBUSDC XRPUSDC)

# all_symbols_have <n>: every symbol has exactly n demo orders open on the exchange.
all_symbols_have() {
  local s
  local all
  all=$(admin GET "/admin/orders")
  for s in "${SYMBOLS[@]}"; do
    [ "$(grep -o "\"account\":\"demo\",\"symbol\":\"$s\"" <<<"$all" | wc -l)" -eq "$1" ] || return 1
  done
}

# gt <a> <b>: a > b, as decimals.
gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'; }

DEMO2_HMAC_KEY=$(awk '/name: demo2/{f=1} f && /type: hmac/{getline; print $2; exit}' "$PHOENIX_SOURCE_DIR/configs/exchange.yaml")

# demo_balance <asset>: the demo account's free + locked balance, from the exchange.
demo_balance() {
  xclient rest GET /api/v3/account --signed | python3 -c '
import json, sys
body = json.loads(json.load(sys.stdin)["body"])
for b in body["balances"]:
    if b["asset"] == sys.argv[1]:
        from decimal import Decimal
        print(Decimal(b["free"]) + Decimal(b["locked"]))' "$1"
}

# sweep <symbol> <BUY|SELL> <price> <qty>: demo2 sends a LIMIT IOC that takes every ask up
# to <price> (BUY) or every bid down to <price> (SELL), Phoenix's orders included.
sweep() {
  xclient rest POST /api/v3/order "symbol=$1" "side=$2" type=LIMIT timeInForce=IOC "price=$3" "quantity=$4" \
    --signed --api-key "$DEMO2_HMAC_KEY"
}
