// The REST order-entry codec (rest_orders.h) through net::HttpClient against a real
// phoenix-exchange process on loopback (port 0): every request kind, decoded answers,
// rejections, an injected rate limit, and a POST that times out (outcome unknown).
// The binary: $PHOENIX_EXCHANGE_BIN, else this build tree's, else <source>/bin; the tests
// skip when none exists.

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
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

#include "binance/rest_orders.h"
#include "binance/signing.h"
#include "net/http_client.h"

namespace phoenix::binance {
namespace {

using namespace std::chrono_literals;
using core::ExecType;
using core::FailureAction;
using core::RequestKind;

constexpr char kApiKey[] = "phoenixDemoHmacKey0000000000000000000000000000000000000000000000";

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
    char dir_template[] = "/tmp/phx_rest_test_XXXXXX";
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
    for (int i = 0; i < 500; ++i) {
      const std::string text = read_file(out);
      if (const size_t at = text.find(listening); at != std::string::npos) {
        const size_t end = text.find('\n', at);
        if (end != std::string::npos) {
          port_ = std::atoi(text.substr(at + listening.size(), end - at - listening.size()).c_str());
          return port_ > 0;
        }
      }
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  ~ExchangeProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
};

core::ClientOrderId cid(std::string_view text) { return *core::ClientOrderId::parse(text); }

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

net::HttpMethod http_method(RestMethod m) {
  switch (m) {
    case RestMethod::kGet: return net::HttpMethod::kGet;
    case RestMethod::kPost: return net::HttpMethod::kPost;
    case RestMethod::kPut: return net::HttpMethod::kPut;
    case RestMethod::kDelete: return net::HttpMethod::kDelete;
  }
  return net::HttpMethod::kGet;
}

class RestExchangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string bin = exchange_bin();
    if (bin.empty()) GTEST_SKIP() << "no phoenix-exchange binary (set PHOENIX_EXCHANGE_BIN)";
    ASSERT_TRUE(exchange_.start(bin)) << "phoenix-exchange did not start";
    eth_ = *table_.add("ETHUSDC", core::SymbolScale{2, 4});
    symbols_.set(eth_, "ETH", "USDC");
    auto signer =
        make_hmac_signer(core::Secret(trim(read_file(source_dir() + "/configs/demo-keys/demo-hmac.secret"))));
    ASSERT_TRUE(signer.ok()) << signer.error().message;
    signer_ = std::move(signer).value();
    encoder_ = std::make_unique<RestOrderEncoder>(table_, kApiKey, signer_.get(), 5000);
    client_ = make_client(5s);
    ASSERT_NE(client_, nullptr);
  }

  std::unique_ptr<net::HttpClient> make_client(std::chrono::milliseconds timeout) {
    net::HttpClientOptions options;
    options.base_url = "http://127.0.0.1:" + std::to_string(exchange_.port());
    options.timeout = timeout;
    auto client = net::HttpClient::create(io_, std::move(options));
    EXPECT_TRUE(client.ok()) << (client.ok() ? "" : client.error().to_string());
    return client.ok() ? std::move(client).value() : nullptr;
  }

  // Sends `request` and waits for the answer.
  core::Result<net::HttpResponse> send(const RestOrderRequest& request, net::HttpClient* client = nullptr) {
    std::vector<net::HttpHeader> headers;
    for (const auto& [name, value] : request.headers) headers.push_back(net::HttpHeader{name, value});
    return exchange(client == nullptr ? *client_ : *client, http_method(request.method), request.target,
                    request.body, request.content_type, std::move(headers));
  }

  core::Result<net::HttpResponse> exchange(net::HttpClient& client, net::HttpMethod method,
                                           std::string target, std::string body = {},
                                           std::string content_type = {},
                                           std::vector<net::HttpHeader> headers = {}) {
    std::optional<core::Result<net::HttpResponse>> result;
    client.request(method, std::move(target), std::move(body), std::move(content_type), std::move(headers),
                   [&](core::Result<net::HttpResponse> r) { result.emplace(std::move(r)); });
    io_.restart();
    while (!result && io_.run_one_for(10s) > 0) {
    }
    if (!result) return core::Error(core::ErrorCode::kInternal, "test: no completion");
    return std::move(*result);
  }

