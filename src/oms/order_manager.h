#pragma once

// oms::OrderManager: keeps one trading instance's resting orders equal to the desired
// ladder per symbol, through an ExchangeGateway.
//
// Owner: the engine, one per trading instance. Thread: the trading loop's thread only
// (every method, every GatewayListener callback and every OmsListener callback).
//
// How the engine drives it:
//   - Construction: the gateway, the clock, the metrics registry, the symbols (index =
//     core::SymbolId) with their requote tolerances, options (client id prefix, caps, ...)
//     and an OmsListener for fills, reconciliation corrections and halts.
//   - Gateway results: OrderManager implements GatewayListener. Either register it with
//     gateway.set_listener(&oms) (when nothing else needs the gateway's callbacks), or
//     forward on_order_update / on_request_failed / on_open_orders / on_trades /
//     on_rate_limits / on_connectivity to it from the engine's own listener (on_balances
//     is ignored here; position and balances belong to another module).
//   - Start-up: call request_reconcile(symbol) for every symbol (the OMS asks the gateway
//     for open orders and recent trades); quoting of a symbol begins once its open-orders
//     snapshot has been reconciled (unless Options::start_reconciled). After order entry
//     or user data comes back from a disconnect, the OMS does the same by itself. For the
//     periodic check (OrdersConfig::reconcile_interval_ms) call request_reconcile() too.
//   - Config mapping: OrdersConfig::client_id_prefix/post_only/use_amend -> Options;
//     startup_orphans -> Options::orphans; RiskConfig::max_orders_per_10s ->
//     Options::max_orders_per_10s; the strategy Ladder's bids/asks -> DesiredOrder{kBuy or
//     kSell, level, price, qty}.
//   - Every quote cycle: set_target(symbol, desired) with the symbol's whole desired ladder
//     (both sides; a level that is absent means "no order there").
//   - Periodically (e.g. every 100 ms): poll() — retries queries, lets cooled-down or
//     rate-limited levels go out, forgets old finished orders.
//   - Risk / stale data / operator: pull(symbol, reason) and resume(symbol); shutdown and
//     kill switch: cancel_everything(), then wait for all_closed().
//
// The diff, per (symbol, side, level) slot, innermost level first on both sides (so a
// short budget goes to level 0): no target -> cancel; no order -> place; the order's price
// within the symbol's requote tolerance of the target and its size (orig_qty, so a partial
// fill alone never requotes) within the qty tolerance -> leave it; same price, smaller size
// still above the executed quantity, amend available -> amend; otherwise cancel-replace.
// A level rejected (or expired: a LIMIT_MAKER that would take) waits until its target price
// changes or reject_cooldown_ms passes; a rejected amend makes that slot replace instead.
//
// Budgets: place / cancel-replace / amend need the ORDERS budget (min of our caps and the
// exchange's reported limits, also respecting the exchange's reported count) and request
// weight; cancels and queries are never held back by our budget but count as weight.
// kRetryLater / kResyncTime stop every order request, cancels included, for retry_after_ms;
// kBanned stops all traffic until banned_until_ms; kHalt cancels everything once, then
// stops for good (OmsListener::on_halt).
//
// Unknown outcomes: kUnknown -> query_order; a cancel (or cancel-replace, or amend) that
// finds the order gone marks it closed provisionally and queries it; a query that finds
// it gone asks for the symbol's trades since the order's creation, and on_trades() reports
// whatever executed quantity we had not seen.
//
// Guarantees: at most one open order per (symbol, side, level) slot; a slot with a
// request in flight is not touched until it resolves; every executed quantity is reported
// once through OmsListener::on_fill (fills are cum_qty deltas, whatever the order and
// number of updates); finished orders are never resurrected. set_target() and the
// callbacks do not allocate (fixed pools and a fixed-capacity id index).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/orders.h"
#include "oms/client_id.h"
#include "oms/gateway.h"
#include "oms/order_index.h"
#include "oms/rate_budget.h"
#include "telemetry/metrics.h"

