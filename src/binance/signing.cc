#include "binance/signing.h"

#include <algorithm>
#include <array>
#include <limits>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/pem.h>

namespace phoenix::binance {
namespace {

using core::Error;
using core::ErrorCode;

constexpr char kHexLower[] = "0123456789abcdef";
constexpr char kHexUpper[] = "0123456789ABCDEF";

// The reason of OpenSSL's most recent error (never key material), and an empty queue
// afterwards so the error does not surface in unrelated code.
std::string openssl_reason() {
  const unsigned long code = ERR_peek_last_error();
  const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
  ERR_clear_error();
  return reason != nullptr ? std::string(reason) : std::string("unknown OpenSSL error");
}

Error crypto_error(std::string_view what) {
  return Error{ErrorCode::kInternal, std::string(what) + ": " + openssl_reason()};
}

struct MacDeleter {
  void operator()(EVP_MAC* p) const { EVP_MAC_free(p); }
};
struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct BioDeleter {
  void operator()(BIO* p) const { BIO_free(p); }
};

// HMAC-SHA256 keyed once. sign() re-initialises one working context with the stored key
// (EVP_MAC_init with a null key reuses the key's prepared inner/outer state): no
// allocation and no context copy per signature.
class HmacSigner final : public Signer {
 public:
  explicit HmacSigner(std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> keyed) : work_(std::move(keyed)) {}

  SignatureKind kind() const override { return SignatureKind::kHmacSha256; }

  core::Result<std::string> sign(std::string_view payload) override {
    std::array<unsigned char, 32> mac{};
    size_t mac_len = 0;
    if (EVP_MAC_init(work_.get(), nullptr, 0, nullptr) != 1 ||
        EVP_MAC_update(work_.get(), reinterpret_cast<const unsigned char*>(payload.data()), payload.size()) !=
            1 ||
        EVP_MAC_final(work_.get(), mac.data(), &mac_len, mac.size()) != 1 || mac_len != mac.size()) {
      return crypto_error("HMAC-SHA256 failed");
    }
    std::string hex(2 * mac.size(), '\0');
    for (size_t i = 0; i < mac.size(); ++i) {
      hex[2 * i] = kHexLower[mac[i] >> 4];
      hex[2 * i + 1] = kHexLower[mac[i] & 0xf];
    }
    return hex;
  }

 private:
  std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> work_;
};

class Ed25519Signer final : public Signer {
 public:
  explicit Ed25519Signer(std::unique_ptr<EVP_PKEY, PkeyDeleter> key) : key_(std::move(key)) {}

  SignatureKind kind() const override { return SignatureKind::kEd25519; }

  core::Result<std::string> sign(std::string_view payload) override {
    std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
    if (!ctx) return crypto_error("Ed25519 context allocation failed");
    std::array<unsigned char, 64> sig{};
    size_t sig_len = sig.size();
    if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
        EVP_DigestSign(ctx.get(), sig.data(), &sig_len,
                       reinterpret_cast<const unsigned char*>(payload.data()), payload.size()) != 1 ||
        sig_len != sig.size()) {
      return crypto_error("Ed25519 signing failed");
    }
    // 64 bytes -> 88 base64 characters plus EVP_EncodeBlock's terminating NUL.
    std::array<unsigned char, 89> b64{};
    const int n = EVP_EncodeBlock(b64.data(), sig.data(), static_cast<int>(sig.size()));
    if (n != 88) return Error{ErrorCode::kInternal, "Ed25519 signature: base64 encoding failed"};
    return std::string(reinterpret_cast<const char*>(b64.data()), static_cast<size_t>(n));
  }

 private:
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key_;
};

// PEM passphrase callback: an encrypted key fails instead of prompting on a terminal.
int no_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return -1; }

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

void append_param(std::string& out, std::string_view name, std::string_view value) {
  if (!out.empty()) out += '&';
  append_percent_encoded(out, name);
  out += '=';
  append_percent_encoded(out, value);
}

}  // namespace

core::Result<std::unique_ptr<Signer>> make_hmac_signer(const core::Secret& api_secret) {
  if (api_secret.empty()) return Error{ErrorCode::kInvalidArgument, "HMAC signer: the API secret is empty"};
  std::unique_ptr<EVP_MAC, MacDeleter> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) return crypto_error("HMAC signer: HMAC is unavailable");
  std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx(EVP_MAC_CTX_new(mac.get()));
  if (!ctx) return crypto_error("HMAC signer: context allocation failed");
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  const std::string& key = api_secret.reveal();
  if (EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(), params) != 1) {
    return crypto_error("HMAC signer: keying failed");
  }
  return std::unique_ptr<Signer>(std::make_unique<HmacSigner>(std::move(ctx)));
}

