#include "net/ws_client.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "net/testing/recording_handler.h"
#include "net/testing/ws_test_server.h"
#include "telemetry/metrics.h"

namespace phoenix::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using testing::RecordingHandler;
using testing::run_for;
using testing::run_until;
using testing::ServerOptions;
using testing::ServerSession;
using testing::WsTestServer;

std::string book_ticker(int i) {
  return R"({"stream":"btcusdt@bookTicker","data":{"u":)" + std::to_string(400900217 + i) +
         R"(,"s":"BTCUSDT","b":"43012.)" + std::to_string(10 + i % 80) + R"(","B":"0.51200000","a":"43012.)" +
         std::to_string(11 + i % 80) + R"(","A":"1.20400000"}})";
}

// Bytes a server frame of `payload` bytes takes (unmasked header + payload).
uint64_t server_frame_bytes(uint64_t payload) {
  return payload + (payload < 126 ? 2 : payload < 65536 ? 4 : 10);
}

class WsClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<WsClient> connect(const std::string& url,
                                    const WsClientOptions& options = WsClientOptions{}) {
    auto parsed = parse_ws_url(url);
    EXPECT_TRUE(parsed.ok());
    auto client = std::make_unique<WsClient>(ioc_, *parsed, options, nullptr, meters_, clock_, handler_);
    client->start();
    return client;
  }
  bool wait_closed(std::chrono::milliseconds timeout = 5000ms) {
    return run_until(
        ioc_, [&] { return handler_.closed.has_value(); }, timeout);
  }

  asio::io_context ioc_;
  const core::RealClock& clock_ = core::RealClock::instance();
  telemetry::Registry registry_;
  WsMeters meters_{registry_, "test"};
  RecordingHandler handler_;
};

// --- permessage-deflate negotiation and byte meters --------------------------------------

struct NegotiationCase {
  Compression client;
  bool server_deflate;
};

class WsClientNegotiationTest : public WsClientTest, public ::testing::WithParamInterface<NegotiationCase> {};