namespace phoenix::oms {

// The most ladder levels per side.
inline constexpr int kMaxLevels = 16;

// One desired order: the engine converts the strategy's ladder into these.
struct DesiredOrder {
  core::Side side = core::Side::kBuy;
  int level = 0;  // 0 = innermost; 0..kMaxLevels-1
  core::Price price;
  core::Qty qty;  // the open quantity wanted
};

enum class OrderState : uint8_t {
  kPendingNew,  // place sent, no sign of it yet
  kNew,         // resting
  kPartiallyFilled,
  kPendingCancel,   // cancel sent
  kPendingReplace,  // cancel-replace sent: this (old) order is being cancelled
  kFilled,
  kCanceled,
  kRejected,
  kExpired,
};
std::string_view to_string(OrderState state);
bool is_terminal(OrderState state);

// Why a side of a symbol is (not) quoting: the OMS's part of phoenix_quote_state.
enum class QuoteState : uint8_t {
  kQuoting,         // orders are where the target wants them (or on their way)
  kIdle,            // no target on this side
  kReconciling,     // waiting for the open-orders snapshot
  kRateLimited,     // some levels wait for the order-rate budget
  kBackoff,         // the exchange said retry later
  kBanned,          // the exchange banned order traffic
  kRejectCooldown,  // a level was rejected and waits for a new price or the cooldown
  kPulled,          // pull(symbol) until resume(symbol)
  kHalted,          // an unrecoverable gateway failure: no traffic at all
};
std::string_view to_string(QuoteState state);

enum class PullReason : uint8_t { kOperator, kRisk, kStale, kDisconnected, kKillSwitch, kShutdown };

enum class CorrectionKind : uint8_t {
  kMissingOnExchange,  // we think it is open, the exchange does not list it
  kUnknownOnExchange,  // the exchange lists an order with our prefix we do not know
  kFillMissed,         // executed quantity we had not seen
  kStateMismatch,      // status or quantity differs
  kOrphanCanceled,
  kOrphanAdopted,
};
std::string_view to_string(CorrectionKind kind);

// What to do with an open order that carries our prefix but that we do not know.
enum class OrphanAction : uint8_t { kCancel, kAdopt };

// One execution of one of our orders.
struct Fill {
  core::SymbolId symbol = core::kNoSymbol;
  core::Side side = core::Side::kBuy;
  core::Price price;
  core::Qty qty;
  int64_t commission_units = 0;  // 10^-8 of fee_asset; 0/kNone when unknown
  core::FeeAsset fee_asset = core::FeeAsset::kNone;
  bool maker = true;
  core::ClientOrderId client_id;
  int64_t order_id = 0;
  int64_t trade_id = 0;  // 0 when the fill was derived from a cum_qty change
};

struct Correction {
  core::SymbolId symbol = core::kNoSymbol;
  CorrectionKind kind = CorrectionKind::kStateMismatch;
  core::ClientOrderId client_id;
};

// Callbacks to the engine; loop thread.
class OmsListener {
 public:
  virtual ~OmsListener() = default;
  virtual void on_fill(const Fill& fill) = 0;
  virtual void on_correction(const Correction& correction) = 0;
  // An order request the exchange rejected (FailureAction::kRejected, or an update with
  // status kRejected): what risk::KillSwitch::on_reject counts. `code` 0 = none given.
  virtual void on_reject(core::SymbolId /*symbol*/, int /*code*/) {}
  // A kHalt failure: the OMS stopped all traffic but a last cancel of everything.
  virtual void on_halt(const core::RequestFailure& failure) = 0;
};

struct SymbolSetup {
  std::string name;                    // metric label
  int64_t requote_tolerance_cbps = 0;  // leave an order whose price is this close (10^-6 of price)
  int64_t qty_tolerance_cbps = 0;      // ... and whose open qty is this close (0 = exact)
};

struct OrderManagerOptions {
  std::string client_id_prefix = "phx";  // 1..12 of [A-Za-z0-9_-]
  bool post_only = true;
  bool use_amend = true;
  OrphanAction orphans = OrphanAction::kCancel;
  int64_t max_orders_per_10s = 40;
  int64_t max_orders_per_day = 200'000;
  int64_t max_weight_per_minute = 3000;   // our share of the IP's 6000/min request weight
  int64_t reject_cooldown_ms = 1000;      // a rejected level waits this long (or a new price)
  int64_t retry_later_default_ms = 1000;  // back-off when the gateway gives no retry_after
  int64_t query_retry_ms = 1000;          // re-query after a failed query
  int64_t retention_ms = 60'000;          // finished orders are remembered this long
  size_t max_orders = 2048;               // tracked orders (open + recently finished)
  bool start_reconciled = false;          // quote before the first open-orders snapshot
  // Until the exchange has reported its ORDERS usage once (on_rate_limits with a 10 s
  // limit), send at most one order request per probe_interval_ms. After a crash the
  // previous process's orders still count in the exchange's window; a burst sent blind
  // would draw a 429 per request and, repeated, an IP ban. Off for venues that never
  // report limits (the paper venue).
  bool probe_until_limits_known = false;
  int64_t probe_interval_ms = 250;
};

// An open order, as live_orders() reports it.
struct LiveOrder {
  core::ClientOrderId client_id;
  int64_t order_id = 0;
  core::Side side = core::Side::kBuy;
  int level = -1;  // -1: not in the ladder (orphan being cancelled)
  core::Price price;
  core::Qty orig_qty;
  core::Qty cum_qty;
  OrderState state = OrderState::kPendingNew;
};

class OrderManager final : public GatewayListener {
 public:
  // `symbols[i]` describes SymbolId i. Throws std::invalid_argument on a bad prefix or
  // option (start-up only). `listener` may be null.
  OrderManager(ExchangeGateway& gateway, const core::Clock& clock, telemetry::Registry& registry,
               std::vector<SymbolSetup> symbols, OrderManagerOptions options, OmsListener* listener);
  ~OrderManager() override;
  OrderManager(const OrderManager&) = delete;
  OrderManager& operator=(const OrderManager&) = delete;

