#include "binance/ws_api_codec.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "binance/signing.h"

namespace phoenix::binance {
namespace {

constexpr char kApiKey[] = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
constexpr char kSecret[] = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
constexpr int64_t kTs = 1700000000123;

core::ClientOrderId cid(std::string_view text) { return *core::ClientOrderId::parse(text); }

class WsApiCodecTest : public ::testing::Test {
 protected:
  WsApiCodecTest() : symbols_(table_) {
    eth_ = *table_.add("ETHUSDC", core::SymbolScale{2, 4});
    btc_ = *table_.add("BTCUSDT", core::SymbolScale{8, 8});
    symbols_.set(eth_, "ETH", "USDC");
    symbols_.set(btc_, "BTC", "USDT");
    signer_ = std::move(make_hmac_signer(core::Secret(kSecret))).value();
  }

  std::string sig(std::string_view payload) { return *signer_->sign(payload); }

  core::Status decode(std::string_view frame) { return decoder_.decode(frame, env_); }

  SymbolTable table_;
  OrderSymbols symbols_;
  core::SymbolId eth_ = 0;
  core::SymbolId btc_ = 0;
  std::unique_ptr<Signer> signer_;
  WsApiDecoder decoder_{symbols_};
  WsEnvelope env_;
};

// ---- Encoders.

TEST_F(WsApiCodecTest, PlacePostOnlyIsSignedLimitMaker) {
  WsApiEncoder enc(table_, kApiKey, signer_.get(), 5000);
  std::string out;
  WsOrder o{eth_, core::Side::kBuy, core::Price(300010), core::Qty(100), cid("q-1_a"), true};
  ASSERT_TRUE(enc.place(out, WsRequestId::of(int64_t{7}), kTs, o).ok());
  const std::string payload =
      std::string("apiKey=") + kApiKey +
      "&newClientOrderId=q-1_a&newOrderRespType=RESULT&price=3000.10&quantity=0.0100"
      "&recvWindow=5000&side=BUY&symbol=ETHUSDC&timestamp=1700000000123&type=LIMIT_MAKER";
  EXPECT_EQ(
      out,
      std::string(R"({"id":7,"method":"order.place","params":{"apiKey":")") + kApiKey +
          R"(","symbol":"ETHUSDC","side":"BUY","type":"LIMIT_MAKER","price":"3000.10","quantity":"0.0100",)"
          R"("newClientOrderId":"q-1_a","newOrderRespType":"RESULT","recvWindow":5000,)"
          R"("timestamp":1700000000123,"signature":")" +
          sig(payload) + R"("}})");
}

TEST_F(WsApiCodecTest, PlaceLimitGtcWithStringId) {
  WsApiEncoder enc(table_, kApiKey, signer_.get());
  std::string out;
  WsOrder o{btc_, core::Side::kSell, core::Price(5200000000000), core::Qty(1000000), cid("x"), false};
  ASSERT_TRUE(enc.place(out, WsRequestId::of(std::string_view("abc-1")), 1645423376532, o).ok());
  EXPECT_NE(out.find(R"({"id":"abc-1","method":"order.place")"), std::string::npos) << out;
  EXPECT_NE(
      out.find(R"("type":"LIMIT","timeInForce":"GTC","price":"52000.00000000","quantity":"0.01000000")"),
      std::string::npos)
      << out;
  EXPECT_EQ(out.find("recvWindow"), std::string::npos);
  const std::string payload =
      std::string("apiKey=") + kApiKey +
      "&newClientOrderId=x&newOrderRespType=RESULT&price=52000.00000000&quantity=0.01000000"
      "&side=SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532&type=LIMIT";
  EXPECT_NE(out.find(R"("signature":")" + sig(payload) + "\""), std::string::npos) << out;
}

TEST_F(WsApiCodecTest, LoggedOnRequestsCarryOnlyTimestamp) {
  WsApiEncoder enc(table_, kApiKey, signer_.get());
  enc.set_logged_on(true);
  std::string out;
  ASSERT_TRUE(enc.cancel(out, WsRequestId::of(int64_t{3}), kTs, eth_, cid("q1")).ok());
  EXPECT_EQ(
      out,
      R"({"id":3,"method":"order.cancel","params":{"symbol":"ETHUSDC","origClientOrderId":"q1","timestamp":1700000000123}})");
  // session.logon itself is always signed.
  ASSERT_TRUE(enc.session_logon(out, WsRequestId::of(int64_t{1}), kTs).ok());
  const std::string payload = std::string("apiKey=") + kApiKey + "&timestamp=1700000000123";
  EXPECT_EQ(out, std::string(R"({"id":1,"method":"session.logon","params":{"apiKey":")") + kApiKey +
                     R"(","timestamp":1700000000123,"signature":")" + sig(payload) + R"("}})");
}

