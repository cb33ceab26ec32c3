#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "net/testing/recording_handler.h"
#include "net/testing/test_tls.h"
#include "net/testing/ws_test_server.h"
#include "net/ws_client.h"
#include "telemetry/metrics.h"

namespace phoenix::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::RecordingHandler;
using testing::run_until;
using testing::ServerOptions;
using testing::ServerSession;
using testing::WsTestServer;

// wss:// against a Beast TLS server on loopback with a certificate made for the test.
class WsTlsTest : public ::testing::Test {
 protected:
  void serve(const testing::TestCert& cert) {
    server_tls_ = testing::make_server_context(cert);
    ServerOptions so;
    so.tls = server_tls_.get();
    so.deflate = true;
    server_ = std::make_unique<WsTestServer>(ioc_, so);
    server_->on_session = [](ServerSession& s) { s.send("secret market data"); };
  }

  // Connects to `host` (the server listens on 127.0.0.1), trusting `ca_file` ("" = system only).
  std::unique_ptr<WsClient> connect(const std::string& host, const std::string& ca_file) {
    auto tls = make_tls_client_context(ca_file);
    EXPECT_TRUE(tls.ok()) << tls.error().message;
    client_tls_ = *tls;
    auto url = parse_ws_url(server_->url("/ws", host));
    EXPECT_TRUE(url.ok());
    auto client = std::make_unique<WsClient>(ioc_, *url, WsClientOptions{}, client_tls_.get(), meters_,
                                             core::RealClock::instance(), handler_);
    client->start();
    EXPECT_TRUE(run_until(ioc_, [&] { return !handler_.messages.empty() || handler_.closed.has_value(); }));
    return client;
  }

  std::string ca_file(const testing::TestCert& cert) {
    return testing::write_temp_file(::testing::TempDir(), cert.cert_pem);
  }

  asio::io_context ioc_;
  telemetry::Registry registry_;
  WsMeters meters_{registry_, "tls"};
  RecordingHandler handler_;
  std::unique_ptr<asio::ssl::context> server_tls_;
  std::shared_ptr<asio::ssl::context> client_tls_;
  std::unique_ptr<WsTestServer> server_;
};

TEST_F(WsTlsTest, ConnectsToTrustedCertificateByIpAddress) {
  const auto cert = testing::make_self_signed_cert("phoenix-test", "DNS:localhost,IP:127.0.0.1");
  serve(cert);
  auto client = connect("127.0.0.1", ca_file(cert));
  ASSERT_FALSE(handler_.closed.has_value()) << handler_.closed->error;
  ASSERT_EQ(handler_.messages.size(), 1u);
  EXPECT_EQ(handler_.messages[0], "secret market data");
  EXPECT_TRUE(client->deflate().enabled);
  // Wire bytes are TLS plaintext under the WebSocket layer: the compressed frame only.
  const WsStats st = client->stats();
  EXPECT_GT(st.wire_in_bytes - st.wire_in_at_open_bytes, 2u);
  EXPECT_LT(st.wire_in_bytes - st.wire_in_at_open_bytes, 2u + 18u + 8u);
}

TEST_F(WsTlsTest, ConnectsToTrustedCertificateByHostNameWithSni) {
  const auto cert = testing::make_self_signed_cert("phoenix-test", "DNS:localhost,IP:127.0.0.1");
  serve(cert);
  auto client = connect("localhost", ca_file(cert));
  ASSERT_FALSE(handler_.closed.has_value()) << handler_.closed->error;
  EXPECT_EQ(handler_.messages.size(), 1u);
}

TEST_F(WsTlsTest, FailsWhenTheCaIsNotTrusted) {
  const auto cert = testing::make_self_signed_cert("phoenix-test", "DNS:localhost,IP:127.0.0.1");
  serve(cert);
  auto client = connect("127.0.0.1", "");
  ASSERT_TRUE(handler_.closed.has_value());
  EXPECT_EQ(handler_.closed->reason, DownReason::kTlsFailed);
  EXPECT_EQ(handler_.closed->phase, "tls");
  EXPECT_NE(handler_.closed->error.find("self-signed"), std::string::npos) << handler_.closed->error;
  EXPECT_TRUE(handler_.messages.empty());
}

TEST_F(WsTlsTest, FailsWhenTheHostNameDoesNotMatch) {
  const auto cert = testing::make_self_signed_cert("phoenix-test", "DNS:stream.example.invalid");
  serve(cert);
  auto client = connect("127.0.0.1", ca_file(cert));
  ASSERT_TRUE(handler_.closed.has_value());
  EXPECT_EQ(handler_.closed->reason, DownReason::kTlsFailed);
  EXPECT_NE(handler_.closed->error.find("does not match host name \"127.0.0.1\""), std::string::npos)
      << handler_.closed->error;
  EXPECT_TRUE(handler_.messages.empty());
}

TEST_F(WsTlsTest, BadCaFileIsAnError) {
  auto tls = make_tls_client_context("/nonexistent/ca.pem");
  ASSERT_FALSE(tls.ok());
  EXPECT_NE(tls.error().message.find("/nonexistent/ca.pem"), std::string::npos);
}

}  // namespace
}  // namespace phoenix::net
