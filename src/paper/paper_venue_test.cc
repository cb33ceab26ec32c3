#include "paper/paper_venue.h"

#include <random>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

namespace phoenix::paper {
namespace {

using core::ExecType;
using core::FailureAction;
using core::OrderStatus;
using core::Price;
using core::Qty;
using core::RequestKind;
using core::Side;

// BTCUSDC-like: prices 0.01 (scale 2), quantities 0.00001 (scale 5), quote 10^-8.
constexpr int64_t kUsdc = 100'000'000;  // one USDC in 10^-8 units
constexpr int64_t kBtc = 100'000'000;   // one BTC in 10^-8 units
constexpr core::SymbolId kSym = 0;
constexpr core::SymbolId kEth = 1;

Price px(int64_t dollars_cents) { return Price{dollars_cents}; }  // units of 0.01
Qty qty(int64_t units) { return Qty{units}; }                     // units of 0.00001 BTC

core::ClientOrderId id(std::string_view text) { return *core::ClientOrderId::parse(text); }

// Records every listener call; flags any call made while a request method is running.
class Recorder final : public oms::GatewayListener {
 public:
  struct Failure {
    core::RequestFailure failure;
    std::string message;
  };
  struct Balances {
    std::vector<core::AssetBalance> balances;
    bool snapshot = false;
  };

  void on_order_update(const core::OrderUpdate& update) override {
    check();
    updates.push_back(update);
  }
  void on_request_failed(const core::RequestFailure& failure) override {
    check();
    failures.push_back({failure, std::string(failure.message)});
  }
  void on_open_orders(core::SymbolId symbol, std::span<const core::OrderUpdate> orders) override {
    check();
    open_orders_symbol = symbol;
    open_orders.assign(orders.begin(), orders.end());
    ++open_orders_calls;
  }
  void on_trades(core::SymbolId symbol, std::span<const core::OrderUpdate> t) override {
    check();
    trades_symbol = symbol;
    trades.assign(t.begin(), t.end());
    ++trades_calls;
  }
  void on_balances(std::span<const core::AssetBalance> b, bool snapshot) override {
    check();
    balances.push_back({{b.begin(), b.end()}, snapshot});
  }
  void on_rate_limits(const core::RateLimitUsage&) override { check(); }
  void on_connectivity(const oms::Connectivity& c) override {
    check();
    connectivity.push_back(c);
  }

  size_t total() const {
    return updates.size() + failures.size() + open_orders_calls + trades_calls + balances.size() +
           connectivity.size();
  }
  void clear() {
    updates.clear();
    failures.clear();
    open_orders.clear();
    trades.clear();
    balances.clear();
    connectivity.clear();
    open_orders_calls = trades_calls = 0;
  }
  // The last balance event's entry for `asset`.
  const core::AssetBalance* last_balance(std::string_view asset) const {
    for (auto it = balances.rbegin(); it != balances.rend(); ++it) {
      for (const auto& b : it->balances) {
        if (b.name() == asset) return &b;
      }
    }
    return nullptr;
  }

  bool in_request = false;
  bool synchronous_call = false;
  std::vector<core::OrderUpdate> updates;
  std::vector<Failure> failures;
  core::SymbolId open_orders_symbol = core::kNoSymbol;
  std::vector<core::OrderUpdate> open_orders;
  size_t open_orders_calls = 0;
  core::SymbolId trades_symbol = core::kNoSymbol;
  std::vector<core::OrderUpdate> trades;
  size_t trades_calls = 0;
  std::vector<Balances> balances;
  std::vector<oms::Connectivity> connectivity;

