#include "md/feed.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "config/config.h"
#include "core/clock.h"
#include "net/testing/ws_test_server.h"
#include "telemetry/metrics.h"

namespace phoenix::md {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using net::testing::run_for;
using net::testing::run_until;
using net::testing::ServerOptions;
using net::testing::ServerSession;
using net::testing::WsTestServer;

constexpr std::string_view kEth = "ethusdc@bookTicker";
constexpr std::string_view kSol = "solusdc@bookTicker";

// The id of a control request ({"method":...,"id":N}), or -1.
int64_t request_id(const std::string& msg) {
  const auto at = msg.find("\"id\":");
  if (at == std::string::npos) return -1;
  return std::stoll(msg.substr(at + 5));
}

// One Feed (two symbols, bookTicker, no compression) against a WsTestServer whose answers
// to control requests the test scripts through `answer`.
class FeedControlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<WsTestServer>(ioc_, ServerOptions{});
    const std::string yaml =
        "instance_id: t\ndry_run: true\nexchange:\n  venue: local\n"
        "  rest_url: http://127.0.0.1:" +
        std::to_string(server_->port()) +
        "\n  ws_market_url: ws://127.0.0.1:" + std::to_string(server_->port()) +
        "\n  ws_api_url: ws://127.0.0.1:" + std::to_string(server_->port()) + "/ws-api/v3" +
        "\nmarket_data:\n  compression: off\n  streams: [book_ticker]\n"
        "  summary_interval_ms: 0\n"
        "symbols:\n  - { symbol: ETHUSDC, size_quote: 20 }\n"
        "  - { symbol: SOLUSDC, size_quote: 20 }\n";
    auto config = config::parse_config(yaml, "feed_test");
    ASSERT_TRUE(config) << config.error().message;
    config_ = std::move(config).value();
    server_->on_session = [this](ServerSession& s) {
      s.on_message = [this](ServerSession& session, const std::string& msg) {
        if (answer) answer(session, msg);
      };
    };
  }
  void TearDown() override {
    if (feed_) {
      feed_->stop();
      run_until(
          ioc_, [this] { return feed_->stopped(); }, 2000ms);
    }
  }

  void start() {
    auto feed = Feed::create(ioc_, core::RealClock::instance(), config_, registry_, nullptr);
    ASSERT_TRUE(feed) << feed.error().message;
    feed_ = std::move(feed).value();
    feed_->start();
  }
  ServerSession* session() { return server_->sessions.empty() ? nullptr : server_->sessions.front().get(); }
  size_t received() {
    ServerSession* s = session();
    return s == nullptr ? 0 : s->received.size();
  }
  uint64_t checks(std::string_view result) {
    return registry_
        .counter("phoenix_md_subscription_checks_total",
                 "Runtime LIST_SUBSCRIPTIONS checks of a market connection, by result",
                 {{"conn", "market"}, {"result", result}})
        .value();
  }
  uint64_t errors() {
    return registry_
        .counter("phoenix_md_control_errors_total",
                 "Error replies to Phoenix's control requests on a market connection", {{"conn", "market"}})
        .value();
  }
  uint64_t unknown() {
    return registry_
        .counter("phoenix_md_control_replies_unknown_total",
                 "Control replies on a market connection matching no request in flight (ignored)",
                 {{"conn", "market"}})
        .value();
  }

  std::function<void(ServerSession&, const std::string&)> answer;
  asio::io_context ioc_;
  std::unique_ptr<WsTestServer> server_;
  config::Config config_;
  telemetry::Registry registry_;
  std::unique_ptr<Feed> feed_;
};

TEST_F(FeedControlTest, AllStreamsListedIsVerified) {
  answer = [](ServerSession& s, const std::string& msg) {
    s.send(R"({"result":["ethusdc@bookTicker","solusdc@bookTicker"],"id":)" +
           std::to_string(request_id(msg)) + "}");
  };
  start();
  ASSERT_TRUE(run_until(ioc_, [this] { return checks("ok") == 1; }));
  ASSERT_EQ(session()->received.size(), 1u);
  EXPECT_EQ(session()->received[0], R"({"method":"LIST_SUBSCRIPTIONS","id":1})");
  run_for(ioc_, 100ms);
  EXPECT_EQ(checks("missing"), 0u);
  EXPECT_EQ(checks("extra"), 0u);
  EXPECT_EQ(unknown(), 0u);
  EXPECT_EQ(received(), 1u);  // nothing else sent
}

