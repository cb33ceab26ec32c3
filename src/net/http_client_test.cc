// HttpClient: GET, keep-alive, queueing, timeouts, limits, errors, options.
#include "net/http_client.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "net/testing/http_test_server.h"

namespace phoenix::net {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;
using testing::closed_port;
using testing::HttpClientTest;
using testing::Reply;
using testing::Request;
using testing::TestServer;
namespace asio = boost::asio;
namespace http = boost::beast::http;

TEST_F(HttpClientTest, GetReturnsBodyAndHeaders) {
  TestServer server([](const Request&) {
    Reply r;
    r.body = R"({"lastUpdateId":1,"bids":[],"asks":[]})";
    r.headers = {{"X-MBX-USED-WEIGHT-1M", "7"}, {"x-mbx-used-weight", "7"}, {"X-Other", "x"}};
    return r;
  });
  auto client = make_client(server.port());
  const auto r = run_get(*client, "/api/v3/depth?symbol=ETHUSDC&limit=1000");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->body, R"({"lastUpdateId":1,"bids":[],"asks":[]})");
  EXPECT_EQ(r->content_type, "application/json");
  EXPECT_EQ(r->used_weight_1m, 7);
  EXPECT_FALSE(r->retry_after_s.has_value());
  EXPECT_EQ(r->rate_limit_headers.size(), 2u);
  EXPECT_FALSE(r->connection_reused);
  const Request req = server.last_request();
  EXPECT_EQ(req.method(), http::verb::get);
  EXPECT_EQ(req.target(), "/api/v3/depth?symbol=ETHUSDC&limit=1000");
  EXPECT_EQ(req[http::field::host], "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_TRUE(req.keep_alive());
}

TEST_F(HttpClientTest, ExtraRequestHeadersAreSent) {
  TestServer server([](const Request&) { return Reply{}; });
  auto client = make_client(server.port());
  std::optional<core::Result<HttpResponse>> result;
  client->get("/api/v3/account", {{"X-MBX-APIKEY", "key123"}},
              [&](core::Result<HttpResponse> r) { result.emplace(std::move(r)); });
  while (!result && io_.run_one_for(10s) > 0) {
  }
  ASSERT_TRUE(result && result->ok());
  EXPECT_EQ(server.last_request()["X-MBX-APIKEY"], "key123");
}

TEST_F(HttpClientTest, KeepAliveReusesTheConnection) {
  TestServer server([](const Request& req) {
    Reply r;
    r.body = std::string(req.target());
    return r;
  });
  auto client = make_client(server.port());
  for (int i = 0; i < 3; ++i) {
    const auto r = run_get(*client, "/n/" + std::to_string(i));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->body, "/n/" + std::to_string(i));
    EXPECT_EQ(r->connection_reused, i > 0);
  }
  EXPECT_EQ(server.accepts(), 1);
  EXPECT_EQ(client->stats().connects, 1u);
  EXPECT_EQ(client->stats().reuses, 2u);
}

TEST_F(HttpClientTest, QueuedRequestsRunOneAtATimeInOrder) {
  TestServer server([](const Request& req) {
    Reply r;
    r.body = std::string(req.target());
    return r;
  });
  auto client = make_client(server.port());
  std::vector<std::string> bodies;
  for (int i = 0; i < 4; ++i) {
    client->get("/q/" + std::to_string(i), [&](core::Result<HttpResponse> r) {
      ASSERT_TRUE(r.ok()) << r.error().to_string();
      bodies.push_back(r->body);
    });
  }
  EXPECT_TRUE(client->busy());
  EXPECT_EQ(client->queued(), 3u);
  while (bodies.size() < 4 && io_.run_one_for(10s) > 0) {
  }
  EXPECT_EQ(bodies, (std::vector<std::string>{"/q/0", "/q/1", "/q/2", "/q/3"}));
  EXPECT_EQ(server.accepts(), 1);
  EXPECT_FALSE(client->busy());
}

TEST_F(HttpClientTest, ConnectionCloseFromServerIsHonoured) {
  TestServer server([](const Request&) {
    Reply r;
    r.then = Reply::Then::kClose;
    return r;
  });
  auto client = make_client(server.port());
  ASSERT_TRUE(run_get(*client, "/a").ok());
  const auto r = run_get(*client, "/b");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_FALSE(r->connection_reused);
  EXPECT_EQ(server.accepts(), 2);
  EXPECT_EQ(client->stats().retries, 0u);
}

TEST_F(HttpClientTest, StaleKeepAliveConnectionIsRetriedOnce) {
  TestServer server([](const Request&) {
    Reply r;
    r.then = Reply::Then::kDropSilently;  // like a server's idle timeout between requests
    return r;
  });
  auto client = make_client(server.port());
  ASSERT_TRUE(run_get(*client, "/a").ok());
  std::this_thread::sleep_for(50ms);  // the server's close reaches us first
  const auto r = run_get(*client, "/b");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(server.accepts(), 2);
  EXPECT_EQ(server.requests(), 2);
  EXPECT_EQ(client->stats().retries, 1u);
}

