#!/usr/bin/env bash
# The WebSocket API with a third-party client: Ed25519 session.logon, user data
# subscription, order place/status/cancel, a fill against the synthetic market and its
# executionReport/outboundAccountPosition, subscribe.signature with an HMAC key.
source "$(dirname "$0")/lib.sh"
cd "$PHOENIX_SOURCE_DIR"
start_exchange --config configs/exchange.yaml
sleep 0.5  # the synthetic market seeds its books on the first tick
if out=$(xclient wsapi 2>&1); then pass "WebSocket API session"; else fail "WebSocket API session"; fi
echo "$out" | sed 's/^/    /'
stop_exchange
finish
