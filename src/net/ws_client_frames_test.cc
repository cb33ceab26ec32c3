// WsClient's own frame reading (after the upgrade) against a raw server that sends exact
// bytes: frames in the same segment as the 101, frames split at every byte, deflate, pings,
// protocol violations and the close codes they cause, and handlers that close or destroy
// the client in the middle of a batch.

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "net/testing/raw_ws_server.h"
#include "net/testing/recording_handler.h"
#include "net/testing/ws_frames.h"
#include "net/testing/ws_test_server.h"
#include "net/ws_client.h"
#include "telemetry/metrics.h"

namespace phoenix::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::Deflater;
using testing::FrameSpec;
using testing::RawWsServer;
using testing::RecordingHandler;
using testing::run_for;
using testing::run_until;
using testing::server_frame;
using testing::text_frame;

std::string book_ticker(int i) {
  return R"({"stream":"btcusdt@bookTicker","data":{"u":)" + std::to_string(400900217 + i) +
         R"(,"s":"BTCUSDT","b":"43012.)" + std::to_string(10 + i % 80) + R"(","B":"0.51200000","a":"43012.)" +
         std::to_string(11 + i % 80) + R"(","A":"1.20400000"}})";
}

class WsClientFramesTest : public ::testing::Test {
 protected:
  std::unique_ptr<WsClient> connect(const RawWsServer& server, WsClientOptions options = {}) {
    auto url = parse_ws_url(server.url("/stream?streams=btcusdt@bookTicker"));
    EXPECT_TRUE(url.ok());
    auto client = std::make_unique<WsClient>(ioc_, *url, options, nullptr, meters_, clock_, handler_);
    client->start();
    return client;
  }
  bool wait_closed(std::chrono::milliseconds timeout = 5000ms) {
    return run_until(
        ioc_, [&] { return handler_.closed.has_value(); }, timeout);
  }
  // The close frame the client sent (its code), or -1.
  static int client_close_code(const RawWsServer& server) {
    for (const auto& f : server.frames) {
      if (f.opcode == 0x8 && f.payload.size() >= 2)
        return (static_cast<unsigned char>(f.payload[0]) << 8) | static_cast<unsigned char>(f.payload[1]);
    }
    return -1;
  }

  asio::io_context ioc_;
  const core::RealClock& clock_ = core::RealClock::instance();
  telemetry::Registry registry_;
  WsMeters meters_{registry_, "frames"};
  RecordingHandler handler_;
};

// Frames that share the 101's write (and TCP segment) must not be lost, also when every
// read is one byte (the HTTP parser then stops exactly at the end of the head).
TEST_F(WsClientFramesTest, FramesInTheSameSegmentAsThe101) {
  for (size_t max_read : {size_t{0}, size_t{1}}) {
    handler_ = RecordingHandler{};
    std::string early;
    for (int i = 0; i < 20; ++i) early += text_frame(book_ticker(i));
    early += server_frame("early ping", FrameSpec{.opcode = 0x9});
    RawWsServer server(ioc_, "", early);
    WsClientOptions options;
    options.max_transport_read_bytes = max_read;
    auto client = connect(server, options);
    ASSERT_TRUE(run_until(ioc_, [&] { return handler_.messages.size() == 20; })) << "max_read " << max_read;
    for (int i = 0; i < 20; ++i) EXPECT_EQ(handler_.messages[static_cast<size_t>(i)], book_ticker(i));
    EXPECT_TRUE(handler_.padding_ok);
    ASSERT_TRUE(run_until(ioc_, [&] { return !server.frames.empty(); }));
    EXPECT_EQ(server.frames[0].opcode, 0xau);
    EXPECT_EQ(server.frames[0].payload, "early ping");
    EXPECT_TRUE(server.frames[0].masked);
    // wire bytes after the open are exactly the frames, including those that came early
    const WsStats st = client->stats();
    EXPECT_EQ(st.wire_in_bytes - st.wire_in_at_open_bytes, early.size());
    EXPECT_EQ(st.messages_in, 20u);
    EXPECT_EQ(st.frames_in, 21u);
    EXPECT_EQ(st.pings_in, 1u);
    client.reset();
  }
}

TEST_F(WsClientFramesTest, ManyMessagesPerReadAndEveryByteBoundary) {
  for (size_t max_read : {size_t{0}, size_t{1}, size_t{3}}) {
    handler_ = RecordingHandler{};
    RawWsServer server(ioc_);
    WsClientOptions options;
    options.max_transport_read_bytes = max_read;
    handler_.on_open = [&](WsClient&) {
      std::string burst;
      for (int i = 0; i < 500; ++i) burst += text_frame(book_ticker(i));
      burst += server_frame("frag", FrameSpec{.fin = false});
      burst += server_frame("mented", FrameSpec{.opcode = 0x0});
      server.send(burst);
    };
    auto client = connect(server, options);
    ASSERT_TRUE(run_until(
        ioc_, [&] { return handler_.messages.size() == 501; }, 20s))
        << "max_read " << max_read;
    for (int i = 0; i < 500; ++i) ASSERT_EQ(handler_.messages[static_cast<size_t>(i)], book_ticker(i));
    EXPECT_EQ(handler_.messages[500], "fragmented");
    EXPECT_TRUE(handler_.padding_ok);
    EXPECT_EQ(meters_.messages_in.value(), 501u * (max_read == 0 ? 1 : max_read == 1 ? 2 : 3));
    client.reset();
  }
}

