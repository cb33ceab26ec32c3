// The config loader: the trading sections (risk limits on exposure, order rate and
// reconciliation; `orders`; `paper`).
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
using ::testing::Not;

TEST_F(ConfigLoaderTest, RiskLimitsForExposureRateAndReconcile) {
  auto config = parse_with(
      "    max_position_base: 0.5\nrisk:\n  max_quote_exposure_per_symbol: 250.5\n"
      "  max_total_quote_exposure: 0\n  max_orders_per_10s: 100\n  max_reconcile_mismatches: 1\n");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->symbols[0].max_position_base, core::Decimal(5, 1));
  EXPECT_EQ(config->risk.max_quote_exposure_per_symbol, core::Decimal(2505, 1));
  EXPECT_EQ(config->risk.max_total_quote_exposure, core::Decimal(0, 0));
  EXPECT_EQ(config->risk.max_orders_per_10s, 100);
  EXPECT_EQ(config->risk.max_reconcile_mismatches, 1);
  auto zero = parse_with("    max_position_base: 0\n");
  ASSERT_TRUE(zero.ok()) << zero.error().message;
  EXPECT_EQ(zero->symbols[0].max_position_base, core::Decimal(0, 0));

  EXPECT_THAT(errors_with("    max_position_base: -1\n"),
              ElementsAre("t.yaml:11:24: symbols[0].max_position_base: expected a decimal number >= 0, got "
                          "\"-1\""));
  EXPECT_THAT(errors_with("risk:\n  max_quote_exposure_per_symbol: -0.01\n  max_total_quote_exposure: x\n"),
              ElementsAre("t.yaml:12:34: risk.max_quote_exposure_per_symbol: expected a decimal number >= 0, "
                          "got \"-0.01\"",
                          "t.yaml:13:29: risk.max_total_quote_exposure: expected a decimal number >= 0, got "
                          "\"x\""));
  EXPECT_THAT(errors_with("risk:\n  max_orders_per_10s: 0\n"),
              ElementsAre("t.yaml:12:23: risk.max_orders_per_10s: expected an integer in 1..100, got \"0\""));
  EXPECT_THAT(
      errors_with("risk:\n  max_orders_per_10s: 101\n"),
      ElementsAre("t.yaml:12:23: risk.max_orders_per_10s: expected an integer in 1..100, got \"101\""));
  EXPECT_THAT(
      errors_with("risk:\n  max_reconcile_mismatches: 0\n"),
      ElementsAre("t.yaml:12:29: risk.max_reconcile_mismatches: expected an integer in 1..1000, got \"0\""));
}

TEST_F(ConfigLoaderTest, OrdersSection) {
  auto config = parse_with(
      "instance_id: a1\norders:\n  client_id_prefix: mm_A-1\n  post_only: false\n  use_amend: false\n"
      "  rest_fallback: false\n  startup_orphans: adopt\n  shutdown_deadline_ms: 100\n"
      "  reconcile_interval_ms: 0\n");
  ASSERT_TRUE(config.ok()) << config.error().message;
  const OrdersConfig& o = config->orders;
  EXPECT_EQ(o.client_id_prefix, "mm_A-1");
  EXPECT_FALSE(o.post_only);
  EXPECT_FALSE(o.use_amend);
  EXPECT_FALSE(o.rest_fallback);
  EXPECT_EQ(o.startup_orphans, OrphanPolicy::kAdopt);
  EXPECT_EQ(o.shutdown_deadline_ms, 100);
  EXPECT_EQ(o.reconcile_interval_ms, 0);
  EXPECT_EQ(to_string(OrphanPolicy::kCancel), "cancel");
  EXPECT_EQ(to_string(OrphanPolicy::kAdopt), "adopt");

  auto max = parse_with(
      "orders:\n  client_id_prefix: abcdefghijkl\n  shutdown_deadline_ms: 60000\n"
      "  reconcile_interval_ms: 3600000\n");
  ASSERT_TRUE(max.ok()) << max.error().message;
  EXPECT_EQ(max->orders.client_id_prefix, "abcdefghijkl");
  EXPECT_EQ(max->orders.shutdown_deadline_ms, 60000);
  EXPECT_EQ(max->orders.reconcile_interval_ms, 3600000);
}

TEST_F(ConfigLoaderTest, ClientIdPrefixDefaultsToInstanceId) {
  auto config = parse_with("instance_id: sim7\norders:\n  post_only: true\n");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->orders.client_id_prefix, "sim7");
  auto no_block = parse_with("instance_id: Z\n");
  ASSERT_TRUE(no_block.ok()) << no_block.error().message;
  EXPECT_EQ(no_block->orders.client_id_prefix, "Z");
}