  // The whole desired ladder of `symbol`; sends what it takes to get there (within budget).
  // `trigger_ns`: the market-data receive time that caused it (passed to the gateway).
  void set_target(core::SymbolId symbol, std::span<const DesiredOrder> desired, int64_t trigger_ns = 0);
  // Timers: re-queries, cooldowns, budget, forgetting finished orders.
  void poll();

  // Cancel every open order of the symbol and stop quoting it until resume().
  void pull(core::SymbolId symbol, PullReason reason);
  void resume(core::SymbolId symbol);
  // Pull every symbol (kShutdown).
  void cancel_everything();
  // Ask for the symbol's open orders (and recent trades); quoting waits for the snapshot.
  void request_reconcile(core::SymbolId symbol);
  // Compare an open-orders snapshot with what we know: orders we think open but not listed
  // are queried (missing_on_exchange); listed orders with our prefix that we do not know
  // are cancelled or adopted (unknown_on_exchange + orphan_*); executed quantity we had not
  // seen is reported (fill_missed); a different size, or an order we saw finish listed as
  // open, is corrected or cancelled (state_mismatch). Orders that changed after the
  // snapshot was requested (request_reconcile(); else `snapshot_ns`, else now) are left to
  // the live stream, so periodic reconciliation while quoting does not raise false alarms.
  void reconcile(core::SymbolId symbol, std::span<const core::OrderUpdate> open_orders,
                 int64_t snapshot_ns = 0);

  // True when no order is open or possibly open (pending) on any symbol.
  bool all_closed() const;
  size_t live_order_count(core::SymbolId symbol) const;
  // Orders the exchange acknowledged and that are still open on one side (what
  // phoenix_orders_active shows); O(1).
  size_t active_orders(core::SymbolId symbol, core::Side side) const {
    const int64_t n = symbols_[symbol].side_metrics[side_index(side)].active_count;
    return n > 0 ? static_cast<size_t>(n) : 0;
  }
  // Copies up to out.size() open orders of the symbol into `out`; returns how many.
  size_t live_orders(core::SymbolId symbol, std::span<LiveOrder> out) const;
  QuoteState state(core::SymbolId symbol, core::Side side) const;
  std::optional<OrderState> order_state(const core::ClientOrderId& id) const;
  bool is_ours(const core::ClientOrderId& id) const { return ids_.is_ours(id); }
  const OrderRateBudget& budget() const { return budget_; }

  // GatewayListener.
  void on_order_update(const core::OrderUpdate& update) override;
  void on_request_failed(const core::RequestFailure& failure) override;
  void on_open_orders(core::SymbolId symbol, std::span<const core::OrderUpdate> orders) override;
  void on_trades(core::SymbolId symbol, std::span<const core::OrderUpdate> trades) override;
  void on_balances(std::span<const core::AssetBalance> balances, bool snapshot) override;
  void on_rate_limits(const core::RateLimitUsage& usage) override;
  void on_connectivity(const Connectivity& connectivity) override;

 private:
  enum class Pending : uint8_t { kNone, kPlace, kCancel, kAmend, kQuery };

  struct Order {
    core::ClientOrderId id;
    int64_t order_id = 0;
    core::SymbolId symbol = core::kNoSymbol;
    core::Side side = core::Side::kBuy;
    int8_t level = -1;
    bool in_use = false;
    bool acked = false;        // the exchange showed it (an update for it arrived)
    bool provisional = false;  // terminal by inference (gone); a real final state may override
    bool needs_query = false;  // query when poll() next runs
    OrderState state = OrderState::kPendingNew;
    Pending pending = Pending::kNone;
    core::Price price;
    core::Qty orig_qty;
    core::Qty cum_qty;  // executed quantity already reported through on_fill
    core::Qty amend_qty;
    int64_t created_wall_ms = 0;
    int64_t changed_ns = 0;  // last request sent or update applied (monotonic)
    int64_t finished_ns = 0;
    int64_t query_at_ns = 0;
    uint32_t seen_epoch = 0;
  };

