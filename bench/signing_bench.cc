// Request signing: the per-order cost of HMAC-SHA256 and Ed25519 on a LIMIT_MAKER order,
// REST (encode + sign + append) and WS API (sort + join + sign).
// Run: ./build/release/bench/phoenix_bench --benchmark_filter=Sign

#include <vector>

#include <benchmark/benchmark.h>

#include "binance/signing.h"

namespace {

namespace binance = phoenix::binance;

// The example keys of Binance's docs (binance-spot-api.md §4); not secrets.
constexpr char kHmacSecret[] = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
constexpr char kEd25519Pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIIJEYWtGBrhACmb9Dvy+qa8WEf0lQOl1s4CLIAB9m89u\n"
    "-----END PRIVATE KEY-----\n";

const std::vector<binance::Param> kOrder = {
    {"symbol", "ETHUSDC"},         {"side", "BUY"},      {"type", "LIMIT_MAKER"},
    {"quantity", "0.0100"},        {"price", "2997.04"}, {"newClientOrderId", "phx-ETHUSDC-b0-000123"},
    {"newOrderRespType", "RESULT"}};

std::unique_ptr<binance::Signer> make(bool ed25519) {
  auto s = ed25519 ? binance::make_ed25519_signer(phoenix::core::Secret(kEd25519Pem))
                   : binance::make_hmac_signer(phoenix::core::Secret(kHmacSecret));
  return s ? std::move(s).value() : nullptr;
}

void BM_SignRest(benchmark::State& state, bool ed25519) {
  auto signer = make(ed25519);
  if (!signer) {
    state.SkipWithError("no signer");
    return;
  }
  int64_t ts = 1'764'000'000'000;
  for (auto _ : state) {
    auto req = binance::sign_rest_request(*signer, kOrder, {}, ts++, 5000);
    benchmark::DoNotOptimize(req);
  }
}

void BM_SignWs(benchmark::State& state, bool ed25519) {
  auto signer = make(ed25519);
  if (!signer) {
    state.SkipWithError("no signer");
    return;
  }
  std::vector<binance::Param> params = kOrder;
  params.push_back({"apiKey", "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"});
  params.push_back({"timestamp", "1764000000000"});
  for (auto _ : state) {
    auto sig = binance::sign_ws_params(*signer, params);
    benchmark::DoNotOptimize(sig);
  }
}

}  // namespace

BENCHMARK_CAPTURE(BM_SignRest, hmac, false);
BENCHMARK_CAPTURE(BM_SignRest, ed25519, true);
BENCHMARK_CAPTURE(BM_SignWs, hmac, false);
BENCHMARK_CAPTURE(BM_SignWs, ed25519, true);
