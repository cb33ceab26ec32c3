// HttpClient: POST, PUT and DELETE — bodies, headers, and the rule that a request which may
// have reached the server is never resent ("outcome unknown").
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "net/http_client.h"
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

TEST(HttpMethodTest, NamesAndIdempotence) {
  EXPECT_EQ(to_string(HttpMethod::kGet), "GET");
  EXPECT_EQ(to_string(HttpMethod::kPost), "POST");
  EXPECT_EQ(to_string(HttpMethod::kPut), "PUT");
  EXPECT_EQ(to_string(HttpMethod::kDelete), "DELETE");
  EXPECT_TRUE(is_idempotent(HttpMethod::kGet));
  EXPECT_FALSE(is_idempotent(HttpMethod::kPost));
  EXPECT_FALSE(is_idempotent(HttpMethod::kPut));
  EXPECT_FALSE(is_idempotent(HttpMethod::kDelete));
}

TEST_F(HttpClientTest, PostSendsAFormBodyAndHeaders) {
  TestServer server([](const Request&) {
    Reply r;
    r.body = R"({"orderId":1})";
    r.headers = {
        {"X-MBX-ORDER-COUNT-10S", "1"}, {"X-MBX-ORDER-COUNT-1D", "1"}, {"X-MBX-USED-WEIGHT-1M", "3"}};
    return r;
  });
  auto client = make_client(server.port());
  const std::string form = "symbol=ETHUSDC&side=BUY&price=1.50&timestamp=1&signature=ab%2B";
  const auto r = run_request(*client, HttpMethod::kPost, "/api/v3/order", form,
                             "application/x-www-form-urlencoded", {{"X-MBX-APIKEY", "key123"}});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->body, R"({"orderId":1})");
  EXPECT_EQ(r->used_weight_1m, 3);
  ASSERT_EQ(r->rate_limit_headers.size(), 3u);
  EXPECT_EQ(r->rate_limit_headers[0].name, "x-mbx-order-count-10s");
  const Request req = server.last_request();
  EXPECT_EQ(req.method(), http::verb::post);
  EXPECT_EQ(req.target(), "/api/v3/order");
  EXPECT_EQ(req.body(), form);
  EXPECT_EQ(req[http::field::content_type], "application/x-www-form-urlencoded");
  EXPECT_EQ(req[http::field::content_length], std::to_string(form.size()));
  EXPECT_EQ(req["X-MBX-APIKEY"], "key123");
  EXPECT_TRUE(req.keep_alive());
}

TEST_F(HttpClientTest, DeleteWithAQueryAndNoBody) {
  TestServer server([](const Request&) { return Reply{}; });
  auto client = make_client(server.port());
  const auto r =
      run_request(*client, HttpMethod::kDelete, "/api/v3/order?symbol=ETHUSDC&origClientOrderId=a1", {}, {},
                  {{"X-MBX-APIKEY", "k"}});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Request req = server.last_request();
  EXPECT_EQ(req.method(), http::verb::delete_);
  EXPECT_EQ(req.target(), "/api/v3/order?symbol=ETHUSDC&origClientOrderId=a1");
  EXPECT_EQ(req.body(), "");
  EXPECT_EQ(req[http::field::content_length], "0");
  EXPECT_EQ(req.count(http::field::content_type), 0u);
  EXPECT_EQ(req["X-MBX-APIKEY"], "k");
}

TEST_F(HttpClientTest, PutAndGetShareTheKeptAliveConnection) {
  TestServer server([](const Request& req) {
    Reply r;
    r.body = std::string(req.method_string()) + " " + req.body();
    return r;
  });
  auto client = make_client(server.port());
  const auto put = run_request(*client, HttpMethod::kPut, "/api/v3/order/amend/keepPriority", "newQty=1",
                               "application/x-www-form-urlencoded");
  ASSERT_TRUE(put.ok()) << put.error().to_string();
  EXPECT_EQ(put->body, "PUT newQty=1");
  const auto get = run_get(*client, "/api/v3/order");
  ASSERT_TRUE(get.ok()) << get.error().to_string();
  EXPECT_EQ(get->body, "GET ");
  EXPECT_TRUE(get->connection_reused);
  const auto post = run_request(*client, HttpMethod::kPost, "/p", "a=1", "application/x-www-form-urlencoded");
  ASSERT_TRUE(post.ok()) << post.error().to_string();
  EXPECT_EQ(post->body, "POST a=1");
  EXPECT_TRUE(post->connection_reused);
  EXPECT_EQ(server.accepts(), 1);
  EXPECT_EQ(client->stats().stale_reconnects, 0u);
}

