// Checks that the OrderManager's steady-state path does not allocate (core/testing/
// alloc_counter.h counts every global operator new of this binary).

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/testing/alloc_counter.h"
#include "oms/fake_gateway_test_util.h"
#include "oms/order_manager.h"
#include "telemetry/metrics.h"

namespace phoenix::oms {
namespace {

class OrderManagerAllocTest : public ::testing::Test {
 protected:
  OrderManagerAllocTest() {
    OrderManagerOptions o;
    o.start_reconciled = true;
    o.max_orders_per_10s = 1'000'000;
    oms_ = std::make_unique<OrderManager>(gw_, clock_, registry_,
                                          std::vector<SymbolSetup>{{"BTCUSDC", 100, 0}}, o, nullptr);
    gw_.places.reserve(100'000);
    gw_.replaces.reserve(100'000);
    gw_.cancels.reserve(100'000);
  }
  std::vector<DesiredOrder> ladder(int64_t mid) {
    std::vector<DesiredOrder> d;
    for (int l = 0; l < 5; ++l) {
      d.push_back({core::Side::kBuy, l, core::Price(mid - 100 - 100 * l), core::Qty(10)});
      d.push_back({core::Side::kSell, l, core::Price(mid + 100 + 100 * l), core::Qty(10)});
    }
    return d;
  }
  void ack_all() {
    for (size_t i = acked_; i < gw_.places.size(); ++i) ack(gw_.places[i]);
    for (size_t i = acked_r_; i < gw_.replaces.size(); ++i) {
      core::OrderUpdate c;
      c.client_id = gw_.replaces[i].cancel_client_id;
      c.status = core::OrderStatus::kCanceled;
      c.exec_type = core::ExecType::kCanceled;
      c.symbol = 0;
      oms_->on_order_update(c);
      ack(gw_.replaces[i].new_order);
    }
    acked_ = gw_.places.size();
    acked_r_ = gw_.replaces.size();
  }
  void ack(const PlaceOrder& p) {
    core::OrderUpdate u;
    u.symbol = p.symbol;
    u.client_id = p.client_id;
    u.side = p.side;
    u.status = core::OrderStatus::kNew;
    u.exec_type = core::ExecType::kNew;
    u.price = p.price;
    u.orig_qty = p.qty;
    oms_->on_order_update(u);
  }

  core::ManualClock clock_;
  testing::FakeGateway gw_;
  telemetry::Registry registry_;
  std::unique_ptr<OrderManager> oms_;
  size_t acked_ = 0;
  size_t acked_r_ = 0;
};

TEST_F(OrderManagerAllocTest, UnchangedTargetsAndDuplicateUpdatesDoNotAllocate) {
  const auto d = ladder(1'000'000);
  oms_->set_target(0, d);
  ack_all();
  const auto within = ladder(1'000'050);  // 0.5 bp: within the 1 bp tolerance
  const uint64_t before = phoenix::testing::allocation_count();
  for (int i = 0; i < 1000; ++i) {
    oms_->set_target(0,
                     i % 2 == 0 ? std::span<const DesiredOrder>(d) : std::span<const DesiredOrder>(within));
    ack(gw_.places[static_cast<size_t>(i) % gw_.places.size()]);  // a duplicate update
    oms_->poll();
  }
  EXPECT_EQ(phoenix::testing::allocation_count() - before, 0u);
  EXPECT_EQ(gw_.places.size(), 10u);
  EXPECT_EQ(gw_.replaces.size(), 0u);
}

TEST_F(OrderManagerAllocTest, RequotingDoesNotAllocate) {
  oms_->set_target(0, ladder(1'000'000));
  ack_all();
  std::vector<std::vector<DesiredOrder>> moves;
  for (int i = 1; i <= 200; ++i) moves.push_back(ladder(1'000'000 + 1000 * i));
  const uint64_t before = phoenix::testing::allocation_count();
  for (const auto& m : moves) {
    oms_->set_target(0, m);
    ack_all();
  }
  const uint64_t allocated = phoenix::testing::allocation_count() - before;
  EXPECT_EQ(gw_.replaces.size(), 2000u);
  EXPECT_EQ(allocated, 0u);
}

}  // namespace
}  // namespace phoenix::oms