TEST_F(WsApiCodecTest, EncodesEveryRequestKind) {
  WsApiEncoder enc(table_, kApiKey, signer_.get());
  enc.set_logged_on(true);
  std::string out;
  WsOrder o{eth_, core::Side::kSell, core::Price(300100), core::Qty(5), cid("new1"), true};
  ASSERT_TRUE(enc.cancel_replace(out, WsRequestId::of(int64_t{4}), kTs, cid("old1"), o).ok());
  EXPECT_EQ(out, R"({"id":4,"method":"order.cancelReplace","params":{"symbol":"ETHUSDC","side":"SELL",)"
                 R"("type":"LIMIT_MAKER","price":"3001.00","quantity":"0.0005","newClientOrderId":"new1",)"
                 R"("newOrderRespType":"RESULT","cancelReplaceMode":"STOP_ON_FAILURE",)"
                 R"("cancelOrigClientOrderId":"old1","timestamp":1700000000123}})");
  ASSERT_TRUE(enc.amend(out, WsRequestId::of(int64_t{5}), kTs, eth_, cid("q1"), core::Qty(30)).ok());
  EXPECT_EQ(out, R"({"id":5,"method":"order.amend.keepPriority","params":{"symbol":"ETHUSDC",)"
                 R"("origClientOrderId":"q1","newQty":"0.0030","timestamp":1700000000123}})");
  ASSERT_TRUE(enc.order_status(out, WsRequestId::of(int64_t{6}), kTs, eth_, cid("q1")).ok());
  EXPECT_EQ(out, R"({"id":6,"method":"order.status","params":{"symbol":"ETHUSDC","origClientOrderId":"q1",)"
                 R"("timestamp":1700000000123}})");
  ASSERT_TRUE(enc.open_orders(out, WsRequestId::of(int64_t{8}), kTs, eth_).ok());
  EXPECT_EQ(
      out,
      R"({"id":8,"method":"openOrders.status","params":{"symbol":"ETHUSDC","timestamp":1700000000123}})");
  ASSERT_TRUE(enc.cancel_all(out, WsRequestId::of(int64_t{9}), kTs, eth_).ok());
  EXPECT_EQ(
      out,
      R"({"id":9,"method":"openOrders.cancelAll","params":{"symbol":"ETHUSDC","timestamp":1700000000123}})");
  ASSERT_TRUE(enc.account_status(out, WsRequestId::of(int64_t{10}), kTs).ok());
  EXPECT_EQ(
      out,
      R"({"id":10,"method":"account.status","params":{"omitZeroBalances":true,"timestamp":1700000000123}})");
  ASSERT_TRUE(enc.my_trades(out, WsRequestId::of(int64_t{11}), kTs, eth_, 1699990000000).ok());
  EXPECT_EQ(out, R"({"id":11,"method":"myTrades","params":{"symbol":"ETHUSDC","startTime":1699990000000,)"
                 R"("timestamp":1700000000123}})");
  ASSERT_TRUE(enc.user_data_subscribe(out, WsRequestId::of(int64_t{12})).ok());
  EXPECT_EQ(out, R"({"id":12,"method":"userDataStream.subscribe","params":{}})");
  ASSERT_TRUE(enc.time(out, WsRequestId::of(int64_t{13})).ok());
  EXPECT_EQ(out, R"({"id":13,"method":"time","params":{}})");
  const std::string_view names[] = {"ETHUSDC", "BTCUSDT"};
  ASSERT_TRUE(enc.exchange_info(out, WsRequestId::of(int64_t{14}), names).ok());
  EXPECT_EQ(out, R"({"id":14,"method":"exchangeInfo","params":{"symbols":["ETHUSDC","BTCUSDT"]}})");
}

TEST_F(WsApiCodecTest, SubscribeSignatureSignsApiKeyAndTimestamp) {
  WsApiEncoder enc(table_, kApiKey, signer_.get(), 6000);
  std::string out;
  ASSERT_TRUE(enc.user_data_subscribe_signature(out, WsRequestId::of(int64_t{2}), kTs).ok());
  const std::string payload = std::string("apiKey=") + kApiKey + "&recvWindow=6000&timestamp=1700000000123";
  EXPECT_EQ(out,
            std::string(R"({"id":2,"method":"userDataStream.subscribe.signature","params":{"apiKey":")") +
                kApiKey + R"(","recvWindow":6000,"timestamp":1700000000123,"signature":")" + sig(payload) +
                R"("}})");
}

