#include "binance/rest_orders.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "binance/signing.h"

namespace phoenix::binance {
namespace {

// The example key pair of Binance's API docs (binance-spot-api.md §4).
constexpr char kApiKey[] = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
constexpr char kSecret[] = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
constexpr int64_t kTs = 1700000000123;

core::ClientOrderId cid(std::string_view text) { return *core::ClientOrderId::parse(text); }

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

constexpr char kQueryResult[] =
    R"({"symbol":"ETHUSDC","orderId":5,"orderListId":-1,"clientOrderId":"q5","price":"3000.00","origQty":"1.0000",)"
    R"("executedQty":"0.0000","cummulativeQuoteQty":"0.00000000","status":"NEW","timeInForce":"GTC",)"
    R"("type":"LIMIT","side":"SELL","stopPrice":"0.00","icebergQty":"0.0000","time":1,"updateTime":1700000000999,)"
    R"("isWorking":true,"workingTime":1,"origQuoteOrderQty":"0.00000000","selfTradePreventionMode":"NONE"})";

constexpr char kAmendResult[] =
    R"({"transactTime":1700000000500,"executionId":77,"amendedOrder":{"symbol":"ETHUSDC","orderId":12,)"
    R"("orderListId":-1,"origClientOrderId":"q-1","clientOrderId":"q-1","price":"3000.10","qty":"0.0050",)"
    R"("executedQty":"0.0000","preventedQty":"0.0000","quoteOrderQty":"0.00000000",)"
    R"("cumulativeQuoteQty":"0.00000000","status":"NEW","timeInForce":"GTC","type":"LIMIT_MAKER","side":"BUY",)"
    R"("workingTime":1,"selfTradePreventionMode":"NONE"}})";

constexpr char kAccountResult[] = R"({"makerCommission":10,"canTrade":true,"balances":[)"
                                  R"({"asset":"USDC","free":"1000.50000000","locked":"2.00000000"},)"
                                  R"({"asset":"ETH","free":"1.5","locked":"0"}],"uid":3})";

constexpr char kTradesResult[] = R"([{"symbol":"ETHUSDC","id":28457,"orderId":100234,"orderListId":-1,)"
                                 R"("price":"3000.00","qty":"0.0100","quoteQty":"30.00000000",)"
                                 R"("commission":"0.00001000","commissionAsset":"ETH","time":1499865549590,)"
                                 R"("isBuyer":true,"isMaker":false,"isBestMatch":true}])";

constexpr char kCancelReplaceFailed[] =
    R"({"code":-2022,"msg":"Order cancel-replace failed.",)"
    R"("data":{"cancelResult":"FAILURE","newOrderResult":"NOT_ATTEMPTED",)"
    R"("cancelResponse":{"code":-2011,"msg":"Unknown order sent."},"newOrderResponse":null}})";

std::string cancel_replace_success() {
  return std::string(R"({"cancelResult":"SUCCESS","newOrderResult":"SUCCESS","cancelResponse":)") +
         kCancelResult + R"(,"newOrderResponse":)" + kPlaceResult + "}";
}

std::string cancel_replace_partial() {
  return std::string(R"({"code":-2021,"msg":"Order cancel-replace partially failed.",)"
                     R"("data":{"cancelResult":"SUCCESS","newOrderResult":"FAILURE","cancelResponse":)") +
         kCancelResult +
         R"(,"newOrderResponse":{"code":-2010,"msg":"Order would immediately match and take."}}})";
}

class RestOrdersTest : public ::testing::Test {
 protected:
  RestOrdersTest() : symbols_(table_) {
    eth_ = *table_.add("ETHUSDC", core::SymbolScale{2, 4});
    btc_ = *table_.add("BTCUSDT", core::SymbolScale{8, 8});
    symbols_.set(eth_, "ETH", "USDC");
    symbols_.set(btc_, "BTC", "USDT");
    signer_ = std::move(make_hmac_signer(core::Secret(kSecret))).value();
  }

