#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.h"
#include "config/test_util.h"

namespace phoenix::config {
namespace {

using testing::ConfigLoaderTest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::kValid;
using testing::lines_of;
using ::testing::Not;
using testing::TempDir;

TEST_F(ConfigLoaderTest, MinimalConfigLoads) {
  auto config = parse(kValid);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->source, "t.yaml");
  ASSERT_EQ(config->symbols.size(), 1u);
  EXPECT_EQ(config->symbols[0].symbol, "ETHUSDC");
}

TEST_F(ConfigLoaderTest, WrongTypeIsAnError) {
  EXPECT_THAT(
      errors_with("market_data:\n  stale_after_ms: soon\n"),
      ElementsAre(
          "t.yaml:12:19: market_data.stale_after_ms: expected an integer in 100..600000, got \"soon\""));
  EXPECT_THAT(errors_with("dry_run: 1\n"),
              ElementsAre("t.yaml:11:10: dry_run: expected true or false, got \"1\""));
  EXPECT_THAT(errors_with("metrics:\n  listen: [a, b]\n"),
              ElementsAre("t.yaml:12:11: metrics.listen: expected a string, got a list"));
  EXPECT_THAT(errors_with("risk: 5\n"), ElementsAre("t.yaml:11:7: risk: expected a map, got \"5\""));
}

TEST_F(ConfigLoaderTest, WrongTypeInAListEntryNamesTheIndex) {
  constexpr std::string_view kText = R"(exchange:
  rest_url: http://127.0.0.1:8090
  ws_market_url: ws://127.0.0.1:8090
  ws_api_url: ws://127.0.0.1:8090/ws-api/v3
dry_run: true
symbols:
  - {symbol: ETHUSDC, size_base: 0.01}
  - {symbol: SOLUSDC, size_base: 0.1}
  - symbol: BNBUSDC
    size_base: 0.01
    levels: seven
)";
  EXPECT_THAT(errors(kText),
              ElementsAre("t.yaml:11:13: symbols[2].levels: expected an integer in 1..50, got \"seven\""));
}

TEST_F(ConfigLoaderTest, OutOfRangeIsAnError) {
  EXPECT_THAT(errors_with("    levels: 51\n"),
              ElementsAre("t.yaml:11:13: symbols[0].levels: expected an integer in 1..50, got \"51\""));
  EXPECT_THAT(
      errors_with("    half_spread_bps: 0\n"),
      ElementsAre("t.yaml:11:22: symbols[0].half_spread_bps: expected a decimal number > 0 and <= 10000, "
                  "got \"0\""));
  EXPECT_THAT(
      errors_with("    inventory: {target_base_ratio: 1.5}\n"),
      ElementsAre("t.yaml:11:36: symbols[0].inventory.target_base_ratio: expected a decimal number in 0..1, "
                  "got \"1.5\""));
  EXPECT_THAT(
      errors_with("logging:\n  max_file_bytes: 99999999999999999999\n"),
      ElementsAre("t.yaml:12:19: logging.max_file_bytes: expected an integer in 1048576..10737418240, got "
                  "\"99999999999999999999\""));
}

TEST_F(ConfigLoaderTest, UnknownKeyIsAnErrorWithSuggestion) {
  EXPECT_THAT(
      errors_with("market_data:\n  stale_after_msec: 100\n"),
      ElementsAre("t.yaml:12:3: market_data.stale_after_msec: unknown key \"stale_after_msec\"; did you mean "
                  "\"stale_after_ms\"?"));
  EXPECT_THAT(
      errors_with("    Levels: 3\n"),
      ElementsAre("t.yaml:11:5: symbols[0].Levels: unknown key \"Levels\"; did you mean \"levels\"?"));
}

TEST_F(ConfigLoaderTest, UnknownKeyWithoutCloseMatchListsTheAllowedKeys) {
  EXPECT_THAT(errors_with("metrics:\n  port: 9090\n"),
              ElementsAre("t.yaml:12:3: metrics.port: unknown key \"port\" (allowed keys: listen)"));
}