TEST_F(WsApiCodecTest, EncoderRejectsBadInput) {
  WsApiEncoder enc(table_, kApiKey, signer_.get());
  std::string out;
  WsOrder o{eth_, core::Side::kBuy, core::Price(1), core::Qty(1), cid("a"), true};
  EXPECT_FALSE(enc.place(out, WsRequestId::of(std::string_view("bad id!")), kTs, o).ok());
  o.symbol = 99;
  EXPECT_FALSE(enc.place(out, WsRequestId::of(int64_t{1}), kTs, o).ok());
  o.symbol = eth_;
  o.client_id = {};
  EXPECT_FALSE(enc.place(out, WsRequestId::of(int64_t{1}), kTs, o).ok());
  EXPECT_FALSE(enc.cancel(out, WsRequestId::of(int64_t{1}), kTs, 42, cid("a")).ok());
  WsApiEncoder unsigned_enc(table_, "", nullptr);
  EXPECT_FALSE(unsigned_enc.account_status(out, WsRequestId::of(int64_t{1}), kTs).ok());
  EXPECT_TRUE(unsigned_enc.time(out, WsRequestId::of(int64_t{1})).ok());
}

// ---- Decoder. Samples are what src/sim writes (trading_ops.cc, ws_api.cc) and the
// reference doc's examples.

constexpr char kRateLimits[] =
    R"([{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000,"count":321},)"
    R"({"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":50,"count":12},)"
    R"({"rateLimitType":"ORDERS","interval":"DAY","intervalNum":1,"limit":160000,"count":1234}])";

std::string ok_frame(std::string_view id, std::string_view result) {
  return std::string(R"({"id":)") + std::string(id) + R"(,"status":200,"result":)" + std::string(result) +
         R"(,"rateLimits":)" + kRateLimits + "}";
}

constexpr char kPlaceResult[] =
    R"({"symbol":"ETHUSDC","orderId":12,"orderListId":-1,"clientOrderId":"q-1","transactTime":1700000000200,)"
    R"("price":"3000.10","origQty":"0.0100","executedQty":"0.0040","origQuoteOrderQty":"0.00000000",)"
    R"("cummulativeQuoteQty":"12.00040000","status":"PARTIALLY_FILLED","timeInForce":"GTC","type":"LIMIT",)"
    R"("side":"BUY","workingTime":1700000000200,"selfTradePreventionMode":"NONE"})";

constexpr char kCancelResult[] =
    R"({"symbol":"ETHUSDC","origClientOrderId":"q-1","orderId":12,"orderListId":-1,"clientOrderId":"cancel123",)"
    R"("transactTime":1700000000300,"price":"3000.10","origQty":"0.0100","executedQty":"0.0000",)"
    R"("origQuoteOrderQty":"0.00000000","cummulativeQuoteQty":"0.00000000","status":"CANCELED",)"
    R"("timeInForce":"GTC","type":"LIMIT_MAKER","side":"SELL","selfTradePreventionMode":"NONE"})";

TEST_F(WsApiCodecTest, DecodesPlaceResultAndRateLimits) {
  ASSERT_TRUE(decode(ok_frame("7", kPlaceResult)).ok());
  EXPECT_EQ(env_.kind, WsEnvelope::Kind::kResponse);
  EXPECT_EQ(env_.id, 7);
  EXPECT_EQ(env_.status, 200);
  EXPECT_TRUE(env_.ok);
  ASSERT_TRUE(env_.has_rate_limits);
  EXPECT_EQ(env_.rate_limits.weight_1m, 321);
  EXPECT_EQ(env_.rate_limits.weight_1m_limit, 6000);
  EXPECT_EQ(env_.rate_limits.orders_10s, 12);
  EXPECT_EQ(env_.rate_limits.orders_10s_limit, 50);
  EXPECT_EQ(env_.rate_limits.orders_1d, 1234);
  EXPECT_EQ(env_.rate_limits.orders_1d_limit, 160000);
  core::OrderUpdate u;
  ASSERT_TRUE(decoder_.order_result(core::ExecType::kNew, u).ok());
  EXPECT_EQ(u.symbol, eth_);
  EXPECT_EQ(u.client_id.view(), "q-1");
  EXPECT_TRUE(u.orig_client_id.empty());
  EXPECT_EQ(u.order_id, 12);
  EXPECT_EQ(u.side, core::Side::kBuy);
  EXPECT_EQ(u.status, core::OrderStatus::kPartiallyFilled);
  EXPECT_EQ(u.exec_type, core::ExecType::kNew);
  EXPECT_EQ(u.price.units(), 300010);
  EXPECT_EQ(u.orig_qty.units(), 100);
  EXPECT_EQ(u.cum_qty.units(), 40);
  EXPECT_EQ(u.cum_quote_units, 1200040000);
  EXPECT_EQ(u.transact_time_ms, 1700000000200);
}

