#include "binance/stream_decoder.h"

#include <cstdio>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "binance/test_util.h"

namespace phoenix::binance {
namespace {

using testing::decode_padded;
using testing::decoded_count;
using ::testing::ElementsAre;
using ::testing::Pair;
using testing::RecordingSink;

class StreamDecoderTest : public ::testing::Test {
 protected:
  SymbolTable symbols_ = testing::doc_symbols();
  RecordingSink sink_;
  telemetry::Registry registry_;
  StreamDecoder decoder_{symbols_, sink_, registry_};

  core::SymbolId id(std::string_view name) const { return symbols_.find(name); }
};

void expect_doc_book_ticker(const core::BookTicker& t, core::SymbolId symbol) {
  EXPECT_EQ(t.symbol, symbol);
  EXPECT_EQ(t.update_id, 400900217u);
  EXPECT_EQ(t.bid_price.units(), 2535190000);
  EXPECT_EQ(t.bid_qty.units(), 3121000000);
  EXPECT_EQ(t.ask_price.units(), 2536520000);
  EXPECT_EQ(t.ask_qty.units(), 4066000000);
}

TEST_F(StreamDecoderTest, DecodesCombinedBookTicker) {
  const DecodeResult r = decode_padded(decoder_, testing::kCombinedBookTicker, 42);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_EQ(r.kind(), MessageKind::kBookTicker);
  ASSERT_EQ(sink_.tickers.size(), 1u);
  expect_doc_book_ticker(sink_.tickers[0], id("BNBUSDT"));
  EXPECT_THAT(sink_.recv, ElementsAre(42));
  EXPECT_EQ(decoded_count(registry_, MessageKind::kBookTicker), 1u);
}

TEST_F(StreamDecoderTest, DecodesRawBookTicker) {
  const DecodeResult r = decode_padded(decoder_, testing::kRawBookTicker);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_EQ(r.kind(), MessageKind::kBookTicker);
  ASSERT_EQ(sink_.tickers.size(), 1u);
  expect_doc_book_ticker(sink_.tickers[0], id("BNBUSDT"));
}

TEST_F(StreamDecoderTest, DecodesAtTheSymbolsScale) {
  // ETHUSDC: prices at 2 decimals, quantities at 4; trailing zeros beyond the scale are fine.
  const DecodeResult r = decode_padded(
      decoder_,
      R"({"stream":"ethusdc@bookTicker","data":{"u":7,"s":"ETHUSDC","b":"2412.57000000","B":"1.23450000","a":"2412.58","A":"0.0001"}})");
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  ASSERT_EQ(sink_.tickers.size(), 1u);
  EXPECT_EQ(sink_.tickers[0].symbol, id("ETHUSDC"));
  EXPECT_EQ(sink_.tickers[0].bid_price.units(), 241257);
  EXPECT_EQ(sink_.tickers[0].bid_qty.units(), 12345);
  EXPECT_EQ(sink_.tickers[0].ask_price.units(), 241258);
  EXPECT_EQ(sink_.tickers[0].ask_qty.units(), 1);
}

TEST_F(StreamDecoderTest, DecodesCombinedPartialDepthWithSymbolFromStreamName) {
  const DecodeResult r = decode_padded(decoder_, testing::kCombinedPartialDepth);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_EQ(r.kind(), MessageKind::kDepthSnapshot);
  ASSERT_EQ(sink_.snapshots.size(), 1u);
  const auto& d = sink_.snapshots[0];
  EXPECT_EQ(d.symbol, id("BNBBTC"));
  EXPECT_EQ(d.last_update_id, 160u);
  // Order as sent (best first).
  EXPECT_THAT(d.bids, ElementsAre(Pair(240000, 1000000000), Pair(230000, 50000000)));
  EXPECT_THAT(d.asks, ElementsAre(Pair(260000, 10000000000), Pair(270000, 125000000)));
}

TEST_F(StreamDecoderTest, DecodesEveryPartialDepthStreamName) {
  for (const char* name :
       {"bnbbtc@depth5", "bnbbtc@depth10@100ms", "bnbbtc@depth20@1000ms", "bnbbtc@depth20"}) {
    SCOPED_TRACE(name);
    const std::string msg =
        std::string(R"({"stream":")") + name + R"(","data":)" + std::string(testing::kRawPartialDepth) + "}";
    const DecodeResult r = decode_padded(decoder_, msg);
    ASSERT_TRUE(r.ok()) << to_string(r.error());
    EXPECT_EQ(sink_.snapshots.back().symbol, id("BNBBTC"));
  }
}

TEST_F(StreamDecoderTest, RawPartialDepthTakesSymbolFromConfiguredStream) {
  StreamDecoder raw(symbols_, sink_, registry_, testing::raw_options("bnbusdt@depth20@100ms"));
  const DecodeResult r = decode_padded(raw, testing::kRawPartialDepth);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  ASSERT_EQ(sink_.snapshots.size(), 1u);
  EXPECT_EQ(sink_.snapshots[0].symbol, id("BNBUSDT"));
  EXPECT_EQ(sink_.snapshots[0].last_update_id, 160u);
  // The same connection still decodes self-identifying events.
  EXPECT_TRUE(decode_padded(raw, testing::kRawServerShutdown).ok());
}

TEST_F(StreamDecoderTest, RawPartialDepthWithoutConfiguredStreamIsUnknownStream) {
  const DecodeResult r = decode_padded(decoder_, testing::kRawPartialDepth);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), DecodeError::kUnknownStream);
}

void expect_doc_diff(const RecordingSink::Diff& d, core::SymbolId symbol) {
  EXPECT_EQ(d.event.symbol, symbol);
  EXPECT_EQ(d.event.first_update_id, 157u);
  EXPECT_EQ(d.event.final_update_id, 160u);
  EXPECT_EQ(d.event.event_time_ms, 1672515782136);
  // qty "0.00000000" decodes as 0: remove the level.
  EXPECT_THAT(d.bids, ElementsAre(Pair(240000, 1000000000), Pair(220000, 0)));
  EXPECT_THAT(d.asks, ElementsAre(Pair(260000, 10000000000)));
}

TEST_F(StreamDecoderTest, DecodesCombinedDepthDiff) {
  const DecodeResult r = decode_padded(decoder_, testing::kCombinedDepthDiff);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_EQ(r.kind(), MessageKind::kDepthDiff);
  ASSERT_EQ(sink_.diffs.size(), 1u);
  expect_doc_diff(sink_.diffs[0], id("BNBBTC"));
}

TEST_F(StreamDecoderTest, DecodesRawDepthDiff) {
  const DecodeResult r = decode_padded(decoder_, testing::kRawDepthDiff);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  ASSERT_EQ(sink_.diffs.size(), 1u);
  expect_doc_diff(sink_.diffs[0], id("BNBBTC"));
}

TEST_F(StreamDecoderTest, DecodesEmptyDiffSides) {
  const DecodeResult r = decode_padded(
      decoder_,
      R"({"stream":"bnbbtc@depth","data":{"e":"depthUpdate","E":1,"s":"BNBBTC","U":5,"u":5,"b":[],"a":[]}})");
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  ASSERT_EQ(sink_.diffs.size(), 1u);
  EXPECT_TRUE(sink_.diffs[0].bids.empty());
  EXPECT_TRUE(sink_.diffs[0].asks.empty());
}

void expect_doc_trade(const core::Trade& t, core::SymbolId symbol, bool aggregated, bool buyer_is_maker) {
  EXPECT_EQ(t.symbol, symbol);
  EXPECT_EQ(t.trade_id, 12345u);
  EXPECT_EQ(t.price.units(), 100000);
  EXPECT_EQ(t.qty.units(), 10000000000);
  EXPECT_EQ(t.trade_time_ms, 1672515782136);
  EXPECT_EQ(t.buyer_is_maker, buyer_is_maker);
  EXPECT_EQ(t.aggregated, aggregated);
}

TEST_F(StreamDecoderTest, DecodesTradesCombinedAndRaw) {
  ASSERT_TRUE(decode_padded(decoder_, testing::kCombinedTrade).ok());
  ASSERT_TRUE(decode_padded(decoder_, testing::kRawTrade).ok());
  const DecodeResult agg = decode_padded(decoder_, testing::kCombinedAggTrade);
  ASSERT_TRUE(agg.ok()) << to_string(agg.error());
  EXPECT_EQ(agg.kind(), MessageKind::kAggTrade);
  ASSERT_TRUE(decode_padded(decoder_, testing::kRawAggTrade).ok());
  ASSERT_EQ(sink_.trades.size(), 4u);
  expect_doc_trade(sink_.trades[0], id("BNBBTC"), false, true);
  expect_doc_trade(sink_.trades[1], id("BNBBTC"), false, true);
  expect_doc_trade(sink_.trades[2], id("BNBBTC"), true, false);
  expect_doc_trade(sink_.trades[3], id("BNBBTC"), true, true);
  EXPECT_EQ(decoded_count(registry_, MessageKind::kTrade), 2u);
  EXPECT_EQ(decoded_count(registry_, MessageKind::kAggTrade), 2u);
}

TEST_F(StreamDecoderTest, DecodesServerShutdownBothForms) {
  const DecodeResult combined = decode_padded(decoder_, testing::kCombinedServerShutdown);
  ASSERT_TRUE(combined.ok()) << to_string(combined.error());
  EXPECT_EQ(combined.kind(), MessageKind::kServerShutdown);
  ASSERT_TRUE(decode_padded(decoder_, testing::kRawServerShutdown).ok());
  EXPECT_THAT(sink_.shutdowns, ElementsAre(1770123456789, 1770123456789));
}

TEST_F(StreamDecoderTest, DecodesControlReplies) {
  ASSERT_TRUE(decode_padded(decoder_, R"({"result":null,"id":1})").ok());
  const DecodeResult list =
      decode_padded(decoder_, R"({"result":["btcusdt@aggTrade","bnbbtc@depth@100ms"],"id":3})");
  ASSERT_TRUE(list.ok()) << to_string(list.error());
  EXPECT_EQ(list.kind(), MessageKind::kControlReply);
  ASSERT_TRUE(
      decode_padded(decoder_, R"({"error":{"code":2,"msg":"Invalid request: invalid stream"},"id":2})").ok());
  ASSERT_EQ(sink_.replies.size(), 3u);
  EXPECT_EQ(sink_.replies[0].kind, ControlReply::Kind::kOk);
  EXPECT_EQ(sink_.replies[0].id, 1);
  EXPECT_EQ(sink_.replies[1].kind, ControlReply::Kind::kList);
  EXPECT_EQ(sink_.replies[1].id, 3);
  EXPECT_THAT(sink_.replies[1].list, ElementsAre("btcusdt@aggTrade", "bnbbtc@depth@100ms"));
  EXPECT_EQ(sink_.replies[2].kind, ControlReply::Kind::kError);
  EXPECT_EQ(sink_.replies[2].id, 2);
  EXPECT_EQ(sink_.replies[2].error_code, 2);
  EXPECT_EQ(sink_.replies[2].error_msg, "Invalid request: invalid stream");
  EXPECT_EQ(decoded_count(registry_, MessageKind::kControlReply), 3u);
}

TEST_F(StreamDecoderTest, AcceptsFieldsInAnyOrder) {
  // Binance's order is fixed, but a simulator's JSON writer need not follow it.
  const DecodeResult r = decode_padded(
      decoder_,
      R"({"data":{"A":"40.66000000","a":"25.36520000","B":"31.21000000","b":"25.35190000","s":"BNBUSDT","u":400900217},"stream":"bnbusdt@bookTicker"})");
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  ASSERT_EQ(sink_.tickers.size(), 1u);
  expect_doc_book_ticker(sink_.tickers[0], id("BNBUSDT"));
}

TEST_F(StreamDecoderTest, AcceptsWhitespaceAndEscapedStreamName) {
  const DecodeResult r = decode_padded(
      decoder_,
      "  {\"stream\" : \"bnbusdt\\u0040bookTicker\",\n \"data\" : {\"u\":400900217, \"s\":\"BNBUSDT\","
      "\"b\":\"25.35190000\",\"B\":\"31.21000000\",\"a\":\"25.36520000\",\"A\":\"40.66000000\"} }\n");
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  ASSERT_EQ(sink_.tickers.size(), 1u);
  expect_doc_book_ticker(sink_.tickers[0], id("BNBUSDT"));
}

TEST_F(StreamDecoderTest, ReadsDecimalsFollowedByWhitespace) {
  const DecodeResult r = decode_padded(
      decoder_,
      "{\"stream\":\"bnbbtc@depth5\",\"data\":{\"lastUpdateId\":160,\"bids\":[[ \"0.0024\" ,\n\"10\"\t] ],"
      "\"asks\":[[\"0.0026\"\r\n,\"100\" ]]}}");
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  ASSERT_EQ(sink_.snapshots.size(), 1u);
  EXPECT_THAT(sink_.snapshots[0].bids, ElementsAre(Pair(240000, 1000000000)));
  EXPECT_THAT(sink_.snapshots[0].asks, ElementsAre(Pair(260000, 10000000000)));
}

TEST_F(StreamDecoderTest, DecimalsWithEscapesAreBadDecimals) {
  // Valid JSON for "25.35190000", but no exchange writes a number with escapes.
  const DecodeResult r = decode_padded(
      decoder_,
      R"({"u":1,"s":"BNBUSDT","b":"\u00325.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), DecodeError::kBadDecimal);
}

