#include <random>

#include <gtest/gtest.h>

#include "sim/exchange_test_util.h"

namespace phoenix::sim {
namespace {

using testing::Harness;
using testing::jhas;
using testing::jint;

// Random and hostile input never crashes the exchange and always gets a JSON answer
// (run under ASan/UBSan in the debug build).
TEST(ExchangeRobustnessTest, GarbageRestAndWsInput) {
  ExchangeSpec spec = testing::make_spec();
  spec.limits.request_weight_per_minute = 1'000'000'000;
  Harness h(spec);
  std::mt19937_64 rng(7);
  const std::vector<std::string> pieces = {"symbol=ETHUSDC",
                                           "side=BUY",
                                           "side=SELL",
                                           "type=LIMIT",
                                           "type=MARKET",
                                           "timeInForce=GTC",
                                           "price=100.00",
                                           "price=-1",
                                           "price=1e9",
                                           "quantity=1",
                                           "quantity=99999999999999999999",
                                           "orderId=1",
                                           "orderId=x",
                                           "%",
                                           "%zz",
                                           "a=b=c",
                                           "&&",
                                           "timestamp=1",
                                           "newQty=0",
                                           "signature=00",
                                           "recvWindow=0.0001",
                                           "symbols=[\"ETHUSDC\"",
                                           "limit=-5",
                                           "limit=99999999999999999999",
                                           "origClientOrderId=" + std::string(40, 'x'),
                                           "cancelReplaceMode=ALLOW_FAILURE",
                                           "cancelOrderId=1",
                                           "\xff\xfe",
                                           "symbol=%00"};
  const std::vector<std::string> paths = {"/api/v3/order",
                                          "/api/v3/depth",
                                          "/api/v3/exchangeInfo",
                                          "/api/v3/openOrders",
                                          "/api/v3/account",
                                          "/api/v3/myTrades",
                                          "/api/v3/order/cancelReplace",
                                          "/api/v3/order/amend/keepPriority",
                                          "/api/v3/ticker/bookTicker",
                                          "/api/v3/",
                                          "/"};
  const std::vector<std::string> methods = {"GET", "POST", "DELETE", "PUT", "HEAD"};
  for (int i = 0; i < 3000; ++i) {
    std::string query;
    const int n = static_cast<int>(rng() % 8);
    for (int k = 0; k < n; ++k) query += (k ? "&" : "") + pieces[rng() % pieces.size()];
    const std::string& path = paths[rng() % paths.size()];
    const std::string& method = methods[rng() % methods.size()];
    HttpReplyOut r;
    if (rng() % 2) {
      r = h.signed_rest(method, path, query, rng() % 2 ? std::string() : query);
    } else {
      r = h.rest(method, path + "?" + query, query, rng() % 2 ? testing::kHmacKey : "");
    }
    ASSERT_TRUE(jhas(r.body, "")) << r.body;
    if (r.status != 200) {
      ASSERT_TRUE(jhas(r.body, "/code")) << method << " " << path << "?" << query << " " << r.body;
    }
  }
  const std::vector<std::string> frames = {
      "",
      "null",
      "[]",
      "{}",
      "{\"id\":1}",
      "{\"id\":1,\"method\":5}",
      "{\"id\":1.5,\"method\":\"ping\"}",
      "{\"id\":{},\"method\":\"ping\"}",
      "{\"id\":1,\"method\":\"ping\",\"params\":[]}",
      "{\"id\":1,\"method\":\"order.place\",\"params\":{\"symbol\":null,\"price\":{\"a\":1},\"quantity\":[1]}"
      "}",
      "{\"id\":1,\"method\":\"order.place\",\"params\":{\"apiKey\":\"x\",\"signature\":\"y\",\"timestamp\":1}"
      "}",
      "{\"id\":1,\"method\":\"userDataStream.unsubscribe\",\"params\":{\"subscriptionId\":\"abc\"}}",
      "{\"id\":\"\xff\",\"method\":\"ping\"}",
      "{\"id\":1,\"method\":\"depth\",\"params\":{\"symbol\":\"ETHUSDC\",\"limit\":1e400}}",
      "{\"id\":1,\"method\":\"session.logout\"}",
      "{\"id\":1,\"method\":\"session.status\"} trailing",
      "{\"id\":1,\"method\":\"exchangeInfo\",\"params\":{\"symbols\":\"[\\\"NOPE\\\"]\"}}",
      std::string(10000, '{'),
  };
  auto s = h.ws_open();
  for (const std::string& f : frames) {
    const std::string reply = h.ws_raw(s, f);
    ASSERT_TRUE(jhas(reply, "/status")) << f << " -> " << reply;
  }
  // Random bytes.
  for (int i = 0; i < 500; ++i) {
    std::string f = frames[rng() % frames.size()];
    if (!f.empty()) f[rng() % f.size()] = static_cast<char>(rng() % 256);
    h.ex().ws_api_message(s, f);
  }
  h.ex().ws_api_message(12345, "{\"id\":1,\"method\":\"ping\"}");  // unknown session: ignored
  EXPECT_EQ(jint(h.ws_raw(s, "{\"id\":9,\"method\":\"ping\"}"), "/status"), 200);
}

TEST(ExchangeRobustnessTest, WsBanCarriesRetryAfterEpochMs) {
  ExchangeSpec spec = testing::make_spec();
  spec.limits.request_weight_per_minute = 25;
  spec.limits.ban_after_429s = 2;
  spec.limits.ban_ms = 300'000;
  Harness h(spec, 1'764'000'000'000);
  auto s = h.ws_open();
  h.ws(s, "exchangeInfo", {}, testing::Sign::kNone);
  EXPECT_EQ(jint(h.ws(s, "exchangeInfo", {}, testing::Sign::kNone), "/status"), 429);
  EXPECT_EQ(jint(h.ws(s, "exchangeInfo", {}, testing::Sign::kNone), "/status"), 429);
  auto banned = h.ws(s, "ping", {}, testing::Sign::kNone);
  EXPECT_EQ(jint(banned, "/status"), 418);
  EXPECT_EQ(jint(banned, "/error/code"), -1003);
  EXPECT_EQ(jint(banned, "/error/data/retryAfter"), h.now_ms() + 300'000);
  EXPECT_EQ(jint(banned, "/error/data/serverTime"), h.now_ms());
  // REST from the same IP is banned too (the limits are per IP, shared).
  auto rest = h.rest("GET", "/api/v3/ping", {}, {}, "10.0.0.2");
  EXPECT_EQ(rest.status, 418);
  EXPECT_EQ(testing::header(rest, "Retry-After"), "300");
}

}  // namespace
}  // namespace phoenix::sim
