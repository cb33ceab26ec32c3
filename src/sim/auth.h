#pragma once

// Request signatures as Binance checks them: HMAC-SHA256 (hex, case-insensitive) and
// Ed25519 (base64 of the 64-byte signature), plus the helpers tests and tools need to
// produce them (signing with a PEM private key). OpenSSL EVP underneath. Functions are
// thread-safe; a KeyVerifier is immutable after construction and may be shared.

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "sim/exchange_spec.h"

typedef struct evp_pkey_st EVP_PKEY;  // NOLINT(modernize-use-using): OpenSSL's own typedef

namespace phoenix::sim {

// Lower-case hex HMAC-SHA256 of `payload` under `secret`.
std::string hmac_sha256_hex(std::string_view secret, std::string_view payload);

std::string base64_encode(std::string_view bytes);
// Standard alphabet with padding; an error on anything else.
core::Result<std::string> base64_decode(std::string_view text);

// Signs `payload` with an Ed25519 private key in PEM (PKCS#8); base64 signature.
core::Result<std::string> ed25519_sign_base64(std::string_view private_pem, std::string_view payload);
// The PEM public key ("-----BEGIN PUBLIC KEY-----...") of an Ed25519 private key.
core::Result<std::string> ed25519_public_pem(std::string_view private_pem);

// Verifies signatures for one API key. Build with create() (parses the Ed25519 PEM).
class KeyVerifier {
 public:
  static core::Result<KeyVerifier> create(const ApiKeySpec& spec);

  KeyType type() const { return type_; }
  // True when `signature` (as the client sent it, already percent-decoded) signs
  // `payload` with this key.
  bool verify(std::string_view payload, std::string_view signature) const;
  // Ed25519 only: the public key as base64 SPKI DER ("MCowBQYDK2VwAyEA...").
  std::string spki_base64() const;

 private:
  KeyType type_ = KeyType::kHmac;
  std::string hmac_secret_;
  std::shared_ptr<EVP_PKEY> ed25519_;
};

}  // namespace phoenix::sim
