#include <gtest/gtest.h>

#include "sim/exchange_test_util.h"

namespace phoenix::sim {
namespace {

using testing::Harness;
using testing::jhas;
using testing::jint;
using testing::jsize;
using testing::jstr;
using testing::kBobKey;
using testing::kBobSecret;
using testing::kEdKey;
using testing::kHmacKey;
using testing::kHmacSecret;
using testing::Sign;

using Kv = std::vector<std::pair<std::string, std::string>>;

Kv limit(std::string_view side, std::string_view price, std::string_view qty, Kv extra = {}) {
  Kv p = {{"symbol", "ETHUSDC"},  {"side", std::string(side)},   {"type", "LIMIT"},
          {"timeInForce", "GTC"}, {"price", std::string(price)}, {"quantity", std::string(qty)}};
  p.insert(p.end(), extra.begin(), extra.end());
  return p;
}

class ExchangeWsApiTest : public ::testing::Test {
 protected:
  // Logs `session` on with the Ed25519 key and subscribes to alice's user data.
  void logon_and_subscribe(Exchange::SessionId s) {
    auto logon = h_.ws(s, "session.logon", {}, Sign::kEd25519, kEdKey);
    ASSERT_EQ(jint(logon, "/status"), 200) << logon;
    auto sub = h_.ws(s, "userDataStream.subscribe", {}, Sign::kNone);
    ASSERT_EQ(jint(sub, "/status"), 200) << sub;
    h_.take_events(s);
  }

