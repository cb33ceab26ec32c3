#pragma once

// Binance request signing: HMAC-SHA256 and Ed25519 signers, the REST and WebSocket-API
// signature payloads, and the server-time offset that `timestamp` is computed with.
//
// What gets signed (docs/.../binance-spot-api.md §4):
//   REST     the percent-encoded query string concatenated, with no separator, to the
//            percent-encoded body, exactly as sent. `recvWindow` and `timestamp` are
//            appended after the caller's parameters (to the body when there is one), then
//            `signature` (percent-encoded, which matters for base64: + / =).
//   WS API   every param except `signature`, sorted by name, joined as k=v&... in raw
//            UTF-8 with no encoding; the signature goes into params as given (no encoding).
//   HMAC-SHA256 signatures are lowercase hex; Ed25519 signatures are base64.
//
// Key material lives in core::Secret until a signer is made, then only inside OpenSSL
// objects owned by the signer; no function here logs or returns it, and error messages
// never quote it.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/secret.h"

namespace phoenix::binance {

enum class SignatureKind : uint8_t {
  kHmacSha256,  // hex
  kEd25519,     // base64
};

// Signs payloads with one API key's secret. Made by make_hmac_signer() or
// make_ed25519_signer(); owned by the order gateway. Not copyable; one thread at a time
// (the trading loop); separate instances are independent.
class Signer {
 public:
  virtual ~Signer() = default;
  virtual SignatureKind kind() const = 0;
  // The signature of `payload` (lowercase hex for HMAC, base64 for Ed25519). Fails only
  // when OpenSSL does.
  virtual core::Result<std::string> sign(std::string_view payload) = 0;
};

// An HMAC-SHA256 signer keyed with the API secret (used as raw bytes). Errors when the
// secret is empty.
core::Result<std::unique_ptr<Signer>> make_hmac_signer(const core::Secret& api_secret);

// An Ed25519 signer from a PEM "PRIVATE KEY" (PKCS#8). Errors, with a message that never
// contains the key, on anything else: not PEM, an encrypted key (never prompts), a key of
// another type.
core::Result<std::unique_ptr<Signer>> make_ed25519_signer(const core::Secret& private_key_pem);

// One request parameter; views into the caller's strings. Values are UTF-8.
struct Param {
  std::string_view name;
  std::string_view value;
};

// RFC 3986 percent-encoding: A-Z a-z 0-9 - . _ ~ stay, every other byte (UTF-8 bytes
// included) becomes %XX with upper-case hex.
void append_percent_encoded(std::string& out, std::string_view text);
std::string percent_encode(std::string_view text);

// name=value&... with names and values percent-encoded, in the given order.
std::string encode_params(std::span<const Param> params);

// A signed REST request's query string and form body, exactly as to send (either may be
// empty; no leading '?').
struct SignedRestRequest {
  std::string query;
  std::string body;
};

// Encodes `query` and `body` params, appends recvWindow (when given) and timestamp to
// the body when it has params, else to the query, signs query + body and appends the
// signature there too. `timestamp` is in the unit the request uses (ms unless the
// X-MBX-TIME-UNIT header says otherwise); `recv_window_ms` is in ms.
core::Result<SignedRestRequest> sign_rest_request(Signer& signer, std::span<const Param> query,
                                                  std::span<const Param> body, int64_t timestamp,
                                                  std::optional<int64_t> recv_window_ms);

// The WS-API signature payload: params except "signature", sorted by name (bytewise),
// "k=v" joined by '&', raw. Errors on an empty or duplicate name.
core::Result<std::string> ws_signature_payload(std::span<const Param> params);

// The WS-API signature of `params` (sign(ws_signature_payload(params))).
core::Result<std::string> sign_ws_params(Signer& signer, std::span<const Param> params);

// An owned WS-API param, for callers that build the params object from it.
struct OwnedParam {
  std::string name;
  std::string value;
};

// Sorts `params` by name, drops any "signature", and appends {"signature", <sig>}.
core::Status add_ws_signature(Signer& signer, std::vector<OwnedParam>& params);

// ---- Server time.

// One GET /api/v3/time (or WS `time`) exchange: local wall-clock times around it and the
// server's answer, all in ms since the Unix epoch.
struct ServerTimeSample {
  int64_t request_sent_ms = 0;
  int64_t response_received_ms = 0;
  int64_t server_time_ms = 0;
};

// server time ~= local wall time + offset_ms. The server is assumed to read its clock
// at the midpoint of the round trip, so the estimate is off by at most round_trip_ms / 2.
struct ServerTimeOffset {
  int64_t offset_ms = 0;
  int64_t round_trip_ms = 0;
};

// offset = server_time - (sent + (received - sent) / 2), the midpoint rounded down.
// Errors when received < sent (a clock step) or on overflow.
core::Result<ServerTimeOffset> estimate_server_time_offset(const ServerTimeSample& sample);

// The estimate from the sample with the shortest round trip (the tightest bound); the
// first of equals. Errors when `samples` is empty or none is usable.
core::Result<ServerTimeOffset> best_server_time_offset(std::span<const ServerTimeSample> samples);

// The `timestamp` to send at local wall time `local_wall_ms`: local + offset (saturating).
int64_t server_timestamp_ms(int64_t local_wall_ms, const ServerTimeOffset& offset);

}  // namespace phoenix::binance
