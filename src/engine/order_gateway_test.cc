// BinanceGateway against a real phoenix-exchange process on loopback (port 0).
// The binary: $PHOENIX_EXCHANGE_BIN, else the build tree's, else <source>/bin; the tests
// skip when none exists.

#include "engine/order_gateway.h"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "binance/symbol_table.h"
#include "core/clock.h"
#include "telemetry/exposition.h"
#include "telemetry/metrics.h"

namespace phoenix::engine {
namespace {

using core::FailureAction;

std::string source_dir() {
  if (const char* env = std::getenv("PHOENIX_SOURCE_DIR"); env != nullptr && *env != '\0') return env;
  return PHOENIX_SOURCE_DIR_DEFAULT;
}

bool is_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string exchange_bin() {
  if (const char* env = std::getenv("PHOENIX_EXCHANGE_BIN"); env != nullptr && is_file(env)) return env;
  if (is_file(PHOENIX_EXCHANGE_BIN_DEFAULT)) return PHOENIX_EXCHANGE_BIN_DEFAULT;
  const std::string in_source = source_dir() + "/bin/phoenix-exchange";
  if (is_file(in_source)) return in_source;
  return {};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// A phoenix-exchange child process; killed in the destructor.
class ExchangeProcess {
 public:
  bool start(const std::string& bin) {
    char dir_template[] = "/tmp/phx_gw_test_XXXXXX";
    if (::mkdtemp(dir_template) == nullptr) return false;
    dir_ = dir_template;
    const std::string out = dir_ + "/exchange.out";
    const std::string config = source_dir() + "/configs/exchange.yaml";
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execl(bin.c_str(), bin.c_str(), "--config", config.c_str(), "--listen", "127.0.0.1:0",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    if (pid_ < 0) return false;
    const std::string listening = "phoenix-exchange listening on 127.0.0.1:";
    for (int i = 0; i < 300; ++i) {
      const std::string text = read_file(out);
      if (const size_t at = text.find(listening); at != std::string::npos) {
        const size_t end = text.find('\n', at);
        if (end != std::string::npos) {
          port_ = std::atoi(text.substr(at + listening.size(), end - at - listening.size()).c_str());
          return port_ > 0;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  ~ExchangeProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (!dir_.empty()) std::system(("rm -rf " + dir_).c_str());
  }
  int port() const { return port_; }
  // POST /admin/... on the exchange (curl; the test's own HTTP client is GET-only).
  bool admin(const std::string& path_and_query) const {
    const std::string cmd =
        "curl -s -f -o /dev/null -X POST 'http://127.0.0.1:" + std::to_string(port_) + path_and_query + "'";
    return std::system(cmd.c_str()) == 0;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
};

config::Url url(std::string scheme, int port, std::string target) {
  config::Url u;
  u.scheme = std::move(scheme);
  u.host = "127.0.0.1";
  u.port = static_cast<uint16_t>(port);
  u.target = std::move(target);
  u.loopback = true;
  u.text = u.scheme + "://127.0.0.1:" + std::to_string(port) + u.target;
  return u;
}

struct Recorder final : oms::GatewayListener {
  std::vector<core::OrderUpdate> updates;
  std::vector<core::RequestFailure> failures;
  std::vector<std::string> failure_messages;
  std::vector<std::vector<core::OrderUpdate>> open_orders;
  std::vector<std::vector<core::OrderUpdate>> trades;
  std::vector<std::vector<core::AssetBalance>> balances;
  std::vector<bool> balance_snapshots;
  std::vector<core::RateLimitUsage> rate_limits;
  std::vector<oms::Connectivity> connectivity;

  void on_order_update(const core::OrderUpdate& u) override { updates.push_back(u); }
  void on_request_failed(const core::RequestFailure& f) override {
    failures.push_back(f);
    failure_messages.emplace_back(f.message);
  }
  void on_open_orders(core::SymbolId, std::span<const core::OrderUpdate> orders) override {
    open_orders.emplace_back(orders.begin(), orders.end());
  }
  void on_trades(core::SymbolId, std::span<const core::OrderUpdate> t) override {
    trades.emplace_back(t.begin(), t.end());
  }
  void on_balances(std::span<const core::AssetBalance> b, bool snapshot) override {
    balances.emplace_back(b.begin(), b.end());
    balance_snapshots.push_back(snapshot);
  }
  void on_rate_limits(const core::RateLimitUsage& usage) override { rate_limits.push_back(usage); }
  void on_connectivity(const oms::Connectivity& c) override { connectivity.push_back(c); }

  // Updates of `client_id` with `exec`, from any source.
  size_t count(std::string_view client_id, core::ExecType exec) const {
    size_t n = 0;
    for (const auto& u : updates) n += u.client_id.view() == client_id && u.exec_type == exec;
    return n;
  }
};

core::ClientOrderId cid(std::string_view text) { return *core::ClientOrderId::parse(text); }

class BinanceGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string bin = exchange_bin();
    if (bin.empty()) GTEST_SKIP() << "no phoenix-exchange binary (set PHOENIX_EXCHANGE_BIN)";
    ASSERT_TRUE(exchange_.start(bin)) << "phoenix-exchange did not start";
    eth_ = *table_.add("ETHUSDC", core::SymbolScale{2, 4});
    symbols_.set(eth_, "ETH", "USDC");
    config_.exchange.rest_url = url("http", exchange_.port(), "/");
    config_.exchange.ws_api_url = url("ws", exchange_.port(), "/ws-api/v3");
    config_.exchange.request_timeout_ms = 2000;
    config_.market_data.reconnect.initial_backoff_ms = 100;
  }

  void make_gateway(config::KeyType type) {
    config::Credentials creds;
    creds.key_type = type;
    if (type == config::KeyType::kHmac) {
      creds.api_key = core::Secret("phoenixDemoHmacKey0000000000000000000000000000000000000000000000");
      creds.api_secret = core::Secret(trim(read_file(source_dir() + "/configs/demo-keys/demo-hmac.secret")));
    } else {
      creds.api_key = core::Secret("phoenixDemoEd25519Key0000000000000000000000000000000000000000000");
      creds.api_secret = core::Secret(read_file(source_dir() + "/configs/demo-keys/demo-ed25519.pem"));
    }
    auto gw = BinanceGateway::create(ioc_, config_, creds, symbols_, registry_, core::RealClock::instance());
    ASSERT_TRUE(gw.ok()) << gw.error().message;
    gw_ = std::move(gw).value();
    gw_->set_listener(&rec_);
    gw_->start();
  }

  bool run_until(const std::function<bool()>& done, int timeout_ms = 5000) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < end) {
      if (done()) return true;
      ioc_.run_for(std::chrono::milliseconds(10));
      if (ioc_.stopped()) ioc_.restart();
    }
    return done();
  }

  bool connected() const {
    const oms::Connectivity c = gw_->connectivity();
    return c.order_entry && c.user_data;
  }

  oms::PlaceOrder buy(std::string_view id, int64_t price_cents, int64_t qty_units = 100) const {
    oms::PlaceOrder o;
    o.symbol = eth_;
    o.side = core::Side::kBuy;
    o.price = core::Price(price_cents);
    o.qty = core::Qty(qty_units);
    o.client_id = cid(id);
    o.post_only = true;
    o.trigger_ns = core::RealClock::instance().monotonic_ns();
    return o;
  }

  ExchangeProcess exchange_;
  boost::asio::io_context ioc_;
  binance::SymbolTable table_;
  binance::OrderSymbols symbols_{table_};
  core::SymbolId eth_ = 0;
  config::Config config_;
  telemetry::Registry registry_;
  Recorder rec_;
  std::unique_ptr<BinanceGateway> gw_;
};

TEST_F(BinanceGatewayTest, HmacOrderLifecycle) {
  make_gateway(config::KeyType::kHmac);
  ASSERT_TRUE(run_until([&] { return connected(); })) << "not connected";

  // place → response (kNew) and the user-data executionReport (kNew).
  gw_->place(buy("gwA1", 200000));     // 2000.00, far below the market (~3000)
  EXPECT_TRUE(rec_.failures.empty());  // never synchronous
  ASSERT_TRUE(run_until([&] { return rec_.count("gwA1", core::ExecType::kNew) >= 2; }));
  const core::OrderUpdate placed = rec_.updates.front();
  EXPECT_EQ(placed.symbol, eth_);
  EXPECT_EQ(placed.status, core::OrderStatus::kNew);
  EXPECT_EQ(placed.price.units(), 200000);
  EXPECT_EQ(placed.orig_qty.units(), 100);
  EXPECT_GT(placed.order_id, 0);
  EXPECT_FALSE(rec_.rate_limits.empty());
  EXPECT_GE(rec_.rate_limits.back().orders_10s, 1);

  gw_->query_order(eth_, cid("gwA1"));
  ASSERT_TRUE(run_until([&] { return rec_.count("gwA1", core::ExecType::kSnapshot) >= 1; }));

  oms::AmendOrder amend{eth_, cid("gwA1"), core::Qty(50), 0};
  gw_->amend(amend);
  ASSERT_TRUE(run_until([&] { return rec_.count("gwA1", core::ExecType::kReplaced) >= 2; }));
  EXPECT_EQ(rec_.updates.back().orig_qty.units(), 50);

  gw_->request_open_orders(eth_);
  ASSERT_TRUE(run_until([&] { return !rec_.open_orders.empty(); }));
  ASSERT_EQ(rec_.open_orders[0].size(), 1u);
  EXPECT_EQ(rec_.open_orders[0][0].client_id.view(), "gwA1");
  EXPECT_EQ(rec_.open_orders[0][0].exec_type, core::ExecType::kSnapshot);

  oms::ReplaceOrder replace{cid("gwA1"), buy("gwA2", 200100)};
  gw_->cancel_replace(replace);
  ASSERT_TRUE(run_until([&] {
    return rec_.count("gwA1", core::ExecType::kCanceled) >= 2 &&
           rec_.count("gwA2", core::ExecType::kNew) >= 2;
  }));

  gw_->cancel(oms::CancelOrder{eth_, cid("gwA2"), 0});
  ASSERT_TRUE(run_until([&] { return rec_.count("gwA2", core::ExecType::kCanceled) >= 2; }));

  // Nothing left: cancel-all says the order is gone.
  gw_->cancel_all(eth_);
  ASSERT_TRUE(run_until([&] { return !rec_.failures.empty(); }));
  EXPECT_EQ(rec_.failures[0].kind, core::RequestKind::kCancelAll);
  EXPECT_EQ(rec_.failures[0].action, FailureAction::kOrderGone);
  EXPECT_EQ(rec_.failures[0].code, -2011);

  // A LIMIT_MAKER that would cross is rejected with -2010.
  gw_->place(buy("gwX", 350000));  // 3500.00, above the asks
  ASSERT_TRUE(run_until([&] { return rec_.failures.size() >= 2; }));
  EXPECT_EQ(rec_.failures[1].client_id.view(), "gwX");
  EXPECT_EQ(rec_.failures[1].action, FailureAction::kRejected);
  EXPECT_EQ(rec_.failures[1].code, -2010);
  EXPECT_NE(rec_.failure_messages[1].find("immediately match"), std::string::npos)
      << rec_.failure_messages[1];

  // A cancelReplace whose cancel fails: nothing placed, kOrderGone for the cancel half.
  gw_->cancel_replace(oms::ReplaceOrder{cid("nope"), buy("gwA3", 200000)});
  ASSERT_TRUE(run_until([&] { return rec_.failures.size() >= 3; }));
  EXPECT_EQ(rec_.failures[2].kind, core::RequestKind::kCancelReplace);
  EXPECT_EQ(rec_.failures[2].action, FailureAction::kOrderGone);
  EXPECT_FALSE(rec_.failures[2].cancel_succeeded);
  EXPECT_FALSE(rec_.failures[2].new_order_succeeded);

  gw_->request_balances();
  ASSERT_TRUE(run_until([&] {
    for (size_t i = 0; i < rec_.balances.size(); ++i)
      if (rec_.balance_snapshots[i]) return true;
    return false;
  }));
  gw_->request_trades(eth_, 0);
  ASSERT_TRUE(run_until([&] { return !rec_.trades.empty(); }));

  const std::string metrics = telemetry::expose(registry_);
  EXPECT_NE(metrics.find(R"(phoenix_order_requests_total{kind="place"} 2)"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find(R"(phoenix_order_requests_total{kind="cancel_replace"} 2)"), std::string::npos);
  EXPECT_NE(metrics.find(R"(phoenix_order_rejects_total{code="-2010"} 1)"), std::string::npos);
  EXPECT_NE(metrics.find(R"(phoenix_rate_limit_used{kind="weight_1m"})"), std::string::npos);
  EXPECT_NE(metrics.find(R"(phoenix_quote_to_order_latency_seconds_count 4)"), std::string::npos);
  EXPECT_NE(metrics.find("phoenix_ws_api_request_latency_seconds_count"), std::string::npos);
}

// Errors the exchange is told to return map to the right actions; -1021 re-syncs the time.
TEST_F(BinanceGatewayTest, InjectedErrorsAreClassified) {
  make_gateway(config::KeyType::kHmac);
  ASSERT_TRUE(run_until([&] { return connected() && gw_->time_syncs() == 1; })) << "not connected";
  const std::pair<int, FailureAction> cases[] = {
      {-1021, FailureAction::kResyncTime}, {-1007, FailureAction::kUnknown},
      {-1015, FailureAction::kRetryLater}, {-2015, FailureAction::kHalt},
      {-1013, FailureAction::kRejected},
  };
  size_t n = 0;
  for (const auto& [code, action] : cases) {
    ASSERT_TRUE(exchange_.admin("/admin/reject?count=1&code=" + std::to_string(code)));
    gw_->place(buy("gwI" + std::to_string(n), 200000));
    ASSERT_TRUE(run_until([&] { return rec_.failures.size() > n; })) << code;
    EXPECT_EQ(rec_.failures[n].code, code);
    EXPECT_EQ(rec_.failures[n].action, action) << code;
    ++n;
  }
  EXPECT_TRUE(run_until([&] { return gw_->time_syncs() == 2; }));
}

TEST_F(BinanceGatewayTest, Ed25519LogsOnAndSubscribes) {
  make_gateway(config::KeyType::kEd25519);
  ASSERT_TRUE(run_until([&] { return connected(); })) << "not connected";
  gw_->place(buy("gwE1", 200000));
  ASSERT_TRUE(run_until([&] { return rec_.count("gwE1", core::ExecType::kNew) >= 2; }));
  gw_->cancel(oms::CancelOrder{eth_, cid("gwE1"), 0});
  ASSERT_TRUE(run_until([&] { return rec_.count("gwE1", core::ExecType::kCanceled) >= 2; }));
  EXPECT_TRUE(rec_.failures.empty());
}

TEST_F(BinanceGatewayTest, TimeoutFailsWithUnknown) {
  config_.exchange.request_timeout_ms = 300;
  make_gateway(config::KeyType::kHmac);
  ASSERT_TRUE(run_until([&] { return connected(); })) << "not connected";
  ASSERT_TRUE(exchange_.admin("/admin/delay?ms=1500"));
  gw_->place(buy("gwT1", 200000));
  ASSERT_TRUE(run_until([&] { return !rec_.failures.empty(); }));
  EXPECT_EQ(rec_.failures[0].client_id.view(), "gwT1");
  EXPECT_EQ(rec_.failures[0].action, FailureAction::kUnknown);
  EXPECT_EQ(rec_.failures[0].code, 0);
  EXPECT_EQ(gw_->in_flight(), 0u);
  ASSERT_TRUE(exchange_.admin("/admin/delay?ms=0"));
  // The late response is ignored; the order's state comes from the user data / a query.
  ASSERT_TRUE(run_until([&] { return rec_.count("gwT1", core::ExecType::kNew) >= 1; }, 4000));
  EXPECT_EQ(rec_.failures.size(), 1u);
}

TEST_F(BinanceGatewayTest, DropReportsDownThenUp) {
  make_gateway(config::KeyType::kHmac);
  ASSERT_TRUE(run_until([&] { return connected(); })) << "not connected";
  const size_t before = rec_.connectivity.size();
  ASSERT_TRUE(exchange_.admin("/admin/delay?ms=1000"));
  gw_->place(buy("gwD1", 200000));
  ASSERT_TRUE(exchange_.admin("/admin/drop?conn=api&mode=reset"));
  ASSERT_TRUE(run_until([&] {
    for (size_t i = before; i < rec_.connectivity.size(); ++i)
      if (!rec_.connectivity[i].order_entry) return true;
    return false;
  }));
  // The in-flight place failed with kUnknown.
  ASSERT_TRUE(run_until([&] { return !rec_.failures.empty(); }));
  EXPECT_EQ(rec_.failures[0].action, FailureAction::kUnknown);
  EXPECT_EQ(rec_.failures[0].client_id.view(), "gwD1");
  // While down, requests fail (asynchronously) with kRetryLater.
  if (!gw_->can_send()) {
    gw_->cancel(oms::CancelOrder{eth_, cid("gwD1"), 0});
    ASSERT_TRUE(run_until([&] { return rec_.failures.size() >= 2; }));
    EXPECT_EQ(rec_.failures[1].action, FailureAction::kRetryLater);
  }
  ASSERT_TRUE(exchange_.admin("/admin/delay?ms=0"));
  ASSERT_TRUE(run_until([&] { return connected(); }, 8000)) << "did not reconnect";
  EXPECT_TRUE(rec_.connectivity.back().order_entry);
  EXPECT_TRUE(rec_.connectivity.back().user_data);
}

}  // namespace
}  // namespace phoenix::engine
