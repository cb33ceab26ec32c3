#pragma once

// Test certificates made at run time with OpenSSL (no files in the repository): a
// self-signed EC P-256 certificate with chosen subjectAltNames, usable both as the server
// certificate and as the CA a client trusts. Tests only; throws on OpenSSL failures.

#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include <boost/asio/ssl/context.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

namespace phoenix::net::testing {

struct TestCert {
  std::string cert_pem;
  std::string key_pem;
};

namespace tls_detail {

inline std::string bio_to_string(BIO* bio) {
  std::string out(BIO_ctrl_pending(bio), '\0');
  if (!out.empty() && BIO_read(bio, out.data(), static_cast<int>(out.size())) <= 0)
    throw std::runtime_error("BIO_read");
  return out;
}

inline void add_ext(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) throw std::runtime_error("X509V3_EXT_conf_nid");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

}  // namespace tls_detail

// `san` like "DNS:localhost,IP:127.0.0.1".
inline TestCert make_self_signed_cert(const std::string& common_name, const std::string& san) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", const_cast<char*>("P-256")), &EVP_PKEY_free);
  if (!key) throw std::runtime_error("EC key generation failed");
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(std::rand() % 100000 + 1));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  tls_detail::add_ext(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  tls_detail::add_ext(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
  tls_detail::add_ext(cert.get(), NID_subject_alt_name, san.c_str());
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) throw std::runtime_error("X509_sign");

  TestCert out;
  std::unique_ptr<BIO, decltype(&BIO_free)> cbio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_X509(cbio.get(), cert.get());
  out.cert_pem = tls_detail::bio_to_string(cbio.get());
  std::unique_ptr<BIO, decltype(&BIO_free)> kbio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_PrivateKey(kbio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  out.key_pem = tls_detail::bio_to_string(kbio.get());
  return out;
}

// A TLS server context serving `cert`.
inline std::unique_ptr<boost::asio::ssl::context> make_server_context(const TestCert& cert) {
  auto ctx = std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
  ctx->use_certificate_chain(boost::asio::buffer(cert.cert_pem));
  ctx->use_private_key(boost::asio::buffer(cert.key_pem), boost::asio::ssl::context::pem);
  return ctx;
}

// Writes `content` to a new file under `dir`; returns its path.
inline std::string write_temp_file(const std::string& dir, const std::string& content) {
  std::string path = dir + "/phoenix_net_test_XXXXXX";
  const int fd = mkstemp(path.data());
  if (fd < 0) throw std::runtime_error("mkstemp");
  ::close(fd);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

}  // namespace phoenix::net::testing
