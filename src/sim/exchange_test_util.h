#pragma once

// Test helpers for the Exchange: a spec with the Binance docs' example keys, a harness
// that signs REST and WebSocket-API requests like a client would, and JSON accessors.
// Tests only; single-threaded.

#include <cctype>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "core/clock.h"
#include "sim/auth.h"
#include "sim/exchange.h"
#include "sim/exchange_spec.h"
#include "sim/json_writer.h"

namespace phoenix::sim::testing {

// The HMAC key pair of the Binance API docs' examples.
inline constexpr char kHmacKey[] = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
inline constexpr char kHmacSecret[] = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
// The Ed25519 API key of the docs' WS-API examples, with fix-api.md's private key.
inline constexpr char kEdKey[] = "4yNzx3yWC5bS6YTwEkSRaC0nRmSQIIStAUOh1b6kqaBrTLIhjCpI5lJH8q8R8WNO";
inline constexpr char kEdPrivatePem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIIJEYWtGBrhACmb9Dvy+qa8WEf0lQOl1s4CLIAB9m89u\n"
    "-----END PRIVATE KEY-----\n";
inline constexpr char kBobKey[] = "bobkey";
inline constexpr char kBobSecret[] = "bobsecret";
inline constexpr AccountId kAlice = 1;
inline constexpr AccountId kBob = 2;

// Assets ETH(8) USDC(6) BTC(8) LTC(8) USDT(8); symbols ETHUSDC (0.01 tick, 0.0001 step,
// min notional 1 USDC, max 5 open orders), LTCBTC and BTCUSDT (the docs' examples).
inline ExchangeSpec make_spec() {
  ExchangeSpec spec;
  spec.assets = {{"ETH", 8}, {"USDC", 6}, {"BTC", 8}, {"LTC", 8}, {"USDT", 8}};
  ExchangeSymbolSpec eth;
  eth.engine = SymbolSpec{"ETHUSDC", "ETH", "USDC", 2, 4, 1, 1, 1, 100'000'000, 1'000'000};
  eth.min_price_units = 1;
  eth.max_price_units = 100'000'000;
  eth.max_num_orders = 5;
  eth.default_stp = StpMode::kExpireMaker;
  ExchangeSymbolSpec ltc;
  ltc.engine = SymbolSpec{"LTCBTC", "LTC", "BTC", 8, 8, 1, 1, 1, 100'000'000'000, 0};
  ExchangeSymbolSpec btc;
  btc.engine = SymbolSpec{"BTCUSDT", "BTC", "USDT", 2, 8, 1, 1, 1, 100'000'000'000, 0};
  spec.symbols = {eth, ltc, btc};
  const std::vector<std::pair<std::string, int64_t>> balances = {{"ETH", 100'00000000},
                                                                 {"USDC", 1'000'000'000000},
                                                                 {"BTC", 10'00000000},
                                                                 {"LTC", 100'00000000},
                                                                 {"USDT", 1'000'000'00000000}};
  AccountSpec alice;
  alice.id = kAlice;
  alice.name = "alice";
  alice.keys.push_back(ApiKeySpec{kHmacKey, KeyType::kHmac, kHmacSecret, ""});
  alice.keys.push_back(ApiKeySpec{kEdKey, KeyType::kEd25519, "", ed25519_public_pem(kEdPrivatePem).value()});
  alice.balances = balances;
  AccountSpec bob;
  bob.id = kBob;
  bob.name = "bob";
  bob.keys.push_back(ApiKeySpec{kBobKey, KeyType::kHmac, kBobSecret, ""});
  bob.balances = balances;
  spec.accounts = {alice, bob};
  return spec;
}

// JSON accessors by JSON pointer ("/error/code"); each call parses the text again.
inline int64_t jint(const std::string& text, std::string_view pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(text).get(doc)) return -999999;
  int64_t v = 0;
  if (doc.at_pointer(pointer).get_int64().get(v)) return -999998;
  return v;
}
inline std::string jstr(const std::string& text, std::string_view pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(text).get(doc)) return "<bad json>";
  simdjson::dom::element e;
  if (doc.at_pointer(pointer).get(e)) return "<missing>";
  std::string_view s;
  if (e.get_string().get(s)) return std::string(simdjson::minify(e));
  return std::string(s);
}
inline bool jhas(const std::string& text, std::string_view pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(text).get(doc)) return false;
  simdjson::dom::element e;
  return !doc.at_pointer(pointer).get(e);
}
inline size_t jsize(const std::string& text, std::string_view pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(text).get(doc)) return 0;
  simdjson::dom::array a;
  if (doc.at_pointer(pointer).get_array().get(a)) return 0;
  return a.size();
}

inline std::string header(const HttpReplyOut& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "<none>";
}

enum class Sign { kHmac, kEd25519, kNone };

class Harness {
 public:
  explicit Harness(ExchangeSpec spec = make_spec(), int64_t wall_ms = 1'764'000'000'000)
      : clock_(1'000'000'000, wall_ms * 1000) {
    auto ex = Exchange::create(std::move(spec), clock_);
    if (!ex) throw std::runtime_error(ex.error().message);
    ex_ = std::move(*ex);
  }
  Exchange& ex() { return *ex_; }
  core::ManualClock& clock() { return clock_; }
  int64_t now_ms() const { return clock_.wall_ms(); }

  HttpReplyOut rest(std::string_view method, std::string_view target, std::string_view body = {},
                    std::string_view api_key = {}, std::string_view ip = "10.0.0.1") {
    HttpRequestIn in;
    in.method = method;
    in.target = target;
    in.body = body;
    in.content_type = body.empty() ? "" : "application/x-www-form-urlencoded";
    in.api_key = api_key;
    in.client_ip = ip;
    return ex_->handle_rest(in);
  }

  // A signed REST request: `query` and `body` get timestamp (in the body when it is not
  // empty) and the HMAC signature of query + body appended.
  HttpReplyOut signed_rest(std::string_view method, std::string_view path, std::string query,
                           std::string body = {}, std::string_view key = kHmacKey,
                           std::string_view secret = kHmacSecret, std::string_view ip = "10.0.0.1") {
    std::string& target = body.empty() ? query : body;
    if (!target.empty()) target += "&";
    target += "timestamp=" + std::to_string(now_ms());
    const std::string signature = hmac_sha256_hex(secret, query + body);
    target += "&signature=" + signature;
    const std::string full = std::string(path) + (query.empty() ? "" : "?" + query);
    return rest(method, full, body, key, ip);
  }

  Exchange::SessionId ws_open(std::string_view ip = "10.0.0.2") {
    auto frames = std::make_shared<std::vector<std::string>>();
    const Exchange::SessionId id =
        ex_->ws_api_open(ip, [frames](std::string text) { frames->push_back(std::move(text)); });
    frames_[id] = frames;
    return id;
  }
  std::vector<std::string>& frames(Exchange::SessionId id) { return *frames_[id]; }
  // Frames that are user data events (not responses), and forgets them all.
  std::vector<std::string> take_events(Exchange::SessionId id) {
    std::vector<std::string> out;
    for (std::string& f : *frames_[id]) {
      if (f.starts_with("{\"subscriptionId\"")) out.push_back(std::move(f));
    }
    frames_[id]->clear();
    return out;
  }

  // Sends one WS-API request and returns its response frame. Params are (name, value):
  // digit-only values go as JSON numbers, others as strings. Signed requests get apiKey,
  // timestamp (unless present) and signature; kNone sends the params as they are.
  std::string ws(Exchange::SessionId id, std::string_view method,
                 std::vector<std::pair<std::string, std::string>> params, Sign sign = Sign::kHmac,
                 std::string_view key = kHmacKey, std::string_view secret = kHmacSecret,
                 std::string_view request_id = "1") {
    if (sign != Sign::kNone) {
      params.emplace_back("apiKey", std::string(key));
      bool has_ts = false;
      for (auto& [k, v] : params) has_ts |= k == "timestamp";
      if (!has_ts) params.emplace_back("timestamp", std::to_string(now_ms()));
      std::vector<std::pair<std::string, std::string>> sorted = params;
      std::sort(sorted.begin(), sorted.end());
      std::string payload;
      for (const auto& [k, v] : sorted) payload += (payload.empty() ? "" : "&") + k + "=" + v;
      const std::string signature = sign == Sign::kHmac ? hmac_sha256_hex(secret, payload)
                                                        : ed25519_sign_base64(kEdPrivatePem, payload).value();
      params.emplace_back("signature", signature);
    }
    JsonWriter w;
    w.begin_object().key("id").raw(request_id).kv("method", method).key("params").begin_object();
    for (const auto& [k, v] : params) {
      const bool number = !v.empty() && std::all_of(v.begin(), v.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      });
      w.key(k);
      if (number) {
        w.raw(v);
      } else {
        w.str(v);
      }
    }
    w.end_object().end_object();
    return ws_raw(id, w.text());
  }
  // Sends a raw frame; returns the last response frame (one with "id").
  std::string ws_raw(Exchange::SessionId id, std::string_view text) {
    auto& f = *frames_[id];
    const size_t before = f.size();
    ex_->ws_api_message(id, text);
    for (size_t i = f.size(); i > before; --i) {
      if (f[i - 1].starts_with("{\"id\"")) return f[i - 1];
    }
    return "<no response>";
  }

 private:
  core::ManualClock clock_;
  std::unique_ptr<Exchange> ex_;
  std::map<Exchange::SessionId, std::shared_ptr<std::vector<std::string>>> frames_;
};

}  // namespace phoenix::sim::testing
