#include "sim/server.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <thread>

#include <arpa/inet.h>
#include <boost/asio.hpp>
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <zlib.h>

#include "core/clock.h"
#include "sim/testing/server_fakes.h"
#include "sim/testing/test_clients.h"

namespace phoenix::sim {
namespace {

using server_testing::FakeExchange;
using server_testing::FakeSimulator;
using server_testing::FakeStreams;
using server_testing::HttpClient;
using server_testing::RawWsClient;
using server_testing::run_for_ms;
using server_testing::run_until;

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

class ExchangeServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions options = {}, const std::string& host = "127.0.0.1") {
    options.host = host;
    options.port = 0;
    auto r = ExchangeServer::start(ioc_, options, exchange_, streams_, &sim_, core::RealClock::instance());
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    server_ = std::move(r).value();
    port_ = server_->port();
    ASSERT_NE(port_, 0);
  }
  void TearDown() override {
    if (server_) {
      server_->stop();
      EXPECT_TRUE(run_until(
          ioc_, [&] { return server_->connection_count() == 0; }, 5000));
      server_.reset();
    }
  }
  // A WebSocket client connected to `target` (asserting the 101).
  std::shared_ptr<RawWsClient> connect(const std::string& target, const std::string& headers = "") {
    auto c = RawWsClient::make(ioc_, port_);
    c->start(target, headers);
    EXPECT_TRUE(run_until(ioc_, [&] { return c->head_done || c->ended; })) << target;
    EXPECT_EQ(c->status, 101) << c->head << c->body;
    return c;
  }
  // One HTTP exchange on a fresh connection.
  HttpClient::Response http(const std::string& method, const std::string& target,
                            const std::string& body = "", const std::string& headers = "") {
    auto c = HttpClient::make(ioc_, port_);
    c->send(method, target, body, headers);
    EXPECT_TRUE(run_until(ioc_, [&] { return !c->responses.empty() || c->ended; })) << target;
    if (c->responses.empty()) return {};
    return c->responses.front();
  }
  std::string metrics() { return http("GET", "/metrics").body(); }
  bool wait_texts(RawWsClient& c, size_t n, int ms = 3000) {
    return run_until(
               ioc_, [&] { return c.texts().size() >= n || c.ended; }, ms) &&
           c.texts().size() >= n;
  }
  bool wait_close(RawWsClient& c, int ms = 3000) {
    return run_until(
               ioc_, [&] { return c.close_code() != -1 || c.ended; }, ms) &&
           c.close_code() != -1;
  }

  // Declared before the io_context: pending handlers destroyed with it may still call them.
  FakeExchange exchange_;
  FakeStreams streams_;
  FakeSimulator sim_;
  boost::asio::io_context ioc_;
  std::unique_ptr<ExchangeServer> server_;
  uint16_t port_ = 0;
};

// ---------------------------------------------------------------- HTTP

TEST_F(ExchangeServerTest, RestIsPassedThroughWithHeadersAndKeepAlive) {
  start();
  auto c = HttpClient::make(ioc_, port_);
  c->send("GET", "/api/v3/ping?x=1", "", "X-MBX-APIKEY: key123\r\n");
  c->send("POST", "/api/v3/order?symbol=ETHUSDC", "side=BUY&type=LIMIT",
          "X-MBX-APIKEY: key123\r\nContent-Type: application/x-www-form-urlencoded\r\n");
  ASSERT_TRUE(run_until(ioc_, [&] { return c->responses.size() == 2 || c->ended; }));
  ASSERT_EQ(exchange_.rest_calls.size(), 2u);
  const auto& get = exchange_.rest_calls[0];
  EXPECT_EQ(get.method, "GET");
  EXPECT_EQ(get.target, "/api/v3/ping?x=1");
  EXPECT_EQ(get.api_key, "key123");
  EXPECT_EQ(get.client_ip, "127.0.0.1");
  const auto& post = exchange_.rest_calls[1];
  EXPECT_EQ(post.method, "POST");
  EXPECT_EQ(post.body, "side=BUY&type=LIMIT");
  EXPECT_EQ(post.content_type, "application/x-www-form-urlencoded");
  auto& res = c->responses[1];
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res[boost::beast::http::field::content_type], "application/json");
  EXPECT_EQ(res["X-MBX-USED-WEIGHT-1M"], "1");
  EXPECT_TRUE(contains(res.body(), "/api/v3/order?symbol=ETHUSDC"));
  EXPECT_EQ(server_->connection_count(), 1u);  // one keep-alive connection
}

TEST_F(ExchangeServerTest, RestReplyStatusAndHeadersAreKept) {
  start();
  exchange_.rest_reply =
      HttpReplyOut{429, R"({"code":-1003,"msg":"Too many requests."})", {{"Retry-After", "7"}}};
  auto res = http("GET", "/api/v3/depth?symbol=ETHUSDC");
  EXPECT_EQ(res.result_int(), 429u);
  EXPECT_EQ(res["Retry-After"], "7");
  EXPECT_EQ(res.body(), R"({"code":-1003,"msg":"Too many requests."})");
}

TEST_F(ExchangeServerTest, UnknownPathIs404) {
  start();
  EXPECT_EQ(http("GET", "/nothing/here").result_int(), 404u);
  EXPECT_TRUE(exchange_.rest_calls.empty());
}