TEST_F(WsClientFramesTest, DeflateWithAndWithoutContextInSmallReads) {
  for (bool context : {true, false}) {
    for (size_t max_read : {size_t{0}, size_t{1}, size_t{5}}) {
      handler_ = RecordingHandler{};
      Deflater deflater(context);
      RawWsServer server(
          ioc_, context ? "permessage-deflate; client_no_context_takeover"
                        : "permessage-deflate; server_no_context_takeover; client_no_context_takeover");
      std::string burst;
      for (int i = 0; i < 200; ++i)
        burst += server_frame(deflater.compress(book_ticker(i)), FrameSpec{.rsv1 = true});
      handler_.on_open = [&](WsClient&) { server.send(burst); };
      WsClientOptions options;
      options.compression = context ? Compression::kContext : Compression::kNoContext;
      options.max_transport_read_bytes = max_read;
      auto client = connect(server, options);
      ASSERT_TRUE(run_until(
          ioc_, [&] { return handler_.messages.size() == 200 || handler_.closed; }, 20s));
      ASSERT_FALSE(handler_.closed.has_value()) << handler_.closed->error;
      for (int i = 0; i < 200; ++i) ASSERT_EQ(handler_.messages[static_cast<size_t>(i)], book_ticker(i));
      EXPECT_EQ(client->deflate().server_no_context_takeover, !context);
      const WsStats st = client->stats();
      EXPECT_EQ(st.wire_in_bytes - st.wire_in_at_open_bytes, burst.size());
      EXPECT_LT(burst.size(), st.inflated_in_bytes);
      client.reset();
    }
  }
}

TEST_F(WsClientFramesTest, PingIsAnsweredWithAMaskedPongEchoingThePayload) {
  RawWsServer server(ioc_);
  handler_.on_open = [&](WsClient&) {
    server.send(text_frame("m1") + server_frame("1700000000000", FrameSpec{.opcode = 0x9}) +
                text_frame("m2"));
  };
  auto client = connect(server);
  ASSERT_TRUE(run_until(ioc_, [&] { return !server.frames.empty(); }));
  EXPECT_EQ(server.frames[0].opcode, 0xau);
  EXPECT_TRUE(server.frames[0].masked);
  EXPECT_TRUE(server.frames[0].fin);
  EXPECT_EQ(server.frames[0].payload, "1700000000000");
  EXPECT_EQ(handler_.messages, (std::vector<std::string>{"m1", "m2"}));
  EXPECT_EQ(client->frames_in_pacer_window(), 1u);
  EXPECT_EQ(meters_.pings_in.value(), 1u);
}

struct Violation {
  const char* name;
  std::string frame;
  int close_code;
  size_t max_message = 1 << 20;
};

class WsClientViolationTest : public WsClientFramesTest, public ::testing::WithParamInterface<Violation> {};

TEST_P(WsClientViolationTest, FailsWithProtocolErrorAndSendsTheCloseCode) {
  const Violation& v = GetParam();
  RawWsServer server(ioc_);
  handler_.on_open = [&](WsClient&) { server.send(text_frame("fine") + v.frame + text_frame("never")); };
  WsClientOptions options;
  options.read_message_max_bytes = v.max_message;
  auto client = connect(server, options);
  ASSERT_TRUE(wait_closed());
  EXPECT_EQ(handler_.closed->reason, DownReason::kProtocolError) << handler_.closed->error;
  EXPECT_TRUE(handler_.closed->was_open);
  EXPECT_EQ(handler_.closed->phase, "open");
  EXPECT_NE(handler_.closed->error.find("close " + std::to_string(v.close_code)), std::string::npos)
      << handler_.closed->error;
  EXPECT_EQ(handler_.messages, std::vector<std::string>{"fine"});
  ASSERT_TRUE(run_until(ioc_, [&] { return client_close_code(server) != -1; }));
  EXPECT_EQ(client_close_code(server), v.close_code);
  EXPECT_EQ(meters_.connected.value(), 0.0);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, WsClientViolationTest,
    ::testing::Values(
        Violation{"masked", server_frame("hidden", FrameSpec{.masked = true}), 1002},
        Violation{"rsv1_without_deflate", server_frame("not deflated at all", FrameSpec{.rsv1 = true}), 1002},
        Violation{"bad_utf8", text_frame("\xc3\x28 not utf-8"), 1007},
        Violation{"oversized", text_frame(std::string(5000, 'o')), 1009, 4096},
        Violation{"oversized_announced", server_frame("", FrameSpec{.announced = 64 << 20}), 1009}),
    [](const ::testing::TestParamInfo<Violation>& p) { return std::string(p.param.name); });

