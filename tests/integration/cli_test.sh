#!/usr/bin/env bash
# The phoenix command line: --version, --help, usage errors, check-config on good and
# broken configs, exit codes 0 / 2 as documented.
source "$(dirname "$0")/lib.sh"
cd "$PHOENIX_SOURCE_DIR"

run() { set +e; OUT=$("$@" 2>&1); RC=$?; set -e; }

run "$PHOENIX_BIN" --version
expect_eq "$RC" 0 "--version exits 0"
if grep -qE '^phoenix [0-9a-zA-Z._-]+' <<<"$OUT"; then pass "--version prints 'phoenix <describe>'"; else fail "--version output: $OUT"; fi

run "$PHOENIX_BIN" --help
expect_eq "$RC" 0 "--help exits 0"
expect_contains "$OUT" "check-config" "--help lists check-config"
expect_contains "$OUT" "--dry-run" "--help lists --dry-run"

run "$PHOENIX_BIN" --no-such-flag
expect_eq "$RC" 2 "unknown flag exits 2"

run "$PHOENIX_BIN"
expect_eq "$RC" 2 "no --config exits 2"
expect_contains "$OUT" "--config" "missing --config is named"

run "$PHOENIX_BIN" --config configs/sim.yaml --log-level loud
expect_eq "$RC" 2 "bad --log-level exits 2"
expect_contains "$OUT" "loud" "bad --log-level names the value"

export PHOENIX_API_KEY="it-key-0123456789" PHOENIX_API_SECRET="it-secret-must-never-print-42"
run "$PHOENIX_BIN" check-config --config configs/sim.yaml
expect_eq "$RC" 0 "check-config on sim.yaml exits 0"
expect_contains "$OUT" "ETHUSDC" "check-config prints the resolved symbols"
expect_contains "$OUT" "stale_after_ms" "check-config prints resolved defaults"
expect_contains "$OUT" "***" "check-config masks secrets"
expect_not_contains "$OUT" "it-secret-must-never-print-42" "check-config never prints the secret"
expect_not_contains "$OUT" "it-key-0123456789" "check-config never prints the api key"

for f in configs/*.yaml; do
  case "$f" in configs/exchange.yaml) continue ;; esac
  run "$PHOENIX_BIN" check-config --config "$f"
  # Live configs name a secret file that does not exist here: the config itself must be
  # valid, so only a credentials problem may be reported.
  if [ "$RC" -eq 0 ] || grep -q "credentials" <<<"$OUT"; then pass "check-config $f"; else fail "check-config $f: $OUT"; fi
done

cat > "$TEST_TMP/broken.yaml" <<'YAML'
exchange:
  rest_url: http://127.0.0.1:8090
  ws_market_url: ws://127.0.0.1:8090
  ws_api_url: ws://127.0.0.1:8090/ws-api/v3
market_data:
  stale_after_msec: 2000
  compression: sometimes
symbols:
  - symbol: ETHUSDC
    levels: seven
    size_base: "0.01"
YAML
run "$PHOENIX_BIN" check-config --config "$TEST_TMP/broken.yaml"
expect_eq "$RC" 2 "check-config on a broken config exits 2"
expect_contains "$OUT" "broken.yaml:6:3: market_data.stale_after_msec: unknown key" "unknown key with line:col"
expect_contains "$OUT" "broken.yaml:7:16: market_data.compression:" "bad enum with line:col"
expect_contains "$OUT" "broken.yaml:10:13: symbols[0].levels: expected an integer in 1..50, got \"seven\"" "wrong type with exact shape"

run "$PHOENIX_BIN" --config "$TEST_TMP/broken.yaml"
expect_eq "$RC" 2 "running a broken config exits 2"
expect_contains "$OUT" "symbols[0].levels" "run lists every error (levels)"
expect_contains "$OUT" "market_data.compression" "run lists every error (compression)"

run "$PHOENIX_BIN" check-config --config "$TEST_TMP/does-not-exist.yaml"
expect_eq "$RC" 2 "missing config exits 2"
expect_contains "$OUT" "does-not-exist.yaml" "missing config is named"

unset PHOENIX_API_SECRET
run "$PHOENIX_BIN" --config configs/sim.yaml
expect_eq "$RC" 2 "missing credentials exit 2 (not dry-run)"
expect_contains "$OUT" "PHOENIX_API_SECRET" "missing credential names the variable"

finish
