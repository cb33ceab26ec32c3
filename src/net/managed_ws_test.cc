#include "net/managed_ws.h"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "net/testing/ws_test_server.h"
#include "telemetry/metrics.h"

namespace phoenix::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::run_for;
using testing::run_until;
using testing::ServerOptions;
using testing::ServerSession;
using testing::WsTestServer;

// The owner side: records events; subscribes on every open.
class Owner : public ManagedWsHandler {
 public:
  void on_open(const ManagedWsOpen& open) override {
    opens.push_back(open.connection_id);
    rotations.push_back(open.rotation);
    if (ws != nullptr) ws->send_text(R"({"method":"SUBSCRIBE","params":["btcusdt@bookTicker"],"id":1})");
  }
  void on_message(std::string_view payload, int64_t) override { messages.emplace_back(payload); }
  void on_down(DownReason reason) override { downs.push_back(reason); }

  ManagedWs* ws = nullptr;
  std::vector<uint64_t> opens;
  std::vector<bool> rotations;
  std::vector<std::string> messages;
  std::vector<DownReason> downs;
};

class ManagedWsTest : public ::testing::Test {
 protected:
  std::unique_ptr<ManagedWs> make(const std::string& url, ManagedWsOptions options = {}) {
    options.url = url;
    options.seed = 11;
    options.client.conn = "market";
    if (options.reconnect.initial_backoff_ms == ReconnectPolicyOptions{}.initial_backoff_ms) {
      options.reconnect.initial_backoff_ms = 40;
    }
    auto ws = ManagedWs::create(ioc_, options, registry_, core::RealClock::instance(), owner_);
    EXPECT_TRUE(ws.ok()) << ws.error().message;
    owner_.ws = ws->get();
    return std::move(ws).value();
  }
  uint64_t reconnects(const std::unique_ptr<ManagedWs>& ws, DownReason reason) {
    return ws->meters().reconnects(reason).value();
  }

  asio::io_context ioc_;
  telemetry::Registry registry_;
  Owner owner_;
};

TEST_F(ManagedWsTest, BadUrlIsAnError) {
  ManagedWsOptions options;
  options.url = "http://nope";
  EXPECT_FALSE(ManagedWs::create(ioc_, options, registry_, core::RealClock::instance(), owner_).ok());
}

TEST_F(ManagedWsTest, SubscribesOnOpenThroughThePacer) {
  WsTestServer server(ioc_, ServerOptions{});
  auto ws = make(server.url());
  ws->start();
  ASSERT_TRUE(
      run_until(ioc_, [&] { return !server.sessions.empty() && !server.sessions[0]->received.empty(); }));
  EXPECT_EQ(ws->state(), ManagedWs::State::kOpen);
  EXPECT_NE(server.sessions[0]->received[0].find("SUBSCRIBE"), std::string::npos);
  EXPECT_EQ(owner_.opens, std::vector<uint64_t>{1});
  EXPECT_EQ(ws->meters().connected.value(), 1.0);
}

TEST_F(ManagedWsTest, TcpResetMidStreamReconnects) {
  WsTestServer server(ioc_, ServerOptions{});
  server.on_session = [&](ServerSession& s) {
    s.send("data " + std::to_string(server.sessions.size()));
    // The first connection is reset once the subscription arrived; the second stays.
    if (server.sessions.size() == 1) {
      s.on_message = [](ServerSession& session, const std::string&) { session.reset(); };
    }
  };
  auto ws = make(server.url());
  ws->start();
  ASSERT_TRUE(run_until(ioc_, [&] { return owner_.opens.size() == 2 && owner_.messages.size() == 2; }));
  EXPECT_EQ(owner_.downs, std::vector<DownReason>{DownReason::kReset});
  EXPECT_EQ(reconnects(ws, DownReason::kReset), 1u);
  EXPECT_EQ(ws->reconnects(), 1u);
  EXPECT_EQ(owner_.messages, (std::vector<std::string>{"data 1", "data 2"}));
  EXPECT_EQ(ws->state(), ManagedWs::State::kOpen);
  EXPECT_EQ(ws->current_backoff_ms(), 0);
}