TEST_F(StreamDecoderTest, CopiesPayloadsWithoutPadding) {
  const std::string exact(testing::kCombinedBookTicker);  // no 64 spare bytes promised
  DecodeResult r = decoder_.decode(exact, exact.size(), 1);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_EQ(decoder_.padding_copies(), 1u);
  const testing::Padded padded(testing::kCombinedBookTicker);
  r = decoder_.decode(padded.view(), padded.capacity(), 2);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(decoder_.padding_copies(), 1u);                          // padded: no copy
  r = decoder_.decode(padded.view(), padded.view().size() + 63, 3);  // one byte short
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(decoder_.padding_copies(), 2u);
  ASSERT_EQ(sink_.tickers.size(), 3u);
  expect_doc_book_ticker(sink_.tickers[2], id("BNBUSDT"));
}

TEST_F(StreamDecoderTest, LevelsLargerThanTheInitialReserve) {
  std::string msg =
      R"({"stream":"bnbbtc@depth","data":{"e":"depthUpdate","E":1,"s":"BNBBTC","U":1,"u":2,"b":[)";
  for (int i = 0; i < 3000; ++i) {
    if (i > 0) msg += ',';
    msg += testing::cat("[\"", std::to_string(100000 - i), ".5\",\"", std::to_string(i), "\"]");
  }
  msg += R"(],"a":[]}})";
  const DecodeResult r = decode_padded(decoder_, msg);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  ASSERT_EQ(sink_.diffs.size(), 1u);
  ASSERT_EQ(sink_.diffs[0].bids.size(), 3000u);
  EXPECT_EQ(sink_.diffs[0].bids[2999], std::make_pair(int64_t{9700150000000}, int64_t{299900000000}));
}

TEST(SimdjsonKernelTest, ReportsTheBuiltinKernel) {
  const SimdjsonKernels k = simdjson_kernels();
  std::printf("simdjson kernels: on_demand=%.*s stage1=%.*s library=%.*s\n",
              static_cast<int>(k.on_demand.size()), k.on_demand.data(), static_cast<int>(k.stage1.size()),
              k.stage1.data(), static_cast<int>(k.library.size()), k.library.data());
  EXPECT_FALSE(k.on_demand.empty());
  EXPECT_FALSE(k.stage1.empty());
#ifdef PHOENIX_SIMDJSON_EXPECTED_KERNEL
  EXPECT_EQ(k.on_demand, PHOENIX_SIMDJSON_EXPECTED_KERNEL);
#endif
  // The machine running the tests can run what the library was compiled for.
  EXPECT_TRUE(cpu_supports_simdjson_kernel());
}

}  // namespace
}  // namespace phoenix::binance
