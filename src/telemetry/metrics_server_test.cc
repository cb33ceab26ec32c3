#include "telemetry/metrics_server.h"

#include <chrono>
#include <stdexcept>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "telemetry/exposition.h"

namespace phoenix::telemetry {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using ::testing::HasSubstr;

// A blocking HTTP/1.1 client on one connection (Beast's synchronous API).
class TestClient {
 public:
  explicit TestClient(uint16_t port) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

  http::response<http::string_body> request(http::verb verb, std::string_view target, bool keep_alive = true,
                                            std::string body = {}) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(keep_alive);
    if (!body.empty()) req.body() = std::move(body);
    req.prepare_payload();
    http::write(socket_, req);
    return read_response();
  }

  http::response<http::string_body> read_response() {
    http::response<http::string_body> res;
    http::read(socket_, buffer_, res);
    return res;
  }

  void write_raw(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes.data(), bytes.size())); }

  // Blocks until the server closes the connection; the error read() ended with.
  beast::error_code wait_for_close() {
    char byte = 0;
    beast::error_code ec;
    while (!ec) socket_.read_some(asio::buffer(&byte, 1), ec);
    return ec;
  }

 private:
  asio::io_context ioc_;
  tcp::socket socket_{ioc_};
  beast::flat_buffer buffer_;
};

uint64_t counter_value(Registry& reg, std::string_view name, std::string_view help, Labels labels = {}) {
  return reg.counter(name, help, std::move(labels)).value();
}

class MetricsServerTest : public ::testing::Test {
 protected:
  void start(MetricsServerOptions options = {}) {
    server_ = std::make_unique<MetricsServer>(reg_, options);
    const auto status = server_->start("127.0.0.1:0");
    ASSERT_TRUE(status.ok()) << status.error().to_string();
    ASSERT_NE(server_->port(), 0);
  }

  Registry reg_;
  std::unique_ptr<MetricsServer> server_;
};

TEST_F(MetricsServerTest, ServesMetrics) {
  reg_.counter("phoenix_test_hits_total", "Hits").inc(3);
  start();
  TestClient client(server_->port());
  const auto res = client.request(http::verb::get, "/metrics");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_THAT(res.body(), HasSubstr("# HELP phoenix_test_hits_total Hits\n"
                                    "# TYPE phoenix_test_hits_total counter\n"
                                    "phoenix_test_hits_total 3\n"));
  EXPECT_THAT(res.body(), HasSubstr("\nphoenix_metrics_scrapes_total 1\n"));
  EXPECT_EQ(counter_value(reg_, "phoenix_metrics_scrapes_total", "Scrapes of /metrics served."), 1u);
}

TEST_F(MetricsServerTest, HealthzIsOk) {
  start();
  TestClient client(server_->port());
  const auto res = client.request(http::verb::get, "/healthz");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), "ok\n");
}

TEST_F(MetricsServerTest, QueryStringIsIgnored) {
  start();
  TestClient client(server_->port());
  EXPECT_EQ(client.request(http::verb::get, "/healthz?verbose=1").result(), http::status::ok);
}

TEST_F(MetricsServerTest, UnknownPathIs404) {
  start();
  TestClient client(server_->port());
  const auto res = client.request(http::verb::get, "/nope");
  EXPECT_EQ(res.result(), http::status::not_found);
  // The connection stays usable.
  EXPECT_EQ(client.request(http::verb::get, "/healthz").result(), http::status::ok);
}

TEST_F(MetricsServerTest, OtherMethodIs405) {
  start();
  TestClient client(server_->port());
  const auto res = client.request(http::verb::post, "/metrics", true, "x=1");
  EXPECT_EQ(res.result(), http::status::method_not_allowed);
  EXPECT_EQ(res[http::field::allow], "GET");
  EXPECT_EQ(client.request(http::verb::delete_, "/healthz").result(), http::status::method_not_allowed);
  EXPECT_EQ(counter_value(reg_, "phoenix_metrics_http_requests_total",
                          "HTTP requests answered by the metrics server, by status code.", {{"code", "405"}}),
            2u);
}

TEST_F(MetricsServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  start();
  TestClient client(server_->port());
  const auto first = client.request(http::verb::get, "/metrics");
  EXPECT_EQ(first.result(), http::status::ok);
  EXPECT_TRUE(first.keep_alive());
  const auto second = client.request(http::verb::get, "/metrics");
  EXPECT_EQ(second.result(), http::status::ok);
  EXPECT_THAT(second.body(), HasSubstr("\nphoenix_metrics_scrapes_total 2\n"));
}

TEST_F(MetricsServerTest, ConnectionCloseIsHonoured) {
  start();
  TestClient client(server_->port());
  const auto res = client.request(http::verb::get, "/healthz", /*keep_alive=*/false);
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_EQ(client.wait_for_close(), asio::error::eof);
}

TEST_F(MetricsServerTest, CustomHandlerServesItsContent) {
  server_ = std::make_unique<MetricsServer>(reg_);
  server_->add_handler("/status", [] {
    return std::pair<std::string, std::string>{"application/json", "{\"ok\":true}"};
  });
  server_->add_handler("/boom",
                       []() -> std::pair<std::string, std::string> { throw std::runtime_error("kaput"); });
  ASSERT_TRUE(server_->start("127.0.0.1:0").ok());
  TestClient client(server_->port());
  const auto res = client.request(http::verb::get, "/status");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_EQ(res.body(), "{\"ok\":true}");
  const auto boom = client.request(http::verb::get, "/boom");
  EXPECT_EQ(boom.result(), http::status::internal_server_error);
  EXPECT_THAT(boom.body(), HasSubstr("kaput"));
}