TEST_F(ConfigLoaderTest, BadEnumValueListsTheAllowedValues) {
  EXPECT_THAT(
      errors_with("market_data:\n  compression: gzip\n"),
      ElementsAre("t.yaml:12:16: market_data.compression: expected one of off, no_context or context, got "
                  "\"gzip\""));
  EXPECT_THAT(
      errors_with("logging:\n  level: verbose\n"),
      ElementsAre("t.yaml:12:10: logging.level: expected one of trace, debug, info, warn or error, got "
                  "\"verbose\""));
  EXPECT_THAT(
      errors_with("market_data:\n  depth_levels: 7\n"),
      ElementsAre("t.yaml:12:17: market_data.depth_levels: expected one of 0, 5, 10 or 20, got \"7\""));
}

TEST_F(ConfigLoaderTest, MissingRequiredKeyIsAnError) {
  constexpr std::string_view kText = R"(exchange:
  rest_url: http://127.0.0.1:8090
  ws_market_url: ws://127.0.0.1:8090
dry_run: true
)";
  EXPECT_THAT(errors(kText), ElementsAre("t.yaml:1:1: symbols: required key is missing",
                                         "t.yaml:2:3: exchange.ws_api_url: required key is missing"));
}

TEST_F(ConfigLoaderTest, MissingSymbolNameIsAnError) {
  EXPECT_THAT(errors(std::string(kValid) + "  - size_quote: 10\n"),
              ElementsAre("t.yaml:11:5: symbols[1].symbol: required key is missing"));
}

TEST_F(ConfigLoaderTest, MissingFileIsAnError) {
  TempDir dir;
  const std::string path = dir.path() + "/absent.yaml";
  auto config = load_config(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(config.error().message, "cannot open " + path + ": No such file or directory");
}

TEST_F(ConfigLoaderTest, LoadConfigReadsAFileAndNamesItInMessages) {
  TempDir dir;
  const std::string good = dir.write("good.yaml", kValid, 0644);
  auto config = load_config(good);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->source, good);
  const std::string bad = dir.write("bad.yaml", std::string(kValid) + "dry_run: maybe\n", 0644);
  auto broken = load_config(bad);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().message, bad + ":11:10: dry_run: expected true or false, got \"maybe\"");
}

TEST_F(ConfigLoaderTest, DirectoryIsNotAConfigFile) {
  TempDir dir;
  auto config = load_config(dir.path());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().message, "cannot read " + dir.path() + ": not a regular file");
}

TEST_F(ConfigLoaderTest, YamlSyntaxErrorHasLineAndColumn) {
  auto config = parse("exchange:\n  rest_url: [unclosed\nsymbols: []\n");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, core::ErrorCode::kParse);
  EXPECT_EQ(config.error().message, "t.yaml:3:8: YAML syntax error: end of sequence flow not found");
  auto bad_map = parse("a: b: c\n");
  ASSERT_FALSE(bad_map.ok());
  EXPECT_EQ(bad_map.error().message, "t.yaml:1:5: YAML syntax error: illegal map value");
}

TEST_F(ConfigLoaderTest, SeveralErrorsAreReportedAtOnceInFileOrder) {
  constexpr std::string_view kText = R"(instance_id: phoenix-1
dry_run: true
exchange:
  rest_url: http://127.0.0.1:8090
  ws_market_url: ws://127.0.0.1:8090
  ws_api_url: ws://127.0.0.1:8090/ws-api/v3
  recv_window_ms: 0
market_data:
  compression: zlib
symbols:
  - symbol: ethusdc
    size_base: 0.01
    levels: 0
logging:
  level: loud
)";
  EXPECT_THAT(
      errors(kText),
      ElementsAre("t.yaml:1:14: instance_id: expected 1 to 8 characters A-Z, a-z or 0-9 (it prefixes client "
                  "order ids), got \"phoenix-1\"",
                  "t.yaml:7:19: exchange.recv_window_ms: expected an integer in 1..60000, got \"0\"",
                  "t.yaml:9:16: market_data.compression: expected one of off, no_context or context, got "
                  "\"zlib\"",
                  "t.yaml:11:13: symbols[0].symbol: expected a symbol of 2 to 20 characters A-Z and 0-9 "
                  "(like \"ETHUSDC\"), got \"ethusdc\"",
                  "t.yaml:13:13: symbols[0].levels: expected an integer in 1..50, got \"0\"",
                  "t.yaml:15:10: logging.level: expected one of trace, debug, info, warn or error, got "
                  "\"loud\""));
}

