#include "md/depth_book.h"

#include <map>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace phoenix::md {
namespace {

core::Level lvl(int64_t price, int64_t qty) { return core::Level{core::Price(price), core::Qty(qty)}; }

std::vector<std::pair<int64_t, int64_t>> dump(LevelsView v) {
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const core::Level& l : v) out.emplace_back(l.price.units(), l.qty.units());
  return out;
}

using Pairs = std::vector<std::pair<int64_t, int64_t>>;

class DepthBookTest : public ::testing::Test {
 protected:
  DepthBook book_;
};

TEST_F(DepthBookTest, InsertsKeepEachSideBestFirst) {
  EXPECT_EQ(book_.apply(BookSide::kBid, lvl(100, 1)), LevelChange::kInserted);
  EXPECT_EQ(book_.apply(BookSide::kBid, lvl(102, 2)), LevelChange::kInserted);
  EXPECT_EQ(book_.apply(BookSide::kBid, lvl(101, 3)), LevelChange::kInserted);
  EXPECT_EQ(book_.apply(BookSide::kAsk, lvl(105, 1)), LevelChange::kInserted);
  EXPECT_EQ(book_.apply(BookSide::kAsk, lvl(103, 2)), LevelChange::kInserted);
  EXPECT_EQ(book_.apply(BookSide::kAsk, lvl(104, 3)), LevelChange::kInserted);
  EXPECT_EQ(dump(book_.bids()), (Pairs{{102, 2}, {101, 3}, {100, 1}}));
  EXPECT_EQ(dump(book_.asks()), (Pairs{{103, 2}, {104, 3}, {105, 1}}));
  EXPECT_EQ(book_.best_bid()->price.units(), 102);
  EXPECT_EQ(book_.best_ask()->price.units(), 103);
  EXPECT_EQ(book_.bids()[0].price.units(), 102);
  EXPECT_EQ(book_.bid_levels(), 3u);
  EXPECT_EQ(book_.ask_levels(), 3u);
  EXPECT_FALSE(book_.crossed());
}

TEST_F(DepthBookTest, UpdateSetsAbsoluteQuantity) {
  (void)book_.apply(BookSide::kBid, lvl(100, 1));
  EXPECT_EQ(book_.apply(BookSide::kBid, lvl(100, 9)), LevelChange::kUpdated);
  EXPECT_EQ(dump(book_.bids()), (Pairs{{100, 9}}));
}

TEST_F(DepthBookTest, ZeroQuantityRemovesAndAbsentRemovalIsNoop) {
  (void)book_.apply(BookSide::kAsk, lvl(103, 2));
  (void)book_.apply(BookSide::kAsk, lvl(104, 2));
  EXPECT_EQ(book_.apply(BookSide::kAsk, lvl(103, 0)), LevelChange::kRemoved);
  EXPECT_EQ(book_.apply(BookSide::kAsk, lvl(103, 0)), LevelChange::kNoop);
  EXPECT_EQ(book_.apply(BookSide::kBid, lvl(50, 0)), LevelChange::kNoop);
  EXPECT_EQ(dump(book_.asks()), (Pairs{{104, 2}}));
  EXPECT_TRUE(book_.bids().empty());
}

TEST_F(DepthBookTest, InvalidLevelsAreRejected) {
  EXPECT_EQ(book_.apply(BookSide::kBid, lvl(0, 1)), LevelChange::kInvalid);
  EXPECT_EQ(book_.apply(BookSide::kBid, lvl(-5, 1)), LevelChange::kInvalid);
  EXPECT_EQ(book_.apply(BookSide::kBid, lvl(10, -1)), LevelChange::kInvalid);
  EXPECT_TRUE(book_.empty());
  const std::vector<core::Level> bids{lvl(10, 1), lvl(0, 1)};
  EXPECT_EQ(book_.apply_levels(bids, {}), 1u);
  EXPECT_EQ(book_.bid_levels(), 1u);
}

TEST_F(DepthBookTest, CrossedBookIsDetected) {
  (void)book_.apply(BookSide::kBid, lvl(100, 1));
  (void)book_.apply(BookSide::kAsk, lvl(101, 1));
  EXPECT_FALSE(book_.crossed());
  (void)book_.apply(BookSide::kBid, lvl(101, 1));  // locked: bid == ask
  EXPECT_TRUE(book_.crossed());
  (void)book_.apply(BookSide::kBid, lvl(101, 0));
  EXPECT_FALSE(book_.crossed());
  (void)book_.apply(BookSide::kAsk, lvl(99, 1));
  EXPECT_TRUE(book_.crossed());
}