TEST_F(WsApiCodecTest, DecodesCancelResultWithTheOrdersOwnId) {
  ASSERT_TRUE(decode(ok_frame("\"c-9\"", kCancelResult)).ok());
  EXPECT_FALSE(env_.id.has_value());
  EXPECT_EQ(env_.id_text, "c-9");
  core::OrderUpdate u;
  ASSERT_TRUE(decoder_.order_result(core::ExecType::kCanceled, u).ok());
  EXPECT_EQ(u.client_id.view(), "q-1");
  EXPECT_EQ(u.orig_client_id.view(), "q-1");
  EXPECT_EQ(u.status, core::OrderStatus::kCanceled);
  EXPECT_EQ(u.side, core::Side::kSell);
}

TEST_F(WsApiCodecTest, DecodesQueryShapeAndStatuses) {
  const std::string query =
      R"({"symbol":"ETHUSDC","orderId":5,"orderListId":-1,"clientOrderId":"q5","price":"3000.00","origQty":"1.0000",)"
      R"("executedQty":"0.0000","cummulativeQuoteQty":"0.00000000","status":"EXPIRED_IN_MATCH","timeInForce":"GTC",)"
      R"("type":"LIMIT","side":"SELL","stopPrice":"0.00","icebergQty":"0.0000","time":1,"updateTime":1700000000999,)"
      R"("isWorking":true,"workingTime":1,"origQuoteOrderQty":"0.00000000","selfTradePreventionMode":"NONE"})";
  ASSERT_TRUE(decode(ok_frame("1", query)).ok());
  core::OrderUpdate u;
  ASSERT_TRUE(decoder_.order_result(core::ExecType::kSnapshot, u).ok());
  EXPECT_EQ(u.status, core::OrderStatus::kExpired);
  EXPECT_EQ(u.transact_time_ms, 1700000000999);
  EXPECT_EQ(parse_order_status("PENDING_NEW"), core::OrderStatus::kNew);
  EXPECT_EQ(parse_order_status("FILLED"), core::OrderStatus::kFilled);
  EXPECT_EQ(parse_order_status("REJECTED"), core::OrderStatus::kRejected);
  EXPECT_EQ(parse_order_status("BOGUS"), std::nullopt);
}

TEST_F(WsApiCodecTest, DecodesAmendResult) {
  const std::string amend =
      R"({"transactTime":1700000000500,"executionId":77,"amendedOrder":{"symbol":"ETHUSDC","orderId":12,)"
      R"("orderListId":-1,"origClientOrderId":"q-1","clientOrderId":"q-1","price":"3000.10","qty":"0.0050",)"
      R"("executedQty":"0.0000","preventedQty":"0.0000","quoteOrderQty":"0.00000000",)"
      R"("cumulativeQuoteQty":"0.00000000","status":"NEW","timeInForce":"GTC","type":"LIMIT_MAKER","side":"BUY",)"
      R"("workingTime":1,"selfTradePreventionMode":"NONE"}})";
  ASSERT_TRUE(decode(ok_frame("1", amend)).ok());
  core::OrderUpdate u;
  ASSERT_TRUE(decoder_.amend_result(u).ok());
  EXPECT_EQ(u.exec_type, core::ExecType::kReplaced);
  EXPECT_EQ(u.client_id.view(), "q-1");
  EXPECT_TRUE(u.orig_client_id.empty());
  EXPECT_EQ(u.orig_qty.units(), 50);
  EXPECT_EQ(u.transact_time_ms, 1700000000500);
}

