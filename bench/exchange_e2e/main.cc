// phoenix-exchange over real loopback sockets: the real Exchange + MarketStreams +
// ExchangeServer (synthetic market off) on their own thread and io_context, on
// 127.0.0.1:<ephemeral>, driven by this process's own Beast clients (clients.h).
//
//   phoenix_exchange_bench [--runs R] [--pairs N] [--window W] [--conns 1,4]
//                          [--no-user-data] [--user-data-conns C] [--only all|api|fanout]
//                          [--changes N] [--burst-changes N] [--max-lag L] [--subscribers S]
//                          [--config F] [--key PEM] [--timeout S] [--smoke]
//
// Scenarios, each on a fresh exchange per run; the table shows the median of the runs:
//   api/<c>conn     c WebSocket-API connections (/ws-api/v3), each on its own thread:
//                   session.logon (Ed25519, the config's demo key), then N pipelined
//                   order.place (LIMIT_MAKER bid below the book, 50 prices) / order.cancel
//                   (by origClientOrderId, sent right behind its place) pairs with at most W
//                   requests in flight, only `timestamp` per request (no signature after
//                   logon). "+ user data": one connection that also did
//                   userDataStream.subscribe, so each order also sends executionReport and
//                   outboundAccountPosition events on the same socket (Phoenix's shape).
//                   orders/s = answered requests (place and cancel each count) / time from
//                   the common start to the last response. Latency: send -> response on the
//                   client thread (it includes queueing behind the window and the client's
//                   own scheduling). exch CPU: the exchange thread's CLOCK_THREAD_CPUTIME_ID
//                   over the same span, per request and as a share of the span (~100% = the
//                   exchange thread is the bottleneck). Every response must be status 200.
//   fanout/<mode>/<pace>
//                   S subscribers on /ws/ethusdc@bookTicker (off: no compression; deflate:
//                   permessage-deflate, the server keeping its context), each reading on its
//                   own thread. The exchange thread makes book changes (place_internal /
//                   cancel_internal one tick above the best bid, 64 per posted handler so its
//                   socket writes progress in between); every change is one bookTicker to
//                   every subscriber. paced: --changes changes, a batch waits (20 us timer)
//                   while the slowest subscriber is more than --max-lag changes behind, i.e.
//                   the sustained rate. burst: --burst-changes changes at full speed (the
//                   default fits the server's 8 MiB per-connection queue; a larger burst ends
//                   in 1008 "Slow consumer" closes, counted). msg/s per subscriber = its
//                   messages / (its last arrival - start); total = all messages / (the last
//                   arrival anywhere - start). Slow-consumer closes come from the server's
//                   /metrics; lost = expected - received; "u" must increase.
//
// The clients and the exchange share this machine's cores (reported by nproc): the
// numbers are the whole loopback system's, not the exchange's alone; the exchange
// thread's CPU time per operation is the exchange's own cost.
//
// Exit status: 0; 1 on any error response, transport error, lost or reordered message
// or slow-consumer close; 2 on usage or setup errors.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <climits>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <future>
#include <latch>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <pthread.h>
#include <time.h>

#include "core/clock.h"
#include "sim/exchange.h"
#include "sim/exchange_config.h"
#include "sim/market_streams.h"
#include "sim/server.h"

#include "clients.h"