TEST_F(WsClientFramesTest, PeerCloseIsEchoedAndReported) {
  RawWsServer server(ioc_);
  handler_.on_open = [&](WsClient&) {
    server.send(text_frame("last") +
                server_frame(std::string("\x03\xf0", 2) + "Too many requests", FrameSpec{.opcode = 0x8}));
  };
  auto client = connect(server);
  ASSERT_TRUE(wait_closed());
  EXPECT_EQ(handler_.closed->reason, DownReason::kClosedByPeer);
  EXPECT_EQ(handler_.closed->close_code, 1008);
  EXPECT_EQ(handler_.closed->close_reason, "Too many requests");
  EXPECT_EQ(handler_.messages, std::vector<std::string>{"last"});
  ASSERT_TRUE(run_until(ioc_, [&] { return client_close_code(server) != -1; }));
  EXPECT_EQ(client_close_code(server), 1008);
}

// A handler that closes the client in the middle of a read batch: no message after that one
// is delivered, and the close completes cleanly.
TEST_F(WsClientFramesTest, HandlerClosesMidBatch) {
  std::string burst;
  for (int i = 0; i < 100; ++i) burst += text_frame(book_ticker(i));
  RawWsServer server(ioc_, "", burst);
  handler_.on_message = [&](WsClient& client, std::string_view) {
    if (handler_.messages.size() == 10) client.close(DownReason::kStopped);
  };
  auto client = connect(server);
  ASSERT_TRUE(wait_closed());
  EXPECT_EQ(handler_.messages.size(), 10u);
  EXPECT_EQ(handler_.closed->reason, DownReason::kStopped);
  EXPECT_TRUE(handler_.closed->error.empty()) << handler_.closed->error;
  EXPECT_EQ(handler_.closed->close_code, 1000);  // the server's answer
  EXPECT_EQ(client_close_code(server), 1000);
}

// A handler that destroys the client in the middle of a read batch: no further callback, no
// use of freed memory (ASan in the debug build), meters consistent.
TEST_F(WsClientFramesTest, HandlerDestroysClientMidBatch) {
  std::string burst;
  for (int i = 0; i < 100; ++i) burst += text_frame(book_ticker(i));
  burst += server_frame("p", FrameSpec{.opcode = 0x9});
  RawWsServer server(ioc_, "", burst);
  std::unique_ptr<WsClient> client;
  handler_.on_message = [&](WsClient&, std::string_view) {
    if (handler_.messages.size() == 10) client.reset();
  };
  client = connect(server);
  ASSERT_TRUE(run_until(ioc_, [&] { return client == nullptr; }));
  run_for(ioc_, 100ms);
  EXPECT_EQ(handler_.messages.size(), 10u);
  EXPECT_EQ(handler_.closes, 0);
  EXPECT_EQ(meters_.connected.value(), 0.0);
  EXPECT_EQ(meters_.messages_in.value(), 10u);
  EXPECT_EQ(meters_.pings_in.value(), 0u);
}

// The same with a compressed, fragmented stream whose data is assembled in the client.
TEST_F(WsClientFramesTest, HandlerDestroysClientMidBatchWithDeflate) {
  Deflater deflater(true);
  std::string burst;
  for (int i = 0; i < 50; ++i) {
    const std::string z = deflater.compress(book_ticker(i));
    burst += server_frame(z.substr(0, 5), FrameSpec{.fin = false, .rsv1 = true});
    burst += server_frame(z.substr(5), FrameSpec{.opcode = 0x0});
  }
  RawWsServer server(ioc_, "permessage-deflate; client_no_context_takeover", burst);
  std::unique_ptr<WsClient> client;
  handler_.on_message = [&](WsClient&, std::string_view) {
    if (handler_.messages.size() == 7) client.reset();
  };
  client = connect(server);
  ASSERT_TRUE(run_until(ioc_, [&] { return client == nullptr; }));
  run_for(ioc_, 50ms);
  EXPECT_EQ(handler_.messages.size(), 7u);
  for (int i = 0; i < 7; ++i) EXPECT_EQ(handler_.messages[static_cast<size_t>(i)], book_ticker(i));
}

// A client read buffer much smaller than a message: the message is assembled across reads.
TEST_F(WsClientFramesTest, MessagesLargerThanTheReadBuffer) {
  const std::string big(200'000, 'B');
  RawWsServer server(ioc_);
  handler_.on_open = [&](WsClient&) { server.send(text_frame("a") + text_frame(big) + text_frame("b")); };
  WsClientOptions options;
  options.read_buffer_bytes = 16 << 10;
  auto client = connect(server, options);
  ASSERT_TRUE(run_until(ioc_, [&] { return handler_.messages.size() == 3; }));
  EXPECT_EQ(handler_.messages[1], big);
  EXPECT_TRUE(handler_.padding_ok);
}

}  // namespace
}  // namespace phoenix::net