TEST_F(MetricsServerTest, AddHandlerMisuseThrows) {
  MetricsServer server(reg_);
  auto handler = [] { return std::pair<std::string, std::string>{"text/plain", ""}; };
  EXPECT_THROW(server.add_handler("status", handler), std::invalid_argument);
  EXPECT_THROW(server.add_handler("/metrics", handler), std::invalid_argument);
  server.add_handler("/status", handler);
  EXPECT_THROW(server.add_handler("/status", handler), std::invalid_argument);
  ASSERT_TRUE(server.start("127.0.0.1:0").ok());
  EXPECT_THROW(server.add_handler("/later", handler), std::logic_error);
}

TEST_F(MetricsServerTest, PortInUseReturnsError) {
  start();
  MetricsServer second(reg_);
  const auto status = second.start("127.0.0.1:" + std::to_string(server_->port()));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, core::ErrorCode::kUnavailable);
  EXPECT_THAT(status.error().message, HasSubstr("in use"));
  EXPECT_EQ(second.port(), 0);
  // The first server is unaffected.
  TestClient client(server_->port());
  EXPECT_EQ(client.request(http::verb::get, "/healthz").result(), http::status::ok);
}

TEST_F(MetricsServerTest, BadListenAddressIsInvalidArgument) {
  for (const char* listen : {"", "127.0.0.1", "127.0.0.1:", ":9090", "127.0.0.1:65536", "127.0.0.1:12a",
                             "::1:9090", "[::1", "[::1]9090", "[127.0.0.1]:0", "no such host.invalid:0"}) {
    MetricsServer server(reg_);
    const auto status = server.start(listen);
    ASSERT_FALSE(status.ok()) << listen;
    EXPECT_EQ(status.error().code, core::ErrorCode::kInvalidArgument)
        << listen << ": " << status.error().message;
  }
}

TEST_F(MetricsServerTest, StartTwiceIsAnError) {
  start();
  const auto status = server_->start("127.0.0.1:0");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, core::ErrorCode::kInvalidArgument);
}

TEST_F(MetricsServerTest, StopIsIdempotent) {
  MetricsServer never_started(reg_);
  never_started.stop();
  never_started.stop();
  start();
  server_->stop();
  server_->stop();
  server_.reset();  // the destructor stops again
}

TEST_F(MetricsServerTest, StopClosesOpenConnections) {
  start();
  TestClient client(server_->port());
  EXPECT_EQ(client.request(http::verb::get, "/healthz").result(), http::status::ok);
  server_->stop();  // must not wait for the idle keep-alive client
  EXPECT_TRUE(client.wait_for_close());
}

TEST_F(MetricsServerTest, IdleConnectionIsDroppedAfterReadTimeout) {
  MetricsServerOptions options;
  options.read_timeout = std::chrono::milliseconds(200);
  start(options);
  TestClient client(server_->port());
  client.write_raw("GET /heal");  // a slow client that never finishes its request
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.wait_for_close());
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST_F(MetricsServerTest, ExcessConnectionsAreClosed) {
  MetricsServerOptions options;
  options.max_connections = 2;
  start(options);
  TestClient a(server_->port());
  TestClient b(server_->port());
  // A round trip on each guarantees both were accepted before the third connects.
  EXPECT_EQ(a.request(http::verb::get, "/healthz").result(), http::status::ok);
  EXPECT_EQ(b.request(http::verb::get, "/healthz").result(), http::status::ok);
  TestClient c(server_->port());
  EXPECT_TRUE(c.wait_for_close());
  EXPECT_EQ(counter_value(reg_, "phoenix_metrics_connections_rejected_total",
                          "Metrics server connections closed at once because too many were open."),
            1u);
  // The accepted ones still work.
  EXPECT_EQ(a.request(http::verb::get, "/healthz").result(), http::status::ok);
}

TEST_F(MetricsServerTest, OversizedRequestIsRejected) {
  MetricsServerOptions options;
  options.max_header_bytes = 256;
  start(options);
  TestClient client(server_->port());
  client.write_raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(1024, 'a') + "\r\n\r\n");
  const auto res = client.read_response();
  EXPECT_EQ(res.result(), http::status::request_header_fields_too_large);
  EXPECT_FALSE(res.keep_alive());
}

TEST_F(MetricsServerTest, OversizedBodyIsRejected) {
  MetricsServerOptions options;
  options.max_body_bytes = 16;
  start(options);
  TestClient client(server_->port());
  const auto res = client.request(http::verb::post, "/metrics", true, std::string(1000, 'b'));
  EXPECT_EQ(res.result(), http::status::payload_too_large);
}

TEST_F(MetricsServerTest, MalformedRequestIs400) {
  start();
  TestClient client(server_->port());
  client.write_raw("this is not http\r\n\r\n");
  const auto res = client.read_response();
  EXPECT_EQ(res.result(), http::status::bad_request);
}

}  // namespace
}  // namespace phoenix::telemetry