  // The request's parameters without the signature, and checks that the signature is the
  // HMAC of exactly what is sent before it (query + body, no separator).
  std::string unsigned_part(const RestOrderRequest& r) {
    const size_t q = r.target.find('?');
    const std::string query = q == std::string::npos ? "" : r.target.substr(q + 1);
    const std::string& signed_text = r.body.empty() ? query : r.body;
    const size_t at = signed_text.rfind("&signature=");
    EXPECT_NE(at, std::string::npos) << signed_text;
    if (at == std::string::npos) return {};
    const std::string signature = signed_text.substr(at + 11);
    std::string payload = r.body.empty() ? query.substr(0, at) : query + r.body.substr(0, at);
    EXPECT_EQ(signature, *signer_->sign(payload)) << payload;
    return r.body.empty() ? payload : r.body.substr(0, at);
  }

  void expect_headers(const RestOrderRequest& r) {
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0].first, "X-MBX-APIKEY");
    EXPECT_EQ(r.headers[0].second, kApiKey);
  }

  core::Status decode(core::RequestKind kind, int status, std::string_view body,
                      std::optional<int64_t> retry_after_s = std::nullopt) {
    return decoder_.decode(kind, status, body, retry_after_s, reply_);
  }

  SymbolTable table_;
  OrderSymbols symbols_;
  core::SymbolId eth_ = 0;
  core::SymbolId btc_ = 0;
  std::unique_ptr<Signer> signer_;
  RestDecoder decoder_{symbols_};
  RestReply reply_;
};

// ---- Requests.

TEST_F(RestOrdersTest, PlacePostOnlyIsAFormPostWithTheDocsKeySignature) {
  RestOrderEncoder enc(table_, kApiKey, signer_.get(), 5000);
  RestOrderRequest r;
  const oms::PlaceOrder o{eth_, core::Side::kBuy, core::Price(300010), core::Qty(100), cid("q-1_a"), true, 0};
  ASSERT_TRUE(enc.place(r, kTs, o).ok());
  EXPECT_EQ(r.kind, core::RequestKind::kPlace);
  EXPECT_EQ(r.method, RestMethod::kPost);
  EXPECT_EQ(to_string(r.method), "POST");
  EXPECT_EQ(r.target, "/api/v3/order");
  EXPECT_EQ(r.content_type, "application/x-www-form-urlencoded");
  // The signature computed independently (Python hmac, the docs' secret).
  EXPECT_EQ(r.body,
            "symbol=ETHUSDC&side=BUY&type=LIMIT_MAKER&price=3000.10&quantity=0.0100&newClientOrderId=q-1_a"
            "&newOrderRespType=RESULT&recvWindow=5000&timestamp=1700000000123"
            "&signature=2eb46f9c21ceb030bfc6ca69b1bda1b1c012606fa4e6ae67c822ca5500ba3d33");
  (void)unsigned_part(r);
  expect_headers(r);
}

TEST_F(RestOrdersTest, PlaceLimitGtcWithoutRecvWindow) {
  RestOrderEncoder enc(table_, kApiKey, signer_.get());
  RestOrderRequest r;
  const oms::PlaceOrder o{btc_, core::Side::kSell, core::Price(123456789), core::Qty(5), cid("s1"), false, 0};
  ASSERT_TRUE(enc.place(r, kTs, o).ok());
  EXPECT_EQ(unsigned_part(r),
            "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&price=1.23456789&quantity=0.00000005"
            "&newClientOrderId=s1&newOrderRespType=RESULT&timestamp=1700000000123");
  EXPECT_EQ(r.target, "/api/v3/order");
}

TEST_F(RestOrdersTest, CancelIsADeleteWithAQuery) {
  RestOrderEncoder enc(table_, kApiKey, signer_.get(), 5000);
  RestOrderRequest r;
  ASSERT_TRUE(enc.cancel(r, kTs, oms::CancelOrder{eth_, cid("q-1"), 0}).ok());
  EXPECT_EQ(r.kind, core::RequestKind::kCancel);
  EXPECT_EQ(r.method, RestMethod::kDelete);
  EXPECT_EQ(r.target,
            "/api/v3/order?symbol=ETHUSDC&origClientOrderId=q-1&recvWindow=5000&timestamp=1700000000123"
            "&signature=b16d6f21012a3c88726e7db3adde5b476dbd8a570d2d8319ca0394f24f6244b6");
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.content_type, "");
  (void)unsigned_part(r);
  expect_headers(r);
}