  // Sends and decodes; fails the test on a transport or decode error.
  bool round_trip(const RestOrderRequest& request) {
    auto response = send(request);
    EXPECT_TRUE(response.ok()) << (response.ok() ? "" : response.error().to_string());
    if (!response.ok()) return false;
    last_ = *response;
    const core::Status s = decoder_.decode(request.kind, static_cast<int>(response->status), response->body,
                                           response->retry_after_s, reply_);
    EXPECT_TRUE(s.ok()) << s.error().to_string() << " body: " << response->body;
    return s.ok();
  }

  oms::PlaceOrder buy(std::string_view id, int64_t price_cents, int64_t qty_units,
                      bool post_only = true) const {
    return oms::PlaceOrder{
        eth_, core::Side::kBuy, core::Price(price_cents), core::Qty(qty_units), cid(id), post_only, 0};
  }

  ExchangeProcess exchange_;
  boost::asio::io_context io_;
  SymbolTable table_;
  OrderSymbols symbols_{table_};
  core::SymbolId eth_ = 0;
  std::unique_ptr<Signer> signer_;
  std::unique_ptr<RestOrderEncoder> encoder_;
  std::unique_ptr<net::HttpClient> client_;
  RestDecoder decoder_{symbols_};
  RestReply reply_;
  net::HttpResponse last_;
  RestOrderRequest req_;
};

