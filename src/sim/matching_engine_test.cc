#include "sim/matching_engine.h"

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace phoenix::sim {
namespace {

// ETH 8 decimals, USDC 6; ETHUSDC prices at 2 decimals, quantities at 4, so
// price_units * qty_units is exactly USDC units (2 + 4 = 6) and 1 qty unit = 10^4 ETH units.
constexpr int64_t kEthPerQty = 10000;

class MatchingEngineTest : public ::testing::Test {
 protected:
  void SetUp() override { init(FeeSchedule{}); }

  void init(FeeSchedule fees) {
    engine_ = MatchingEngine(fees);
    eth_ = engine_.add_asset({"ETH", 8}).value();
    usdc_ = engine_.add_asset({"USDC", 6}).value();
    ASSERT_TRUE(engine_.add_symbol({"ETHUSDC", "ETH", "USDC", 2, 4, 1, 1, 1, 1'000'000'000, 0}).ok());
    for (AccountId a = 1; a <= 4; ++a) {
      ASSERT_TRUE(engine_.deposit(a, "ETH", 100'000'000'000).ok());  // 1000 ETH
      ASSERT_TRUE(engine_.deposit(a, "USDC", 10'000'000'000).ok());  // 10000 USDC
    }
  }

  PlaceResult place(AccountId account, Side side, int64_t price, int64_t qty,
                    OrderType type = OrderType::kLimit, TimeInForce tif = TimeInForce::kGtc,
                    StpMode stp = StpMode::kExpireTaker, std::string client_id = "") {
    events_.clear();
    NewOrder o;
    o.symbol = "ETHUSDC";
    o.account = account;
    o.client_id = std::move(client_id);
    o.side = side;
    o.type = type;
    o.tif = tif;
    o.price_units = price;
    o.qty_units = qty;
    o.stp = stp;
    return engine_.place(o, &events_);
  }

  std::vector<OrderUpdate> updates() const {
    std::vector<OrderUpdate> out;
    for (const Event& e : events_) {
      if (const auto* u = std::get_if<OrderUpdate>(&e)) out.push_back(*u);
    }
    return out;
  }
  std::vector<OrderUpdate> trades() const {
    std::vector<OrderUpdate> out;
    for (const OrderUpdate& u : updates()) {
      if (u.exec_type == ExecType::kTrade) out.push_back(u);
    }
    return out;
  }
  Balance usdc(AccountId a) const { return engine_.accounts().balance(a, usdc_); }
  Balance eth(AccountId a) const { return engine_.accounts().balance(a, eth_); }
  const OrderBook& book() const { return *engine_.book("ETHUSDC"); }

  MatchingEngine engine_;
  AssetId eth_ = 0;
  AssetId usdc_ = 0;
  std::vector<Event> events_;
};

TEST_F(MatchingEngineTest, PriceTimePriority) {
  const OrderId a = place(1, Side::kSell, 10000, 1).order_id;
  const OrderId b = place(2, Side::kSell, 10000, 1).order_id;
  const OrderId c = place(3, Side::kSell, 9900, 1).order_id;
  const PlaceResult taker = place(4, Side::kBuy, 10000, 2);
  EXPECT_EQ(taker.status, OrderStatus::kFilled);
  auto t = trades();
  ASSERT_EQ(t.size(), 4u);  // maker, taker per fill
  EXPECT_EQ(t[0].order_id, c);
  EXPECT_TRUE(t[0].is_maker);
  EXPECT_EQ(t[0].last_price_units, 9900);
  EXPECT_FALSE(t[1].is_maker);
  EXPECT_EQ(t[2].order_id, a);
  EXPECT_EQ(t[1].trade_id + 1, t[3].trade_id);
  EXPECT_EQ(t[3].cum_quote_units, 9900 + 10000);
  EXPECT_EQ(t[3].status, OrderStatus::kFilled);
  EXPECT_EQ(book().best(Side::kSell)->id, b);
  // The buyer locked 200.00 * 0.0002 = 20000 units and paid 19900; the rest is free again.
  EXPECT_EQ(usdc(4).locked_units, 0);
  EXPECT_EQ(usdc(4).free_units, 10'000'000'000 - 19900);
  EXPECT_EQ(eth(4).free_units, 100'000'000'000 + 2 * kEthPerQty);
}

TEST_F(MatchingEngineTest, PartialFillLeavesMakerResting) {
  const OrderId maker = place(1, Side::kSell, 10000, 5).order_id;
  EXPECT_EQ(place(2, Side::kBuy, 10000, 2).status, OrderStatus::kFilled);
  const Order* rest = book().find(maker);
  ASSERT_NE(rest, nullptr);
  EXPECT_EQ(rest->executed_qty_units, 2);
  EXPECT_EQ(trades()[0].status, OrderStatus::kPartiallyFilled);
  EXPECT_TRUE(trades()[0].on_book);
  EXPECT_EQ(eth(1).locked_units, 3 * kEthPerQty);
  EXPECT_EQ(usdc(1).free_units, 10'000'000'000 + 20000);
  const PlaceResult big = place(3, Side::kBuy, 10000, 7);
  EXPECT_EQ(big.status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(book().find(maker), nullptr);
  EXPECT_EQ(book().find(big.order_id)->remaining_qty_units(), 4);
  EXPECT_EQ(usdc(3).locked_units, 40000);
}

TEST_F(MatchingEngineTest, CommissionInReceivedAssetRoundedDown) {
  init(FeeSchedule{10, 25});
  place(1, Side::kSell, 333333, 3);  // maker sells 0.0003 ETH at 3333.33
  place(2, Side::kBuy, 333333, 3);   // taker
  auto t = trades();
  ASSERT_EQ(t.size(), 2u);
  // Seller receives 999999 USDC units; maker fee floor(999999 * 10 / 10000) = 999.
  EXPECT_EQ(t[0].commission_units, 999);
  EXPECT_EQ(t[0].commission_asset, "USDC");
  // Buyer receives 30000 ETH units; taker fee floor(30000 * 25 / 10000) = 75.
  EXPECT_EQ(t[1].commission_units, 75);
  EXPECT_EQ(t[1].commission_asset, "ETH");
  EXPECT_EQ(engine_.fees_collected(usdc_), 999);
  EXPECT_EQ(engine_.fees_collected(eth_), 75);
  EXPECT_EQ(eth(2).free_units, 100'000'000'000 + 30000 - 75);
}

TEST_F(MatchingEngineTest, QuoteAmountLocksRoundedUpTradesRoundedDown) {
  // 4 + 4 decimals onto USDC's 6: 1.0001 x 0.0003 = 0.00030003 USDC.
  ASSERT_TRUE(engine_.add_asset({"SOL", 8}).ok());
  ASSERT_TRUE(engine_.add_symbol({"SOLUSDC", "SOL", "USDC", 4, 4, 1, 1, 1, 1'000'000, 0}).ok());
  ASSERT_TRUE(engine_.deposit(1, "SOL", 1'000'000).ok());
  NewOrder buy{"SOLUSDC", 2, "", Side::kBuy, OrderType::kLimit, TimeInForce::kGtc, 10001, 3};
  ASSERT_EQ(engine_.place(buy, &events_).status, OrderStatus::kNew);
  EXPECT_EQ(usdc(2).locked_units, 301);  // ceil(300.03)
  NewOrder sell{"SOLUSDC", 1, "", Side::kSell, OrderType::kLimit, TimeInForce::kGtc, 10001, 3};
  ASSERT_EQ(engine_.place(sell, &events_).status, OrderStatus::kFilled);
  EXPECT_EQ(usdc(2).locked_units, 0);
  EXPECT_EQ(usdc(2).free_units, 10'000'000'000 - 300);  // floor(300.03) paid, 1 unit unlocked
  EXPECT_EQ(usdc(1).free_units, 10'000'000'000 + 300);
}

TEST_F(MatchingEngineTest, IocRemainderExpires) {
  place(1, Side::kSell, 10000, 2);
  const PlaceResult r = place(2, Side::kBuy, 10000, 5, OrderType::kLimit, TimeInForce::kIoc);
  EXPECT_EQ(r.status, OrderStatus::kExpired);
  auto u = updates();
  EXPECT_EQ(u.back().exec_type, ExecType::kExpired);
  EXPECT_EQ(u.back().cum_qty_units, 2);
  EXPECT_EQ(book().find(r.order_id), nullptr);
  EXPECT_EQ(usdc(2).locked_units, 0);
  EXPECT_EQ(usdc(2).free_units, 10'000'000'000 - 20000);
}

TEST_F(MatchingEngineTest, FokAllOrNothing) {
  place(1, Side::kSell, 10000, 2);
  place(1, Side::kSell, 10100, 2);
  PlaceResult r = place(2, Side::kBuy, 10000, 3, OrderType::kLimit, TimeInForce::kFok);
  EXPECT_EQ(r.status, OrderStatus::kExpired);
  EXPECT_TRUE(trades().empty());
  EXPECT_EQ(book().size(), 2u);
  EXPECT_EQ(usdc(2).locked_units, 0);
  EXPECT_EQ(usdc(2).free_units, 10'000'000'000);
  r = place(2, Side::kBuy, 10100, 3, OrderType::kLimit, TimeInForce::kFok);
  EXPECT_EQ(r.status, OrderStatus::kFilled);
  EXPECT_EQ(book().size(), 1u);
}

TEST_F(MatchingEngineTest, LimitMakerRejectedWhenCrossingRestsOtherwise) {
  place(1, Side::kSell, 10000, 2);
  PlaceResult r = place(2, Side::kBuy, 10000, 1, OrderType::kLimitMaker);
  EXPECT_EQ(r.status, OrderStatus::kRejected);
  EXPECT_EQ(r.reject, RejectReason::kWouldMatch);
  EXPECT_EQ(to_string(r.reject), "would_match");
  EXPECT_EQ(updates().back().exec_type, ExecType::kRejected);
  EXPECT_EQ(usdc(2).locked_units, 0);
  r = place(2, Side::kBuy, 9999, 1, OrderType::kLimitMaker);
  EXPECT_EQ(r.status, OrderStatus::kNew);
  EXPECT_EQ(book().best(Side::kBuy)->id, r.order_id);
}

TEST_F(MatchingEngineTest, MarketSweepsLevels) {
  place(1, Side::kSell, 10000, 1);
  place(1, Side::kSell, 10100, 1);
  place(1, Side::kSell, 10200, 5);
  const PlaceResult r = place(2, Side::kBuy, 0, 4, OrderType::kMarket);
  EXPECT_EQ(r.status, OrderStatus::kFilled);
  auto t = trades();
  ASSERT_EQ(t.size(), 6u);
  EXPECT_EQ(t[5].cum_quote_units, 10000 + 10100 + 2 * 10200);
  EXPECT_EQ(usdc(2).locked_units, 0);
  EXPECT_EQ(usdc(2).free_units, 10'000'000'000 - (10000 + 10100 + 2 * 10200));
  // More than the book holds: fills what is there, the rest expires.
  const PlaceResult sell_side = place(3, Side::kSell, 0, 10, OrderType::kMarket);
  EXPECT_EQ(sell_side.status, OrderStatus::kExpired);
  EXPECT_EQ(eth(3).locked_units, 0);
}

TEST_F(MatchingEngineTest, StpExpireTaker) {
  const OrderId maker = place(1, Side::kSell, 10000, 2).order_id;
  const PlaceResult r = place(1, Side::kBuy, 10000, 2);
  EXPECT_EQ(r.status, OrderStatus::kExpiredInMatch);
  EXPECT_EQ(updates().back().exec_type, ExecType::kTradePrevention);
  EXPECT_NE(book().find(maker), nullptr);
  EXPECT_EQ(usdc(1).locked_units, 0);
}

TEST_F(MatchingEngineTest, StpExpireMakerThenMatchesNext) {
  const OrderId own = place(1, Side::kSell, 10000, 2).order_id;
  place(2, Side::kSell, 10000, 2);
  const PlaceResult r =
      place(1, Side::kBuy, 10000, 2, OrderType::kLimit, TimeInForce::kGtc, StpMode::kExpireMaker);
  EXPECT_EQ(r.status, OrderStatus::kFilled);
  EXPECT_EQ(book().find(own), nullptr);
  EXPECT_EQ(updates()[1].order_id, own);
  EXPECT_EQ(updates()[1].status, OrderStatus::kExpiredInMatch);
  EXPECT_EQ(eth(1).locked_units, 0);
  EXPECT_EQ(book().size(), 0u);
}

TEST_F(MatchingEngineTest, StpExpireBoth) {
  const OrderId own = place(1, Side::kSell, 10000, 2).order_id;
  const PlaceResult r =
      place(1, Side::kBuy, 10000, 2, OrderType::kLimit, TimeInForce::kGtc, StpMode::kExpireBoth);
  EXPECT_EQ(r.status, OrderStatus::kExpiredInMatch);
  EXPECT_EQ(book().find(own), nullptr);
  EXPECT_EQ(book().size(), 0u);
  EXPECT_EQ(eth(1).locked_units, 0);
  EXPECT_EQ(usdc(1).locked_units, 0);
}

TEST_F(MatchingEngineTest, StpNoneTradesWithSelf) {
  place(1, Side::kSell, 10000, 2);
  const PlaceResult r = place(1, Side::kBuy, 10000, 2, OrderType::kLimit, TimeInForce::kGtc, StpMode::kNone);
  EXPECT_EQ(r.status, OrderStatus::kFilled);
  EXPECT_EQ(usdc(1).free_units, 10'000'000'000);
  EXPECT_EQ(eth(1).free_units, 100'000'000'000);
}

TEST_F(MatchingEngineTest, CancelUnlocks) {
  const OrderId id =
      place(1, Side::kBuy, 10000, 3, OrderType::kLimit, TimeInForce::kGtc, StpMode::kExpireTaker, "abc")
          .order_id;
  EXPECT_EQ(usdc(1).locked_units, 30000);
  events_.clear();
  EXPECT_FALSE(engine_.cancel("ETHUSDC", 2, id, &events_).ok());  // not the owner
  ASSERT_TRUE(engine_.cancel_by_client_id("ETHUSDC", 1, "abc", &events_).ok());
  EXPECT_EQ(usdc(1).locked_units, 0);
  EXPECT_EQ(usdc(1).free_units, 10'000'000'000);
  ASSERT_EQ(updates().size(), 1u);
  EXPECT_EQ(updates()[0].status, OrderStatus::kCanceled);
  EXPECT_TRUE(std::holds_alternative<BalanceUpdate>(events_.back()));
  EXPECT_FALSE(engine_.cancel("ETHUSDC", 1, id, &events_).ok());

  place(1, Side::kBuy, 9000, 1);
  place(1, Side::kSell, 11000, 1);
  place(2, Side::kSell, 11000, 1);
  events_.clear();
  EXPECT_EQ(engine_.cancel_all("ETHUSDC", 1, &events_), 2u);
  EXPECT_EQ(book().size(), 1u);
  EXPECT_EQ(usdc(1).locked_units, 0);
  EXPECT_EQ(eth(1).locked_units, 0);
}

TEST_F(MatchingEngineTest, InsufficientBalanceRejected) {
  const PlaceResult r = place(1, Side::kBuy, 10000, 100'000'000);  // 10^12 units > 10^10
  EXPECT_EQ(r.reject, RejectReason::kInsufficientBalance);
  EXPECT_EQ(updates().back().reject_reason, RejectReason::kInsufficientBalance);
  EXPECT_EQ(usdc(1).locked_units, 0);
  EXPECT_EQ(place(1, Side::kSell, 10000, 10'000'001).reject, RejectReason::kInsufficientBalance);
  place(2, Side::kSell, 10000, 2'000'000);  // 200 ETH at 100.00: 20000 USDC > 10000
  EXPECT_EQ(place(1, Side::kBuy, 0, 2'000'000, OrderType::kMarket).reject,
            RejectReason::kInsufficientBalance);
  EXPECT_EQ(place(1, Side::kBuy, 0, 1'000'000, OrderType::kMarket).status, OrderStatus::kFilled);
}

TEST_F(MatchingEngineTest, FiltersAndDuplicateClientId) {
  ASSERT_TRUE(engine_.add_symbol({"ETHUSDT2", "ETH", "USDC", 2, 4, 10, 100, 100, 10000, 500'000}).ok());
  auto place2 = [&](int64_t price, int64_t qty) {
    NewOrder o{"ETHUSDT2", 1, "", Side::kBuy, OrderType::kLimit, TimeInForce::kGtc, price, qty};
    return engine_.place(o, &events_).reject;
  };
  EXPECT_EQ(place2(10005, 100), RejectReason::kBadPrice);
  EXPECT_EQ(place2(10000, 150), RejectReason::kBadQty);
  EXPECT_EQ(place2(10000, 0), RejectReason::kBadQty);
  EXPECT_EQ(place2(100000, 20000), RejectReason::kQtyTooHigh);
  EXPECT_EQ(place2(1000, 100), RejectReason::kMinNotional);
  EXPECT_EQ(place2(10000, 100), RejectReason::kNone);
  place(1, Side::kBuy, 9000, 1, OrderType::kLimit, TimeInForce::kGtc, StpMode::kExpireTaker, "dup");
  EXPECT_EQ(place(1, Side::kBuy, 9000, 1, OrderType::kLimit, TimeInForce::kGtc, StpMode::kExpireTaker, "dup")
                .reject,
            RejectReason::kDuplicateClientOrderId);
  EXPECT_EQ(place(2, Side::kBuy, 9000, 1, OrderType::kLimit, TimeInForce::kGtc, StpMode::kExpireTaker, "dup")
                .reject,
            RejectReason::kNone);
  NewOrder bad{"NOPE", 1, "", Side::kBuy, OrderType::kLimit, TimeInForce::kGtc, 1, 1};
  EXPECT_EQ(engine_.place(bad, &events_).reject, RejectReason::kUnknownSymbol);
}

TEST_F(MatchingEngineTest, AmendKeepPriorityReducesAndKeepsQueuePlace) {
  const OrderId first = place(1, Side::kBuy, 10000, 5).order_id;
  place(2, Side::kBuy, 10000, 5);
  events_.clear();
  ASSERT_TRUE(engine_.amend_keep_priority("ETHUSDC", 1, first, 2, &events_).ok());
  EXPECT_EQ(usdc(1).locked_units, 20000);
  EXPECT_EQ(book().best(Side::kBuy)->id, first);
  EXPECT_EQ(updates()[0].exec_type, ExecType::kAmendment);
  EXPECT_FALSE(engine_.amend_keep_priority("ETHUSDC", 1, first, 3, &events_).ok());  // increase
  EXPECT_FALSE(engine_.amend_keep_priority("ETHUSDC", 1, first, 0, &events_).ok());
}

// A seeded random run: after every step, per asset sum(free + locked) + fees ==
// deposits, no negative balance, the book is not crossed, cum qty <= orig qty.
TEST_F(MatchingEngineTest, RandomRunConservesBalances) {
  init(FeeSchedule{7, 13});
  // A second symbol whose quote amounts need rounding: 4 + 4 decimals onto USDC's 6.
  ASSERT_TRUE(engine_.add_asset({"SOL", 8}).ok());
  ASSERT_TRUE(engine_.add_symbol({"SOLUSDC", "SOL", "USDC", 4, 4, 1, 1, 1, 1'000'000, 0}).ok());
  constexpr AccountId kAccounts = 6;
  for (AccountId a = 1; a <= kAccounts; ++a) {
    ASSERT_TRUE(engine_.deposit(a, "SOL", 50'000'000'000).ok());
    if (a > 4) {
      ASSERT_TRUE(engine_.deposit(a, "ETH", 100'000'000'000).ok());
      ASSERT_TRUE(engine_.deposit(a, "USDC", 10'000'000'000).ok());
    }
  }
  const size_t assets = engine_.accounts().asset_count();
  std::vector<int64_t> initial(assets);
  for (AssetId a = 0; a < assets; ++a) initial[a] = engine_.accounts().total(a);

  constexpr int kSteps = 100'000;  // about 2 s under ASan + UBSan in Debug
  std::mt19937_64 rng(20261125);
  const char* symbols[] = {"ETHUSDC", "SOLUSDC"};
  const int64_t mids[] = {10000, 1'500'000};
  std::vector<std::vector<OrderId>> live(2);
  size_t fills = 0;
  size_t stp_expiries = 0;
  size_t rejects = 0;
  for (int step = 0; step < kSteps; ++step) {
    events_.clear();
    const size_t si = rng() % 2;
    const AccountId account = static_cast<AccountId>(1 + rng() % kAccounts);
    const uint64_t action = rng() % 100;
    if (action < 15 && !live[si].empty()) {
      const size_t k = rng() % live[si].size();
      (void)engine_.cancel(symbols[si], account, live[si][k], &events_);  // may be someone else's
      live[si][k] = live[si].back();
      live[si].pop_back();
    } else if (action < 16) {
      engine_.cancel_all(symbols[si], account, &events_);
    } else {
      NewOrder o;
      o.symbol = symbols[si];
      o.account = account;
      o.side = rng() % 2 == 0 ? Side::kBuy : Side::kSell;
      const uint64_t kind = rng() % 10;
      o.type = kind < 6 ? OrderType::kLimit : kind < 8 ? OrderType::kLimitMaker : OrderType::kMarket;
      const uint64_t tif = rng() % 6;
      o.tif = tif < 4 ? TimeInForce::kGtc : tif < 5 ? TimeInForce::kIoc : TimeInForce::kFok;
      o.stp = static_cast<StpMode>(rng() % 4);
      const int64_t offset = static_cast<int64_t>(rng() % 41) - 20;
      o.price_units = mids[si] + offset * (si == 0 ? 10 : 997);
      o.qty_units = static_cast<int64_t>(1 + rng() % 500);
      const PlaceResult r = engine_.place(o, &events_);
      if (r.order_id != 0) live[si].push_back(r.order_id);
    }
    for (const Event& e : events_) {
      if (const auto* u = std::get_if<OrderUpdate>(&e)) {
        ASSERT_LE(u->cum_qty_units, u->orig_qty_units) << "step " << step;
        ASSERT_GE(u->cum_qty_units, 0);
        fills += u->exec_type == ExecType::kTrade ? 1 : 0;
        stp_expiries += u->exec_type == ExecType::kTradePrevention ? 1 : 0;
        rejects += u->exec_type == ExecType::kRejected ? 1 : 0;
      }
    }
    for (AssetId a = 0; a < assets; ++a) {
      int64_t sum = engine_.fees_collected(a);
      for (AccountId acct = 1; acct <= kAccounts; ++acct) {
        const Balance b = engine_.accounts().balance(acct, a);
        ASSERT_GE(b.free_units, 0) << "step " << step;
        ASSERT_GE(b.locked_units, 0) << "step " << step;
        sum += b.free_units + b.locked_units;
      }
      ASSERT_EQ(sum, initial[a]) << "asset " << a << " step " << step;
    }
    for (const char* sym : symbols) ASSERT_FALSE(engine_.book(sym)->crossed()) << "step " << step;
  }
  // The run exercised the interesting paths.
  EXPECT_GT(fills, static_cast<size_t>(kSteps) / 4);
  EXPECT_GT(stp_expiries, 100u);
  EXPECT_GT(rejects, 100u);
  // Every resting order is consistent, and cancelling everything unlocks everything.
  for (size_t si = 0; si < 2; ++si) {
    for (Side side : {Side::kBuy, Side::kSell}) {
      engine_.book(symbols[si])->visit(side, [&](const Order& o) {
        EXPECT_LT(o.executed_qty_units, o.orig_qty_units);
        return true;
      });
    }
    for (AccountId a = 1; a <= kAccounts; ++a) engine_.cancel_all(symbols[si], a, &events_);
  }
  for (AssetId a = 0; a < assets; ++a) {
    for (AccountId acct = 1; acct <= kAccounts; ++acct) {
      EXPECT_EQ(engine_.accounts().balance(acct, a).locked_units, 0);
    }
  }
}

}  // namespace
}  // namespace phoenix::sim