TEST_F(RestOrdersTest, CancelReplaceAmendAndQueries) {
  RestOrderEncoder enc(table_, kApiKey, signer_.get(), 5000);
  RestOrderRequest r;

  const oms::ReplaceOrder replace{cid("old-1"), oms::PlaceOrder{eth_, core::Side::kSell, core::Price(300200),
                                                                core::Qty(50), cid("new-2"), true, 0}};
  ASSERT_TRUE(enc.cancel_replace(r, kTs, replace).ok());
  EXPECT_EQ(r.kind, core::RequestKind::kCancelReplace);
  EXPECT_EQ(r.method, RestMethod::kPost);
  EXPECT_EQ(r.target, "/api/v3/order/cancelReplace");
  EXPECT_EQ(unsigned_part(r),
            "symbol=ETHUSDC&side=SELL&type=LIMIT_MAKER&price=3002.00&quantity=0.0050&newClientOrderId=new-2"
            "&newOrderRespType=RESULT&cancelReplaceMode=STOP_ON_FAILURE&cancelOrigClientOrderId=old-1"
            "&recvWindow=5000&timestamp=1700000000123");
  expect_headers(r);

  ASSERT_TRUE(enc.amend(r, kTs, oms::AmendOrder{eth_, cid("q-1"), core::Qty(50), 0}).ok());
  EXPECT_EQ(r.kind, core::RequestKind::kAmend);
  EXPECT_EQ(r.method, RestMethod::kPut);
  EXPECT_EQ(to_string(r.method), "PUT");
  EXPECT_EQ(r.target, "/api/v3/order/amend/keepPriority");
  EXPECT_EQ(r.content_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(unsigned_part(r),
            "symbol=ETHUSDC&origClientOrderId=q-1&newQty=0.0050&recvWindow=5000&timestamp=1700000000123");

  struct Case {
    core::Status status;
    core::RequestKind kind;
    RestMethod method;
    std::string path;
    std::string params;
  };
  std::vector<Case> cases;
  auto add = [&](core::Status s, core::RequestKind kind, RestMethod method, std::string path,
                 std::string params) {
    cases.push_back(Case{std::move(s), kind, method, std::move(path), std::move(params)});
    ASSERT_TRUE(cases.back().status.ok());
    EXPECT_EQ(r.kind, kind);
    EXPECT_EQ(r.method, method);
    EXPECT_EQ(r.body, "");
    EXPECT_EQ(r.content_type, "");
    ASSERT_TRUE(r.target.starts_with(cases.back().path + "?")) << r.target;
    EXPECT_EQ(unsigned_part(r), cases.back().params + "&recvWindow=5000&timestamp=1700000000123");
    expect_headers(r);
  };
  add(enc.query_order(r, kTs, eth_, cid("q-1")), core::RequestKind::kQuery, RestMethod::kGet, "/api/v3/order",
      "symbol=ETHUSDC&origClientOrderId=q-1");
  add(enc.open_orders(r, kTs, btc_), core::RequestKind::kOpenOrders, RestMethod::kGet, "/api/v3/openOrders",
      "symbol=BTCUSDT");
  add(enc.cancel_all(r, kTs, eth_), core::RequestKind::kCancelAll, RestMethod::kDelete, "/api/v3/openOrders",
      "symbol=ETHUSDC");
  add(enc.account(r, kTs), core::RequestKind::kAccount, RestMethod::kGet, "/api/v3/account",
      "omitZeroBalances=true");
  add(enc.my_trades(r, kTs, eth_, 1699999999000), core::RequestKind::kTrades, RestMethod::kGet,
      "/api/v3/myTrades", "symbol=ETHUSDC&startTime=1699999999000");
}

TEST_F(RestOrdersTest, Ed25519SignaturesArePercentEncoded) {
  // The Ed25519 key published in fix-api.md. Base64 signatures of 64 bytes end in "==",
  // which must be percent-encoded.
  constexpr char kPem[] =
      "-----BEGIN PRIVATE KEY-----\n"
      "MC4CAQAwBQYDK2VwBCIEIIJEYWtGBrhACmb9Dvy+qa8WEf0lQOl1s4CLIAB9m89u\n"
      "-----END PRIVATE KEY-----\n";
  auto ed = make_ed25519_signer(core::Secret(kPem));
  ASSERT_TRUE(ed.ok()) << ed.error().message;
  RestOrderEncoder enc(table_, kApiKey, ed->get());
  RestOrderRequest r;
  ASSERT_TRUE(enc.account(r, kTs).ok());
  const size_t at = r.target.find("&signature=");
  ASSERT_NE(at, std::string::npos);
  const std::string encoded = r.target.substr(at + 11);
  EXPECT_EQ(encoded.find_first_of("+/="), std::string::npos) << encoded;
  const std::string raw = *(*ed)->sign("omitZeroBalances=true&timestamp=1700000000123");
  EXPECT_TRUE(raw.ends_with("==")) << raw;
  EXPECT_EQ(encoded, percent_encode(raw));
}

TEST_F(RestOrdersTest, EncoderRejectsBadInput) {
  RestOrderEncoder enc(table_, kApiKey, signer_.get());
  RestOrderRequest r;
  const oms::PlaceOrder good{eth_, core::Side::kBuy, core::Price(1), core::Qty(1), cid("a"), true, 0};
  oms::PlaceOrder bad = good;
  bad.symbol = 99;
  EXPECT_FALSE(enc.place(r, kTs, bad).ok());
  bad = good;
  bad.client_id = {};
  EXPECT_FALSE(enc.place(r, kTs, bad).ok());
  EXPECT_FALSE(enc.cancel(r, kTs, oms::CancelOrder{eth_, {}, 0}).ok());
  EXPECT_FALSE(enc.cancel(r, kTs, oms::CancelOrder{core::kNoSymbol, cid("a"), 0}).ok());
  EXPECT_FALSE(enc.cancel_replace(r, kTs, oms::ReplaceOrder{{}, good}).ok());
  EXPECT_FALSE(enc.cancel_replace(r, kTs, oms::ReplaceOrder{cid("x"), bad}).ok());
  EXPECT_FALSE(enc.amend(r, kTs, oms::AmendOrder{eth_, {}, core::Qty(1), 0}).ok());
  EXPECT_FALSE(enc.amend(r, kTs, oms::AmendOrder{7, cid("a"), core::Qty(1), 0}).ok());
  EXPECT_FALSE(enc.query_order(r, kTs, eth_, {}).ok());
  EXPECT_FALSE(enc.open_orders(r, kTs, 7).ok());
  EXPECT_FALSE(enc.cancel_all(r, kTs, 7).ok());
  EXPECT_FALSE(enc.my_trades(r, kTs, 7, 0).ok());
  RestOrderEncoder unsigned_enc(table_, "", nullptr);
  const core::Status s = unsigned_enc.account(r, kTs);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_TRUE(enc.place(r, kTs, good).ok());  // the encoder is still usable
}

// ---- Responses.

TEST_F(RestOrdersTest, DecodesPlaceCancelQueryAndAmendBodies) {
  ASSERT_TRUE(decode(core::RequestKind::kPlace, 200, kPlaceResult).ok());
  EXPECT_TRUE(reply_.ok);
  EXPECT_EQ(reply_.http_status, 200);
  core::OrderUpdate u;
  ASSERT_TRUE(decoder_.order_result(core::ExecType::kNew, u).ok());
  EXPECT_EQ(u.symbol, eth_);
  EXPECT_EQ(u.client_id.view(), "q-1");
  EXPECT_EQ(u.order_id, 12);
  EXPECT_EQ(u.side, core::Side::kBuy);
  EXPECT_EQ(u.status, core::OrderStatus::kPartiallyFilled);
  EXPECT_EQ(u.exec_type, core::ExecType::kNew);
  EXPECT_EQ(u.price.units(), 300010);
  EXPECT_EQ(u.orig_qty.units(), 100);
  EXPECT_EQ(u.cum_qty.units(), 40);
  EXPECT_EQ(u.cum_quote_units, 1200040000);
  EXPECT_EQ(u.transact_time_ms, 1700000000200);

  ASSERT_TRUE(decode(core::RequestKind::kCancel, 200, kCancelResult).ok());
  ASSERT_TRUE(decoder_.order_result(core::ExecType::kCanceled, u).ok());
  EXPECT_EQ(u.client_id.view(), "q-1");  // the order's id, not the cancel's
  EXPECT_EQ(u.status, core::OrderStatus::kCanceled);
  EXPECT_EQ(u.side, core::Side::kSell);

  ASSERT_TRUE(decode(core::RequestKind::kQuery, 200, kQueryResult).ok());
  ASSERT_TRUE(decoder_.order_result(core::ExecType::kSnapshot, u).ok());
  EXPECT_EQ(u.client_id.view(), "q5");
  EXPECT_EQ(u.status, core::OrderStatus::kNew);
  EXPECT_EQ(u.transact_time_ms, 1700000000999);

  ASSERT_TRUE(decode(core::RequestKind::kAmend, 200, kAmendResult).ok());
  ASSERT_TRUE(decoder_.amend_result(u).ok());
  EXPECT_EQ(u.exec_type, core::ExecType::kReplaced);
  EXPECT_EQ(u.client_id.view(), "q-1");
  EXPECT_EQ(u.orig_qty.units(), 50);
  EXPECT_EQ(u.transact_time_ms, 1700000000500);
}

TEST_F(RestOrdersTest, DecodesCancelReplaceSuccessAndFailures) {
  CancelReplaceResult r;
  ASSERT_TRUE(decode(core::RequestKind::kCancelReplace, 200, cancel_replace_success()).ok());
  ASSERT_TRUE(decoder_.cancel_replace_result(r).ok());
  EXPECT_TRUE(r.cancel_succeeded && r.new_order_attempted && r.new_order_succeeded);
  EXPECT_EQ(r.canceled.client_id.view(), "q-1");
  EXPECT_EQ(r.new_order.order_id, 12);

  ASSERT_TRUE(decode(core::RequestKind::kCancelReplace, 400, kCancelReplaceFailed).ok());
  EXPECT_FALSE(reply_.ok);
  EXPECT_EQ(reply_.error_code, -2022);
  EXPECT_EQ(reply_.error_msg, "Order cancel-replace failed.");
  EXPECT_TRUE(reply_.has_error_data);
  EXPECT_EQ(reply_.action, core::FailureAction::kRejected);
  ASSERT_TRUE(decoder_.cancel_replace_result(r).ok());
  EXPECT_FALSE(r.cancel_succeeded);
  EXPECT_FALSE(r.new_order_attempted);
  EXPECT_EQ(r.cancel_error_code, -2011);

  ASSERT_TRUE(decode(core::RequestKind::kCancelReplace, 409, cancel_replace_partial()).ok());
  EXPECT_EQ(reply_.error_code, -2021);
  EXPECT_EQ(reply_.http_status, 409);
  ASSERT_TRUE(decoder_.cancel_replace_result(r).ok());
  EXPECT_TRUE(r.cancel_succeeded);
  EXPECT_FALSE(r.new_order_succeeded);
  EXPECT_EQ(r.canceled.client_id.view(), "q-1");
  EXPECT_EQ(r.new_order_error_code, -2010);
}

TEST_F(RestOrdersTest, DecodesListsBalancesAndTrades) {
  const std::string list = std::string("[") + kPlaceResult + "," + kQueryResult + "]";
  std::vector<core::OrderUpdate> orders;
  ASSERT_TRUE(decode(core::RequestKind::kOpenOrders, 200, list).ok());
  ASSERT_TRUE(decoder_.order_list(core::ExecType::kSnapshot, orders).ok());
  ASSERT_EQ(orders.size(), 2u);
  EXPECT_EQ(orders[1].client_id.view(), "q5");
  EXPECT_EQ(orders[1].exec_type, core::ExecType::kSnapshot);
  ASSERT_TRUE(decode(core::RequestKind::kCancelAll, 200, std::string("[") + kCancelResult + "]").ok());
  ASSERT_TRUE(decoder_.order_list(core::ExecType::kCanceled, orders).ok());
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].client_id.view(), "q-1");
  ASSERT_TRUE(decode(core::RequestKind::kOpenOrders, 200, "[]").ok());
  ASSERT_TRUE(decoder_.order_list(core::ExecType::kSnapshot, orders).ok());
  EXPECT_TRUE(orders.empty());

  ASSERT_TRUE(decode(core::RequestKind::kAccount, 200, kAccountResult).ok());
  std::vector<core::AssetBalance> balances;
  ASSERT_TRUE(decoder_.balances(balances).ok());
  ASSERT_EQ(balances.size(), 2u);
  EXPECT_EQ(balances[0].name(), "USDC");
  EXPECT_EQ(balances[0].free_units, 100050000000);
  EXPECT_EQ(balances[0].locked_units, 200000000);
  EXPECT_EQ(balances[1].free_units, 150000000);

  ASSERT_TRUE(decode(core::RequestKind::kTrades, 200, kTradesResult).ok());
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
  EXPECT_FALSE(decoder_.trades(btc_, trades).ok());  // another symbol's trades
}