TEST_F(WsApiCodecTest, DecodesCancelReplaceSuccess) {
  const std::string result =
      std::string(R"({"cancelResult":"SUCCESS","newOrderResult":"SUCCESS","cancelResponse":)") +
      kCancelResult + R"(,"newOrderResponse":)" + kPlaceResult + "}";
  ASSERT_TRUE(decode(ok_frame("4", result)).ok());
  CancelReplaceResult r;
  ASSERT_TRUE(decoder_.cancel_replace_result(r).ok());
  EXPECT_TRUE(r.cancel_succeeded);
  EXPECT_TRUE(r.new_order_attempted);
  EXPECT_TRUE(r.new_order_succeeded);
  EXPECT_EQ(r.canceled.client_id.view(), "q-1");
  EXPECT_EQ(r.canceled.exec_type, core::ExecType::kCanceled);
  EXPECT_EQ(r.new_order.order_id, 12);
}

TEST_F(WsApiCodecTest, DecodesCancelReplaceFailures) {
  // The reference doc's -2022 example (HTTP 400): the cancel failed, nothing placed.
  ASSERT_TRUE(
      decode(R"({"id":4,"status":400,"error":{"code":-2022,"msg":"Order cancel-replace failed.",)"
             R"("data":{"cancelResult":"FAILURE","newOrderResult":"NOT_ATTEMPTED",)"
             R"("cancelResponse":{"code":-2011,"msg":"Unknown order sent."},"newOrderResponse":null}}})")
          .ok());
  EXPECT_FALSE(env_.ok);
  EXPECT_EQ(env_.status, 400);
  EXPECT_EQ(env_.error_code, -2022);
  EXPECT_EQ(env_.error_msg, "Order cancel-replace failed.");
  EXPECT_NE(env_.error_data.find("NOT_ATTEMPTED"), std::string_view::npos);
  EXPECT_FALSE(env_.has_rate_limits);
  CancelReplaceResult r;
  ASSERT_TRUE(decoder_.cancel_replace_result(r).ok());
  EXPECT_FALSE(r.cancel_succeeded);
  EXPECT_FALSE(r.new_order_attempted);
  EXPECT_EQ(r.cancel_error_code, -2011);
  EXPECT_EQ(r.cancel_error_msg, "Unknown order sent.");

  // -2021 (HTTP 409): canceled, but the new order was rejected.
  const std::string partial =
      std::string(
          R"({"id":5,"status":409,"error":{"code":-2021,"msg":"Order cancel-replace partially failed.",)"
          R"("data":{"cancelResult":"SUCCESS","newOrderResult":"FAILURE","cancelResponse":)") +
      kCancelResult +
      R"(,"newOrderResponse":{"code":-2010,"msg":"Order would immediately match and take."}}},"rateLimits":)" +
      kRateLimits + "}";
  ASSERT_TRUE(decode(partial).ok());
  EXPECT_EQ(env_.status, 409);
  ASSERT_TRUE(decoder_.cancel_replace_result(r).ok());
  EXPECT_TRUE(r.cancel_succeeded);
  EXPECT_TRUE(r.new_order_attempted);
  EXPECT_FALSE(r.new_order_succeeded);
  EXPECT_EQ(r.canceled.client_id.view(), "q-1");
  EXPECT_EQ(r.new_order_error_code, -2010);
  EXPECT_EQ(r.new_order_error_msg, "Order would immediately match and take.");
}

TEST_F(WsApiCodecTest, DecodesErrorsWithRetryAfter) {
  ASSERT_TRUE(decode(R"({"id":9,"status":429,"error":{"code":-1003,"msg":"Too much request weight used.",)"
                     R"("data":{"serverTime":1700000000000,"retryAfter":1700000060000}},"rateLimits":[]})")
                  .ok());
  EXPECT_EQ(env_.status, 429);
  EXPECT_EQ(env_.error_code, -1003);
  EXPECT_EQ(env_.retry_after_ms, 1700000060000);
  core::OrderUpdate u;
  EXPECT_FALSE(decoder_.order_result(core::ExecType::kNew, u).ok());
  // A revoked key: id null.
  ASSERT_TRUE(decode(R"({"id":null,"status":401,"error":{"code":-2015,"msg":"Invalid API-key."}})").ok());
  EXPECT_FALSE(env_.id.has_value());
  EXPECT_TRUE(env_.id_text.empty());
  EXPECT_EQ(env_.error_code, -2015);
}

