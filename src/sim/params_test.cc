#include "sim/params.h"

#include <gtest/gtest.h>

namespace phoenix::sim {
namespace {

TEST(ParamsTest, ParsesAndDecodes) {
  auto p = Params::parse_form("symbol=%EF%BC%91&side=BUY&note=a+b%2Bc&empty=&flag");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p->find("symbol"), "\xEF\xBC\x91");
  EXPECT_EQ(*p->find("note"), "a b+c");
  EXPECT_EQ(*p->find("empty"), "");
  EXPECT_EQ(*p->find("flag"), "");
  EXPECT_EQ(p->find("missing"), nullptr);
}

TEST(ParamsTest, RejectsBadEscapesAndDuplicates) {
  EXPECT_FALSE(Params::parse_form("a=%4").ok());
  EXPECT_FALSE(Params::parse_form("a=%zz").ok());
  EXPECT_FALSE(Params::parse_form("a=1&a=2").ok());
}

TEST(ParamsTest, QueryWinsOverBody) {
  auto query = Params::parse_form("symbol=A&x=1");
  auto body = Params::parse_form("symbol=B&y=2");
  Params p = *query;
  p.merge_missing(*body);
  EXPECT_EQ(*p.find("symbol"), "A");
  EXPECT_EQ(*p.find("y"), "2");
  EXPECT_EQ(p.items().size(), 3u);
}

TEST(ParamsTest, PercentEncodeRoundTrip) {
  const std::string s = "abc+/= \xEF\xBC\x91-_.~";
  EXPECT_EQ(percent_encode("a+b/="), "a%2Bb%2F%3D");
  EXPECT_EQ(percent_decode(percent_encode(s)).value(), s);
}

}  // namespace
}  // namespace phoenix::sim