core::Result<std::unique_ptr<Signer>> make_ed25519_signer(const core::Secret& private_key_pem) {
  const std::string& pem = private_key_pem.reveal();
  if (pem.empty()) return Error{ErrorCode::kInvalidArgument, "Ed25519 signer: the private key is empty"};
  if (pem.find("-----BEGIN") == std::string::npos) {
    return Error{ErrorCode::kInvalidArgument,
                 "Ed25519 signer: the private key is not PEM (expected \"-----BEGIN PRIVATE KEY-----\")"};
  }
  if (pem.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return Error{ErrorCode::kInvalidArgument, "Ed25519 signer: the private key is too large"};
  }
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return crypto_error("Ed25519 signer: BIO allocation failed");
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) {
    return Error{ErrorCode::kInvalidArgument,
                 "Ed25519 signer: cannot read the private key as an unencrypted PEM PKCS#8 key (" +
                     openssl_reason() + ")"};
  }
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_ED25519) {
    const char* type = OBJ_nid2sn(EVP_PKEY_get_base_id(key.get()));
    return Error{ErrorCode::kInvalidArgument, std::string("Ed25519 signer: the private key is of type ") +
                                                  (type != nullptr ? type : "unknown") + ", not ED25519"};
  }
  return std::unique_ptr<Signer>(std::make_unique<Ed25519Signer>(std::move(key)));
}

void append_percent_encoded(std::string& out, std::string_view text) {
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c)) {
      out += ch;
    } else {
      out += '%';
      out += kHexUpper[c >> 4];
      out += kHexUpper[c & 0xf];
    }
  }
}

std::string percent_encode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_percent_encoded(out, text);
  return out;
}

std::string encode_params(std::span<const Param> params) {
  std::string out;
  for (const Param& p : params) append_param(out, p.name, p.value);
  return out;
}

core::Result<SignedRestRequest> sign_rest_request(Signer& signer, std::span<const Param> query,
                                                  std::span<const Param> body, int64_t timestamp,
                                                  std::optional<int64_t> recv_window_ms) {
  SignedRestRequest req{encode_params(query), encode_params(body)};
  std::string& tail = body.empty() ? req.query : req.body;
  if (recv_window_ms) append_param(tail, "recvWindow", std::to_string(*recv_window_ms));
  append_param(tail, "timestamp", std::to_string(timestamp));
  std::string payload;
  payload.reserve(req.query.size() + req.body.size());
  payload += req.query;
  payload += req.body;
  auto signature = signer.sign(payload);
  if (!signature) return std::move(signature).error();
  append_param(tail, "signature", *signature);
  return req;
}

core::Result<std::string> ws_signature_payload(std::span<const Param> params) {
  std::vector<const Param*> sorted;
  sorted.reserve(params.size());
  for (const Param& p : params) {
    if (p.name.empty()) return Error{ErrorCode::kInvalidArgument, "WS-API params: an empty parameter name"};
    if (p.name != "signature") sorted.push_back(&p);
  }
  std::sort(sorted.begin(), sorted.end(), [](const Param* a, const Param* b) { return a->name < b->name; });
  std::string payload;
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i > 0) {
      if (sorted[i]->name == sorted[i - 1]->name) {
        return Error{ErrorCode::kInvalidArgument,
                     "WS-API params: duplicate parameter \"" + std::string(sorted[i]->name) + "\""};
      }
      payload += '&';
    }
    payload += sorted[i]->name;
    payload += '=';
    payload += sorted[i]->value;
  }
  return payload;
}

core::Result<std::string> sign_ws_params(Signer& signer, std::span<const Param> params) {
  auto payload = ws_signature_payload(params);
  if (!payload) return std::move(payload).error();
  return signer.sign(*payload);
}

core::Status add_ws_signature(Signer& signer, std::vector<OwnedParam>& params) {
  std::erase_if(params, [](const OwnedParam& p) { return p.name == "signature"; });
  std::sort(params.begin(), params.end(),
            [](const OwnedParam& a, const OwnedParam& b) { return a.name < b.name; });
  std::vector<Param> views;
  views.reserve(params.size());
  for (const OwnedParam& p : params) views.push_back(Param{p.name, p.value});
  auto signature = sign_ws_params(signer, views);
  if (!signature) return std::move(signature).error();
  params.push_back(OwnedParam{"signature", std::move(*signature)});
  return {};
}

core::Result<ServerTimeOffset> estimate_server_time_offset(const ServerTimeSample& s) {
  int64_t round_trip = 0;
  if (__builtin_sub_overflow(s.response_received_ms, s.request_sent_ms, &round_trip)) {
    return Error{ErrorCode::kOutOfRange, "server time: the round trip overflows"};
  }
  if (round_trip < 0) {
    return Error{ErrorCode::kOutOfRange,
                 "server time: the response arrived before the request was sent "
                 "(the local clock stepped back)"};
  }
  const int64_t midpoint = s.request_sent_ms + round_trip / 2;  // no overflow: between sent and received
  int64_t offset = 0;
  if (__builtin_sub_overflow(s.server_time_ms, midpoint, &offset)) {
    return Error{ErrorCode::kOutOfRange, "server time: the offset overflows"};
  }
  return ServerTimeOffset{offset, round_trip};
}

core::Result<ServerTimeOffset> best_server_time_offset(std::span<const ServerTimeSample> samples) {
  std::optional<ServerTimeOffset> best;
  for (const ServerTimeSample& s : samples) {
    auto estimate = estimate_server_time_offset(s);
    if (estimate && (!best || estimate->round_trip_ms < best->round_trip_ms)) best = *estimate;
  }
  if (!best) return Error{ErrorCode::kInvalidArgument, "server time: no usable sample"};
  return *best;
}

int64_t server_timestamp_ms(int64_t local_wall_ms, const ServerTimeOffset& offset) {
  int64_t out = 0;
  if (__builtin_add_overflow(local_wall_ms, offset.offset_ms, &out)) {
    return offset.offset_ms > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  }
  return out;
}

}  // namespace phoenix::binance