TEST_F(WsApiCodecTest, DecodesListsBalancesTradesTimeSubscription) {
  const std::string list = std::string("[") + kPlaceResult + "," + kPlaceResult + "]";
  ASSERT_TRUE(decode(ok_frame("1", list)).ok());
  std::vector<core::OrderUpdate> orders;
  ASSERT_TRUE(decoder_.order_list(core::ExecType::kSnapshot, orders).ok());
  ASSERT_EQ(orders.size(), 2u);
  EXPECT_EQ(orders[1].exec_type, core::ExecType::kSnapshot);
  ASSERT_TRUE(decode(ok_frame("1", "[]")).ok());
  ASSERT_TRUE(decoder_.order_list(core::ExecType::kCanceled, orders).ok());
  EXPECT_TRUE(orders.empty());

  ASSERT_TRUE(decode(ok_frame("1", R"({"makerCommission":10,"canTrade":true,"balances":[)"
                                   R"({"asset":"USDC","free":"1000.50000000","locked":"2.00000000"},)"
                                   R"({"asset":"ETH","free":"1.5","locked":"0"}],"uid":3})"))
                  .ok());
  std::vector<core::AssetBalance> balances;
  ASSERT_TRUE(decoder_.balances(balances).ok());
  ASSERT_EQ(balances.size(), 2u);
  EXPECT_EQ(balances[0].name(), "USDC");
  EXPECT_EQ(balances[0].free_units, 100050000000);
  EXPECT_EQ(balances[0].locked_units, 200000000);
  EXPECT_EQ(balances[1].free_units, 150000000);

  ASSERT_TRUE(
      decode(ok_frame("1", R"([{"symbol":"ETHUSDC","id":28457,"orderId":100234,"orderListId":-1,)"
                           R"("price":"3000.00","qty":"0.0100","quoteQty":"30.00000000",)"
                           R"("commission":"0.00001000","commissionAsset":"ETH","time":1499865549590,)"
                           R"("isBuyer":true,"isMaker":false,"isBestMatch":true}])"))
          .ok());
  std::vector<core::OrderUpdate> trades;
  ASSERT_TRUE(decoder_.trades(eth_, trades).ok());
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].exec_type, core::ExecType::kTrade);
  EXPECT_EQ(trades[0].trade_id, 28457);
  EXPECT_EQ(trades[0].order_id, 100234);
  EXPECT_EQ(trades[0].last_price.units(), 300000);
  EXPECT_EQ(trades[0].last_qty.units(), 100);
  EXPECT_EQ(trades[0].commission_units, 1000);
  EXPECT_EQ(trades[0].fee_asset, core::FeeAsset::kBase);
  EXPECT_EQ(trades[0].side, core::Side::kBuy);
  EXPECT_FALSE(trades[0].maker);
  EXPECT_FALSE(decoder_.trades(btc_, trades).ok());  // another symbol's trades

  ASSERT_TRUE(decode(ok_frame("1", R"({"serverTime":1656400526260})")).ok());
  EXPECT_EQ(decoder_.server_time().value_or(0), 1656400526260);
  ASSERT_TRUE(decode(ok_frame("1", R"({"subscriptionId":0})")).ok());
  EXPECT_EQ(decoder_.subscription_id().value_or(-1), 0);
  ASSERT_TRUE(decode(ok_frame("1", R"({"apiKey":"k","authorizedSince":1,"connectedSince":1,)"
                                   R"("returnRateLimits":true,"serverTime":1,"userDataStream":false})"))
                  .ok());
  EXPECT_TRUE(decoder_.session_authorized().value_or(false));
}

TEST_F(WsApiCodecTest, RecognisesEventsOnTheSameConnection) {
  ASSERT_TRUE(decode(R"({"subscriptionId":0,"event":{"e":"eventStreamTerminated","E":1}})").ok());
  EXPECT_EQ(env_.kind, WsEnvelope::Kind::kEvent);
  ASSERT_TRUE(decode(R"({"event":{"e":"serverShutdown","E":1}})").ok());
  EXPECT_EQ(env_.kind, WsEnvelope::Kind::kEvent);
}

