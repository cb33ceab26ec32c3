#include "binance/depth_snapshot.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "binance/test_util.h"

namespace phoenix::binance {
namespace {

using ::testing::HasSubstr;

constexpr core::SymbolScale kScale8{8, 8};

TEST(DepthSnapshotTest, DecodesTheDocsExample) {
  DepthSnapshotDecoder decoder;
  const std::string body =
      R"({"lastUpdateId":1027024,"bids":[["4.00000000","431.00000000"]],"asks":[["4.00000200","12.00000000"]]})";
  auto r = decoder.decode(body, 3, kScale8);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->symbol, 3);
  EXPECT_EQ(r->last_update_id, 1027024u);
  ASSERT_EQ(r->bids.size(), 1u);
  EXPECT_EQ(r->bids[0].price.units(), 400000000);
  EXPECT_EQ(r->bids[0].qty.units(), 43100000000);
  ASSERT_EQ(r->asks.size(), 1u);
  EXPECT_EQ(r->asks[0].price.units(), 400000200);
  EXPECT_EQ(r->asks[0].qty.units(), 1200000000);
}

std::string big_snapshot(int levels) {
  std::string body = R"({"lastUpdateId":987654321,"bids":[)";
  for (int i = 0; i < levels; ++i) {
    if (i > 0) body += ',';
    body += testing::cat("[\"", std::to_string(30000 - i), ".10000000\",\"0.", std::to_string(10000000 + i),
                         "\"]");
  }
  body += R"(],"asks":[)";
  for (int i = 0; i < levels; ++i) {
    if (i > 0) body += ',';
    body += testing::cat("[\"", std::to_string(30001 + i), ".20000000\",\"", std::to_string(i + 1),
                         ".00000000\"]");
  }
  body += "]}";
  return body;
}

TEST(DepthSnapshotTest, Decodes5000LevelsPerSideInOrder) {
  DepthSnapshotDecoder decoder;
  const std::string body = big_snapshot(5000);
  auto r = decoder.decode(body, 0, {2, 8});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->last_update_id, 987654321u);
  ASSERT_EQ(r->bids.size(), 5000u);
  ASSERT_EQ(r->asks.size(), 5000u);
  EXPECT_EQ(r->bids[0].price.units(), 3000010);
  EXPECT_EQ(r->bids[0].qty.units(), 10000000);
  EXPECT_EQ(r->bids[4999].price.units(), 2500110);
  EXPECT_EQ(r->bids[4999].qty.units(), 10004999);
  EXPECT_EQ(r->asks[4999].price.units(), 3500020);
  EXPECT_EQ(r->asks[4999].qty.units(), 500000000000);
  for (size_t i = 1; i < r->bids.size(); ++i) ASSERT_LT(r->bids[i].price, r->bids[i - 1].price);

  // The decoder is reusable: a second, smaller snapshot replaces the first.
  auto again = decoder.decode(big_snapshot(3), 0, {2, 8});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->bids.size(), 3u);
}

TEST(DepthSnapshotTest, RejectsMoreLevelsThanTheLimit) {
  DepthSnapshotDecoder decoder(10);
  auto r = decoder.decode(big_snapshot(11), 0, kScale8);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("unexpected_shape: bids"));
}

TEST(DepthSnapshotTest, ReportsBinanceErrorBodies) {
  DepthSnapshotDecoder decoder;
  auto r = decoder.decode(R"({"code":-1121,"msg":"Invalid symbol."})", 0, kScale8);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kRejected);
  EXPECT_EQ(r.error().message, "binance error -1121: Invalid symbol.");
}

TEST(DepthSnapshotTest, ReportsTheReasonForBadBodies) {
  DepthSnapshotDecoder decoder;
  struct Case {
    std::string body;
    std::string message_start;
  };
  const Case cases[] = {
      {"", "empty:"},
      {"<html>502 Bad Gateway</html>", "bad_json:"},
      {R"({"lastUpdateId":1,"bids":[["1.0","2.0"]],"asks":[["1e3","1"]]})", "bad_decimal: asks"},
      {R"({"lastUpdateId":1,"bids":[["1.123456789","2.0"]],"asks":[]})", "bad_decimal: bids"},
      {R"({"lastUpdateId":"1","bids":[],"asks":[]})", "wrong_type: lastUpdateId"},
      {R"({"lastUpdateId":1,"bids":[]})", "missing_field: asks"},
      {R"({"lastUpdateId":1,"bids":[["1.0","2.0"]],"asks":[])", "bad_json:"},
      {R"({"lastUpdateId":1,"bids":{},"asks":[]})", "wrong_type: bids"},
  };
  for (const Case& c : cases) {
    auto r = decoder.decode(c.body, 0, kScale8);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.error().code, core::ErrorCode::kParse) << c.body;
    EXPECT_TRUE(r.error().message.starts_with(c.message_start)) << c.body << " -> " << r.error().message;
  }
}

}  // namespace
}  // namespace phoenix::binance
