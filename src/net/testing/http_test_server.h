#pragma once

// The HTTP test server and the HttpClient fixture shared by the http_client_*_test.cc
// files (one type per name across the test binary, so gtest sees one fixture).

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include "net/http_client.h"

namespace phoenix::net::testing {

namespace http_test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
}  // namespace http_test

using namespace http_test;  // NOLINT(google-build-using-namespace): test helpers only

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
inline uint16_t closed_port() {
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
    while (!result && io_.run_one_for(std::chrono::seconds(10)) > 0) {
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
    while (!result && io_.run_one_for(std::chrono::seconds(10)) > 0) {
    }
    if (!result) return core::Error(core::ErrorCode::kInternal, "test: no completion");
    return std::move(*result);
  }

  asio::io_context io_;
};

}  // namespace phoenix::net::testing