TEST_F(ExchangeServerTest, MalformedHttpIs400AndCounted) {
  start();
  auto c = HttpClient::make(ioc_, port_);
  c->request("GARBAGE\x01 / HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(run_until(ioc_, [&] { return !c->responses.empty() || c->ended; }));
  ASSERT_EQ(c->responses.size(), 1u);
  EXPECT_EQ(c->responses[0].result_int(), 400u);
  EXPECT_TRUE(contains(metrics(), "phoenix_exchange_server_rejections_total{reason=\"http_malformed\"} 1"));
}

TEST_F(ExchangeServerTest, OversizedHeaderIs431AndBodyIs413) {
  ServerOptions o;
  o.max_http_header_bytes = 1024;
  o.max_http_body_bytes = 2048;
  start(o);
  auto res = http("GET", "/api/v3/ping", "", "X-Big: " + std::string(4000, 'a') + "\r\n");
  EXPECT_EQ(res.result_int(), 431u);
  auto res2 = http("POST", "/api/v3/order", std::string(5000, 'b'));
  EXPECT_EQ(res2.result_int(), 413u);
  EXPECT_TRUE(exchange_.rest_calls.empty());
}

TEST_F(ExchangeServerTest, SlowRequestTimesOut) {
  ServerOptions o;
  o.http_timeout_ms = 200;
  start(o);
  auto c = HttpClient::make(ioc_, port_);
  c->request("GET /api/v3/ping HTTP/1.1\r\nHost: x\r\n");  // never finished
  run_for_ms(ioc_, 50);
  EXPECT_EQ(server_->connection_count(), 1u);
  ASSERT_TRUE(run_until(
      ioc_, [&] { return server_->connection_count() == 0; }, 2000));
  EXPECT_TRUE(contains(metrics(), "phoenix_exchange_server_rejections_total{reason=\"http_timeout\"} 1"));
}

TEST_F(ExchangeServerTest, ConnectionsAboveTheCapAreClosed) {
  ServerOptions o;
  o.max_connections = 2;
  start(o);
  auto a = connect("/ws/ethusdc@trade");
  auto b = connect("/ws-api/v3");
  auto third = RawWsClient::make(ioc_, port_);
  third->start("/ws/ethusdc@trade");
  ASSERT_TRUE(run_until(ioc_, [&] { return third->ended || third->head_done; }));
  EXPECT_FALSE(third->upgraded());
  EXPECT_TRUE(third->ended);
  a->send_close(1000);
  ASSERT_TRUE(run_until(ioc_, [&] { return server_->connection_count() == 1; }));
  EXPECT_TRUE(contains(metrics(), "phoenix_exchange_server_rejections_total{reason=\"max_connections\"} 1"));
}

TEST_F(ExchangeServerTest, MetricsPassPromtool) {
  start();
  auto ws = connect("/ws/ethusdc@bookTicker");
  streams_.publish("ethusdc@bookTicker", R"({"u":1})");
  ASSERT_TRUE(wait_texts(*ws, 1));
  (void)http("GET", "/api/v3/ping");
  auto res = http("GET", "/metrics");
  ASSERT_EQ(res.result_int(), 200u);
  EXPECT_TRUE(contains(res[boost::beast::http::field::content_type], "text/plain"));
  const std::string& text = res.body();
  EXPECT_TRUE(contains(text, "phoenix_exchange_server_connections{kind=\"market\"} 1"));
  EXPECT_TRUE(contains(text, "phoenix_exchange_fake_rest_requests_total 1"));
  EXPECT_TRUE(contains(text, "phoenix_exchange_stream_fake_ticks_total"));
  EXPECT_TRUE(contains(text, "phoenix_exchange_sim_fake_ticks_total"));
  EXPECT_TRUE(contains(text, "phoenix_exchange_server_messages_total{kind=\"market\",direction=\"out\"} 1"));
  std::string path = ::testing::TempDir() + "/phoenix_server_metrics.txt";
  {
    std::ofstream f(path);
    f << text;
  }
  int rc = std::system(("/usr/bin/promtool check metrics < " + path + " > " + path + ".out 2>&1").c_str());
  std::ifstream out(path + ".out");
  std::string report((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
  EXPECT_EQ(rc, 0) << report << "\n" << text;
}

TEST_F(ExchangeServerTest, TimersTickStreamsAndSimulator) {
  ServerOptions o;
  o.market_tick_ms = 5;
  start(o);
  run_for_ms(ioc_, 100);
  EXPECT_GE(streams_.ticks, 5);
  EXPECT_GE(sim_.ticks, 5);
  EXPECT_GT(streams_.last_tick_ms, 1'700'000'000'000);
}

// ---------------------------------------------------------------- market streams

TEST_F(ExchangeServerTest, RawAndCombinedPayloads) {
  start();
  auto raw = connect("/ws/ethusdc@bookTicker/ethusdc@trade");
  auto combined = connect("/stream?streams=ethusdc@bookTicker/solusdc@trade");
  auto encoded = connect("/stream?streams=ethusdc%40bookTicker%2Fsolusdc%40trade");
  auto raw_encoded = connect("/ws/ethusdc%40bookTicker");
  EXPECT_EQ(streams_.publish("ethusdc@bookTicker", R"({"u":7})"), 4);
  EXPECT_EQ(streams_.publish("solusdc@trade", R"({"e":"trade"})"), 2);
  ASSERT_TRUE(wait_texts(*raw, 1));
  ASSERT_TRUE(wait_texts(*combined, 2));
  ASSERT_TRUE(wait_texts(*encoded, 2));
  ASSERT_TRUE(wait_texts(*raw_encoded, 1));
  EXPECT_EQ(raw->texts(), (std::vector<std::string>{R"({"u":7})"}));
  EXPECT_EQ(combined->texts()[0], R"({"stream":"ethusdc@bookTicker","data":{"u":7}})");
  EXPECT_EQ(combined->texts()[1], R"({"stream":"solusdc@trade","data":{"e":"trade"}})");
  EXPECT_EQ(encoded->texts(), combined->texts());
  EXPECT_EQ(raw_encoded->texts(), raw->texts());
}

TEST_F(ExchangeServerTest, BadStreamOrPathRejectsTheHandshake) {
  start();
  auto bad = RawWsClient::make(ioc_, port_);
  bad->start("/ws/NOT-A-STREAM");
  ASSERT_TRUE(run_until(ioc_, [&] { return bad->head_done || bad->ended; }));
  EXPECT_EQ(bad->status, 400);
  auto nowhere = RawWsClient::make(ioc_, port_);
  nowhere->start("/elsewhere");
  ASSERT_TRUE(run_until(ioc_, [&] { return nowhere->head_done || nowhere->ended; }));
  EXPECT_EQ(nowhere->status, 404);
}

TEST_F(ExchangeServerTest, ControlMessagesAnswerAsBinance) {
  ServerOptions o;
  o.max_incoming_per_s = 100;
  start(o);
  auto c = connect("/ws");
  c->send_text(R"({"method":"SUBSCRIBE","params":["ethusdc@bookTicker","ethusdc@trade"],"id":1})");
  c->send_text(R"({"method":"LIST_SUBSCRIPTIONS","id":"abc"})");
  c->send_text(R"({"method":"UNSUBSCRIBE","params":["ethusdc@trade"],"id":312})");
  c->send_text(R"({"method":"LIST_SUBSCRIPTIONS","id":3})");
  c->send_text(R"({"method":"GET_PROPERTY","params":["combined"],"id":2})");
  c->send_text(R"({"method":"SET_PROPERTY","params":["combined",true],"id":5})");
  c->send_text(R"({"method":"GET_PROPERTY","params":["combined"],"id":6})");
  ASSERT_TRUE(wait_texts(*c, 7));
  auto t = c->texts();
  EXPECT_EQ(t[0], R"({"result":null,"id":1})");
  EXPECT_EQ(t[1], R"({"result":["ethusdc@bookTicker","ethusdc@trade"],"id":"abc"})");
  EXPECT_EQ(t[2], R"({"result":null,"id":312})");
  EXPECT_EQ(t[3], R"({"result":["ethusdc@bookTicker"],"id":3})");
  EXPECT_EQ(t[4], R"({"result":false,"id":2})");
  EXPECT_EQ(t[5], R"({"result":null,"id":5})");
  EXPECT_EQ(t[6], R"({"result":true,"id":6})");
  // combined is now on: payloads arrive wrapped.
  streams_.publish("ethusdc@bookTicker", R"({"u":1})");
  ASSERT_TRUE(wait_texts(*c, 8));
  EXPECT_EQ(c->texts()[7], R"({"stream":"ethusdc@bookTicker","data":{"u":1}})");
}

TEST_F(ExchangeServerTest, ControlMessageErrorsUseBinanceCodes) {
  ServerOptions o;
  o.max_incoming_per_s = 100;
  start(o);
  auto c = connect("/ws");
  c->send_text(R"({"method":"SUBSCRIBE","params":["ethusdc@bookTicker"],"id":1)");  // broken JSON
  c->send_text(R"({"method":"SET_PROPERTY","params":["colour",true],"id":2})");
  c->send_text(R"({"method":"SET_PROPERTY","params":["combined","yes"],"id":3})");
  c->send_text(R"({"method":"FLY","id":4})");
  c->send_text(R"({"params":[],"id":5})");
  c->send_text(R"({"method":"SUBSCRIBE","params":["ethusdc@trade"],"id":{"x":1}})");
  c->send_text(R"({"method":"SUBSCRIBE","params":["NOPE"],"id":7})");
  c->send_text(R"({"method":"GET_PROPERTY","params":[1],"id":8})");
  c->send_text(R"({"method":"SUBSCRIBE","params":["ethusdc@trade"],"id":"this-has-dashes"})");
  ASSERT_TRUE(wait_texts(*c, 9));
  auto t = c->texts();
  EXPECT_TRUE(t[0].starts_with(R"({"error":{"code":3,"msg":"Invalid JSON: )")) << t[0];
  EXPECT_EQ(t[1], R"({"error":{"code":0,"msg":"Unknown property"},"id":2})");
  EXPECT_EQ(t[2], R"({"error":{"code":1,"msg":"Invalid value type: expected Boolean"},"id":3})");
  EXPECT_TRUE(t[3].starts_with(R"({"error":{"code":2,"msg":"Invalid request: unknown variant `FLY`)"))
      << t[3];
  EXPECT_EQ(t[4], R"({"error":{"code":2,"msg":"Invalid request: missing field `method`"},"id":5})");
  EXPECT_EQ(
      t[5],
      R"({"error":{"code":2,"msg":"Invalid request: request ID must be an unsigned integer"},"id":null})");
  EXPECT_EQ(t[6], R"({"error":{"code":2,"msg":"Invalid request: unknown stream 'NOPE'"},"id":7})");
  EXPECT_EQ(t[7], R"({"error":{"code":2,"msg":"Invalid request: property name must be a string"},"id":8})");
  EXPECT_TRUE(t[8].starts_with(R"({"error":{"code":2,)")) << t[8];
  EXPECT_TRUE(streams_.subscriptions(nullptr).empty());
  std::string m = metrics();
  EXPECT_TRUE(contains(m, "phoenix_exchange_server_control_errors_total{code=\"3\"} 1"));
  EXPECT_TRUE(contains(m, "phoenix_exchange_server_control_errors_total{code=\"2\"} 6"));
}

TEST_F(ExchangeServerTest, StreamCapPerConnection) {
  ServerOptions o;
  o.max_streams_per_conn = 2;
  o.max_incoming_per_s = 100;
  start(o);
  auto too_many = RawWsClient::make(ioc_, port_);
  too_many->start("/stream?streams=a1@trade/a2@trade/a3@trade");
  ASSERT_TRUE(run_until(ioc_, [&] { return too_many->head_done || too_many->ended; }));
  EXPECT_EQ(too_many->status, 400);
  auto c = connect("/ws/a1@trade");
  c->send_text(R"({"method":"SUBSCRIBE","params":["a1@trade","a2@trade"],"id":1})");  // 2 in all: fine
  c->send_text(R"({"method":"SUBSCRIBE","params":["a3@trade"],"id":2})");
  ASSERT_TRUE(wait_texts(*c, 2));
  EXPECT_EQ(c->texts()[0], R"({"result":null,"id":1})");
  EXPECT_TRUE(contains(c->texts()[1], R"("code":2)")) << c->texts()[1];
  EXPECT_TRUE(contains(c->texts()[1], "too many streams")) << c->texts()[1];
}

TEST_F(ExchangeServerTest, MoreThanFiveMessagesASecondCloses1008) {
  start();  // default: 5 per second
  auto c = connect("/ws/ethusdc@trade");
  for (int i = 0; i < 5; ++i) c->send_text(R"({"method":"LIST_SUBSCRIPTIONS","id":1})");
  ASSERT_TRUE(wait_texts(*c, 5));
  EXPECT_EQ(c->close_code(), -1);
  c->send_text(R"({"method":"LIST_SUBSCRIPTIONS","id":1})");
  ASSERT_TRUE(wait_close(*c));
  EXPECT_EQ(c->close_code(), 1008);
  EXPECT_TRUE(contains(
      metrics(), R"(phoenix_exchange_server_ws_closes_total{code="1008",reason="Too many messages"} 1)"));
}

TEST_F(ExchangeServerTest, PingsAndPongsCountTowardsTheRate) {
  start();
  auto c = connect("/ws/ethusdc@trade");
  for (int i = 0; i < 3; ++i) c->send_ping("p");
  for (int i = 0; i < 3; ++i) c->send_pong("");
  ASSERT_TRUE(wait_close(*c));
  EXPECT_EQ(c->close_code(), 1008);
}

TEST_F(ExchangeServerTest, ApiConnectionsAreNotRateLimited) {
  start();
  auto c = connect("/ws-api/v3");
  for (int i = 0; i < 10; ++i) c->send_text(R"({"id":1,"method":"time"})");
  ASSERT_TRUE(wait_texts(*c, 10));
  EXPECT_EQ(c->close_code(), -1);
}

TEST_F(ExchangeServerTest, ServerPingsAndClosesWithoutPong) {
  ServerOptions o;
  o.ping_interval_ms = 50;
  o.pong_timeout_ms = 200;
  o.max_incoming_per_s = 100;
  start(o);
  auto silent = connect("/ws/ethusdc@trade");
  auto polite = connect("/ws/ethusdc@trade");
  polite->auto_pong = true;
  ASSERT_TRUE(wait_close(*silent, 2000));
  EXPECT_EQ(silent->close_code(), 1008);
  EXPECT_EQ(silent->close_reason(), "Pong timeout");
  EXPECT_GE(silent->count(9), 2);
  // Every ping carried a payload.
  for (const auto& f : silent->frames) {
    if (f.opcode == 9) {
      EXPECT_FALSE(f.payload.empty());
    }
  }
  run_for_ms(ioc_, 200);
  EXPECT_EQ(polite->close_code(), -1);
  EXPECT_GE(polite->count(9), 4);
  EXPECT_TRUE(contains(metrics(), "phoenix_exchange_server_pongs_received_total{match=\"true\"}"));
}

TEST_F(ExchangeServerTest, UnsolicitedPongsDoNotKeepTheConnection) {
  ServerOptions o;
  o.ping_interval_ms = 50;
  o.pong_timeout_ms = 200;
  o.max_incoming_per_s = 100;
  start(o);
  auto c = connect("/ws/ethusdc@trade");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1000);
  while (c->close_code() == -1 && std::chrono::steady_clock::now() < deadline) {
    c->send_pong("");
    run_for_ms(ioc_, 40);
  }
  EXPECT_EQ(c->close_code(), 1008);
}

TEST_F(ExchangeServerTest, ConnectionAttemptsPerIpAreLimited) {
  ServerOptions o;
  o.max_conn_attempts = 2;
  o.conn_attempt_window_ms = 60000;
  start(o);
  auto a = connect("/ws/ethusdc@trade");
  auto b = connect("/ws-api/v3");
  auto third = RawWsClient::make(ioc_, port_);
  third->start("/ws/ethusdc@trade");
  ASSERT_TRUE(run_until(ioc_, [&] { return third->head_done || third->ended; }));
  EXPECT_EQ(third->status, 429);
  int retry_after = std::stoi(third->header("Retry-After"));
  EXPECT_GE(retry_after, 59);
  EXPECT_LE(retry_after, 60);
  std::string m = metrics();
  EXPECT_TRUE(contains(m, "phoenix_exchange_server_rejections_total{reason=\"conn_attempts\"} 1"));
  EXPECT_TRUE(contains(m, "phoenix_exchange_server_ws_connection_attempts_total 3"));
}

TEST_F(ExchangeServerTest, LifetimeEndsWithServerShutdownThenClose) {
  ServerOptions o;
  o.max_lifetime_ms = 150;
  start(o);
  auto raw = connect("/ws/ethusdc@trade");
  auto combined = connect("/stream?streams=ethusdc@trade");
  auto api = connect("/ws-api/v3");
  for (auto* c : {raw.get(), combined.get(), api.get()}) {
    ASSERT_TRUE(wait_close(*c));
    EXPECT_EQ(c->close_code(), 1001);
    ASSERT_EQ(c->texts().size(), 1u);
  }
  EXPECT_TRUE(raw->texts()[0].starts_with(R"({"e":"serverShutdown","E":)")) << raw->texts()[0];
  EXPECT_TRUE(
      combined->texts()[0].starts_with(R"({"stream":"!serverShutdown","data":{"e":"serverShutdown","E":)"))
      << combined->texts()[0];
  EXPECT_TRUE(api->texts()[0].starts_with(R"({"event":{"e":"serverShutdown","E":)")) << api->texts()[0];
  EXPECT_TRUE(run_until(ioc_, [&] { return server_->connection_count() == 0; }));
  EXPECT_EQ(exchange_.closed_sessions.size(), 1u);
  EXPECT_EQ(streams_.subscriber_count(), 0u);
}

TEST_F(ExchangeServerTest, StopSendsServerShutdownAndClosesEverything) {
  start();
  auto market = connect("/ws/ethusdc@trade");
  auto api = connect("/ws-api/v3");
  auto idle = HttpClient::make(ioc_, port_);
  idle->send("GET", "/api/v3/ping");
  ASSERT_TRUE(run_until(ioc_, [&] { return !idle->responses.empty(); }));
  server_->stop();
  ASSERT_TRUE(wait_close(*market));
  ASSERT_TRUE(wait_close(*api));
  EXPECT_EQ(market->close_code(), 1001);
  EXPECT_EQ(api->close_code(), 1001);
  EXPECT_TRUE(market->texts()[0].starts_with(R"({"e":"serverShutdown")"));
  EXPECT_TRUE(api->texts()[0].starts_with(R"({"event":{"e":"serverShutdown")"));
  EXPECT_TRUE(run_until(ioc_, [&] { return server_->connection_count() == 0; }));
  // Nothing is left for the loop: run() returns.
  market.reset();
  api.reset();
  idle->close();
  ioc_.restart();
  auto t0 = std::chrono::steady_clock::now();
  ioc_.run_for(std::chrono::seconds(5));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(4));
}

TEST_F(ExchangeServerTest, WsApiMessagesReachTheExchange) {
  start();
  auto c = connect("/ws-api/v3");
  c->send_text(R"({"id":"a","method":"time"})");
  ASSERT_TRUE(wait_texts(*c, 1));
  EXPECT_EQ(c->texts()[0], R"({"echo":{"id":"a","method":"time"}})");
  ASSERT_EQ(exchange_.open_ips.size(), 1u);
  EXPECT_EQ(exchange_.open_ips[0], "127.0.0.1");
  exchange_.push_all(R"({"subscriptionId":0,"event":{"e":"executionReport"}})");
  ASSERT_TRUE(wait_texts(*c, 2));
  EXPECT_EQ(c->texts()[1], R"({"subscriptionId":0,"event":{"e":"executionReport"}})");
  c->send_close(1000);
  ASSERT_TRUE(run_until(ioc_, [&] { return exchange_.closed_sessions.size() == 1; }));
  EXPECT_TRUE(
      contains(metrics(), R"(phoenix_exchange_server_ws_closes_total{code="1000",reason="client"} 1)"));
}

TEST_F(ExchangeServerTest, OversizedMessageCloses1009) {
  ServerOptions o;
  o.max_ws_message_bytes = 1024;
  start(o);
  auto c = connect("/ws-api/v3");
  c->send_text(std::string(4000, 'x'));
  ASSERT_TRUE(wait_close(*c));
  EXPECT_EQ(c->close_code(), 1009);
  EXPECT_TRUE(exchange_.ws_messages.empty());
}

TEST_F(ExchangeServerTest, BadFrameIsAProtocolErrorNotACrash) {
  start();
  auto c = connect("/ws-api/v3");
  c->write_raw(std::string("\x83\x80\x00\x00\x00\x00", 6));  // reserved opcode 3
  ASSERT_TRUE(wait_close(*c));
  EXPECT_EQ(c->close_code(), 1002);
  auto d = connect("/ws-api/v3");
  d->send_text("\xff\xfe not utf-8");
  ASSERT_TRUE(wait_close(*d));
  EXPECT_EQ(d->close_code(), 1007);
  std::string m = metrics();
  EXPECT_TRUE(
      contains(m, R"(phoenix_exchange_server_ws_closes_total{code="1002",reason="protocol error"} 1)"))
      << m;
  EXPECT_TRUE(
      contains(m, R"(phoenix_exchange_server_ws_closes_total{code="1007",reason="invalid payload"} 1)"))
      << m;
}

TEST_F(ExchangeServerTest, SlowConsumerIsClosedAndQueueBounded) {
  ServerOptions o;
  o.max_ws_queue_messages = 10;
  start(o);
  auto c = connect("/ws/ethusdc@trade");
  for (int i = 0; i < 100; ++i) streams_.publish("ethusdc@trade", R"({"e":"trade"})");
  ASSERT_TRUE(wait_close(*c));
  EXPECT_EQ(c->close_code(), 1008);
  EXPECT_EQ(c->close_reason(), "Slow consumer");
  EXPECT_LE(c->texts().size(), 11u);
  EXPECT_TRUE(contains(metrics(), "phoenix_exchange_server_slow_consumer_closes_total 1"));
}

// ---------------------------------------------------------------- admin faults

TEST_F(ExchangeServerTest, AdminDropCloseAndReset) {
  start();
  auto market = connect("/ws/ethusdc@trade");
  auto api = connect("/ws-api/v3");
  auto res = http("POST", "/admin/drop?conn=market&mode=close");
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), R"({"ok":true,"dropped":1})");
  ASSERT_TRUE(wait_close(*market));
  EXPECT_EQ(market->close_code(), 1001);
  run_for_ms(ioc_, 50);
  EXPECT_EQ(api->close_code(), -1);
  EXPECT_FALSE(api->ended);
  EXPECT_EQ(http("POST", "/admin/drop?conn=api&mode=reset").result_int(), 200u);
  ASSERT_TRUE(run_until(ioc_, [&] { return api->ended; }));
  EXPECT_EQ(api->close_code(), -1);  // no close frame
  EXPECT_EQ(api->error, boost::asio::error::connection_reset);
  std::string m = metrics();
  EXPECT_TRUE(contains(m, R"(phoenix_exchange_faults_injected_total{kind="drop"} 2)"));
}

TEST_F(ExchangeServerTest, AdminStallDelayRejectOrdersDepthFault) {
  start();
  EXPECT_EQ(http("POST", "/admin/stall?symbol=ethusdc&ms=500").result_int(), 200u);
  EXPECT_EQ(http("POST", "/admin/stall?ms=100").result_int(), 200u);
  ASSERT_EQ(streams_.stalls.size(), 2u);
  EXPECT_EQ(streams_.stalls[0].first, "ETHUSDC");
  int64_t now_ms = core::RealClock::instance().wall_ms();
  EXPECT_NEAR(static_cast<double>(streams_.stalls[0].second), static_cast<double>(now_ms + 500), 1000.0);
  EXPECT_EQ(streams_.stalls[1].first, "");

  EXPECT_EQ(http("POST", "/admin/reject?count=3&code=-2010").result_int(), 200u);
  ASSERT_EQ(exchange_.rejects.size(), 1u);
  EXPECT_EQ(exchange_.rejects[0], std::make_pair(3, -2010));
  EXPECT_EQ(exchange_.reject_statuses[0], 400);
  EXPECT_EQ(http("POST", "/admin/reject?count=2&code=-1015").result_int(), 200u);  // 429 by default
  EXPECT_EQ(http("POST", "/admin/reject?count=1&code=-2010&status=503").result_int(), 200u);
  EXPECT_EQ(http("POST", "/admin/reject?count=1&code=-2010&status=200").result_int(), 400u);
  ASSERT_EQ(exchange_.reject_statuses.size(), 3u);
  EXPECT_EQ(exchange_.reject_statuses[1], 429);
  EXPECT_EQ(exchange_.reject_statuses[2], 503);

  EXPECT_EQ(http("POST", "/admin/deposit?account=demo&asset=USDC&amount=250.5").result_int(), 200u);
  EXPECT_EQ(exchange_.deposits, (std::vector<std::string>{"demo USDC 250.5"}));
  auto no_such = http("POST", "/admin/deposit?account=nobody&asset=USDC&amount=1");
  EXPECT_EQ(no_such.result_int(), 400u);
  EXPECT_TRUE(contains(no_such.body(), R"("param":"account")")) << no_such.body();
  EXPECT_EQ(http("POST", "/admin/deposit?account=demo&asset=USDC").result_int(), 400u);

  auto orders = http("GET", "/admin/orders?symbol=SOLUSDC");
  EXPECT_EQ(orders.result_int(), 200u);
  EXPECT_EQ(orders.body(), R"([{"account":"demo","symbol":"SOLUSDC","orderId":1}])");
  EXPECT_EQ(http("GET", "/admin/orders").result_int(), 200u);
  EXPECT_EQ(exchange_.orders_queries, (std::vector<std::string>{"SOLUSDC", ""}));

  EXPECT_EQ(http("POST", "/admin/depth_fault?symbol=ETHUSDC&kind=gap").result_int(), 200u);
  EXPECT_EQ(http("POST", "/admin/depth_fault?symbol=ETHUSDC&kind=reorder").result_int(), 200u);
  EXPECT_EQ(http("POST", "/admin/depth_fault?symbol=ETHUSDC&kind=duplicate").result_int(), 200u);
  ASSERT_EQ(streams_.depth_faults.size(), 3u);
  EXPECT_EQ(streams_.depth_faults[0].second, DepthFault::kGap);
  EXPECT_EQ(streams_.depth_faults[1].second, DepthFault::kReorder);
  EXPECT_EQ(streams_.depth_faults[2].second, DepthFault::kDuplicate);

  std::string m = metrics();
  EXPECT_TRUE(contains(m, R"(phoenix_exchange_faults_injected_total{kind="stall"} 2)"));
  EXPECT_TRUE(contains(m, R"(phoenix_exchange_faults_injected_total{kind="reject"} 3)"));
  EXPECT_TRUE(contains(m, R"(phoenix_exchange_faults_injected_total{kind="depth_fault"} 3)"));
}

TEST_F(ExchangeServerTest, AdminDelayDelaysEveryMessage) {
  start();
  auto c = connect("/ws/ethusdc@trade");
  EXPECT_EQ(http("POST", "/admin/delay?ms=300").result_int(), 200u);
  auto t0 = std::chrono::steady_clock::now();
  streams_.publish("ethusdc@trade", R"({"e":"trade"})");
  ASSERT_TRUE(wait_texts(*c, 1));
  auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(waited, std::chrono::milliseconds(280));
  // REST answers are delayed too.
  t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(http("GET", "/api/v3/ping").result_int(), 200u);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(280));
  EXPECT_EQ(http("POST", "/admin/delay?ms=0").result_int(), 200u);
  t0 = std::chrono::steady_clock::now();
  streams_.publish("ethusdc@trade", R"({"e":"trade"})");
  ASSERT_TRUE(wait_texts(*c, 2));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(280));
}