 private:
  void check() {
    if (in_request) synchronous_call = true;
  }
};

core::SymbolFilters btc_filters() {
  core::SymbolFilters f;
  f.price_scale = 2;
  f.qty_scale = 5;
  f.quote_scale = 8;
  f.tick_size = Price{1};
  f.min_price = Price{100};          // 1.00
  f.max_price = Price{100'000'000};  // 1,000,000.00
  f.step_size = Qty{10};             // 0.0001
  f.min_qty = Qty{10};
  f.max_qty = Qty{900'000'000};
  f.min_notional_quote_units = 5 * kUsdc;
  return f;
}

PaperVenueConfig default_config() {
  PaperVenueConfig c;
  c.symbols.push_back({"BTCUSDC", "BTC", "USDC", btc_filters()});
  c.symbols.push_back({"ETHUSDC", "ETH", "USDC", btc_filters()});
  c.balances = {{"USDC", 10'000 * kUsdc}, {"BTC", 1 * kBtc}};
  c.maker_fee_centi_bps = 100;   // 1 bp
  c.taker_fee_centi_bps = 1000;  // 10 bp
  c.history_limit = 50;
  return c;
}

class PaperVenueTest : public ::testing::Test {
 protected:
  void SetUp() override { make(default_config()); }

  void make(PaperVenueConfig config) {
    venue_.reset();
    registry_ = std::make_unique<telemetry::Registry>();
    auto v = PaperVenue::create(ioc_, clock_, *registry_, std::move(config));
    ASSERT_TRUE(v) << v.error().to_string();
    venue_ = std::move(v).value();
    venue_->set_listener(&rec_);
    run();
    rec_.clear();
  }

  void run() {
    ioc_.restart();
    ioc_.run();
  }

  // Calls `request` with the recorder armed against synchronous callbacks, checks that
  // nothing was delivered yet, then runs the loop.
  template <class F>
  void request(F&& f) {
    const size_t before = rec_.total();
    rec_.in_request = true;
    f();
    rec_.in_request = false;
    EXPECT_EQ(rec_.total(), before) << "a request called the listener synchronously";
    EXPECT_FALSE(rec_.synchronous_call);
    run();
  }

  static oms::PlaceOrder order(std::string_view cid, Side side, int64_t price_cents, int64_t qty_units,
                               bool post_only = true, core::SymbolId sym = kSym) {
    oms::PlaceOrder o;
    o.symbol = sym;
    o.side = side;
    o.price = px(price_cents);
    o.qty = qty(qty_units);
    o.client_id = id(cid);
    o.post_only = post_only;
    return o;
  }

  void place(const oms::PlaceOrder& o) {
    request([&] { venue_->place(o); });
  }
  void book(int64_t bid_cents, int64_t bid_qty, int64_t ask_cents, int64_t ask_qty,
            core::SymbolId sym = kSym) {
    venue_->on_top_of_book(sym, {px(bid_cents), qty(bid_qty)}, {px(ask_cents), qty(ask_qty)});
    run();
  }
  void trade(int64_t price_cents, int64_t qty_units, bool buyer_is_maker, core::SymbolId sym = kSym) {
    core::Trade t;
    t.symbol = sym;
    t.trade_id = ++public_trade_id_;
    t.price = px(price_cents);
    t.qty = qty(qty_units);
    t.buyer_is_maker = buyer_is_maker;
    venue_->on_trade(t);
    run();
  }

  const Recorder::Failure& only_failure() {
    EXPECT_EQ(rec_.failures.size(), 1u);
    EXPECT_TRUE(rec_.updates.empty());
    return rec_.failures.at(0);
  }
  void expect_rejected(const oms::PlaceOrder& o, int code, std::string_view message) {
    rec_.clear();
    const int64_t usdc_locked = venue_->balance("USDC").locked_units;
    const int64_t btc_locked = venue_->balance("BTC").locked_units;
    const size_t open = venue_->open_order_count(o.symbol);
    place(o);
    const auto& f = only_failure();
    EXPECT_EQ(f.failure.kind, RequestKind::kPlace);
    EXPECT_EQ(f.failure.action, FailureAction::kRejected);
    EXPECT_EQ(f.failure.code, code);
    EXPECT_EQ(f.message, message);
    EXPECT_EQ(f.failure.client_id, o.client_id);
    EXPECT_EQ(venue_->balance("USDC").locked_units, usdc_locked);
    EXPECT_EQ(venue_->balance("BTC").locked_units, btc_locked);
    EXPECT_EQ(venue_->open_order_count(o.symbol), open);
  }

  std::vector<core::OrderUpdate> fills() const {
    std::vector<core::OrderUpdate> out;
    for (const auto& u : rec_.updates) {
      if (u.exec_type == ExecType::kTrade) out.push_back(u);
    }
    return out;
  }

  boost::asio::io_context ioc_;
  core::ManualClock clock_;
  std::unique_ptr<telemetry::Registry> registry_;
  Recorder rec_;
  std::unique_ptr<PaperVenue> venue_;
  uint64_t public_trade_id_ = 0;
};

// 100,000.00 USDC per BTC, 0.001 BTC (100 units) = 100 USDC.
constexpr int64_t kPrice = 10'000'000;
constexpr int64_t kQty = 100;
constexpr int64_t kNotional8 = 100 * kUsdc;

TEST_F(PaperVenueTest, ConnectivityPostedOnceAfterSetListener) {
  Recorder other;
  other.in_request = true;
  venue_->set_listener(&other);
  EXPECT_TRUE(other.connectivity.empty());
  other.in_request = false;
  run();
  ASSERT_EQ(other.connectivity.size(), 1u);
  EXPECT_TRUE(other.connectivity[0].order_entry);
  EXPECT_TRUE(other.connectivity[0].user_data);
  run();
  EXPECT_EQ(other.connectivity.size(), 1u);
  EXPECT_TRUE(venue_->connectivity().order_entry);
  EXPECT_TRUE(venue_->connectivity().user_data);
  EXPECT_TRUE(venue_->supports_amend());
}

TEST_F(PaperVenueTest, PlaceBuyRestsAndLocksQuote) {
  clock_.advance_ms(5);
  place(order("b1", Side::kBuy, kPrice, kQty));
  ASSERT_EQ(rec_.updates.size(), 1u);
  const auto& u = rec_.updates[0];
  EXPECT_EQ(u.exec_type, ExecType::kNew);
  EXPECT_EQ(u.status, OrderStatus::kNew);
  EXPECT_EQ(u.client_id, id("b1"));
  EXPECT_EQ(u.symbol, kSym);
  EXPECT_EQ(u.side, Side::kBuy);
  EXPECT_EQ(u.price, px(kPrice));
  EXPECT_EQ(u.orig_qty, qty(kQty));
  EXPECT_EQ(u.cum_qty, qty(0));
  EXPECT_GT(u.order_id, 0);
  EXPECT_EQ(u.transact_time_ms, clock_.wall_ms());
  ASSERT_EQ(rec_.balances.size(), 1u);
  EXPECT_FALSE(rec_.balances[0].snapshot);
  ASSERT_EQ(rec_.balances[0].balances.size(), 1u);
  EXPECT_EQ(rec_.balances[0].balances[0].name(), "USDC");
  EXPECT_EQ(rec_.balances[0].balances[0].free_units, 10'000 * kUsdc - kNotional8);
  EXPECT_EQ(rec_.balances[0].balances[0].locked_units, kNotional8);
  EXPECT_EQ(venue_->open_order_count(kSym), 1u);
}

TEST_F(PaperVenueTest, PlaceSellLocksBase) {
  place(order("s1", Side::kSell, kPrice, kQty));
  ASSERT_EQ(rec_.updates.size(), 1u);
  EXPECT_EQ(rec_.updates[0].exec_type, ExecType::kNew);
  const auto* btc = rec_.last_balance("BTC");
  ASSERT_NE(btc, nullptr);
  EXPECT_EQ(btc->locked_units, 100'000);  // 0.001 BTC
  EXPECT_EQ(btc->free_units, kBtc - 100'000);
  EXPECT_EQ(venue_->balance("USDC").locked_units, 0);
}

TEST_F(PaperVenueTest, OrderIdsIncrease) {
  place(order("a", Side::kBuy, kPrice, kQty));
  place(order("b", Side::kBuy, kPrice - 1, kQty));
  place(order("c", Side::kSell, kPrice + 100, kQty));
  ASSERT_EQ(rec_.updates.size(), 3u);
  EXPECT_LT(rec_.updates[0].order_id, rec_.updates[1].order_id);
  EXPECT_LT(rec_.updates[1].order_id, rec_.updates[2].order_id);
}

TEST_F(PaperVenueTest, RejectsFilterFailures) {
  expect_rejected(order("t", Side::kBuy, kPrice, kQty + 5), kCodeFilterFailure, "Filter failure: LOT_SIZE");
  expect_rejected(order("t", Side::kBuy, kPrice, 0), kCodeFilterFailure, "Filter failure: LOT_SIZE");
  expect_rejected(order("t", Side::kBuy, 99, 10'000), kCodeFilterFailure, "Filter failure: PRICE_FILTER");
  expect_rejected(order("t", Side::kBuy, 100'000'001, 10), kCodeFilterFailure,
                  "Filter failure: PRICE_FILTER");
  expect_rejected(order("t", Side::kBuy, 0, kQty), kCodeFilterFailure, "Filter failure: PRICE_FILTER");
  // 0.0001 BTC at 40,000.00 = 4 USDC < 5 USDC min notional.
  expect_rejected(order("t", Side::kBuy, 4'000'000, 10), kCodeFilterFailure, "Filter failure: NOTIONAL");
  EXPECT_EQ(venue_->open_order_count(kSym), 0u);
}

TEST_F(PaperVenueTest, RejectsTickViolation) {
  auto config = default_config();
  config.symbols[0].filters.tick_size = Price{10};  // 0.10
  make(config);
  expect_rejected(order("t", Side::kSell, kPrice + 1, kQty), kCodeFilterFailure,
                  "Filter failure: PRICE_FILTER");
}

TEST_F(PaperVenueTest, RejectsPercentPriceBySide) {
  auto config = default_config();
  core::PercentPriceBySide pp;
  pp.bid_up = core::Decimal(5, 0);
  pp.bid_down = core::Decimal(2, 1);  // 0.2
  pp.ask_up = core::Decimal(5, 0);
  pp.ask_down = core::Decimal(2, 1);
  pp.reference_price = px(kPrice);
  config.symbols[0].filters.percent_price = pp;
  make(config);
  expect_rejected(order("t", Side::kBuy, kPrice / 5 - 1, 1000), kCodeFilterFailure,
                  "Filter failure: PERCENT_PRICE_BY_SIDE");
  expect_rejected(order("t", Side::kSell, kPrice * 5 + 1, kQty), kCodeFilterFailure,
                  "Filter failure: PERCENT_PRICE_BY_SIDE");
  place(order("ok", Side::kBuy, kPrice / 5, 1000));
  EXPECT_EQ(rec_.updates.size(), 1u);
}

TEST_F(PaperVenueTest, PercentPriceWithoutAReferenceUsesTheMid) {
  // Phoenix gives no reference price (the exchange's is its average price): the venue
  // checks against its current mid, and not at all before it has a book.
  auto config = default_config();
  core::PercentPriceBySide pp;
  pp.bid_up = core::Decimal(5, 0);
  pp.bid_down = core::Decimal(2, 1);
  pp.ask_up = core::Decimal(5, 0);
  pp.ask_down = core::Decimal(2, 1);
  config.symbols[0].filters.percent_price = pp;  // reference_price 0
  make(config);
  place(order("early", Side::kBuy, kPrice / 5 - 1, 1000));  // no book yet: no percent-price check
  EXPECT_EQ(rec_.updates.size(), 1u);
  book(kPrice - 1, kQty, kPrice + 1, kQty);  // mid = kPrice
  expect_rejected(order("low", Side::kBuy, kPrice / 5 - 1, 1000), kCodeFilterFailure,
                  "Filter failure: PERCENT_PRICE_BY_SIDE");
  place(order("ok", Side::kBuy, kPrice / 5, 1000));  // expect_rejected cleared the recorder
  ASSERT_EQ(rec_.updates.size(), 1u);
  EXPECT_EQ(rec_.updates[0].client_id.view(), "ok");
}

TEST_F(PaperVenueTest, RejectsMaxNumOrders) {
  auto config = default_config();
  config.symbols[0].filters.max_num_orders = 2;
  make(config);
  place(order("a", Side::kBuy, kPrice - 1, kQty));
  place(order("b", Side::kBuy, kPrice - 2, kQty));
  expect_rejected(order("c", Side::kBuy, kPrice - 3, kQty), kCodeFilterFailure,
                  "Filter failure: MAX_NUM_ORDERS");
}

TEST_F(PaperVenueTest, RejectsInsufficientBalance) {
  // 1.0001 BTC to sell with 1 BTC; 0.1 BTC to buy at 100,001 = 10,000.1 USDC > 10,000.
  expect_rejected(order("s", Side::kSell, kPrice, 100'010), kCodeNewOrderRejected,
                  "Account has insufficient balance for requested action.");
  expect_rejected(order("b", Side::kBuy, kPrice + 100, 10'000), kCodeNewOrderRejected,
                  "Account has insufficient balance for requested action.");
  // Exactly the balance is fine.
  rec_.clear();
  place(order("b", Side::kBuy, kPrice, 10'000));
  ASSERT_EQ(rec_.updates.size(), 1u);
  EXPECT_EQ(venue_->balance("USDC").free_units, 0);
  // Locked funds are not available to the next order.
  expect_rejected(order("b2", Side::kBuy, kPrice - 1, 10), kCodeNewOrderRejected,
                  "Account has insufficient balance for requested action.");
}

TEST_F(PaperVenueTest, RejectsDuplicateClientIdAndUnknownSymbol) {
  place(order("dup", Side::kBuy, kPrice, kQty));
  expect_rejected(order("dup", Side::kBuy, kPrice - 1, kQty), kCodeNewOrderRejected, "Duplicate order sent.");
  rec_.clear();
  place(order("x", Side::kBuy, kPrice, kQty, true, 7));
  const auto& f = only_failure();
  EXPECT_EQ(f.failure.code, kCodeBadSymbol);
  EXPECT_EQ(f.failure.action, FailureAction::kRejected);
}

TEST_F(PaperVenueTest, RejectsMissingClientId) {
  oms::PlaceOrder o = order("x", Side::kBuy, kPrice, kQty);
  o.client_id = core::ClientOrderId{};
  expect_rejected(o, kCodeMandatoryParam, "Mandatory parameter 'newClientOrderId' missing.");
}

TEST_F(PaperVenueTest, CommissionRoundsUp) {
  auto config = default_config();
  config.maker_fee_centi_bps = 7;  // 0.07 bp
  make(config);
  place(order("b", Side::kBuy, kPrice, 10));
  rec_.clear();
  trade(kPrice - 1, 10, true);
  const auto f = fills();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].commission_units, 1);  // 10,000 units * 0.000007 = 0.07, rounded up
  EXPECT_EQ(venue_->balance("BTC").free_units, kBtc + 10'000 - 1);
}

TEST_F(PaperVenueTest, QuoteBeyondEightDecimalsIsRoundedAgainstUs) {
  auto config = default_config();
  core::SymbolFilters f;  // ETHBTC-like at scale 8 for both: price * qty has 16 decimals
  f.price_scale = 8;
  f.qty_scale = 8;
  f.quote_scale = 8;
  f.tick_size = Price{1};
  f.step_size = Qty{1};
  config.symbols[1] = {"ETHBTC", "ETH", "BTC", f};
  config.balances.push_back({"ETH", 10});
  make(config);
  place(order("b", Side::kBuy, 3, 3, true, kEth));  // 9e-16 BTC: locks 1e-8
  EXPECT_EQ(venue_->balance("BTC").locked_units, 1);
  place(order("s", Side::kSell, 5, 3, true, kEth));  // locks 3e-8 ETH
  EXPECT_EQ(venue_->balance("ETH").locked_units, 3);
  rec_.clear();
  trade(2, 3, true, kEth);
  trade(6, 3, false, kEth);
  ASSERT_EQ(fills().size(), 2u);
  EXPECT_EQ(venue_->balance("BTC").locked_units, 0);
  EXPECT_EQ(venue_->balance("ETH").locked_units, 0);
  // Paid 1e-8 BTC (rounded up), received 15e-16 BTC (rounded down to 0), fees rounded up.
  EXPECT_EQ(venue_->balance("BTC").free_units, kBtc - 1);
  EXPECT_EQ(venue_->balance("ETH").free_units, 10 - 3 + 3 - 1);
}

TEST_F(PaperVenueTest, PostOnlyRejectedWhenItWouldCross) {
  book(kPrice - 100, 500, kPrice, 500);
  expect_rejected(order("b", Side::kBuy, kPrice, kQty), kCodeNewOrderRejected,
                  "Order would immediately match and take.");
  expect_rejected(order("s", Side::kSell, kPrice - 100, kQty), kCodeNewOrderRejected,
                  "Order would immediately match and take.");
  rec_.clear();
  place(order("b", Side::kBuy, kPrice - 1, kQty));
  place(order("s", Side::kSell, kPrice - 99, kQty));
  ASSERT_EQ(rec_.updates.size(), 2u);
  EXPECT_EQ(rec_.updates[0].exec_type, ExecType::kNew);
  EXPECT_EQ(rec_.updates[1].exec_type, ExecType::kNew);
}

TEST_F(PaperVenueTest, CrossingLimitOrderTakesAtBookPrice) {
  book(kPrice - 100, 500, kPrice - 50, 60);  // ask 99,999.50 for 0.0006
  place(order("b", Side::kBuy, kPrice, kQty, /*post_only=*/false));
  ASSERT_EQ(rec_.updates.size(), 2u);
  EXPECT_EQ(rec_.updates[0].exec_type, ExecType::kNew);
  const auto& t = rec_.updates[1];
  EXPECT_EQ(t.exec_type, ExecType::kTrade);
  EXPECT_EQ(t.status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(t.last_price, px(kPrice - 50));
  EXPECT_EQ(t.last_qty, qty(60));
  EXPECT_FALSE(t.maker);
  // 0.0006 BTC = 60,000 units; 10 bp taker fee = 60 units of BTC.
  EXPECT_EQ(t.commission_units, 60);
  EXPECT_EQ(t.fee_asset, core::FeeAsset::kBase);
  // Paid 0.0006 * 99,999.50 = 59.9997 USDC; 40 USDC stay locked for the resting 0.0004.
  EXPECT_EQ(venue_->balance("USDC").locked_units, 40 * kUsdc);
  EXPECT_EQ(venue_->balance("USDC").free_units, 10'000 * kUsdc - 5'999'970'000 - 40 * kUsdc);
  EXPECT_EQ(venue_->balance("BTC").free_units, kBtc + 60'000 - 60);
  EXPECT_EQ(venue_->open_order_count(kSym), 1u);
  EXPECT_EQ(t.cum_quote_units, 5'999'970'000);
}

TEST_F(PaperVenueTest, TradeThroughFillsPartiallyThenFully) {
  place(order("b", Side::kBuy, kPrice, kQty));
  rec_.clear();
  trade(kPrice - 100, 40, true);  // 0.0004 through our bid
  auto f = fills();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(f[0].last_qty, qty(40));
  EXPECT_EQ(f[0].last_price, px(kPrice));  // our price, not the trade's
  EXPECT_EQ(f[0].cum_qty, qty(40));
  EXPECT_TRUE(f[0].maker);
  EXPECT_EQ(f[0].commission_units, 4);  // 40,000 units of BTC * 1 bp
  EXPECT_EQ(f[0].fee_asset, core::FeeAsset::kBase);
  EXPECT_EQ(f[0].cum_quote_units, 40 * kUsdc);
  EXPECT_EQ(venue_->balance("USDC").locked_units, 60 * kUsdc);
  EXPECT_EQ(venue_->balance("BTC").free_units, kBtc + 40'000 - 4);
  // A balance change follows the fill.
  const auto* usdc = rec_.last_balance("USDC");
  ASSERT_NE(usdc, nullptr);
  EXPECT_EQ(usdc->locked_units, 60 * kUsdc);
  EXPECT_FALSE(rec_.balances.back().snapshot);

  rec_.clear();
  trade(kPrice - 1, 1000, false);  // bigger than what is left: fills only the rest
  f = fills();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].status, OrderStatus::kFilled);
  EXPECT_EQ(f[0].last_qty, qty(60));
  EXPECT_EQ(f[0].cum_qty, qty(kQty));
  EXPECT_EQ(f[0].commission_units, 6);
  EXPECT_GT(f[0].trade_id, 0);
  EXPECT_EQ(venue_->balance("USDC").locked_units, 0);
  EXPECT_EQ(venue_->balance("USDC").free_units, 10'000 * kUsdc - kNotional8);
  EXPECT_EQ(venue_->balance("BTC").free_units, kBtc + 100'000 - 10);
  EXPECT_EQ(venue_->open_order_count(kSym), 0u);
  rec_.clear();
  trade(kPrice - 100, 1000, true);
  EXPECT_TRUE(fills().empty());
}

TEST_F(PaperVenueTest, SellFillChargesFeeInQuote) {
  place(order("s", Side::kSell, kPrice, kQty));
  rec_.clear();
  trade(kPrice + 1, kQty, false);
  const auto f = fills();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].status, OrderStatus::kFilled);
  EXPECT_EQ(f[0].fee_asset, core::FeeAsset::kQuote);
  EXPECT_EQ(f[0].commission_units, kNotional8 / 10'000);  // 1 bp of 100 USDC = 0.01 USDC
  EXPECT_EQ(venue_->balance("BTC").free_units, kBtc - 100'000);
  EXPECT_EQ(venue_->balance("BTC").locked_units, 0);
  EXPECT_EQ(venue_->balance("USDC").free_units, 10'000 * kUsdc + kNotional8 - kNotional8 / 10'000);
}

TEST_F(PaperVenueTest, TradeAtOrAwayFromOurPriceWithoutQueueInfoDoesNotFill) {
  place(order("b", Side::kBuy, kPrice, kQty));  // no book known: queue unknown
  rec_.clear();
  trade(kPrice, 1000, true);
  trade(kPrice + 1, 1000, true);
  EXPECT_TRUE(fills().empty());
}

TEST_F(PaperVenueTest, TradeAtOurPriceFillsOnlyAfterQueueAhead) {
  book(kPrice, 300, kPrice + 100, 300);
  place(order("b", Side::kBuy, kPrice, kQty));  // 300 ahead
  rec_.clear();
  trade(kPrice, 200, true);  // 100 still ahead
  EXPECT_TRUE(fills().empty());
  trade(kPrice, 500, false);  // a buyer lifted an ask at our price: not our queue
  EXPECT_TRUE(fills().empty());
  trade(kPrice, 150, true);  // 100 ahead consumed, 50 for us
  auto f = fills();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].last_qty, qty(50));
  rec_.clear();
  trade(kPrice, 80, true);
  f = fills();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].last_qty, qty(50));
  EXPECT_EQ(f[0].status, OrderStatus::kFilled);
}

TEST_F(PaperVenueTest, QueueAheadOnlyShrinksWithTheBestLevel) {
  book(kPrice, 300, kPrice + 100, 300);
  place(order("b", Side::kBuy, kPrice, kQty));
  book(kPrice, 120, kPrice + 100, 300);  // cancellations ahead: 120 left
  book(kPrice, 900, kPrice + 100, 300);  // others join behind us: still 120
  rec_.clear();
  trade(kPrice, 150, true);
  const auto f = fills();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].last_qty, qty(30));
}

TEST_F(PaperVenueTest, OrderInsideSpreadHasNoQueue) {
  book(kPrice - 100, 300, kPrice + 100, 300);
  place(order("b", Side::kBuy, kPrice, kQty));
  rec_.clear();
  trade(kPrice, 70, true);
  const auto f = fills();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].last_qty, qty(70));
}

TEST_F(PaperVenueTest, OrderBehindBestLearnsQueueWhenItsLevelBecomesBest) {
  book(kPrice + 10, 300, kPrice + 100, 300);
  place(order("b", Side::kBuy, kPrice, kQty));  // behind the best bid: queue unknown
  rec_.clear();
  trade(kPrice, 500, true);
  EXPECT_TRUE(fills().empty());
  book(kPrice, 200, kPrice + 100, 300);  // our level is best now, 200 ahead
  trade(kPrice, 230, true);
  const auto f = fills();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].last_qty, qty(30));
}

TEST_F(PaperVenueTest, BookMovingThroughFillsUpToDisplayedQty) {
  book(kPrice - 100, 300, kPrice + 100, 300);
  place(order("b", Side::kBuy, kPrice, kQty));
  place(order("s", Side::kSell, kPrice + 50, kQty));
  rec_.clear();
  book(kPrice - 200, 300, kPrice, 500);  // ask touches our bid: no fill
  EXPECT_TRUE(fills().empty());
  book(kPrice - 200, 300, kPrice - 1, 30);  // ask through our bid, 0.0003 shown
  auto f = fills();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].client_id, id("b"));
  EXPECT_EQ(f[0].last_qty, qty(30));
  EXPECT_EQ(f[0].last_price, px(kPrice));
  EXPECT_TRUE(f[0].maker);
  rec_.clear();
  book(kPrice + 51, 1000, kPrice + 200, 300);  // bid through our ask
  f = fills();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].client_id, id("s"));
  EXPECT_EQ(f[0].last_qty, qty(kQty));
  EXPECT_EQ(f[0].status, OrderStatus::kFilled);
}

TEST_F(PaperVenueTest, OneTradeIsSharedByOurOrdersBestPriceFirst) {
  place(order("low", Side::kBuy, kPrice - 10, kQty));
  place(order("high", Side::kBuy, kPrice, kQty));
  rec_.clear();
  trade(kPrice - 20, 130, true);
  const auto f = fills();
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].client_id, id("high"));
  EXPECT_EQ(f[0].last_qty, qty(100));
  EXPECT_EQ(f[1].client_id, id("low"));
  EXPECT_EQ(f[1].last_qty, qty(30));
}