TEST_F(HttpClientTest, SendPostsAFormBody) {
  TestServer server([](const Request& req) {
    Reply r;
    r.body = std::string(req.method_string()) + " " + req.body();
    return r;
  });
  auto client = make_client(server.port());
  std::optional<core::Result<HttpResponse>> result;
  client->send(HttpMethod::kPost, "/api/v3/order", {{"X-MBX-APIKEY", "k"}}, "symbol=ETHUSDC&side=BUY",
               [&](core::Result<HttpResponse> r) { result.emplace(std::move(r)); });
  io_.restart();
  while (!result && io_.run_one_for(10s) > 0) {
  }
  ASSERT_TRUE(result && result->ok());
  EXPECT_EQ((*result)->body, "POST symbol=ETHUSDC&side=BUY");
  const Request last = server.last_request();
  EXPECT_EQ(last[http::field::content_type], "application/x-www-form-urlencoded");
  EXPECT_EQ(last["X-MBX-APIKEY"], "k");
  result.reset();
  client->send(HttpMethod::kDelete, "/api/v3/order?symbol=ETHUSDC", {}, {},
               [&](core::Result<HttpResponse> r) { result.emplace(std::move(r)); });
  while (!result && io_.run_one_for(10s) > 0) {
  }
  ASSERT_TRUE(result && result->ok());
  EXPECT_EQ((*result)->body, "DELETE ");
  EXPECT_EQ(to_string(HttpMethod::kPut), "PUT");
}

// The connection dies after the POST was written (a connection closed while idle is
// detected before sending instead: PostOnAConnectionTheServerClosedWhileIdleGoesToANewConnection).
TEST_F(HttpClientTest, PostOnADeadKeptAliveConnectionIsNotResent) {
  std::atomic<int> n{0};
  TestServer server([&n](const Request&) {
    Reply r;
    r.close_unanswered = ++n == 2;
    return r;
  });
  auto client = make_client(server.port());
  ASSERT_TRUE(run_get(*client, "/a").ok());
  std::optional<core::Result<HttpResponse>> result;
  client->send(HttpMethod::kPost, "/b", {}, "x=1",
               [&](core::Result<HttpResponse> r) { result.emplace(std::move(r)); });
  io_.restart();
  while (!result && io_.run_one_for(10s) > 0) {
  }
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->ok());
  EXPECT_TRUE(HttpClient::is_outcome_unknown(result->error())) << result->error().message;
  EXPECT_EQ(client->stats().retries, 0u);
  EXPECT_EQ(server.requests(), 2);  // the GET, and the POST once
}

TEST_F(HttpClientTest, TimeoutWhenTheServerNeverAnswers) {
  TestServer server([](const Request&) {
    Reply r;
    r.never_answer = true;
    return r;
  });
  HttpClientOptions options;
  options.timeout = 300ms;
  auto client = make_client(server.port(), options);
  const auto start = std::chrono::steady_clock::now();
  const auto r = run_get(*client, "/slow");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kTimeout);
  EXPECT_THAT(r.error().message, HasSubstr("timed out after 300 ms during read"));
  EXPECT_GE(elapsed, 300ms);
  EXPECT_LT(elapsed, 800ms);
  EXPECT_EQ(server.requests(), 1);  // a timed-out GET is not retried
}

TEST_F(HttpClientTest, ConnectionRefused) {
  auto client = make_client(closed_port());
  const auto r = run_get(*client, "/x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kUnavailable);
  EXPECT_THAT(r.error().message, HasSubstr("connect 127.0.0.1:"));
  EXPECT_THAT(r.error().message, HasSubstr("Connection refused"));
  EXPECT_EQ(client->stats().failures, 1u);
}

TEST_F(HttpClientTest, TooManyRequestsSurfacesRetryAfter) {
  TestServer server([](const Request&) {
    Reply r;
    r.status = 429;
    r.body = R"({"code":-1003,"msg":"Too many requests"})";
    r.headers = {{"Retry-After", "7"}, {"X-MBX-USED-WEIGHT-1M", "6001"}};
    return r;
  });
  auto client = make_client(server.port());
  const auto r = run_get(*client, "/api/v3/depth?symbol=ETHUSDC&limit=5000");
  ASSERT_TRUE(r.ok()) << r.error().to_string();  // a status is not a transport error
  EXPECT_EQ(r->status, 429u);
  EXPECT_EQ(r->retry_after_s, 7);
  EXPECT_EQ(r->used_weight_1m, 6001);
  ASSERT_EQ(r->rate_limit_headers.size(), 2u);
  EXPECT_EQ(r->rate_limit_headers[0].name, "retry-after");
}

TEST_F(HttpClientTest, BodyOverTheLimitFails) {
  TestServer server([](const Request& req) {
    Reply r;
    r.body = req.target() == "/big" ? std::string(4096, 'x') : "small";
    return r;
  });
  HttpClientOptions options;
  options.max_body_bytes = 1024;
  auto client = make_client(server.port(), options);
  const auto r = run_get(*client, "/big");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kOutOfRange);
  EXPECT_THAT(r.error().message, HasSubstr("over the limit of 1024 bytes"));
  const auto next = run_get(*client, "/small");  // on a fresh connection
  ASSERT_TRUE(next.ok()) << next.error().to_string();
  EXPECT_EQ(next->body, "small");
  EXPECT_EQ(server.accepts(), 2);
}