namespace {

namespace sim = phoenix::sim;
namespace asio = boost::asio;
using namespace phoenix::bench::exchange_e2e;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int64_t kGenBatch = 64;

struct Options {
  std::string config = "configs/exchange.yaml";
  std::string key;  // default: <config dir>/demo-keys/demo-ed25519.pem
  int runs = 1;
  int64_t pairs = 20000;
  int window = 64;
  std::vector<int> conns = {1, 4};
  int64_t changes = 100000;
  int subscribers = 10;
  bool no_user_data = false;
  bool smoke = false;
  int64_t timeout_s = 60;
  int64_t max_lag = 1000;
  std::string only = "all";       // all | api | fanout
  int user_data_conns = 1;        // connections of the "+ user data" scenario (the first subscribes)
  int64_t burst_changes = 40000;  // 40,000 bookTickers (~5.5 MB) fit max_ws_queue_bytes (8 MiB)
};

int64_t pow10(int n) {
  int64_t v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}

// The metric sample `name` (exact, no labels or with the given label text) in Prometheus text.
int64_t metric(const std::string& text, const std::string& name_and_labels) {
  const std::string key = "\n" + name_and_labels + " ";
  const size_t at = text.find(key);
  if (at == std::string::npos) return 0;
  return std::strtoll(text.c_str() + at + key.size(), nullptr, 10);
}

// The real exchange on its own thread.
class Harness {
 public:
  bool start(sim::ExchangeConfig cfg, std::string* err) {
    const phoenix::core::Clock& clock = phoenix::core::RealClock::instance();
    cfg.market_enabled = false;
    cfg.server.host = "127.0.0.1";
    cfg.server.port = 0;
    // A benchmark, not a rate-limit test: every client is 127.0.0.1 and one account.
    cfg.exchange.limits.request_weight_per_minute = int64_t{1} << 50;
    cfg.exchange.limits.orders_per_10s = int64_t{1} << 50;
    cfg.exchange.limits.orders_per_day = int64_t{1} << 50;
    cfg.server.max_conn_attempts = 1 << 20;
    auto ex = sim::Exchange::create(cfg.exchange, clock);
    if (!ex.ok()) {
      *err = "exchange: " + ex.error().message;
      return false;
    }
    ex_ = std::move(*ex);
    streams_ = sim::MarketStreams::create(*ex_);
    const sim::ExchangeSymbolSpec* sym = ex_->symbol("ETHUSDC");
    if (sym == nullptr || sym->engine.price_scale < 2 || sym->engine.qty_scale < 2) {
      *err = "the config has no ETHUSDC with at least 2 price and quantity decimals";
      return false;
    }
    spec_ = sym->engine;
    // A market maker's book: 10 bids 2990.00..2999.00, 10 asks 3001.00..3010.00, 0.5 each.
    auto mm = ex_->add_market_account("bench-mm", {{spec_.quote_asset, int64_t{1'000'000'000} * 100'000'000},
                                                   {spec_.base_asset, int64_t{1'000'000} * 100'000'000}});
    if (!mm.ok()) {
      *err = "market account: " + mm.error().message;
      return false;
    }
    mm_ = *mm;
    for (int i = 0; i < 10; ++i) {
      for (sim::Side side : {sim::Side::kBuy, sim::Side::kSell}) {
        sim::NewOrder o;
        o.symbol = "ETHUSDC";
        o.account = mm_;
        o.side = side;
        o.type = sim::OrderType::kLimit;
        o.price_units = price_units(side == sim::Side::kBuy ? 299900 - i * 100 : 300100 + i * 100);
        o.qty_units = qty_units(50);
        if (ex_->place_internal(o).order_id == 0) {
          *err = "seeding the book failed";
          return false;
        }
      }
    }
    auto server = sim::ExchangeServer::start(ioc_, cfg.server, *ex_, *streams_, nullptr, clock);
    if (!server.ok()) {
      *err = "server: " + server.error().message;
      return false;
    }
    server_ = std::move(*server);
    thread_ = std::thread([this] { ioc_.run(); });
    pthread_getcpuclockid(thread_.native_handle(), &cpu_clock_);
    return true;
  }

  uint16_t port() const { return server_->port(); }
  // ETHUSDC price of `cents` hundredths of USDC, in price units.
  int64_t price_units(int64_t cents) const { return cents * pow10(spec_.price_scale - 2); }
  int64_t qty_units(int64_t hundredths) const { return hundredths * pow10(spec_.qty_scale - 2); }
  const sim::SymbolSpec& spec() const { return spec_; }

  int64_t cpu_ns() const {
    timespec ts{};
    clock_gettime(cpu_clock_, &ts);
    return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
  }

  // Runs `f` on the exchange thread and waits for it.
  template <class F>
  auto on_exchange(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto fut = task.get_future();
    asio::post(ioc_, [&task] { task(); });
    return fut.get();
  }

  int64_t stream_subscribers() {
    return on_exchange([this] {
      std::string text = "\n";
      streams_->append_metrics(&text);
      return metric(text, "phoenix_exchange_stream_subscribers");
    });
  }

  // N book changes at full speed, in batches; `done` gets the monotonic end time. With
  // max_lag > 0 a batch waits (20 us timer) while the slowest subscriber (min_progress)
  // is more than max_lag changes behind.
  void generate_changes(int64_t n, int64_t max_lag, std::function<int64_t()> min_progress,
                        std::promise<int64_t>* done) {
    max_lag_ = max_lag;
    min_progress_ = std::move(min_progress);
    asio::post(ioc_, [this, n, done] { gen_step(0, n, done); });
  }

  void stop() {
    if (server_) asio::post(ioc_, [this] { server_->stop(); });
    if (thread_.joinable()) thread_.join();
  }
  ~Harness() { stop(); }

 private:
  void gen_step(int64_t i, int64_t n, std::promise<int64_t>* done) {
    if (max_lag_ > 0 && i - min_progress_() > max_lag_) {
      ++gen_waits_;
      timer_.expires_after(std::chrono::microseconds(20));
      timer_.async_wait([this, i, n, done](const boost::system::error_code&) { gen_step(i, n, done); });
      return;
    }
    const int64_t end = std::min(n, i + kGenBatch);
    for (; i < end; ++i) {
      if (i % 2 == 0) {
        sim::NewOrder o;
        o.symbol = "ETHUSDC";
        o.account = mm_;
        o.side = sim::Side::kBuy;
        o.type = sim::OrderType::kLimit;
        o.price_units = price_units(299900) + spec_.tick_units;  // one tick above the best bid
        o.qty_units = qty_units(1);
        gen_order_ = ex_->place_internal(o).order_id;
        if (gen_order_ == 0) ++gen_failures_;
      } else {
        if (!ex_->cancel_internal("ETHUSDC", mm_, gen_order_).ok()) ++gen_failures_;
      }
    }
    if (i < n) {
      asio::post(ioc_, [this, i, n, done] { gen_step(i, n, done); });
    } else {
      done->set_value(mono_ns());
    }
  }

 public:
  int64_t gen_failures_ = 0;  // read after generate_changes completes
  int64_t gen_waits_ = 0;

 private:
  asio::io_context ioc_{1};
  std::unique_ptr<sim::Exchange> ex_;
  std::unique_ptr<sim::MarketStreams> streams_;
  std::unique_ptr<sim::ExchangeServer> server_;
  std::thread thread_;
  clockid_t cpu_clock_{};
  sim::SymbolSpec spec_;
  sim::AccountId mm_ = 0;
  sim::OrderId gen_order_ = 0;
  asio::steady_timer timer_{ioc_};
  int64_t max_lag_ = 0;
  std::function<int64_t()> min_progress_;
};

double pct(std::vector<int64_t>& v, double p) {
  if (v.empty()) return 0;
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(i), v.end());
  return static_cast<double>(v[i]);
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct ApiRun {
  double orders_per_s = 0, p50_us = 0, p99_us = 0, p999_us = 0, cpu_us_per_order = 0, cpu_share = 0;
  int64_t requests = 0, errors = 0, events = 0;
};

struct FanRun {
  double gen_per_s = 0, total_msg_per_s = 0, cpu_share = 0, sub_min = 0, sub_median = 0, sub_max = 0,
         cpu_ns_per_change = 0;
  int64_t delivered = 0, expected = 0, lost = 0, slow_closes = 0, closes = 0, reordered = 0, errors = 0,
          deflate_conns = 0, gen_waits = 0;
};

// A watchdog: after `timeout_s`, aborts the clients still blocked.
class Watchdog {
 public:
  Watchdog(int64_t timeout_s, std::function<void()> on_timeout)
      : thread_([this, timeout_s, f = std::move(on_timeout)] {
          std::unique_lock lock(mu_);
          if (!cv_.wait_for(lock, std::chrono::seconds(timeout_s), [this] { return done_; })) {
            fired_ = true;
            f();
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  bool fired() const { return fired_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::atomic<bool> fired_{false};
  std::thread thread_;
};

bool run_api(const Options& opt, const sim::ExchangeConfig& cfg, const std::string& api_key,
             const std::string& pem, int conns, bool user_data, ApiRun* out) {
  Harness h;
  std::string err;
  if (!h.start(cfg, &err)) {
    std::fprintf(stderr, "setup: %s\n", err.c_str());
    return false;
  }
  std::vector<std::unique_ptr<ApiClient>> clients;
  for (int c = 0; c < conns; ++c) {
    ApiClientOptions o;
    o.port = h.port();
    o.index = c;
    o.pairs = opt.pairs;
    o.window = opt.window;
    o.user_data = user_data && c == 0;  // one user-data session, as Phoenix
    o.api_key = api_key;
    o.private_pem = pem;
    o.price_units_top = h.price_units(290000);  // 2900.00, well below the best bid
    o.tick_units = h.spec().tick_units;
    o.qty_units = h.qty_units(1);  // 0.01 ETH: ~29 USDC, above min notional
    o.price_scale = h.spec().price_scale;
    o.qty_scale = h.spec().qty_scale;
    clients.push_back(std::make_unique<ApiClient>(o));
  }
  std::latch ready(conns + 1);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (auto& c : clients) {
    threads.emplace_back([&ready, &go, client = c.get()] {
      const bool ok = client->prepare();
      ready.count_down();
      while (!go.load()) std::this_thread::yield();
      if (ok) client->run();
      client->close();
    });
  }
  ready.arrive_and_wait();
  int64_t t0 = 0, cpu0 = 0;
  {
    Watchdog dog(opt.timeout_s, [&] {
      for (auto& c : clients) c->abort();
    });
    cpu0 = h.cpu_ns();
    t0 = mono_ns();
    go.store(true);
    for (auto& t : threads) t.join();
    if (dog.fired())
      std::fprintf(stderr, "api: timeout after %" PRId64 " s, clients aborted\n", opt.timeout_s);
  }
  int64_t t1 = t0;
  std::vector<int64_t> lat;
  for (auto& c : clients) {
    const ApiClientResult& r = c->result();
    t1 = std::max(t1, r.end_ns);
    out->requests += r.responses;
    out->errors += r.errors + (2 * opt.pairs - r.responses);
    out->events += r.events;
    for (int64_t v : r.latency_ns)
      if (v > 0) lat.push_back(v);
    if (!r.first_error.empty())
      std::fprintf(stderr, "api conn %d: %s\n", static_cast<int>(&c - &clients[0]), r.first_error.c_str());
  }
  const int64_t cpu = h.cpu_ns() - cpu0;  // includes the clients' closes: a slight overcount
  h.stop();
  const double secs = static_cast<double>(std::max<int64_t>(1, t1 - t0)) / 1e9;
  out->orders_per_s = static_cast<double>(out->requests) / secs;
  out->p50_us = pct(lat, 0.50) / 1e3;
  out->p99_us = pct(lat, 0.99) / 1e3;
  out->p999_us = pct(lat, 0.999) / 1e3;
  out->cpu_us_per_order =
      out->requests > 0 ? static_cast<double>(cpu) / 1e3 / static_cast<double>(out->requests) : 0;
  out->cpu_share = static_cast<double>(cpu) / 1e9 / secs;
  return true;
}

bool run_fanout(const Options& opt, const sim::ExchangeConfig& cfg, bool deflate, bool paced, FanRun* out) {
  Harness h;
  std::string err;
  if (!h.start(cfg, &err)) {
    std::fprintf(stderr, "setup: %s\n", err.c_str());
    return false;
  }
  const int64_t n = paced ? opt.changes : opt.burst_changes;
  std::vector<std::unique_ptr<Subscriber>> subs;
  for (int i = 0; i < opt.subscribers; ++i) {
    SubscriberOptions o;
    o.port = h.port();
    o.deflate = deflate;
    o.expected = n;
    subs.push_back(std::make_unique<Subscriber>(o));
  }
  for (auto& s : subs) {
    if (!s->connect()) {
      std::fprintf(stderr, "fanout: %s\n", s->result().error.c_str());
      ++out->errors;
    }
  }
  // The server subscribes a connection once its handshake is written: wait for all.
  for (int i = 0; i < 500 && h.stream_subscribers() < opt.subscribers; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::vector<std::thread> threads;
  for (auto& s : subs) {
    if (s->result().connected) threads.emplace_back([client = s.get()] { client->run(); });
  }
  std::promise<int64_t> gen_done;
  auto gen_end = gen_done.get_future();
  const int64_t cpu0 = h.cpu_ns();
  const int64_t t0 = mono_ns();
  h.generate_changes(
      n, paced ? opt.max_lag : 0,
      [&subs] {
        int64_t m = INT64_MAX;
        for (const auto& s : subs) m = std::min(m, s->progress());
        return m;
      },
      &gen_done);
  int64_t t_gen = 0;
  {
    Watchdog dog(opt.timeout_s, [&] {
      for (auto& s : subs) s->abort();
    });
    t_gen = gen_end.get();
    for (auto& t : threads) t.join();
    if (dog.fired())
      std::fprintf(stderr, "fanout: timeout after %" PRId64 " s, subscribers aborted\n", opt.timeout_s);
  }
  const int64_t cpu = h.cpu_ns() - cpu0;
  const std::string metrics = "\n" + http_get(h.port(), "/metrics");
  out->slow_closes = metric(metrics, "phoenix_exchange_server_slow_consumer_closes_total");
  out->deflate_conns = metric(metrics, "phoenix_exchange_server_deflate_connections_total");
  if (metrics.size() < 2) {
    std::fprintf(stderr, "fanout: /metrics unavailable\n");
    ++out->errors;
  }
  out->errors += h.on_exchange([&h] { return h.gen_failures_; });
  out->gen_waits = h.on_exchange([&h] { return h.gen_waits_; });
  h.stop();

  int64_t t_last = t0;
  std::vector<double> rates;
  for (auto& s : subs) {
    const SubscriberResult& r = s->result();
    out->delivered += r.messages;
    out->reordered += r.out_of_order;
    if (r.closed_by_server) {
      ++out->closes;
      std::fprintf(stderr, "fanout: subscriber closed by the server: %d %s after %" PRId64 " messages\n",
                   r.close_code, r.close_reason.c_str(), r.messages);
    }
    if (!r.error.empty()) {
      ++out->errors;
      std::fprintf(stderr, "fanout: subscriber: %s after %" PRId64 " messages\n", r.error.c_str(),
                   r.messages);
    }
    if (r.messages > 0) {
      t_last = std::max(t_last, r.last_ns);
      rates.push_back(static_cast<double>(r.messages) / (static_cast<double>(r.last_ns - t0) / 1e9));
    } else {
      rates.push_back(0);
    }
  }
  out->expected = n * opt.subscribers;
  out->lost = out->expected - out->delivered;
  std::sort(rates.begin(), rates.end());
  out->sub_min = rates.empty() ? 0 : rates.front();
  out->sub_max = rates.empty() ? 0 : rates.back();
  out->sub_median = median(rates);
  out->total_msg_per_s = static_cast<double>(out->delivered) / (static_cast<double>(t_last - t0) / 1e9);
  out->gen_per_s = static_cast<double>(n) / (static_cast<double>(t_gen - t0) / 1e9);
  out->cpu_ns_per_change = static_cast<double>(cpu) / static_cast<double>(n);
  out->cpu_share = static_cast<double>(cpu) / static_cast<double>(std::max<int64_t>(1, t_last - t0));
  return true;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string fmt_k(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.0f", v);
  std::string s = b;
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  std::string conns_text = "1,4";
  CLI::App app{"phoenix_exchange_bench: phoenix-exchange over loopback (WS API orders/s, stream fan-out)"};
  app.add_option("--config", opt.config, "exchange config (symbols, accounts, keys)")->capture_default_str();
  app.add_option("--key", opt.key, "Ed25519 private key PEM of the config's ed25519 API key");
  app.add_option("--runs", opt.runs, "runs per scenario (the table shows the median)")
      ->check(CLI::Range(1, 100));
  app.add_option("--pairs", opt.pairs, "place+cancel pairs per WS-API connection")
      ->check(CLI::Range(1, 10'000'000));
  app.add_option("--window", opt.window, "WS-API requests in flight per connection")
      ->check(CLI::Range(1, 1000));
  app.add_option("--conns", conns_text, "WS-API connection counts to run, comma-separated (none: skip)")
      ->capture_default_str();
  app.add_option("--changes", opt.changes, "book changes per fan-out run")->check(CLI::Range(1, 100'000'000));
  app.add_option("--subscribers", opt.subscribers, "fan-out subscribers")->check(CLI::Range(1, 100));
  app.add_option("--timeout", opt.timeout_s, "seconds before a scenario's clients are aborted")
      ->check(CLI::Range(1, 3600));
  app.add_option("--burst-changes", opt.burst_changes, "book changes per burst fan-out run")
      ->check(CLI::Range(1, 100'000'000))
      ->capture_default_str();
  app.add_option("--max-lag", opt.max_lag, "paced fan-out: changes the slowest subscriber may lag")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  app.add_option("--user-data-conns", opt.user_data_conns,
                 "connections in the user-data scenario (only the first subscribes)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--only", opt.only, "scenarios to run")
      ->check(CLI::IsMember({"all", "api", "fanout"}))
      ->capture_default_str();
  app.add_flag("--no-user-data", opt.no_user_data, "WS API: no userDataStream.subscribe");
  app.add_flag("--smoke", opt.smoke, "small counts, one run (ctest)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  opt.conns.clear();
  const std::string conns_list = conns_text == "none" ? std::string() : conns_text;
  for (std::stringstream ss(conns_list); !conns_list.empty() && ss.good();) {
    std::string part;
    std::getline(ss, part, ',');
    const int c = std::atoi(part.c_str());
    if (c < 1 || c > 64) {
      std::fprintf(stderr, "--conns: bad value '%s'\n", part.c_str());
      return kExitUsage;
    }
    opt.conns.push_back(c);
  }
  if (opt.smoke) {
    opt.runs = 1;
    opt.pairs = std::min<int64_t>(opt.pairs, 500);
    opt.changes = std::min<int64_t>(opt.changes, 2000);
    opt.burst_changes = std::min<int64_t>(opt.burst_changes, 2000);
    opt.timeout_s = std::min<int64_t>(opt.timeout_s, 30);
  }
  auto loaded = sim::load_exchange_config(opt.config);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
    return kExitUsage;
  }
  const sim::ExchangeConfig cfg = std::move(*loaded);
  std::string api_key;
  for (const auto& a : cfg.exchange.accounts)
    for (const auto& k : a.keys)
      if (api_key.empty() && k.type == sim::KeyType::kEd25519) api_key = k.api_key;
  if (opt.key.empty()) {
    const size_t slash = opt.config.rfind('/');
    opt.key = (slash == std::string::npos ? std::string(".") : opt.config.substr(0, slash)) +
              "/demo-keys/demo-ed25519.pem";
  }
  const std::string pem = slurp(opt.key);
  if (api_key.empty() || pem.empty()) {
    std::fprintf(stderr, "no Ed25519 API key in %s or no private key at %s\n", opt.config.c_str(),
                 opt.key.c_str());
    return kExitUsage;
  }

  bool failed = false;
  std::printf("phoenix_exchange_bench: runs=%d pairs/conn=%" PRId64 " window=%d changes=%" PRId64
              " subscribers=%d user_data=%s nproc=%u\n",
              opt.runs, opt.pairs, opt.window, opt.changes, opt.subscribers, opt.no_user_data ? "off" : "on",
              std::thread::hardware_concurrency());
  if (opt.only != "fanout") {
    std::printf(
        "\n| scenario | orders/s | p50 us | p99 us | p99.9 us | exch CPU us/order | exch CPU share | errors "
        "|\n");
    std::printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
  }
  // Scenarios: one connection with user data (Phoenix's shape: order entry and its
  // executionReports on one session), then every --conns count without user data (pure
  // order entry; one user-data session fed by 4 order-entry connections falls behind its
  // events and is closed as a slow consumer on this 2-core machine).
  std::vector<std::pair<int, bool>> scenarios;
  if (opt.only != "fanout") {
    if (!opt.no_user_data) scenarios.emplace_back(opt.user_data_conns, true);
    for (int c : opt.conns) scenarios.emplace_back(c, false);
  }
  for (const auto& [conns, user_data] : scenarios) {
    std::vector<double> ops, p50, p99, p999, cpu, share;
    int64_t errors = 0;
    for (int r = 0; r < opt.runs; ++r) {
      ApiRun run;
      if (!run_api(opt, cfg, api_key, pem, conns, user_data, &run)) return kExitUsage;
      std::fprintf(stderr,
                   "  api/%dconn%s run %d: %.0f orders/s p50 %.1f p99 %.1f p99.9 %.1f us, cpu %.2f us/order, "
                   "%" PRId64 " events, %" PRId64 " errors\n",
                   conns, user_data ? "+uds" : "", r + 1, run.orders_per_s, run.p50_us, run.p99_us,
                   run.p999_us, run.cpu_us_per_order, run.events, run.errors);
      ops.push_back(run.orders_per_s);
      p50.push_back(run.p50_us);
      p99.push_back(run.p99_us);
      p999.push_back(run.p999_us);
      cpu.push_back(run.cpu_us_per_order);
      share.push_back(run.cpu_share * 100);
      errors += run.errors;
    }
    failed |= errors != 0;
    std::printf("| api/%dconn%s (window %d) | %s | %.0f | %.0f | %.0f | %.2f | %.0f%% | %" PRId64 " |\n",
                conns, user_data ? " + user data" : "", opt.window, fmt_k(median(ops)).c_str(), median(p50),
                median(p99), median(p999), median(cpu), median(share), errors);
    std::fflush(stdout);
  }
  if (opt.only != "api") {
    std::printf(
        "\n| scenario | changes/s | msg/s per subscriber (min / median / max) | msg/s total | exch CPU "
        "ns/change | exch CPU share | "
        "lost | slow-consumer closes | other closes/errors |\n");
    std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  }
  for (const auto& [deflate, paced] :
       {std::pair{false, true}, std::pair{true, true}, std::pair{false, false}, std::pair{true, false}}) {
    if (opt.only == "api") break;
    std::vector<double> gen, smin, smed, smax, total, cpu, share;
    int64_t lost = 0, slow = 0, closes = 0, errors = 0;
    for (int r = 0; r < opt.runs; ++r) {
      FanRun run;
      if (!run_fanout(opt, cfg, deflate, paced, &run)) return kExitUsage;
      std::fprintf(
          stderr,
          "  fanout/%s/%s run %d: %.0f changes/s, %.0f msg/s total, sub %.0f..%.0f, cpu %.0f ns/change, "
          "lost %" PRId64 ", slow %" PRId64 ", closes %" PRId64 ", reordered %" PRId64 ", errors %" PRId64
          ", deflate conns %" PRId64 ", pacer waits %" PRId64 "\n",
          deflate ? "deflate" : "off", paced ? "paced" : "burst", r + 1, run.gen_per_s, run.total_msg_per_s,
          run.sub_min, run.sub_max, run.cpu_ns_per_change, run.lost, run.slow_closes, run.closes,
          run.reordered, run.errors, run.deflate_conns, run.gen_waits);
      if (deflate && run.deflate_conns < opt.subscribers) {
        std::fprintf(stderr, "fanout: only %" PRId64 " connections negotiated deflate\n", run.deflate_conns);
        ++run.errors;
      }
      gen.push_back(run.gen_per_s);
      smin.push_back(run.sub_min);
      smed.push_back(run.sub_median);
      smax.push_back(run.sub_max);
      total.push_back(run.total_msg_per_s);
      cpu.push_back(run.cpu_ns_per_change);
      share.push_back(run.cpu_share * 100);
      lost += run.lost;
      slow += run.slow_closes;
      closes += run.closes - run.slow_closes;
      errors += run.errors + run.reordered;
    }
    // A burst larger than the server's per-connection queue (max_ws_queue_*) is meant to
    // end in slow-consumer closes: reported, a failure only in the smoke run (small bursts).
    failed |= errors != 0 || ((paced || opt.smoke) && (lost != 0 || slow != 0 || closes != 0));
    std::printf("| fanout/%s/%s (%d subs, %s changes) | %s | %s / %s / %s | %s | %.0f | %.0f%% | %" PRId64
                " | %" PRId64 " | %" PRId64 " |\n",
                deflate ? "deflate" : "off", paced ? "paced" : "burst", opt.subscribers,
                fmt_k(static_cast<double>(paced ? opt.changes : opt.burst_changes)).c_str(),
                fmt_k(median(gen)).c_str(), fmt_k(median(smin)).c_str(), fmt_k(median(smed)).c_str(),
                fmt_k(median(smax)).c_str(), fmt_k(median(total)).c_str(), median(cpu), median(share), lost,
                slow, closes + errors);
    std::fflush(stdout);
  }
  if (failed) std::printf("\nFAILED: errors, lost messages or closed subscribers (see above)\n");
  return failed ? kExitFailed : kExitOk;
}