TEST_F(ManagedWsTest, AcceptThenCloseRepeatedlyGrowsDelays) {
  WsTestServer server(ioc_, ServerOptions{});
  // Data flows for a moment, then the server closes: never stable, so no reset.
  server.on_session = [](ServerSession& s) {
    s.send("hello");
    s.close(1000, "bye");
  };
  auto ws = make(server.url());
  ws->start();
  std::vector<int64_t> backoffs;
  ASSERT_TRUE(run_until(
      ioc_,
      [&] {
        if (ws->current_backoff_ms() != 0 &&
            (backoffs.empty() || backoffs.back() != ws->current_backoff_ms())) {
          backoffs.push_back(ws->current_backoff_ms());
        }
        return server.accepted_ns.size() == 6;
      },
      5000ms));
  ws->stop();
  ASSERT_GE(backoffs.size(), 5u);
  // Ceilings 40, 80, 160, 320, 640 ms; each delay in [ceiling/2, ceiling].
  for (size_t i = 0; i < 5; ++i) {
    const int64_t ceiling = 40LL << i;
    EXPECT_GE(backoffs[i], ceiling / 2) << i;
    EXPECT_LE(backoffs[i], ceiling) << i;
    if (i > 0) {
      EXPECT_GE(backoffs[i], backoffs[i - 1]) << i;
    }
  }
  // The server sees the same: gaps between connection attempts grow.
  const auto& at = server.accepted_ns;
  const int64_t first_gap_ms = (at[1] - at[0]) / 1'000'000;
  const int64_t last_gap_ms = (at[5] - at[4]) / 1'000'000;
  EXPECT_GE(last_gap_ms, 4 * first_gap_ms / 2) << first_gap_ms << " " << last_gap_ms;
  EXPECT_EQ(reconnects(ws, DownReason::kClosedByPeer), 5u);
  EXPECT_EQ(owner_.downs.size(), 5u);
}

TEST_F(ManagedWsTest, HandshakeRejectedHonoursRetryAfter) {
  ServerOptions so;
  so.reject_status = 429;
  so.retry_after = "2";
  WsTestServer server(ioc_, so);
  auto ws = make(server.url());
  ws->start();
  ASSERT_TRUE(run_until(ioc_, [&] { return ws->state() == ManagedWs::State::kBackoff; }));
  EXPECT_EQ(owner_.downs, std::vector<DownReason>{DownReason::kHandshakeRejected});
  EXPECT_GE(ws->current_backoff_ms(), 2000);
  EXPECT_DOUBLE_EQ(ws->meters().backoff_seconds.value(),
                   static_cast<double>(ws->current_backoff_ms()) / 1000.0);
  EXPECT_EQ(reconnects(ws, DownReason::kHandshakeRejected), 1u);
  run_for(ioc_, 300ms);  // no early retry
  EXPECT_EQ(server.accepted_ns.size(), 1u);
}

TEST_F(ManagedWsTest, ConnectionRefusedBacksOff) {
  uint16_t port = 0;
  {
    asio::ip::tcp::acceptor probe(ioc_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }
  auto ws = make("ws://127.0.0.1:" + std::to_string(port) + "/");
  ws->start();
  ASSERT_TRUE(run_until(ioc_, [&] { return owner_.downs.size() >= 2; }));
  EXPECT_EQ(owner_.downs[0], DownReason::kConnectFailed);
  EXPECT_EQ(reconnects(ws, DownReason::kConnectFailed), owner_.downs.size());
  ws->stop();
  EXPECT_EQ(ws->state(), ManagedWs::State::kStopped);
}

TEST_F(ManagedWsTest, RecycleReconnectsWithItsReason) {
  WsTestServer server(ioc_, ServerOptions{});
  auto ws = make(server.url());
  ws->start();
  ASSERT_TRUE(run_until(ioc_, [&] { return owner_.opens.size() == 1; }));
  ws->recycle(DownReason::kStale);
  ASSERT_TRUE(run_until(ioc_, [&] { return owner_.opens.size() == 2; }));
  EXPECT_EQ(owner_.downs, std::vector<DownReason>{DownReason::kStale});
  EXPECT_EQ(reconnects(ws, DownReason::kStale), 1u);
  ASSERT_TRUE(run_until(ioc_, [&] { return server.sessions[0]->ended; }));
}

TEST_F(ManagedWsTest, StopClosesCleanlyWithoutReconnecting) {
  WsTestServer server(ioc_, ServerOptions{});
  auto ws = make(server.url());
  ws->start();
  ASSERT_TRUE(run_until(ioc_, [&] { return owner_.opens.size() == 1; }));
  ws->stop();
  ASSERT_TRUE(run_until(ioc_, [&] { return ws->state() == ManagedWs::State::kStopped; }));
  run_for(ioc_, 200ms);
  EXPECT_TRUE(owner_.downs.empty());
  EXPECT_EQ(server.accepted_ns.size(), 1u);
  EXPECT_TRUE(server.sessions[0]->ended);
  EXPECT_EQ(ws->meters().connected.value(), 0.0);
  EXPECT_FALSE(ws->send_text("nobody listens"));
}

// A feed like Binance's: every 5 ms each open session gets the same next sequence number.
class SequenceFeed {
 public:
  SequenceFeed(asio::io_context& ioc, WsTestServer& server) : timer_(ioc), server_(server) { tick(); }
  ~SequenceFeed() { timer_.cancel(); }
  int sequence = 0;

 private:
  void tick() {
    timer_.expires_after(5ms);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      ++sequence;
      for (auto& s : server_.sessions) {
        if (s->open) s->send(std::to_string(sequence));
      }
      tick();
    });
  }
  asio::steady_timer timer_;
  WsTestServer& server_;
};