TEST_F(ExchangeServerTest, AdminAcceptClose) {
  start();
  EXPECT_EQ(http("POST", "/admin/accept_close?seconds=1").result_int(), 200u);
  auto c = connect("/ws/ethusdc@trade");
  ASSERT_TRUE(wait_close(*c));
  EXPECT_EQ(c->close_code(), 1001);
  EXPECT_EQ(http("POST", "/admin/accept_close?seconds=0").result_int(), 200u);
  auto d = connect("/ws/ethusdc@trade");
  run_for_ms(ioc_, 100);
  EXPECT_EQ(d->close_code(), -1);
}

TEST_F(ExchangeServerTest, AdminHandshakeStatus) {
  start();
  EXPECT_EQ(http("POST", "/admin/handshake?status=503&count=2&retry_after=7").result_int(), 200u);
  for (int i = 0; i < 2; ++i) {
    auto c = RawWsClient::make(ioc_, port_);
    c->start("/ws/ethusdc@trade");
    ASSERT_TRUE(run_until(ioc_, [&] { return c->head_done || c->ended; }));
    EXPECT_EQ(c->status, 503);
    EXPECT_EQ(c->header("Retry-After"), "7");
  }
  auto ok = connect("/ws/ethusdc@trade");
  EXPECT_EQ(http("POST", "/admin/handshake?status=429&count=1").result_int(), 200u);
  auto c = RawWsClient::make(ioc_, port_);
  c->start("/ws-api/v3");
  ASSERT_TRUE(run_until(ioc_, [&] { return c->head_done || c->ended; }));
  EXPECT_EQ(c->status, 429);
}