TEST_F(ConfigLoaderTest, OrdersValuesAreChecked) {
  constexpr std::string_view kPrefixRule =
      "expected 1 to 12 characters A-Z, a-z, 0-9, '_' or '-' (it starts every client order id), got ";
  EXPECT_THAT(errors_with("orders:\n  client_id_prefix: abcdefghijklm\n"),
              ElementsAre("t.yaml:12:21: orders.client_id_prefix: " + std::string(kPrefixRule) +
                          "\"abcdefghijklm\""));
  EXPECT_THAT(errors_with("orders:\n  client_id_prefix: \"a.b\"\n"),
              ElementsAre("t.yaml:12:21: orders.client_id_prefix: " + std::string(kPrefixRule) + "\"a.b\""));
  EXPECT_THAT(errors_with("orders:\n  client_id_prefix: \"\"\n"),
              ElementsAre("t.yaml:12:21: orders.client_id_prefix: " + std::string(kPrefixRule) + "\"\""));
  EXPECT_THAT(errors_with("orders:\n  shutdown_deadline_ms: 99\n"),
              ElementsAre("t.yaml:12:25: orders.shutdown_deadline_ms: expected an integer in 100..60000, got "
                          "\"99\""));
  EXPECT_THAT(errors_with("orders:\n  shutdown_deadline_ms: 60001\n"),
              ElementsAre("t.yaml:12:25: orders.shutdown_deadline_ms: expected an integer in 100..60000, got "
                          "\"60001\""));
  EXPECT_THAT(errors_with("orders:\n  reconcile_interval_ms: 999\n"),
              ElementsAre("t.yaml:12:26: orders.reconcile_interval_ms: expected 0 (off) or an integer in "
                          "1000..3600000, got \"999\""));
  EXPECT_THAT(errors_with("orders:\n  startup_orphans: ignore\n"),
              ElementsAre("t.yaml:12:20: orders.startup_orphans: expected one of cancel or adopt, got "
                          "\"ignore\""));
  EXPECT_THAT(errors_with("orders:\n  post_only: yes\n"),
              ElementsAre("t.yaml:12:14: orders.post_only: expected true or false, got \"yes\""));
  EXPECT_THAT(errors_with("orders:\n  postonly: true\n"),
              ElementsAre("t.yaml:12:3: orders.postonly: unknown key \"postonly\"; did you mean "
                          "\"post_only\"?"));
  EXPECT_THAT(errors_with("orders: 1\n"), ElementsAre("t.yaml:11:9: orders: expected a map, got \"1\""));
}

TEST_F(ConfigLoaderTest, PaperSection) {
  auto config = parse_with(
      "paper:\n  balances:\n    - {asset: USDC, amount: 5000.5}\n    - asset: ETH\n      amount: 0\n"
      "  maker_fee_bps: 0.75\n");
  ASSERT_TRUE(config.ok()) << config.error().message;
  ASSERT_EQ(config->paper.balances.size(), 2u);
  EXPECT_EQ(config->paper.balances[0].asset, "USDC");
  EXPECT_EQ(config->paper.balances[0].amount, core::Decimal(50005, 1));
  EXPECT_EQ(config->paper.balances[1].asset, "ETH");
  EXPECT_EQ(config->paper.balances[1].amount, core::Decimal(0, 0));
  EXPECT_EQ(config->paper.maker_fee_bps, core::Decimal(75, 2));
  auto empty = parse_with("paper:\n  balances: []\n");
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_TRUE(empty->paper.balances.empty());
}

TEST_F(ConfigLoaderTest, PaperValuesAreChecked) {
  EXPECT_THAT(
      errors_with("paper:\n  balances:\n    - {asset: USDC, amount: -1}\n"),
      ElementsAre("t.yaml:13:29: paper.balances[0].amount: expected a decimal number >= 0, got \"-1\""));
  EXPECT_THAT(
      errors_with("paper:\n  balances:\n    - {asset: usdc, amount: 1}\n"),
      ElementsAre(
          "t.yaml:13:15: paper.balances[0].asset: expected an asset of 1 to 16 characters A-Z and 0-9 "
          "(like \"USDC\"), got \"usdc\""));
  EXPECT_THAT(
      errors_with("paper:\n  balances:\n    - {asset: USDC, amount: 1}\n    - {asset: USDC, amount: 2}\n"),
      ElementsAre("t.yaml:14:15: paper.balances[1].asset: duplicate asset \"USDC\" (first at "
                  "paper.balances[0])"));
  EXPECT_THAT(errors_with("paper:\n  balances:\n    - {asset: USDC}\n"),
              ElementsAre("t.yaml:13:7: paper.balances[0].amount: required key is missing"));
  EXPECT_THAT(errors_with("paper:\n  balances:\n    - {asset: USDC, amount: 1, fee: 2}\n"),
              ElementsAre("t.yaml:13:32: paper.balances[0].fee: unknown key \"fee\" (allowed keys: asset, "
                          "amount)"));
  EXPECT_THAT(
      errors_with("paper:\n  balances: USDC\n"),
      ElementsAre("t.yaml:12:13: paper.balances: expected a list of {asset, amount} maps, got \"USDC\""));
  EXPECT_THAT(
      errors_with("paper:\n  maker_fee_bps: 10001\n"),
      ElementsAre("t.yaml:12:18: paper.maker_fee_bps: expected a decimal number in 0..10000, got \"10001\""));
}

}  // namespace
}  // namespace phoenix::config