TEST_F(RestExchangeTest, OrderLifecycleOverRest) {
  // Balances.
  ASSERT_TRUE(encoder_->account(req_, now_ms()).ok());
  ASSERT_TRUE(round_trip(req_));
  ASSERT_TRUE(reply_.ok) << last_.body;
  std::vector<core::AssetBalance> balances;
  ASSERT_TRUE(decoder_.balances(balances).ok());
  bool has_usdc = false;
  for (const auto& b : balances) has_usdc = has_usdc || (b.name() == "USDC" && b.free_units > 0);
  EXPECT_TRUE(has_usdc) << last_.body;

  // Place a LIMIT_MAKER far below the market (~3000).
  ASSERT_TRUE(encoder_->place(req_, now_ms(), buy("rA1", 200000, 100)).ok());
  ASSERT_TRUE(round_trip(req_));
  ASSERT_TRUE(reply_.ok) << last_.body;
  core::OrderUpdate u;
  ASSERT_TRUE(decoder_.order_result(ExecType::kNew, u).ok());
  EXPECT_EQ(u.symbol, eth_);
  EXPECT_EQ(u.client_id.view(), "rA1");
  EXPECT_EQ(u.status, core::OrderStatus::kNew);
  EXPECT_EQ(u.price.units(), 200000);
  EXPECT_EQ(u.orig_qty.units(), 100);
  EXPECT_GT(u.order_id, 0);
  core::RateLimitUsage limits;
  limits.orders_10s_limit = 100;
  const auto usage = rest_rate_limits(last_.rate_limit_headers, limits);
  ASSERT_TRUE(usage.has_value());
  EXPECT_GE(usage->orders_10s, 1);
  EXPECT_EQ(usage->orders_10s_limit, 100);

  // Query, open orders.
  ASSERT_TRUE(encoder_->query_order(req_, now_ms(), eth_, cid("rA1")).ok());
  ASSERT_TRUE(round_trip(req_));
  ASSERT_TRUE(reply_.ok) << last_.body;
  ASSERT_TRUE(decoder_.order_result(ExecType::kSnapshot, u).ok());
  EXPECT_EQ(u.client_id.view(), "rA1");
  EXPECT_EQ(u.status, core::OrderStatus::kNew);

  ASSERT_TRUE(encoder_->open_orders(req_, now_ms(), eth_).ok());
  ASSERT_TRUE(round_trip(req_));
  std::vector<core::OrderUpdate> orders;
  ASSERT_TRUE(decoder_.order_list(ExecType::kSnapshot, orders).ok());
  ASSERT_EQ(orders.size(), 1u) << last_.body;
  EXPECT_EQ(orders[0].client_id.view(), "rA1");

  // Amend (keep priority) down to 0.0050.
  ASSERT_TRUE(encoder_->amend(req_, now_ms(), oms::AmendOrder{eth_, cid("rA1"), core::Qty(50), 0}).ok());
  ASSERT_TRUE(round_trip(req_));
  ASSERT_TRUE(reply_.ok) << last_.body;
  ASSERT_TRUE(decoder_.amend_result(u).ok()) << last_.body;
  EXPECT_EQ(u.exec_type, ExecType::kReplaced);
  EXPECT_EQ(u.client_id.view(), "rA1");
  EXPECT_EQ(u.orig_qty.units(), 50);

  // cancelReplace rA1 -> rA2.
  ASSERT_TRUE(
      encoder_->cancel_replace(req_, now_ms(), oms::ReplaceOrder{cid("rA1"), buy("rA2", 200100, 100)}).ok());
  ASSERT_TRUE(round_trip(req_));
  ASSERT_TRUE(reply_.ok) << last_.body;
  CancelReplaceResult cr;
  ASSERT_TRUE(decoder_.cancel_replace_result(cr).ok()) << last_.body;
  EXPECT_TRUE(cr.cancel_succeeded);
  EXPECT_TRUE(cr.new_order_succeeded);
  EXPECT_EQ(cr.canceled.client_id.view(), "rA1");
  EXPECT_EQ(cr.new_order.client_id.view(), "rA2");
  EXPECT_EQ(cr.new_order.price.units(), 200100);

  // Cancel rA2.
  ASSERT_TRUE(encoder_->cancel(req_, now_ms(), oms::CancelOrder{eth_, cid("rA2"), 0}).ok());
  ASSERT_TRUE(round_trip(req_));
  ASSERT_TRUE(reply_.ok) << last_.body;
  ASSERT_TRUE(decoder_.order_result(ExecType::kCanceled, u).ok());
  EXPECT_EQ(u.client_id.view(), "rA2");
  EXPECT_EQ(u.status, core::OrderStatus::kCanceled);

  // Cancel it again: the order is gone.
  ASSERT_TRUE(encoder_->cancel(req_, now_ms(), oms::CancelOrder{eth_, cid("rA2"), 0}).ok());
  ASSERT_TRUE(round_trip(req_));
  EXPECT_FALSE(reply_.ok);
  EXPECT_EQ(reply_.error_code, -2011) << last_.body;
  EXPECT_EQ(reply_.action, FailureAction::kOrderGone);

  // Cancel all with nothing open.
  ASSERT_TRUE(encoder_->cancel_all(req_, now_ms(), eth_).ok());
  ASSERT_TRUE(round_trip(req_));
  EXPECT_FALSE(reply_.ok);
  EXPECT_EQ(reply_.action, FailureAction::kOrderGone) << last_.body;

  // A LIMIT_MAKER that would take: -2010.
  ASSERT_TRUE(encoder_->place(req_, now_ms(), buy("rX", 350000, 100)).ok());
  ASSERT_TRUE(round_trip(req_));
  EXPECT_FALSE(reply_.ok);
  EXPECT_EQ(last_.status, 400u);
  EXPECT_EQ(reply_.error_code, -2010) << last_.body;
  EXPECT_EQ(reply_.action, FailureAction::kRejected);
  EXPECT_NE(reply_.error_msg.find("immediately match"), std::string_view::npos) << reply_.error_msg;

  // A cancelReplace whose cancel fails: -2022 with both halves in data.
  ASSERT_TRUE(
      encoder_->cancel_replace(req_, now_ms(), oms::ReplaceOrder{cid("nope"), buy("rA3", 200000, 100)}).ok());
  ASSERT_TRUE(round_trip(req_));
  EXPECT_FALSE(reply_.ok);
  EXPECT_EQ(reply_.error_code, -2022) << last_.body;
  EXPECT_TRUE(reply_.has_error_data);
  ASSERT_TRUE(decoder_.cancel_replace_result(cr).ok()) << last_.body;
  EXPECT_FALSE(cr.cancel_succeeded);
  EXPECT_FALSE(cr.new_order_attempted);
  EXPECT_EQ(cr.cancel_error_code, -2011);

  // A LIMIT GTC that takes: filled; then it shows in myTrades.
  const int64_t start = now_ms() - 1000;
  ASSERT_TRUE(encoder_->place(req_, now_ms(), buy("rT1", 350000, 100, false)).ok());
  ASSERT_TRUE(round_trip(req_));
  ASSERT_TRUE(reply_.ok) << last_.body;
  ASSERT_TRUE(decoder_.order_result(ExecType::kNew, u).ok());
  const int64_t taker_order_id = u.order_id;
  EXPECT_EQ(u.status, core::OrderStatus::kFilled) << last_.body;
  ASSERT_TRUE(encoder_->my_trades(req_, now_ms(), eth_, start).ok());
  ASSERT_TRUE(round_trip(req_));
  ASSERT_TRUE(reply_.ok) << last_.body;
  std::vector<core::OrderUpdate> trades;
  ASSERT_TRUE(decoder_.trades(eth_, trades).ok()) << last_.body;
  ASSERT_FALSE(trades.empty()) << last_.body;
  int64_t filled = 0;
  for (const auto& t : trades) {
    EXPECT_EQ(t.exec_type, ExecType::kTrade);
    if (t.order_id == taker_order_id) {
      filled += t.last_qty.units();
      EXPECT_FALSE(t.maker);
      EXPECT_EQ(t.side, core::Side::kBuy);
    }
  }
  EXPECT_EQ(filled, 100);
}