TEST_F(ExchangeServerTest, AdminRestFault5xxAndTimeout) {
  ServerOptions o;
  o.rest_timeout_hold_ms = 300;
  start(o);
  EXPECT_EQ(http("POST", "/admin/rest_fault?mode=5xx&count=2").result_int(), 200u);
  EXPECT_EQ(http("GET", "/api/v3/ping").result_int(), 503u);
  EXPECT_EQ(http("GET", "/api/v3/time").result_int(), 503u);
  EXPECT_EQ(http("GET", "/api/v3/ping").result_int(), 200u);
  EXPECT_EQ(exchange_.rest_calls.size(), 1u);
  EXPECT_EQ(http("POST", "/admin/rest_fault?mode=5xx&count=1&status=500").result_int(), 200u);
  EXPECT_EQ(http("GET", "/api/v3/ping").result_int(), 500u);

  EXPECT_EQ(http("POST", "/admin/rest_fault?mode=timeout&count=1").result_int(), 200u);
  auto held = HttpClient::make(ioc_, port_);
  held->send("GET", "/api/v3/ping");
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until(
      ioc_, [&] { return held->ended || !held->responses.empty(); }, 3000));
  EXPECT_TRUE(held->responses.empty());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(250));
  // A client that gives up first frees the connection at once.
  EXPECT_EQ(http("POST", "/admin/rest_fault?mode=timeout&count=1").result_int(), 200u);
  auto quitter = HttpClient::make(ioc_, port_);
  quitter->send("GET", "/api/v3/ping");
  run_for_ms(ioc_, 50);
  size_t before = server_->connection_count();
  quitter->close();
  ASSERT_TRUE(run_until(
      ioc_, [&] { return server_->connection_count() < before; }, 1000));
  EXPECT_EQ(http("GET", "/api/v3/ping").result_int(), 200u);
}

