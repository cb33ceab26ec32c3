// Every shipped configs/*.yaml loads cleanly, and docs/configuration.md documents every
// key the loader accepts.

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.h"

namespace phoenix::config {
namespace {

using ::testing::ElementsAre;

// The repository root: $PHOENIX_SOURCE_DIR (set by ctest), else the path baked in at build
// time, so running the binary by hand tests the same files.
std::string source_dir() {
  const char* dir = std::getenv("PHOENIX_SOURCE_DIR");
  return dir != nullptr ? dir : PHOENIX_SOURCE_DIR_DEFAULT;
}

class ShippedConfigsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(source_dir().empty()) << "PHOENIX_SOURCE_DIR is not set"; }
  static Config load(const std::string& name) {
    auto config = load_config(source_dir() + "/configs/" + name);
    EXPECT_TRUE(config.ok()) << config.error().message;
    return config.ok() ? *config : Config{};
  }
  static std::vector<std::string> symbols_of(const Config& config) {
    std::vector<std::string> out;
    for (const SymbolConfig& s : config.symbols) out.push_back(s.symbol);
    return out;
  }
};

TEST_F(ShippedConfigsTest, EveryConfigFileLoads) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(source_dir() + "/configs")) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".yaml" || name == "exchange.yaml") continue;
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  EXPECT_GE(names.size(), 4u);
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    auto config = load_config(source_dir() + "/configs/" + name);
    EXPECT_TRUE(config.ok()) << config.error().message;
  }
}

TEST_F(ShippedConfigsTest, SimTalksToTheLocalExchange) {
  const Config config = load("sim.yaml");
  EXPECT_EQ(config.exchange.venue, Venue::kLocal);
  EXPECT_EQ(config.exchange.rest_url.text, "http://127.0.0.1:8090");
  EXPECT_EQ(config.exchange.ws_market_url.text, "ws://127.0.0.1:8090");
  EXPECT_EQ(config.exchange.ws_api_url.text, "ws://127.0.0.1:8090/ws-api/v3");
  ASSERT_TRUE(config.credentials.has_value());
  EXPECT_EQ(config.credentials->api_key_env, "PHOENIX_API_KEY");
  EXPECT_EQ(config.credentials->api_secret_env, "PHOENIX_API_SECRET");
  EXPECT_THAT(symbols_of(config), ElementsAre("ETHUSDC", "DOGEUSDC", "SOLUSDC", "BNBUSDC", "XRPUSDC"));
  for (const SymbolConfig& s : config.symbols) EXPECT_EQ(s.levels, 7) << s.symbol;
  EXPECT_EQ(config.metrics.listen.to_string(), "127.0.0.1:9090");
  EXPECT_EQ(config.logging.file, "logs/phoenix_sim.out");
}

TEST_F(ShippedConfigsTest, LiveTalksToBinanceWithASecretFile) {
  const Config config = load("phoenix_live.yaml");
  EXPECT_EQ(config.exchange.venue, Venue::kBinance);
  EXPECT_EQ(config.exchange.rest_url.text, "https://api.binance.com");
  EXPECT_EQ(config.exchange.ws_market_url.text, "wss://stream.binance.com:9443");
  EXPECT_EQ(config.exchange.ws_api_url.text, "wss://ws-api.binance.com:443/ws-api/v3");
  EXPECT_FALSE(config.dry_run);
  ASSERT_TRUE(config.credentials.has_value());
  EXPECT_FALSE(config.credentials->secret_file.empty());
  EXPECT_THAT(symbols_of(config), ElementsAre("ETHUSDC", "DOGEUSDC", "SOLUSDC", "BNBUSDC", "XRPUSDC"));
  for (const SymbolConfig& s : config.symbols) EXPECT_EQ(s.levels, 7) << s.symbol;
  EXPECT_EQ(config.logging.file, "logs/phoenix_live.out");

  const Config three = load("phoenix_live_3symbols.yaml");
  EXPECT_EQ(three.exchange.venue, Venue::kBinance);
  EXPECT_THAT(symbols_of(three), ElementsAre("ETHUSDC", "SOLUSDC", "BNBUSDC"));
}

TEST_F(ShippedConfigsTest, TestnetTalksToTheBinanceTestnet) {
  const Config config = load("testnet.yaml");
  EXPECT_EQ(config.exchange.venue, Venue::kTestnet);
  EXPECT_EQ(config.exchange.rest_url.text, "https://testnet.binance.vision");
  EXPECT_EQ(config.exchange.ws_market_url.text, "wss://stream.testnet.binance.vision");
  EXPECT_EQ(config.exchange.ws_api_url.text, "wss://ws-api.testnet.binance.vision/ws-api/v3");
  ASSERT_TRUE(config.credentials.has_value());
  EXPECT_FALSE(config.credentials->api_key_env.empty());
  EXPECT_EQ(config.symbols.size(), 2u);
}

// Every key that render_resolved can print, plus the optional ones it prints only when
// set, appears as `key` in docs/configuration.md.
TEST_F(ShippedConfigsTest, DocsDescribeEveryKey) {
  std::ifstream in(source_dir() + "/docs/configuration.md");
  ASSERT_TRUE(in.good()) << "docs/configuration.md is missing";
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string docs = buffer.str();

  std::set<std::string> keys = {"ca_file",     "secret_file",       "size_quote", "price_ceiling",
                                "price_floor", "max_position_base", "asset",      "amount"};
  const std::string rendered = render_resolved(load("sim.yaml"), nullptr);
  std::istringstream lines(rendered);
  for (std::string line; std::getline(lines, line);) {
    size_t start = line.find_first_not_of(" -");
    const size_t colon = line.find(':');
    if (start == std::string::npos || colon == std::string::npos || line[start] == '#' || colon < start)
      continue;
    keys.insert(line.substr(start, colon - start));
  }
  EXPECT_GE(keys.size(), 50u);
  for (const std::string& key : keys) {
    EXPECT_NE(docs.find("`" + key + "`"), std::string::npos)
        << "docs/configuration.md does not mention `" << key << "`";
  }
}

}  // namespace
}  // namespace phoenix::config