TEST_F(ConfigLoaderTest, SecretInYamlIsAnError) {
  constexpr std::string_view kMessage =
      "secrets must not be stored in the config file; name an environment variable (credentials.api_key_env "
      "/ "
      "credentials.api_secret_env) or a file (credentials.secret_file)";
  constexpr std::string_view kText = R"(exchange:
  rest_url: http://127.0.0.1:8090
  ws_market_url: ws://127.0.0.1:8090
  ws_api_url: ws://127.0.0.1:8090/ws-api/v3
credentials:
  api_key_env: PHOENIX_API_KEY
  api_secret_env: PHOENIX_API_SECRET
  api_secret: hunter2hunter2
symbols:
  - symbol: ETHUSDC
    size_base: 0.01
    apiKey: abc
extra:
  Password: x
)";
  auto result = parse(kText);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(
      lines_of(result.error().message),
      ElementsAre("t.yaml:8:3: credentials.api_secret: " + std::string(kMessage),
                  "t.yaml:12:5: symbols[0].apiKey: " + std::string(kMessage),
                  "t.yaml:13:1: extra: unknown key \"extra\" (allowed keys: instance_id, dry_run, exchange, "
                  "credentials, market_data, symbols, risk, orders, paper, metrics, logging)",
                  "t.yaml:14:3: extra.Password: " + std::string(kMessage)));
  EXPECT_THAT(result.error().message, Not(HasSubstr("hunter2")));
}

TEST_F(ConfigLoaderTest, DuplicateSymbolsAreAnError) {
  EXPECT_THAT(
      errors_with("  - symbol: SOLUSDC\n    size_base: 1\n  - symbol: ETHUSDC\n    size_base: 0.02\n"),
      ElementsAre("t.yaml:13:13: symbols[2].symbol: duplicate symbol \"ETHUSDC\" (first at symbols[0])"));
}

TEST_F(ConfigLoaderTest, DuplicateKeyIsAnError) {
  EXPECT_THAT(errors_with("    levels: 5\n    levels: 6\n"),
              ElementsAre("t.yaml:12:5: symbols[0].levels: duplicate key (first at line 11)"));
}

TEST_F(ConfigLoaderTest, PlainWebSocketToNonLoopbackHostIsAnError) {
  constexpr std::string_view kText = R"(exchange:
  venue: binance
  rest_url: https://api.binance.com
  ws_market_url: ws://stream.binance.com:9443
  ws_api_url: wss://ws-api.binance.com:443/ws-api/v3
dry_run: true
symbols:
  - {symbol: ETHUSDC, size_quote: 20}
)";
  EXPECT_THAT(
      errors(kText),
      ElementsAre("t.yaml:4:18: exchange.ws_market_url: expected a wss:// URL (ws:// only for a loopback "
                  "host: 127.0.0.0/8, localhost or [::1]), got \"ws://stream.binance.com:9443\""));
}

