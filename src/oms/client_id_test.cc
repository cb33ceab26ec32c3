#include "oms/client_id.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace phoenix::oms {
namespace {

TEST(ClientIdGeneratorTest, FormatIsPrefixStartCounter) {
  auto gen = ClientIdGenerator::create("phx_A-1", 1'764'000'000'000);
  ASSERT_TRUE(gen);
  char start[16];
  const size_t n = to_base36(1'764'000'000'000, start);
  const std::string head = "phx_A-1-" + std::string(start, n) + "-";
  EXPECT_EQ(gen->next().view(), head + "1");
  EXPECT_EQ(gen->next().view(), head + "2");
  for (int i = 0; i < 33; ++i) gen->next();
  EXPECT_EQ(gen->next().view(), head + "10");  // 36 in base 36
}

TEST(ClientIdGeneratorTest, UniqueAndValidWithLongestPrefix) {
  auto gen = ClientIdGenerator::create("abcdefghijkl", 4'000'000'000'000);
  ASSERT_TRUE(gen);
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    auto id = gen->next();
    ASSERT_FALSE(id.empty());
    ASSERT_LE(id.view().size(), 36u);
    ASSERT_TRUE(core::ClientOrderId::parse(id.view()));
    ASSERT_TRUE(seen.insert(std::string(id.view())).second);
  }
}

TEST(ClientIdGeneratorTest, RestartsDoNotCollide) {
  auto a = ClientIdGenerator::create("phx", 1'764'000'000'000);
  auto b = ClientIdGenerator::create("phx", 1'764'000'000'001);
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->next(), b->next());
}

TEST(ClientIdGeneratorTest, RejectsBadPrefixes) {
  EXPECT_FALSE(ClientIdGenerator::create("", 1));
  EXPECT_FALSE(ClientIdGenerator::create("abcdefghijklm", 1));
  EXPECT_FALSE(ClientIdGenerator::create("a.b", 1));
  EXPECT_FALSE(ClientIdGenerator::create("a b", 1));
  EXPECT_FALSE(ClientIdGenerator::create("phx", -1));
}

TEST(ClientIdGeneratorTest, IsOursChecksPrefixAndDash) {
  auto gen = ClientIdGenerator::create("phx", 1);
  ASSERT_TRUE(gen);
  EXPECT_TRUE(gen->is_ours(gen->next()));
  EXPECT_TRUE(gen->is_ours(*core::ClientOrderId::parse("phx-old-run-7")));
  EXPECT_FALSE(gen->is_ours(*core::ClientOrderId::parse("phx2-1-1")));
  EXPECT_FALSE(gen->is_ours(*core::ClientOrderId::parse("phx")));
  EXPECT_FALSE(gen->is_ours(*core::ClientOrderId::parse("manual-1")));
  EXPECT_FALSE(gen->is_ours(core::ClientOrderId{}));
}

}  // namespace
}  // namespace phoenix::oms
