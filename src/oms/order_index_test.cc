#include "oms/order_index.h"

#include <map>
#include <random>
#include <string>

#include <gtest/gtest.h>

namespace phoenix::oms {
namespace {

core::ClientOrderId id(int n) { return *core::ClientOrderId::parse("phx-abc-" + std::to_string(n)); }

TEST(OrderIndexTest, InsertFindEraseOverwrite) {
  OrderIndex index(4);
  EXPECT_EQ(index.find(id(1)), -1);
  EXPECT_TRUE(index.insert(id(1), 10));
  EXPECT_TRUE(index.insert(id(2), 20));
  EXPECT_EQ(index.find(id(1)), 10);
  EXPECT_TRUE(index.insert(id(1), 11));
  EXPECT_EQ(index.find(id(1)), 11);
  EXPECT_EQ(index.size(), 2u);
  EXPECT_TRUE(index.erase(id(1)));
  EXPECT_FALSE(index.erase(id(1)));
  EXPECT_EQ(index.find(id(1)), -1);
  EXPECT_EQ(index.find(id(2)), 20);
  EXPECT_EQ(index.find(core::ClientOrderId{}), -1);
}

TEST(OrderIndexTest, FullRefusesNewKeys) {
  OrderIndex index(3);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(index.insert(id(i), i));
  EXPECT_FALSE(index.insert(id(3), 3));
  EXPECT_TRUE(index.insert(id(0), 7));  // overwrite still fine
}

TEST(OrderIndexTest, MatchesAStdMapUnderRandomChurn) {
  OrderIndex index(64);
  std::map<int, int32_t> model;
  std::mt19937 rng(42);
  for (int step = 0; step < 200'000; ++step) {
    const int key = static_cast<int>(rng() % 200);
    const auto op = rng() % 3;
    if (op == 0 && (model.size() < 64 || model.count(key))) {
      ASSERT_TRUE(index.insert(id(key), step));
      model[key] = step;
    } else if (op == 1) {
      ASSERT_EQ(index.erase(id(key)), model.erase(key) == 1);
    } else {
      auto it = model.find(key);
      ASSERT_EQ(index.find(id(key)), it == model.end() ? -1 : it->second);
    }
    ASSERT_EQ(index.size(), model.size());
  }
}

}  // namespace
}  // namespace phoenix::oms
