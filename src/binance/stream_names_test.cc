#include "binance/stream_names.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "binance/test_util.h"

namespace phoenix::binance {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string name_of(StreamSpec spec) {
  auto r = stream_name(spec);
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  return r.ok() ? *r : "";
}

TEST(StreamNamesTest, BuildsLowercaseNamesForEveryKind) {
  EXPECT_EQ(name_of({"ETHUSDC", StreamKind::kBookTicker}), "ethusdc@bookTicker");
  EXPECT_EQ(name_of({"EthUsdc", StreamKind::kTrade}), "ethusdc@trade");
  EXPECT_EQ(name_of({"ETHUSDC", StreamKind::kAggTrade}), "ethusdc@aggTrade");
  EXPECT_EQ(name_of({"ETHUSDC", StreamKind::kDiffDepth}), "ethusdc@depth");
  EXPECT_EQ(name_of({"ETHUSDC", StreamKind::kDiffDepth, 0, UpdateSpeed::k100ms}), "ethusdc@depth@100ms");
  EXPECT_EQ(name_of({"ETHUSDC", StreamKind::kPartialDepth, 5}), "ethusdc@depth5");
  EXPECT_EQ(name_of({"ETHUSDC", StreamKind::kPartialDepth, 10, UpdateSpeed::k100ms}),
            "ethusdc@depth10@100ms");
  EXPECT_EQ(name_of({"ETHUSDC", StreamKind::kPartialDepth, 20, UpdateSpeed::k100ms}),
            "ethusdc@depth20@100ms");
}

TEST(StreamNamesTest, RejectsInvalidSpecs) {
  EXPECT_THAT(stream_name({"ETHUSDC", StreamKind::kPartialDepth, 15}).error().message,
              HasSubstr("5, 10 or 20"));
  EXPECT_FALSE(stream_name({"ETHUSDC", StreamKind::kBookTicker, 0, UpdateSpeed::k100ms}).ok());
  EXPECT_FALSE(stream_name({"", StreamKind::kBookTicker}).ok());
  EXPECT_FALSE(stream_name({"ETH/USDC", StreamKind::kBookTicker}).ok());
  EXPECT_FALSE(stream_name({"ETHUSDC@x", StreamKind::kBookTicker}).ok());
  EXPECT_FALSE(stream_name({std::string(21, 'A'), StreamKind::kBookTicker}).ok());
  EXPECT_FALSE(stream_name({"ETHUSDC", StreamKind::kServerShutdown}).ok());
}

TEST(StreamNamesTest, ParsesWhatItBuildsAndWhatBinanceSends) {
  auto p = parse_stream_name("ethusdc@depth20@100ms");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->kind, StreamKind::kPartialDepth);
  EXPECT_EQ(p->symbol, "ethusdc");
  EXPECT_EQ(p->depth_levels, 20);
  EXPECT_EQ(p->speed, UpdateSpeed::k100ms);

  p = parse_stream_name("bnbbtc@depth@1000ms");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->kind, StreamKind::kDiffDepth);
  EXPECT_EQ(p->speed, UpdateSpeed::k1000ms);

  EXPECT_EQ(parse_stream_name("bnbbtc@depth10")->depth_levels, 10);
  EXPECT_EQ(parse_stream_name("bnbbtc@depth5")->depth_levels, 5);
  EXPECT_EQ(parse_stream_name("bnbbtc@bookTicker")->kind, StreamKind::kBookTicker);
  EXPECT_EQ(parse_stream_name("bnbbtc@trade")->kind, StreamKind::kTrade);
  EXPECT_EQ(parse_stream_name("bnbbtc@aggTrade")->kind, StreamKind::kAggTrade);
  p = parse_stream_name("!serverShutdown");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->kind, StreamKind::kServerShutdown);
  EXPECT_TRUE(p->symbol.empty());
}

TEST(StreamNamesTest, RejectsStreamsItDoesNotDecode) {
  for (const char* name : {"", "bnbbtc", "@bookTicker", "bnbbtc@", "bnbbtc@kline_1m", "bnbbtc@depth15",
                           "bnbbtc@depth50", "bnbbtc@depth100", "bnbbtc@depth@250ms", "bnbbtc@depth20@100",
                           "bnbbtc@bookTicker@100ms", "!miniTicker@arr", "bnbbtc@ticker", "bnbbtc@depthX"}) {
    EXPECT_FALSE(parse_stream_name(name).has_value()) << name;
  }
}

TEST(StreamNamesTest, BuildsTargets) {
  const std::vector<std::string> streams = {"ethusdc@bookTicker", "ethusdc@depth@100ms"};
  EXPECT_EQ(combined_stream_target(streams), "/stream?streams=ethusdc@bookTicker/ethusdc@depth@100ms");
  EXPECT_EQ(raw_stream_target("ethusdc@bookTicker"), "/ws/ethusdc@bookTicker");
  EXPECT_THAT(combined_stream_targets(streams),
              ElementsAre("/stream?streams=ethusdc@bookTicker/ethusdc@depth@100ms"));
  EXPECT_TRUE(combined_stream_targets({}).empty());
}

std::vector<std::string> numbered_streams(size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.push_back(testing::cat("sym", std::to_string(i), "@bookTicker"));
  return out;
}

TEST(StreamNamesTest, SplitsAt1024StreamsPerConnection) {
  EXPECT_EQ(split_streams(numbered_streams(1024)).size(), 1u);
  const auto streams = numbered_streams(2049);
  const auto groups = split_streams(streams);
  ASSERT_EQ(groups.size(), 3u);
  std::vector<std::string> joined;
  for (const auto& g : groups) {
    EXPECT_LE(g.size(), kMaxStreamsPerConnection);
    EXPECT_GE(g.size(), 683u);  // balanced: 683 + 683 + 683
    joined.insert(joined.end(), g.begin(), g.end());
  }
  EXPECT_EQ(joined, streams);  // order kept, nothing lost

  const auto targets = combined_stream_targets(numbered_streams(1025));
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_TRUE(targets[0].starts_with("/stream?streams=sym0@bookTicker/sym1@bookTicker/"));
  EXPECT_TRUE(targets[1].ends_with("/sym1024@bookTicker"));
}

TEST(StreamNamesTest, SplitDropsDuplicatesAndHonoursSmallLimits) {
  const std::vector<std::string> streams = {"a@trade", "b@trade", "a@trade", "c@trade", "b@trade"};
  const auto groups = split_streams(streams, 2);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_THAT(groups[0], ElementsAre("a@trade", "b@trade"));
  EXPECT_THAT(groups[1], ElementsAre("c@trade"));
  EXPECT_EQ(split_streams(streams, 0).size(), 3u);  // 0 means 1
}

TEST(StreamNamesTest, KindLabels) {
  EXPECT_EQ(to_string(MessageKind::kBookTicker), "book_ticker");
  EXPECT_EQ(to_string(MessageKind::kDepthSnapshot), "depth_snapshot");
  EXPECT_EQ(to_string(MessageKind::kAggTrade), "agg_trade");
  EXPECT_EQ(to_string(MessageKind::kServerShutdown), "server_shutdown");
}

}  // namespace
}  // namespace phoenix::binance