  struct Slot {
    int32_t cur = -1;  // the slot's order (open or pending)
    int32_t old = -1;  // an order being replaced, until it is terminal
    core::Price reject_price;
    int64_t reject_until_ns = 0;
    int64_t no_amend_until_ns = 0;
  };

  struct Target {
    bool present = false;
    core::Price price;
    core::Qty qty;
  };

  struct SideMetrics {
    telemetry::Gauge* active = nullptr;
    int64_t active_count = 0;
  };

  struct SymbolState {
    SymbolSetup setup;
    Slot slots[2][kMaxLevels];
    Target targets[2][kMaxLevels];
    int64_t trigger_ns = 0;
    bool pulled = false;
    PullReason pull_reason = PullReason::kOperator;
    bool reconciling = true;
    int64_t snapshot_requested_ns = 0;  // when request_reconcile() last asked for open orders
    int64_t reconcile_retry_at_ns = 0;  // the open-orders request failed: ask again then (0 = no)
    bool rate_limited[2] = {false, false};
    bool cooldown[2] = {false, false};
    SideMetrics side_metrics[2];
    telemetry::Counter* placed = nullptr;
    telemetry::Counter* canceled = nullptr;
    telemetry::Counter* replaced = nullptr;
    telemetry::Counter* amended = nullptr;
    telemetry::Counter* filled = nullptr;
    telemetry::Counter* rejected = nullptr;
    telemetry::Counter* expired = nullptr;
  };

  struct RejectCounter {
    int code = 0;
    telemetry::Counter* counter = nullptr;
  };

  static int side_index(core::Side side) { return side == core::Side::kBuy ? 0 : 1; }

  Order* find(const core::ClientOrderId& id);
  const Order* find(const core::ClientOrderId& id) const;
  int32_t index_of(const Order& o) const;
  Order* alloc(core::SymbolId symbol, core::Side side, int level);
  void release(int32_t index);

  void drive(core::SymbolId symbol);
  void drive_slot(core::SymbolId symbol, int side, int level, int64_t now_ns);
  void cancel_symbol(core::SymbolId symbol);
  bool slot_busy(const Slot& slot) const;
  bool take_order_budget(int64_t now_ns, int64_t weight);
  bool order_traffic_blocked(int64_t now_ns) const;
  bool any_traffic_blocked() const;

  void send_place(core::SymbolId symbol, int side, int level, const Target& target);
  void send_replace(Order& old, const Target& target);
  void send_amend(Order& order, core::Qty new_orig_qty);
  void send_cancel(Order& order);
  void send_query(Order& order);
  void send_raw_cancel(const Order& order);

  void apply_update(Order& order, const core::OrderUpdate& update);
  void apply_fill(Order& order, const core::OrderUpdate& update);
  // Marks a non-terminal order terminal (count: add to phoenix_orders_total).
  void finish(Order& order, OrderState state, bool provisional = false, bool count = true);
  void handle_unknown_ours(const core::OrderUpdate& update);
  void reject_slot(const Order& order);
  void count_reject(int code);
  void correct(core::SymbolId symbol, CorrectionKind kind, const core::ClientOrderId& id);
  void set_active(Order& order, bool active);

  ExchangeGateway& gateway_;
  const core::Clock& clock_;
  OrderManagerOptions options_;
  OmsListener* listener_;
  ClientIdGenerator ids_;
  OrderRateBudget budget_;
  std::vector<SymbolState> symbols_;
  std::vector<Order> orders_;
  std::vector<int32_t> free_;
  std::vector<int32_t> finished_;  // ring of finished order indices, oldest first
  size_t finished_head_ = 0;
  size_t finished_size_ = 0;
  OrderIndex by_id_;  // every in-use order's id
  uint32_t epoch_ = 0;

  bool limits_known_ = false;  // the exchange reported its ORDERS usage at least once
  int64_t last_probe_ns_ = 0;  // when the last probe order request went out (0 = none)
  int64_t retry_until_ns_ = 0;
  int64_t banned_until_ms_ = 0;
  bool halted_ = false;
  Connectivity connectivity_;
  bool connectivity_known_ = false;

  std::vector<RejectCounter> reject_counters_;  // fixed at construction; last = "other"
  telemetry::Counter* corrections_[6] = {};
};

}  // namespace phoenix::oms
