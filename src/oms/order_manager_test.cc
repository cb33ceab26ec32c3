#include "oms/order_manager.h"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "oms/fake_gateway_test_util.h"
#include "telemetry/metrics.h"

namespace phoenix::oms {
namespace {

using core::ExecType;
using core::FailureAction;
using core::OrderStatus;
using core::RequestKind;
using core::Side;

class OrderManagerTest : public ::testing::Test, public OmsListener {
 protected:
  OrderManagerTest() { make(defaults()); }

  static OrderManagerOptions defaults() {
    OrderManagerOptions o;
    o.client_id_prefix = "phx";
    o.start_reconciled = true;
    return o;
  }
  void make(OrderManagerOptions options) {
    oms_.reset();
    registry_ = std::make_unique<telemetry::Registry>();
    gw_.clear();
    fills_.clear();
    corrections_.clear();
    // 1 bp price tolerance (10 units at 100000).
    oms_ = std::make_unique<OrderManager>(gw_, clock_, *registry_,
                                          std::vector<SymbolSetup>{{"BTCUSDC", 100, 0}, {"ETHUSDC", 100, 0}},
                                          std::move(options), this);
  }

  void on_fill(const Fill& f) override { fills_.push_back(f); }
  void on_correction(const Correction& c) override { corrections_.push_back(c); }
  void on_halt(const core::RequestFailure&) override { ++halts_; }
  void on_reject(core::SymbolId, int code) override { rejects_.push_back(code); }

  static DesiredOrder bid(int level, int64_t price, int64_t qty) {
    return {Side::kBuy, level, core::Price(price), core::Qty(qty)};
  }
  static DesiredOrder ask(int level, int64_t price, int64_t qty) {
    return {Side::kSell, level, core::Price(price), core::Qty(qty)};
  }
  void target(std::vector<DesiredOrder> d, core::SymbolId symbol = 0) { oms_->set_target(symbol, d); }

  static core::OrderUpdate update(const core::ClientOrderId& id, Side side, OrderStatus status, ExecType exec,
                                  int64_t price, int64_t orig, int64_t cum, core::SymbolId symbol = 0) {
    core::OrderUpdate u;
    u.symbol = symbol;
    u.client_id = id;
    u.order_id = 1000 + static_cast<int64_t>(id.view().back());
    u.side = side;
    u.status = status;
    u.exec_type = exec;
    u.price = core::Price(price);
    u.orig_qty = core::Qty(orig);
    u.cum_qty = core::Qty(cum);
    return u;
  }
  void ack(const PlaceOrder& p) {
    oms_->on_order_update(update(p.client_id, p.side, OrderStatus::kNew, ExecType::kNew, p.price.units(),
                                 p.qty.units(), 0, p.symbol));
  }
  core::OrderUpdate trade(const PlaceOrder& p, int64_t last, int64_t cum, int64_t trade_id) {
    auto u = update(p.client_id, p.side,
                    cum >= p.qty.units() ? OrderStatus::kFilled : OrderStatus::kPartiallyFilled,
                    ExecType::kTrade, p.price.units(), p.qty.units(), cum, p.symbol);
    u.last_qty = core::Qty(last);
    u.last_price = p.price;
    u.trade_id = trade_id;
    u.maker = true;
    u.commission_units = last;
    u.fee_asset = core::FeeAsset::kBase;
    return u;
  }
  void canceled(const PlaceOrder& p, int64_t cum) {
    oms_->on_order_update(update(p.client_id, p.side, OrderStatus::kCanceled, ExecType::kCanceled,
                                 p.price.units(), p.qty.units(), cum, p.symbol));
  }
  core::RequestFailure failure(RequestKind kind, const core::ClientOrderId& id, FailureAction action,
                               int code = 0) {
    core::RequestFailure f;
    f.kind = kind;
    f.symbol = 0;
    f.client_id = id;
    f.action = action;
    f.code = code;
    return f;
  }
  uint64_t counter(std::string_view name, const telemetry::Labels& labels) {
    for (const auto& fam : registry_->collect()) {
      if (fam.name != name) continue;
      for (const auto& s : fam.series) {
        bool match = true;
        for (const auto& l : labels) {
          bool found = false;
          for (const auto& sl : s.labels) found = found || sl == l;
          match = match && found;
        }
        if (match) return std::get<uint64_t>(s.value);
      }
    }
    return 0;
  }
  double gauge(std::string_view name, const telemetry::Labels& labels) {
    for (const auto& fam : registry_->collect()) {
      if (fam.name != name) continue;
      for (const auto& s : fam.series) {
        bool match = true;
        for (const auto& l : labels) {
          bool found = false;
          for (const auto& sl : s.labels) found = found || sl == l;
          match = match && found;
        }
        if (match) return std::get<double>(s.value);
      }
    }
    return -1;
  }
  std::optional<OrderState> st(const core::ClientOrderId& id) { return oms_->order_state(id); }

  // One resting bid at level 0.
  PlaceOrder rest_one_bid(int64_t price = 100000, int64_t qty = 10) {
    target({bid(0, price, qty)});
    EXPECT_EQ(gw_.places.size(), 1u);
    PlaceOrder p = gw_.places.back();
    ack(p);
    gw_.clear();
    return p;
  }

