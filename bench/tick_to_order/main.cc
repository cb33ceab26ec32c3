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
#include <unordered_map>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <pthread.h>
#include <sched.h>

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
// Pins a thread to one CPU (best effort).
void pin(pthread_t thread, int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<size_t>(cpu), &set);
  (void)pthread_setaffinity_np(thread, sizeof set, &set);
}

class Exchange {
 public:
  explicit Exchange(bool pin_thread) : pin_(pin_thread) {}
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
    if (pin_) pin(thread_.native_handle(), 1);
    return true;
  }
  uint16_t port() const { return server_->port(); }
  void stop() {
    if (server_) asio::post(ioc_, [this] { server_->stop(); });
    if (thread_.joinable()) thread_.join();
  }
  ~Exchange() { stop(); }

 private:
  bool pin_ = false;
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

// The p-quantile (nearest rank) of sorted samples, in microseconds.
double percentile_us(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0.0;
  const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(p * static_cast<double>(sorted.size())));
  return static_cast<double>(sorted[i]) / 1e3;
}

struct RunResult {
  std::vector<phoenix::engine::LatencySample> samples;
  bool ok = false;
};

// Latencies (ns) of every request, and of the first request of each tick (the smallest
// latency per trigger time: the tick-to-order reaction; later requests of the same tick
// wait behind it).
// `ready` (optional): the first request's latency until it was encoded and signed, before
// its send.
void split(const std::vector<phoenix::engine::LatencySample>& samples, std::vector<int64_t>* all,
           std::vector<int64_t>* first, std::vector<int64_t>* ready) {
  std::unordered_map<int64_t, phoenix::engine::LatencySample> best;
  for (const auto& s : samples) {
    all->push_back(s.latency_ns);
    auto [it, inserted] = best.emplace(s.trigger_ns, s);
    if (!inserted && s.latency_ns < it->second.latency_ns) it->second = s;
  }
  for (const auto& [trigger, s] : best) {
    first->push_back(s.latency_ns);
    ready->push_back(s.ready_latency_ns);
  }
  std::sort(all->begin(), all->end());
  std::sort(first->begin(), first->end());
  std::sort(ready->begin(), ready->end());
}

RunResult run_once(const std::string& exchange_config, const std::string& phoenix_config, int seconds,
                   bool pin_threads, bool busy_poll, bool ed25519) {
  RunResult result;
  auto ecfg = sim::load_exchange_config(exchange_config);
  if (!ecfg.ok()) {
    std::fprintf(stderr, "exchange config: %s\n", ecfg.error().message.c_str());
    return result;
  }
  Exchange exchange(pin_threads);
  if (pin_threads) pin(pthread_self(), 0);
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
  cfg.risk.max_orders_per_10s = 10'000;  // lifted for the benchmark (see the file comment)
  cfg.risk.max_rejects_per_minute = 100'000;
  cfg.market_data.summary_interval_ms = 0;
  cfg.orders.reconcile_interval_ms = 0;
  // The demo account's published keys (configs/demo-keys): HMAC signs every request;
  // Ed25519 logs the session on once and sends requests unsigned.
  const std::string key_path = std::string(PHOENIX_SOURCE_DIR) + "/configs/demo-keys/" +
                               (ed25519 ? "demo-ed25519.pem" : "demo-hmac.secret");
  std::string secret = read_file(key_path);
  if (!ed25519) {
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  }
  std::string key;
  {
    const std::string ex = read_file(exchange_config);
    const size_t at = ex.find(ed25519 ? "api_key: phoenixDemoEd25519Key" : "api_key: phoenixDemoHmacKey");
    if (at != std::string::npos) key = ex.substr(at + 9, 64);
  }
  config::Credentials creds;
  creds.api_key = phoenix::core::Secret(key);
  creds.api_secret = phoenix::core::Secret(secret);
  creds.key_type = ed25519 ? config::KeyType::kEd25519 : config::KeyType::kHmac;

  asio::io_context ioc(1);
  phoenix::telemetry::Registry registry;
  auto engine = phoenix::engine::Engine::create(ioc, RealClock::instance(), cfg, creds, registry);
  if (!engine.ok()) {
    std::fprintf(stderr, "engine: %s\n", engine.error().message.c_str());
    return result;
  }
  (*engine)->set_latency_recorder(&result.samples);
  result.samples.reserve(1'000'000);
  (*engine)->start();
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (busy_poll) {
      ioc.poll();
    } else {
      ioc.run_one_for(std::chrono::milliseconds(50));
    }
  }
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
  bool pin_threads = false;
  app.add_flag("--pin", pin_threads, "Pin Phoenix's thread to CPU 0 and the exchange's to CPU 1");
  bool ed25519 = false;
  app.add_flag("--ed25519", ed25519, "Log on with the demo Ed25519 key (requests unsigned) instead of HMAC");
  bool busy_poll = false;
  app.add_flag("--busy-poll", busy_poll, "Phoenix's loop polls without sleeping (one core spins)");
  CLI11_PARSE(app, argc, argv);

  phoenix::telemetry::LogOptions log;
  log.file = "";
  log.to_stderr = false;
  (void)phoenix::telemetry::init_logging(log);

  std::vector<int64_t> pooled_first;
  std::vector<int64_t> pooled_all;
  std::vector<int64_t> pooled_ready;
  bool ok = true;
  std::printf("tick-to-order: market-data socket read -> order request written, Phoenix's own processing\n");
  std::printf("first = the first request of each tick, until its send returned; ready = the same request\n");
  std::printf("until encoded and signed (before the send's system call); all = every request of a tick\n");
  std::printf("%-6s %-6s %8s %9s %9s %9s %9s\n", "run", "which", "samples", "p50_us", "p99_us", "p99.9_us",
              "max_us");
  auto row = [](const char* run, const char* which, const std::vector<int64_t>& v) {
    std::printf("%-6s %-6s %8zu %9.1f %9.1f %9.1f %9.1f\n", run, which, v.size(), percentile_us(v, 0.5),
                percentile_us(v, 0.99), percentile_us(v, 0.999), percentile_us(v, 1.0));
  };
  for (int r = 0; r < runs; ++r) {
    RunResult res = run_once(exchange_config, phoenix_config, seconds, pin_threads, busy_poll, ed25519);
    std::vector<int64_t> all;
    std::vector<int64_t> first;
    std::vector<int64_t> ready;
    split(res.samples, &all, &first, &ready);
    const std::string name = std::to_string(r + 1);
    row(name.c_str(), "first", first);
    row(name.c_str(), "ready", ready);
    row(name.c_str(), "all", all);
    pooled_ready.insert(pooled_ready.end(), ready.begin(), ready.end());
    if (!res.ok || static_cast<int64_t>(first.size()) < min_samples) ok = false;
    pooled_first.insert(pooled_first.end(), first.begin(), first.end());
    pooled_all.insert(pooled_all.end(), all.begin(), all.end());
  }
  std::sort(pooled_first.begin(), pooled_first.end());
  std::sort(pooled_all.begin(), pooled_all.end());
  std::sort(pooled_ready.begin(), pooled_ready.end());
  row("pooled", "first", pooled_first);
  row("pooled", "ready", pooled_ready);
  row("pooled", "all", pooled_all);
  phoenix::telemetry::shutdown_logging();
  if (!ok)
    std::fprintf(stderr, "FAILED: a run did not stop cleanly or had fewer than %lld samples\n",
                 static_cast<long long>(min_samples));
  return ok ? 0 : 1;
}