TEST_F(PaperVenueTest, CancelReleasesLock) {
  place(order("b", Side::kBuy, kPrice, kQty));
  rec_.clear();
  oms::CancelOrder c;
  c.symbol = kSym;
  c.client_id = id("b");
  request([&] { venue_->cancel(c); });
  ASSERT_EQ(rec_.updates.size(), 1u);
  EXPECT_EQ(rec_.updates[0].exec_type, ExecType::kCanceled);
  EXPECT_EQ(rec_.updates[0].status, OrderStatus::kCanceled);
  EXPECT_EQ(rec_.updates[0].client_id, id("b"));
  const auto* usdc = rec_.last_balance("USDC");
  ASSERT_NE(usdc, nullptr);
  EXPECT_EQ(usdc->locked_units, 0);
  EXPECT_EQ(usdc->free_units, 10'000 * kUsdc);
  EXPECT_EQ(venue_->open_order_count(kSym), 0u);

  rec_.clear();
  request([&] { venue_->cancel(c); });
  const auto& f = only_failure();
  EXPECT_EQ(f.failure.kind, RequestKind::kCancel);
  EXPECT_EQ(f.failure.action, FailureAction::kOrderGone);
  EXPECT_EQ(f.failure.code, kCodeCancelRejected);
}

TEST_F(PaperVenueTest, CancelReplaceCancelsThenPlaces) {
  place(order("old", Side::kBuy, kPrice, kQty));
  rec_.clear();
  oms::ReplaceOrder r;
  r.cancel_client_id = id("old");
  r.new_order = order("new", Side::kBuy, kPrice - 100, 200);
  request([&] { venue_->cancel_replace(r); });
  ASSERT_EQ(rec_.updates.size(), 2u);
  EXPECT_EQ(rec_.updates[0].client_id, id("old"));
  EXPECT_EQ(rec_.updates[0].exec_type, ExecType::kCanceled);
  EXPECT_EQ(rec_.updates[1].client_id, id("new"));
  EXPECT_EQ(rec_.updates[1].exec_type, ExecType::kNew);
  EXPECT_GT(rec_.updates[1].order_id, rec_.updates[0].order_id);
  EXPECT_TRUE(rec_.failures.empty());
  // 0.002 BTC at 99,999.00 locked.
  EXPECT_EQ(venue_->balance("USDC").locked_units, 19'999'800'000);
  EXPECT_EQ(venue_->open_order_count(kSym), 1u);
}

TEST_F(PaperVenueTest, CancelReplaceStopsWhenTheCancelFails) {
  oms::ReplaceOrder r;
  r.cancel_client_id = id("gone");
  r.new_order = order("new", Side::kBuy, kPrice, kQty);
  request([&] { venue_->cancel_replace(r); });
  const auto& f = only_failure();
  EXPECT_EQ(f.failure.kind, RequestKind::kCancelReplace);
  EXPECT_EQ(f.failure.code, kCodeCancelRejected);
  EXPECT_EQ(f.failure.action, FailureAction::kOrderGone);
  EXPECT_EQ(f.failure.client_id, id("new"));
  EXPECT_EQ(f.failure.cancel_client_id, id("gone"));
  EXPECT_FALSE(f.failure.cancel_succeeded);
  EXPECT_FALSE(f.failure.new_order_succeeded);
  EXPECT_EQ(venue_->open_order_count(kSym), 0u);
  EXPECT_EQ(venue_->balance("USDC").locked_units, 0);
}

TEST_F(PaperVenueTest, CancelReplaceReportsARefusedNewOrder) {
  book(kPrice - 100, 300, kPrice + 100, 300);
  place(order("old", Side::kBuy, kPrice, kQty));
  rec_.clear();
  oms::ReplaceOrder r;
  r.cancel_client_id = id("old");
  r.new_order = order("new", Side::kBuy, kPrice + 100, kQty);  // would take
  request([&] { venue_->cancel_replace(r); });
  ASSERT_EQ(rec_.updates.size(), 1u);
  EXPECT_EQ(rec_.updates[0].exec_type, ExecType::kCanceled);
  ASSERT_EQ(rec_.failures.size(), 1u);
  const auto& f = rec_.failures[0];
  EXPECT_EQ(f.failure.code, kCodeNewOrderRejected);
  EXPECT_EQ(f.failure.action, FailureAction::kRejected);
  EXPECT_TRUE(f.failure.cancel_succeeded);
  EXPECT_FALSE(f.failure.new_order_succeeded);
  EXPECT_EQ(venue_->open_order_count(kSym), 0u);
  EXPECT_EQ(venue_->balance("USDC").locked_units, 0);
}

TEST_F(PaperVenueTest, AmendReducesQtyKeepsPriorityAndReleasesLock) {
  book(kPrice, 300, kPrice + 100, 300);
  place(order("b", Side::kBuy, kPrice, kQty));
  trade(kPrice, 320, true);  // 300 ahead consumed, 20 filled
  rec_.clear();
  oms::AmendOrder a;
  a.symbol = kSym;
  a.client_id = id("b");
  a.new_qty = qty(60);
  request([&] { venue_->amend(a); });
  ASSERT_EQ(rec_.updates.size(), 1u);
  const auto& u = rec_.updates[0];
  EXPECT_EQ(u.exec_type, ExecType::kReplaced);
  EXPECT_EQ(u.status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(u.orig_qty, qty(60));
  EXPECT_EQ(u.cum_qty, qty(20));
  // 0.0004 BTC left at 100,000 = 40 USDC locked.
  EXPECT_EQ(venue_->balance("USDC").locked_units, 40 * kUsdc);
  ASSERT_NE(rec_.last_balance("USDC"), nullptr);
  EXPECT_EQ(rec_.last_balance("USDC")->locked_units, 40 * kUsdc);
  // Still first in the queue: the next trade at our price fills us at once.
  rec_.clear();
  trade(kPrice, 40, true);
  const auto f = fills();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].last_qty, qty(40));
  EXPECT_EQ(f[0].status, OrderStatus::kFilled);
  EXPECT_EQ(venue_->balance("USDC").locked_units, 0);
}

TEST_F(PaperVenueTest, AmendRejections) {
  place(order("b", Side::kBuy, kPrice, kQty));
  oms::AmendOrder a;
  a.symbol = kSym;
  a.client_id = id("b");
  a.new_qty = qty(kQty);
  rec_.clear();
  request([&] { venue_->amend(a); });
  EXPECT_EQ(only_failure().failure.code, kCodeAmendRejected);
  EXPECT_EQ(only_failure().failure.action, FailureAction::kRejected);
  a.new_qty = qty(55);  // not a step multiple
  rec_.clear();
  request([&] { venue_->amend(a); });
  EXPECT_EQ(only_failure().failure.code, kCodeFilterFailure);
  a.new_qty = qty(0);
  rec_.clear();
  request([&] { venue_->amend(a); });
  EXPECT_EQ(only_failure().failure.code, kCodeFilterFailure);
  a.client_id = id("nope");
  a.new_qty = qty(50);
  rec_.clear();
  request([&] { venue_->amend(a); });
  EXPECT_EQ(only_failure().failure.code, kCodeNoSuchOrder);
  EXPECT_EQ(only_failure().failure.action, FailureAction::kOrderGone);
  EXPECT_EQ(only_failure().failure.kind, RequestKind::kAmend);
  EXPECT_EQ(venue_->balance("USDC").locked_units, kNotional8);
}

TEST_F(PaperVenueTest, QueryOrderOpenClosedAndUnknown) {
  place(order("b", Side::kBuy, kPrice, kQty));
  trade(kPrice - 1, 30, true);
  rec_.clear();
  request([&] { venue_->query_order(kSym, id("b")); });
  ASSERT_EQ(rec_.updates.size(), 1u);
  EXPECT_EQ(rec_.updates[0].exec_type, ExecType::kSnapshot);
  EXPECT_EQ(rec_.updates[0].status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(rec_.updates[0].cum_qty, qty(30));
  EXPECT_EQ(rec_.updates[0].last_qty, qty(0));

  trade(kPrice - 1, 100, true);
  rec_.clear();
  request([&] { venue_->query_order(kSym, id("b")); });
  ASSERT_EQ(rec_.updates.size(), 1u);
  EXPECT_EQ(rec_.updates[0].status, OrderStatus::kFilled);
  EXPECT_EQ(rec_.updates[0].exec_type, ExecType::kSnapshot);

  rec_.clear();
  request([&] { venue_->query_order(kSym, id("zzz")); });
  const auto& f = only_failure();
  EXPECT_EQ(f.failure.kind, RequestKind::kQuery);
  EXPECT_EQ(f.failure.code, kCodeNoSuchOrder);
  EXPECT_EQ(f.failure.action, FailureAction::kOrderGone);
  rec_.clear();
  request([&] { venue_->query_order(kEth, id("b")); });  // other symbol
  EXPECT_EQ(only_failure().failure.code, kCodeNoSuchOrder);
}

TEST_F(PaperVenueTest, OpenOrdersTradesAndBalances) {
  place(order("a", Side::kBuy, kPrice, kQty));
  place(order("b", Side::kSell, kPrice + 100, kQty));
  place(order("e", Side::kBuy, kPrice, kQty, true, kEth));
  trade(kPrice - 1, 20, true);  // fills a: 0.0002
  clock_.advance_ms(1000);
  const int64_t later_ms = clock_.wall_ms();
  trade(kPrice - 1, 30, true);  // fills a: 0.0003
  rec_.clear();

  request([&] { venue_->request_open_orders(kSym); });
  EXPECT_EQ(rec_.open_orders_symbol, kSym);
  ASSERT_EQ(rec_.open_orders.size(), 2u);
  for (const auto& o : rec_.open_orders) EXPECT_EQ(o.exec_type, ExecType::kSnapshot);
  EXPECT_EQ(rec_.open_orders[0].cum_qty, qty(50));

  request([&] { venue_->request_trades(kSym, 0); });
  EXPECT_EQ(rec_.trades_symbol, kSym);
  ASSERT_EQ(rec_.trades.size(), 2u);
  EXPECT_EQ(rec_.trades[0].exec_type, ExecType::kTrade);
  EXPECT_EQ(rec_.trades[0].last_qty, qty(20));
  request([&] { venue_->request_trades(kSym, later_ms); });
  ASSERT_EQ(rec_.trades.size(), 1u);
  EXPECT_EQ(rec_.trades[0].last_qty, qty(30));
  request([&] { venue_->request_trades(kEth, 0); });
  EXPECT_TRUE(rec_.trades.empty());
  EXPECT_EQ(rec_.trades_calls, 3u);

  request([&] { venue_->request_balances(); });
  ASSERT_EQ(rec_.balances.size(), 1u);
  EXPECT_TRUE(rec_.balances[0].snapshot);
  ASSERT_EQ(rec_.balances[0].balances.size(), 3u);  // USDC, BTC, ETH
  const auto* btc = rec_.last_balance("BTC");
  ASSERT_NE(btc, nullptr);
  EXPECT_EQ(btc->free_units, kBtc - 100'000 + 50'000 - 5);
  EXPECT_EQ(btc->locked_units, 100'000);
  const auto* eth = rec_.last_balance("ETH");
  ASSERT_NE(eth, nullptr);
  EXPECT_EQ(eth->free_units, 0);

  rec_.clear();
  request([&] { venue_->request_open_orders(9); });
  EXPECT_EQ(only_failure().failure.kind, RequestKind::kOpenOrders);
  EXPECT_EQ(only_failure().failure.code, kCodeBadSymbol);
}

TEST_F(PaperVenueTest, CancelAll) {
  place(order("a", Side::kBuy, kPrice, kQty));
  place(order("b", Side::kSell, kPrice + 100, kQty));
  place(order("e", Side::kBuy, kPrice, kQty, true, kEth));
  rec_.clear();
  request([&] { venue_->cancel_all(kSym); });
  ASSERT_EQ(rec_.updates.size(), 2u);
  for (const auto& u : rec_.updates) {
    EXPECT_EQ(u.exec_type, ExecType::kCanceled);
    EXPECT_EQ(u.symbol, kSym);
  }
  EXPECT_EQ(venue_->open_order_count(kSym), 0u);
  EXPECT_EQ(venue_->open_order_count(kEth), 1u);
  EXPECT_EQ(venue_->balance("BTC").locked_units, 0);
  EXPECT_EQ(venue_->balance("USDC").locked_units, kNotional8);  // the ETH order's

  rec_.clear();
  request([&] { venue_->cancel_all(kSym); });
  const auto& f = only_failure();
  EXPECT_EQ(f.failure.kind, RequestKind::kCancelAll);
  EXPECT_EQ(f.failure.action, FailureAction::kOrderGone);
  EXPECT_EQ(f.failure.code, kCodeCancelRejected);
}

TEST_F(PaperVenueTest, HistoryIsBounded) {
  for (int i = 0; i < 300; ++i) {
    const std::string cid = "o" + std::to_string(i);
    place(order(cid, Side::kBuy, kPrice, 10));  // 10 USDC each
    ASSERT_EQ(rec_.updates.size(), 1u);
    if (i % 2 == 0) {
      oms::CancelOrder c;
      c.symbol = kSym;
      c.client_id = id(cid);
      request([&] { venue_->cancel(c); });
    } else {
      trade(kPrice - 1, kQty, true);
    }
    rec_.clear();
  }
  EXPECT_EQ(venue_->open_order_count(kSym), 0u);
  EXPECT_EQ(venue_->closed_orders_retained(), 50u);
  EXPECT_EQ(venue_->trades_retained(), 50u);
  EXPECT_EQ(venue_->pending_events(), 0u);
  // The newest are still queryable, the oldest are forgotten.
  request([&] { venue_->query_order(kSym, id("o299")); });
  ASSERT_EQ(rec_.updates.size(), 1u);
  EXPECT_EQ(rec_.updates[0].status, OrderStatus::kFilled);
  rec_.clear();
  request([&] { venue_->query_order(kSym, id("o0")); });
  EXPECT_EQ(only_failure().failure.code, kCodeNoSuchOrder);
}

// The value of a series of a family, by its labels; -1 when missing.
double metric(const telemetry::Registry& registry, std::string_view name, const telemetry::Labels& labels) {
  for (const auto& fam : registry.collect()) {
    if (fam.name != name) continue;
    for (const auto& s : fam.series) {
      if (s.labels != labels) continue;
      if (const auto* u = std::get_if<uint64_t>(&s.value)) return static_cast<double>(*u);
      return std::get<double>(s.value);
    }
  }
  return -1;
}

TEST_F(PaperVenueTest, Metrics) {
  place(order("a", Side::kBuy, kPrice, kQty));
  place(order("b", Side::kSell, kPrice + 100, kQty));
  trade(kPrice - 1, 10, true);
  trade(kPrice - 1, 10, true);
  trade(kPrice + 101, 10, false);
  EXPECT_EQ(metric(*registry_, "phoenix_paper_fills_total", {{"side", "buy"}, {"symbol", "BTCUSDC"}}), 2.0);
  EXPECT_EQ(metric(*registry_, "phoenix_paper_fills_total", {{"side", "sell"}, {"symbol", "BTCUSDC"}}), 1.0);
  EXPECT_EQ(metric(*registry_, "phoenix_paper_fills_total", {{"side", "buy"}, {"symbol", "ETHUSDC"}}), 0.0);
  EXPECT_EQ(metric(*registry_, "phoenix_paper_orders_open", {{"symbol", "BTCUSDC"}}), 2.0);
  EXPECT_EQ(metric(*registry_, "phoenix_paper_orders_open", {{"symbol", "ETHUSDC"}}), 0.0);
  trade(kPrice - 1, 100, true);
  EXPECT_EQ(metric(*registry_, "phoenix_paper_orders_open", {{"symbol", "BTCUSDC"}}), 1.0);
}

// A listener that places an order from inside a callback; the result must come later.
class ReentrantListener final : public oms::GatewayListener {
 public:
  PaperVenue* venue = nullptr;
  bool placed = false;
  bool inside = false;
  bool nested_delivery = false;
  size_t updates = 0;

  void on_order_update(const core::OrderUpdate&) override {
    if (inside) nested_delivery = true;
    ++updates;
    if (!placed) {
      placed = true;
      oms::PlaceOrder o;
      o.symbol = kSym;
      o.side = Side::kBuy;
      o.price = px(kPrice - 1);
      o.qty = qty(kQty);
      o.client_id = id("second");
      inside = true;
      venue->place(o);
      inside = false;
    }
  }
  void on_request_failed(const core::RequestFailure&) override {}
  void on_open_orders(core::SymbolId, std::span<const core::OrderUpdate>) override {}
  void on_trades(core::SymbolId, std::span<const core::OrderUpdate>) override {}
  void on_balances(std::span<const core::AssetBalance>, bool) override {
    if (inside) nested_delivery = true;
  }
  void on_rate_limits(const core::RateLimitUsage&) override {}
  void on_connectivity(const oms::Connectivity&) override {}
};

TEST_F(PaperVenueTest, RequestsFromCallbacksAreDeliveredLater) {
  ReentrantListener l;
  l.venue = venue_.get();
  venue_->set_listener(&l);
  venue_->place(order("first", Side::kBuy, kPrice, kQty));
  EXPECT_EQ(l.updates, 0u);
  run();
  EXPECT_TRUE(l.placed);
  EXPECT_FALSE(l.nested_delivery);
  EXPECT_EQ(l.updates, 2u);
  EXPECT_EQ(venue_->open_order_count(kSym), 2u);
}

TEST_F(PaperVenueTest, HandlersQueuedAtDestructionDoNothing) {
  venue_->place(order("a", Side::kBuy, kPrice, kQty));
  venue_.reset();
  run();  // ASan would report a use after free
  EXPECT_TRUE(rec_.updates.empty());
}

TEST_F(PaperVenueTest, BookTickerAndUnknownSymbolsInMarketData) {
  core::BookTicker t;
  t.symbol = kSym;
  t.bid_price = px(kPrice - 100);
  t.bid_qty = qty(10);
  t.ask_price = px(kPrice);
  t.ask_qty = qty(10);
  venue_->on_book_ticker(t);
  expect_rejected(order("b", Side::kBuy, kPrice, kQty), kCodeNewOrderRejected,
                  "Order would immediately match and take.");
  venue_->on_top_of_book(42, {px(1), qty(1)}, {px(2), qty(1)});
  core::Trade tr;
  tr.symbol = 42;
  tr.price = px(1);
  tr.qty = qty(1);
  venue_->on_trade(tr);
  run();
  SUCCEED();
}

TEST_F(PaperVenueTest, SellQueueAtOurPrice) {
  book(kPrice - 100, 300, kPrice, 250);
  place(order("s", Side::kSell, kPrice, kQty));  // 250 ahead
  rec_.clear();
  trade(kPrice, 300, true);  // a seller hit a bid at our ask price: not our queue
  EXPECT_TRUE(fills().empty());
  trade(kPrice, 300, false);  // buyer lifted the asks: 250 ahead, 50 for us
  const auto f = fills();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].last_qty, qty(50));
  EXPECT_EQ(f[0].side, Side::kSell);
}

TEST_F(PaperVenueTest, CrossingSellTakesAtTheBid) {
  book(kPrice, 500, kPrice + 100, 500);
  place(order("s", Side::kSell, kPrice - 100, kQty, /*post_only=*/false));
  const auto f = fills();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].status, OrderStatus::kFilled);
  EXPECT_EQ(f[0].last_price, px(kPrice));
  EXPECT_FALSE(f[0].maker);
  EXPECT_EQ(f[0].commission_units, kNotional8 / 1000);  // 10 bp of 100 USDC
  EXPECT_EQ(venue_->balance("USDC").free_units, 10'000 * kUsdc + kNotional8 - kNotional8 / 1000);
  EXPECT_EQ(venue_->open_order_count(kSym), 0u);
}