TEST_F(HttpClientTest, QueuedRequestsOfMixedMethodsRunInOrder) {
  TestServer server([](const Request& req) {
    Reply r;
    r.body = std::string(req.method_string()) + " " + std::string(req.target());
    return r;
  });
  auto client = make_client(server.port());
  std::vector<std::string> bodies;
  const auto record = [&](core::Result<HttpResponse> r) {
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    bodies.push_back(r->body);
  };
  client->request(HttpMethod::kPost, "/1", "x=1", "application/x-www-form-urlencoded", {}, record);
  client->get("/2", record);
  client->request(HttpMethod::kDelete, "/3", {}, {}, {}, record);
  client->request(HttpMethod::kPut, "/4", "y=2", "application/x-www-form-urlencoded", {}, record);
  EXPECT_EQ(client->queued(), 3u);
  while (bodies.size() < 4 && io_.run_one_for(10s) > 0) {
  }
  EXPECT_EQ(bodies, (std::vector<std::string>{"POST /1", "GET /2", "DELETE /3", "PUT /4"}));
}

// The kept-alive connection dies after the request was written: a GET is resent, a POST or
// DELETE is not (the exchange may have executed it) and fails with the outcome unknown.
TEST_F(HttpClientTest, GetIsResentWhenTheConnectionDiesInFlight) {
  std::atomic<int> n{0};
  TestServer server([&n](const Request&) {
    Reply r;
    r.close_unanswered = ++n == 2;
    return r;
  });
  auto client = make_client(server.port());
  ASSERT_TRUE(run_get(*client, "/a").ok());
  const auto r = run_get(*client, "/b");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(client->stats().retries, 1u);
}

TEST_F(HttpClientTest, PostIsNeverResentWhenTheConnectionDiesInFlight) {
  for (const HttpMethod method : {HttpMethod::kPost, HttpMethod::kDelete, HttpMethod::kPut}) {
    SCOPED_TRACE(std::string(to_string(method)));
    std::atomic<int> n{0};
    TestServer server([&n](const Request&) {
      Reply r;
      r.close_unanswered = ++n == 2;
      return r;
    });
    auto client = make_client(server.port());
    ASSERT_TRUE(run_get(*client, "/a").ok());
    const auto r =
        run_request(*client, method, "/api/v3/order", "symbol=ETHUSDC", "application/x-www-form-urlencoded");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, core::ErrorCode::kUnavailable);
    EXPECT_TRUE(HttpClient::is_outcome_unknown(r.error())) << r.error().message;
    EXPECT_THAT(r.error().message, HasSubstr(std::string(to_string(method)) + " http://127.0.0.1:"));
    EXPECT_THAT(r.error().message, HasSubstr("outcome unknown"));
    EXPECT_EQ(server.requests(), 2);  // sent once, never again
    EXPECT_EQ(client->stats().retries, 0u);
    EXPECT_EQ(client->stats().outcome_unknown, 1u);
    // The client recovers for the next request, on a new connection.
    const auto next = run_request(*client, method, "/next", "a=1", "application/x-www-form-urlencoded");
    ASSERT_TRUE(next.ok()) << next.error().to_string();
    EXPECT_FALSE(next->connection_reused);
    EXPECT_EQ(server.requests(), 3);
  }
}

