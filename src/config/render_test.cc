#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.h"

namespace phoenix::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kConfig = R"(instance_id: sim1
exchange:
  rest_url: http://127.0.0.1:8090
  ws_market_url: ws://127.0.0.1:8090
  ws_api_url: ws://127.0.0.1:8090/ws-api/v3
credentials:
  api_key_env: PHOENIX_API_KEY
  api_secret_env: PHOENIX_API_SECRET
market_data:
  streams: [book_ticker, depth]
symbols:
  - symbol: ETHUSDC
    size_base: 0.00000001
    price_ceiling: 5000
    price_floor: 1000.5
    max_position_base: 0.25
  - symbol: SOLUSDC
    size_quote: 20
    stale_after_ms: 800
risk:
  max_quote_exposure_per_symbol: 500
  max_orders_per_10s: 30
orders:
  startup_orphans: adopt
  reconcile_interval_ms: 0
paper:
  balances:
    - {asset: USDC, amount: 10000.25}
    - {asset: ETH, amount: 0.5}
  maker_fee_bps: 0.5
metrics:
  listen: "[::1]:9100"
logging:
  file: "logs/a \"quoted\" name.out"
)";

class RenderResolvedTest : public ::testing::Test {
 protected:
  static Config load() {
    auto config = parse_config(kConfig, "configs/render.yaml");
    EXPECT_TRUE(config.ok()) << config.error().message;
    return config.ok() ? *config : Config{};
  }
};

TEST_F(RenderResolvedTest, MasksSecrets) {
  const Config config = load();
  auto creds = load_credentials(config, [](const char* name) -> const char* {
    return std::string_view(name) == "PHOENIX_API_KEY" ? "visible-key-value" : "very-secret-value";
  });
  ASSERT_TRUE(creds.ok()) << creds.error().message;
  const std::string text = render_resolved(config, &*creds);
  EXPECT_THAT(text, Not(HasSubstr("very-secret-value")));
  EXPECT_THAT(text, Not(HasSubstr("visible-key-value")));
  EXPECT_THAT(text, HasSubstr("***"));
  EXPECT_THAT(text, HasSubstr("api_key_env: \"PHOENIX_API_KEY\""));
  EXPECT_THAT(text, HasSubstr("api_secret_env: \"PHOENIX_API_SECRET\""));
  EXPECT_THAT(
      text,
      HasSubstr("# resolved from env PHOENIX_API_KEY, PHOENIX_API_SECRET: api key ***, api secret ***"));
}

TEST_F(RenderResolvedTest, ShowsEveryDefault) {
  const std::string text = render_resolved(load(), nullptr);
  EXPECT_THAT(text, HasSubstr("# Phoenix configuration resolved from configs/render.yaml"));
  EXPECT_THAT(text, HasSubstr("\n  # not resolved\n"));
  EXPECT_THAT(text, HasSubstr("\ndry_run: false\n"));
  EXPECT_THAT(text, HasSubstr("\n  venue: local\n"));
  EXPECT_THAT(text, HasSubstr("\n  recv_window_ms: 5000\n"));
  EXPECT_THAT(text, HasSubstr("\n  compression: context\n"));
  EXPECT_THAT(text, HasSubstr("\n  streams: [book_ticker, depth]\n"));
  EXPECT_THAT(text, HasSubstr("\n    max_attempts_per_5min: 250\n"));
  EXPECT_THAT(text, HasSubstr("\n  - symbol: \"ETHUSDC\"\n    levels: 7\n"));
  EXPECT_THAT(text, HasSubstr("\n    size_base: 0.00000001\n"));
  EXPECT_THAT(text, HasSubstr("\n    price_floor: 1000.5\n"));
  EXPECT_THAT(text, HasSubstr("\n    stale_after_ms: 800\n"));
  EXPECT_THAT(text, HasSubstr("\n      target_base_ratio: 0.5\n"));
  EXPECT_THAT(text, HasSubstr("\n  max_daily_loss_quote: 100\n"));
  EXPECT_THAT(text, HasSubstr("\n  listen: \"[::1]:9100\"\n"));
  EXPECT_THAT(text, HasSubstr("\n  file: \"logs/a \\\"quoted\\\" name.out\"\n"));
  EXPECT_THAT(text, HasSubstr("\n  stderr: true\n"));
  EXPECT_THAT(text, HasSubstr("\n    max_position_base: 0.25\n"));
  EXPECT_THAT(text, HasSubstr("\n  max_quote_exposure_per_symbol: 500\n  max_total_quote_exposure: 0\n"
                              "  max_orders_per_10s: 30\n  max_reconcile_mismatches: 5\n"));
  EXPECT_THAT(text,
              HasSubstr("\norders:\n  client_id_prefix: \"sim1\"\n  post_only: true\n  use_amend: true\n"
                        "  rest_fallback: true\n  startup_orphans: adopt\n  shutdown_deadline_ms: 5000\n"
                        "  reconcile_interval_ms: 0\n"));
  EXPECT_THAT(text, HasSubstr("\npaper:\n  balances:\n    - asset: \"USDC\"\n      amount: 10000.25\n"
                              "    - asset: \"ETH\"\n      amount: 0.5\n  maker_fee_bps: 0.5\n"));
}