// Random requests and market data; after every step the balances must equal the start
// plus the reported fills, and the locked amounts must equal what the open orders need.
TEST_F(PaperVenueTest, RandomSequenceKeepsBalancesConsistent) {
  std::mt19937_64 rng(12345);
  auto uniform = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  int64_t mid = kPrice;
  int64_t expected_btc = kBtc;
  int64_t expected_usdc = 10'000 * kUsdc;
  std::vector<std::string> ids;
  size_t fills_seen = 0;
  for (int step = 0; step < 3000; ++step) {
    const int64_t action = uniform(0, 9);
    if (action <= 2) {
      mid += uniform(-30, 30);
      book(mid - uniform(1, 20), uniform(0, 300), mid + uniform(1, 20), uniform(0, 300));
    } else if (action <= 4) {
      trade(mid + uniform(-40, 40), uniform(1, 200), uniform(0, 1) == 1);
    } else if (action <= 6) {
      const std::string cid = "r" + std::to_string(step);
      ids.push_back(cid);
      const Side side = uniform(0, 1) == 1 ? Side::kBuy : Side::kSell;
      place(order(cid, side, mid + uniform(-50, 50), 10 * uniform(1, 20), uniform(0, 3) != 0));
    } else if (action == 7 && !ids.empty()) {
      oms::CancelOrder c;
      c.symbol = kSym;
      c.client_id = id(ids[static_cast<size_t>(uniform(0, static_cast<int64_t>(ids.size()) - 1))]);
      request([&] { venue_->cancel(c); });
    } else if (action == 8 && !ids.empty()) {
      oms::AmendOrder a;
      a.symbol = kSym;
      a.client_id = id(ids[static_cast<size_t>(uniform(0, static_cast<int64_t>(ids.size()) - 1))]);
      a.new_qty = qty(10 * uniform(1, 10));
      request([&] { venue_->amend(a); });
    } else if (!ids.empty()) {
      oms::ReplaceOrder r;
      r.cancel_client_id = id(ids[static_cast<size_t>(uniform(0, static_cast<int64_t>(ids.size()) - 1))]);
      const std::string cid = "x" + std::to_string(step);
      ids.push_back(cid);
      r.new_order = order(cid, uniform(0, 1) == 1 ? Side::kBuy : Side::kSell, mid + uniform(-50, 50),
                          10 * uniform(1, 20));
      request([&] { venue_->cancel_replace(r); });
    }
    for (const auto& f : fills()) {
      const int64_t base8 = f.last_qty.units() * 1000;
      const int64_t quote8 = f.last_price.units() * f.last_qty.units() * 10;
      if (f.side == Side::kBuy) {
        expected_btc += base8 - f.commission_units;
        expected_usdc -= quote8;
      } else {
        expected_btc -= base8;
        expected_usdc += quote8 - f.commission_units;
      }
      ++fills_seen;
    }
    rec_.clear();
    request([&] { venue_->request_open_orders(kSym); });
    int64_t need_usdc = 0;
    int64_t need_btc = 0;
    for (const auto& o : rec_.open_orders) {
      const int64_t rest = o.orig_qty.units() - o.cum_qty.units();
      ASSERT_GT(rest, 0);
      if (o.side == Side::kBuy) {
        need_usdc += o.price.units() * rest * 10;
      } else {
        need_btc += rest * 1000;
      }
    }
    rec_.clear();
    const auto btc = venue_->balance("BTC");
    const auto usdc = venue_->balance("USDC");
    ASSERT_EQ(btc.locked_units, need_btc) << "step " << step;
    ASSERT_EQ(usdc.locked_units, need_usdc) << "step " << step;
    ASSERT_GE(btc.free_units, 0) << "step " << step;
    ASSERT_GE(usdc.free_units, 0) << "step " << step;
    ASSERT_EQ(btc.free_units + btc.locked_units, expected_btc) << "step " << step;
    ASSERT_EQ(usdc.free_units + usdc.locked_units, expected_usdc) << "step " << step;
  }
  EXPECT_GT(fills_seen, 100u);
}