TEST_P(WsClientNegotiationTest, NegotiatesAndMetersBytes) {
  const NegotiationCase c = GetParam();
  ServerOptions so;
  so.deflate = c.server_deflate;
  WsTestServer server(ioc_, so);
  constexpr int kMessages = 200;
  // The server streams once the client says "go", so wire bytes after the open are frames only.
  server.on_session = [&](ServerSession& s) {
    s.on_message = [](ServerSession& session, const std::string&) {
      for (int i = 0; i < kMessages; ++i) session.send(book_ticker(i));
    };
  };
  handler_.on_open = [](WsClient& client) { client.send_text("go"); };
  WsClientOptions options;
  options.compression = c.client;
  auto client = connect(server.url("/stream?streams=btcusdt@bookTicker"), options);
  ASSERT_TRUE(run_until(ioc_, [&] { return handler_.messages.size() == kMessages; }));

  // What we offered.
  ASSERT_EQ(server.offered_extensions.size(), 1u);
  const std::string& offer = server.offered_extensions[0];
  EXPECT_EQ(offer.find("permessage-deflate") != std::string::npos, c.client != Compression::kOff) << offer;
  EXPECT_EQ(offer.find("server_no_context_takeover") != std::string::npos,
            c.client == Compression::kNoContext)
      << offer;
  if (c.client != Compression::kOff) {
    EXPECT_NE(offer.find("client_no_context_takeover"), std::string::npos);
  }

  // What was agreed.
  const bool compressed = c.server_deflate && c.client != Compression::kOff;
  EXPECT_EQ(client->deflate().enabled, compressed) << client->negotiated_extensions();
  EXPECT_EQ(client->negotiated_extensions().empty(), !compressed);
  if (compressed) {
    EXPECT_TRUE(client->deflate().client_no_context_takeover);
    EXPECT_EQ(client->deflate().server_no_context_takeover, c.client == Compression::kNoContext);
  }
  EXPECT_EQ(meters_.compression_negotiated.value(), compressed ? 1.0 : 0.0);
  EXPECT_EQ(meters_.connected.value(), 1.0);

  // Every message intact, padded.
  for (int i = 0; i < kMessages; ++i) ASSERT_EQ(handler_.messages[static_cast<size_t>(i)], book_ticker(i));
  EXPECT_TRUE(handler_.padding_ok);

  // Byte meters: inflated = payload; wire = frames as received.
  const WsStats st = client->stats();
  uint64_t payload = 0;
  uint64_t uncompressed_frames = 0;
  for (int i = 0; i < kMessages; ++i) {
    payload += book_ticker(i).size();
    uncompressed_frames += server_frame_bytes(book_ticker(i).size());
  }
  EXPECT_EQ(st.inflated_in_bytes, payload);
  EXPECT_EQ(st.messages_in, static_cast<uint64_t>(kMessages));
  const uint64_t frame_bytes = st.wire_in_bytes - st.wire_in_at_open_bytes;
  if (compressed) {
    EXPECT_LT(frame_bytes, payload);
  } else {
    EXPECT_EQ(frame_bytes, uncompressed_frames);
  }
  EXPECT_EQ(meters_.wire_in_bytes.value(), st.wire_in_bytes);
  EXPECT_EQ(meters_.inflated_in_bytes.value(), payload);
  EXPECT_EQ(meters_.messages_in.value(), static_cast<uint64_t>(kMessages));
  EXPECT_EQ(meters_.messages_out.value(), 1u);
  EXPECT_EQ(meters_.inflated_out_bytes.value(), 2u);
  EXPECT_GT(meters_.wire_out_bytes.value(), 2u + 6u);  // upgrade request + masked "go"
  EXPECT_EQ(meters_.connect_seconds.count(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Modes, WsClientNegotiationTest,
                         ::testing::Values(NegotiationCase{Compression::kOff, false},
                                           NegotiationCase{Compression::kOff, true},
                                           NegotiationCase{Compression::kNoContext, false},
                                           NegotiationCase{Compression::kNoContext, true},
                                           NegotiationCase{Compression::kContext, false},
                                           NegotiationCase{Compression::kContext, true}));

// With context takeover the server's dictionary spans messages: far fewer wire bytes.
TEST_F(WsClientTest, ContextTakeoverCompressesBetterThanNoContext) {
  uint64_t frame_bytes[2] = {};
  for (int mode = 0; mode < 2; ++mode) {
    ServerOptions so;
    so.deflate = true;
    WsTestServer server(ioc_, so);
    server.on_session = [](ServerSession& s) {
      s.on_message = [](ServerSession& session, const std::string&) {
        for (int i = 0; i < 300; ++i) session.send(book_ticker(i));
      };
    };
    handler_ = RecordingHandler{};
    handler_.on_open = [](WsClient& client) { client.send_text("go"); };
    WsClientOptions options;
    options.compression = mode == 0 ? Compression::kNoContext : Compression::kContext;
    auto client = connect(server.url(), options);
    ASSERT_TRUE(run_until(ioc_, [&] { return handler_.messages.size() == 300; }));
    frame_bytes[mode] = client->stats().wire_in_bytes - client->stats().wire_in_at_open_bytes;
  }
  EXPECT_LT(frame_bytes[1] * 2, frame_bytes[0])
      << "context " << frame_bytes[1] << " no_context " << frame_bytes[0];
}

// --- control frames, idle deadline ---------------------------------------------------------

TEST_F(WsClientTest, AnswersServerPingWithSamePayload) {
  WsTestServer server(ioc_, ServerOptions{});
  ServerSession* session = nullptr;
  server.on_session = [&](ServerSession& s) {
    session = &s;
    s.ping("ping-7c1e");
  };
  auto client = connect(server.url());
  ASSERT_TRUE(run_until(ioc_, [&] { return session != nullptr && !session->pongs.empty(); }));
  EXPECT_EQ(session->pongs[0], "ping-7c1e");
  EXPECT_EQ(client->stats().pings_in, 1u);
  EXPECT_EQ(client->stats().frames_in, 1u);
  EXPECT_EQ(meters_.pings_in.value(), 1u);
  EXPECT_EQ(client->frames_in_pacer_window(), 1u);  // the pong counts against the pacer
}

TEST_F(WsClientTest, IdleDeadlineFiresWhenServerGoesSilent) {
  WsTestServer server(ioc_, ServerOptions{});
  server.on_session = [](ServerSession& s) { s.send("one message, then silence"); };
  WsClientOptions options;
  options.idle_timeout_ms = 300;
  auto client = connect(server.url(), options);
  ASSERT_TRUE(run_until(ioc_, [&] { return handler_.messages.size() == 1; }));
  const int64_t last_ns = handler_.recv_ns_list[0];
  ASSERT_TRUE(wait_closed());
  const int64_t silent_ms = (clock_.monotonic_ns() - last_ns) / 1'000'000;
  EXPECT_EQ(handler_.closed->reason, DownReason::kIdleTimeout);
  EXPECT_TRUE(handler_.closed->was_open);
  EXPECT_GE(silent_ms, 300);
  EXPECT_LT(silent_ms, 600);
  EXPECT_EQ(meters_.connected.value(), 0.0);
}

TEST_F(WsClientTest, IdleDeadlineDoesNotFireWhileFramesFlow) {
  WsTestServer server(ioc_, ServerOptions{});
  ServerSession* session = nullptr;
  server.on_session = [&](ServerSession& s) { session = &s; };
  WsClientOptions options;
  options.idle_timeout_ms = 250;
  auto client = connect(server.url(), options);
  ASSERT_TRUE(run_until(ioc_, [&] { return session != nullptr; }));
  // 1.2 s of traffic every 100 ms: data first, then pings only (pings are frames too).
  for (int i = 0; i < 12; ++i) {
    if (i < 6) {
      session->send("tick " + std::to_string(i));
    } else {
      session->ping("p");
    }
    run_for(ioc_, 100ms);
  }
  EXPECT_FALSE(handler_.closed.has_value());
  EXPECT_TRUE(client->is_open());
  EXPECT_EQ(client->stats().pings_in, 6u);
}

// --- pacing -------------------------------------------------------------------------------

TEST_F(WsClientTest, PacesQueuedMessagesIncludingPongs) {
  WsTestServer server(ioc_, ServerOptions{});
  ServerSession* session = nullptr;
  server.on_session = [&](ServerSession& s) { session = &s; };
  WsClientOptions options;
  options.pacer = SendPacerOptions{5, 200, 1, 10};  // Binance's 5/s, scaled to 5 per 200 ms
  constexpr int kMessages = 20;
  handler_.on_open = [](WsClient& client) {
    for (int i = 0; i < kMessages; ++i) {
      client.send_text(R"({"method":"SUBSCRIBE","params":["s)" + std::to_string(i) +
                       R"(@bookTicker"],"id":)" + std::to_string(i) + "}");
    }
  };
  auto client = connect(server.url(), options);
  ASSERT_TRUE(run_until(ioc_, [&] { return session != nullptr; }));
  // The server pings every 250 ms while the burst drains.
  const auto give_up = std::chrono::steady_clock::now() + 5s;
  while (session->received.size() < kMessages && std::chrono::steady_clock::now() < give_up) {
    session->ping("hb");
    run_until(
        ioc_, [&] { return session->received.size() == kMessages; }, 250ms);
  }
  ASSERT_EQ(session->received.size(), static_cast<size_t>(kMessages));
  std::vector<int64_t> all = session->received_ns;
  all.insert(all.end(), session->pong_ns.begin(), session->pong_ns.end());
  std::sort(all.begin(), all.end());
  auto max_in_window = [](const std::vector<int64_t>& t, int64_t window_ns) {
    size_t best = 0;
    for (size_t i = 0; i < t.size(); ++i) {
      size_t n = 0;
      for (size_t j = i; j < t.size() && t[j] < t[i] + window_ns; ++j) ++n;
      best = std::max(best, n);
    }
    return best;
  };
  EXPECT_LE(max_in_window(all, 200'000'000), 5u);
  EXPECT_LE(max_in_window(session->received_ns, 200'000'000), 4u);
  EXPECT_GE(session->pongs.size(), 2u);
  // 20 frames at 4 per 210 ms (window + margin): the last leaves 840 ms after the first.
  const int64_t span_ms = (session->received_ns.back() - session->received_ns.front()) / 1'000'000;
  EXPECT_GE(span_ms, 820);
  EXPECT_LT(span_ms, 1500);
  for (int i = 0; i < kMessages; ++i)
    EXPECT_NE(session->received[static_cast<size_t>(i)].find("\"id\":" + std::to_string(i) + "}"),
              std::string::npos);
}