TEST_F(ExchangeServerTest, AdminMalformedReachesMarketConnections) {
  start();
  auto market = connect("/ws/ethusdc@trade");
  auto api = connect("/ws-api/v3");
  auto res = http("POST", "/admin/malformed?count=3");
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), R"({"ok":true,"connections":1})");
  ASSERT_TRUE(wait_texts(*market, 3));
  for (const auto& t : market->texts())
    EXPECT_FALSE(t.ends_with("}") && t.starts_with("{\"u\":1,\"s\"")) << t;
  EXPECT_EQ(market->texts()[1], "not json at all");
  run_for_ms(ioc_, 30);
  EXPECT_TRUE(api->texts().empty());
}

TEST_F(ExchangeServerTest, AdminBadParametersAre400NamingTheParameter) {
  start();
  auto r1 = http("POST", "/admin/delay?ms=soon");
  EXPECT_EQ(r1.result_int(), 400u);
  EXPECT_TRUE(contains(r1.body(), R"("param":"ms")")) << r1.body();
  auto r2 = http("POST", "/admin/drop?conn=everyone");
  EXPECT_EQ(r2.result_int(), 400u);
  EXPECT_TRUE(contains(r2.body(), R"("param":"conn")")) << r2.body();
  auto r3 = http("POST", "/admin/handshake?status=200&count=1");
  EXPECT_TRUE(contains(r3.body(), R"("param":"status")")) << r3.body();
  auto r4 = http("POST", "/admin/stall?symbol=ETHUSDC&ms=10&extra=1");
  EXPECT_TRUE(contains(r4.body(), R"("param":"extra")")) << r4.body();
  auto r5 = http("POST", "/admin/depth_fault?kind=gap");
  EXPECT_TRUE(contains(r5.body(), R"("param":"symbol")")) << r5.body();
  EXPECT_EQ(http("GET", "/admin/delay?ms=1").result_int(), 405u);
  EXPECT_EQ(http("POST", "/admin/nothing").result_int(), 404u);
  EXPECT_EQ(streams_.stalls.size(), 0u);
}