TEST(PaperVenueCreateTest, RejectsBadConfig) {
  boost::asio::io_context ioc;
  core::ManualClock clock;
  telemetry::Registry registry;
  auto bad = [&](auto mutate) {
    PaperVenueConfig c = default_config();
    mutate(c);
    return !PaperVenue::create(ioc, clock, registry, std::move(c)).ok();
  };
  EXPECT_TRUE(bad([](PaperVenueConfig& c) { c.history_limit = 0; }));
  EXPECT_TRUE(bad([](PaperVenueConfig& c) { c.maker_fee_centi_bps = -1; }));
  EXPECT_TRUE(bad([](PaperVenueConfig& c) { c.symbols[0].filters.tick_size = Price{0}; }));
  EXPECT_TRUE(bad([](PaperVenueConfig& c) { c.symbols[0].filters.step_size = Qty{0}; }));
  EXPECT_TRUE(bad([](PaperVenueConfig& c) { c.symbols[0].filters.qty_scale = 9; }));
  EXPECT_TRUE(bad([](PaperVenueConfig& c) { c.symbols[0].quote_asset = "BTC"; }));
  EXPECT_TRUE(bad([](PaperVenueConfig& c) { c.symbols[0].base_asset = ""; }));
  EXPECT_TRUE(bad([](PaperVenueConfig& c) { c.balances[0].units = -5; }));
  EXPECT_TRUE(bad([](PaperVenueConfig& c) { c.balances[0].asset = std::string(17, 'A'); }));
  EXPECT_FALSE(bad([](PaperVenueConfig&) {}));
}

}  // namespace
}  // namespace phoenix::paper