TEST_F(ConfigLoaderTest, UrlChecks) {
  auto with_rest = [](std::string_view url) {
    return std::string("dry_run: true\nexchange:\n  rest_url: ") + std::string(url) +
           "\n  ws_market_url: ws://localhost:1\n  ws_api_url: ws://[::1]:2/x\nsymbols: [{symbol: AB, "
           "size_base: 1}]\n";
  };
  EXPECT_TRUE(parse(with_rest("http://127.5.6.7:80/api")).ok());
  EXPECT_TRUE(parse(with_rest("HTTP://LOCALHOST")).ok());
  const std::string kExpected =
      "t.yaml:3:13: exchange.rest_url: expected a https:// URL (http:// only for a loopback host: "
      "127.0.0.0/8, "
      "localhost or [::1]), got ";
  EXPECT_THAT(errors(with_rest("wss://127.0.0.1:1")), ElementsAre(kExpected + "\"wss://127.0.0.1:1\""));
  EXPECT_THAT(errors(with_rest("ftp://127.0.0.1")), ElementsAre(kExpected + "\"ftp://127.0.0.1\""));
  EXPECT_THAT(errors(with_rest("http://user@127.0.0.1")),
              ElementsAre(kExpected + "\"http://user@127.0.0.1\""));
  EXPECT_THAT(errors(with_rest("127.0.0.1:8090")), ElementsAre(kExpected + "\"127.0.0.1:8090\""));
  EXPECT_THAT(
      errors(with_rest("https://example.com")),
      ElementsAre("t.yaml:3:13: exchange.rest_url: venue is local, so expected a loopback host (127.0.0.0/8, "
                  "localhost or [::1]), got \"https://example.com\""));
}

TEST_F(ConfigLoaderTest, BinanceVenueRequiresTls) {
  constexpr std::string_view kText = R"(dry_run: true
exchange:
  venue: testnet
  rest_url: http://127.0.0.1:8090
  ws_market_url: wss://127.0.0.1:8090
  ws_api_url: wss://ws-api.testnet.binance.vision/ws-api/v3
symbols: [{symbol: AB, size_base: 1}]
)";
  EXPECT_THAT(errors(kText),
              ElementsAre("t.yaml:4:13: exchange.rest_url: venue is testnet, so expected a https:// "
                          "URL, got \"http://127.0.0.1:8090\""));
}

