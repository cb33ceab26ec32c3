// Every risk metric in one registry: the exposition promtool must accept without a
// complaint (names, types, suffixes).

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "risk/kill_switch.h"
#include "risk/limits.h"
#include "risk/portfolio.h"
#include "risk/test_util.h"
#include "telemetry/exposition.h"

namespace phoenix::risk {
namespace {

TEST(RiskMetricsTest, PromtoolAcceptsEveryRiskMetric) {
  const char* promtool = "/usr/bin/promtool";
  ASSERT_EQ(::access(promtool, X_OK), 0)
      << promtool << " is missing: install the Debian package `prometheus` (scripts/setup does)";

  core::ManualClock clock;
  telemetry::Registry registry;
  const std::vector<SymbolSpec> symbols = {{"ETHUSDC", 2, 4}, {"SOLUSDC", 2, 3}};
  Portfolio portfolio(symbols, registry);
  LimitsConfig limits_config;
  limits_config.max_orders_per_10s = 10;
  Limits limits(limits_config, portfolio, clock, registry);
  KillSwitch kill_switch(KillSwitchConfig{}, clock, registry);

  Fill fill;
  fill.symbol = 0;
  fill.price = testing::price("3000.5");
  fill.qty = testing::qty("0.25");
  fill.commission_units = testing::units("0.00025");
  fill.fee_asset = core::FeeAsset::kBase;
  fill.time_ms = 1'764'000'000'123;
  ASSERT_TRUE(portfolio.on_fill(fill));
  portfolio.mark(0, testing::price("2990"));
  limits.count_block(1, BlockReason::kPosition);
  kill_switch.trip(KillReason::kManual, "test");

  const std::string text = telemetry::expose(registry);
  EXPECT_EQ(testing::sample(registry, R"(phoenix_fees_quote_total{symbol="ETHUSDC"})").value_or(""),
            "0.750125");  // 0.00025 x 3000.5
  EXPECT_EQ(testing::sample(registry, R"(phoenix_fees_quote_total{symbol="SOLUSDC"})").value_or(""), "0");
  EXPECT_NE(text.find("# TYPE phoenix_fees_quote_total counter"), std::string::npos) << text;

  const auto dir = std::filesystem::temp_directory_path();
  const auto input = dir / ("phoenix_risk_promtool_" + std::to_string(::getpid()) + ".prom");
  const auto output = dir / ("phoenix_risk_promtool_" + std::to_string(::getpid()) + ".out");
  {
    std::ofstream f(input, std::ios::binary);
    f << text;
    ASSERT_TRUE(f.good());
  }
  const std::string command =
      std::string(promtool) + " check metrics < '" + input.string() + "' > '" + output.string() + "' 2>&1";
  const int status = std::system(command.c_str());  // NOLINT(concurrency-mt-unsafe): test, one thread
  std::ifstream out_file(output);
  std::stringstream complaints;
  complaints << out_file.rdbuf();
  std::filesystem::remove(input);
  std::filesystem::remove(output);
  EXPECT_EQ(status, 0) << complaints.str() << "\ninput:\n" << text;
  EXPECT_EQ(complaints.str(), "") << "input:\n" << text;
}

}  // namespace
}  // namespace phoenix::risk