// --- failures -------------------------------------------------------------------------------

TEST_F(WsClientTest, HandshakeAnswered429ReportsStatusAndRetryAfter) {
  ServerOptions so;
  so.reject_status = 429;
  so.retry_after = "7";
  WsTestServer server(ioc_, so);
  auto client = connect(server.url());
  ASSERT_TRUE(wait_closed());
  const WsCloseInfo& info = *handler_.closed;
  EXPECT_EQ(info.reason, DownReason::kHandshakeRejected);
  EXPECT_EQ(info.http_status, 429);
  EXPECT_EQ(info.retry_after_ms, 7000);
  EXPECT_EQ(info.phase, "handshake");
  EXPECT_FALSE(info.was_open);
  EXPECT_NE(info.error.find("429"), std::string::npos) << info.error;
  // The policy honours it: the next delay is at least 7 s.
  core::ManualClock manual;
  ReconnectPolicy policy(ReconnectPolicyOptions{}, manual, 1);
  policy.on_attempt();
  EXPECT_GE(policy.on_down(info.reason, info.retry_after_ms), 7000);
}

TEST_F(WsClientTest, HandshakeAnswered503) {
  ServerOptions so;
  so.reject_status = 503;
  WsTestServer server(ioc_, so);
  auto client = connect(server.url());
  ASSERT_TRUE(wait_closed());
  EXPECT_EQ(handler_.closed->reason, DownReason::kHandshakeRejected);
  EXPECT_EQ(handler_.closed->http_status, 503);
  EXPECT_EQ(handler_.closed->retry_after_ms, 0);
}

