#include "sim/auth.h"

#include <cctype>
#include <vector>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace phoenix::sim {
namespace {

using core::Error;
using core::ErrorCode;

std::shared_ptr<EVP_PKEY> wrap(EVP_PKEY* key) { return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free); }

std::shared_ptr<EVP_PKEY> read_pem(std::string_view pem, bool is_private) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return nullptr;
  EVP_PKEY* key = is_private ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr)
                             : PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) return nullptr;
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    return nullptr;
  }
  return wrap(key);
}

}  // namespace

std::string hmac_sha256_hex(std::string_view secret, std::string_view payload) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

core::Result<std::string> base64_decode(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return Error{ErrorCode::kInvalidArgument, "bad base64 length"};
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool pad_ok = c == '=' && i + 2 >= text.size() && (i + 1 == text.size() || text[i + 1] == '=');
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && !pad_ok) {
      return Error{ErrorCode::kInvalidArgument, "bad base64 character"};
    }
  }
  std::string out(text.size() / 4 * 3, '\0');
  const int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return Error{ErrorCode::kInvalidArgument, "bad base64"};
  size_t size = static_cast<size_t>(n);
  if (text.ends_with("==")) {
    size -= 2;
  } else if (text.ends_with("=")) {
    size -= 1;
  }
  out.resize(size);
  return out;
}

core::Result<std::string> ed25519_sign_base64(std::string_view private_pem, std::string_view payload) {
  auto key = read_pem(private_pem, /*is_private=*/true);
  if (!key) return Error{ErrorCode::kInvalidArgument, "not an Ed25519 private key in PEM"};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char sig[64];
  size_t sig_len = sizeof(sig);
  const bool ok = ctx != nullptr && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key.get()) == 1 &&
                  EVP_DigestSign(ctx, sig, &sig_len, reinterpret_cast<const unsigned char*>(payload.data()),
                                 payload.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return Error{ErrorCode::kInternal, "Ed25519 signing failed"};
  return base64_encode(std::string_view(reinterpret_cast<const char*>(sig), sig_len));
}

core::Result<std::string> ed25519_public_pem(std::string_view private_pem) {
  auto key = read_pem(private_pem, /*is_private=*/true);
  if (!key) return Error{ErrorCode::kInvalidArgument, "not an Ed25519 private key in PEM"};
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio, key.get()) != 1) {
    BIO_free(bio);
    return Error{ErrorCode::kInternal, "cannot write the public key"};
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(size));
  BIO_free(bio);
  return pem;
}

core::Result<KeyVerifier> KeyVerifier::create(const ApiKeySpec& spec) {
  KeyVerifier v;
  v.type_ = spec.type;
  if (spec.type == KeyType::kHmac) {
    if (spec.hmac_secret.empty()) return Error{ErrorCode::kInvalidArgument, "empty HMAC secret"};
    v.hmac_secret_ = spec.hmac_secret;
    return v;
  }
  v.ed25519_ = read_pem(spec.ed25519_public, /*is_private=*/false);
  if (!v.ed25519_) return Error{ErrorCode::kInvalidArgument, "not an Ed25519 public key in PEM"};
  return v;
}

bool KeyVerifier::verify(std::string_view payload, std::string_view signature) const {
  if (type_ == KeyType::kHmac) {
    const std::string expected = hmac_sha256_hex(hmac_secret_, payload);
    if (signature.size() != expected.size()) return false;
    unsigned diff = 0;
    for (size_t i = 0; i < expected.size(); ++i) {
      diff |= static_cast<unsigned>(std::tolower(static_cast<unsigned char>(signature[i])) ^
                                    static_cast<unsigned char>(expected[i]));
    }
    return diff == 0;
  }
  auto sig = base64_decode(signature);
  if (!sig || sig->size() != 64) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, ed25519_.get()) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig->data()), sig->size(),
                       reinterpret_cast<const unsigned char*>(payload.data()), payload.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

std::string KeyVerifier::spki_base64() const {
  if (!ed25519_) return {};
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(ed25519_.get(), &der);
  if (n <= 0) return {};
  std::string out =
      base64_encode(std::string_view(reinterpret_cast<const char*>(der), static_cast<size_t>(n)));
  OPENSSL_free(der);
  return out;
}

}  // namespace phoenix::sim