// The first non-loopback IPv4 address of this machine, "" when there is none.
std::string non_loopback_ipv4() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  std::string found;
  for (ifaddrs* a = list; a != nullptr && found.empty(); a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    char buf[INET_ADDRSTRLEN];
    const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
    if (inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf) == nullptr) continue;
    if (std::string_view(buf).starts_with("127.")) continue;
    found = buf;
  }
  freeifaddrs(list);
  return found;
}

TEST_F(ExchangeServerTest, AdminAnswersLoopbackClientsOnly) {
  std::string address = non_loopback_ipv4();
  if (address.empty()) GTEST_SKIP() << "no non-loopback IPv4 address";
  start({}, "0.0.0.0");
  auto c = HttpClient::make(ioc_, port_, address);
  c->send("POST", "/admin/delay?ms=100");
  c->send("GET", "/api/v3/ping");
  ASSERT_TRUE(run_until(ioc_, [&] { return c->responses.size() == 2 || c->ended; }));
  ASSERT_EQ(c->responses.size(), 2u);
  EXPECT_EQ(c->responses[0].result_int(), 403u);
  EXPECT_EQ(c->responses[1].result_int(), 200u);
  EXPECT_EQ(exchange_.rest_calls.at(0).client_ip, address);
  c->close();
  EXPECT_EQ(http("POST", "/admin/delay?ms=0").result_int(), 200u);  // loopback: fine
}

