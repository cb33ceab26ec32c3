#!/usr/bin/env bash
# A third-party client (python3-websockets) subscribes to combined streams with and without
# permessage-deflate and checks every payload's shape, the negotiated extension and the
# control messages; the server forced to no-context answers so.
source "$(dirname "$0")/lib.sh"
cd "$PHOENIX_SOURCE_DIR"
start_exchange --config configs/exchange.yaml
for mode in honour no_context off; do
  if out=$(xclient streams --deflate "$mode" --seconds 3 2>&1); then pass "streams, client offer $mode"; else fail "streams, client offer $mode"; fi
  echo "$out" | sed 's/^/    /'
done
if out=$(xclient control 2>&1); then pass "control messages"; else fail "control messages"; fi
echo "$out" | sed 's/^/    /'
stop_exchange

make_exchange_config "$TEST_TMP/x/exchange.yaml" 's/^  deflate: .*/  deflate: no_context/'
start_exchange --config "$TEST_TMP/x/exchange.yaml"
if out=$(xclient streams --deflate honour --expect-no-context --seconds 2 2>&1); then pass "server forced to no_context"; else fail "server forced to no_context"; fi
echo "$out" | sed 's/^/    /'
stop_exchange
finish
