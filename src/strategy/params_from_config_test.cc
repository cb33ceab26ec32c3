#include "strategy/params_from_config.h"

#include <gtest/gtest.h>

namespace phoenix::strategy {
namespace {

SymbolFilters eth_filters() {
  SymbolFilters f;
  f.price_scale = 2;
  f.qty_scale = 4;
  f.quote_scale = 8;
  f.tick_size = core::Price(1);
  f.step_size = core::Qty(1);
  return f;
}

TEST(ParamsFromConfigTest, MapsEveryKeyExactly) {
  config::SymbolConfig sc;
  sc.symbol = "ETHUSDC";
  sc.levels = 7;
  sc.fair_price = config::FairPrice::kMicro;
  sc.half_spread_bps = core::Decimal(125, 1);  // 12.5
  sc.level_step_bps = core::Decimal(5, 0);
  sc.min_spread_bps = core::Decimal(3, 0);
  sc.size_quote = core::Decimal(25, 0);
  sc.size_growth = core::Decimal(12, 1);
  sc.inventory.target_base_ratio = core::Decimal(3, 1);
  sc.inventory.max_skew_bps = core::Decimal(20, 0);
  sc.price_ceiling = core::Decimal(400000, 2);
  sc.price_floor = core::Decimal(1500, 0);

  auto p = params_from_config(sc, eth_filters());
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->levels, 7);
  EXPECT_EQ(p->fair_price, FairPriceMode::kMicro);
  EXPECT_EQ(p->half_spread_cbps, 1250);
  EXPECT_EQ(p->level_step_cbps, 500);
  EXPECT_EQ(p->min_spread_cbps, 300);
  EXPECT_EQ(p->size_unit, SizeUnit::kQuote);
  EXPECT_EQ(p->size_quote_units, 2'500'000'000);
  EXPECT_EQ(p->size_growth_ppm, 1'200'000);
  EXPECT_TRUE(p->skew.enabled);
  EXPECT_EQ(p->skew.target_base_ppm, 300'000);
  EXPECT_EQ(p->skew.range_ppm, 700'000);
  EXPECT_EQ(p->skew.max_price_skew_cbps, 2000);
  EXPECT_EQ(p->price_ceiling, core::Price(400000));
  EXPECT_EQ(p->price_floor, core::Price(150000));
}

TEST(ParamsFromConfigTest, DefaultsGiveBaseSizeAndNoSkew) {
  config::SymbolConfig sc;
  sc.symbol = "ETHUSDC";
  sc.size_base = core::Decimal(5, 2);  // 0.05
  auto p = params_from_config(sc, eth_filters());
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->size_unit, SizeUnit::kBase);
  EXPECT_EQ(p->size_base, core::Qty(500));
  EXPECT_FALSE(p->skew.enabled);
  EXPECT_EQ(p->half_spread_cbps, 1000);
  EXPECT_FALSE(p->price_ceiling.has_value());
}

TEST(ParamsFromConfigTest, TooManyDecimalsIsAnErrorNamingTheKey) {
  config::SymbolConfig sc;
  sc.symbol = "ETHUSDC";
  sc.size_base = core::Decimal(123456, 5);  // 1.23456 at qty scale 4
  auto p = params_from_config(sc, eth_filters());
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("symbols[ETHUSDC].size_base"), std::string::npos) << p.error().message;

  sc.size_base = core::Decimal(1, 0);
  sc.half_spread_bps = core::Decimal(1234, 3);  // 1.234 bps: finer than 0.01 bp
  p = params_from_config(sc, eth_filters());
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("half_spread_bps"), std::string::npos) << p.error().message;
}

}  // namespace
}  // namespace phoenix::strategy