  Harness h_;
};

TEST_F(ExchangeWsApiTest, EnvelopeAndIds) {
  auto s = h_.ws_open();
  auto ping = h_.ws_raw(s, R"({"id":7,"method":"ping"})");
  EXPECT_EQ(
      ping.rfind(R"({"id":7,"status":200,"result":{},"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT")", 0),
      0u)
      << ping;
  EXPECT_EQ(jint(ping, "/rateLimits/0/count"), 3);  // 2 for the connection, 1 for ping
  auto str_id = h_.ws_raw(s, R"({"id":"abc-1","method":"v3/time"})");
  EXPECT_EQ(jstr(str_id, "/id"), "abc-1");
  EXPECT_EQ(jint(str_id, "/result/serverTime"), h_.now_ms());
  auto null_id = h_.ws_raw(s, R"({"id":null,"method":"time"})");
  EXPECT_EQ(jstr(null_id, "/id"), "null");
  auto bad_json = h_.ws_raw(s, "{nope");
  EXPECT_EQ(jint(bad_json, "/status"), 400);
  EXPECT_EQ(jstr(bad_json, "/id"), "null");
  EXPECT_EQ(jint(bad_json, "/error/code"), -1135);
  auto unknown = h_.ws_raw(s, R"({"id":3,"method":"order.teleport"})");
  EXPECT_EQ(jint(unknown, "/status"), 400);
  EXPECT_EQ(jint(unknown, "/id"), 3);
  EXPECT_EQ(jint(unknown, "/error/code"), -1100);
  auto long_id = h_.ws_raw(s, R"({"id":"0123456789012345678901234567890123456","method":"ping"})");
  EXPECT_EQ(jint(long_id, "/error/code"), -1100);
  auto no_method = h_.ws_raw(s, R"({"id":4})");
  EXPECT_EQ(jint(no_method, "/error/code"), -1102);
  auto removed = h_.ws_raw(s, R"({"id":5,"method":"userDataStream.start"})");
  EXPECT_EQ(jint(removed, "/status"), 400);

  auto depth = h_.ws(s, "depth", {{"symbol", "ETHUSDC"}, {"limit", "5"}}, Sign::kNone);
  EXPECT_EQ(jint(depth, "/status"), 200);
  EXPECT_TRUE(jhas(depth, "/result/lastUpdateId"));
  auto info = h_.ws_raw(s, R"({"id":6,"method":"exchangeInfo","params":{"symbols":["LTCBTC","ETHUSDC"]}})");
  EXPECT_EQ(jsize(info, "/result/symbols"), 2u) << info;
  auto bad_symbol = h_.ws(s, "depth", {{"symbol", "NOPE"}}, Sign::kNone);
  EXPECT_EQ(jint(bad_symbol, "/error/code"), -1121);
}

TEST_F(ExchangeWsApiTest, HmacDocsVectorEndToEnd) {
  Harness h(testing::make_spec(), 1645423376532 + 50);
  auto s = h.ws_open();
  // The exact request of the docs, with its published signature.
  auto placed = h.ws_raw(
      s,
      R"({"id":"4885f793-e5ad-4c3b-8f6c-55d891472b71","method":"order.place","params":{)"
      R"("symbol":"BTCUSDT","side":"SELL","type":"LIMIT","timeInForce":"GTC","price":"52000.00",)"
      R"("quantity":"0.01000000","apiKey":"vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",)"
      R"("recvWindow":100,"timestamp":1645423376532,)"
      R"("signature":"aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24"}})");
  EXPECT_EQ(jint(placed, "/status"), 200) << placed;
  EXPECT_EQ(jstr(placed, "/id"), "4885f793-e5ad-4c3b-8f6c-55d891472b71");
  EXPECT_EQ(jstr(placed, "/result/status"), "NEW");
  EXPECT_EQ(jstr(placed, "/rateLimits/1/rateLimitType"), "ORDERS");
  EXPECT_EQ(jint(placed, "/rateLimits/1/count"), 1);
  // The full-width symbol vector: signature accepted, symbol refused.
  auto full_width = h.ws_raw(
      s,
      "{\"id\":2,\"method\":\"order.place\",\"params\":{\"symbol\":"
      "\"\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93\xEF\xBC"
      "\x94\xEF\xBC\x95\xEF\xBC\x96\",\"side\":\"BUY\",\"type\":\"LIMIT\",\"timeInForce\":\"GTC\",\"price\":"
      "\"0.10000000\",\"quantity\":\"1.00000000\",\"apiKey\":"
      "\"vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A\",\"recvWindow\":5000,"
      "\"timestamp\":"
      "1645423376532,\"signature\":\"b33892ae8e687c939f4468c6268ddd4c40ac1af18ad19a064864c47bae0752cd\"}}");
  EXPECT_EQ(jint(full_width, "/error/code"), -1121) << full_width;
  // The Ed25519 vector over the same string with the Ed25519 key.
  auto ed = h.ws_raw(
      s,
      R"({"id":3,"method":"order.place","params":{)"
      R"("symbol":"BTCUSDT","side":"SELL","type":"LIMIT","timeInForce":"GTC","price":"52000.00",)"
      R"("quantity":"0.01000000","apiKey":"4yNzx3yWC5bS6YTwEkSRaC0nRmSQIIStAUOh1b6kqaBrTLIhjCpI5lJH8q8R8WNO",)"
      R"("recvWindow":100,"timestamp":1645423376532,)"
      R"("signature":"82wlF5RobwT7JZehRQgOaupNEm5GrAqJj5tqZeCCE6ZxkhlUbWBThOx00q3FVnCKn882P+9p85phztjk4bOMAQ=="}})");
  EXPECT_EQ(jint(ed, "/status"), 200) << ed;
  // One changed character: -1022.
  auto bad = h.ws_raw(
      s,
      R"({"id":4,"method":"order.place","params":{)"
      R"("symbol":"BTCUSDT","side":"SELL","type":"LIMIT","timeInForce":"GTC","price":"52000.01",)"
      R"("quantity":"0.01000000","apiKey":"vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",)"
      R"("recvWindow":100,"timestamp":1645423376532,)"
      R"("signature":"aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24"}})");
  EXPECT_EQ(jint(bad, "/error/code"), -1022);
  h.clock().advance_ms(100);
  auto late = h.ws_raw(
      s,
      R"({"id":5,"method":"order.place","params":{)"
      R"("symbol":"BTCUSDT","side":"SELL","type":"LIMIT","timeInForce":"GTC","price":"52000.00",)"
      R"("quantity":"0.01000000","apiKey":"vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",)"
      R"("recvWindow":100,"timestamp":1645423376532,)"
      R"("signature":"aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24"}})");
  EXPECT_EQ(jint(late, "/error/code"), -1021);
  EXPECT_EQ(jstr(late, "/error/msg"), "Timestamp for this request is outside of the recvWindow.");
}

TEST_F(ExchangeWsApiTest, LogonFlow) {
  auto s = h_.ws_open();
  auto status = h_.ws(s, "session.status", {}, Sign::kNone);
  EXPECT_EQ(jstr(status, "/result/apiKey"), "null");
  EXPECT_EQ(jstr(status, "/result/userDataStream"), "null");
  auto hmac_logon = h_.ws(s, "session.logon", {}, Sign::kHmac);
  EXPECT_EQ(jint(hmac_logon, "/status"), 400);
  EXPECT_EQ(jint(hmac_logon, "/error/code"), -4056);
  // Without logon, an unsigned order needs a signature.
  auto unsigned_order =
      h_.ws(s, "order.place",
            limit("BUY", "100.00", "1", {{"apiKey", kHmacKey}, {"timestamp", std::to_string(h_.now_ms())}}),
            Sign::kNone);
  EXPECT_EQ(jint(unsigned_order, "/error/code"), -1102);
  auto unknown_key = h_.ws(s, "order.place", limit("BUY", "100.00", "1"), Sign::kHmac, "nokey");
  EXPECT_EQ(jint(unknown_key, "/status"), 401);
  EXPECT_EQ(jint(unknown_key, "/error/code"), -2015);

  auto logon = h_.ws(s, "session.logon", {}, Sign::kEd25519, kEdKey);
  ASSERT_EQ(jint(logon, "/status"), 200) << logon;
  EXPECT_EQ(jstr(logon, "/result/apiKey"), kEdKey);
  EXPECT_EQ(jstr(logon, "/result/userDataStream"), "false");
  auto order = h_.ws(s, "order.place",
                     limit("BUY", "100.00", "1", {{"timestamp", std::to_string(h_.now_ms())}}), Sign::kNone);
  EXPECT_EQ(jint(order, "/status"), 200) << order;
  auto no_ts = h_.ws(s, "order.place", limit("BUY", "100.00", "1"), Sign::kNone);
  EXPECT_EQ(jint(no_ts, "/error/code"), -1102);
  EXPECT_EQ(jstr(no_ts, "/error/msg"),
            "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.");
  // An explicit signed request with another key overrides the session key.
  auto bob = h_.ws(s, "account.status", {}, Sign::kHmac, kBobKey, kBobSecret);
  EXPECT_EQ(jint(bob, "/result/uid"), testing::kBob);
  auto alice = h_.ws(s, "account.status", {{"timestamp", std::to_string(h_.now_ms())}}, Sign::kNone);
  EXPECT_EQ(jint(alice, "/result/uid"), testing::kAlice);
  auto open = h_.ws(s, "openOrders.status",
                    {{"symbol", "ETHUSDC"}, {"timestamp", std::to_string(h_.now_ms())}}, Sign::kNone);
  EXPECT_EQ(jsize(open, "/result"), 1u);
  auto logout = h_.ws(s, "session.logout", {}, Sign::kNone);
  EXPECT_EQ(jstr(logout, "/result/apiKey"), "null");
  auto after = h_.ws(s, "order.place",
                     limit("BUY", "100.00", "1", {{"timestamp", std::to_string(h_.now_ms())}}), Sign::kNone);
  EXPECT_EQ(jint(after, "/error/code"), -1102);
}

TEST_F(ExchangeWsApiTest, AdminDepositSendsBalanceUpdateThenPosition) {
  auto s = h_.ws_open();
  ASSERT_EQ(
      jint(h_.ws(s, "userDataStream.subscribe.signature", {}, Sign::kHmac, kBobKey, kBobSecret), "/status"),
      200);
  h_.take_events(s);
  ASSERT_TRUE(h_.ex().admin_deposit("bob", "BTC", "0.5").ok());
  auto events = h_.take_events(s);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(jstr(events[0], "/event/e"), "balanceUpdate");
  EXPECT_EQ(jstr(events[0], "/event/a"), "BTC");
  EXPECT_EQ(jstr(events[0], "/event/d"), "0.50000000");
  EXPECT_EQ(jint(events[0], "/event/T"), h_.now_ms());
  EXPECT_EQ(jstr(events[1], "/event/e"), "outboundAccountPosition");
  EXPECT_EQ(jstr(events[1], "/event/B/0/a"), "BTC");
  EXPECT_EQ(jstr(events[1], "/event/B/0/f"), "10.50000000");  // 10 at start
  // Alice's deposit does not reach Bob's subscription.
  ASSERT_TRUE(h_.ex().admin_deposit("alice", "BTC", "1").ok());
  EXPECT_TRUE(h_.take_events(s).empty());
  // Errors change nothing.
  auto unknown = h_.ex().admin_deposit("carol", "BTC", "1");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message, "unknown account 'carol'");
  EXPECT_EQ(h_.ex().admin_deposit("bob", "DOGE", "1").error().message, "unknown asset 'DOGE'");
  for (const char* bad : {"0", "-1", "1.000000001", "abc", ""}) {
    auto r = h_.ex().admin_deposit("bob", "BTC", bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("amount must be a positive decimal with at most 8 decimals"),
              std::string::npos)
        << r.error().message;
  }
  EXPECT_TRUE(h_.take_events(s).empty());
  auto account = h_.signed_rest("GET", "/api/v3/account", "", {}, kBobKey, kBobSecret);
  EXPECT_NE(account.body.find(R"({"asset":"BTC","free":"10.50000000","locked":"0.00000000"})"),
            std::string::npos)
      << account.body;
}

TEST_F(ExchangeWsApiTest, SubscribeAndUnsubscribe) {
  auto s = h_.ws_open();
  auto no_logon = h_.ws(s, "userDataStream.subscribe", {}, Sign::kNone);
  EXPECT_EQ(jint(no_logon, "/status"), 401);
  ASSERT_EQ(jint(h_.ws(s, "session.logon", {}, Sign::kEd25519, kEdKey), "/status"), 200);
  auto sub = h_.ws(s, "userDataStream.subscribe", {}, Sign::kNone);
  EXPECT_EQ(jint(sub, "/result/subscriptionId"), 0);
  auto again = h_.ws(s, "userDataStream.subscribe", {}, Sign::kNone);
  EXPECT_EQ(jint(again, "/error/code"), -2035);
  auto bob_sub = h_.ws(s, "userDataStream.subscribe.signature", {}, Sign::kHmac, kBobKey, kBobSecret);
  EXPECT_EQ(jint(bob_sub, "/result/subscriptionId"), 1) << bob_sub;
  auto list = h_.ws(s, "session.subscriptions", {}, Sign::kNone);
  EXPECT_EQ(jsize(list, "/result"), 2u);
  EXPECT_EQ(jstr(h_.ws(s, "session.status", {}, Sign::kNone), "/result/userDataStream"), "true");

  // Bob's order reaches subscription 1 only.
  h_.take_events(s);
  ASSERT_EQ(h_.signed_rest("POST", "/api/v3/order",
                           "symbol=ETHUSDC&side=SELL&type=LIMIT&timeInForce=GTC&price=200.00&quantity=1", {},
                           kBobKey, kBobSecret)
                .status,
            200);
  auto events = h_.take_events(s);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(jint(events[0], "/subscriptionId"), 1);
  EXPECT_EQ(jstr(events[0], "/event/e"), "executionReport");
  EXPECT_EQ(jstr(events[1], "/event/e"), "outboundAccountPosition");

  auto unsub = h_.ws(s, "userDataStream.unsubscribe", {{"subscriptionId", "1"}}, Sign::kNone);
  EXPECT_EQ(jint(unsub, "/status"), 200);
  auto terminated = h_.take_events(s);
  ASSERT_EQ(terminated.size(), 1u);
  EXPECT_EQ(jint(terminated[0], "/subscriptionId"), 1);
  EXPECT_EQ(jstr(terminated[0], "/event/e"), "eventStreamTerminated");
  EXPECT_EQ(
      jint(h_.ws(s, "userDataStream.unsubscribe", {{"subscriptionId", "1"}}, Sign::kNone), "/error/code"),
      -2036);
  // Logout ends the logon subscription.
  h_.ws(s, "session.logout", {}, Sign::kNone);
  auto ended = h_.take_events(s);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(jint(ended[0], "/subscriptionId"), 0);
  EXPECT_EQ(jint(h_.ws(s, "userDataStream.unsubscribe", {}, Sign::kNone), "/error/code"), -2036);
  // A closed session receives nothing more.
  h_.ex().ws_api_close(s);
  ASSERT_EQ(h_.signed_rest("POST", "/api/v3/order",
                           "symbol=ETHUSDC&side=SELL&type=LIMIT&timeInForce=GTC&price=200.00&quantity=1", {},
                           kBobKey, kBobSecret)
                .status,
            200);
}

TEST_F(ExchangeWsApiTest, ExecutionReportsThroughTheLifecycle) {
  auto s = h_.ws_open();
  logon_and_subscribe(s);
  // NEW, on the book.
  auto placed = h_.ws(s, "order.place", limit("BUY", "100.00", "2", {{"newClientOrderId", "bid-1"}}));
  ASSERT_EQ(jint(placed, "/status"), 200) << placed;
  const int64_t id = jint(placed, "/result/orderId");
  auto events = h_.take_events(s);
  ASSERT_EQ(events.size(), 2u);
  const std::string& n = events[0];
  for (std::string_view f :
       {"e", "E", "s", "c", "S", "o", "f", "q", "p", "P", "F", "g", "C", "x", "X", "r", "i",
        "l", "z", "L", "n", "N", "T", "t", "I", "w", "m", "M", "O", "Z", "Y", "Q", "W", "V"}) {
    EXPECT_TRUE(jhas(n, "/event/" + std::string(f))) << f << " missing in " << n;
  }
  EXPECT_EQ(jstr(n, "/event/x"), "NEW");
  EXPECT_EQ(jstr(n, "/event/X"), "NEW");
  EXPECT_EQ(jstr(n, "/event/c"), "bid-1");
  EXPECT_EQ(jstr(n, "/event/C"), "");
  EXPECT_EQ(jstr(n, "/event/S"), "BUY");
  EXPECT_EQ(jstr(n, "/event/q"), "2.0000");
  EXPECT_EQ(jstr(n, "/event/p"), "100.00");
  EXPECT_EQ(jstr(n, "/event/w"), "true");
  EXPECT_EQ(jstr(n, "/event/N"), "null");
  EXPECT_EQ(jint(n, "/event/t"), -1);
  EXPECT_EQ(jint(n, "/event/i"), id);
  EXPECT_EQ(jint(n, "/event/g"), -1);
  EXPECT_EQ(jstr(n, "/event/V"), "EXPIRE_MAKER");
  EXPECT_EQ(jstr(events[1], "/event/B/0/a"), "USDC");
  EXPECT_EQ(jstr(events[1], "/event/B/0/l"), "200.000000");

  // Partial fill by bob.
  ASSERT_EQ(h_.signed_rest("POST", "/api/v3/order", "symbol=ETHUSDC&side=SELL&type=MARKET&quantity=0.5", {},
                           kBobKey, kBobSecret)
                .status,
            200);
  events = h_.take_events(s);
  ASSERT_EQ(events.size(), 2u);
  const std::string& p = events[0];
  EXPECT_EQ(jstr(p, "/event/x"), "TRADE");
  EXPECT_EQ(jstr(p, "/event/X"), "PARTIALLY_FILLED");
  EXPECT_EQ(jstr(p, "/event/l"), "0.5000");
  EXPECT_EQ(jstr(p, "/event/z"), "0.5000");
  EXPECT_EQ(jstr(p, "/event/L"), "100.00");
  EXPECT_EQ(jstr(p, "/event/n"), "0.00050000");
  EXPECT_EQ(jstr(p, "/event/N"), "ETH");
  EXPECT_EQ(jstr(p, "/event/m"), "true");
  EXPECT_EQ(jstr(p, "/event/w"), "true");
  EXPECT_EQ(jstr(p, "/event/Y"), "50.000000");
  EXPECT_EQ(jstr(p, "/event/Z"), "50.000000");
  EXPECT_GE(jint(p, "/event/t"), 1);
  EXPECT_EQ(jstr(events[1], "/event/e"), "outboundAccountPosition");

  // Amend keep priority: REPLACED.
  auto amend = h_.ws(s, "order.amend.keepPriority",
                     {{"symbol", "ETHUSDC"}, {"orderId", std::to_string(id)}, {"newQty", "1.5"}});
  ASSERT_EQ(jint(amend, "/status"), 200) << amend;
  events = h_.take_events(s);
  ASSERT_GE(events.size(), 1u);
  EXPECT_EQ(jstr(events[0], "/event/x"), "REPLACED");
  EXPECT_EQ(jstr(events[0], "/event/q"), "1.5000");
  EXPECT_EQ(jstr(events[0], "/event/X"), "PARTIALLY_FILLED");

  // Cancel: c is the cancel's id, C the order's.
  auto cancel = h_.ws(s, "order.cancel",
                      {{"symbol", "ETHUSDC"}, {"orderId", std::to_string(id)}, {"newClientOrderId", "cx-1"}});
  ASSERT_EQ(jint(cancel, "/status"), 200) << cancel;
  EXPECT_EQ(jstr(cancel, "/result/clientOrderId"), "cx-1");
  events = h_.take_events(s);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(jstr(events[0], "/event/x"), "CANCELED");
  EXPECT_EQ(jstr(events[0], "/event/c"), "cx-1");
  EXPECT_EQ(jstr(events[0], "/event/C"), "bid-1");
  EXPECT_EQ(jstr(events[0], "/event/w"), "false");
  EXPECT_EQ(jstr(events[1], "/event/B/0/l"), "0.000000");
  auto status = h_.ws(s, "order.status", {{"symbol", "ETHUSDC"}, {"origClientOrderId", "bid-1"}});
  EXPECT_EQ(jstr(status, "/result/status"), "CANCELED");
  auto gone = h_.ws(s, "order.cancel", {{"symbol", "ETHUSDC"}, {"orderId", std::to_string(id)}});
  EXPECT_EQ(jint(gone, "/error/code"), -2011);

  // Full fill: alice takes bob's ask.
  ASSERT_EQ(h_.signed_rest("POST", "/api/v3/order",
                           "symbol=ETHUSDC&side=SELL&type=LIMIT&timeInForce=GTC&price=101.00&quantity=1", {},
                           kBobKey, kBobSecret)
                .status,
            200);
  auto take = h_.ws(s, "order.place", limit("BUY", "101.00", "1"));
  EXPECT_EQ(jstr(take, "/result/status"), "FILLED");
  events = h_.take_events(s);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(jstr(events[1], "/event/x"), "TRADE");
  EXPECT_EQ(jstr(events[1], "/event/X"), "FILLED");
  EXPECT_EQ(jstr(events[1], "/event/m"), "false");

  // STP: alice's own sell meets her own bid; EXPIRE_MAKER (the default) expires the bid.
  ASSERT_EQ(
      jint(h_.ws(s, "order.place", limit("BUY", "99.00", "1", {{"newClientOrderId", "own"}})), "/status"),
      200);
  h_.take_events(s);
  auto self = h_.ws(s, "order.place",
                    {{"symbol", "ETHUSDC"}, {"side", "SELL"}, {"type", "MARKET"}, {"quantity", "1"}});
  ASSERT_EQ(jint(self, "/status"), 200) << self;
  events = h_.take_events(s);
  bool saw_prevention = false;
  for (const std::string& e : events) {
    if (jstr(e, "/event/x") == "TRADE_PREVENTION") {
      saw_prevention = true;
      EXPECT_EQ(jstr(e, "/event/X"), "EXPIRED_IN_MATCH");
      EXPECT_EQ(jstr(e, "/event/c"), "own");
    }
  }
  EXPECT_TRUE(saw_prevention);

  // openOrders.cancelAll.
  ASSERT_EQ(jint(h_.ws(s, "order.place", limit("BUY", "90.00", "1")), "/status"), 200);
  auto all = h_.ws(s, "openOrders.cancelAll", {{"symbol", "ETHUSDC"}});
  EXPECT_EQ(jsize(all, "/result"), 1u) << all;
}

TEST_F(ExchangeWsApiTest, InternalFillReachesTheBotsSubscription) {
  auto s = h_.ws_open();
  logon_and_subscribe(s);
  ASSERT_EQ(jint(h_.ws(s, "order.place", limit("SELL", "150.00", "1")), "/status"), 200);
  h_.take_events(s);
  auto market = h_.ex().add_market_account("market", {{"ETH", 1'000'00000000}, {"USDC", 1'000'000'000000}});
  ASSERT_TRUE(market.ok());
  NewOrder o;
  o.symbol = "ETHUSDC";
  o.account = *market;
  o.side = Side::kBuy;
  o.type = OrderType::kMarket;
  o.qty_units = 4000;  // 0.4 ETH
  const PlaceResult r = h_.ex().place_internal(o);
  EXPECT_EQ(r.status, OrderStatus::kFilled);
  auto events = h_.take_events(s);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(jstr(events[0], "/event/x"), "TRADE");
  EXPECT_EQ(jstr(events[0], "/event/l"), "0.4000");
  EXPECT_EQ(jstr(events[0], "/event/m"), "true");
  // And the trade shows in myTrades.
  auto trades = h_.ws(s, "myTrades", {{"symbol", "ETHUSDC"}});
  EXPECT_EQ(jsize(trades, "/result"), 1u) << trades;
}

TEST(ExchangeWsRateLimitTest, WsErrorsCarryRetryAfter) {
  ExchangeSpec spec = testing::make_spec();
  spec.limits.request_weight_per_minute = 25;
  Harness h(spec, 1'764'000'000'000);
  auto s = h.ws_open();
  EXPECT_EQ(jint(h.ws(s, "exchangeInfo", {}, Sign::kNone), "/status"), 200);
  auto limited = h.ws(s, "exchangeInfo", {}, Sign::kNone);
  EXPECT_EQ(jint(limited, "/status"), 429);
  EXPECT_EQ(jint(limited, "/error/code"), -1003);
  EXPECT_EQ(jint(limited, "/error/data/retryAfter"), h.now_ms() + 60'000);
  EXPECT_EQ(jint(limited, "/rateLimits/0/count"), 22);
}

}  // namespace
}  // namespace phoenix::sim