TEST_F(FeedControlTest, MissingStreamIsSubscribedAgain) {
  answer = [](ServerSession& s, const std::string& msg) {
    const std::string id = std::to_string(request_id(msg));
    if (msg.find("LIST_SUBSCRIPTIONS") != std::string::npos) {
      s.send(R"({"result":["ethusdc@bookTicker"],"id":)" + id + "}");
    } else {
      s.send(R"({"result":null,"id":)" + id + "}");
    }
  };
  start();
  ASSERT_TRUE(run_until(ioc_, [this] { return received() == 2; }));
  EXPECT_EQ(session()->received[1], R"({"method":"SUBSCRIBE","params":["solusdc@bookTicker"],"id":2})");
  run_for(ioc_, 100ms);
  EXPECT_EQ(checks("missing"), 1u);
  EXPECT_EQ(checks("ok"), 0u);
  EXPECT_EQ(unknown(), 0u);  // the result:null matched the SUBSCRIBE
  EXPECT_EQ(received(), 2u);
}

TEST_F(FeedControlTest, ExtraStreamsAreCountedNotUnsubscribed) {
  answer = [](ServerSession& s, const std::string& msg) {
    s.send(R"({"result":["ethusdc@bookTicker","solusdc@bookTicker","btcusdt@trade"],"id":)" +
           std::to_string(request_id(msg)) + "}");
  };
  start();
  ASSERT_TRUE(run_until(ioc_, [this] { return checks("extra") == 1; }));
  EXPECT_EQ(checks("ok"), 1u);
  run_for(ioc_, 100ms);
  EXPECT_EQ(received(), 1u);
}

TEST_F(FeedControlTest, StreamNamesCompareCaseSensitively) {
  answer = [](ServerSession& s, const std::string& msg) {
    if (msg.find("LIST_SUBSCRIPTIONS") == std::string::npos) return;
    s.send(R"({"result":["ethusdc@bookticker","solusdc@bookTicker"],"id":)" +
           std::to_string(request_id(msg)) + "}");
  };
  start();
  ASSERT_TRUE(run_until(ioc_, [this] { return received() == 2; }));
  EXPECT_NE(session()->received[1].find(kEth), std::string::npos) << session()->received[1];
  EXPECT_EQ(session()->received[1].find(kSol), std::string::npos) << session()->received[1];
  EXPECT_EQ(checks("missing"), 1u);
  EXPECT_EQ(checks("extra"), 1u);
}

TEST_F(FeedControlTest, ErrorReplyIsCountedAndNothingElseHappens) {
  answer = [](ServerSession& s, const std::string& msg) {
    s.send(R"({"error":{"code":2,"msg":"Invalid request: nope"},"id":)" + std::to_string(request_id(msg)) +
           "}");
  };
  start();
  ASSERT_TRUE(run_until(ioc_, [this] { return errors() == 1; }));
  run_for(ioc_, 200ms);
  EXPECT_EQ(checks("ok") + checks("missing") + checks("no_reply"), 0u);
  EXPECT_EQ(received(), 1u);
  EXPECT_EQ(feed_->connection(0).reconnects(), 0u);
}

TEST_F(FeedControlTest, UnknownIdsAreIgnoredAndAreNotMarketData) {
  server_->on_session = [this](ServerSession& s) {
    s.send(R"({"result":null,"id":999})");
    s.send(R"({"result":["ethusdc@bookTicker"],"id":"abc"})");
    s.on_message = [](ServerSession& session, const std::string& msg) {
      session.send(R"({"result":["ethusdc@bookTicker","solusdc@bookTicker"],"id":)" +
                   std::to_string(request_id(msg)) + "}");
    };
  };
  start();
  ASSERT_TRUE(run_until(ioc_, [this] { return checks("ok") == 1; }));
  EXPECT_EQ(unknown(), 2u);
  // Control replies never refresh a symbol.
  for (core::SymbolId sym = 0; sym < 2; ++sym) {
    EXPECT_EQ(feed_->stats(sym).book_tickers, 0u);
    EXPECT_FALSE(feed_->top(sym).has_bid());
  }
}

TEST_F(FeedControlTest, EveryReconnectIsCheckedWithAFreshId) {
  answer = [](ServerSession& s, const std::string& msg) {
    s.send(R"({"result":["ethusdc@bookTicker","solusdc@bookTicker"],"id":)" +
           std::to_string(request_id(msg)) + "}");
  };
  start();
  ASSERT_TRUE(run_until(ioc_, [this] { return checks("ok") == 1; }));
  session()->drop();
  ASSERT_TRUE(run_until(
      ioc_, [this] { return checks("ok") == 2; }, 5000ms));
  ASSERT_EQ(server_->sessions.size(), 2u);
  ASSERT_EQ(server_->sessions[1]->received.size(), 1u);
  EXPECT_EQ(request_id(server_->sessions[1]->received[0]), 2);
  EXPECT_EQ(unknown(), 0u);
}

}  // namespace
}  // namespace phoenix::md