TEST_F(WsClientTest, ConnectionRefused) {
  uint16_t port = 0;
  {
    tcp::acceptor probe(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }
  auto client = connect("ws://127.0.0.1:" + std::to_string(port) + "/");
  ASSERT_TRUE(wait_closed());
  EXPECT_EQ(handler_.closed->reason, DownReason::kConnectFailed);
  EXPECT_EQ(handler_.closed->phase, "connect");
  EXPECT_NE(handler_.closed->error.find("refused"), std::string::npos) << handler_.closed->error;
}

TEST_F(WsClientTest, HandshakeDeadline) {
  // Accepts TCP, never answers the upgrade.
  tcp::acceptor silent(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket held(ioc_);
  silent.async_accept(held, [](const beast::error_code&) {});
  WsClientOptions options;
  options.handshake_timeout_ms = 200;
  auto client = connect("ws://127.0.0.1:" + std::to_string(silent.local_endpoint().port()) + "/", options);
  ASSERT_TRUE(wait_closed(2000ms));
  EXPECT_EQ(handler_.closed->reason, DownReason::kConnectFailed);
  EXPECT_EQ(handler_.closed->phase, "handshake");
  EXPECT_NE(handler_.closed->error.find("timeout after 200 ms"), std::string::npos) << handler_.closed->error;
}

TEST_F(WsClientTest, RefusesExtensionAnswerItCannotHonour) {
  ServerOptions so;
  so.raw_extensions = "permessage-deflate; server_max_window_bits=8";
  WsTestServer server(ioc_, so);
  auto client = connect(server.url());
  ASSERT_TRUE(wait_closed());
  EXPECT_EQ(handler_.closed->reason, DownReason::kProtocolError);
  EXPECT_EQ(handler_.closed->phase, "handshake");
  EXPECT_NE(handler_.closed->error.find("server_max_window_bits=8"), std::string::npos)
      << handler_.closed->error;
  EXPECT_EQ(handler_.opens, 0);
}

TEST_F(WsClientTest, RefusesDeflateItDidNotOffer) {
  ServerOptions so;
  so.raw_extensions = "permessage-deflate";
  WsTestServer server(ioc_, so);
  WsClientOptions options;
  options.compression = Compression::kOff;
  auto client = connect(server.url(), options);
  ASSERT_TRUE(wait_closed());
  EXPECT_EQ(handler_.closed->reason, DownReason::kProtocolError);
  EXPECT_NE(handler_.closed->error.find("not offered"), std::string::npos) << handler_.closed->error;
}

TEST_F(WsClientTest, AcceptsBinanceExtensionAnswer) {
  ServerOptions so;
  so.raw_extensions = "permessage-deflate; server_max_window_bits=15";
  WsTestServer server(ioc_, so);
  auto client = connect(server.url());
  ASSERT_TRUE(run_until(ioc_, [&] { return handler_.opens == 1; }));
  EXPECT_EQ(client->negotiated_extensions(), "permessage-deflate; server_max_window_bits=15");
  EXPECT_TRUE(client->deflate().enabled);
  EXPECT_FALSE(client->deflate().server_no_context_takeover);
}

TEST_F(WsClientTest, TcpResetMidStreamReportsReset) {
  WsTestServer server(ioc_, ServerOptions{});
  server.on_session = [](ServerSession& s) {
    for (int i = 0; i < 3; ++i) s.send(book_ticker(i));
    s.on_message = [](ServerSession& session, const std::string&) { session.reset(); };
  };
  handler_.on_message = [&](WsClient& client, std::string_view) {
    if (handler_.messages.size() == 3) client.send_text("got 3");
  };
  auto client = connect(server.url());
  ASSERT_TRUE(wait_closed());
  EXPECT_EQ(handler_.messages.size(), 3u);
  EXPECT_EQ(handler_.closed->reason, DownReason::kReset) << handler_.closed->error;
  EXPECT_TRUE(handler_.closed->was_open);
  EXPECT_TRUE(handler_.closed->received_data);
}

TEST_F(WsClientTest, PeerCloseReportsCodeAndReason) {
  WsTestServer server(ioc_, ServerOptions{});
  server.on_session = [](ServerSession& s) { s.close(1008, "Too many requests"); };
  auto client = connect(server.url());
  ASSERT_TRUE(wait_closed());
  EXPECT_EQ(handler_.closed->reason, DownReason::kClosedByPeer);
  EXPECT_EQ(handler_.closed->close_code, 1008);
  EXPECT_EQ(handler_.closed->close_reason, "Too many requests");
}

TEST_F(WsClientTest, CloseIsCleanAndReportsLocalReason) {
  WsTestServer server(ioc_, ServerOptions{});
  ServerSession* session = nullptr;
  server.on_session = [&](ServerSession& s) { session = &s; };
  auto client = connect(server.url());
  ASSERT_TRUE(run_until(ioc_, [&] { return session != nullptr && handler_.opens == 1; }));
  client->send_text("last words");
  client->close(DownReason::kStopped);
  EXPECT_FALSE(client->send_text("after close"));
  ASSERT_TRUE(wait_closed());
  EXPECT_EQ(handler_.closed->reason, DownReason::kStopped);
  EXPECT_EQ(handler_.closed->close_code, 1000);  // the server's answer to our close
  EXPECT_TRUE(handler_.closed->error.empty()) << handler_.closed->error;
  ASSERT_TRUE(run_until(ioc_, [&] { return session->ended; }));
  EXPECT_EQ(client->state(), WsClient::State::kClosed);
}

TEST_F(WsClientTest, DestroyingTheClientStopsCallbacks) {
  WsTestServer server(ioc_, ServerOptions{});
  server.on_session = [](ServerSession& s) { s.send("hello"); };
  auto client = connect(server.url());
  ASSERT_TRUE(run_until(ioc_, [&] { return handler_.opens == 1; }));
  client.reset();
  run_for(ioc_, 100ms);
  EXPECT_EQ(handler_.closes, 0);
  EXPECT_EQ(meters_.connected.value(), 0.0);
}

}  // namespace
}  // namespace phoenix::net
