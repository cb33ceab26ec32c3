#include "binance/exchange_info.h"

#include <string>

#include <gtest/gtest.h>

namespace phoenix::binance {
namespace {

// The shape src/sim writes (trading_ops.cc), with the reference doc's symbol entry fields.
constexpr char kInfo[] =
    R"({"timezone":"UTC","serverTime":1700000000000,"rateLimits":[)"
    R"({"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000},)"
    R"({"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":100},)"
    R"({"rateLimitType":"ORDERS","interval":"DAY","intervalNum":1,"limit":200000},)"
    R"({"rateLimitType":"RAW_REQUESTS","interval":"MINUTE","intervalNum":5,"limit":300000}],)"
    R"("exchangeFilters":[],"symbols":[)"
    R"({"symbol":"ETHUSDC","status":"TRADING","baseAsset":"ETH","baseAssetPrecision":8,"quoteAsset":"USDC",)"
    R"("quotePrecision":8,"quoteAssetPrecision":8,"orderTypes":["LIMIT","LIMIT_MAKER","MARKET"],)"
    R"("cancelReplaceAllowed":true,"amendAllowed":true,"filters":[)"
    R"({"filterType":"PRICE_FILTER","minPrice":"0.01000000","maxPrice":"1000000.00000000","tickSize":"0.01000000"},)"
    R"({"filterType":"LOT_SIZE","minQty":"0.00010000","maxQty":"9000.00000000","stepSize":"0.00010000"},)"
    R"({"filterType":"NOTIONAL","minNotional":"5.00000000","applyMinToMarket":false,)"
    R"("maxNotional":"92233720368.54775807","applyMaxToMarket":false,"avgPriceMins":5},)"
    R"({"filterType":"PERCENT_PRICE_BY_SIDE","bidMultiplierUp":"5","bidMultiplierDown":"0.2",)"
    R"("askMultiplierUp":"5.0000","askMultiplierDown":"0.2000","avgPriceMins":5},)"
    R"({"filterType":"ICEBERG_PARTS","limit":100},)"
    R"({"filterType":"MAX_NUM_ORDERS","maxNumOrders":200}]},)"
    R"({"symbol":"ETHBTC","status":"BREAK","baseAsset":"ETH","quoteAsset":"BTC","filters":[)"
    R"({"filterType":"PRICE_FILTER","minPrice":"0.00000100","maxPrice":"100000.00000000","tickSize":"0.00000100"},)"
    R"({"filterType":"LOT_SIZE","minQty":"0.00100000","maxQty":"100000.00000000","stepSize":"0.00100000"},)"
    R"({"filterType":"MIN_NOTIONAL","minNotional":"0.00010000","applyToMarket":true,"avgPriceMins":5}]}],)"
    R"("sors":[]})";

std::string replaced(std::string text, std::string_view from, std::string_view to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

TEST(ExchangeInfoTest, DecodesFilters) {
  auto info = decode_exchange_info(kInfo);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->server_time_ms, 1700000000000);
  EXPECT_EQ(info->limits.weight_1m_limit, 6000);
  EXPECT_EQ(info->limits.orders_10s_limit, 100);
  EXPECT_EQ(info->limits.orders_1d_limit, 200000);
  ASSERT_EQ(info->symbols.size(), 2u);
  const ExchangeSymbolInfo& eth = info->symbols[0];
  EXPECT_EQ(eth.symbol, "ETHUSDC");
  EXPECT_TRUE(eth.trading);
  EXPECT_EQ(eth.base_asset, "ETH");
  EXPECT_EQ(eth.quote_asset, "USDC");
  EXPECT_TRUE(eth.cancel_replace_allowed);
  EXPECT_TRUE(eth.amend_allowed);
  const core::SymbolFilters& f = eth.filters;
  EXPECT_EQ(f.price_scale, 8);
  EXPECT_EQ(f.tick_size.units(), 1000000);
  EXPECT_EQ(f.min_price.units(), 1000000);
  EXPECT_EQ(f.max_price.units(), 100000000000000);
  EXPECT_EQ(f.step_size.units(), 10000);
  EXPECT_EQ(f.min_qty.units(), 10000);
  EXPECT_EQ(f.max_qty.units(), 900000000000);
  EXPECT_EQ(f.min_notional_quote_units, 500000000);
  EXPECT_EQ(f.max_notional_quote_units, 9223372036854775807);
  ASSERT_TRUE(f.percent_price.has_value());
  EXPECT_EQ(f.percent_price->bid_up, core::Decimal(5, 0));
  EXPECT_EQ(f.percent_price->bid_down, core::Decimal(2, 1));
  EXPECT_EQ(f.percent_price->ask_up, core::Decimal(5, 0));
  EXPECT_EQ(f.percent_price->reference_price.units(), 0);
  EXPECT_EQ(f.max_num_orders, 200);
  const ExchangeSymbolInfo& btc = info->symbols[1];
  EXPECT_FALSE(btc.trading);
  EXPECT_EQ(btc.status, "BREAK");
  EXPECT_EQ(btc.filters.min_notional_quote_units, 10000);
  EXPECT_FALSE(btc.filters.percent_price.has_value());
}

TEST(ExchangeInfoTest, DecodesWsApiResult) {
  const std::string frame = std::string(R"({"id":1,"status":200,"result":)") + kInfo + R"(,"rateLimits":[]})";
  auto info = decode_exchange_info(frame);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->symbols.size(), 2u);
  EXPECT_FALSE(
      decode_exchange_info(R"({"id":1,"status":400,"error":{"code":-1121,"msg":"Invalid symbol."}})").ok());
}

TEST(ExchangeInfoTest, HugeMaxIsNoBoundButTooPreciseIsAnError) {
  const std::string huge = replaced(kInfo, "92233720368.54775807", "922337203685477580.70000000");
  auto info = decode_exchange_info(huge);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->symbols[0].filters.max_notional_quote_units, 0);

  const std::string precise = replaced(kInfo, R"("tickSize":"0.01000000")", R"("tickSize":"0.010000001")");
  auto bad = decode_exchange_info(precise);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("ETHUSDC"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("tickSize"), std::string::npos) << bad.error().message;

  const std::string precise_max =
      replaced(kInfo, R"("maxQty":"9000.00000000")", R"("maxQty":"9000.000000001")");
  EXPECT_FALSE(decode_exchange_info(precise_max).ok());
}

TEST(ExchangeInfoTest, MalformedIsAnError) {
  EXPECT_FALSE(decode_exchange_info("").ok());
  EXPECT_FALSE(decode_exchange_info("[]").ok());
  EXPECT_FALSE(decode_exchange_info(R"({"symbols":{}})").ok());
  EXPECT_FALSE(decode_exchange_info(R"({"symbols":[{"symbol":"X","status":"TRADING","baseAsset":"A",)"
                                    R"("quoteAsset":"B","filters":[]}]})")
                   .ok());  // no PRICE_FILTER / LOT_SIZE
  const std::string zero_tick = replaced(kInfo, R"("tickSize":"0.01000000")", R"("tickSize":"0.00000000")");
  EXPECT_FALSE(decode_exchange_info(zero_tick).ok());
  const std::string sample = kInfo;
  for (size_t n = 0; n < sample.size(); ++n) {
    EXPECT_FALSE(decode_exchange_info(std::string_view(sample).substr(0, n)).ok()) << n;
  }
}

}  // namespace
}  // namespace phoenix::binance
