#include "sim/exchange_config.h"

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

namespace phoenix::sim {
namespace {

std::string source_dir() {
  const char* env = std::getenv("PHOENIX_SOURCE_DIR");
  return env ? env : PHOENIX_SOURCE_DIR_DEFAULT;
}

constexpr const char* kMinimal = R"(
assets: {USDC: 8, ETH: 8}
symbols:
  - symbol: ETHUSDC
    base: ETH
    quote: USDC
    tick_size: "0.01"
    step_size: "0.0001"
    start_price: "3000.00"
accounts:
  - id: 7
    name: alice
    balances: {USDC: "1000.5"}
    keys:
      - {type: hmac, api_key: k1, hmac_secret: s1}
)";

std::string errors_of(const std::string& yaml) {
  auto r = parse_exchange_config(yaml, "x.yaml", "");
  return r.ok() ? std::string() : r.error().message;
}

TEST(ExchangeConfig, ShippedConfigLoadsWithItsDemoKeys) {
  auto cfg = load_exchange_config(source_dir() + "/configs/exchange.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->server.host, "127.0.0.1");
  EXPECT_EQ(cfg->server.port, 8090);
  EXPECT_EQ(cfg->server.ping_interval_ms, 20000);
  EXPECT_EQ(cfg->server.max_incoming_per_s, 5);
  ASSERT_EQ(cfg->exchange.symbols.size(), 5u);
  const char* names[] = {"ETHUSDC", "DOGEUSDC", "SOLUSDC", "BNBUSDC", "XRPUSDC"};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(cfg->exchange.symbols[i].engine.name, names[i]);
    EXPECT_EQ(cfg->market.symbols[i].name, names[i]);
    EXPECT_GT(cfg->market.symbols[i].start_price_units, 0);
  }
  const auto& eth = cfg->exchange.symbols[0].engine;
  EXPECT_EQ(eth.price_scale, 8);
  EXPECT_EQ(eth.tick_units, 1'000'000);  // 0.01 at 8 decimals
  EXPECT_EQ(eth.step_units, 10'000);     // 0.0001
  EXPECT_EQ(eth.min_notional_units, 500'000'000);
  ASSERT_GE(cfg->exchange.accounts.size(), 1u);
  const auto& demo = cfg->exchange.accounts[0];
  ASSERT_EQ(demo.keys.size(), 2u);
  EXPECT_EQ(demo.keys[0].type, KeyType::kHmac);
  EXPECT_EQ(demo.keys[0].api_key.size(), 64u);
  EXPECT_EQ(demo.keys[0].hmac_secret.size(), 62u);  // read from the file, newline trimmed
  EXPECT_EQ(demo.keys[1].type, KeyType::kEd25519);
  EXPECT_NE(demo.keys[1].ed25519_public.find("BEGIN PUBLIC KEY"), std::string::npos);
}

TEST(ExchangeConfig, MinimalDocumentGetsDefaults) {
  auto cfg = parse_exchange_config(kMinimal, "x.yaml", "");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->server.port, 8090);
  EXPECT_EQ(cfg->exchange.symbols[0].engine.min_qty_units, 10'000);  // min_qty defaults to the step
  ASSERT_EQ(cfg->exchange.accounts.size(), 1u);
  EXPECT_EQ(cfg->exchange.accounts[0].id, 7);
  ASSERT_EQ(cfg->exchange.accounts[0].balances.size(), 1u);
  EXPECT_EQ(cfg->exchange.accounts[0].balances[0].second, 100'050'000'000);
  EXPECT_EQ(cfg->exchange.accounts[0].keys[0].hmac_secret, "s1");
}

TEST(ExchangeConfig, EveryProblemIsReportedWithItsPlace) {
  const std::string e = errors_of(R"(
listen: 127.0.0.1:99999
server: {deflate: maybe, pingz: 3}
assets: {USDC: 8, ETH: 8}
symbols:
  - symbol: ETHUSDC
    base: ETH
    quote: EUR
  - symbol: ETHUSDC
    base: ETH
    quote: USDC
    tick_size: "0.001234567891"
    step_size: "-1"
    start_price: "3000.005"
accounts:
  - id: 1
    name: a
    keys:
      - {type: rsa, api_key: k}
      - {type: hmac, api_key: k2}
)");
  EXPECT_NE(e.find("x.yaml:2:9: listen: port must be an integer in [0, 65535]"), std::string::npos) << e;
  EXPECT_NE(e.find("server.deflate: expected off, honour or no_context, got \"maybe\""), std::string::npos)
      << e;
  EXPECT_NE(e.find("server.pingz: unknown key"), std::string::npos) << e;
  EXPECT_NE(e.find("symbols[0].quote: unknown asset"), std::string::npos) << e;
  EXPECT_NE(e.find("symbols[1].tick_size: expected a decimal with at most 8 decimals"), std::string::npos)
      << e;
  EXPECT_NE(e.find("symbols[1].step_size: expected a positive decimal"), std::string::npos) << e;
  EXPECT_NE(e.find("accounts[0].keys[0].type: expected hmac or ed25519, got \"rsa\""), std::string::npos)
      << e;
  EXPECT_NE(e.find("accounts[0].keys[1]: give exactly one of hmac_secret and hmac_secret_file"),
            std::string::npos)
      << e;
}

TEST(ExchangeConfig, CrossFieldAndDuplicateChecks) {
  const std::string e = errors_of(R"(
assets: {USDC: 8, ETH: 8}
symbols:
  - {symbol: ETHUSDC, base: ETH, quote: USDC, tick_size: "0.01", step_size: "0.01", min_qty: "0.015", start_price: "10.001"}
accounts:
  - {id: 1, name: a, keys: [{type: hmac, api_key: same, hmac_secret: x}]}
  - {id: 1, name: b, keys: [{type: hmac, api_key: same, hmac_secret: y}], balances: {BTC: "1"}}
)");
  EXPECT_NE(e.find("symbols[0].min_qty: must be a multiple of step_size"), std::string::npos) << e;
  EXPECT_NE(e.find("symbols[0].start_price: must be a multiple of tick_size"), std::string::npos) << e;
  EXPECT_NE(e.find("accounts[1].id: duplicate account id 1"), std::string::npos) << e;
  EXPECT_NE(e.find("accounts[1].keys: duplicate api_key"), std::string::npos) << e;
  EXPECT_NE(e.find("accounts[1].balances.BTC: unknown asset"), std::string::npos) << e;
}

TEST(ExchangeConfig, BrokenYamlAndMissingFilesAreErrorsNotCrashes) {
  EXPECT_NE(errors_of("symbols: [unclosed").find("not valid YAML"), std::string::npos);
  EXPECT_NE(errors_of("- a list").find("expected a map at the top level"), std::string::npos);
  EXPECT_NE(errors_of("").find("expected a map at the top level"), std::string::npos);
  auto missing = load_exchange_config("/nonexistent/exchange.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("cannot open /nonexistent/exchange.yaml"), std::string::npos);
  const std::string e = errors_of(R"(
assets: {USDC: 8, ETH: 8}
symbols: [{symbol: ETHUSDC, base: ETH, quote: USDC, tick_size: "0.01", step_size: "1", start_price: "1"}]
accounts: [{id: 1, name: a, keys: [{type: ed25519, api_key: k, public_key_file: /nonexistent.pem}]}]
)");
  EXPECT_NE(e.find("accounts[0].keys[0].public_key_file: cannot open /nonexistent.pem"), std::string::npos)
      << e;
}

TEST(ExchangeConfig, FaultsAtStartAndServerLimits) {
  auto cfg = parse_exchange_config(std::string(kMinimal) + R"(
server: {http_timeout_ms: 500, max_ws_queue_bytes: 1048576}
faults:
  accept_close_ms: 2000
  handshake_status: 429
  handshake_count: 3
  handshake_retry_after_s: 7
  delay_ms: 250
  rest_mode: timeout
  rest_count: 2
  reject_count: 4
  reject_code: -1013
  stall_ms: 1500
  stall_symbol: ETHUSDC
)",
                                   "x.yaml", "");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->server.http_timeout_ms, 500);
  EXPECT_EQ(cfg->server.max_ws_queue_bytes, 1048576u);
  const ServerFaults& f = cfg->server.faults;
  EXPECT_EQ(f.accept_close_ms, 2000);
  EXPECT_EQ(f.handshake_status, 429);
  EXPECT_EQ(f.handshake_count, 3);
  EXPECT_EQ(f.handshake_retry_after_s, 7);
  EXPECT_EQ(f.delay_ms, 250);
  EXPECT_EQ(f.rest_mode, "timeout");
  EXPECT_EQ(f.rest_count, 2);
  EXPECT_EQ(f.reject_count, 4);
  EXPECT_EQ(f.reject_code, -1013);
  EXPECT_EQ(f.stall_ms, 1500);
  EXPECT_EQ(f.stall_symbol, "ETHUSDC");
  const std::string e = errors_of(std::string(kMinimal) + R"(
faults: {handshake_status: 404, rest_mode: slow, reject_code: 2010}
)");
  EXPECT_NE(e.find("faults.handshake_status: expected 0 (off), 429 or 503, got 404"), std::string::npos) << e;
  EXPECT_NE(e.find("faults.rest_mode: expected 5xx or timeout, got \"slow\""), std::string::npos) << e;
  EXPECT_NE(e.find("faults.reject_code: expected an integer in [-9999, -1], got 2010"), std::string::npos)
      << e;
}

TEST(ExchangeConfig, ListenAddress) {
  std::string host;
  uint16_t port = 1;
  ASSERT_TRUE(parse_listen_address("127.0.0.1:0", &host, &port).ok());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 0);
  ASSERT_TRUE(parse_listen_address("[::1]:8090", &host, &port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_FALSE(parse_listen_address("8090", &host, &port).ok());
  EXPECT_FALSE(parse_listen_address("host:", &host, &port).ok());
  EXPECT_FALSE(parse_listen_address(":80", &host, &port).ok());
  EXPECT_FALSE(parse_listen_address("h:8o", &host, &port).ok());
}

}  // namespace
}  // namespace phoenix::sim