TEST_F(ExchangeServerTest, AdminCanBeDisabled) {
  ServerOptions o;
  o.admin = false;
  start(o);
  EXPECT_EQ(http("POST", "/admin/delay?ms=1").result_int(), 404u);
}

TEST_F(ExchangeServerTest, FaultsFromOptionsAreActiveAtStart) {
  ServerOptions o;
  o.faults.handshake_status = 429;
  o.faults.handshake_count = 1;
  o.faults.handshake_retry_after_s = 3;
  o.faults.rest_mode = "5xx";
  o.faults.rest_count = 1;
  o.faults.reject_count = 2;
  o.faults.reject_code = -1013;
  o.faults.stall_ms = 100;
  start(o);
  auto c = RawWsClient::make(ioc_, port_);
  c->start("/ws/ethusdc@trade");
  ASSERT_TRUE(run_until(ioc_, [&] { return c->head_done || c->ended; }));
  EXPECT_EQ(c->status, 429);
  EXPECT_EQ(c->header("Retry-After"), "3");
  EXPECT_EQ(http("GET", "/api/v3/ping").result_int(), 503u);
  EXPECT_EQ(http("GET", "/api/v3/ping").result_int(), 200u);
  ASSERT_EQ(exchange_.rejects.size(), 1u);
  EXPECT_EQ(exchange_.rejects[0], std::make_pair(2, -1013));
  ASSERT_EQ(streams_.stalls.size(), 1u);
  EXPECT_TRUE(contains(metrics(), R"(phoenix_exchange_faults_injected_total{kind="handshake"} 1)"));
}

// ---------------------------------------------------------------- permessage-deflate, third-party client

// Runs python3-websockets (Debian) against the server: connects to a combined stream with
// the given extension settings, prints the negotiated Sec-WebSocket-Extensions, sends a
// SUBSCRIBE (compressed when deflate is on), and prints the first messages it receives.
constexpr const char* kPythonClient = R"PY(
import asyncio, json, sys
import websockets
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

port, mode = sys.argv[1], sys.argv[2]

async def main():
    kwargs = {}
    if mode == 'none':
        kwargs['compression'] = None
    elif mode == 'default':
        kwargs['compression'] = 'deflate'
    elif mode == 'server_no_context':
        kwargs['extensions'] = [ClientPerMessageDeflateFactory(server_no_context_takeover=True)]
        kwargs['compression'] = None
    url = 'ws://127.0.0.1:%s/stream?streams=ethusdc@bookTicker' % port
    async with websockets.connect(url, ping_interval=None, **kwargs) as ws:
        print('EXT=' + str(ws.response_headers.get('Sec-WebSocket-Extensions')))
        await ws.send(json.dumps({'method': 'SUBSCRIBE', 'params': ['ethusdc@trade'], 'id': 1}))
        got = []
        while len(got) < 6:
            got.append(json.loads(await asyncio.wait_for(ws.recv(), 5)))
        print('MSGS=' + json.dumps(got))
        print('DONE')

asyncio.run(main())
)PY";

struct PythonRun {
  int rc = -1;
  std::string out;
};

class DeflateInteropTest : public ExchangeServerTest {
 protected:
  PythonRun run_python(const std::string& mode) {
    std::string script = ::testing::TempDir() + "/phoenix_ws_client.py";
    {
      std::ofstream f(script);
      f << kPythonClient;
    }
    std::atomic<bool> done{false};
    PythonRun result;
    std::string cmd =
        "timeout 20 /usr/bin/python3 " + script + " " + std::to_string(port_) + " " + mode + " 2>&1";
    std::thread t([&] {
      FILE* p = popen(cmd.c_str(), "r");
      if (p != nullptr) {
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, p)) > 0) result.out.append(buf, n);
        int status = pclose(p);
        result.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      done = true;
    });
    // Publish a stream message every 20 ms while the client runs.
    int seq = 0;
    while (!done) {
      run_for_ms(ioc_, 20);
      ++seq;
      streams_.publish("ethusdc@bookTicker",
                       R"({"u":)" + std::to_string(seq) +
                           R"(,"s":"ETHUSDC","b":"3000.10","B":"1.5","a":"3000.20","A":"2.5"})");
    }
    t.join();
    return result;
  }
  std::string ext_of(const std::string& out) {
    size_t p = out.find("EXT=");
    if (p == std::string::npos) return "<missing>";
    return out.substr(p + 4, out.find('\n', p) - p - 4);
  }
  void expect_messages(const PythonRun& r) {
    EXPECT_EQ(r.rc, 0) << r.out;
    EXPECT_TRUE(contains(r.out, R"({"result": null, "id": 1})")) << r.out;
    EXPECT_TRUE(contains(r.out, R"({"stream": "ethusdc@bookTicker", "data": {"u": )")) << r.out;
    EXPECT_TRUE(contains(r.out, "DONE")) << r.out;
  }
};

TEST_F(DeflateInteropTest, OffNegotiatesNothing) {
  ServerOptions o;
  o.deflate = ServerDeflate::kOff;
  start(o);
  auto r = run_python("default");
  EXPECT_EQ(ext_of(r.out), "None") << r.out;
  expect_messages(r);
}