TEST_F(RestExchangeTest, InjectedRateLimitGivesRetryAfter) {
  auto admin = exchange(*client_, net::HttpMethod::kPost, "/admin/reject?count=1&code=-1015");
  ASSERT_TRUE(admin.ok()) << admin.error().to_string();
  ASSERT_EQ(admin->status, 200u) << admin->body;
  ASSERT_TRUE(encoder_->place(req_, now_ms(), buy("rL1", 200000, 100)).ok());
  ASSERT_TRUE(round_trip(req_));
  EXPECT_FALSE(reply_.ok);
  EXPECT_EQ(last_.status, 429u);
  EXPECT_EQ(reply_.error_code, -1015) << last_.body;
  EXPECT_EQ(reply_.action, FailureAction::kRetryLater);
  ASSERT_TRUE(last_.retry_after_s.has_value());
  EXPECT_GE(*last_.retry_after_s, 1);  // the exchange's 1 s, rounded up to whole seconds
  EXPECT_EQ(reply_.retry_after_ms, *last_.retry_after_s * 1000);
}

// The exchange swallows the POST: the client times out and says the outcome is unknown; the
// gateway's next step, a query, decodes either way.
TEST_F(RestExchangeTest, UnansweredPlaceIsOutcomeUnknownThenQueried) {
  auto admin = exchange(*client_, net::HttpMethod::kPost, "/admin/rest_fault?mode=timeout&count=1");
  ASSERT_TRUE(admin.ok()) << admin.error().to_string();
  ASSERT_EQ(admin->status, 200u) << admin->body;
  auto fast = make_client(500ms);
  ASSERT_TRUE(encoder_->place(req_, now_ms(), buy("rU1", 200000, 100)).ok());
  auto response = send(req_, fast.get());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, core::ErrorCode::kTimeout);
  EXPECT_TRUE(net::HttpClient::is_outcome_unknown(response.error())) << response.error().message;
  EXPECT_EQ(fast->stats().outcome_unknown, 1u);

  ASSERT_TRUE(encoder_->query_order(req_, now_ms(), eth_, cid("rU1")).ok());
  ASSERT_TRUE(round_trip(req_));
  if (reply_.ok) {
    core::OrderUpdate u;
    ASSERT_TRUE(decoder_.order_result(ExecType::kSnapshot, u).ok());
    EXPECT_EQ(u.client_id.view(), "rU1");
  } else {
    EXPECT_EQ(reply_.action, FailureAction::kOrderGone) << last_.body;
  }
}

}  // namespace
}  // namespace phoenix::binance