TEST_F(ConfigLoaderTest, DefaultsAreFilledIn) {
  auto config = parse(kValid);
  ASSERT_TRUE(config.ok()) << config.error().message;
  const Config& c = *config;
  EXPECT_EQ(c.instance_id, "phx");
  EXPECT_FALSE(c.dry_run);
  EXPECT_EQ(c.exchange.venue, Venue::kLocal);
  EXPECT_EQ(c.exchange.rest_url.host, "127.0.0.1");
  EXPECT_EQ(c.exchange.rest_url.port, 8090);
  EXPECT_EQ(c.exchange.rest_url.target, "/");
  EXPECT_FALSE(c.exchange.rest_url.tls);
  EXPECT_TRUE(c.exchange.rest_url.loopback);
  EXPECT_EQ(c.exchange.ws_api_url.target, "/ws-api/v3");
  EXPECT_EQ(c.exchange.ca_file, "");
  EXPECT_EQ(c.exchange.recv_window_ms, 5000);
  EXPECT_EQ(c.exchange.request_timeout_ms, 5000);
  ASSERT_TRUE(c.credentials.has_value());
  EXPECT_EQ(c.credentials->key_type, KeyType::kHmac);
  EXPECT_EQ(c.credentials->api_key_env, "PHOENIX_API_KEY");
  EXPECT_EQ(c.credentials->api_secret_env, "PHOENIX_API_SECRET");
  EXPECT_EQ(c.credentials->secret_file, "");
  EXPECT_EQ(c.market_data.stale_after_ms, 2000);
  EXPECT_EQ(c.market_data.min_price_change_bps, core::Decimal(1, 0));
  EXPECT_EQ(c.market_data.compression, Compression::kContext);
  EXPECT_THAT(c.market_data.streams, ElementsAre(Stream::kBookTicker));
  EXPECT_EQ(c.market_data.depth_levels, 0);
  EXPECT_EQ(c.market_data.idle_timeout_ms, 10000);
  EXPECT_EQ(c.market_data.reconnect.initial_backoff_ms, 500);
  EXPECT_EQ(c.market_data.summary_interval_ms, 10000);
  EXPECT_EQ(c.market_data.reconnect.max_backoff_ms, 30000);
  EXPECT_EQ(c.market_data.reconnect.stable_after_ms, 30000);
  EXPECT_EQ(c.market_data.reconnect.max_attempts_per_5min, 250);
  const SymbolConfig& s = c.symbols.at(0);
  EXPECT_EQ(s.levels, 7);
  EXPECT_EQ(s.fair_price, FairPrice::kMid);
  EXPECT_EQ(s.half_spread_bps, core::Decimal(10, 0));
  EXPECT_EQ(s.level_step_bps, core::Decimal(5, 0));
  EXPECT_EQ(s.size_base, core::Decimal(1, 2));
  EXPECT_FALSE(s.size_quote.has_value());
  EXPECT_EQ(s.size_growth, core::Decimal(1, 0));
  EXPECT_EQ(s.min_spread_bps, core::Decimal(0, 0));
  EXPECT_EQ(s.requote_tolerance_bps, core::Decimal(2, 0));
  EXPECT_FALSE(s.stale_after_ms.has_value());
  EXPECT_EQ(s.effective_stale_after_ms, 2000);
  EXPECT_EQ(s.inventory.target_base_ratio, core::Decimal(5, 1));
  EXPECT_EQ(s.inventory.max_skew_bps, core::Decimal(0, 0));
  EXPECT_FALSE(s.price_ceiling.has_value());
  EXPECT_FALSE(s.price_floor.has_value());
  EXPECT_EQ(c.risk.max_order_notional_quote, core::Decimal(1000, 0));
  EXPECT_EQ(c.risk.max_open_orders_per_symbol, 40);
  EXPECT_EQ(c.risk.max_daily_loss_quote, core::Decimal(100, 0));
  EXPECT_EQ(c.risk.max_rejects_per_minute, 20);
  EXPECT_EQ(c.risk.max_quote_exposure_per_symbol, core::Decimal(0, 0));
  EXPECT_EQ(c.risk.max_total_quote_exposure, core::Decimal(0, 0));
  EXPECT_EQ(c.risk.max_orders_per_10s, 40);
  EXPECT_EQ(c.risk.max_reconcile_mismatches, 5);
  EXPECT_FALSE(s.max_position_base.has_value());
  EXPECT_EQ(c.orders.client_id_prefix, "phx");  // instance_id
  EXPECT_TRUE(c.orders.post_only);
  EXPECT_TRUE(c.orders.use_amend);
  EXPECT_TRUE(c.orders.rest_fallback);
  EXPECT_EQ(c.orders.startup_orphans, OrphanPolicy::kCancel);
  EXPECT_EQ(c.orders.shutdown_deadline_ms, 5000);
  EXPECT_EQ(c.orders.reconcile_interval_ms, 60000);
  EXPECT_TRUE(c.paper.balances.empty());
  EXPECT_EQ(c.paper.maker_fee_bps, core::Decimal(1, 0));
  EXPECT_EQ(c.metrics.listen.host, "127.0.0.1");
  EXPECT_EQ(c.metrics.listen.port, 9090);
  EXPECT_EQ(c.logging.file, "logs/phoenix.out");
  EXPECT_EQ(c.logging.level, LogLevel::kInfo);
  EXPECT_EQ(c.logging.max_file_bytes, 52428800);
  EXPECT_EQ(c.logging.max_files, 5);
  EXPECT_TRUE(c.logging.to_stderr);
}