TEST_F(HttpClientTest, PostOnAConnectionTheServerClosedWhileIdleGoesToANewConnection) {
  TestServer server([](const Request&) {
    Reply r;
    r.then = Reply::Then::kDropSilently;  // like a server's idle timeout between requests
    return r;
  });
  auto client = make_client(server.port());
  ASSERT_TRUE(run_get(*client, "/a").ok());
  std::this_thread::sleep_for(50ms);  // the server's close reaches us first
  const auto r =
      run_request(*client, HttpMethod::kPost, "/api/v3/order", "a=1", "application/x-www-form-urlencoded");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_FALSE(r->connection_reused);
  EXPECT_EQ(server.accepts(), 2);
  EXPECT_EQ(server.requests(), 2);  // the POST reached the server exactly once
  EXPECT_EQ(client->stats().stale_reconnects, 1u);
  EXPECT_EQ(client->stats().retries, 0u);
}

TEST_F(HttpClientTest, PostTimeoutIsOutcomeUnknownAndNotResent) {
  TestServer server([](const Request&) {
    Reply r;
    r.never_answer = true;
    return r;
  });
  HttpClientOptions options;
  options.timeout = 300ms;
  auto client = make_client(server.port(), options);
  const auto start = std::chrono::steady_clock::now();
  const auto r =
      run_request(*client, HttpMethod::kPost, "/api/v3/order", "a=1", "application/x-www-form-urlencoded");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kTimeout);
  EXPECT_THAT(r.error().message, HasSubstr("timed out after 300 ms during read"));
  EXPECT_TRUE(HttpClient::is_outcome_unknown(r.error())) << r.error().message;
  EXPECT_GE(elapsed, 300ms);
  EXPECT_LT(elapsed, 800ms);
  EXPECT_EQ(server.requests(), 1);
}

TEST_F(HttpClientTest, GetTimeoutIsNotOutcomeUnknown) {
  TestServer server([](const Request&) {
    Reply r;
    r.never_answer = true;
    return r;
  });
  HttpClientOptions options;
  options.timeout = 200ms;
  auto client = make_client(server.port(), options);
  const auto r = run_get(*client, "/slow");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kTimeout);
  EXPECT_FALSE(HttpClient::is_outcome_unknown(r.error())) << r.error().message;
}

TEST_F(HttpClientTest, PostThatNeverConnectedIsNotOutcomeUnknown) {
  auto client = make_client(closed_port());
  const auto r =
      run_request(*client, HttpMethod::kPost, "/api/v3/order", "a=1", "application/x-www-form-urlencoded");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kUnavailable);
  EXPECT_THAT(r.error().message, HasSubstr("POST http://127.0.0.1:"));
  EXPECT_THAT(r.error().message, HasSubstr("Connection refused"));
  EXPECT_FALSE(HttpClient::is_outcome_unknown(r.error())) << r.error().message;
  EXPECT_EQ(client->stats().outcome_unknown, 0u);
}

TEST_F(HttpClientTest, HeaderInjectionIsRefused) {
  TestServer server([](const Request&) { return Reply{}; });
  auto client = make_client(server.port());
  const auto a = run_request(*client, HttpMethod::kPost, "/x", "a=1", "text/plain\r\nX-Evil: 1");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, core::ErrorCode::kInvalidArgument);
  const auto b = run_request(*client, HttpMethod::kPost, "/x", "", "", {{"X-MBX-APIKEY", "k\r\nX-Evil: 1"}});
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, core::ErrorCode::kInvalidArgument);
  const auto c = run_request(*client, HttpMethod::kDelete, "/x y");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_THAT(c.error().message, HasSubstr("DELETE target"));
  EXPECT_EQ(server.requests(), 0);
}

TEST_F(HttpClientTest, ErrorStatusOfAPostIsAResponse) {
  TestServer server([](const Request&) {
    Reply r;
    r.status = 400;
    r.body = R"({"code":-2010,"msg":"Order would immediately match and take."})";
    return r;
  });
  auto client = make_client(server.port());
  const auto r =
      run_request(*client, HttpMethod::kPost, "/api/v3/order", "a=1", "application/x-www-form-urlencoded");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, 400u);
  EXPECT_THAT(r->body, HasSubstr("-2010"));
}

}  // namespace
}  // namespace phoenix::net