TEST_F(WsApiCodecTest, RestTwinsAreSignedLikeRest) {
  WsApiEncoder enc(table_, kApiKey, signer_.get(), 5000);
  enc.set_logged_on(true);  // irrelevant for REST: always signed
  std::string out;
  RestRequest rest;
  WsOrder o{eth_, core::Side::kBuy, core::Price(300010), core::Qty(100), cid("q-1_a"), true};
  ASSERT_TRUE(enc.place(out, WsRequestId::of(int64_t{7}), kTs, o).ok());
  ASSERT_TRUE(enc.last_as_rest(kTs, rest).ok());
  const std::string body =
      "symbol=ETHUSDC&side=BUY&type=LIMIT_MAKER&price=3000.10&quantity=0.0100&newClientOrderId=q-1_a"
      "&newOrderRespType=RESULT&recvWindow=5000&timestamp=1700000000123";
  EXPECT_EQ(rest.verb, RestRequest::Verb::kPost);
  EXPECT_EQ(rest.target, "/api/v3/order");
  EXPECT_EQ(rest.body, body + "&signature=" + sig(body));

  ASSERT_TRUE(enc.cancel(out, WsRequestId::of(int64_t{8}), kTs, eth_, cid("q-1_a")).ok());
  ASSERT_TRUE(enc.last_as_rest(kTs, rest).ok());
  const std::string query = "symbol=ETHUSDC&origClientOrderId=q-1_a&recvWindow=5000&timestamp=1700000000123";
  EXPECT_EQ(rest.verb, RestRequest::Verb::kDelete);
  EXPECT_EQ(rest.target, "/api/v3/order?" + query + "&signature=" + sig(query));
  EXPECT_TRUE(rest.body.empty());

  ASSERT_TRUE(enc.amend(out, WsRequestId::of(int64_t{9}), kTs, eth_, cid("q-1_a"), core::Qty(5)).ok());
  ASSERT_TRUE(enc.last_as_rest(kTs, rest).ok());
  EXPECT_EQ(rest.verb, RestRequest::Verb::kPut);
  EXPECT_EQ(rest.target, "/api/v3/order/amend/keepPriority");
  ASSERT_TRUE(enc.open_orders(out, WsRequestId::of(int64_t{9}), kTs, eth_).ok());
  ASSERT_TRUE(enc.last_as_rest(kTs, rest).ok());
  EXPECT_EQ(rest.verb, RestRequest::Verb::kGet);
  EXPECT_TRUE(rest.target.starts_with("/api/v3/openOrders?symbol=ETHUSDC&"));

  ASSERT_TRUE(enc.time(out, WsRequestId::of(int64_t{10})).ok());
  EXPECT_FALSE(enc.last_as_rest(kTs, rest).ok());
}

TEST_F(WsApiCodecTest, DecodesRestResponses) {
  ASSERT_TRUE(decoder_.decode_rest(200, kPlaceResult, env_).ok());
  EXPECT_TRUE(env_.ok);
  EXPECT_EQ(env_.status, 200);
  core::OrderUpdate u;
  ASSERT_TRUE(decoder_.order_result(core::ExecType::kNew, u).ok());
  EXPECT_EQ(u.client_id.view(), "q-1");
  ASSERT_TRUE(
      decoder_.decode_rest(400, R"({"code":-2010,"msg":"Order would immediately match and take."})", env_)
          .ok());
  EXPECT_FALSE(env_.ok);
  EXPECT_EQ(env_.status, 400);
  EXPECT_EQ(env_.error_code, -2010);
  EXPECT_FALSE(decoder_.decode_rest(502, "<html>bad gateway</html>", env_).ok());
  EXPECT_FALSE(decoder_.decode_rest(500, "", env_).ok());

  core::RateLimitUsage usage;
  EXPECT_TRUE(apply_rate_limit_header("X-MBX-ORDER-COUNT-10S", "3", usage));
  EXPECT_TRUE(apply_rate_limit_header("x-mbx-order-count-1d", "30", usage));
  EXPECT_TRUE(apply_rate_limit_header("x-mbx-used-weight-1m", "300", usage));
  EXPECT_FALSE(apply_rate_limit_header("x-mbx-used-weight", "1", usage));
  EXPECT_FALSE(apply_rate_limit_header("x-mbx-used-weight-1m", "1x", usage));
  EXPECT_EQ(usage.orders_10s, 3);
  EXPECT_EQ(usage.orders_1d, 30);
  EXPECT_EQ(usage.weight_1m, 300);
}

TEST_F(WsApiCodecTest, UnknownSymbolIsReported) {
  std::string frame = ok_frame("1", kPlaceResult);
  frame.replace(frame.find("ETHUSDC"), 7, "XRPUSDC");
  ASSERT_TRUE(decode(frame).ok());
  core::OrderUpdate u;
  core::Status s = decoder_.order_result(core::ExecType::kNew, u);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, core::ErrorCode::kNotFound);
  EXPECT_NE(s.error().message.find("XRPUSDC"), std::string::npos);
}

