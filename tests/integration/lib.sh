# Shared helpers for integration tests (sourced, not run). Each test gets a private
# temp dir and kills whatever it started on exit. Loopback only; every wait is bounded.
set -euo pipefail

: "${PHOENIX_BIN:?PHOENIX_BIN must point at the phoenix binary}"
: "${PHOENIX_SOURCE_DIR:?PHOENIX_SOURCE_DIR must point at the repository}"

TEST_TMP=$(mktemp -d /tmp/phoenix-it.XXXXXX)
TEST_PIDS=()
cleanup() {
  for pid in "${TEST_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$TEST_TMP"
}
trap cleanup EXIT

failures=0
passes=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*"; passes=$((passes + 1)); }
finish() {
  echo "$passes passed, $failures failed"
  [ "$failures" -eq 0 ]
}

# expect_contains <haystack> <needle> <what>
expect_contains() {
  if grep -qF -- "$2" <<<"$1"; then pass "$3"; else fail "$3: expected to find '$2' in:"; echo "$1" | head -40 >&2; fi
}
expect_not_contains() {
  if grep -qF -- "$2" <<<"$1"; then fail "$3: '$2' must not appear"; else pass "$3"; fi
}
expect_eq() { if [ "$1" = "$2" ]; then pass "$3"; else fail "$3: expected '$2', got '$1'"; fi; }

# A copy of configs/sim.yaml with metrics on a free port and the log in the temp dir.
make_sim_config() {
  local out=$1
  sed -e "s#^\(\s*listen:\).*#\1 \"127.0.0.1:0\"#" \
      -e "s#^\(\s*file:\).*#\1 \"$TEST_TMP/phoenix.log\"#" \
      "$PHOENIX_SOURCE_DIR/configs/sim.yaml" > "$out"
}

# wait_for_log <file> <pattern> [timeout_s]: prints the first matching line.
wait_for_log() {
  local file=$1 pattern=$2 timeout=${3:-15} i
  for ((i = 0; i < timeout * 20; i++)); do
    if [ -f "$file" ] && grep -m1 -E -- "$pattern" "$file"; then return 0; fi
    sleep 0.05
  done
  return 1
}

# wait_for_exit <pid> [timeout_s]: sets EXIT_CODE; 124 on timeout.
wait_for_exit() {
  local pid=$1 timeout=${2:-15} i
  for ((i = 0; i < timeout * 20; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      set +e; wait "$pid"; EXIT_CODE=$?; set -e
      return 0
    fi
    sleep 0.05
  done
  EXIT_CODE=124
}