TEST_F(ConfigLoaderTest, DecimalsAreExact) {
  auto config = parse_with(
      "    price_floor: 0.00000001\n    price_ceiling: \"123456789.123456789\"\n    min_spread_bps: 0.10\n"
      "market_data:\n  min_price_change_bps: 0.5\n");
  ASSERT_TRUE(config.ok()) << config.error().message;
  const SymbolConfig& s = config->symbols.at(0);
  EXPECT_EQ(s.price_floor->units(), 1);
  EXPECT_EQ(s.price_floor->scale(), 8);
  EXPECT_EQ(s.price_floor->to_string(), "0.00000001");
  EXPECT_EQ(s.price_ceiling->to_string(), "123456789.123456789");
  EXPECT_EQ(s.min_spread_bps, core::Decimal(1, 1));
  EXPECT_EQ(config->market_data.min_price_change_bps, core::Decimal(5, 1));
}

TEST_F(ConfigLoaderTest, FloatSyntaxIsNotADecimal) {
  EXPECT_THAT(
      errors_with("    price_floor: 1e-8\n"),
      ElementsAre("t.yaml:11:18: symbols[0].price_floor: expected a decimal number > 0, got \"1e-8\""));
  EXPECT_THAT(
      errors_with("    size_growth: .5\n"),
      ElementsAre("t.yaml:11:18: symbols[0].size_growth: expected a decimal number in 1..10, got \".5\""));
}

TEST_F(ConfigLoaderTest, PerSymbolStaleOverride) {
  auto config = parse_with(
      "  - {symbol: SOLUSDC, size_quote: 25, stale_after_ms: 500}\nmarket_data:\n  stale_after_ms: 3000\n");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->symbols[0].effective_stale_after_ms, 3000);
  EXPECT_EQ(config->symbols[1].stale_after_ms, 500);
  EXPECT_EQ(config->symbols[1].effective_stale_after_ms, 500);
  EXPECT_EQ(config->symbols[1].size_quote, core::Decimal(25, 0));
  ASSERT_NE(config->find_symbol("SOLUSDC"), nullptr);
  EXPECT_EQ(config->find_symbol("SOLUSDC")->symbol, "SOLUSDC");
  EXPECT_EQ(config->find_symbol("XRPUSDC"), nullptr);
}

TEST_F(ConfigLoaderTest, SizeNeedsExactlyOneOfBaseOrQuote) {
  EXPECT_THAT(
      errors_with("    size_quote: 10\n"),
      ElementsAre("t.yaml:9:5: symbols[0]: expected exactly one of size_base or size_quote, got both"));
  EXPECT_THAT(
      errors_with("  - symbol: SOLUSDC\n"),
      ElementsAre("t.yaml:11:5: symbols[1]: expected exactly one of size_base or size_quote, got neither"));
}

TEST_F(ConfigLoaderTest, PriceFloorMustBeBelowCeiling) {
  EXPECT_THAT(
      errors_with("    price_ceiling: 100\n    price_floor: 100.0\n"),
      ElementsAre(
          "t.yaml:12:18: symbols[0].price_floor: expected a decimal number below price_ceiling (100), "
          "got \"100.0\""));
}

TEST_F(ConfigLoaderTest, LevelsMustFitMaxOpenOrders) {
  EXPECT_THAT(
      errors_with("    levels: 30\n"),
      ElementsAre("t.yaml:11:13: symbols[0].levels: expected an integer in 1..20 (2 x levels orders must fit "
                  "risk.max_open_orders_per_symbol = 40), got \"30\""));
  EXPECT_THAT(
      errors_with("risk:\n  max_open_orders_per_symbol: 10\n"),
      ElementsAre("t.yaml:9:5: symbols[0].levels: expected an integer in 1..5 (2 x levels orders must fit "
                  "risk.max_open_orders_per_symbol = 10), got 7 (the default)"));
}

TEST_F(ConfigLoaderTest, ReconnectMaxBackoffMustNotBeBelowInitial) {
  EXPECT_THAT(
      errors_with("market_data:\n  reconnect:\n    initial_backoff_ms: 5000\n    max_backoff_ms: 1000\n"),
      ElementsAre("t.yaml:14:21: market_data.reconnect.max_backoff_ms: expected an integer >= "
                  "initial_backoff_ms (5000), got \"1000\""));
}

