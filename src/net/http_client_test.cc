#include "net/http_client.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace phoenix::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

// What the test server does with one request.
struct Reply {
  enum class Then {
    kKeepAlive,     // keep reading requests on the connection
    kClose,         // answer with `Connection: close` and close
    kDropSilently,  // answer as keep-alive, then close the socket without saying so
  };
  unsigned status = 200;
  std::string body = "ok";
  std::vector<std::pair<std::string, std::string>> headers;
  Then then = Then::kKeepAlive;
  bool never_answer = false;      // read the request, keep the socket open, say nothing
  bool close_unanswered = false;  // read the request, then close the socket, say nothing
};

using Request = http::request<http::string_body>;

// A Beast HTTP/1.1 server on 127.0.0.1:0 with its own io_context thread; plain or TLS.
// Counts accepted connections and requests, and remembers the last request and SNI name.
class TestServer {
 public:
  explicit TestServer(std::function<Reply(const Request&)> handler, ssl::context* tls = nullptr)
      : handler_(std::move(handler)),
        tls_(tls),
        acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TestServer() {
    io_.stop();
    thread_.join();
    held_.clear();
  }

  uint16_t port() const { return port_; }
  int accepts() const { return accepts_.load(); }
  int requests() const { return requests_.load(); }
  Request last_request() {
    std::lock_guard lock(mu_);
    return last_;
  }

 private:
  template <class Stream>
  struct Session : std::enable_shared_from_this<Session<Stream>> {
    template <class... Args>
    explicit Session(TestServer& s, Args&&... args) : server(s), stream(std::forward<Args>(args)...) {}

    void read() {
      request = {};
      http::async_read(stream, buffer, request,
                       [self = this->shared_from_this()](const beast::error_code& ec, size_t) {
                         if (!ec) self->on_request();
                       });
    }
    void on_request() {
      ++server.requests_;
      {
        std::lock_guard lock(server.mu_);
        server.last_ = request;
      }
      const Reply reply = server.handler_(request);
      if (reply.never_answer) {
        server.held_.push_back(this->shared_from_this());
        return;
      }
      if (reply.close_unanswered) {
        beast::error_code ignored;
        lowest(stream).shutdown(tcp::socket::shutdown_both, ignored);
        lowest(stream).close(ignored);
        return;
      }
      response = {};
      response.result(reply.status);
      response.version(11);
      for (const auto& [k, v] : reply.headers) response.set(k, v);
      response.set(http::field::content_type, "application/json");
      response.body() = reply.body;
      response.keep_alive(reply.then != Reply::Then::kClose);
      response.prepare_payload();
      http::async_write(
          stream, response,
          [self = this->shared_from_this(), then = reply.then](const beast::error_code& ec, size_t) {
            if (ec) return;
            if (then == Reply::Then::kKeepAlive) return self->read();
            beast::error_code ignored;
            lowest(self->stream).shutdown(tcp::socket::shutdown_both, ignored);
            lowest(self->stream).close(ignored);
          });
    }
    static tcp::socket& lowest(tcp::socket& s) { return s; }
    static tcp::socket& lowest(ssl::stream<tcp::socket>& s) { return s.next_layer(); }

    TestServer& server;
    Stream stream;
    beast::flat_buffer buffer;
    Request request;
    http::response<http::string_body> response;
  };

  void accept() {
    acceptor_.async_accept([this](const beast::error_code& ec, tcp::socket socket) {
      if (ec) return;
      ++accepts_;
      if (tls_ == nullptr) {
        std::make_shared<Session<tcp::socket>>(*this, std::move(socket))->read();
      } else {
        auto s = std::make_shared<Session<ssl::stream<tcp::socket>>>(*this, std::move(socket), *tls_);
        s->stream.async_handshake(ssl::stream_base::server, [s](const beast::error_code& e) {
          if (!e) s->read();
        });
      }
      accept();
    });
  }

  std::function<Reply(const Request&)> handler_;
  ssl::context* tls_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::vector<std::shared_ptr<void>> held_;  // server thread only (until joined)
  std::thread thread_;
  uint16_t port_ = 0;
  std::atomic<int> accepts_{0};
  std::atomic<int> requests_{0};
  std::mutex mu_;
  Request last_;
};

// A free port with nothing listening on it.
uint16_t closed_port() {
  asio::io_context io;
  tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

class HttpClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<HttpClient> make_client(uint16_t port, HttpClientOptions options = {}) {
    options.base_url = "http://127.0.0.1:" + std::to_string(port);
    auto client = HttpClient::create(io_, std::move(options));
    EXPECT_TRUE(client.ok()) << (client.ok() ? "" : client.error().to_string());
    return client.ok() ? std::move(client).value() : nullptr;
  }

  // Runs one GET to completion.
  core::Result<HttpResponse> run_get(HttpClient& client, std::string target) {
    std::optional<core::Result<HttpResponse>> result;
    client.get(std::move(target), [&](core::Result<HttpResponse> r) { result.emplace(std::move(r)); });
    io_.restart();
    while (!result && io_.run_one_for(10s) > 0) {
    }
    if (!result) return core::Error(core::ErrorCode::kInternal, "test: no completion");
    return std::move(*result);
  }

  // Runs one request of any method to completion.
  core::Result<HttpResponse> run_request(HttpClient& client, HttpMethod method, std::string target,
                                         std::string body = {}, std::string content_type = {},
                                         std::vector<HttpHeader> headers = {}) {
    std::optional<core::Result<HttpResponse>> result;
    client.request(method, std::move(target), std::move(body), std::move(content_type), std::move(headers),
                   [&](core::Result<HttpResponse> r) { result.emplace(std::move(r)); });
    io_.restart();
    while (!result && io_.run_one_for(10s) > 0) {
    }
    if (!result) return core::Error(core::ErrorCode::kInternal, "test: no completion");
    return std::move(*result);
  }

  asio::io_context io_;
};

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
struct TestCert {
  std::string cert_pem;
  std::string key_pem;
};

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

