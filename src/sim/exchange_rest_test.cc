#include <gtest/gtest.h>

#include "sim/exchange_test_util.h"
#include "sim/params.h"

namespace phoenix::sim {
namespace {

using testing::Harness;
using testing::header;
using testing::jhas;
using testing::jint;
using testing::jsize;
using testing::jstr;
using testing::kBobKey;
using testing::kBobSecret;
using testing::kHmacKey;
using testing::kHmacSecret;

constexpr std::string_view kOrder = "/api/v3/order";

std::string limit_order(std::string_view side, std::string_view price, std::string_view qty,
                        std::string_view extra = {}) {
  std::string q = "symbol=ETHUSDC&side=" + std::string(side) +
                  "&type=LIMIT&timeInForce=GTC&price=" + std::string(price) + "&quantity=" + std::string(qty);
  if (!extra.empty()) q += "&" + std::string(extra);
  return q;
}

class ExchangeRestTest : public ::testing::Test {
 protected:
  Harness h_;
};

TEST_F(ExchangeRestTest, PublicEndpoints) {
  auto ping = h_.rest("GET", "/api/v3/ping");
  EXPECT_EQ(ping.status, 200);
  EXPECT_EQ(ping.body, "{}");
  auto time = h_.rest("GET", "/api/v3/time");
  EXPECT_EQ(jint(time.body, "/serverTime"), h_.now_ms());
  EXPECT_EQ(header(time, "X-MBX-USED-WEIGHT-1M"), "2");

  auto info = h_.rest("GET", "/api/v3/exchangeInfo");
  ASSERT_EQ(info.status, 200) << info.body;
  EXPECT_EQ(jstr(info.body, "/timezone"), "UTC");
  EXPECT_EQ(jsize(info.body, "/symbols"), 3u);
  EXPECT_EQ(jstr(info.body, "/rateLimits/0/rateLimitType"), "REQUEST_WEIGHT");
  EXPECT_EQ(jint(info.body, "/rateLimits/0/limit"), 6000);
  EXPECT_EQ(jstr(info.body, "/symbols/0/symbol"), "ETHUSDC");
  EXPECT_EQ(jstr(info.body, "/symbols/0/status"), "TRADING");
  EXPECT_EQ(jstr(info.body, "/symbols/0/cancelReplaceAllowed"), "true");
  EXPECT_EQ(jstr(info.body, "/symbols/0/amendAllowed"), "true");
  EXPECT_EQ(jstr(info.body, "/symbols/0/defaultSelfTradePreventionMode"), "EXPIRE_MAKER");
  EXPECT_EQ(jstr(info.body, "/symbols/0/filters/0/filterType"), "PRICE_FILTER");
  EXPECT_EQ(jstr(info.body, "/symbols/0/filters/0/tickSize"), "0.01");
  EXPECT_EQ(jstr(info.body, "/symbols/0/filters/1/filterType"), "LOT_SIZE");
  EXPECT_EQ(jstr(info.body, "/symbols/0/filters/1/stepSize"), "0.0001");
  EXPECT_EQ(jstr(info.body, "/symbols/0/filters/2/filterType"), "NOTIONAL");
  EXPECT_EQ(jstr(info.body, "/symbols/0/filters/2/minNotional"), "1.000000");
  EXPECT_EQ(jstr(info.body, "/symbols/0/filters/3/filterType"), "PERCENT_PRICE_BY_SIDE");
  EXPECT_EQ(jstr(info.body, "/symbols/0/filters/3/bidMultiplierUp"), "5.0000");
  EXPECT_EQ(jstr(info.body, "/symbols/0/filters/4/filterType"), "MAX_NUM_ORDERS");
  EXPECT_EQ(jint(info.body, "/symbols/0/filters/4/maxNumOrders"), 5);

  auto one = h_.rest("GET", "/api/v3/exchangeInfo?symbol=LTCBTC");
  EXPECT_EQ(jsize(one.body, "/symbols"), 1u);
  auto two = h_.rest("GET", "/api/v3/exchangeInfo?symbols=%5B%22LTCBTC%22,%22BTCUSDT%22%5D");
  ASSERT_EQ(jsize(two.body, "/symbols"), 2u) << two.body;
  EXPECT_EQ(jstr(two.body, "/symbols/1/symbol"), "BTCUSDT");
  auto bad = h_.rest("GET", "/api/v3/exchangeInfo?symbol=NOPE");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(jint(bad.body, "/code"), -1121);
  EXPECT_EQ(jstr(bad.body, "/msg"), "Invalid symbol.");
}

TEST_F(ExchangeRestTest, DepthAndBookTicker) {
  ASSERT_EQ(h_.signed_rest("POST", kOrder, limit_order("BUY", "100.00", "1")).status, 200);
  ASSERT_EQ(h_.signed_rest("POST", kOrder, limit_order("BUY", "100.00", "2")).status, 200);
  ASSERT_EQ(h_.signed_rest("POST", kOrder, limit_order("BUY", "99.00", "1")).status, 200);
  ASSERT_EQ(
      h_.signed_rest("POST", kOrder, limit_order("SELL", "101.00", "0.5"), {}, kBobKey, kBobSecret).status,
      200);
  auto depth = h_.rest("GET", "/api/v3/depth?symbol=ETHUSDC&limit=5");
  ASSERT_EQ(depth.status, 200) << depth.body;
  EXPECT_EQ(static_cast<uint64_t>(jint(depth.body, "/lastUpdateId")), h_.ex().book_update_id("ETHUSDC"));
  EXPECT_EQ(jstr(depth.body, "/bids/0"), "[\"100.00\",\"3.0000\"]");
  EXPECT_EQ(jstr(depth.body, "/bids/1"), "[\"99.00\",\"1.0000\"]");
  EXPECT_EQ(jstr(depth.body, "/asks/0"), "[\"101.00\",\"0.5000\"]");
  auto limited = h_.rest("GET", "/api/v3/depth?symbol=ETHUSDC&limit=1");
  EXPECT_EQ(jsize(limited.body, "/bids"), 1u);
  EXPECT_EQ(jint(h_.rest("GET", "/api/v3/depth?symbol=ETHUSDC&limit=x").body, "/code"), -1100);
  EXPECT_EQ(jint(h_.rest("GET", "/api/v3/depth").body, "/code"), -1102);

  auto ticker = h_.rest("GET", "/api/v3/ticker/bookTicker?symbol=ETHUSDC");
  EXPECT_EQ(jstr(ticker.body, "/bidPrice"), "100.00");
  EXPECT_EQ(jstr(ticker.body, "/bidQty"), "3.0000");
  EXPECT_EQ(jstr(ticker.body, "/askPrice"), "101.00");
  auto all = h_.rest("GET", "/api/v3/ticker/bookTicker");
  EXPECT_EQ(jsize(all.body, ""), 3u);
}

TEST_F(ExchangeRestTest, DocsVectorsThroughTheExchange) {
  // The docs' timestamp 1499827319559 with recvWindow 5000: put the clock 1 s later.
  Harness h(testing::make_spec(), 1499827320559);
  const std::string query = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC";
  const std::string body = "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
  // Mixed query + body: the documented 0fd168b8... signature.
  auto mixed =
      h.rest("POST", "/api/v3/order?" + query,
             body + "&signature=0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77", kHmacKey);
  EXPECT_EQ(mixed.status, 200) << mixed.body;
  // Everything in the query: c8db...; everything in the body: the same signature.
  auto query_only = h.rest("POST",
                           "/api/v3/order?" + query + "&" + body +
                               "&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71",
                           {}, kHmacKey);
  EXPECT_EQ(query_only.status, 200) << query_only.body;
  auto body_only = h.rest(
      "POST", "/api/v3/order",
      query + "&" + body + "&signature=C8DB56825AE71D6D79447849E617115F4A920FA2ACDCAB2B053C4B2838BD6B71",
      kHmacKey);
  EXPECT_EQ(body_only.status, 200) << body_only.body;
  // The full-width symbol vector: the signature is good, the symbol is not.
  auto full_width = h.rest(
      "POST",
      "/api/v3/"
      "order?symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&timeInForce="
      "GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature="
      "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3",
      {}, kHmacKey);
  EXPECT_EQ(jint(full_width.body, "/code"), -1121) << full_width.body;
}

TEST_F(ExchangeRestTest, AuthErrors) {
  const std::string q = limit_order("BUY", "100.00", "1");
  auto no_key = h_.signed_rest("POST", kOrder, q, {}, "");
  EXPECT_EQ(no_key.status, 401);
  EXPECT_EQ(jint(no_key.body, "/code"), -2014);
  auto unknown = h_.signed_rest("POST", kOrder, q, {}, "nosuchkey");
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(jint(unknown.body, "/code"), -2015);
  EXPECT_EQ(jstr(unknown.body, "/msg"), "Invalid API-key, IP, or permissions for action.");
  auto bad_sig = h_.signed_rest("POST", kOrder, q, {}, kHmacKey, "wrong secret");
  EXPECT_EQ(bad_sig.status, 400);
  EXPECT_EQ(jint(bad_sig.body, "/code"), -1022);
  EXPECT_EQ(jstr(bad_sig.body, "/msg"), "Signature for this request is not valid.");
  auto no_sig = h_.rest("POST", std::string(kOrder) + "?" + q + "&timestamp=1", {}, kHmacKey);
  EXPECT_EQ(jint(no_sig.body, "/code"), -1102);
  EXPECT_EQ(jstr(no_sig.body, "/msg"),
            "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.");
  // A request signed without a timestamp.
  const std::string unsigned_q = q + "&signature=" + hmac_sha256_hex(kHmacSecret, q);
  auto no_ts = h_.rest("POST", std::string(kOrder) + "?" + unsigned_q, {}, kHmacKey);
  EXPECT_EQ(jstr(no_ts.body, "/msg"),
            "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.");

  auto signed_at = [&](int64_t ts, std::string_view extra = {}) {
    std::string query = q + "&timestamp=" + std::to_string(ts);
    if (!extra.empty()) query += "&" + std::string(extra);
    query += "&signature=" + hmac_sha256_hex(kHmacSecret, query);
    return h_.rest("POST", std::string(kOrder) + "?" + query, {}, kHmacKey);
  };
  auto ahead = signed_at(h_.now_ms() + 1000);
  EXPECT_EQ(jint(ahead.body, "/code"), -1021);
  EXPECT_EQ(jstr(ahead.body, "/msg"), "Timestamp for this request was 1000ms ahead of the server's time.");
  EXPECT_EQ(signed_at(h_.now_ms() + 999).status, 200);
  auto late = signed_at(h_.now_ms() - 5001);
  EXPECT_EQ(jint(late.body, "/code"), -1021);
  EXPECT_EQ(jstr(late.body, "/msg"), "Timestamp for this request is outside of the recvWindow.");
  EXPECT_EQ(signed_at(h_.now_ms() - 5001, "recvWindow=6000.5").status, 200);
  // Microsecond timestamps are accepted.
  EXPECT_EQ(signed_at(h_.now_ms() * 1000 - 10).status, 200);
  EXPECT_EQ(jint(signed_at(h_.now_ms(), "recvWindow=60001").body, "/code"), -1131);
  EXPECT_EQ(jint(signed_at(h_.now_ms(), "recvWindow=1.2345").body, "/code"), -1111);
}

TEST_F(ExchangeRestTest, Ed25519SignedRest) {
  // REST Ed25519: sign the percent-encoded query, then percent-encode the base64 signature.
  const std::string query = limit_order("BUY", "100.00", "1") + "&timestamp=" + std::to_string(h_.now_ms());
  const std::string signature = ed25519_sign_base64(testing::kEdPrivatePem, query).value();
  auto ok = h_.rest("POST", std::string(kOrder) + "?" + query + "&signature=" + percent_encode(signature), {},
                    testing::kEdKey);
  EXPECT_EQ(ok.status, 200) << ok.body;
  // The same signature over another payload fails.
  const std::string other = limit_order("BUY", "100.00", "2") + "&timestamp=" + std::to_string(h_.now_ms());
  auto bad = h_.rest("POST", std::string(kOrder) + "?" + other + "&signature=" + percent_encode(signature),
                     {}, testing::kEdKey);
  EXPECT_EQ(jint(bad.body, "/code"), -1022);
}

TEST_F(ExchangeRestTest, OrderParameterErrors) {
  auto code = [&](const std::string& q) { return jint(h_.signed_rest("POST", kOrder, q).body, "/code"); };
  auto msg = [&](const std::string& q) { return jstr(h_.signed_rest("POST", kOrder, q).body, "/msg"); };
  EXPECT_EQ(code("side=BUY&type=LIMIT"), -1102);
  EXPECT_EQ(msg("symbol=NOPE&side=BUY&type=LIMIT"), "Invalid symbol.");
  EXPECT_EQ(code("symbol=ETHUSDC&side=UP&type=LIMIT"), -1117);
  EXPECT_EQ(code("symbol=ETHUSDC&side=BUY&type=WHAT"), -1116);
  EXPECT_EQ(code("symbol=ETHUSDC&side=BUY&type=LIMIT&price=1&quantity=1"), -1102);  // timeInForce
  EXPECT_EQ(code("symbol=ETHUSDC&side=BUY&type=LIMIT&timeInForce=GTD&price=1&quantity=1"), -1115);
  EXPECT_EQ(code(limit_order("BUY", "100.001", "1")), -1111);
  EXPECT_EQ(msg(limit_order("BUY", "100.001", "1")), "Parameter 'price' has too much precision.");
  EXPECT_EQ(code(limit_order("BUY", "1e3", "1")), -1100);
  EXPECT_EQ(code(limit_order("BUY", "100", "")), -1102);
  EXPECT_EQ(
      msg(limit_order("BUY", "100", "1", "newClientOrderId=has.dot")),
      "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[a-zA-Z0-9-_]{1,36}$'.");
  EXPECT_EQ(code(limit_order("BUY", "100", "1", "newClientOrderId=" + std::string(37, 'a'))), -1100);
  EXPECT_EQ(code("symbol=ETHUSDC&side=BUY&type=MARKET&quantity=1&timeInForce=GTC"), -1106);
  EXPECT_EQ(code("symbol=ETHUSDC&side=BUY&type=MARKET&quoteOrderQty=10"), -2010);
  EXPECT_EQ(code("symbol=ETHUSDC&side=BUY&type=STOP_LOSS&quantity=1"), -2010);
  EXPECT_EQ(code(limit_order("BUY", "100", "1", "selfTradePreventionMode=BAD")), -1100);
  EXPECT_EQ(code(limit_order("BUY", "100", "1", "newOrderRespType=BAD")), -1100);
  // Duplicate parameter in one part.
  EXPECT_EQ(code(limit_order("BUY", "100", "1", "side=SELL")), -1101);
}

TEST_F(ExchangeRestTest, FilterFailures) {
  auto msg = [&](const std::string& q) {
    auto r = h_.signed_rest("POST", kOrder, q);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(jint(r.body, "/code"), -1013) << r.body;
    return jstr(r.body, "/msg");
  };
  EXPECT_EQ(msg(limit_order("BUY", "0.00", "1")), "Filter failure: PRICE_FILTER");
  EXPECT_EQ(msg(limit_order("BUY", "1000001.00", "1")), "Filter failure: PRICE_FILTER");
  EXPECT_EQ(msg(limit_order("BUY", "100.00", "0")), "Filter failure: LOT_SIZE");
  EXPECT_EQ(msg(limit_order("BUY", "100.00", "10001")), "Filter failure: LOT_SIZE");
  EXPECT_EQ(msg(limit_order("BUY", "1.00", "0.5")), "Filter failure: NOTIONAL");
  // PERCENT_PRICE_BY_SIDE: no reference yet, then the mid of a two-sided book.
  ASSERT_EQ(h_.signed_rest("POST", kOrder, limit_order("BUY", "1000.00", "0.01")).status, 200);
  ASSERT_EQ(
      h_.signed_rest("POST", kOrder, limit_order("SELL", "1200.00", "0.01"), {}, kBobKey, kBobSecret).status,
      200);
  EXPECT_EQ(msg(limit_order("BUY", "5501.00", "0.01")), "Filter failure: PERCENT_PRICE_BY_SIDE");
  EXPECT_EQ(msg(limit_order("SELL", "219.00", "0.01")), "Filter failure: PERCENT_PRICE_BY_SIDE");
  EXPECT_EQ(h_.signed_rest("POST", kOrder, limit_order("BUY", "221.00", "0.01")).status, 200);
  // MAX_NUM_ORDERS (5 per account per symbol): alice has 2 open.
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(h_.signed_rest("POST", kOrder, limit_order("BUY", "500.00", "0.01")).status, 200);
  }
  EXPECT_EQ(msg(limit_order("BUY", "500.00", "0.01")), "Filter failure: MAX_NUM_ORDERS");
}

TEST_F(ExchangeRestTest, EngineRejects) {
  auto r = h_.signed_rest("POST", kOrder, limit_order("BUY", "1000000.00", "10000"));
  EXPECT_EQ(jint(r.body, "/code"), -2010);
  EXPECT_EQ(jstr(r.body, "/msg"), "Account has insufficient balance for requested action.");
  ASSERT_EQ(
      h_.signed_rest("POST", kOrder, limit_order("SELL", "100.00", "1"), {}, kBobKey, kBobSecret).status,
      200);
  auto maker =
      h_.signed_rest("POST", kOrder, "symbol=ETHUSDC&side=BUY&type=LIMIT_MAKER&price=100.00&quantity=1");
  EXPECT_EQ(jint(maker.body, "/code"), -2010);
  EXPECT_EQ(jstr(maker.body, "/msg"), "Order would immediately match and take.");
  ASSERT_EQ(h_.signed_rest("POST", kOrder, limit_order("BUY", "90.00", "1", "newClientOrderId=dup1")).status,
            200);
  auto dup = h_.signed_rest("POST", kOrder, limit_order("BUY", "91.00", "1", "newClientOrderId=dup1"));
  EXPECT_EQ(jint(dup.body, "/code"), -2010);
  EXPECT_EQ(jstr(dup.body, "/msg"), "Duplicate order sent.");
}

TEST_F(ExchangeRestTest, OrderLifecycle) {
  auto placed = h_.signed_rest("POST", kOrder, limit_order("SELL", "100.00", "2", "newClientOrderId=ask-1"),
                               {}, kBobKey, kBobSecret);
  ASSERT_EQ(placed.status, 200) << placed.body;
  EXPECT_EQ(jstr(placed.body, "/status"), "NEW");
  EXPECT_EQ(jstr(placed.body, "/clientOrderId"), "ask-1");
  EXPECT_EQ(jsize(placed.body, "/fills"), 0u);
  const int64_t ask_id = jint(placed.body, "/orderId");

  auto taker = h_.signed_rest("POST", kOrder, limit_order("BUY", "101.00", "0.5"));
  ASSERT_EQ(taker.status, 200) << taker.body;
  EXPECT_EQ(jstr(taker.body, "/status"), "FILLED");
  EXPECT_EQ(jstr(taker.body, "/executedQty"), "0.5000");
  EXPECT_EQ(jstr(taker.body, "/cummulativeQuoteQty"), "50.000000");
  ASSERT_EQ(jsize(taker.body, "/fills"), 1u);
  EXPECT_EQ(jstr(taker.body, "/fills/0/price"), "100.00");
  EXPECT_EQ(jstr(taker.body, "/fills/0/qty"), "0.5000");
  EXPECT_EQ(jstr(taker.body, "/fills/0/commission"), "0.00050000");  // 0.1% of 0.5 ETH
  EXPECT_EQ(jstr(taker.body, "/fills/0/commissionAsset"), "ETH");
  const int64_t taker_id = jint(taker.body, "/orderId");

  auto ack = h_.signed_rest("POST", kOrder, limit_order("BUY", "50.00", "1", "newOrderRespType=ACK"));
  EXPECT_FALSE(jhas(ack.body, "/status"));
  EXPECT_TRUE(jhas(ack.body, "/transactTime"));
  auto result = h_.signed_rest("POST", kOrder, limit_order("BUY", "50.00", "1", "newOrderRespType=RESULT"));
  EXPECT_TRUE(jhas(result.body, "/status"));
  EXPECT_FALSE(jhas(result.body, "/fills"));

  auto query = h_.signed_rest("GET", kOrder, "symbol=ETHUSDC&orderId=" + std::to_string(ask_id), {}, kBobKey,
                              kBobSecret);
  ASSERT_EQ(query.status, 200) << query.body;
  EXPECT_EQ(jstr(query.body, "/status"), "PARTIALLY_FILLED");
  EXPECT_EQ(jstr(query.body, "/executedQty"), "0.5000");
  EXPECT_EQ(jstr(query.body, "/isWorking"), "true");
  auto by_client =
      h_.signed_rest("GET", kOrder, "symbol=ETHUSDC&origClientOrderId=ask-1", {}, kBobKey, kBobSecret);
  EXPECT_EQ(jint(by_client.body, "/orderId"), ask_id);
  auto mismatch =
      h_.signed_rest("GET", kOrder, "symbol=ETHUSDC&origClientOrderId=zzz&orderId=" + std::to_string(ask_id),
                     {}, kBobKey, kBobSecret);
  EXPECT_EQ(jint(mismatch.body, "/code"), -2039);
  // Other accounts cannot see it.
  EXPECT_EQ(
      jint(h_.signed_rest("GET", kOrder, "symbol=ETHUSDC&orderId=" + std::to_string(ask_id)).body, "/code"),
      -2013);
  auto filled = h_.signed_rest("GET", kOrder, "symbol=ETHUSDC&orderId=" + std::to_string(taker_id));
  EXPECT_EQ(jstr(filled.body, "/status"), "FILLED");

  auto open = h_.signed_rest("GET", "/api/v3/openOrders", "symbol=ETHUSDC", {}, kBobKey, kBobSecret);
  ASSERT_EQ(jsize(open.body, ""), 1u) << open.body;
  EXPECT_EQ(jint(open.body, "/0/orderId"), ask_id);

  auto cancel =
      h_.signed_rest("DELETE", kOrder, "symbol=ETHUSDC&origClientOrderId=ask-1&newClientOrderId=my-cancel",
                     {}, kBobKey, kBobSecret);
  ASSERT_EQ(cancel.status, 200) << cancel.body;
  EXPECT_EQ(jstr(cancel.body, "/status"), "CANCELED");
  EXPECT_EQ(jstr(cancel.body, "/origClientOrderId"), "ask-1");
  EXPECT_EQ(jstr(cancel.body, "/clientOrderId"), "my-cancel");
  auto again = h_.signed_rest("DELETE", kOrder, "symbol=ETHUSDC&orderId=" + std::to_string(ask_id), {},
                              kBobKey, kBobSecret);
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(jint(again.body, "/code"), -2011);
  EXPECT_EQ(jstr(again.body, "/msg"), "Unknown order sent.");
  auto neither = h_.signed_rest("DELETE", kOrder, "symbol=ETHUSDC", {}, kBobKey, kBobSecret);
  EXPECT_EQ(jint(neither.body, "/code"), -1102);
  EXPECT_EQ(jstr(h_.signed_rest("GET", kOrder, "symbol=ETHUSDC&orderId=" + std::to_string(ask_id), {},
                                kBobKey, kBobSecret)
                     .body,
                 "/status"),
            "CANCELED");

  auto trades = h_.signed_rest("GET", "/api/v3/myTrades", "symbol=ETHUSDC");
  ASSERT_EQ(jsize(trades.body, ""), 1u) << trades.body;
  EXPECT_EQ(jstr(trades.body, "/0/isBuyer"), "true");
  EXPECT_EQ(jstr(trades.body, "/0/isMaker"), "false");
  EXPECT_EQ(jstr(trades.body, "/0/quoteQty"), "50.000000");
  auto bob_trades = h_.signed_rest("GET", "/api/v3/myTrades", "symbol=ETHUSDC", {}, kBobKey, kBobSecret);
  EXPECT_EQ(jstr(bob_trades.body, "/0/isMaker"), "true");
  EXPECT_EQ(jstr(bob_trades.body, "/0/commission"), "0.050000");

  auto cancel_all = h_.signed_rest("DELETE", "/api/v3/openOrders", "symbol=ETHUSDC");
  ASSERT_EQ(cancel_all.status, 200) << cancel_all.body;
  EXPECT_EQ(jsize(cancel_all.body, ""), 2u);
  EXPECT_EQ(jint(h_.signed_rest("DELETE", "/api/v3/openOrders", "symbol=ETHUSDC").body, "/code"), -2011);

  auto account = h_.signed_rest("GET", "/api/v3/account", "omitZeroBalances=true");
  ASSERT_EQ(account.status, 200) << account.body;
  EXPECT_EQ(jstr(account.body, "/commissionRates/maker"), "0.00100000");
  EXPECT_EQ(jstr(account.body, "/balances/0/asset"), "ETH");
  EXPECT_EQ(jstr(account.body, "/balances/0/free"), "100.49950000");
  EXPECT_EQ(jstr(account.body, "/balances/1/free"), "999950.000000");
  EXPECT_EQ(jstr(account.body, "/balances/1/locked"), "0.000000");
}

TEST_F(ExchangeRestTest, InjectedBanRefusesAWholeCancelReplace) {
  // A 429/418 refusal changes nothing: the order to replace is still open afterwards.
  auto placed = h_.signed_rest("POST", kOrder, limit_order("BUY", "100.00", "2", "newClientOrderId=keep1"));
  ASSERT_EQ(placed.status, 200) << placed.body;
  h_.ex().inject_order_rejects(1, -1003, 418);
  auto refused = h_.signed_rest(
      "POST", "/api/v3/order/cancelReplace",
      limit_order("BUY", "101.00", "1", "cancelReplaceMode=STOP_ON_FAILURE&cancelOrigClientOrderId=keep1"));
  EXPECT_EQ(refused.status, 418) << refused.body;
  EXPECT_EQ(jint(refused.body, "/code"), -1003);
  auto still = h_.signed_rest("GET", kOrder, "symbol=ETHUSDC&origClientOrderId=keep1");
  ASSERT_EQ(still.status, 200) << still.body;
  EXPECT_EQ(jstr(still.body, "/status"), "NEW");
}

TEST_F(ExchangeRestTest, CancelReplaceAndAmend) {
  auto placed = h_.signed_rest("POST", kOrder, limit_order("BUY", "100.00", "2", "newClientOrderId=b1"));
  const int64_t id = jint(placed.body, "/orderId");
  auto ok =
      h_.signed_rest("POST", "/api/v3/order/cancelReplace",
                     limit_order("BUY", "101.00", "1",
                                 "cancelReplaceMode=STOP_ON_FAILURE&cancelOrderId=" + std::to_string(id) +
                                     "&newClientOrderId=b2"));
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(jstr(ok.body, "/cancelResult"), "SUCCESS");
  EXPECT_EQ(jstr(ok.body, "/newOrderResult"), "SUCCESS");
  EXPECT_EQ(jstr(ok.body, "/cancelResponse/origClientOrderId"), "b1");
  EXPECT_EQ(jstr(ok.body, "/newOrderResponse/clientOrderId"), "b2");
  EXPECT_NE(header(ok, "X-MBX-ORDER-COUNT-10S"), "<none>");

  auto both_fail = h_.signed_rest(
      "POST", "/api/v3/order/cancelReplace",
      limit_order("BUY", "101.00", "1", "cancelReplaceMode=STOP_ON_FAILURE&cancelOrderId=999"));
  EXPECT_EQ(both_fail.status, 400);
  EXPECT_EQ(jint(both_fail.body, "/code"), -2022);
  EXPECT_EQ(jstr(both_fail.body, "/msg"), "Order cancel-replace failed.");
  EXPECT_EQ(jstr(both_fail.body, "/data/cancelResult"), "FAILURE");
  EXPECT_EQ(jstr(both_fail.body, "/data/newOrderResult"), "NOT_ATTEMPTED");
  EXPECT_EQ(jint(both_fail.body, "/data/cancelResponse/code"), -2011);
  EXPECT_EQ(jstr(both_fail.body, "/data/newOrderResponse"), "null");

  auto partial =
      h_.signed_rest("POST", "/api/v3/order/cancelReplace",
                     limit_order("BUY", "101.00", "1", "cancelReplaceMode=ALLOW_FAILURE&cancelOrderId=999"));
  EXPECT_EQ(partial.status, 409) << partial.body;
  EXPECT_EQ(jint(partial.body, "/code"), -2021);
  EXPECT_EQ(jstr(partial.body, "/msg"), "Order cancel-replace partially failed.");
  EXPECT_EQ(jstr(partial.body, "/data/cancelResult"), "FAILURE");
  EXPECT_EQ(jstr(partial.body, "/data/newOrderResult"), "SUCCESS");

  auto new_fails =
      h_.signed_rest("POST", "/api/v3/order/cancelReplace",
                     limit_order("BUY", "1000000.00", "10000",
                                 "cancelReplaceMode=STOP_ON_FAILURE&cancelOrigClientOrderId=b2"));
  EXPECT_EQ(new_fails.status, 409) << new_fails.body;
  EXPECT_EQ(jstr(new_fails.body, "/data/cancelResult"), "SUCCESS");
  EXPECT_EQ(jint(new_fails.body, "/data/newOrderResponse/code"), -2010);
  EXPECT_EQ(
      jint(h_.signed_rest("POST", "/api/v3/order/cancelReplace", limit_order("BUY", "1", "1")).body, "/code"),
      -1102);

  // Amend keep priority.
  auto o = h_.signed_rest("POST", kOrder, limit_order("SELL", "200.00", "3", "newClientOrderId=s1"));
  const std::string oid = std::to_string(jint(o.body, "/orderId"));
  auto amend = h_.signed_rest("PUT", "/api/v3/order/amend/keepPriority",
                              "symbol=ETHUSDC&orderId=" + oid + "&newQty=2&newClientOrderId=s2");
  ASSERT_EQ(amend.status, 200) << amend.body;
  EXPECT_EQ(jstr(amend.body, "/amendedOrder/qty"), "2.0000");
  EXPECT_EQ(jstr(amend.body, "/amendedOrder/origClientOrderId"), "s1");
  EXPECT_EQ(jstr(amend.body, "/amendedOrder/clientOrderId"), "s2");
  EXPECT_EQ(jstr(amend.body, "/amendedOrder/status"), "NEW");
  auto up = h_.signed_rest("PUT", "/api/v3/order/amend/keepPriority",
                           "symbol=ETHUSDC&orderId=" + oid + "&newQty=3");
  EXPECT_EQ(jint(up.body, "/code"), -2038);
  EXPECT_EQ(jstr(up.body, "/msg"), "Order amend (quantity increase) is not supported.");
  auto same = h_.signed_rest("PUT", "/api/v3/order/amend/keepPriority",
                             "symbol=ETHUSDC&orderId=" + oid + "&newQty=2");
  EXPECT_EQ(jint(same.body, "/code"), -2038);
  auto unknown =
      h_.signed_rest("PUT", "/api/v3/order/amend/keepPriority", "symbol=ETHUSDC&orderId=424242&newQty=1");
  EXPECT_EQ(jint(unknown.body, "/code"), -2038);
  auto mismatch = h_.signed_rest("PUT", "/api/v3/order/amend/keepPriority",
                                 "symbol=ETHUSDC&orderId=" + oid + "&origClientOrderId=s1&newQty=1");
  EXPECT_EQ(jint(mismatch.body, "/code"), -2039);
  EXPECT_EQ(jstr(mismatch.body, "/msg"), "Client order ID is not correct for this order ID.");
}

TEST_F(ExchangeRestTest, BodyAndQueryParameters) {
  // Everything in a form body.
  auto in_body = h_.signed_rest("POST", kOrder, "", limit_order("BUY", "100.00", "1"));
  EXPECT_EQ(in_body.status, 200) << in_body.body;
  // The query wins over the body.
  auto both = h_.signed_rest("POST", kOrder, "symbol=ETHUSDC&price=99.00",
                             "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&price=0.1&quantity=1");
  ASSERT_EQ(both.status, 200) << both.body;
  EXPECT_EQ(jstr(both.body, "/symbol"), "ETHUSDC");
  EXPECT_EQ(jstr(both.body, "/price"), "99.00");
}

TEST_F(ExchangeRestTest, RoutingErrorsAndListenKey) {
  auto unknown = h_.rest("GET", "/api/v3/nothing");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_TRUE(jhas(unknown.body, "/code"));
  auto method = h_.rest("PATCH", "/api/v3/order");
  EXPECT_EQ(method.status, 405);
  EXPECT_EQ(jint(method.body, "/code"), -1020);
  auto listen = h_.rest("POST", "/api/v3/userDataStream", {}, kHmacKey);
  EXPECT_EQ(listen.status, 410);
  EXPECT_EQ(jint(listen.body, "/code"), -1016);
  EXPECT_EQ(jint(h_.rest("GET", "/api/v3/depth?symbol=ETHUSDC&a=%zz").body, "/code"), -1100);
}

TEST(ExchangeRateLimitTest, HeadersWeightsAnd429s) {
  ExchangeSpec spec = testing::make_spec();
  spec.limits.request_weight_per_minute = 30;
  spec.limits.orders_per_10s = 3;
  spec.limits.ban_after_429s = 3;
  spec.limits.ban_ms = 120'000;
  Harness h(spec, 1'764'000'000'000);  // a whole minute
  // Successful orders cost no weight; failed ones cost 1.
  auto ok = h.signed_rest("POST", kOrder, limit_order("BUY", "100.00", "1"));
  ASSERT_EQ(ok.status, 200);
  EXPECT_EQ(header(ok, "X-MBX-USED-WEIGHT-1M"), "0");
  EXPECT_EQ(header(ok, "X-MBX-ORDER-COUNT-10S"), "1");
  EXPECT_EQ(header(ok, "X-MBX-ORDER-COUNT-1D"), "1");
  auto failed = h.signed_rest("POST", kOrder, limit_order("BUY", "100.001", "1"));
  EXPECT_EQ(header(failed, "X-MBX-USED-WEIGHT-1M"), "1");
  // The first fill frees the slot.
  ASSERT_EQ(h.signed_rest("POST", kOrder, limit_order("BUY", "100.00", "1")).status, 200);
  auto fill = h.signed_rest("POST", kOrder, limit_order("SELL", "100.00", "1"), {}, kBobKey, kBobSecret);
  ASSERT_EQ(fill.status, 200);
  EXPECT_EQ(header(fill, "X-MBX-ORDER-COUNT-10S"), "0");  // bob's taker filled at once
  auto third = h.signed_rest("POST", kOrder, limit_order("BUY", "100.00", "1"));
  EXPECT_EQ(header(third, "X-MBX-ORDER-COUNT-10S"), "2");  // 3 placed, 1 filled
  ASSERT_EQ(h.signed_rest("POST", kOrder, limit_order("BUY", "100.00", "1")).status, 200);
  auto too_many = h.signed_rest("POST", kOrder, limit_order("BUY", "100.00", "1"));
  EXPECT_EQ(too_many.status, 429);
  EXPECT_EQ(jint(too_many.body, "/code"), -1015);
  EXPECT_EQ(jstr(too_many.body, "/msg"), "Too many new orders; current limit is 3 orders per 10 SECOND.");
  EXPECT_EQ(header(too_many, "Retry-After"), "10");
  h.clock().advance_ms(10'000);
  EXPECT_EQ(h.signed_rest("POST", kOrder, limit_order("BUY", "100.00", "1")).status, 200);

  // Request weight: exchangeInfo costs 20.
  EXPECT_EQ(h.rest("GET", "/api/v3/exchangeInfo").status, 200);
  auto over = h.rest("GET", "/api/v3/exchangeInfo");
  EXPECT_EQ(over.status, 429);
  EXPECT_EQ(jint(over.body, "/code"), -1003);
  EXPECT_EQ(header(over, "Retry-After"), "50");
  // Other IPs are unaffected.
  EXPECT_EQ(h.rest("GET", "/api/v3/exchangeInfo", {}, {}, "10.9.9.9").status, 200);
  // The third 429 of the minute (the -1015 counted too) bans the IP.
  EXPECT_EQ(h.rest("GET", "/api/v3/exchangeInfo").status, 429);
  auto banned = h.rest("GET", "/api/v3/ping");
  EXPECT_EQ(banned.status, 418);
  EXPECT_EQ(jint(banned.body, "/code"), -1003);
  EXPECT_EQ(header(banned, "Retry-After"), "120");
  h.clock().advance_ms(120'000);
  EXPECT_EQ(h.rest("GET", "/api/v3/ping").status, 200);
}

TEST(ExchangeFaultTest, InjectedRejectsAndAdminOrders) {
  Harness h;
  h.ex().inject_order_rejects(2, -1008, 400);
  for (int i = 0; i < 2; ++i) {
    auto r = h.signed_rest("POST", kOrder, limit_order("BUY", "100.00", "1"));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(jint(r.body, "/code"), -1008);
  }
  EXPECT_EQ(h.signed_rest("POST", kOrder, limit_order("BUY", "100.00", "1", "newClientOrderId=c1")).status,
            200);
  const std::string admin = h.ex().admin_open_orders_json("");
  EXPECT_EQ(jsize(admin, ""), 1u);
  EXPECT_EQ(jstr(admin, "/0/account"), "alice");
  EXPECT_EQ(jstr(admin, "/0/clientOrderId"), "c1");
  EXPECT_EQ(jstr(admin, "/0/price"), "100.00");
  EXPECT_EQ(jsize(h.ex().admin_open_orders_json("LTCBTC"), ""), 0u);
}

}  // namespace
}  // namespace phoenix::sim
