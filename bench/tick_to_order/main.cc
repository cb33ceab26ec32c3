// Tick-to-order: from a market-data frame arriving at Phoenix to the order request it
// causes being written to the WebSocket API socket, measured inside Phoenix.
//
//   ./build/release/bench/phoenix_tick_to_order_bench [--seconds 20] [--runs 3]
//        [--config configs/exchange.yaml] [--phoenix-config configs/sim.yaml]
//
// The exchange is the real phoenix-exchange (Exchange, MarketStreams, MarketSimulator,
// ExchangeServer) on its own thread and io_context, with its synthetic market stepping
// every 10 ms. Phoenix is the real engine (md::Feed, quoter, risk, OMS, BinanceGateway
// over the WebSocket API with HMAC signing) on this thread, as `phoenix` runs it.
//
// What is measured: for every order request (place, cancelReplace, amend, cancel) that a
// market-data update caused, the time from the socket read that delivered the frame
// (the feed's receive timestamp, taken when the read completes, before frame parsing,
// inflate and JSON decoding) to the moment the signed request is handed to the socket
// write (BinanceGateway's latency recorder). That is Phoenix's own processing; the
// exchange's time (matching, responses) is not in it. Requests caused by responses,
// timers or fills (trigger 0) are not counted.
//
// Rate limits are lifted on both sides for the benchmark (Phoenix's own order cap and the
// exchange's), so every tick that moves a level beyond the requote tolerance produces a
// request; the quoting parameters are configs/sim.yaml's.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "config/config.h"
#include "core/clock.h"
#include "engine/engine.h"
#include "sim/exchange.h"
#include "sim/exchange_config.h"
#include "sim/market_streams.h"
#include "sim/server.h"
#include "telemetry/log.h"
#include "telemetry/metrics.h"

namespace {

namespace asio = boost::asio;
using phoenix::core::RealClock;
namespace sim = phoenix::sim;
namespace config = phoenix::config;

// phoenix-exchange on its own thread.
class Exchange {
 public:
  bool start(sim::ExchangeConfig cfg, std::string* err) {
    const auto& clock = RealClock::instance();
    cfg.server.host = "127.0.0.1";
    cfg.server.port = 0;
    cfg.exchange.limits.request_weight_per_minute = int64_t{1} << 50;
    cfg.exchange.limits.orders_per_10s = int64_t{1} << 50;
    cfg.exchange.limits.orders_per_day = int64_t{1} << 50;
    cfg.market.step_ms = 10;
    auto ex = sim::Exchange::create(cfg.exchange, clock);
    if (!ex.ok()) {
      *err = "exchange: " + ex.error().message;
      return false;
    }
    ex_ = std::move(*ex);
    streams_ = sim::MarketStreams::create(*ex_);
    auto market = sim::MarketSimulator::create(cfg.market, *ex_);
    if (!market.ok()) {
      *err = "market: " + market.error().message;
      return false;
    }
    market_ = std::move(*market);
    auto server = sim::ExchangeServer::start(ioc_, cfg.server, *ex_, *streams_, market_.get(), clock);
    if (!server.ok()) {
      *err = "server: " + server.error().message;
      return false;
    }
    server_ = std::move(*server);
    thread_ = std::thread([this] { ioc_.run(); });
    return true;
  }
  uint16_t port() const { return server_->port(); }
  void stop() {
    if (server_) asio::post(ioc_, [this] { server_->stop(); });
    if (thread_.joinable()) thread_.join();
  }
  ~Exchange() { stop(); }

 private:
  asio::io_context ioc_{1};
  std::unique_ptr<sim::Exchange> ex_;
  std::unique_ptr<sim::MarketStreams> streams_;
  std::unique_ptr<sim::MarketSimulator> market_;
  std::unique_ptr<sim::ExchangeServer> server_;
  std::thread thread_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
    s.replace(pos, from.size(), to);
  return s;
}

int64_t percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(p * static_cast<double>(sorted.size())));
  return sorted[i];
}

struct RunResult {
  std::vector<int64_t> samples_ns;
  bool ok = false;
};