TEST_F(ConfigLoaderTest, StreamsAreAListOfKnownNames) {
  auto config = parse_with("market_data:\n  streams: [depth, trade]\n  depth_levels: 20\n");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_THAT(config->market_data.streams, ElementsAre(Stream::kDepth, Stream::kTrade));
  EXPECT_EQ(config->market_data.depth_levels, 20);
  EXPECT_THAT(
      errors_with("market_data:\n  streams: [trade, trades, trade]\n"),
      ElementsAre("t.yaml:12:20: market_data.streams[1]: expected one of book_ticker, depth, trade or "
                  "agg_trade, got \"trades\"",
                  "t.yaml:12:28: market_data.streams[2]: duplicate stream \"trade\""));
  EXPECT_THAT(errors_with("market_data:\n  streams: []\n"),
              ElementsAre("t.yaml:12:12: market_data.streams: expected a non-empty list of stream names "
                          "(book_ticker, depth, trade or agg_trade), got an empty list"));
}

TEST_F(ConfigLoaderTest, DryRunNeedsNoCredentials) {
  constexpr std::string_view kText = R"(dry_run: true
exchange:
  rest_url: http://127.0.0.1:8090
  ws_market_url: ws://127.0.0.1:8090
  ws_api_url: ws://127.0.0.1:8090/ws-api/v3
symbols:
  - {symbol: ETHUSDC, size_base: 0.01}
)";
  auto config = parse(kText);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_TRUE(config->dry_run);
  EXPECT_FALSE(config->credentials.has_value());
  std::string live(kText);
  live.replace(0, 13, "dry_run: false");
  EXPECT_THAT(errors(live),
              ElementsAre("t.yaml:1:1: credentials: required key is missing (needed unless dry_run is "
                          "true)"));
}

TEST_F(ConfigLoaderTest, CredentialsNeedEnvPairOrFile) {
  constexpr std::string_view kHead = R"(exchange:
  rest_url: http://127.0.0.1:8090
  ws_market_url: ws://127.0.0.1:8090
  ws_api_url: ws://127.0.0.1:8090/ws-api/v3
symbols: [{symbol: ETHUSDC, size_base: 0.01}]
credentials:
)";
  auto with = [&](std::string_view body) { return std::string(kHead) + std::string(body); };
  EXPECT_THAT(
      errors(with("  api_key_env: K\n  secret_file: /x\n")),
      ElementsAre("t.yaml:7:3: credentials: expected either api_key_env and api_secret_env, or secret_file, "
                  "got both"));
  EXPECT_THAT(
      errors(with("  key_type: ed25519\n")),
      ElementsAre("t.yaml:7:3: credentials: expected either api_key_env and api_secret_env, or secret_file, "
                  "got neither"));
  EXPECT_THAT(
      errors(with("  api_key_env: K\n")),
      ElementsAre("t.yaml:7:3: credentials.api_secret_env: required key is missing (api_key_env is set)"));
  EXPECT_THAT(errors(with("  api_key_env: 1BAD\n  api_secret_env: S\n")),
              ElementsAre("t.yaml:7:16: credentials.api_key_env: expected an environment variable name "
                          "([A-Za-z_][A-Za-z0-9_]*), got \"1BAD\""));
  EXPECT_THAT(errors(with("  key_type: rsa\n  secret_file: /x\n")),
              ElementsAre("t.yaml:7:13: credentials.key_type: expected one of hmac or ed25519, got \"rsa\""));
  auto file = parse(with("  key_type: ed25519\n  secret_file: /etc/phoenix/credentials\n"));
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->credentials->key_type, KeyType::kEd25519);
  EXPECT_EQ(file->credentials->secret_file, "/etc/phoenix/credentials");
}