TestCert make_cert(const std::string& subject_alt_name) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("phoenix test"),
                             -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, subject_alt_name},
                                   std::pair{NID_basic_constraints, std::string("critical,CA:TRUE")}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, key, EVP_sha256());
  BIO* cert_bio = BIO_new(BIO_s_mem());
  BIO* key_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cert_bio, x);
  PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  TestCert out{bio_string(cert_bio), bio_string(key_bio)};
  BIO_free(cert_bio);
  BIO_free(key_bio);
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

std::string g_sni;  // written by the server's SNI callback (server thread), read after the test

int record_sni(SSL* ssl_handle, int*, void*) {
  const char* name = SSL_get_servername(ssl_handle, TLSEXT_NAMETYPE_host_name);
  g_sni = name == nullptr ? "" : name;
  return SSL_TLSEXT_ERR_OK;
}

class HttpsClientTest : public HttpClientTest {
 protected:
  void SetUp() override {
    cert_ = make_cert("DNS:localhost,IP:127.0.0.1");
    dir_ = std::filesystem::temp_directory_path() / ("phoenix_https_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    ca_file_ = (dir_ / "ca.pem").string();
    std::ofstream(ca_file_) << cert_.cert_pem;
    server_tls_ = make_server_context(cert_);
    g_sni = "unset";
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  static std::unique_ptr<ssl::context> make_server_context(const TestCert& cert) {
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
    ctx->use_certificate_chain(asio::buffer(cert.cert_pem));
    ctx->use_private_key(asio::buffer(cert.key_pem), ssl::context::pem);
    // SSL_CTX_set_tlsext_servername_callback() without its macro's C-style cast.
    SSL_CTX_callback_ctrl(ctx->native_handle(), SSL_CTRL_SET_TLSEXT_SERVERNAME_CB,
                          reinterpret_cast<void (*)()>(record_sni));
    return ctx;
  }

  std::unique_ptr<HttpClient> make_https_client(const std::string& host, uint16_t port, std::string ca_file) {
    HttpClientOptions options;
    options.base_url = "https://" + host + ":" + std::to_string(port);
    options.ca_file = std::move(ca_file);
    options.timeout = 5s;
    auto client = HttpClient::create(io_, std::move(options));
    EXPECT_TRUE(client.ok()) << (client.ok() ? "" : client.error().to_string());
    return client.ok() ? std::move(client).value() : nullptr;
  }

  TestCert cert_;
  std::filesystem::path dir_;
  std::string ca_file_;
  std::unique_ptr<ssl::context> server_tls_;
};

TEST_F(HttpsClientTest, VerifiesTheServerAndSendsSni) {
  TestServer server([](const Request&) { return Reply{}; }, server_tls_.get());
  auto client = make_https_client("localhost", server.port(), ca_file_);
  const auto r = run_get(*client, "/api/v3/time");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->body, "ok");
  EXPECT_EQ(g_sni, "localhost");
  const auto again = run_get(*client, "/api/v3/time");
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_TRUE(again->connection_reused);
  EXPECT_EQ(server.accepts(), 1);
}

TEST_F(HttpsClientTest, IpLiteralIsVerifiedAgainstTheIpSanWithoutSni) {
  TestServer server([](const Request&) { return Reply{}; }, server_tls_.get());
  auto client = make_https_client("127.0.0.1", server.port(), ca_file_);
  const auto r = run_get(*client, "/x");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(g_sni, "");
}

TEST_F(HttpsClientTest, UntrustedCertificateIsRejected) {
  TestServer server([](const Request&) { return Reply{}; }, server_tls_.get());
  auto client = make_https_client("localhost", server.port(), "");  // system CA store only
  const auto r = run_get(*client, "/x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kUnavailable);
  EXPECT_THAT(r.error().message, HasSubstr("tls handshake"));
  EXPECT_THAT(r.error().message, HasSubstr("certificate verify failed"));
  EXPECT_THAT(r.error().message, HasSubstr("self-signed certificate"));
  EXPECT_EQ(server.requests(), 0);
}

TEST_F(HttpsClientTest, WrongHostNameIsRejected) {
  const TestCert other = make_cert("DNS:other.example");
  auto other_ctx = make_server_context(other);
  const std::string other_ca = (dir_ / "other.pem").string();
  std::ofstream(other_ca) << other.cert_pem;
  TestServer server([](const Request&) { return Reply{}; }, other_ctx.get());
  auto client = make_https_client("localhost", server.port(), other_ca);  // trusted, wrong name
  const auto r = run_get(*client, "/x");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("certificate verify failed"));
  EXPECT_THAT(r.error().message, HasSubstr("hostname mismatch"));
  EXPECT_EQ(server.requests(), 0);
}

}  // namespace
}  // namespace phoenix::net