RunResult run_once(const std::string& exchange_config, const std::string& phoenix_config, int seconds) {
  RunResult result;
  auto ecfg = sim::load_exchange_config(exchange_config);
  if (!ecfg.ok()) {
    std::fprintf(stderr, "exchange config: %s\n", ecfg.error().message.c_str());
    return result;
  }
  Exchange exchange;
  std::string err;
  if (!exchange.start(std::move(*ecfg), &err)) {
    std::fprintf(stderr, "%s\n", err.c_str());
    return result;
  }
  const std::string port = std::to_string(exchange.port());
  std::string yaml = replace_all(read_file(phoenix_config), "127.0.0.1:8090", "127.0.0.1:" + port);
  auto parsed = config::parse_config(yaml, phoenix_config);
  if (!parsed.ok()) {
    std::fprintf(stderr, "phoenix config: %s\n", parsed.error().message.c_str());
    return result;
  }
  config::Config cfg = std::move(*parsed);
  cfg.risk.max_orders_per_10s = 1'000'000;  // lifted for the benchmark (see the file comment)
  cfg.risk.max_rejects_per_minute = 100'000;
  cfg.market_data.summary_interval_ms = 0;
  cfg.orders.reconcile_interval_ms = 0;
  const std::string key_path = std::string(PHOENIX_SOURCE_DIR) + "/configs/demo-keys/demo-hmac.secret";
  std::string secret = read_file(key_path);
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  std::string key;
  {
    const std::string ex = read_file(exchange_config);
    const size_t at = ex.find("api_key: phoenixDemoHmacKey");
    if (at != std::string::npos) key = ex.substr(at + 9, 64);
  }
  config::Credentials creds;
  creds.api_key = phoenix::core::Secret(key);
  creds.api_secret = phoenix::core::Secret(secret);
  creds.key_type = config::KeyType::kHmac;

  asio::io_context ioc(1);
  phoenix::telemetry::Registry registry;
  auto engine = phoenix::engine::Engine::create(ioc, RealClock::instance(), cfg, creds, registry);
  if (!engine.ok()) {
    std::fprintf(stderr, "engine: %s\n", engine.error().message.c_str());
    return result;
  }
  (*engine)->set_latency_recorder(&result.samples_ns);
  result.samples_ns.reserve(1'000'000);
  (*engine)->start();
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < end) ioc.run_one_for(std::chrono::milliseconds(50));
  bool stopped = false;
  bool clear = false;
  (*engine)->stop([&](bool ok) {
    stopped = true;
    clear = ok;
  });
  const auto stop_end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!(*engine)->closed() && std::chrono::steady_clock::now() < stop_end) {
    ioc.run_one_for(std::chrono::milliseconds(20));
  }
  result.ok = stopped && clear;
  if (!result.ok) std::fprintf(stderr, "the engine did not stop cleanly (orders left?)\n");
  engine->reset();
  exchange.stop();
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Tick-to-order latency of Phoenix against phoenix-exchange over loopback"};
  int seconds = 20;
  int runs = 3;
  std::string exchange_config = std::string(PHOENIX_SOURCE_DIR) + "/configs/exchange.yaml";
  std::string phoenix_config = std::string(PHOENIX_SOURCE_DIR) + "/configs/sim.yaml";
  int64_t min_samples = 200;
  app.add_option("--seconds", seconds, "Duration of one run")->check(CLI::Range(1, 600));
  app.add_option("--runs", runs, "Runs (results per run and pooled)")->check(CLI::Range(1, 20));
  app.add_option("--config", exchange_config, "phoenix-exchange config");
  app.add_option("--phoenix-config", phoenix_config, "Phoenix config (quoting parameters)");
  app.add_option("--min-samples", min_samples, "Fail when a run yields fewer samples");
  CLI11_PARSE(app, argc, argv);

  phoenix::telemetry::LogOptions log;
  log.file = "";
  log.to_stderr = false;
  (void)phoenix::telemetry::init_logging(log);

  std::vector<int64_t> pooled;
  bool ok = true;
  std::printf("tick-to-order (market-data read -> order request written), Phoenix's own processing\n");
  std::printf("%-6s %8s %10s %10s %10s %10s\n", "run", "samples", "p50_us", "p99_us", "p99.9_us", "max_us");
  for (int r = 0; r < runs; ++r) {
    RunResult res = run_once(exchange_config, phoenix_config, seconds);
    std::sort(res.samples_ns.begin(), res.samples_ns.end());
    const auto& s = res.samples_ns;
    std::printf("%-6d %8zu %10.1f %10.1f %10.1f %10.1f\n", r + 1, s.size(), percentile(s, 0.5) / 1e3,
                percentile(s, 0.99) / 1e3, percentile(s, 0.999) / 1e3, s.empty() ? 0.0 : s.back() / 1e3);
    if (!res.ok || static_cast<int64_t>(s.size()) < min_samples) ok = false;
    pooled.insert(pooled.end(), s.begin(), s.end());
  }
  std::sort(pooled.begin(), pooled.end());
  std::printf("%-6s %8zu %10.1f %10.1f %10.1f %10.1f\n", "all", pooled.size(), percentile(pooled, 0.5) / 1e3,
              percentile(pooled, 0.99) / 1e3, percentile(pooled, 0.999) / 1e3,
              pooled.empty() ? 0.0 : pooled.back() / 1e3);
  phoenix::telemetry::shutdown_logging();
  if (!ok)
    std::fprintf(stderr, "FAILED: a run did not stop cleanly or had fewer than %lld samples\n",
                 static_cast<long long>(min_samples));
  return ok ? 0 : 1;
}