TEST_F(RestOrdersTest, ErrorsAreClassified) {
  struct Case {
    core::RequestKind kind;
    int status;
    std::string body;
    std::optional<int64_t> retry_after_s;
    int code;
    core::FailureAction action;
    int64_t retry_after_ms;
  };
  const Case cases[] = {
      {core::RequestKind::kPlace, 400, R"({"code":-2010,"msg":"Order would immediately match and take."})",
       std::nullopt, -2010, core::FailureAction::kRejected, 0},
      {core::RequestKind::kCancel, 400, R"({"code":-2011,"msg":"Unknown order sent."})", std::nullopt, -2011,
       core::FailureAction::kOrderGone, 0},
      {core::RequestKind::kQuery, 400, R"({"code":-2013,"msg":"Order does not exist."})", std::nullopt, -2013,
       core::FailureAction::kOrderGone, 0},
      {core::RequestKind::kPlace, 429, R"({"code":-1003,"msg":"Too many requests."})", 7, -1003,
       core::FailureAction::kRetryLater, 7000},
      {core::RequestKind::kPlace, 418, R"({"code":-1003,"msg":"Way too many requests; IP banned until 1."})",
       120, -1003, core::FailureAction::kBanned, 120000},
      {core::RequestKind::kPlace, 400, R"({"code":-1021,"msg":"Timestamp outside of the recvWindow."})",
       std::nullopt, -1021, core::FailureAction::kResyncTime, 0},
      {core::RequestKind::kAccount, 401, R"({"code":-2015,"msg":"Invalid API-key, IP, or permissions."})",
       std::nullopt, -2015, core::FailureAction::kHalt, 0},
      {core::RequestKind::kPlace, 503, R"({"code":-1007,"msg":"Timeout waiting for response."})",
       std::nullopt, -1007, core::FailureAction::kUnknown, 0},
      // Not Binance's error shape: the status alone decides.
      {core::RequestKind::kPlace, 502, "<html>Bad Gateway</html>", std::nullopt, 0,
       core::FailureAction::kUnknown, 0},
      {core::RequestKind::kPlace, 503, "", std::nullopt, 0, core::FailureAction::kUnknown, 0},
      {core::RequestKind::kPlace, 400, R"({"code":"x","msg":1})", std::nullopt, 0,
       core::FailureAction::kRejected, 0},
      {core::RequestKind::kPlace, 404, "[1,2]", std::nullopt, 0, core::FailureAction::kRejected, 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    ASSERT_TRUE(decode(c.kind, c.status, c.body, c.retry_after_s).ok());
    EXPECT_FALSE(reply_.ok);
    EXPECT_EQ(reply_.http_status, c.status);
    EXPECT_EQ(reply_.error_code, c.code);
    EXPECT_EQ(reply_.action, c.action);
    EXPECT_EQ(reply_.retry_after_ms, c.retry_after_ms);
    EXPECT_FALSE(reply_.has_error_data);
    if (c.code != 0) {
      EXPECT_FALSE(reply_.error_msg.empty());
    }
    core::OrderUpdate u;
    EXPECT_FALSE(decoder_.order_result(core::ExecType::kNew, u).ok());
  }
}

TEST_F(RestOrdersTest, ReadersNeverSeeAPreviousBody) {
  ASSERT_TRUE(decode(core::RequestKind::kPlace, 200, kPlaceResult).ok());
  ASSERT_TRUE(decode(core::RequestKind::kPlace, 502, "not json").ok());
  core::OrderUpdate u;
  EXPECT_FALSE(decoder_.order_result(core::ExecType::kNew, u).ok());
  ASSERT_TRUE(decode(core::RequestKind::kPlace, 200, kPlaceResult).ok());
  EXPECT_FALSE(decode(core::RequestKind::kPlace, 200, "{").ok());
  EXPECT_FALSE(decoder_.order_result(core::ExecType::kNew, u).ok());
  std::vector<core::OrderUpdate> list{u};
  EXPECT_FALSE(decoder_.order_list(core::ExecType::kSnapshot, list).ok());
  EXPECT_TRUE(list.empty());
}

TEST_F(RestOrdersTest, BadSuccessBodiesAreErrors) {
  for (const std::string_view body :
       {std::string_view(""), std::string_view("ok"), std::string_view("\"x\""), std::string_view("12"),
        std::string_view("null"), std::string_view(R"({},"result":[])"), std::string_view(R"({}} {)"),
        std::string_view(R"([] [])")}) {
    SCOPED_TRACE(body);
    EXPECT_FALSE(decode(core::RequestKind::kPlace, 200, body).ok());
    EXPECT_FALSE(reply_.ok);
  }
  EXPECT_FALSE(decode(core::RequestKind::kPlace, 99, "{}").ok());
  EXPECT_FALSE(decode(core::RequestKind::kPlace, 1000, "{}").ok());
}

TEST_F(RestOrdersTest, WrongTypesAreErrors) {
  core::OrderUpdate u;
  const auto with = [](std::string body, std::string_view from, std::string_view to) {
    body.replace(body.find(from), from.size(), to);
    return body;
  };
  for (const std::string& body : {
           with(kPlaceResult, R"("orderId":12)", R"("orderId":"12")"),
           with(kPlaceResult, R"("price":"3000.10")", R"("price":3000.10)"),
           with(kPlaceResult, R"("status":"PARTIALLY_FILLED")", R"("status":"WEIRD")"),
           with(kPlaceResult, R"("side":"BUY")", R"("side":true)"),
           with(kPlaceResult, R"("price":"3000.10")", R"("price":"3000.105")"),  // finer than the scale
           with(kPlaceResult, R"("symbol":"ETHUSDC")", R"("symbol":"XRPUSDC")"),
       }) {
    SCOPED_TRACE(body);
    ASSERT_TRUE(decode(core::RequestKind::kPlace, 200, body).ok());
    EXPECT_FALSE(decoder_.order_result(core::ExecType::kNew, u).ok());
  }
  std::vector<core::AssetBalance> balances;
  ASSERT_TRUE(decode(core::RequestKind::kAccount, 200, R"({"balances":{}})").ok());
  EXPECT_FALSE(decoder_.balances(balances).ok());
  std::vector<core::OrderUpdate> list;
  ASSERT_TRUE(decode(core::RequestKind::kOpenOrders, 200, kPlaceResult).ok());  // an object, not a list
  EXPECT_FALSE(decoder_.order_list(core::ExecType::kSnapshot, list).ok());
  ASSERT_TRUE(decode(core::RequestKind::kTrades, 200, R"([{"symbol":"ETHUSDC","id":"1"}])").ok());
  EXPECT_FALSE(decoder_.trades(eth_, list).ok());
  CancelReplaceResult r;
  ASSERT_TRUE(decode(core::RequestKind::kCancelReplace, 400, R"({"code":-2022,"msg":"x","data":5})").ok());
  EXPECT_FALSE(decoder_.cancel_replace_result(r).ok());
}

// Every prefix of every valid body fails cleanly (under ASan in the debug build), and so does
// every body with any one byte replaced by a structural character.
TEST_F(RestOrdersTest, TruncatedAndMangledBodiesNeverCrash) {
  struct Sample {
    int status;
    std::string body;
  };
  const Sample samples[] = {
      {200, kPlaceResult},
      {200, kCancelResult},
      {200, kAmendResult},
      {200, cancel_replace_success()},
      {200, std::string("[") + kQueryResult + "]"},
      {200, kAccountResult},
      {200, kTradesResult},
      {400, kCancelReplaceFailed},
      {409, cancel_replace_partial()},
      {400, R"({"code":-2010,"msg":"Order would immediately match and take."})"},
  };
  core::OrderUpdate u;
  CancelReplaceResult r;
  std::vector<core::AssetBalance> balances;
  std::vector<core::OrderUpdate> list;
  const auto read_all = [&] {
    (void)decoder_.order_result(core::ExecType::kNew, u);
    (void)decoder_.amend_result(u);
    (void)decoder_.cancel_replace_result(r);
    (void)decoder_.order_list(core::ExecType::kSnapshot, list);
    (void)decoder_.balances(balances);
    (void)decoder_.trades(eth_, list);
  };
  for (const Sample& sample : samples) {
    ASSERT_TRUE(decode(core::RequestKind::kCancelReplace, sample.status, sample.body).ok()) << sample.body;
    for (size_t n = 0; n < sample.body.size(); ++n) {
      const std::string_view prefix = std::string_view(sample.body).substr(0, n);
      const core::Status s = decode(core::RequestKind::kPlace, sample.status, prefix);
      if (sample.status == 200) {
        EXPECT_FALSE(s.ok()) << n;
      } else {
        ASSERT_TRUE(s.ok()) << n;  // an error status always decodes
        EXPECT_EQ(reply_.error_code, 0) << n;
        EXPECT_EQ(reply_.action, core::FailureAction::kRejected) << n;
      }
      read_all();
    }
    for (size_t i = 0; i < sample.body.size(); ++i) {
      for (char c : {'"', '{', ']', ',', '0', 'x', '\0'}) {
        std::string mangled = sample.body;
        mangled[i] = c;
        (void)decode(core::RequestKind::kCancelReplace, sample.status, mangled);
        read_all();
      }
    }
  }
}

// ---- Rate-limit headers.

struct Header {
  std::string name;
  std::string value;
};

TEST(RestRateLimitsTest, HeadersGiveUsageWithTheExchangeInfoLimits) {
  core::RateLimitUsage limits;
  limits.orders_10s = 999;  // ignored: only the limits are taken
  limits.orders_10s_limit = 100;
  limits.orders_1d_limit = 200000;
  limits.weight_1m_limit = 6000;
  const std::vector<Header> headers = {{"x-mbx-order-count-10s", "3"},
                                       {"X-MBX-ORDER-COUNT-1D", "41"},
                                       {"x-mbx-used-weight-1m", "17"},
                                       {"x-mbx-used-weight", "17"},
                                       {"retry-after", "5"}};
  const auto usage = rest_rate_limits(headers, limits);
  ASSERT_TRUE(usage.has_value());
  EXPECT_EQ(usage->orders_10s, 3);
  EXPECT_EQ(usage->orders_10s_limit, 100);
  EXPECT_EQ(usage->orders_1d, 41);
  EXPECT_EQ(usage->orders_1d_limit, 200000);
  EXPECT_EQ(usage->weight_1m, 17);
  EXPECT_EQ(usage->weight_1m_limit, 6000);

  // A GET carries only the weight header.
  const auto weight_only = rest_rate_limits(std::vector<Header>{{"x-mbx-used-weight-1m", "5"}}, limits);
  ASSERT_TRUE(weight_only.has_value());
  EXPECT_EQ(weight_only->weight_1m, 5);
  EXPECT_EQ(weight_only->orders_10s, 0);

  EXPECT_FALSE(rest_rate_limits(std::vector<Header>{}, limits).has_value());
  EXPECT_FALSE(rest_rate_limits(std::vector<Header>{{"x-mbx-used-weight-1m", "abc"},
                                                    {"x-mbx-order-count-10s", "-1"},
                                                    {"x-mbx-order-count-1d", ""},
                                                    {"x-mbx-order-count-10s", "99999999999999999999999"}},
                                limits)
                   .has_value());
  core::RateLimitUsage u;
  EXPECT_TRUE(apply_rate_limit_header("X-Mbx-Used-Weight-1M", "12", u));
  EXPECT_EQ(u.weight_1m, 12);
  EXPECT_FALSE(apply_rate_limit_header("x-mbx-used-weight-1s", "12", u));
}

}  // namespace
}  // namespace phoenix::binance
