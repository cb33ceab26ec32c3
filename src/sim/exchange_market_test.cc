#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include <gtest/gtest.h>
#include <unistd.h>

#include "core/decimal.h"
#include "sim/exchange_test_util.h"

namespace phoenix::sim {
namespace {

using testing::Harness;
using testing::jint;
using testing::kBobKey;
using testing::kBobSecret;
using testing::Sign;

class RecordingListener : public MarketListener {
 public:
  void on_trade(const TradePrint& t) override {
    trades.push_back(t);
    trade_symbols.emplace_back(t.symbol);
  }
  void on_level_changed(std::string_view symbol, Side side, int64_t price_units) override {
    levels.insert({std::string(symbol), side, price_units});
  }
  void on_book_settled(std::string_view symbol, uint64_t update_id) override {
    settled.emplace_back(std::string(symbol), update_id);
  }
  void clear() {
    trades.clear();
    trade_symbols.clear();
    levels.clear();
    settled.clear();
  }
  std::vector<TradePrint> trades;
  std::vector<std::string> trade_symbols;
  std::set<std::tuple<std::string, Side, int64_t>> levels;
  std::vector<std::pair<std::string, uint64_t>> settled;
};

std::map<std::pair<Side, int64_t>, int64_t> snapshot(Exchange& ex, std::string_view symbol) {
  std::map<std::pair<Side, int64_t>, int64_t> out;
  for (Side side : {Side::kBuy, Side::kSell}) {
    for (const BookLevel& l : ex.levels(symbol, side, 100000)) out[{side, l.price_units}] = l.qty_units;
  }
  return out;
}

NewOrder internal(AccountId account, Side side, OrderType type, int64_t price, int64_t qty,
                  TimeInForce tif = TimeInForce::kGtc) {
  NewOrder o;
  o.symbol = "ETHUSDC";
  o.account = account;
  o.side = side;
  o.type = type;
  o.tif = tif;
  o.price_units = price;
  o.qty_units = qty;
  o.stp = StpMode::kExpireMaker;
  return o;
}

TEST(ExchangeMarketTest, ListenerSeesTradesLevelsAndSettledIds) {
  Harness h;
  RecordingListener l;
  h.ex().set_market_listener(&l);
  const AccountId mm =
      h.ex().add_market_account("mm", {{"ETH", 1'000'00000000}, {"USDC", 1'000'000'000000}}).value();
  const AccountId taker =
      h.ex().add_market_account("taker", {{"ETH", 1'000'00000000}, {"USDC", 1'000'000'000000}}).value();
  EXPECT_NE(mm, taker);
  const uint64_t id0 = h.ex().book_update_id("ETHUSDC");
  ASSERT_NE(h.ex().place_internal(internal(mm, Side::kSell, OrderType::kLimit, 10000, 10000)).order_id, 0);
  ASSERT_NE(h.ex().place_internal(internal(mm, Side::kSell, OrderType::kLimit, 10000, 5000)).order_id, 0);
  ASSERT_NE(h.ex().place_internal(internal(mm, Side::kSell, OrderType::kLimit, 10100, 5000)).order_id, 0);
  ASSERT_EQ(l.settled.size(), 3u);
  EXPECT_EQ(l.settled.back().second, h.ex().book_update_id("ETHUSDC"));
  EXPECT_GT(l.settled[0].second, id0);
  EXPECT_GT(l.settled[1].second, l.settled[0].second);
  EXPECT_TRUE(l.levels.contains({"ETHUSDC", Side::kSell, 10000}));
  EXPECT_TRUE(l.levels.contains({"ETHUSDC", Side::kSell, 10100}));
  auto asks = h.ex().levels("ETHUSDC", Side::kSell, 10);
  ASSERT_EQ(asks.size(), 2u);
  EXPECT_EQ(asks[0].price_units, 10000);
  EXPECT_EQ(asks[0].qty_units, 15000);
  EXPECT_EQ(asks[1].qty_units, 5000);
  EXPECT_EQ(h.ex().levels("ETHUSDC", Side::kSell, 1).size(), 1u);

  l.clear();
  const PlaceResult r = h.ex().place_internal(internal(taker, Side::kBuy, OrderType::kMarket, 0, 17000));
  EXPECT_EQ(r.status, OrderStatus::kFilled);
  ASSERT_EQ(l.trades.size(), 3u);
  for (const TradePrint& t : l.trades) {
    EXPECT_EQ(t.taker_order_id, r.order_id);
    EXPECT_FALSE(t.buyer_is_maker);
    EXPECT_EQ(t.time_ms, h.now_ms());
  }
  EXPECT_EQ(l.trade_symbols[0], "ETHUSDC");
  EXPECT_LT(l.trades[0].trade_id, l.trades[1].trade_id);
  EXPECT_EQ(l.trades[0].qty_units, 10000);
  EXPECT_EQ(l.trades[2].price_units, 10100);
  EXPECT_EQ(l.trades[2].qty_units, 2000);
  EXPECT_TRUE(l.levels.contains({"ETHUSDC", Side::kSell, 10000}));
  EXPECT_TRUE(l.levels.contains({"ETHUSDC", Side::kSell, 10100}));
  ASSERT_EQ(l.settled.size(), 1u);
  EXPECT_EQ(h.ex().levels("ETHUSDC", Side::kSell, 10)[0].qty_units, 3000);

  // A rejected order changes nothing.
  l.clear();
  const uint64_t before = h.ex().book_update_id("ETHUSDC");
  EXPECT_EQ(h.ex().place_internal(internal(taker, Side::kBuy, OrderType::kLimit, 10001, 1)).order_id,
            0);  // notional
  EXPECT_EQ(h.ex().book_update_id("ETHUSDC"), before);
  EXPECT_TRUE(l.settled.empty());
  // cancel_internal.
  const PlaceResult rest = h.ex().place_internal(internal(mm, Side::kBuy, OrderType::kLimit, 9000, 10000));
  EXPECT_TRUE(h.ex().cancel_internal("ETHUSDC", mm, rest.order_id).ok());
  EXPECT_FALSE(h.ex().cancel_internal("ETHUSDC", mm, rest.order_id).ok());
  EXPECT_TRUE(h.ex().levels("ETHUSDC", Side::kBuy, 10).empty());
  EXPECT_GT(h.ex().book_update_id("ETHUSDC"), before);
  // Market accounts skip PERCENT_PRICE_BY_SIDE (last trade 101.00; 1000.00 is far above).
  EXPECT_NE(h.ex().place_internal(internal(mm, Side::kSell, OrderType::kLimit, 100000, 100)).order_id, 0);
  h.ex().set_market_listener(nullptr);
}

TEST(ExchangeMarketTest, RandomMixConservesBalancesAndReportsEveryLevelChange) {
  ExchangeSpec spec = testing::make_spec();
  spec.limits.request_weight_per_minute = 1'000'000;
  spec.limits.orders_per_10s = 1'000'000;
  spec.symbols[0].max_num_orders = 50;
  Harness h(spec);
  RecordingListener l;
  h.ex().set_market_listener(&l);
  const AccountId mm =
      h.ex().add_market_account("mm", {{"ETH", 1'000'00000000}, {"USDC", 1'000'000'000000}}).value();
  const Accounts& accounts = h.ex().engine().accounts();
  std::vector<int64_t> deposits;
  for (AssetId a = 0; a < accounts.asset_count(); ++a) deposits.push_back(accounts.total(a));
  auto ws = h.ws_open();
  ASSERT_EQ(jint(h.ws(ws, "session.logon", {}, Sign::kEd25519, testing::kEdKey), "/status"), 200);
  ASSERT_EQ(jint(h.ws(ws, "userDataStream.subscribe", {}, Sign::kNone), "/status"), 200);

  std::mt19937_64 rng(42);
  uint64_t last_id = h.ex().book_update_id("ETHUSDC");
  int accepted = 0;
  std::map<int64_t, int> codes;
  for (int step = 0; step < 1500; ++step) {
    h.clock().advance_ms(7);
    const auto before = snapshot(h.ex(), "ETHUSDC");
    l.clear();
    const int kind = static_cast<int>(rng() % 7);
    const bool buy = rng() % 2 == 0;
    const int64_t price = 9500 + static_cast<int64_t>(rng() % 1000);  // 95.00 .. 104.99
    const int64_t qty = 100 + static_cast<int64_t>(rng() % 30000);
    const std::string p = core::format_units(price, 2);
    const std::string q = core::format_units(qty, 4);
    const std::string side = buy ? "BUY" : "SELL";
    if (kind == 0) {
      const auto type = rng() % 3 == 0 ? OrderType::kMarket : OrderType::kLimit;
      const auto tif = rng() % 2 == 0 ? TimeInForce::kGtc : TimeInForce::kIoc;
      h.ex().place_internal(internal(mm, buy ? Side::kBuy : Side::kSell, type, price, qty, tif));
    } else if (kind == 1 || kind == 2) {
      const std::string tifs[] = {"GTC", "GTC", "IOC", "FOK"};
      auto r = h.signed_rest("POST", "/api/v3/order",
                             "symbol=ETHUSDC&side=" + side + "&type=LIMIT&timeInForce=" + tifs[rng() % 4] +
                                 "&price=" + p + "&quantity=" + q,
                             {}, kind == 1 ? testing::kHmacKey : kBobKey,
                             kind == 1 ? testing::kHmacSecret : kBobSecret);
      accepted += r.status == 200;
      if (r.status != 200) ++codes[jint(r.body, "/code")];
    } else if (kind == 3) {
      auto r = h.ws(ws, "order.place",
                    {{"symbol", "ETHUSDC"},
                     {"side", side},
                     {"type", rng() % 2 ? "MARKET" : "LIMIT_MAKER"},
                     {"quantity", q},
                     {"price", p}});
      // MARKET with a price is refused (-1106); LIMIT_MAKER may cross (-2010).
      accepted += jint(r, "/status") == 200;
      if (jint(r, "/status") != 200) ++codes[jint(r, "/error/code")];
    } else if (kind == 4) {
      h.signed_rest("DELETE", "/api/v3/openOrders", "symbol=ETHUSDC", {}, kBobKey, kBobSecret);
    } else if (kind == 5) {
      auto open = h.ws(ws, "openOrders.status", {{"symbol", "ETHUSDC"}});
      const int64_t id = jint(open, "/result/0/orderId");
      if (id > 0) h.ws(ws, "order.cancel", {{"symbol", "ETHUSDC"}, {"orderId", std::to_string(id)}});
    } else {
      auto open = h.ws(ws, "openOrders.status", {{"symbol", "ETHUSDC"}});
      const int64_t id = jint(open, "/result/0/orderId");
      if (id > 0) {
        h.ws(ws, "order.amend.keepPriority",
             {{"symbol", "ETHUSDC"}, {"orderId", std::to_string(id)}, {"newQty", "0.0100"}});
      }
    }
    // Conservation.
    for (AssetId a = 0; a < accounts.asset_count(); ++a) {
      ASSERT_EQ(accounts.total(a) + h.ex().engine().fees_collected(a), deposits[a]) << "step " << step;
    }
    ASSERT_FALSE(h.ex().engine().book("ETHUSDC")->crossed());
    // Every changed level was reported; ids only go up, and match the last settle.
    const auto after = snapshot(h.ex(), "ETHUSDC");
    std::set<std::pair<Side, int64_t>> keys;
    for (const auto& [k, v] : before) keys.insert(k);
    for (const auto& [k, v] : after) keys.insert(k);
    for (const auto& k : keys) {
      const int64_t b = before.contains(k) ? before.at(k) : 0;
      const int64_t a = after.contains(k) ? after.at(k) : 0;
      if (a != b) {
        ASSERT_TRUE(l.levels.contains({"ETHUSDC", k.first, k.second}))
            << "step " << step << " price " << k.second;
      }
    }
    const uint64_t id = h.ex().book_update_id("ETHUSDC");
    if (before != after) {
      ASSERT_GT(id, last_id) << "step " << step;
    }
    ASSERT_GE(id, last_id);
    if (!l.settled.empty()) {
      ASSERT_EQ(l.settled.back().second, id);
    }
    last_id = id;
  }
  EXPECT_GT(accepted, 400);
  // Only the rejects this mix provokes on purpose.
  for (const auto& [code, n] : codes) EXPECT_TRUE(code == -2010 || code == -1106 || code == -1013) << code;
  EXPECT_GT(h.take_events(ws).size(), 100u);
  h.ex().set_market_listener(nullptr);
}

TEST(ExchangeMetricsTest, PromtoolAcceptsTheExposition) {
  Harness h;
  h.rest("GET", "/api/v3/ping");
  h.signed_rest("POST", "/api/v3/order",
                "symbol=ETHUSDC&side=BUY&type=LIMIT&timeInForce=GTC&price=100&quantity=1");
  h.signed_rest("POST", "/api/v3/order",
                "symbol=NOPE&side=BUY&type=LIMIT&timeInForce=GTC&price=100&quantity=1");
  h.signed_rest("POST", "/api/v3/order", "symbol=ETHUSDC", {}, testing::kHmacKey, "bad");
  auto s = h.ws_open();
  h.ws_raw(s, R"({"id":1,"method":"ping"})");
  std::string text;
  h.ex().append_metrics(&text);
  EXPECT_NE(text.find("phoenix_exchange_orders_total{result=\"accepted\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("phoenix_exchange_errors_total{code=\"-1121\"} 1"), std::string::npos);
  EXPECT_NE(text.find("phoenix_exchange_signature_failures_total 1"), std::string::npos);
  EXPECT_NE(text.find("phoenix_exchange_ws_api_requests_total{method=\"ping\"} 1"), std::string::npos);
  EXPECT_NE(text.find("phoenix_exchange_rest_requests_total{method=\"POST\",endpoint=\"/api/v3/order\"} 3"),
            std::string::npos);
  if (!std::filesystem::exists("/usr/bin/promtool")) GTEST_SKIP() << "promtool not installed";
  const auto path =
      std::filesystem::temp_directory_path() / ("exchange_metrics_" + std::to_string(::getpid()) + ".txt");
  {
    std::ofstream out(path);
    out << text;
  }
  const std::string command = "/usr/bin/promtool check metrics < " + path.string() + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[256];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  const int rc = ::pclose(pipe);
  std::filesystem::remove(path);
  EXPECT_EQ(rc, 0) << output;
  EXPECT_EQ(output, "") << output;
}

TEST(ExchangeCreateTest, ValidatesTheSpec) {
  core::ManualClock clock;
  auto ok = Exchange::create(testing::make_spec(), clock);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  auto expect_error = [&](ExchangeSpec spec, std::string_view what) {
    auto r = Exchange::create(std::move(spec), clock);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_FALSE(r.error().message.empty());
  };
  ExchangeSpec dup_asset = testing::make_spec();
  dup_asset.assets.push_back({"ETH", 8});
  expect_error(dup_asset, "duplicate asset");
  ExchangeSpec bad_asset = testing::make_spec();
  bad_asset.symbols[0].engine.quote_asset = "EUR";
  expect_error(bad_asset, "unknown asset");
  ExchangeSpec dup_key = testing::make_spec();
  dup_key.accounts[1].keys[0].api_key = testing::kHmacKey;
  expect_error(dup_key, "duplicate key");
  ExchangeSpec bad_pem = testing::make_spec();
  bad_pem.accounts[0].keys[1].ed25519_public = "-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----\n";
  expect_error(bad_pem, "bad pem");
  ExchangeSpec dup_account = testing::make_spec();
  dup_account.accounts[1].id = testing::kAlice;
  expect_error(dup_account, "duplicate account");
  ExchangeSpec bad_tick = testing::make_spec();
  bad_tick.symbols[0].engine.tick_units = 0;
  expect_error(bad_tick, "tick");
  ExchangeSpec bad_filter = testing::make_spec();
  bad_filter.symbols[0].max_num_orders = 0;
  expect_error(bad_filter, "max orders");
  ExchangeSpec bad_limits = testing::make_spec();
  bad_limits.limits.request_weight_per_minute = 0;
  expect_error(bad_limits, "limits");
  ExchangeSpec bad_balance = testing::make_spec();
  bad_balance.accounts[0].balances.push_back({"DOGE", 1});
  expect_error(bad_balance, "balance asset");
  ExchangeSpec bad_scale = testing::make_spec();
  bad_scale.symbols[0].engine.qty_scale = 9;  // ETH has 8
  expect_error(bad_scale, "scale");
}

}  // namespace
}  // namespace phoenix::sim