TEST_F(DeflateInteropTest, HonourKeepsContextAndStatesWindowBits) {
  ServerOptions o;
  o.deflate = ServerDeflate::kHonour;
  start(o);
  auto r = run_python("default");
  EXPECT_EQ(ext_of(r.out), "permessage-deflate; server_max_window_bits=15") << r.out;
  expect_messages(r);
  EXPECT_TRUE(contains(metrics(), "phoenix_exchange_server_deflate_connections_total 1"));
}

TEST_F(DeflateInteropTest, HonourGrantsServerNoContextTakeoverWhenAsked) {
  ServerOptions o;
  o.deflate = ServerDeflate::kHonour;
  start(o);
  auto r = run_python("server_no_context");
  EXPECT_EQ(ext_of(r.out), "permessage-deflate; server_no_context_takeover; server_max_window_bits=15")
      << r.out;
  expect_messages(r);
}

TEST_F(DeflateInteropTest, NoContextIsForced) {
  ServerOptions o;
  o.deflate = ServerDeflate::kNoContext;
  start(o);
  auto r = run_python("default");
  EXPECT_EQ(
      ext_of(r.out),
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=15")
      << r.out;
  expect_messages(r);
}

TEST_F(DeflateInteropTest, ClientWithoutDeflateStillWorks) {
  start();
  auto r = run_python("none");
  EXPECT_EQ(ext_of(r.out), "None") << r.out;
  expect_messages(r);
}

// Inflates one permessage-deflate payload (RFC 7692: append 00 00 ff ff) with `z`;
// nullopt when the data does not inflate.
std::optional<std::string> inflate_message(z_stream* z, const std::string& payload) {
  std::string in = payload + std::string("\x00\x00\xff\xff", 4);
  std::string out(64 * 1024, '\0');
  z->next_in = reinterpret_cast<Bytef*>(in.data());
  z->avail_in = static_cast<uInt>(in.size());
  z->next_out = reinterpret_cast<Bytef*>(out.data());
  z->avail_out = static_cast<uInt>(out.size());
  int rc = inflate(z, Z_SYNC_FLUSH);
  if (rc != Z_OK && rc != Z_BUF_ERROR) return std::nullopt;
  if (z->avail_in != 0) return std::nullopt;
  out.resize(out.size() - z->avail_out);
  return out;
}

class DeflateStateTest : public ExchangeServerTest {
 protected:
  // Publishes the same message three times to a raw client that offered deflate; returns
  // the compressed frames.
  std::vector<RawWsClient::Frame> compressed_frames(const std::string& text) {
    auto c = connect("/ws/ethusdc@bookTicker",
                     "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n");
    for (int i = 0; i < 3; ++i) streams_.publish("ethusdc@bookTicker", text);
    EXPECT_TRUE(wait_texts(*c, 3));
    extension_ = c->header("Sec-WebSocket-Extensions");
    return c->frames;
  }
  std::string extension_;
  const std::string text_ =
      R"({"u":400900217,"s":"ETHUSDC","b":"3000.10000000","B":"31.21000000","a":"3000.20000000","A":"40.66000000"})";
};

TEST_F(DeflateStateTest, NoContextMessagesInflateAlone) {
  ServerOptions o;
  o.deflate = ServerDeflate::kNoContext;
  start(o);
  auto frames = compressed_frames(text_);
  EXPECT_EQ(extension_,
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
            "server_max_window_bits=15");
  ASSERT_EQ(frames.size(), 3u);
  for (const auto& f : frames) {
    EXPECT_TRUE(f.rsv1);
    z_stream z{};
    ASSERT_EQ(inflateInit2(&z, -15), Z_OK);
    auto out = inflate_message(&z, f.payload);
    inflateEnd(&z);
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(*out, text_);
  }
}

TEST_F(DeflateStateTest, HonourKeepsTheContextAndWireBytesShrink) {
  ServerOptions o;
  o.deflate = ServerDeflate::kHonour;
  start(o);
  auto frames = compressed_frames(text_);
  EXPECT_EQ(extension_, "permessage-deflate; server_max_window_bits=15");
  ASSERT_EQ(frames.size(), 3u);
  // One inflater across messages: all decode.
  z_stream z{};
  ASSERT_EQ(inflateInit2(&z, -15), Z_OK);
  for (const auto& f : frames) {
    EXPECT_TRUE(f.rsv1);
    auto out = inflate_message(&z, f.payload);
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(*out, text_);
  }
  inflateEnd(&z);
  // The repeats refer back to the first message: much smaller, and not decodable alone.
  EXPECT_LT(frames[2].payload.size(), frames[0].payload.size() / 2);
  z_stream fresh{};
  ASSERT_EQ(inflateInit2(&fresh, -15), Z_OK);
  auto alone = inflate_message(&fresh, frames[2].payload);
  inflateEnd(&fresh);
  EXPECT_TRUE(!alone.has_value() || *alone != text_);
  // Wire bytes out (compressed) are below payload bytes out.
  std::string m = metrics();
  auto value = [&](const std::string& name) {
    size_t p = m.find(name + " ");
    return p == std::string::npos ? -1 : std::stoll(m.substr(p + name.size() + 1));
  };
  int64_t payload = value(R"(phoenix_exchange_server_payload_bytes_total{kind="market",direction="out"})");
  int64_t wire = value(R"(phoenix_exchange_server_ws_wire_bytes_total{kind="market",direction="out"})");
  EXPECT_GT(payload, 0);
  EXPECT_GT(wire, 0);
  EXPECT_LT(wire, payload + 200);  // 200: the 101 answer's bytes
}

TEST(ExchangeServerStartTest, PortInUseIsAnError) {
  FakeExchange exchange;
  FakeStreams streams;
  boost::asio::io_context ioc;
  ServerOptions o;
  o.port = 0;
  auto first = ExchangeServer::start(ioc, o, exchange, streams, nullptr, core::RealClock::instance());
  ASSERT_TRUE(first.ok());
  o.port = first.value()->port();
  auto second = ExchangeServer::start(ioc, o, exchange, streams, nullptr, core::RealClock::instance());
  EXPECT_FALSE(second.ok());
  o.host = "not-an-address";
  o.port = 0;
  EXPECT_FALSE(ExchangeServer::start(ioc, o, exchange, streams, nullptr, core::RealClock::instance()).ok());
  first.value()->stop();
  ioc.run_for(std::chrono::milliseconds(100));
}

}  // namespace
}  // namespace phoenix::sim