TEST_F(WsApiCodecTest, WrongTypesAndBadValuesAreErrors) {
  core::OrderUpdate u;
  auto fails = [&](std::string result) {
    if (!decode(ok_frame("1", result)).ok()) return true;
    return !decoder_.order_result(core::ExecType::kNew, u).ok();
  };
  auto replace = [](std::string text, std::string_view from, std::string_view to) {
    text.replace(text.find(from), from.size(), to);
    return text;
  };
  const std::string place = kPlaceResult;
  EXPECT_TRUE(fails(replace(place, R"("orderId":12)", R"("orderId":"12")")));
  EXPECT_TRUE(fails(replace(place, R"("price":"3000.10")", R"("price":3000.10)")));
  EXPECT_TRUE(fails(replace(place, R"("price":"3000.10")", R"("price":"3000.101")")));  // too precise
  EXPECT_TRUE(fails(replace(place, R"("price":"3000.10")", R"("price":"-1")")));
  EXPECT_TRUE(fails(replace(place, R"("status":"PARTIALLY_FILLED")", R"("status":"WHAT")")));
  EXPECT_TRUE(fails(replace(place, R"("side":"BUY")", R"("side":"buy")")));
  EXPECT_TRUE(fails(replace(place, R"("clientOrderId":"q-1")", R"("clientOrderId":"a.b")")));
  EXPECT_TRUE(fails(replace(place, R"("symbol":"ETHUSDC",)", "")));
  EXPECT_TRUE(fails("[]"));
  EXPECT_TRUE(fails("null"));
  EXPECT_FALSE(decode("").ok());
  EXPECT_FALSE(decode("[1,2]").ok());
  EXPECT_FALSE(decode(R"({"id":1})").ok());
  EXPECT_FALSE(decode(R"({"id":1,"status":"200","result":{}})").ok());
  EXPECT_FALSE(decode(R"({"id":{},"status":200,"result":{}})").ok());
  EXPECT_FALSE(decode(R"({"id":1,"status":400,"error":{"code":"x","msg":"m"}})").ok());
  EXPECT_FALSE(decode(R"({"id":1,"status":400})").ok());
  EXPECT_FALSE(decode(R"({"id":1,"status":200,"result":{},"rateLimits":{}})").ok());
  EXPECT_FALSE(decode(R"({"id":1,"status":200,"result":{},"rateLimits":[{"rateLimitType":1}]})").ok());
}

// Every prefix of every sample fails cleanly (under ASan in the debug build), and so does
// the sample with any one byte flipped to a structural character.
TEST_F(WsApiCodecTest, TruncatedAndMangledFramesNeverCrash) {
  const std::string samples[] = {
      ok_frame("7", kPlaceResult),
      ok_frame("7", std::string(R"({"cancelResult":"SUCCESS","newOrderResult":"SUCCESS","cancelResponse":)") +
                        kCancelResult + R"(,"newOrderResponse":)" + kPlaceResult + "}"),
      R"({"id":4,"status":400,"error":{"code":-2022,"msg":"Order cancel-replace failed.",)"
      R"("data":{"cancelResult":"FAILURE","newOrderResult":"NOT_ATTEMPTED",)"
      R"("cancelResponse":{"code":-2011,"msg":"Unknown order sent."},"newOrderResponse":null}}})",
      ok_frame("1", R"({"balances":[{"asset":"USDC","free":"1.0","locked":"0"}]})"),
  };
  core::OrderUpdate u;
  CancelReplaceResult r;
  std::vector<core::AssetBalance> balances;
  for (const std::string& sample : samples) {
    ASSERT_TRUE(decode(sample).ok()) << sample;
    for (size_t n = 0; n < sample.size(); ++n) {
      EXPECT_FALSE(decode(std::string_view(sample).substr(0, n)).ok()) << n;
    }
    for (size_t i = 0; i < sample.size(); ++i) {
      for (char c : {'"', '{', ']', ',', '0', 'x'}) {
        std::string mangled = sample;
        mangled[i] = c;
        if (decode(mangled).ok()) {
          (void)decoder_.order_result(core::ExecType::kNew, u);
          (void)decoder_.cancel_replace_result(r);
          (void)decoder_.balances(balances);
          (void)decoder_.server_time();
        }
      }
    }
  }
}

}  // namespace
}  // namespace phoenix::binance
