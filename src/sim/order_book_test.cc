#include "sim/order_book.h"

#include <gtest/gtest.h>

namespace phoenix::sim {
namespace {

Order make(OrderId id, Side side, int64_t price, int64_t qty, AccountId account = 1) {
  Order o;
  o.id = id;
  o.side = side;
  o.price_units = price;
  o.orig_qty_units = qty;
  o.account = account;
  return o;
}

class OrderBookTest : public ::testing::Test {
 protected:
  OrderBook book_;
};

TEST_F(OrderBookTest, BestIsHighestBidAndLowestAskInTimeOrder) {
  ASSERT_TRUE(book_.add(make(1, Side::kBuy, 100, 5)));
  ASSERT_TRUE(book_.add(make(2, Side::kBuy, 101, 5)));
  ASSERT_TRUE(book_.add(make(3, Side::kBuy, 101, 5)));
  ASSERT_TRUE(book_.add(make(4, Side::kSell, 105, 5)));
  ASSERT_TRUE(book_.add(make(5, Side::kSell, 103, 5)));
  EXPECT_EQ(book_.best(Side::kBuy)->id, 2);
  EXPECT_EQ(book_.best(Side::kSell)->id, 5);
  EXPECT_FALSE(book_.crossed());
  EXPECT_FALSE(book_.add(make(2, Side::kBuy, 99, 1)));
}

TEST_F(OrderBookTest, RemoveKeepsOrderAndDropsEmptyLevels) {
  ASSERT_TRUE(book_.add(make(1, Side::kBuy, 100, 5)));
  ASSERT_TRUE(book_.add(make(2, Side::kBuy, 100, 5)));
  ASSERT_TRUE(book_.remove(1).has_value());
  EXPECT_FALSE(book_.remove(1).has_value());
  EXPECT_EQ(book_.best(Side::kBuy)->id, 2);
  ASSERT_TRUE(book_.remove(2).has_value());
  EXPECT_EQ(book_.best(Side::kBuy), nullptr);
  EXPECT_FALSE(book_.best_price(Side::kBuy).has_value());
  EXPECT_EQ(book_.size(), 0u);
}

TEST_F(OrderBookTest, VisitWalksFromBestAndOrdersOfFiltersByAccount) {
  ASSERT_TRUE(book_.add(make(1, Side::kSell, 103, 5, 7)));
  ASSERT_TRUE(book_.add(make(2, Side::kSell, 102, 5, 8)));
  ASSERT_TRUE(book_.add(make(3, Side::kSell, 102, 5, 7)));
  std::vector<OrderId> seen;
  book_.visit(Side::kSell, [&](const Order& o) {
    seen.push_back(o.id);
    return true;
  });
  EXPECT_EQ(seen, (std::vector<OrderId>{2, 3, 1}));
  auto mine = book_.orders_of(7);
  std::sort(mine.begin(), mine.end());
  EXPECT_EQ(mine, (std::vector<OrderId>{1, 3}));
}

}  // namespace
}  // namespace phoenix::sim