void expect_no_gap(const std::vector<std::string>& messages) {
  ASSERT_FALSE(messages.empty());
  int expected = std::stoi(messages.front());
  int duplicates = 0;
  for (const std::string& m : messages) {
    const int seq = std::stoi(m);
    if (seq < expected) {
      ++duplicates;  // the other connection already delivered it
      continue;
    }
    ASSERT_EQ(seq, expected) << "gap before " << seq;
    ++expected;
  }
  EXPECT_LT(duplicates, 50);
}

TEST_F(ManagedWsTest, RotateReplacesTheConnectionWithoutAGap) {
  WsTestServer server(ioc_, ServerOptions{});
  SequenceFeed feed(ioc_, server);
  auto ws = make(server.url());
  ws->start();
  ASSERT_TRUE(run_until(ioc_, [&] { return owner_.messages.size() >= 20; }));
  const WsClient* old_client = ws->current();
  ws->rotate();
  EXPECT_TRUE(ws->rotating());
  ASSERT_TRUE(run_until(
      ioc_, [&] { return !ws->rotating() && server.sessions.size() == 2 && server.sessions[0]->ended; }));
  const size_t at_switch = owner_.messages.size();
  ASSERT_TRUE(run_until(ioc_, [&] { return owner_.messages.size() >= at_switch + 20; }));
  EXPECT_NE(ws->current(), old_client);
  EXPECT_EQ(owner_.opens, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(owner_.rotations, (std::vector<bool>{false, true}));
  EXPECT_TRUE(owner_.downs.empty());
  EXPECT_EQ(reconnects(ws, DownReason::kRotate), 1u);
  EXPECT_NE(server.sessions[1]->received.at(0).find("SUBSCRIBE"),
            std::string::npos);  // subscribed on the new one
  expect_no_gap(owner_.messages);
}

TEST_F(ManagedWsTest, MaxLifetimeRotatesProactively) {
  WsTestServer server(ioc_, ServerOptions{});
  SequenceFeed feed(ioc_, server);
  ManagedWsOptions options;
  options.max_lifetime_ms = 300;
  auto ws = make(server.url(), options);
  ws->start();
  ASSERT_TRUE(run_until(
      ioc_, [&] { return reconnects(ws, DownReason::kRotate) >= 2; }, 3000ms));
  EXPECT_TRUE(owner_.downs.empty());
  EXPECT_GE(owner_.opens.size(), 3u);
  expect_no_gap(owner_.messages);
}

TEST_F(ManagedWsTest, ServerShutdownRotationIsCountedAsSuch) {
  WsTestServer server(ioc_, ServerOptions{});
  SequenceFeed feed(ioc_, server);
  auto ws = make(server.url());
  ws->start();
  ASSERT_TRUE(run_until(ioc_, [&] { return owner_.messages.size() >= 5; }));
  ws->rotate(DownReason::kServerShutdown);
  ASSERT_TRUE(run_until(ioc_, [&] { return !ws->rotating(); }));
  EXPECT_EQ(reconnects(ws, DownReason::kServerShutdown), 1u);
  EXPECT_EQ(reconnects(ws, DownReason::kRotate), 0u);
}

}  // namespace
}  // namespace phoenix::net
