#include "md/top_of_book.h"

#include <gtest/gtest.h>

namespace phoenix::md {
namespace {

core::BookTicker ticker(uint64_t id, int64_t bid, int64_t bid_qty, int64_t ask, int64_t ask_qty) {
  core::BookTicker t;
  t.symbol = 0;
  t.update_id = id;
  t.bid_price = core::Price(bid);
  t.bid_qty = core::Qty(bid_qty);
  t.ask_price = core::Price(ask);
  t.ask_qty = core::Qty(ask_qty);
  return t;
}

class TopOfBookTest : public ::testing::Test {
 protected:
  TopOfBook top_;
};

TEST_F(TopOfBookTest, StartsEmpty) {
  EXPECT_FALSE(top_.valid());
  EXPECT_FALSE(top_.has_bid());
  EXPECT_FALSE(top_.has_ask());
  EXPECT_FALSE(top_.mid().has_value());
  EXPECT_FALSE(top_.spread().has_value());
}

TEST_F(TopOfBookTest, AppliesAndExposesPrices) {
  EXPECT_EQ(top_.apply(ticker(10, 3000000, 5, 3000100, 7)), TopOfBook::ApplyResult::kApplied);
  EXPECT_TRUE(top_.valid());
  EXPECT_EQ(top_.update_id(), 10u);
  EXPECT_EQ(top_.bid_price().units(), 3000000);
  EXPECT_EQ(top_.bid_qty().units(), 5);
  EXPECT_EQ(top_.ask_price().units(), 3000100);
  EXPECT_EQ(top_.ask_qty().units(), 7);
  EXPECT_EQ(top_.mid()->units(), 3000050);
  EXPECT_EQ(top_.spread()->units(), 100);
}

TEST_F(TopOfBookTest, MidRoundsDown) {
  (void)top_.apply(ticker(1, 101, 1, 104, 1));
  EXPECT_EQ(top_.mid()->units(), 102);  // 102.5 -> 102
}

TEST_F(TopOfBookTest, OlderUpdateIsIgnoredAndCounted) {
  (void)top_.apply(ticker(10, 100, 1, 110, 1));
  EXPECT_EQ(top_.apply(ticker(9, 50, 1, 60, 1)), TopOfBook::ApplyResult::kOlder);
  EXPECT_EQ(top_.bid_price().units(), 100);
  EXPECT_EQ(top_.update_id(), 10u);
  EXPECT_EQ(top_.older_ignored(), 1u);
  EXPECT_EQ(top_.apply(ticker(10, 100, 2, 110, 1)), TopOfBook::ApplyResult::kApplied);  // equal id: same data
  EXPECT_EQ(top_.apply(ticker(11, 101, 1, 111, 1)), TopOfBook::ApplyResult::kApplied);
  EXPECT_EQ(top_.bid_price().units(), 101);
  EXPECT_EQ(top_.applied(), 3u);
}

TEST_F(TopOfBookTest, EmptySideIsAbsent) {
  (void)top_.apply(ticker(1, 0, 0, 110, 3));
  EXPECT_FALSE(top_.has_bid());
  EXPECT_TRUE(top_.has_ask());
  EXPECT_FALSE(top_.mid().has_value());
  EXPECT_EQ(top_.bid_price().units(), 0);
}

TEST_F(TopOfBookTest, ResetAcceptsAnyIdAgain) {
  (void)top_.apply(ticker(500, 100, 1, 110, 1));
  top_.reset();
  EXPECT_FALSE(top_.valid());
  EXPECT_EQ(top_.apply(ticker(3, 90, 1, 95, 1)), TopOfBook::ApplyResult::kApplied);
  EXPECT_EQ(top_.update_id(), 3u);
}

}  // namespace
}  // namespace phoenix::md
