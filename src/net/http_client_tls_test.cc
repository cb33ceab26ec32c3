// HttpClient over TLS: peer and host-name verification, SNI.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

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

namespace ssl = asio::ssl;

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