TEST_F(DepthBookTest, OneSidedBookIsNotCrossed) {
  (void)book_.apply(BookSide::kBid, lvl(100, 1));
  EXPECT_FALSE(book_.crossed());
}

TEST_F(DepthBookTest, LoadReplacesEverything) {
  (void)book_.apply(BookSide::kBid, lvl(1, 1));
  const std::vector<core::Level> bids{lvl(100, 1), lvl(99, 2), lvl(98, 0), lvl(97, 4)};
  const std::vector<core::Level> asks{lvl(101, 1), lvl(102, 2)};
  book_.load(bids, asks);
  EXPECT_EQ(dump(book_.bids()), (Pairs{{100, 1}, {99, 2}, {97, 4}}));
  EXPECT_EQ(dump(book_.asks()), (Pairs{{101, 1}, {102, 2}}));
}

TEST_F(DepthBookTest, LoadSortsAnUnsortedSnapshot) {
  const std::vector<core::Level> bids{lvl(98, 1), lvl(100, 2), lvl(99, 3), lvl(100, 5)};
  const std::vector<core::Level> asks{lvl(103, 1), lvl(101, 2)};
  book_.load(bids, asks);
  EXPECT_EQ(dump(book_.bids()), (Pairs{{100, 5}, {99, 3}, {98, 1}}));  // last repeat wins
  EXPECT_EQ(dump(book_.asks()), (Pairs{{101, 2}, {103, 1}}));
}

TEST_F(DepthBookTest, TopNViews) {
  for (int64_t p = 1; p <= 10; ++p) {
    (void)book_.apply(BookSide::kBid, lvl(p, p));
    (void)book_.apply(BookSide::kAsk, lvl(100 + p, p));
  }
  EXPECT_EQ(dump(book_.top_bids(3)), (Pairs{{10, 10}, {9, 9}, {8, 8}}));
  EXPECT_EQ(dump(book_.top_asks(2)), (Pairs{{101, 1}, {102, 2}}));
  EXPECT_EQ(book_.top_asks(50).size(), 10u);
  EXPECT_EQ(book_.levels(BookSide::kAsk)[0].price.units(), 101);
}

TEST(DepthBookCapTest, FullSideKeepsTheBestLevels) {
  DepthBook book(3);
  for (int64_t p : {10, 11, 12}) (void)book.apply(BookSide::kBid, lvl(p, 1));
  EXPECT_EQ(book.apply(BookSide::kBid, lvl(9, 1)), LevelChange::kDropped);    // worse than all
  EXPECT_EQ(book.apply(BookSide::kBid, lvl(13, 1)), LevelChange::kInserted);  // evicts 10
  EXPECT_EQ(dump(book.bids()), (Pairs{{13, 1}, {12, 1}, {11, 1}}));
  EXPECT_EQ(book.dropped_levels(), 2u);
  const std::vector<core::Level> asks{lvl(20, 1), lvl(21, 1), lvl(22, 1), lvl(23, 1), lvl(24, 1)};
  book.load({}, asks);
  EXPECT_EQ(dump(book.asks()), (Pairs{{20, 1}, {21, 1}, {22, 1}}));
}

// Random applies against a std::map reference, including deep levels (binary-search path).
TEST(DepthBookRandomTest, MatchesMapReference) {
  std::mt19937_64 rng(42);
  DepthBook book;
  std::map<int64_t, int64_t, std::greater<>> ref_bids;
  std::map<int64_t, int64_t> ref_asks;
  for (int i = 0; i < 20000; ++i) {
    const bool bid = (rng() & 1) != 0;
    const int64_t offset = static_cast<int64_t>(rng() % 4 == 0 ? rng() % 500 : rng() % 20);
    const int64_t price = bid ? 10000 - offset : 10001 + offset;
    const int64_t qty = rng() % 3 == 0 ? 0 : static_cast<int64_t>(rng() % 100 + 1);
    (void)book.apply(bid ? BookSide::kBid : BookSide::kAsk, lvl(price, qty));
    auto set = [&](auto& m) {
      if (qty == 0) {
        m.erase(price);
      } else {
        m[price] = qty;
      }
    };
    if (bid) {
      set(ref_bids);
    } else {
      set(ref_asks);
    }
  }
  Pairs want_bids(ref_bids.begin(), ref_bids.end());
  Pairs want_asks(ref_asks.begin(), ref_asks.end());
  EXPECT_EQ(dump(book.bids()), want_bids);
  EXPECT_EQ(dump(book.asks()), want_asks);
}

}  // namespace
}  // namespace phoenix::md
