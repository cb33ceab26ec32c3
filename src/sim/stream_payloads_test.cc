#include "sim/stream_payloads.h"

#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

namespace phoenix::sim {
namespace {

std::string quoted(int64_t units, int scale) {
  std::string out;
  append_quoted_units(&out, units, scale);
  return out;
}

simdjson::dom::element parse(simdjson::dom::parser& parser, const std::string& text) {
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(text).get(doc), simdjson::SUCCESS) << text;
  return doc;
}

std::vector<std::string> keys(simdjson::dom::element doc) {
  std::vector<std::string> out;
  simdjson::dom::object object;
  if (doc.get_object().get(object)) return out;
  for (auto field : object) out.emplace_back(field.key);
  return out;
}

TEST(StreamPayloadsTest, QuotedUnitsUseTheFullScale) {
  EXPECT_EQ(quoted(200001000000, 8), "\"2000.01000000\"");
  EXPECT_EQ(quoted(5, 8), "\"0.00000005\"");
  EXPECT_EQ(quoted(0, 8), "\"0.00000000\"");
  EXPECT_EQ(quoted(7, 0), "\"7\"");
  EXPECT_EQ(quoted(-5, 2), "\"-0.05\"");
  EXPECT_EQ(quoted(3000010, 2), "\"30000.10\"");
  EXPECT_EQ(quoted(std::numeric_limits<int64_t>::min(), 18), "\"-9.223372036854775808\"");
  EXPECT_EQ(quoted(std::numeric_limits<int64_t>::max(), 0), "\"9223372036854775807\"");
  EXPECT_EQ(quoted(1, 40), "\"0.000000000000000001\"");  // scale clamped to 18
}

TEST(StreamPayloadsTest, BookTickerHasBinanceFields) {
  const std::string raw =
      book_ticker_json("ETHUSDC", 400900217, {300001000000, 150000000}, {300002000000, 7}, {});
  EXPECT_EQ(
      raw,
      R"({"u":400900217,"s":"ETHUSDC","b":"3000.01000000","B":"1.50000000","a":"3000.02000000","A":"0.00000007"})");
  simdjson::dom::parser parser;
  EXPECT_EQ(keys(parse(parser, raw)), (std::vector<std::string>{"u", "s", "b", "B", "a", "A"}));
}

TEST(StreamPayloadsTest, TradeHasBinanceFields) {
  TradePrint t;
  t.symbol = "ETHUSDC";
  t.trade_id = 12345;
  t.price_units = 100000;
  t.qty_units = 10000000000;
  t.buyer_is_maker = true;
  t.time_ms = 1672515782136;
  const std::string raw = trade_json("ETHUSDC", 1672515782137, t, {});
  EXPECT_EQ(raw,
            R"({"e":"trade","E":1672515782137,"s":"ETHUSDC","t":12345,"p":"0.00100000","q":"100.00000000",)"
            R"("T":1672515782136,"m":true,"M":true})");
  simdjson::dom::parser parser;
  auto doc = parse(parser, raw);
  EXPECT_EQ(keys(doc), (std::vector<std::string>{"e", "E", "s", "t", "p", "q", "T", "m", "M"}));
  EXPECT_TRUE(doc["m"].get_bool().value());
}

TEST(StreamPayloadsTest, AggTradeHasBinanceFields) {
  const AggTrade agg{7, 300000000000, 25000000, 100, 105, 1672515782136, false};
  const std::string raw = agg_trade_json("ETHUSDC", 1672515782136, agg, {});
  EXPECT_EQ(raw,
            R"({"e":"aggTrade","E":1672515782136,"s":"ETHUSDC","a":7,"p":"3000.00000000","q":"0.25000000",)"
            R"("f":100,"l":105,"T":1672515782136,"m":false,"M":true})");
  simdjson::dom::parser parser;
  EXPECT_EQ(keys(parse(parser, raw)),
            (std::vector<std::string>{"e", "E", "s", "a", "p", "q", "f", "l", "T", "m", "M"}));
}

TEST(StreamPayloadsTest, PartialDepthHasNoEventFields) {
  const std::vector<BookLevel> bids = {{240000, 1000000000}, {230000, 5}};
  const std::vector<BookLevel> asks = {{260000, 10000000000}};
  const std::string raw = partial_depth_json(160, bids, asks, {});
  EXPECT_EQ(raw, R"({"lastUpdateId":160,"bids":[["0.00240000","10.00000000"],["0.00230000","0.00000005"]],)"
                 R"("asks":[["0.00260000","100.00000000"]]})");
  simdjson::dom::parser parser;
  EXPECT_EQ(keys(parse(parser, raw)), (std::vector<std::string>{"lastUpdateId", "bids", "asks"}));
  EXPECT_EQ(partial_depth_json(1, {}, {}, {}), R"({"lastUpdateId":1,"bids":[],"asks":[]})");
}

TEST(StreamPayloadsTest, DepthUpdateHasBinanceFields) {
  const std::vector<BookLevel> bids = {{240000, 0}};
  const std::vector<BookLevel> asks = {{260000, 10000000000}};
  const std::string raw = depth_update_json("BNBBTC", 1672515782136, 157, 160, bids, asks, {});
  EXPECT_EQ(raw, R"({"e":"depthUpdate","E":1672515782136,"s":"BNBBTC","U":157,"u":160,)"
                 R"("b":[["0.00240000","0.00000000"]],"a":[["0.00260000","100.00000000"]]})");
  simdjson::dom::parser parser;
  EXPECT_EQ(keys(parse(parser, raw)), (std::vector<std::string>{"e", "E", "s", "U", "u", "b", "a"}));
}

TEST(StreamPayloadsTest, CombinedWrapsTheRawPayload) {
  const std::string raw = R"({"u":1})";
  const std::string combined = combined_json("ethusdc@bookTicker", raw);
  EXPECT_EQ(combined, R"({"stream":"ethusdc@bookTicker","data":{"u":1}})");
  simdjson::dom::parser parser;
  auto doc = parse(parser, combined);
  EXPECT_EQ(std::string_view(doc["stream"].get_string().value()), "ethusdc@bookTicker");
  EXPECT_EQ(doc["data"]["u"].get_uint64().value(), 1u);
}

}  // namespace
}  // namespace phoenix::sim