  core::ManualClock clock_;
  testing::FakeGateway gw_;
  std::unique_ptr<telemetry::Registry> registry_;
  std::unique_ptr<OrderManager> oms_;
  std::vector<Fill> fills_;
  std::vector<Correction> corrections_;
  int halts_ = 0;
  std::vector<int> rejects_;
};

// ---- diff -------------------------------------------------------------------------------

TEST_F(OrderManagerTest, PlacesMissingLevelsInnerFirst) {
  target({bid(1, 99000, 5), ask(1, 101000, 5), bid(0, 99900, 2), ask(0, 100100, 2)});
  ASSERT_EQ(gw_.places.size(), 4u);
  EXPECT_EQ(gw_.places[0].side, Side::kBuy);
  EXPECT_EQ(gw_.places[0].price.units(), 99900);
  EXPECT_EQ(gw_.places[1].side, Side::kSell);
  EXPECT_EQ(gw_.places[1].price.units(), 100100);
  EXPECT_EQ(gw_.places[2].price.units(), 99000);
  EXPECT_EQ(gw_.places[3].price.units(), 101000);
  EXPECT_TRUE(gw_.places[0].post_only);
  EXPECT_TRUE(oms_->is_ours(gw_.places[0].client_id));
  EXPECT_EQ(st(gw_.places[0].client_id), OrderState::kPendingNew);
  EXPECT_EQ(oms_->live_order_count(0), 4u);
  EXPECT_FALSE(oms_->all_closed());
  EXPECT_EQ(counter("phoenix_orders_total", {{"symbol", "BTCUSDC"}, {"event", "placed"}}), 4u);
  EXPECT_EQ(gauge("phoenix_orders_active", {{"symbol", "BTCUSDC"}, {"side", "buy"}}), 2.0);
  EXPECT_EQ(oms_->state(0, Side::kBuy), QuoteState::kQuoting);
}

TEST_F(OrderManagerTest, AckMovesToNewAndSameTargetSendsNothing) {
  auto p = rest_one_bid();
  EXPECT_EQ(st(p.client_id), OrderState::kNew);
  target({bid(0, 100000, 10)});
  EXPECT_EQ(gw_.requests(), 0u);
}

TEST_F(OrderManagerTest, ToleranceLeavesOrderAloneElseReplaces) {
  auto p = rest_one_bid();
  target({bid(0, 100010, 10)});  // 1 bp away: within tolerance
  EXPECT_EQ(gw_.requests(), 0u);
  target({bid(0, 100011, 10)});  // beyond
  ASSERT_EQ(gw_.replaces.size(), 1u);
  EXPECT_EQ(gw_.replaces[0].cancel_client_id, p.client_id);
  EXPECT_EQ(gw_.replaces[0].new_order.price.units(), 100011);
  EXPECT_NE(gw_.replaces[0].new_order.client_id, p.client_id);
  EXPECT_EQ(st(p.client_id), OrderState::kPendingReplace);
  EXPECT_EQ(st(gw_.replaces[0].new_order.client_id), OrderState::kPendingNew);
  EXPECT_EQ(counter("phoenix_orders_total", {{"symbol", "BTCUSDC"}, {"event", "replaced"}}), 1u);
}

TEST_F(OrderManagerTest, ReplaceCompletesWithCancelAndNewUpdates) {
  auto p = rest_one_bid();
  target({bid(0, 99000, 10)});
  ASSERT_EQ(gw_.replaces.size(), 1u);
  const auto r = gw_.replaces[0];
  // While in flight, the slot is not touched.
  target({bid(0, 98000, 10)});
  EXPECT_EQ(gw_.replaces.size(), 1u);
  auto cancel = update(core::ClientOrderId(*core::ClientOrderId::parse("x-cancel-1")), Side::kBuy,
                       OrderStatus::kCanceled, ExecType::kCanceled, 100000, 10, 0);
  cancel.orig_client_id = p.client_id;
  oms_->on_order_update(cancel);
  EXPECT_EQ(st(p.client_id), OrderState::kCanceled);
  ack(r.new_order);
  // Resolved: at once the latest target (98000) goes out, replacing the new order.
  EXPECT_EQ(st(r.new_order.client_id), OrderState::kPendingReplace);
  EXPECT_EQ(oms_->live_order_count(0), 2u);  // the old one pending-cancel, the next pending-new
  ASSERT_EQ(gw_.replaces.size(), 2u);
  EXPECT_EQ(gw_.replaces[1].cancel_client_id, r.new_order.client_id);
  EXPECT_EQ(gw_.replaces[1].new_order.price.units(), 98000);
}

TEST_F(OrderManagerTest, AmendWhenOnlyQtyShrinks) {
  auto p = rest_one_bid(100000, 10);
  target({bid(0, 100000, 6)});
  ASSERT_EQ(gw_.amends.size(), 1u);
  EXPECT_EQ(gw_.amends[0].client_id, p.client_id);
  EXPECT_EQ(gw_.amends[0].new_qty.units(), 6);
  target({bid(0, 100000, 4)});  // in flight: nothing
  EXPECT_EQ(gw_.requests(), 1u);
  oms_->on_order_update(
      update(p.client_id, Side::kBuy, OrderStatus::kNew, ExecType::kReplaced, 100000, 6, 0));
  ASSERT_EQ(gw_.amends.size(), 2u);
  EXPECT_EQ(gw_.amends[1].new_qty.units(), 4);
  EXPECT_EQ(counter("phoenix_orders_total", {{"event", "amended"}, {"symbol", "BTCUSDC"}}), 2u);
}

TEST_F(OrderManagerTest, AmendKeepsExecutedQuantity) {
  auto p = rest_one_bid(100000, 10);
  oms_->on_order_update(trade(p, 3, 3, 1));  // a partial fill alone does not requote
  EXPECT_EQ(gw_.requests(), 0u);
  target({bid(0, 100000, 5)});
  ASSERT_EQ(gw_.amends.size(), 1u);
  EXPECT_EQ(gw_.amends[0].new_qty.units(), 5);  // the new size, above the executed 3
  oms_->on_order_update(
      update(p.client_id, Side::kBuy, OrderStatus::kPartiallyFilled, ExecType::kReplaced, 100000, 5, 3));
  target({bid(0, 100000, 2)});  // below what executed: amend impossible, replace
  EXPECT_EQ(gw_.amends.size(), 1u);
  EXPECT_EQ(gw_.replaces.size(), 1u);
}

TEST_F(OrderManagerTest, ReplaceInsteadOfAmendWhenUnsupportedOrQtyGrowsOrPriceMoves) {
  gw_.amend_supported = false;
  auto p = rest_one_bid(100000, 10);
  target({bid(0, 100000, 6)});
  EXPECT_EQ(gw_.amends.size(), 0u);
  EXPECT_EQ(gw_.replaces.size(), 1u);

  make(defaults());
  p = rest_one_bid(100000, 10);
  target({bid(0, 100000, 12)});
  EXPECT_EQ(gw_.amends.size(), 0u);
  EXPECT_EQ(gw_.replaces.size(), 1u);

  make(defaults());
  p = rest_one_bid(100000, 10);
  target({bid(0, 100500, 6)});
  EXPECT_EQ(gw_.amends.size(), 0u);
  EXPECT_EQ(gw_.replaces.size(), 1u);
}

TEST_F(OrderManagerTest, AmendRejectedFallsBackToReplace) {
  auto p = rest_one_bid(100000, 10);
  target({bid(0, 100000, 6)});
  ASSERT_EQ(gw_.amends.size(), 1u);
  oms_->on_request_failed(failure(RequestKind::kAmend, p.client_id, FailureAction::kRejected, -2038));
  EXPECT_EQ(st(p.client_id), OrderState::kPendingReplace);  // not amended again: replaced
  EXPECT_EQ(gw_.amends.size(), 1u);
  EXPECT_EQ(gw_.replaces.size(), 1u);
  EXPECT_EQ(counter("phoenix_order_rejects_total", {{"code", "-2038"}}), 1u);
}

TEST_F(OrderManagerTest, ExtraLevelsAreCanceled) {
  target({bid(0, 99900, 2), bid(1, 99000, 2)});
  for (const auto& p : std::vector<PlaceOrder>(gw_.places)) ack(p);
  const auto outer = gw_.places[1];
  gw_.clear();
  target({bid(0, 99900, 2)});
  ASSERT_EQ(gw_.cancels.size(), 1u);
  EXPECT_EQ(gw_.cancels[0].client_id, outer.client_id);
  EXPECT_EQ(st(outer.client_id), OrderState::kPendingCancel);
  target({bid(0, 99900, 2), bid(1, 99000, 2)});  // slot busy until the cancel resolves
  EXPECT_EQ(gw_.places.size(), 0u);
  canceled(outer, 0);
  EXPECT_EQ(st(outer.client_id), OrderState::kCanceled);
  EXPECT_EQ(gw_.places.size(), 1u);  // the latest target put it back
  EXPECT_EQ(counter("phoenix_orders_total", {{"event", "canceled"}, {"symbol", "BTCUSDC"}}), 1u);
}

// ---- updates, fills ---------------------------------------------------------------------

TEST_F(OrderManagerTest, FillsAreCountedOnceWhateverTheDuplicates) {
  auto p = rest_one_bid(100000, 10);
  const auto t1 = trade(p, 2, 2, 11);
  oms_->on_order_update(t1);
  oms_->on_order_update(t1);  // duplicate event
  oms_->on_order_update(update(p.client_id, Side::kBuy, OrderStatus::kPartiallyFilled, ExecType::kSnapshot,
                               100000, 10, 2));  // a snapshot showing the same fill
  ASSERT_EQ(fills_.size(), 1u);
  EXPECT_EQ(fills_[0].qty.units(), 2);
  EXPECT_EQ(fills_[0].trade_id, 11);
  EXPECT_EQ(fills_[0].commission_units, 2);
  EXPECT_EQ(fills_[0].client_id, p.client_id);
  EXPECT_EQ(st(p.client_id), OrderState::kPartiallyFilled);
  oms_->on_order_update(trade(p, 3, 5, 12));
  // A FILLED snapshot with the rest (a trade event that never came).
  oms_->on_order_update(
      update(p.client_id, Side::kBuy, OrderStatus::kFilled, ExecType::kSnapshot, 100000, 10, 10));
  oms_->on_order_update(trade(p, 5, 10, 13));  // ... and the trade event after all
  ASSERT_EQ(fills_.size(), 3u);
  EXPECT_EQ(fills_[1].qty.units(), 3);
  EXPECT_EQ(fills_[2].qty.units(), 5);
  EXPECT_EQ(fills_[2].price.units(), 100000);
  EXPECT_EQ(st(p.client_id), OrderState::kFilled);
  EXPECT_EQ(counter("phoenix_orders_total", {{"event", "filled"}, {"symbol", "BTCUSDC"}}), 1u);
  // The filled level is quoted again with a new order.
  ASSERT_EQ(gw_.places.size(), 1u);
  EXPECT_NE(gw_.places[0].client_id, p.client_id);
  EXPECT_EQ(oms_->live_order_count(0), 1u);
}

TEST_F(OrderManagerTest, UserDataBeforeResponse) {
  target({bid(0, 100000, 10)});
  const auto p = gw_.places[0];
  gw_.clear();
  oms_->on_order_update(trade(p, 4, 4, 1));  // a fill before any NEW
  EXPECT_EQ(st(p.client_id), OrderState::kPartiallyFilled);
  ack(p);  // the response (status NEW, cum 0) arrives late
  EXPECT_EQ(st(p.client_id), OrderState::kPartiallyFilled);
  ASSERT_EQ(fills_.size(), 1u);
  EXPECT_EQ(fills_[0].qty.units(), 4);
}

TEST_F(OrderManagerTest, ResponseAfterCancelDoesNotResurrect) {
  auto p = rest_one_bid();
  target({});
  ASSERT_EQ(gw_.cancels.size(), 1u);
  canceled(p, 0);  // user data
  canceled(p, 0);  // cancel response
  ack(p);          // a very late place response
  EXPECT_EQ(st(p.client_id), OrderState::kCanceled);
  EXPECT_TRUE(oms_->all_closed());
  EXPECT_EQ(counter("phoenix_orders_total", {{"event", "canceled"}, {"symbol", "BTCUSDC"}}), 1u);
}

TEST_F(OrderManagerTest, PartialFillThenCancel) {
  auto p = rest_one_bid(100000, 10);
  oms_->on_order_update(trade(p, 3, 3, 1));
  target({});
  ASSERT_EQ(gw_.cancels.size(), 1u);
  oms_->on_order_update(trade(p, 2, 5, 2));  // filled more while the cancel was in flight
  EXPECT_EQ(st(p.client_id), OrderState::kPendingCancel);
  canceled(p, 5);
  EXPECT_EQ(st(p.client_id), OrderState::kCanceled);
  ASSERT_EQ(fills_.size(), 2u);
  EXPECT_EQ(fills_[0].qty.units() + fills_[1].qty.units(), 5);
}

TEST_F(OrderManagerTest, ExpiredPostOnlyCoolsDownTheLevel) {
  target({bid(0, 100000, 10)});
  const auto p = gw_.places[0];
  gw_.clear();
  oms_->on_order_update(
      update(p.client_id, Side::kBuy, OrderStatus::kExpired, ExecType::kExpired, 100000, 10, 0));
  EXPECT_EQ(st(p.client_id), OrderState::kExpired);
  EXPECT_EQ(gw_.places.size(), 0u);
  EXPECT_EQ(oms_->state(0, Side::kBuy), QuoteState::kRejectCooldown);
  EXPECT_EQ(counter("phoenix_orders_total", {{"event", "expired"}, {"symbol", "BTCUSDC"}}), 1u);
}

TEST_F(OrderManagerTest, RejectedUpdateEndsThePendingOrder) {
  target({bid(0, 100000, 10)});
  const auto p = gw_.places[0];
  gw_.clear();
  oms_->on_order_update(
      update(p.client_id, Side::kBuy, OrderStatus::kRejected, ExecType::kRejected, 100000, 10, 0));
  EXPECT_EQ(st(p.client_id), OrderState::kRejected);
  EXPECT_TRUE(oms_->all_closed());
  EXPECT_EQ(rejects_, std::vector<int>{0});
  EXPECT_EQ(gw_.places.size(), 0u);  // cooldown
  ack(p);                            // a stale NEW afterwards changes nothing
  EXPECT_EQ(st(p.client_id), OrderState::kRejected);
}

TEST_F(OrderManagerTest, AmendResolvedByASnapshotShowingTheNewSize) {
  auto p = rest_one_bid(100000, 10);
  target({bid(0, 100000, 6)});
  ASSERT_EQ(gw_.amends.size(), 1u);
  oms_->on_request_failed(failure(RequestKind::kAmend, p.client_id, FailureAction::kUnknown));
  ASSERT_EQ(gw_.queries.size(), 1u);
  oms_->on_order_update(
      update(p.client_id, Side::kBuy, OrderStatus::kNew, ExecType::kSnapshot, 100000, 6, 0));
  EXPECT_EQ(st(p.client_id), OrderState::kNew);
  target({bid(0, 100000, 6)});
  EXPECT_EQ(gw_.amends.size(), 1u);
  EXPECT_EQ(gw_.replaces.size(), 0u);
}

// ---- failures ---------------------------------------------------------------------------

TEST_F(OrderManagerTest, RejectedLevelIsNotRetriedUntilPriceChangesOrCooldown) {
  target({bid(0, 100000, 10)});
  const auto p = gw_.places[0];
  gw_.clear();
  oms_->on_request_failed(failure(RequestKind::kPlace, p.client_id, FailureAction::kRejected, -2010));
  EXPECT_EQ(st(p.client_id), OrderState::kRejected);
  EXPECT_EQ(counter("phoenix_order_rejects_total", {{"code", "-2010"}}), 1u);
  EXPECT_EQ(counter("phoenix_orders_total", {{"event", "rejected"}, {"symbol", "BTCUSDC"}}), 1u);
  EXPECT_EQ(rejects_, std::vector<int>{-2010});
  for (int i = 0; i < 5; ++i) {
    target({bid(0, 100000, 10)});
    oms_->poll();
  }
  EXPECT_EQ(gw_.places.size(), 0u);
  EXPECT_EQ(oms_->state(0, Side::kBuy), QuoteState::kRejectCooldown);
  target({bid(0, 99990, 10)});  // a new price
  ASSERT_EQ(gw_.places.size(), 1u);
  oms_->on_request_failed(
      failure(RequestKind::kPlace, gw_.places[0].client_id, FailureAction::kRejected, -2010));
  gw_.clear();
  clock_.advance_ms(999);
  target({bid(0, 99990, 10)});
  EXPECT_EQ(gw_.places.size(), 0u);
  clock_.advance_ms(1);
  target({bid(0, 99990, 10)});
  EXPECT_EQ(gw_.places.size(), 1u);
}

TEST_F(OrderManagerTest, UnknownPlaceOutcomeIsQueried) {
  target({bid(0, 100000, 10)});
  const auto p = gw_.places[0];
  gw_.clear();
  oms_->on_request_failed(failure(RequestKind::kPlace, p.client_id, FailureAction::kUnknown));
  ASSERT_EQ(gw_.queries.size(), 1u);
  EXPECT_EQ(gw_.queries[0].client_id, p.client_id);
  EXPECT_EQ(st(p.client_id), OrderState::kPendingNew);
  target({bid(0, 90000, 10)});  // slot busy while the query is out
  EXPECT_EQ(gw_.requests(), 0u);
  // It did reach the book; now it can be moved.
  oms_->on_order_update(
      update(p.client_id, Side::kBuy, OrderStatus::kNew, ExecType::kSnapshot, 100000, 10, 0));
  EXPECT_EQ(st(p.client_id), OrderState::kPendingReplace);
  EXPECT_EQ(gw_.replaces.size(), 1u);
}

TEST_F(OrderManagerTest, UnknownPlaceThatNeverReachedTheBook) {
  target({bid(0, 100000, 10)});
  const auto p = gw_.places[0];
  gw_.clear();
  oms_->on_request_failed(failure(RequestKind::kPlace, p.client_id, FailureAction::kUnknown));
  oms_->on_request_failed(failure(RequestKind::kQuery, p.client_id, FailureAction::kOrderGone, -2013));
  EXPECT_FALSE(oms_->order_state(p.client_id).has_value() && !is_terminal(*st(p.client_id)));
  EXPECT_TRUE(oms_->all_closed() || oms_->live_order_count(0) == 1u);
  // The slot is free again: a new order went out with a new id.
  ASSERT_EQ(gw_.places.size(), 1u);
  EXPECT_NE(gw_.places[0].client_id, p.client_id);
}

TEST_F(OrderManagerTest, CancelOfGoneOrderQueriesAndRecoversTheFill) {
  auto p = rest_one_bid(100000, 10);
  target({});
  ASSERT_EQ(gw_.cancels.size(), 1u);
  oms_->on_request_failed(failure(RequestKind::kCancel, p.client_id, FailureAction::kOrderGone, -2011));
  ASSERT_EQ(gw_.queries.size(), 1u);
  EXPECT_EQ(oms_->live_order_count(0), 0u);  // no longer open
  oms_->on_order_update(
      update(p.client_id, Side::kBuy, OrderStatus::kFilled, ExecType::kSnapshot, 100000, 10, 10));
  EXPECT_EQ(st(p.client_id), OrderState::kFilled);
  ASSERT_EQ(fills_.size(), 1u);
  EXPECT_EQ(fills_[0].qty.units(), 10);
  // The user-data trade arrives afterwards: not counted again.
  oms_->on_order_update(trade(p, 10, 10, 5));
  EXPECT_EQ(fills_.size(), 1u);
}

TEST_F(OrderManagerTest, CancelUnknownOutcomeIsQueriedAndRetried) {
  auto p = rest_one_bid();
  target({});
  oms_->on_request_failed(failure(RequestKind::kCancel, p.client_id, FailureAction::kUnknown));
  ASSERT_EQ(gw_.queries.size(), 1u);
  gw_.clear();
  oms_->on_order_update(
      update(p.client_id, Side::kBuy, OrderStatus::kNew, ExecType::kSnapshot, 100000, 10, 0));
  ASSERT_EQ(gw_.cancels.size(), 1u);  // still open, still unwanted: cancel again
}

TEST_F(OrderManagerTest, CancelRetryLaterWaitsInsteadOfLooping) {
  auto p = rest_one_bid();
  target({});
  ASSERT_EQ(gw_.cancels.size(), 1u);
  auto f = failure(RequestKind::kCancel, p.client_id, FailureAction::kRetryLater, -1003);
  f.retry_after_ms = 200;
  oms_->on_request_failed(f);
  EXPECT_EQ(st(p.client_id), OrderState::kNew);
  oms_->poll();
  target({});
  EXPECT_EQ(gw_.cancels.size(), 1u);
  clock_.advance_ms(200);
  oms_->poll();
  EXPECT_EQ(gw_.cancels.size(), 2u);
}

TEST_F(OrderManagerTest, CancelRejectedIsQueriedAfterAPause) {
  auto p = rest_one_bid();
  target({});
  oms_->on_request_failed(failure(RequestKind::kCancel, p.client_id, FailureAction::kRejected, -1013));
  EXPECT_EQ(gw_.queries.size(), 0u);
  EXPECT_EQ(gw_.cancels.size(), 1u);
  clock_.advance_ms(1000);
  oms_->poll();
  ASSERT_EQ(gw_.queries.size(), 1u);
  EXPECT_EQ(gw_.cancels.size(), 1u);
}

TEST_F(OrderManagerTest, CancelReplaceWhoseCancelFailedKeepsOrQueriesTheOldOrder) {
  auto p = rest_one_bid();
  target({bid(0, 99000, 10)});
  ASSERT_EQ(gw_.replaces.size(), 1u);
  const auto r = gw_.replaces[0];
  gw_.clear();
  auto f = failure(RequestKind::kCancelReplace, r.new_order.client_id, FailureAction::kOrderGone, -2022);
  f.cancel_client_id = p.client_id;
  oms_->on_request_failed(f);
  EXPECT_TRUE(is_terminal(*st(r.new_order.client_id)));
  ASSERT_EQ(gw_.queries.size(), 1u);
  EXPECT_EQ(gw_.queries[0].client_id, p.client_id);
  // The old order is not open any more, so the slot is free: the target goes out anew.
  ASSERT_EQ(gw_.places.size(), 1u);
  EXPECT_EQ(gw_.places[0].price.units(), 99000);
  EXPECT_EQ(oms_->live_order_count(0), 1u);
}

TEST_F(OrderManagerTest, CancelReplaceUnknownOutcomeQueriesBothHalves) {
  auto p = rest_one_bid();
  target({bid(0, 99000, 10)});
  const auto r = gw_.replaces[0];
  gw_.clear();
  auto f = failure(RequestKind::kCancelReplace, r.new_order.client_id, FailureAction::kUnknown);
  f.cancel_client_id = p.client_id;
  oms_->on_request_failed(f);
  ASSERT_EQ(gw_.queries.size(), 2u);
  // The old order turns out open, the new one never existed.
  oms_->on_order_update(
      update(p.client_id, Side::kBuy, OrderStatus::kNew, ExecType::kSnapshot, 100000, 10, 0));
  EXPECT_EQ(gw_.requests(), 0u);  // the new order's query is still out
  oms_->on_request_failed(
      failure(RequestKind::kQuery, r.new_order.client_id, FailureAction::kOrderGone, -2013));
  EXPECT_TRUE(is_terminal(*st(r.new_order.client_id)));
  EXPECT_EQ(st(p.client_id), OrderState::kPendingReplace);  // the slot's order again, replaced anew
  ASSERT_EQ(gw_.replaces.size(), 1u);
  EXPECT_EQ(gw_.replaces[0].cancel_client_id, p.client_id);
}

TEST_F(OrderManagerTest, CancelReplaceUnknownWithBothOpenCancelsTheOld) {
  auto p = rest_one_bid();
  target({bid(0, 99000, 10)});
  const auto r = gw_.replaces[0];
  gw_.clear();
  auto f = failure(RequestKind::kCancelReplace, r.new_order.client_id, FailureAction::kUnknown);
  f.cancel_client_id = p.client_id;
  oms_->on_request_failed(f);
  oms_->on_order_update(
      update(p.client_id, Side::kBuy, OrderStatus::kNew, ExecType::kSnapshot, 100000, 10, 0));
  oms_->on_order_update(
      update(r.new_order.client_id, Side::kBuy, OrderStatus::kNew, ExecType::kSnapshot, 99000, 10, 0));
  ASSERT_EQ(gw_.cancels.size(), 1u);
  EXPECT_EQ(gw_.cancels[0].client_id, p.client_id);
  canceled(p, 0);
  EXPECT_EQ(oms_->live_order_count(0), 1u);
  EXPECT_EQ(st(r.new_order.client_id), OrderState::kNew);
}

TEST_F(OrderManagerTest, CancelReplaceNewOrderRejectedCoolsDown) {
  auto p = rest_one_bid();
  target({bid(0, 99000, 10)});
  const auto r = gw_.replaces[0];
  gw_.clear();
  auto f = failure(RequestKind::kCancelReplace, r.new_order.client_id, FailureAction::kRejected, -2021);
  f.cancel_client_id = p.client_id;
  f.cancel_succeeded = true;
  oms_->on_request_failed(f);
  EXPECT_EQ(st(p.client_id), OrderState::kCanceled);
  EXPECT_EQ(st(r.new_order.client_id), OrderState::kRejected);
  EXPECT_EQ(gw_.requests(), 0u);  // same price: cooldown
  EXPECT_TRUE(oms_->all_closed());
}

TEST_F(OrderManagerTest, RetryLaterBacksOff) {
  target({bid(0, 100000, 10)});
  const auto p = gw_.places[0];
  gw_.clear();
  auto f = failure(RequestKind::kPlace, p.client_id, FailureAction::kRetryLater, -1015);
  f.retry_after_ms = 500;
  oms_->on_request_failed(f);
  EXPECT_EQ(gw_.places.size(), 0u);
  EXPECT_EQ(oms_->state(0, Side::kBuy), QuoteState::kBackoff);
  clock_.advance_ms(499);
  oms_->poll();
  EXPECT_EQ(gw_.places.size(), 0u);
  clock_.advance_ms(1);
  oms_->poll();
  EXPECT_EQ(gw_.places.size(), 1u);
}

TEST_F(OrderManagerTest, BannedStopsAllTrafficUntilTheEnd) {
  auto p = rest_one_bid();
  auto f = failure(RequestKind::kPlace, core::ClientOrderId{}, FailureAction::kBanned, 0);
  f.banned_until_ms = clock_.wall_ms() + 60'000;
  oms_->on_request_failed(f);
  target({});
  target({bid(0, 90000, 10), ask(0, 110000, 1)});
  oms_->pull(0, PullReason::kRisk);
  oms_->poll();
  EXPECT_EQ(gw_.requests(), 0u);
  EXPECT_EQ(gw_.queries.size(), 0u);
  oms_->resume(0);
  EXPECT_EQ(oms_->state(0, Side::kBuy), QuoteState::kBanned);
  clock_.advance_ms(60'000);
  target({bid(0, 90000, 10)});
  EXPECT_EQ(gw_.replaces.size(), 1u);
  EXPECT_EQ(gw_.replaces[0].cancel_client_id, p.client_id);
}

TEST_F(OrderManagerTest, HaltCancelsEverythingOnceAndStops) {
  auto p = rest_one_bid();
  oms_->on_request_failed(failure(RequestKind::kPlace, core::ClientOrderId{}, FailureAction::kHalt, -2015));
  EXPECT_EQ(halts_, 1);
  ASSERT_EQ(gw_.cancels.size(), 1u);
  EXPECT_EQ(gw_.cancels[0].client_id, p.client_id);
  gw_.clear();
  target({bid(0, 90000, 10)});
  oms_->poll();
  EXPECT_EQ(gw_.requests(), 0u);
  EXPECT_EQ(oms_->state(0, Side::kSell), QuoteState::kHalted);
}

// ---- rate budget --------------------------------------------------------------------------

TEST_F(OrderManagerTest, ShortBudgetGoesToInnerLevelsFirst) {
  auto o = defaults();
  o.max_orders_per_10s = 3;
  make(o);
  target({bid(0, 99900, 1), bid(1, 99800, 1), bid(2, 99700, 1), ask(0, 100100, 1), ask(1, 100200, 1),
          ask(2, 100300, 1)});
  ASSERT_EQ(gw_.places.size(), 3u);
  EXPECT_EQ(gw_.places[0].price.units(), 99900);
  EXPECT_EQ(gw_.places[1].price.units(), 100100);
  EXPECT_EQ(gw_.places[2].price.units(), 99800);
  EXPECT_EQ(oms_->state(0, Side::kSell), QuoteState::kRateLimited);
  for (const auto& p : std::vector<PlaceOrder>(gw_.places)) ack(p);
  gw_.clear();
  clock_.advance_ms(5'000);
  oms_->poll();
  EXPECT_EQ(gw_.places.size(), 0u);
  clock_.advance_ms(5'100);
  oms_->poll();
  ASSERT_EQ(gw_.places.size(), 3u);
  EXPECT_EQ(gw_.places[0].price.units(), 100200);
  EXPECT_EQ(oms_->state(0, Side::kSell), QuoteState::kQuoting);
}

TEST_F(OrderManagerTest, CancelsDoNotNeedBudget) {
  auto o = defaults();
  o.max_orders_per_10s = 1;
  make(o);
  auto p = rest_one_bid();
  target({});
  EXPECT_EQ(gw_.cancels.size(), 1u);
  (void)p;
}

TEST_F(OrderManagerTest, ExchangeReportedLimitLowersTheBudget) {
  oms_->on_rate_limits({0, 2, 0, 0, 0, 0});
  target({bid(0, 99900, 1), bid(1, 99800, 1), ask(0, 100100, 1), ask(1, 100200, 1)});
  EXPECT_EQ(gw_.places.size(), 2u);
}

TEST_F(OrderManagerTest, ExchangeWeightNearLimitHoldsOrdersButNotCancels) {
  auto p = rest_one_bid();
  oms_->on_rate_limits({0, 0, 0, 0, 5900, 6000});
  target({bid(0, 90000, 10), ask(0, 110000, 1)});
  EXPECT_EQ(gw_.places.size() + gw_.replaces.size(), 0u);
  EXPECT_EQ(oms_->state(0, Side::kSell), QuoteState::kRateLimited);
  target({});
  ASSERT_EQ(gw_.cancels.size(), 1u);
  EXPECT_EQ(gw_.cancels[0].client_id, p.client_id);
}

// ---- pull, cancel-all -----------------------------------------------------------------------

TEST_F(OrderManagerTest, PullCancelsAndStopsUntilResume) {
  target({bid(0, 99900, 1), ask(0, 100100, 1)});
  const auto b = gw_.places[0];
  const auto a = gw_.places[1];
  ack(b);  // the ask's place is still in flight
  gw_.clear();
  oms_->pull(0, PullReason::kStale);
  EXPECT_EQ(oms_->state(0, Side::kBuy), QuoteState::kPulled);
  ASSERT_EQ(gw_.cancels.size(), 1u);
  EXPECT_EQ(gw_.cancels[0].client_id, b.client_id);
  ack(a);  // resolves, and is cancelled at once
  ASSERT_EQ(gw_.cancels.size(), 2u);
  EXPECT_EQ(gw_.cancels[1].client_id, a.client_id);
  target({bid(0, 99900, 1)});
  EXPECT_EQ(gw_.places.size(), 0u);
  canceled(b, 0);
  canceled(a, 0);
  EXPECT_TRUE(oms_->all_closed());
  oms_->resume(0);
  target({bid(0, 99900, 1)});
  EXPECT_EQ(gw_.places.size(), 1u);
}

TEST_F(OrderManagerTest, CancelEverythingCoversEverySymbol) {
  target({bid(0, 99900, 1)}, 0);
  target({ask(0, 2000, 1)}, 1);
  for (const auto& p : std::vector<PlaceOrder>(gw_.places)) ack(p);
  gw_.clear();
  oms_->cancel_everything();
  EXPECT_EQ(gw_.cancels.size(), 2u);
  EXPECT_FALSE(oms_->all_closed());
  LiveOrder live[4];
  ASSERT_EQ(oms_->live_orders(1, live), 1u);
  EXPECT_EQ(live[0].state, OrderState::kPendingCancel);
  for (const auto& c : std::vector<CancelOrder>(gw_.cancels)) {
    oms_->on_order_update(
        update(c.client_id, Side::kBuy, OrderStatus::kCanceled, ExecType::kCanceled, 1, 1, 0, c.symbol));
  }
  EXPECT_TRUE(oms_->all_closed());
}

// ---- reconciliation -----------------------------------------------------------------------

TEST_F(OrderManagerTest, QuotingWaitsForTheFirstSnapshot) {
  auto o = defaults();
  o.start_reconciled = false;
  make(o);
  oms_->request_reconcile(0);
  EXPECT_EQ(gw_.open_orders_requests.size(), 1u);
  target({bid(0, 99900, 1)});
  EXPECT_EQ(gw_.places.size(), 0u);
  EXPECT_EQ(oms_->state(0, Side::kBuy), QuoteState::kReconciling);
  oms_->on_open_orders(0, {});
  EXPECT_EQ(gw_.places.size(), 1u);
}

TEST_F(OrderManagerTest, FailedOpenOrdersRequestIsRetried) {
  auto o = defaults();
  o.start_reconciled = false;
  make(o);
  oms_->request_reconcile(0);
  auto f = failure(RequestKind::kOpenOrders, core::ClientOrderId{}, FailureAction::kUnknown);
  oms_->on_request_failed(f);
  oms_->poll();
  EXPECT_EQ(gw_.open_orders_requests.size(), 1u);
  clock_.advance_ms(1000);
  oms_->poll();
  EXPECT_EQ(gw_.open_orders_requests.size(), 2u);
  oms_->poll();
  EXPECT_EQ(gw_.open_orders_requests.size(), 2u);
}

TEST_F(OrderManagerTest, ReconcileMissingOnExchangeIsQueried) {
  auto p = rest_one_bid();
  oms_->reconcile(0, {});
  ASSERT_EQ(corrections_.size(), 1u);
  EXPECT_EQ(corrections_[0].kind, CorrectionKind::kMissingOnExchange);
  ASSERT_EQ(gw_.queries.size(), 1u);
  EXPECT_EQ(gw_.queries[0].client_id, p.client_id);
  EXPECT_EQ(counter("phoenix_reconcile_corrections_total", {{"kind", "missing_on_exchange"}}), 1u);
  // It filled while we were away.
  oms_->on_order_update(
      update(p.client_id, Side::kBuy, OrderStatus::kFilled, ExecType::kSnapshot, 100000, 10, 10));
  ASSERT_EQ(fills_.size(), 1u);
  EXPECT_EQ(fills_[0].qty.units(), 10);
}

TEST_F(OrderManagerTest, ReconcileUnknownOursIsCanceledForeignIgnored) {
  auto orphan = update(*core::ClientOrderId::parse("phx-oldrun-5"), Side::kSell, OrderStatus::kNew,
                       ExecType::kSnapshot, 100500, 3, 0);
  auto manual = update(*core::ClientOrderId::parse("web_abc"), Side::kSell, OrderStatus::kNew,
                       ExecType::kSnapshot, 100500, 3, 0);
  std::vector<core::OrderUpdate> open = {orphan, manual};
  oms_->reconcile(0, open);
  ASSERT_EQ(gw_.cancels.size(), 1u);
  EXPECT_EQ(gw_.cancels[0].client_id, orphan.client_id);
  ASSERT_EQ(corrections_.size(), 2u);
  EXPECT_EQ(corrections_[0].kind, CorrectionKind::kUnknownOnExchange);
  EXPECT_EQ(corrections_[1].kind, CorrectionKind::kOrphanCanceled);
  EXPECT_FALSE(oms_->all_closed());
  oms_->on_order_update(
      update(orphan.client_id, Side::kSell, OrderStatus::kCanceled, ExecType::kCanceled, 100500, 3, 0));
  EXPECT_TRUE(oms_->all_closed());
  EXPECT_EQ(counter("phoenix_reconcile_corrections_total", {{"kind", "orphan_canceled"}}), 1u);
}

TEST_F(OrderManagerTest, ReconcileAdoptsOrphansWhenAsked) {
  auto o = defaults();
  o.orphans = OrphanAction::kAdopt;
  o.start_reconciled = false;
  make(o);
  target({bid(0, 99900, 3)});  // waits for the snapshot
  EXPECT_EQ(gw_.requests(), 0u);
  auto orphan = update(*core::ClientOrderId::parse("phx-oldrun-5"), Side::kBuy, OrderStatus::kNew,
                       ExecType::kSnapshot, 99900, 3, 0);
  std::vector<core::OrderUpdate> open = {orphan};
  oms_->reconcile(0, open);
  EXPECT_EQ(gw_.cancels.size(), 0u);
  EXPECT_EQ(corrections_.back().kind, CorrectionKind::kOrphanAdopted);
  target({bid(0, 99900, 3)});  // already what we want
  EXPECT_EQ(gw_.requests(), 0u);
  target({bid(0, 99000, 3)});
  ASSERT_EQ(gw_.replaces.size(), 1u);
  EXPECT_EQ(gw_.replaces[0].cancel_client_id, orphan.client_id);
}

TEST_F(OrderManagerTest, ReconcileFillMissedAndStateMismatch) {
  auto p = rest_one_bid(100000, 10);
  auto snap =
      update(p.client_id, Side::kBuy, OrderStatus::kPartiallyFilled, ExecType::kSnapshot, 100000, 8, 4);
  std::vector<core::OrderUpdate> open = {snap};
  oms_->reconcile(0, open);
  ASSERT_EQ(fills_.size(), 1u);
  EXPECT_EQ(fills_[0].qty.units(), 4);
  ASSERT_EQ(corrections_.size(), 2u);
  EXPECT_EQ(corrections_[0].kind, CorrectionKind::kFillMissed);
  EXPECT_EQ(corrections_[1].kind, CorrectionKind::kStateMismatch);
  LiveOrder live[4];
  const size_t n = oms_->live_orders(0, live);
  ASSERT_GE(n, 1u);
  EXPECT_EQ(live[0].client_id, p.client_id);
  EXPECT_EQ(live[0].orig_qty.units(), 8);
  EXPECT_EQ(live[0].cum_qty.units(), 4);
  oms_->reconcile(0, open);  // the same snapshot again: nothing new
  EXPECT_EQ(fills_.size(), 1u);
  EXPECT_EQ(corrections_.size(), 2u);
}

TEST_F(OrderManagerTest, ReconcileListsAnOrderWeThinkFinished) {
  auto p = rest_one_bid();
  target({});
  canceled(p, 0);
  gw_.clear();
  auto snap = update(p.client_id, Side::kBuy, OrderStatus::kNew, ExecType::kSnapshot, 100000, 10, 0);
  std::vector<core::OrderUpdate> open = {snap};
  oms_->reconcile(0, open);
  EXPECT_EQ(st(p.client_id), OrderState::kCanceled);  // not resurrected ...
  ASSERT_EQ(gw_.cancels.size(), 1u);                  // ... but cancelled on the exchange
  EXPECT_EQ(corrections_.back().kind, CorrectionKind::kStateMismatch);
}

TEST_F(OrderManagerTest, OrdersChangedAfterTheSnapshotRequestAreNotCorrected) {
  auto p = rest_one_bid(100000, 10);
  oms_->request_reconcile(0);
  clock_.advance_ms(5);
  target({bid(0, 100000, 10), ask(0, 101000, 5)});  // placed after the request
  ASSERT_EQ(gw_.places.size(), 0u);                 // (reconciling: held)
  // The amend lands after the request too.
  oms_->on_order_update(
      update(p.client_id, Side::kBuy, OrderStatus::kPartiallyFilled, ExecType::kTrade, 100000, 10, 1));
  auto stale = update(p.client_id, Side::kBuy, OrderStatus::kNew, ExecType::kSnapshot, 100000, 12, 0);
  std::vector<core::OrderUpdate> open = {stale};
  oms_->on_open_orders(0, open);
  EXPECT_TRUE(corrections_.empty());
  LiveOrder live[4];
  ASSERT_GE(oms_->live_orders(0, live), 1u);
  EXPECT_EQ(live[0].orig_qty.units(), 10);  // not overwritten by the stale snapshot
  EXPECT_EQ(gw_.places.size(), 1u);         // quoting resumed
  // A later snapshot that misses the new ask (requested after it was acknowledged) does.
  ack(gw_.places[0]);
  clock_.advance_ms(5);
  oms_->request_reconcile(0);
  clock_.advance_ms(5);
  open[0] =
      update(p.client_id, Side::kBuy, OrderStatus::kPartiallyFilled, ExecType::kSnapshot, 100000, 10, 1);
  oms_->on_open_orders(0, open);
  ASSERT_EQ(corrections_.size(), 1u);
  EXPECT_EQ(corrections_[0].kind, CorrectionKind::kMissingOnExchange);
  EXPECT_EQ(corrections_[0].client_id, gw_.places[0].client_id);
}

TEST_F(OrderManagerTest, TradesRecoverFillsOfAVanishedOrder) {
  auto p = rest_one_bid(100000, 10);
  oms_->on_order_update(trade(p, 2, 2, 1));  // seen live
  oms_->reconcile(0, {});
  ASSERT_EQ(gw_.queries.size(), 1u);
  oms_->on_request_failed(failure(RequestKind::kQuery, p.client_id, FailureAction::kOrderGone, -2013));
  ASSERT_EQ(gw_.trades_requests.size(), 1u);
  EXPECT_FALSE(oms_->order_state(p.client_id) == OrderState::kNew);
  ASSERT_EQ(gw_.places.size(), 1u);  // not open: the level is quoted anew
  std::vector<core::OrderUpdate> trades = {trade(p, 2, 0, 1), trade(p, 5, 0, 2), trade(p, 3, 0, 3)};
  for (auto& t : trades) t.client_id = core::ClientOrderId{};  // only order_id, as myTrades
  oms_->on_trades(0, trades);
  ASSERT_EQ(fills_.size(), 3u);
  EXPECT_EQ(fills_[1].qty.units(), 5);
  EXPECT_EQ(fills_[1].trade_id, 2);
  EXPECT_EQ(fills_[2].qty.units(), 3);
  EXPECT_EQ(st(p.client_id), OrderState::kFilled);
  oms_->on_trades(0, trades);  // again: nothing
  EXPECT_EQ(fills_.size(), 3u);
}

TEST_F(OrderManagerTest, UnknownOursLiveUpdateIsCanceled) {
  auto u = update(*core::ClientOrderId::parse("phx-zzz-1"), Side::kBuy, OrderStatus::kNew, ExecType::kNew, 1,
                  1, 0);
  oms_->on_order_update(u);
  ASSERT_EQ(gw_.cancels.size(), 1u);
  auto foreign =
      update(*core::ClientOrderId::parse("other-1"), Side::kBuy, OrderStatus::kNew, ExecType::kNew, 1, 1, 0);
  oms_->on_order_update(foreign);
  EXPECT_EQ(gw_.cancels.size(), 1u);
}

TEST_F(OrderManagerTest, ReconnectTriggersReconcileAndHoldsQuoting) {
  oms_->on_connectivity({true, true});
  auto p = rest_one_bid();
  oms_->on_connectivity({true, false});
  target({bid(0, 90000, 10)});
  EXPECT_EQ(gw_.requests(), 0u);
  EXPECT_EQ(oms_->state(0, Side::kBuy), QuoteState::kReconciling);
  oms_->on_connectivity({true, true});
  EXPECT_EQ(gw_.open_orders_requests.size(), 2u);
  EXPECT_EQ(gw_.trades_requests.size(), 2u);
  auto snap = update(p.client_id, Side::kBuy, OrderStatus::kNew, ExecType::kSnapshot, 100000, 10, 0);
  std::vector<core::OrderUpdate> open = {snap};
  oms_->on_open_orders(0, open);
  EXPECT_EQ(gw_.replaces.size(), 1u);
}

// ---- bookkeeping --------------------------------------------------------------------------

TEST_F(OrderManagerTest, FinishedOrdersAreForgottenAfterRetentionAndPoolIsReused) {
  auto o = defaults();
  o.max_orders = 8;
  o.max_orders_per_10s = 1000;
  make(o);
  for (int i = 0; i < 50; ++i) {
    target({bid(0, 100000 + i * 100, 1)});
    ASSERT_EQ(gw_.places.size(), 1u) << i;
    const PlaceOrder p = gw_.places[0];
    ack(p);
    target({});
    ASSERT_EQ(gw_.cancels.size(), 1u) << i;
    canceled(p, 0);
    gw_.clear();
  }
  clock_.advance_ms(61'000);
  oms_->poll();
  EXPECT_TRUE(oms_->all_closed());
}

}  // namespace
}  // namespace phoenix::oms