TEST_F(HttpClientTest, PostWhoseAnswerIsOverTheLimitIsOutcomeUnknown) {
  TestServer server([](const Request&) {
    Reply r;
    r.body = std::string(4096, 'x');
    return r;
  });
  HttpClientOptions options;
  options.max_body_bytes = 1024;
  auto client = make_client(server.port(), options);
  const auto get = run_get(*client, "/big");
  ASSERT_FALSE(get.ok());
  EXPECT_FALSE(HttpClient::is_outcome_unknown(get.error())) << get.error().message;
  const auto post =
      run_request(*client, HttpMethod::kPost, "/api/v3/order", "a=1", "application/x-www-form-urlencoded");
  ASSERT_FALSE(post.ok());
  EXPECT_EQ(post.error().code, core::ErrorCode::kOutOfRange);
  EXPECT_TRUE(HttpClient::is_outcome_unknown(post.error())) << post.error().message;
  EXPECT_EQ(server.requests(), 2);
}

TEST_F(HttpClientTest, BadTargetFailsWithoutCallingBackInline) {
  auto client = make_client(closed_port());
  bool called = false;
  core::ErrorCode code = core::ErrorCode::kInternal;
  client->get("no-slash", [&](core::Result<HttpResponse> r) {
    called = true;
    code = r.error().code;
  });
  EXPECT_FALSE(called);
  io_.run_for(1s);
  EXPECT_TRUE(called);
  EXPECT_EQ(code, core::ErrorCode::kInvalidArgument);
}

TEST_F(HttpClientTest, CloseDropsPendingCallbacks) {
  TestServer server([](const Request&) {
    Reply r;
    r.never_answer = true;
    return r;
  });
  auto client = make_client(server.port());
  int called = 0;
  client->get("/a", [&](core::Result<HttpResponse>) { ++called; });
  client->get("/b", [&](core::Result<HttpResponse>) { ++called; });
  io_.run_for(100ms);
  client->close();
  io_.restart();
  io_.run_for(200ms);
  EXPECT_EQ(called, 0);
  EXPECT_FALSE(client->busy());
}

TEST_F(HttpClientTest, CallbackMayDestroyTheClient) {
  TestServer server([](const Request&) { return Reply{}; });
  auto client = make_client(server.port());
  bool called = false;
  client->get("/a", [&](core::Result<HttpResponse> r) {
    EXPECT_TRUE(r.ok());
    called = true;
    client.reset();
  });
  client->get("/b",
              [&](core::Result<HttpResponse>) { ADD_FAILURE() << "queued request outlived its client"; });
  io_.run_for(2s);
  EXPECT_TRUE(called);
  EXPECT_EQ(client, nullptr);
}

// ---- POST / PUT / DELETE ------------------------------------------------------------------

TEST(HttpClientOptionsTest, BaseUrlIsValidated) {
  asio::io_context io;
  for (const char* bad : {"ftp://h", "http://", "127.0.0.1:80", "http://h/path", "http://h?q", "http://u@h",
                          "http://h:0", "http://h:70000", "http://h:x", "http://h h"}) {
    HttpClientOptions o;
    o.base_url = bad;
    const auto c = HttpClient::create(io, o);
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_EQ(c.error().code, core::ErrorCode::kInvalidArgument) << bad;
  }
  for (const char* good :
       {"http://127.0.0.1:8080", "http://LOCALHOST/", "https://api.binance.com", "http://[::1]:9"}) {
    HttpClientOptions o;
    o.base_url = good;
    const auto c = HttpClient::create(io, o);
    ASSERT_TRUE(c.ok()) << good << ": " << c.error().to_string();
  }
  HttpClientOptions o;
  o.base_url = "https://api.binance.com";
  EXPECT_EQ(HttpClient::create(io, o).value()->origin(), "https://api.binance.com:443");
}

TEST(HttpClientOptionsTest, MissingCaFileIsAnError) {
  asio::io_context io;
  HttpClientOptions o;
  o.base_url = "https://localhost:1";
  o.ca_file = "/nonexistent/ca.pem";
  const auto c = HttpClient::create(io, o);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("/nonexistent/ca.pem"));
}

// ---- TLS ----------------------------------------------------------------------------------

// A self-signed certificate (also its own CA) for the given subjectAltName, and its key.
}  // namespace
}  // namespace phoenix::net
