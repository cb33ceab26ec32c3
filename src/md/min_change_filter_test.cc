#include "md/min_change_filter.h"

#include <gtest/gtest.h>

#include "telemetry/metrics.h"

namespace phoenix::md {
namespace {

core::Price px(int64_t units) { return core::Price(units); }

core::Decimal bps(std::string_view text) { return core::Decimal::parse(text).value(); }

class MinChangeFilterTest : public ::testing::Test {
 protected:
  MinChangeFilterTest() : filter_(bps("1"), &registry_) { sym_ = filter_.add_symbol("BTCUSDT"); }

  uint64_t metric(std::string_view name) {
    for (const auto& family : registry_.collect()) {
      if (family.name != name) continue;
      for (const auto& series : family.series) return std::get<uint64_t>(series.value);
    }
    return 0;
  }

  telemetry::Registry registry_;
  MinChangeFilter filter_;
  core::SymbolId sym_ = 0;
};

TEST_F(MinChangeFilterTest, FirstUpdateIsAlwaysForwarded) {
  EXPECT_TRUE(filter_.on_update(sym_, px(3000000), px(3000100)));
  EXPECT_EQ(filter_.forwarded(sym_), 1u);
}

// 1 bp of 30000.00 (price scale 2: 3000000 units) is 3.00 = 300 units.
struct MoveCase {
  int64_t new_bid;
  int64_t new_ask;
  bool forwarded;
};

class MinChangeFilterTableTest : public MinChangeFilterTest,
                                 public ::testing::WithParamInterface<MoveCase> {};

TEST_P(MinChangeFilterTableTest, OneBasisPointThreshold) {
  const MoveCase c = GetParam();
  ASSERT_TRUE(filter_.on_update(sym_, px(3000000), px(3000500)));
  EXPECT_EQ(filter_.on_update(sym_, px(c.new_bid), px(c.new_ask)), c.forwarded)
      << c.new_bid << " / " << c.new_ask;
}

INSTANTIATE_TEST_SUITE_P(
    Moves, MinChangeFilterTableTest,
    ::testing::Values(MoveCase{3000000, 3000500, false},  // unchanged
                      MoveCase{3000299, 3000500, false},  // 30000.00 -> 30002.99: 0.9967 bp
                      MoveCase{3000300, 3000500, true},   // 30000.00 -> 30003.00: exactly 1 bp
                      MoveCase{2999701, 3000500, false},  // down 2.99
                      MoveCase{2999700, 3000500, true},   // down 3.00
                      MoveCase{3000000, 3000800, false},  // ask +3.00 < 3.0005 (1 bp of 30005.00)
                      MoveCase{3000000, 3000801, true},   // ask +3.01
                      MoveCase{0, 3000500, true},         // bid side disappeared
                      MoveCase{3000000, 0, true}));       // ask side disappeared

TEST_F(MinChangeFilterTest, ComparesWithLastForwardedNotLastSeen) {
  ASSERT_TRUE(filter_.on_update(sym_, px(3000000), px(3001000)));
  EXPECT_FALSE(filter_.on_update(sym_, px(3000200), px(3001000)));  // +2.00
  EXPECT_TRUE(filter_.on_update(sym_, px(3000300), px(3001000)));   // +3.00 vs forwarded 30000.00
  EXPECT_FALSE(filter_.on_update(sym_, px(3000500), px(3001000)));  // +2.00 vs 30003.00
  EXPECT_EQ(filter_.forwarded(sym_), 2u);
  EXPECT_EQ(filter_.filtered(sym_), 2u);
  EXPECT_EQ(metric("phoenix_md_updates_forwarded_total"), 2u);
  EXPECT_EQ(metric("phoenix_md_updates_filtered_total"), 2u);
}

TEST_F(MinChangeFilterTest, SideAppearingIsForwarded) {
  ASSERT_TRUE(filter_.on_update(sym_, px(0), px(3001000)));
  EXPECT_FALSE(filter_.on_update(sym_, px(0), px(3001000)));
  EXPECT_TRUE(filter_.on_update(sym_, px(3000000), px(3001000)));
}

TEST_F(MinChangeFilterTest, ResetForwardsTheNextUpdate) {
  ASSERT_TRUE(filter_.on_update(sym_, px(3000000), px(3001000)));
  EXPECT_FALSE(filter_.on_update(sym_, px(3000000), px(3001000)));
  filter_.reset(sym_);  // e.g. the symbol went stale
  EXPECT_TRUE(filter_.on_update(sym_, px(3000000), px(3001000)));
}

TEST_F(MinChangeFilterTest, SymbolsAreIndependent) {
  const core::SymbolId eth = filter_.add_symbol("ETHUSDT");
  EXPECT_EQ(eth, 1);
  ASSERT_TRUE(filter_.on_update(sym_, px(3000000), px(3001000)));
  EXPECT_TRUE(filter_.on_update(eth, px(200000), px(200100)));
  EXPECT_FALSE(filter_.on_update(sym_, px(3000000), px(3001000)));
  EXPECT_FALSE(filter_.on_update(eth, px(200001), px(200100)));
  EXPECT_EQ(filter_.filtered(eth), 1u);
}

TEST(MinChangeFilterBpsTest, ZeroBpsForwardsEverything) {
  MinChangeFilter filter(bps("0"));
  const auto s = filter.add_symbol("X");
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(filter.on_update(s, px(100), px(101)));
  EXPECT_EQ(filter.forwarded(s), 5u);
  EXPECT_EQ(filter.filtered(s), 0u);
}

TEST(MinChangeFilterBpsTest, FractionalBps) {
  MinChangeFilter filter(bps("0.50"));  // 0.5 bp
  EXPECT_EQ(filter.bps_units(), 5);
  EXPECT_EQ(filter.bps_scale(), 1);
  const auto s = filter.add_symbol("X");
  ASSERT_TRUE(filter.on_update(s, px(1000000), px(1000000)));
  EXPECT_FALSE(filter.on_update(s, px(1000049), px(1000000)));  // 0.49 bp
  EXPECT_TRUE(filter.on_update(s, px(1000050), px(1000000)));   // 0.5 bp
}

TEST(MinChangeFilterBpsTest, LargePricesDoNotOverflow) {
  MinChangeFilter filter(bps("10"));
  const auto s = filter.add_symbol("X");
  const int64_t big = 4'000'000'000'000'000'000;  // near int64 max
  ASSERT_TRUE(filter.on_update(s, px(big), px(big)));
  EXPECT_FALSE(filter.on_update(s, px(big + (big / 1000) - 1), px(big)));  // just under 10 bp
  EXPECT_TRUE(filter.on_update(s, px(big + big / 1000), px(big)));         // exactly 10 bp
}

}  // namespace
}  // namespace phoenix::md