TEST_F(RenderResolvedTest, OutputLoadsBackToTheSameConfig) {
  const Config config = load();
  const std::string first = render_resolved(config, nullptr);
  auto again = parse_config(first, "configs/render.yaml");
  ASSERT_TRUE(again.ok()) << again.error().message << "\n" << first;
  EXPECT_EQ(render_resolved(*again, nullptr), first);
  EXPECT_EQ(again->logging.file, "logs/a \"quoted\" name.out");
  EXPECT_EQ(again->symbols.at(1).effective_stale_after_ms, 800);
  EXPECT_EQ(again->symbols.at(0).effective_stale_after_ms, 2000);
  EXPECT_EQ(again->symbols.at(0).max_position_base, core::Decimal(25, 2));
  EXPECT_FALSE(again->symbols.at(1).max_position_base.has_value());
  EXPECT_EQ(again->orders.client_id_prefix, "sim1");
  EXPECT_EQ(again->orders.startup_orphans, OrphanPolicy::kAdopt);
  EXPECT_EQ(again->orders.reconcile_interval_ms, 0);
  ASSERT_EQ(again->paper.balances.size(), 2u);
  EXPECT_EQ(again->paper.balances[1].asset, "ETH");
  EXPECT_EQ(again->paper.balances[1].amount, core::Decimal(5, 1));
  EXPECT_EQ(again->risk.max_quote_exposure_per_symbol, core::Decimal(500, 0));
  EXPECT_EQ(again->risk.max_orders_per_10s, 30);
}

TEST_F(RenderResolvedTest, DefaultOrdersAndPaperLoadBack) {
  auto config = parse_config(
      "dry_run: true\nexchange:\n  rest_url: http://127.0.0.1:1\n  ws_market_url: ws://127.0.0.1:1\n"
      "  ws_api_url: ws://127.0.0.1:1\nsymbols: [{symbol: AB, size_base: 1}]\n",
      "d.yaml");
  ASSERT_TRUE(config.ok()) << config.error().message;
  const std::string text = render_resolved(*config, nullptr);
  EXPECT_THAT(text, HasSubstr("\n  client_id_prefix: \"phx\"\n"));
  EXPECT_THAT(text, HasSubstr("\n  balances: []"));
  auto again = parse_config(text, "d.yaml");
  ASSERT_TRUE(again.ok()) << again.error().message << "\n" << text;
  EXPECT_TRUE(again->paper.balances.empty());
  EXPECT_EQ(render_resolved(*again, nullptr), text);
}

TEST_F(RenderResolvedTest, DryRunWithoutCredentialsSaysSo) {
  auto config = parse_config(
      "dry_run: true\nexchange:\n  rest_url: http://127.0.0.1:1\n  ws_market_url: ws://127.0.0.1:1\n"
      "  ws_api_url: ws://127.0.0.1:1\nsymbols: [{symbol: AB, size_base: 1}]\n",
      "d.yaml");
  ASSERT_TRUE(config.ok()) << config.error().message;
  const std::string text = render_resolved(*config, nullptr);
  EXPECT_THAT(text, HasSubstr("# credentials: none (allowed because dry_run is true)"));
  EXPECT_TRUE(parse_config(text, "d.yaml").ok());
}

}  // namespace
}  // namespace phoenix::config