TEST_F(ConfigLoaderTest, MetricsListenAddress) {
  auto v6 = parse_with("metrics:\n  listen: \"[::1]:0\"\n");
  ASSERT_TRUE(v6.ok()) << v6.error().message;
  EXPECT_EQ(v6->metrics.listen.host, "::1");
  EXPECT_EQ(v6->metrics.listen.port, 0);
  EXPECT_EQ(v6->metrics.listen.to_string(), "[::1]:0");
  EXPECT_THAT(errors_with("metrics:\n  listen: 127.0.0.1:65536\n"),
              ElementsAre("t.yaml:12:11: metrics.listen: expected HOST:PORT with a port in 0..65535 (like "
                          "\"127.0.0.1:9090\" or \"[::1]:9090\"), got \"127.0.0.1:65536\""));
  EXPECT_THAT(errors_with("metrics:\n  listen: 9090\n"),
              ElementsAre("t.yaml:12:11: metrics.listen: expected HOST:PORT with a port in 0..65535 (like "
                          "\"127.0.0.1:9090\" or \"[::1]:9090\"), got \"9090\""));
}

TEST_F(ConfigLoaderTest, LoggingMustGoSomewhere) {
  auto stderr_only = parse_with("logging:\n  file: \"\"\n");
  ASSERT_TRUE(stderr_only.ok()) << stderr_only.error().message;
  EXPECT_EQ(stderr_only->logging.file, "");
  EXPECT_THAT(
      errors_with("logging:\n  file: \"\"\n  stderr: false\n"),
      ElementsAre("t.yaml:13:11: logging.stderr: expected true when logging.file is empty (logs would go "
                  "nowhere), got \"false\""));
}

TEST_F(ConfigLoaderTest, EmptyValueIsReportedAtItsKey) {
  EXPECT_THAT(
      errors_with("market_data:\n  stale_after_ms:\nrisk:\n  max_rejects_per_minute: 5\n"),
      ElementsAre("t.yaml:12:3: market_data.stale_after_ms: expected an integer in 100..600000, got null"));
}

TEST_F(ConfigLoaderTest, DocumentMustBeOneMap) {
  EXPECT_THAT(errors(""), ElementsAre("t.yaml:1:1: expected a map of settings, got an empty document"));
  EXPECT_THAT(errors("- a\n- b\n"), ElementsAre("t.yaml:1:1: expected a map, got a list"));
  EXPECT_THAT(errors(std::string(kValid) + "---\ndry_run: true\n"),
              ElementsAre("t.yaml:12:1: expected one YAML document, got 2 (remove the extra \"---\")"));
}

TEST_F(ConfigLoaderTest, CaFileMustExist) {
  TempDir dir;
  const std::string ca = dir.write("ca.pem", "-----BEGIN CERTIFICATE-----\n", 0644);
  std::string text =
      "dry_run: true\nexchange:\n  rest_url: http://127.0.0.1:1\n  ws_market_url: ws://127.0.0.1:1\n"
      "  ws_api_url: ws://127.0.0.1:1\n  ca_file: " +
      ca + "\nsymbols: [{symbol: AB, size_base: 1}]\n";
  auto good = parse(text);
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_EQ(good->exchange.ca_file, ca);
  const std::string missing = dir.path() + "/missing.pem";
  text.replace(text.find(ca), ca.size(), missing);
  EXPECT_THAT(errors(text), ElementsAre("t.yaml:6:12: exchange.ca_file: cannot open " + missing +
                                        ": No such file or directory"));
}

TEST_F(ConfigLoaderTest, TooManyProblemsAreCapped) {
  std::string text = "dry_run: true\n";
  for (int i = 0; i < 250; ++i) text += "bogus_key_" + std::to_string(i) + ": 1\n";
  auto result = parse(text);
  ASSERT_FALSE(result.ok());
  const auto lines = lines_of(result.error().message);
  ASSERT_EQ(lines.size(), 201u);
  EXPECT_EQ(lines.back(), "... and 52 more problems");  // 250 unknown + exchange + symbols missing
}

}  // namespace
}  // namespace phoenix::config
