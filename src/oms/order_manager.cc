#include "oms/order_manager.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "telemetry/log.h"

namespace phoenix::oms {
namespace {

using core::ExecType;
using core::FailureAction;
using core::OrderStatus;
using core::RequestKind;

constexpr int64_t kNsPerMs = 1'000'000;

// Request weights (Binance WS API / REST; successful places and cancels may cost 0 since
// 2026-04, so these over-count, which is the safe side).
constexpr int64_t kWeightPlace = 1;
constexpr int64_t kWeightCancel = 1;
constexpr int64_t kWeightReplace = 1;
constexpr int64_t kWeightAmend = 4;
constexpr int64_t kWeightQuery = 4;
constexpr int64_t kWeightOpenOrders = 6;
constexpr int64_t kWeightTrades = 20;

__extension__ using Int128 = __int128;

// |a - b| <= ref * cbps / 10^6, in 128 bits.
bool within_cbps(int64_t a, int64_t b, int64_t ref, int64_t cbps) {
  if (a == b) return true;
  if (cbps <= 0) return false;
  const Int128 diff = a > b ? static_cast<Int128>(a) - b : static_cast<Int128>(b) - a;
  const Int128 ref_abs = ref < 0 ? -static_cast<Int128>(ref) : static_cast<Int128>(ref);
  return diff * 1'000'000 <= ref_abs * cbps;
}

OrderState state_of(OrderStatus status) {
  switch (status) {
    case OrderStatus::kNew: return OrderState::kNew;
    case OrderStatus::kPartiallyFilled: return OrderState::kPartiallyFilled;
    case OrderStatus::kFilled: return OrderState::kFilled;
    case OrderStatus::kCanceled: return OrderState::kCanceled;
    case OrderStatus::kRejected: return OrderState::kRejected;
    case OrderStatus::kExpired: return OrderState::kExpired;
  }
  return OrderState::kNew;
}

constexpr core::Side kSides[2] = {core::Side::kBuy, core::Side::kSell};

constexpr int kKnownRejectCodes[] = {0,     -1003, -1007, -1013, -1015, -1021, -1022, -1100, -1102, -1111,
                                     -1121, -2010, -2011, -2013, -2014, -2015, -2021, -2022, -2038};

}  // namespace

std::string_view to_string(OrderState state) {
  switch (state) {
    case OrderState::kPendingNew: return "pending_new";
    case OrderState::kNew: return "new";
    case OrderState::kPartiallyFilled: return "partially_filled";
    case OrderState::kPendingCancel: return "pending_cancel";
    case OrderState::kPendingReplace: return "pending_replace";
    case OrderState::kFilled: return "filled";
    case OrderState::kCanceled: return "canceled";
    case OrderState::kRejected: return "rejected";
    case OrderState::kExpired: return "expired";
  }
  return "unknown";
}

bool is_terminal(OrderState state) {
  return state == OrderState::kFilled || state == OrderState::kCanceled || state == OrderState::kRejected ||
         state == OrderState::kExpired;
}

std::string_view to_string(QuoteState state) {
  switch (state) {
    case QuoteState::kQuoting: return "quoting";
    case QuoteState::kIdle: return "idle";
    case QuoteState::kReconciling: return "reconciling";
    case QuoteState::kRateLimited: return "rate_limited";
    case QuoteState::kBackoff: return "backoff";
    case QuoteState::kBanned: return "banned";
    case QuoteState::kRejectCooldown: return "reject_cooldown";
    case QuoteState::kPulled: return "pulled";
    case QuoteState::kHalted: return "halted";
  }
  return "unknown";
}

std::string_view to_string(CorrectionKind kind) {
  switch (kind) {
    case CorrectionKind::kMissingOnExchange: return "missing_on_exchange";
    case CorrectionKind::kUnknownOnExchange: return "unknown_on_exchange";
    case CorrectionKind::kFillMissed: return "fill_missed";
    case CorrectionKind::kStateMismatch: return "state_mismatch";
    case CorrectionKind::kOrphanCanceled: return "orphan_canceled";
    case CorrectionKind::kOrphanAdopted: return "orphan_adopted";
  }
  return "unknown";
}

namespace {
ClientIdGenerator make_ids(const OrderManagerOptions& options, const core::Clock& clock) {
  auto gen = ClientIdGenerator::create(options.client_id_prefix, clock.wall_ms());
  if (!gen) throw std::invalid_argument("oms: client_id_prefix must be 1..12 characters of [A-Za-z0-9_-]");
  return *gen;
}
}  // namespace

OrderManager::OrderManager(ExchangeGateway& gateway, const core::Clock& clock, telemetry::Registry& registry,
                           std::vector<SymbolSetup> symbols, OrderManagerOptions options,
                           OmsListener* listener)
    : gateway_(gateway),
      clock_(clock),
      options_(std::move(options)),
      listener_(listener),
      ids_(make_ids(options_, clock)),
      budget_(options_.max_orders_per_10s, options_.max_orders_per_day, options_.max_weight_per_minute),
      by_id_(options_.max_orders) {
  if (options_.max_orders_per_10s <= 0 || options_.max_orders_per_day <= 0 || options_.max_orders < 8) {
    throw std::invalid_argument("oms: order caps must be > 0 and max_orders >= 8");
  }
  symbols_.resize(symbols.size());
  for (size_t i = 0; i < symbols.size(); ++i) {
    auto& s = symbols_[i];
    s.setup = std::move(symbols[i]);
    s.reconciling = !options_.start_reconciled;
    for (int side = 0; side < 2; ++side) {
      s.side_metrics[side].active =
          &registry.gauge("phoenix_orders_active", "Open (or pending) orders per symbol and side",
                          {{"symbol", s.setup.name}, {"side", core::to_string(kSides[side])}});
    }
    auto counter = [&](std::string_view event) {
      return &registry.counter("phoenix_orders_total", "Order events per symbol",
                               {{"symbol", s.setup.name}, {"event", event}});
    };
    s.placed = counter("placed");
    s.canceled = counter("canceled");
    s.replaced = counter("replaced");
    s.amended = counter("amended");
    s.filled = counter("filled");
    s.rejected = counter("rejected");
    s.expired = counter("expired");
  }
  for (int code : kKnownRejectCodes) {
    reject_counters_.push_back({code, &registry.counter("phoenix_order_rejects_total",
                                                        "Failed order requests by exchange error code",
                                                        {{"code", std::to_string(code)}})});
  }
  reject_counters_.push_back(
      {1, &registry.counter("phoenix_order_rejects_total", "Failed order requests by exchange error code",
                            {{"code", "other"}})});
  for (int k = 0; k < 6; ++k) {
    corrections_[k] = &registry.counter("phoenix_reconcile_corrections_total",
                                        "Differences between our orders and the exchange's, corrected",
                                        {{"kind", to_string(static_cast<CorrectionKind>(k))}});
  }
  orders_.resize(options_.max_orders);
  free_.reserve(options_.max_orders);
  for (size_t i = options_.max_orders; i > 0; --i) free_.push_back(static_cast<int32_t>(i - 1));
  finished_.assign(options_.max_orders, -1);
}

OrderManager::~OrderManager() = default;

// ---------------------------------------------------------------------------------------
// Order pool

OrderManager::Order* OrderManager::find(const core::ClientOrderId& id) {
  if (id.empty()) return nullptr;
  const int32_t idx = by_id_.find(id);
  return idx < 0 ? nullptr : &orders_[static_cast<size_t>(idx)];
}

const OrderManager::Order* OrderManager::find(const core::ClientOrderId& id) const {
  if (id.empty()) return nullptr;
  const int32_t idx = by_id_.find(id);
  return idx < 0 ? nullptr : &orders_[static_cast<size_t>(idx)];
}

int32_t OrderManager::index_of(const Order& o) const { return static_cast<int32_t>(&o - orders_.data()); }

OrderManager::Order* OrderManager::alloc(core::SymbolId symbol, core::Side side, int level) {
  // Full: forget the oldest finished order early.
  while (free_.empty() && finished_size_ > 0) {
    const int32_t oldest = finished_[finished_head_];
    finished_head_ = (finished_head_ + 1) % finished_.size();
    --finished_size_;
    const Order& f = orders_[static_cast<size_t>(oldest)];
    if (f.in_use && is_terminal(f.state)) release(oldest);
  }
  if (free_.empty()) return nullptr;  // every entry holds an open order
  const int32_t idx = free_.back();
  free_.pop_back();
  Order& o = orders_[static_cast<size_t>(idx)];
  o = Order{};
  o.in_use = true;
  o.symbol = symbol;
  o.side = side;
  o.level = static_cast<int8_t>(level);
  o.created_wall_ms = clock_.wall_ms();
  o.changed_ns = clock_.monotonic_ns();
  return &o;
}

void OrderManager::release(int32_t index) {
  Order& o = orders_[static_cast<size_t>(index)];
  if (!o.in_use) return;
  by_id_.erase(o.id);
  o.in_use = false;
  free_.push_back(index);
}

void OrderManager::set_active(Order& o, bool active) {
  auto& m = symbols_[o.symbol].side_metrics[side_index(o.side)];
  m.active_count += active ? 1 : -1;
  m.active->set(static_cast<double>(m.active_count));
}

// ---------------------------------------------------------------------------------------
// Targets and the diff

void OrderManager::set_target(core::SymbolId symbol, std::span<const DesiredOrder> desired,
                              int64_t trigger_ns) {
  if (symbol >= symbols_.size()) return;
  auto& s = symbols_[symbol];
  for (auto& side : s.targets) {
    for (auto& t : side) t.present = false;
  }
  for (const auto& d : desired) {
    if (d.level < 0 || d.level >= kMaxLevels || d.qty.units() <= 0 || d.price.units() <= 0) continue;
    auto& t = s.targets[side_index(d.side)][d.level];
    t.present = true;
    t.price = d.price;
    t.qty = d.qty;
  }
  // The trigger applies only to what this call sends: a level that waits (budget, a slot
  // in flight, a cooldown) and goes out later from poll() or a response is not a
  // tick-to-order reaction and carries no trigger.
  s.trigger_ns = trigger_ns;
  drive(symbol);
  s.trigger_ns = 0;
}

bool OrderManager::slot_busy(const Slot& slot) const {
  if (slot.old >= 0) return true;
  return slot.cur >= 0 && orders_[static_cast<size_t>(slot.cur)].pending != Pending::kNone;
}

bool OrderManager::any_traffic_blocked() const {
  return halted_ || (banned_until_ms_ != 0 && clock_.wall_ms() < banned_until_ms_);
}

bool OrderManager::order_traffic_blocked(int64_t now_ns) const {
  return any_traffic_blocked() || now_ns < retry_until_ns_;
}

bool OrderManager::take_order_budget(int64_t now_ns, int64_t weight) {
  if (order_traffic_blocked(now_ns)) return false;
  if (!budget_.available(now_ns) || !budget_.weight_available(now_ns, weight)) return false;
  if (options_.probe_until_limits_known && !limits_known_) {
    // One probe at a time until the exchange tells us where its window stands.
    if (last_probe_ns_ != 0 && now_ns - last_probe_ns_ < options_.probe_interval_ms * 1'000'000) return false;
    last_probe_ns_ = now_ns;
  }
  return true;
}

void OrderManager::drive(core::SymbolId symbol) {
  auto& s = symbols_[symbol];
  if (any_traffic_blocked()) return;
  if (s.pulled) {
    cancel_symbol(symbol);
    return;
  }
  if (s.reconciling) return;
  const int64_t now = clock_.monotonic_ns();
  s.rate_limited[0] = s.rate_limited[1] = false;
  s.cooldown[0] = s.cooldown[1] = false;
  // Innermost first, both sides, so a short budget goes to level 0.
  for (int level = 0; level < kMaxLevels; ++level) {
    for (int side = 0; side < 2; ++side) drive_slot(symbol, side, level, now);
  }
}

void OrderManager::drive_slot(core::SymbolId symbol, int side, int level, int64_t now_ns) {
  auto& s = symbols_[symbol];
  Slot& slot = s.slots[side][level];
  const Target& t = s.targets[side][level];
  if (slot.old >= 0) {
    Order& old = orders_[static_cast<size_t>(slot.old)];
    if (is_terminal(old.state)) {
      slot.old = -1;
    } else if (old.pending == Pending::kNone) {
      // The cancel half of a cancel-replace did not happen (learnt from a query): the old
      // order is open. Keep it as the slot's order if the new one is not, else drop it.
      const Order* c = slot.cur >= 0 ? &orders_[static_cast<size_t>(slot.cur)] : nullptr;
      if (c == nullptr || is_terminal(c->state)) {
        slot.cur = slot.old;
        slot.old = -1;
      } else if (c->pending == Pending::kNone && !any_traffic_blocked()) {
        send_cancel(old);
      }
    }
  }
  if (slot_busy(slot)) return;
  Order* cur = slot.cur >= 0 ? &orders_[static_cast<size_t>(slot.cur)] : nullptr;
  if (cur != nullptr && is_terminal(cur->state)) {
    slot.cur = -1;
    cur = nullptr;
  }
  if (!t.present) {
    // Cancels need no order budget, but wait out a retry-later like everything else.
    if (cur != nullptr && now_ns >= retry_until_ns_) send_cancel(*cur);
    return;
  }
  if (now_ns < slot.reject_until_ns && t.price == slot.reject_price) {
    s.cooldown[side] = true;
    return;
  }
  if (cur == nullptr) {
    if (!take_order_budget(now_ns, kWeightPlace)) {
      s.rate_limited[side] = true;
      return;
    }
    send_place(symbol, side, level, t);
    return;
  }
  // The target quantity is compared with the order's size (orig_qty), not with what is
  // left of it: a partial fill does not make us requote (and lose the queue position).
  const bool price_ok =
      within_cbps(cur->price.units(), t.price.units(), t.price.units(), s.setup.requote_tolerance_cbps);
  const bool qty_ok =
      within_cbps(cur->orig_qty.units(), t.qty.units(), t.qty.units(), s.setup.qty_tolerance_cbps);
  if (price_ok && qty_ok) return;
  if (!take_order_budget(now_ns, kWeightAmend)) {
    s.rate_limited[side] = true;
    return;
  }
  // Amend: same price, smaller size, still above what has executed.
  if (cur->price == t.price && t.qty < cur->orig_qty && t.qty > cur->cum_qty && options_.use_amend &&
      gateway_.supports_amend() && now_ns >= slot.no_amend_until_ns) {
    send_amend(*cur, t.qty);
    return;
  }
  send_replace(*cur, t);
}

void OrderManager::cancel_symbol(core::SymbolId symbol) {
  if (any_traffic_blocked() || clock_.monotonic_ns() < retry_until_ns_) return;
  for (auto& o : orders_) {
    if (o.in_use && o.symbol == symbol && !is_terminal(o.state) && o.pending == Pending::kNone)
      send_cancel(o);
  }
}

// ---------------------------------------------------------------------------------------
// Requests

void OrderManager::send_place(core::SymbolId symbol, int side, int level, const Target& t) {
  auto& s = symbols_[symbol];
  Order* o = alloc(symbol, kSides[side], level);
  if (o == nullptr) {
    s.rate_limited[side] = true;
    return;
  }
  o->id = ids_.next();
  o->price = t.price;
  o->orig_qty = t.qty;
  o->state = OrderState::kPendingNew;
  o->pending = Pending::kPlace;
  const int32_t idx = index_of(*o);
  by_id_.insert(o->id, idx);
  s.slots[side][level].cur = idx;
  set_active(*o, true);
  budget_.record(clock_.monotonic_ns());
  budget_.record_weight(clock_.monotonic_ns(), kWeightPlace);
  s.placed->inc();
  PlaceOrder req;
  req.symbol = symbol;
  req.side = o->side;
  req.price = t.price;
  req.qty = t.qty;
  req.client_id = o->id;
  req.post_only = options_.post_only;
  req.trigger_ns = s.trigger_ns;
  gateway_.place(req);
}

void OrderManager::send_replace(Order& old, const Target& t) {
  auto& s = symbols_[old.symbol];
  const int side = side_index(old.side);
  const int level = old.level;
  const int32_t old_idx = index_of(old);
  Order* o = alloc(old.symbol, old.side, level);
  if (o == nullptr) {
    s.rate_limited[side] = true;
    return;
  }
  Order& prev = orders_[static_cast<size_t>(old_idx)];  // alloc() never moves orders_
  o->id = ids_.next();
  o->price = t.price;
  o->orig_qty = t.qty;
  o->state = OrderState::kPendingNew;
  o->pending = Pending::kPlace;
  const int32_t idx = index_of(*o);
  by_id_.insert(o->id, idx);
  Slot& slot = s.slots[side][level];
  slot.old = old_idx;
  slot.cur = idx;
  prev.state = OrderState::kPendingReplace;
  prev.pending = Pending::kCancel;
  prev.changed_ns = clock_.monotonic_ns();
  set_active(*o, true);
  budget_.record(clock_.monotonic_ns());
  budget_.record_weight(clock_.monotonic_ns(), kWeightReplace);
  s.replaced->inc();
  ReplaceOrder req;
  req.cancel_client_id = prev.id;
  req.new_order.symbol = prev.symbol;
  req.new_order.side = prev.side;
  req.new_order.price = t.price;
  req.new_order.qty = t.qty;
  req.new_order.client_id = o->id;
  req.new_order.post_only = options_.post_only;
  req.new_order.trigger_ns = s.trigger_ns;
  gateway_.cancel_replace(req);
}

void OrderManager::send_amend(Order& o, core::Qty new_orig_qty) {
  auto& s = symbols_[o.symbol];
  o.pending = Pending::kAmend;
  o.amend_qty = new_orig_qty;
  o.changed_ns = clock_.monotonic_ns();
  budget_.record(clock_.monotonic_ns());
  budget_.record_weight(clock_.monotonic_ns(), kWeightAmend);
  s.amended->inc();
  AmendOrder req;
  req.symbol = o.symbol;
  req.client_id = o.id;
  req.new_qty = new_orig_qty;
  req.trigger_ns = s.trigger_ns;
  gateway_.amend(req);
}

void OrderManager::send_cancel(Order& o) {
  o.state = OrderState::kPendingCancel;
  o.pending = Pending::kCancel;
  o.changed_ns = clock_.monotonic_ns();
  send_raw_cancel(o);
}

void OrderManager::send_raw_cancel(const Order& o) {
  CancelOrder req;
  req.symbol = o.symbol;
  req.client_id = o.id;
  req.trigger_ns = symbols_[o.symbol].trigger_ns;
  // Cancels are never held back by our budget (they only reduce risk), but they count.
  budget_.record_weight(clock_.monotonic_ns(), kWeightCancel);
  gateway_.cancel(req);
}

void OrderManager::send_query(Order& o) {
  o.needs_query = false;
  if (any_traffic_blocked()) {
    o.needs_query = true;
    o.query_at_ns = clock_.monotonic_ns() + options_.query_retry_ms * kNsPerMs;
    return;
  }
  if (!is_terminal(o.state)) o.pending = Pending::kQuery;
  budget_.record_weight(clock_.monotonic_ns(), kWeightQuery);
  gateway_.query_order(o.symbol, o.id);
}

// ---------------------------------------------------------------------------------------
// Updates

void OrderManager::on_order_update(const core::OrderUpdate& u) {
  Order* o = nullptr;
  if (!u.orig_client_id.empty()) o = find(u.orig_client_id);
  if (o == nullptr) o = find(u.client_id);
  if (o == nullptr) {
    const auto& id = u.orig_client_id.empty() ? u.client_id : u.orig_client_id;
    if (ids_.is_ours(id) && !core::is_terminal(u.status) && u.symbol < symbols_.size()) {
      handle_unknown_ours(u);
    }
    return;
  }
  const core::SymbolId symbol = o->symbol;
  apply_update(*o, u);
  drive(symbol);
}

void OrderManager::apply_fill(Order& o, const core::OrderUpdate& u) {
  // A kTrade update without cum_qty cannot be placed against what we counted: the
  // snapshot or the next event with cum_qty will carry it.
  if (u.cum_qty.units() <= o.cum_qty.units()) return;
  const int64_t delta = u.cum_qty.units() - o.cum_qty.units();
  o.cum_qty = u.cum_qty;
  auto& s = symbols_[o.symbol];
  if (u.cum_qty.units() >= o.orig_qty.units() || u.status == OrderStatus::kFilled) s.filled->inc();
  if (listener_ == nullptr) return;
  Fill f;
  f.symbol = o.symbol;
  f.side = o.side;
  f.qty = core::Qty(delta);
  f.client_id = o.id;
  f.order_id = o.order_id;
  if (u.exec_type == ExecType::kTrade && u.last_qty.units() > 0) {
    f.price = u.last_price;
    f.maker = u.maker;
    f.trade_id = u.trade_id;
    f.commission_units = u.commission_units;
    f.fee_asset = u.fee_asset;
  } else {
    f.price = o.price;  // our limit price: a maker order fills at its price
    f.maker = true;
  }
  listener_->on_fill(f);
}

void OrderManager::apply_update(Order& o, const core::OrderUpdate& u) {
  o.changed_ns = clock_.monotonic_ns();
  if (o.order_id == 0) o.order_id = u.order_id;
  o.acked = true;
  const bool was_terminal = is_terminal(o.state);
  if (u.orig_qty.units() > 0 && (u.exec_type == ExecType::kReplaced || u.exec_type == ExecType::kSnapshot ||
                                 o.state == OrderState::kPendingNew)) {
    o.orig_qty = u.orig_qty;
  }
  apply_fill(o, u);

  if (was_terminal) {
    if (o.provisional && core::is_terminal(u.status)) {
      // The real final state of an order we had inferred gone.
      o.provisional = false;
      o.state = state_of(u.status);
    } else if (!core::is_terminal(u.status) && u.exec_type == ExecType::kSnapshot) {
      // The exchange says it is open, we thought it finished: never resurrect, cancel it.
      correct(o.symbol, CorrectionKind::kStateMismatch, o.id);
      if (!any_traffic_blocked()) send_raw_cancel(o);
    }
    return;
  }

  // Resolve the request in flight.
  switch (o.pending) {
    case Pending::kPlace: o.pending = Pending::kNone; break;
    case Pending::kAmend:
      if (u.exec_type == ExecType::kReplaced ||
          (u.exec_type == ExecType::kSnapshot && u.orig_qty == o.amend_qty)) {
        o.pending = Pending::kNone;
      }
      break;
    case Pending::kQuery:
      if (u.exec_type == ExecType::kSnapshot) o.pending = Pending::kNone;
      break;
    case Pending::kCancel:
    case Pending::kNone: break;
  }

  if (core::is_terminal(u.status)) {
    finish(o, state_of(u.status));
    if (u.status == OrderStatus::kRejected && listener_ != nullptr) listener_->on_reject(o.symbol, 0);
    if (u.status == OrderStatus::kRejected || u.status == OrderStatus::kExpired) {
      if (o.cum_qty.units() == 0) reject_slot(o);
    }
    return;
  }
  if (o.state == OrderState::kPendingCancel || o.state == OrderState::kPendingReplace) {
    // A cancel is still in flight; it ends in a terminal update or a failure. A snapshot
    // (query reply) that shows it open while nothing is in flight puts it back to live.
    if (o.pending != Pending::kNone) return;
  }
  o.state = u.status == OrderStatus::kPartiallyFilled || o.cum_qty.units() > 0 ? OrderState::kPartiallyFilled
                                                                               : OrderState::kNew;
}

void OrderManager::finish(Order& o, OrderState state, bool provisional, bool count) {
  auto& s = symbols_[o.symbol];
  o.state = state;
  o.provisional = provisional;
  o.pending = Pending::kNone;
  o.finished_ns = clock_.monotonic_ns();
  o.changed_ns = o.finished_ns;
  if (o.level >= 0) {
    Slot& slot = s.slots[side_index(o.side)][o.level];
    const int32_t idx = index_of(o);
    if (slot.cur == idx) slot.cur = -1;
    if (slot.old == idx) slot.old = -1;
  }
  set_active(o, false);
  if (count) {
    switch (state) {
      case OrderState::kCanceled: s.canceled->inc(); break;
      case OrderState::kRejected: s.rejected->inc(); break;
      case OrderState::kExpired: s.expired->inc(); break;
      default: break;
    }
  }
  const size_t pos = (finished_head_ + finished_size_) % finished_.size();
  finished_[pos] = index_of(o);
  ++finished_size_;
}

void OrderManager::reject_slot(const Order& o) {
  if (o.level < 0) return;
  Slot& slot = symbols_[o.symbol].slots[side_index(o.side)][o.level];
  slot.reject_price = o.price;
  slot.reject_until_ns = clock_.monotonic_ns() + options_.reject_cooldown_ms * kNsPerMs;
}

void OrderManager::count_reject(int code) {
  for (auto& rc : reject_counters_) {
    if (rc.code == code) {
      rc.counter->inc();
      return;
    }
  }
  reject_counters_.back().counter->inc();
}

void OrderManager::correct(core::SymbolId symbol, CorrectionKind kind, const core::ClientOrderId& id) {
  corrections_[static_cast<int>(kind)]->inc();
  telemetry::log_event(telemetry::LogLevel::kWarn, "oms_reconcile_correction", "symbol",
                       std::string_view(symbols_[symbol].setup.name), "kind", to_string(kind), "client_id",
                       id.view());
  if (listener_ != nullptr) listener_->on_correction({symbol, kind, id});
}

void OrderManager::handle_unknown_ours(const core::OrderUpdate& u) {
  const auto& id = u.orig_client_id.empty() ? u.client_id : u.orig_client_id;
  correct(u.symbol, CorrectionKind::kUnknownOnExchange, id);
  auto& s = symbols_[u.symbol];
  const int side = side_index(u.side);
  int level = -1;
  if (options_.orphans == OrphanAction::kAdopt && !s.pulled) {
    for (int l = 0; l < kMaxLevels; ++l) {
      if (s.slots[side][l].cur < 0 && s.slots[side][l].old < 0) {
        level = l;
        break;
      }
    }
  }
  Order* o = alloc(u.symbol, u.side, level);
  if (o == nullptr) {
    // No room to track it: cancel it blind.
    CancelOrder req;
    req.symbol = u.symbol;
    req.client_id = id;
    if (!any_traffic_blocked()) gateway_.cancel(req);
    correct(u.symbol, CorrectionKind::kOrphanCanceled, id);
    return;
  }
  o->id = id;
  o->order_id = u.order_id;
  o->acked = true;
  o->seen_epoch = epoch_;  // listed in the snapshot being reconciled (if any)
  o->price = u.price;
  o->orig_qty = u.orig_qty;
  o->cum_qty = u.cum_qty;  // executions before we knew it are not ours to report
  o->state = u.status == OrderStatus::kPartiallyFilled ? OrderState::kPartiallyFilled : OrderState::kNew;
  const int32_t idx = index_of(*o);
  by_id_.insert(o->id, idx);
  set_active(*o, true);
  if (level >= 0) {
    s.slots[side][level].cur = idx;
    correct(u.symbol, CorrectionKind::kOrphanAdopted, id);
    return;
  }
  correct(u.symbol, CorrectionKind::kOrphanCanceled, id);
  if (!any_traffic_blocked()) send_cancel(*o);
}

// ---------------------------------------------------------------------------------------
// Failures

void OrderManager::on_request_failed(const core::RequestFailure& f) {
  const int64_t now = clock_.monotonic_ns();
  switch (f.action) {
    case FailureAction::kRetryLater:
    case FailureAction::kResyncTime: {
      const int64_t ms = f.retry_after_ms > 0 ? f.retry_after_ms : options_.retry_later_default_ms;
      retry_until_ns_ = std::max(retry_until_ns_, now + ms * kNsPerMs);
      break;
    }
    case FailureAction::kBanned:
      banned_until_ms_ =
          std::max(banned_until_ms_, f.banned_until_ms > 0
                                         ? f.banned_until_ms
                                         : clock_.wall_ms() + std::max<int64_t>(f.retry_after_ms, 60'000));
      break;
    case FailureAction::kHalt:
      if (!halted_) {
        telemetry::log_event(telemetry::LogLevel::kCritical, "oms_halt", "code", static_cast<int64_t>(f.code),
                             "message", f.message);
        // Last attempt to leave nothing behind, then silence.
        for (auto& o : orders_) {
          if (o.in_use && !is_terminal(o.state)) send_raw_cancel(o);
        }
        for (auto& s : symbols_) s.pulled = true;
        halted_ = true;
        if (listener_ != nullptr) listener_->on_halt(f);
      }
      break;
    default: break;
  }
  if (f.kind == RequestKind::kPlace || f.kind == RequestKind::kCancelReplace ||
      f.kind == RequestKind::kAmend || f.kind == RequestKind::kCancel) {
    if (f.action != FailureAction::kUnknown) count_reject(f.code);
    if (f.action == FailureAction::kRejected && listener_ != nullptr) {
      const Order* r = find(f.kind == RequestKind::kCancelReplace && f.client_id.empty() ? f.cancel_client_id
                                                                                         : f.client_id);
      listener_->on_reject(r != nullptr ? r->symbol : f.symbol, f.code);
    }
  }
  // Repeated WARN lines are suppressed by the logger's throttle (one per burst).
  telemetry::log_event(
      f.action == FailureAction::kUnknown ? telemetry::LogLevel::kInfo : telemetry::LogLevel::kWarn,
      "oms_request_failed", "kind", core::to_string(f.kind), "action", core::to_string(f.action), "code",
      static_cast<int64_t>(f.code), "message", f.message);

  const bool nothing_changed = f.action == FailureAction::kRetryLater || f.action == FailureAction::kBanned ||
                               f.action == FailureAction::kResyncTime || f.action == FailureAction::kHalt;
  Order* o = find(f.client_id);
  core::SymbolId symbol = o != nullptr ? o->symbol : f.symbol;

  switch (f.kind) {
    case RequestKind::kPlace: {
      if (o == nullptr || is_terminal(o->state) || o->pending != Pending::kPlace) break;
      if (f.action == FailureAction::kUnknown) {
        send_query(*o);
      } else if (f.action == FailureAction::kRejected || f.action == FailureAction::kOrderGone) {
        finish(*o, OrderState::kRejected);
        reject_slot(*o);
      } else {
        // Not sent (or refused before it changed anything): forget it quietly.
        finish(*o, OrderState::kCanceled, /*provisional=*/false, /*count=*/false);
      }
      break;
    }
    case RequestKind::kCancel: {
      if (o == nullptr || is_terminal(o->state)) break;
      if (f.action == FailureAction::kOrderGone) {
        // Not open any more: canceled or filled. Learn which from a query.
        finish(*o, OrderState::kCanceled, /*provisional=*/true);
        send_query(*o);
      } else if (nothing_changed) {
        o->pending = Pending::kNone;
        o->state = o->cum_qty.units() > 0 ? OrderState::kPartiallyFilled : OrderState::kNew;
      } else if (f.action == FailureAction::kUnknown) {
        send_query(*o);
      } else {
        // An unexpected rejection: ask, after a pause (a cancel that keeps failing must
        // not turn into a query/cancel loop).
        o->needs_query = true;
        o->query_at_ns = now + options_.query_retry_ms * kNsPerMs;
      }
      break;
    }
    case RequestKind::kCancelReplace: {
      Order* old = find(f.cancel_client_id);
      if (old != nullptr) symbol = old->symbol;
      // The old order.
      if (old != nullptr && !is_terminal(old->state)) {
        if (f.cancel_succeeded) {
          finish(*old, OrderState::kCanceled);
        } else if (f.action == FailureAction::kOrderGone ||
                   (f.action == FailureAction::kRejected && f.code == -2011)) {
          finish(*old, OrderState::kCanceled, /*provisional=*/true);
          send_query(*old);
        } else if (nothing_changed || f.action == FailureAction::kRejected) {
          old->pending = Pending::kNone;
          old->state = old->cum_qty.units() > 0 ? OrderState::kPartiallyFilled : OrderState::kNew;
        } else {
          send_query(*old);
        }
      }
      // The new order.
      if (o != nullptr && !is_terminal(o->state) && o->pending == Pending::kPlace) {
        if (f.new_order_succeeded) {
          send_query(*o);  // placed: learn its state
        } else if (f.action == FailureAction::kUnknown) {
          send_query(*o);
        } else {
          finish(*o, f.cancel_succeeded ? OrderState::kRejected : OrderState::kCanceled);
          if (f.cancel_succeeded) reject_slot(*o);
        }
      }
      // The slot keeps the old order while it is still open.
      if (old != nullptr && o != nullptr && old->level >= 0 && is_terminal(o->state) &&
          !is_terminal(old->state)) {
        Slot& slot = symbols_[old->symbol].slots[side_index(old->side)][old->level];
        slot.cur = index_of(*old);
        slot.old = -1;
      }
      break;
    }
    case RequestKind::kAmend: {
      if (o == nullptr || is_terminal(o->state) || o->pending != Pending::kAmend) break;
      if (f.action == FailureAction::kOrderGone) {
        finish(*o, OrderState::kCanceled, /*provisional=*/true);
        send_query(*o);
      } else if (f.action == FailureAction::kUnknown) {
        send_query(*o);
      } else {
        o->pending = Pending::kNone;
        if (f.action == FailureAction::kRejected && o->level >= 0) {
          symbols_[o->symbol].slots[side_index(o->side)][o->level].no_amend_until_ns =
              now + options_.reject_cooldown_ms * kNsPerMs;
        }
      }
      break;
    }
    case RequestKind::kOpenOrders: {
      // Quoting waits for this snapshot: ask again after a pause.
      if (f.symbol < symbols_.size() && symbols_[f.symbol].reconciling) {
        symbols_[f.symbol].reconcile_retry_at_ns = now + options_.query_retry_ms * kNsPerMs;
      }
      break;
    }
    case RequestKind::kQuery: {
      if (o == nullptr) break;
      if (f.action == FailureAction::kOrderGone) {
        if (!is_terminal(o->state)) {
          // Never acknowledged: it never reached the book. Acknowledged: gone without a
          // trace (archived); its fills, if any, come back through on_trades.
          finish(*o, OrderState::kCanceled, /*provisional=*/o->acked);
          if (o->acked) gateway_.request_trades(o->symbol, o->created_wall_ms - 1000);
        } else if (o->provisional) {
          gateway_.request_trades(o->symbol, o->created_wall_ms - 1000);
        }
      } else {
        if (o->pending == Pending::kQuery) o->pending = Pending::kNone;
        o->needs_query = true;
        o->query_at_ns = now + options_.query_retry_ms * kNsPerMs;
        if (!is_terminal(o->state)) o->pending = Pending::kQuery;  // the slot stays busy
      }
      break;
    }
    default: break;
  }
  if (symbol < symbols_.size()) drive(symbol);
}

// ---------------------------------------------------------------------------------------
// Reconciliation

void OrderManager::request_reconcile(core::SymbolId symbol) {
  if (symbol >= symbols_.size()) return;
  symbols_[symbol].reconciling = true;
  symbols_[symbol].snapshot_requested_ns = clock_.monotonic_ns();
  symbols_[symbol].reconcile_retry_at_ns = 0;
  budget_.record_weight(clock_.monotonic_ns(), kWeightOpenOrders + kWeightTrades);
  gateway_.request_open_orders(symbol);
  int64_t from_ms = clock_.wall_ms() - 60'000;
  for (const auto& o : orders_) {
    if (o.in_use && o.symbol == symbol && !is_terminal(o.state))
      from_ms = std::min(from_ms, o.created_wall_ms);
  }
  gateway_.request_trades(symbol, from_ms);
}

void OrderManager::on_open_orders(core::SymbolId symbol, std::span<const core::OrderUpdate> orders) {
  reconcile(symbol, orders, 0);
}

void OrderManager::reconcile(core::SymbolId symbol, std::span<const core::OrderUpdate> open_orders,
                             int64_t snapshot_ns) {
  if (symbol >= symbols_.size()) return;
  auto& s = symbols_[symbol];
  const int64_t as_of = snapshot_ns > 0               ? snapshot_ns
                        : s.snapshot_requested_ns > 0 ? s.snapshot_requested_ns
                                                      : clock_.monotonic_ns();
  s.snapshot_requested_ns = 0;
  ++epoch_;
  for (const auto& u : open_orders) {
    if (u.symbol != symbol) continue;
    Order* o = find(u.client_id);
    if (o == nullptr) {
      if (ids_.is_ours(u.client_id) && !core::is_terminal(u.status)) handle_unknown_ours(u);
      continue;
    }
    o->seen_epoch = epoch_;
    if (o->changed_ns > as_of) continue;  // newer than the snapshot
    if (u.cum_qty.units() > o->cum_qty.units()) correct(symbol, CorrectionKind::kFillMissed, o->id);
    if (is_terminal(o->state) && !o->provisional) {
      // Listed open, but we saw it finish: apply_update cancels it (never resurrects).
      apply_update(*o, u);
      continue;
    }
    if (u.orig_qty.units() > 0 && o->pending == Pending::kNone && u.orig_qty != o->orig_qty) {
      correct(symbol, CorrectionKind::kStateMismatch, o->id);
    }
    apply_update(*o, u);
  }
  for (auto& o : orders_) {
    if (!o.in_use || o.symbol != symbol || o.seen_epoch == epoch_ || is_terminal(o.state)) continue;
    if (o.changed_ns > as_of) continue;  // placed or changed after the snapshot was asked for
    // Requests in flight may not be in the snapshot yet; they resolve by themselves.
    if (o.pending == Pending::kPlace || o.pending == Pending::kCancel || o.pending == Pending::kQuery)
      continue;
    correct(symbol, CorrectionKind::kMissingOnExchange, o.id);
    send_query(o);
  }
  symbols_[symbol].reconciling = false;
  drive(symbol);
}

void OrderManager::on_trades(core::SymbolId symbol, std::span<const core::OrderUpdate> trades) {
  // For each of our orders in the list: the trades' total is a lower bound of its executed
  // quantity; whatever exceeds what we counted is reported, trade by trade (newest last),
  // so nothing is counted twice even when the list is partial.
  ++epoch_;
  for (size_t i = 0; i < trades.size(); ++i) {
    const auto& t = trades[i];
    if (t.symbol != symbol && t.symbol != core::kNoSymbol) continue;
    Order* o = find(t.client_id);
    if (o == nullptr && t.order_id != 0) {
      for (auto& cand : orders_) {
        if (cand.in_use && cand.symbol == symbol && cand.order_id == t.order_id) {
          o = &cand;
          break;
        }
      }
    }
    if (o == nullptr || o->seen_epoch == epoch_) continue;
    o->seen_epoch = epoch_;
    int64_t running = 0;
    bool corrected = false;
    for (size_t j = i; j < trades.size(); ++j) {
      const auto& tj = trades[j];
      const bool same = (!tj.client_id.empty() && tj.client_id == o->id) ||
                        (tj.order_id != 0 && tj.order_id == o->order_id);
      if (!same) continue;
      bool dup = false;
      for (size_t k = i; k < j && tj.trade_id != 0; ++k) {
        if (trades[k].trade_id == tj.trade_id &&
            ((trades[k].client_id == o->id) ||
             (trades[k].order_id != 0 && trades[k].order_id == o->order_id))) {
          dup = true;
          break;
        }
      }
      if (dup) continue;
      running += tj.last_qty.units();
      if (running <= o->cum_qty.units()) continue;
      if (!corrected) {
        correct(o->symbol, CorrectionKind::kFillMissed, o->id);
        corrected = true;
      }
      core::OrderUpdate u = tj;
      u.exec_type = ExecType::kTrade;
      u.cum_qty = core::Qty(running);
      u.status = running >= o->orig_qty.units() ? OrderStatus::kFilled : OrderStatus::kPartiallyFilled;
      const int64_t before = o->cum_qty.units();
      if (running - before < tj.last_qty.units()) {
        // Part of this trade was counted already: report the rest, without its fee.
        u.last_qty = core::Qty(running - before);
        u.commission_units = 0;
      }
      apply_fill(*o, u);
    }
    if (is_terminal(o->state) && o->provisional && o->cum_qty.units() >= o->orig_qty.units()) {
      o->state = OrderState::kFilled;
      o->provisional = false;
    }
  }
}

void OrderManager::on_balances(std::span<const core::AssetBalance> /*balances*/, bool /*snapshot*/) {}

void OrderManager::on_rate_limits(const core::RateLimitUsage& usage) {
  budget_.on_exchange_usage(usage.orders_10s, usage.orders_10s_limit, usage.orders_1d, usage.orders_1d_limit,
                            clock_.monotonic_ns());
  budget_.on_exchange_weight(usage.weight_1m, usage.weight_1m_limit, clock_.monotonic_ns(), clock_.wall_ms());
  if (usage.orders_10s_limit > 0 && !limits_known_) {
    limits_known_ = true;
    for (size_t i = 0; i < symbols_.size(); ++i) drive(static_cast<core::SymbolId>(i));
  }
}

void OrderManager::on_connectivity(const Connectivity& c) {
  const bool was_up = connectivity_known_ && connectivity_.order_entry && connectivity_.user_data;
  const bool had_been_down = connectivity_known_ && (!connectivity_.order_entry || !connectivity_.user_data);
  connectivity_ = c;
  connectivity_known_ = true;
  const bool up = c.order_entry && c.user_data;
  if (!up && was_up) {
    // Nothing we know can be trusted until the next snapshot: quoting waits.
    for (auto& s : symbols_) s.reconciling = true;
  }
  if (up && had_been_down) {
    for (size_t i = 0; i < symbols_.size(); ++i) {
      if (symbols_[i].reconciling) request_reconcile(static_cast<core::SymbolId>(i));
    }
  }
}

// ---------------------------------------------------------------------------------------
// Control and status

void OrderManager::poll() {
  const int64_t now = clock_.monotonic_ns();
  // Forget finished orders after the retention time.
  const int64_t keep_ns = options_.retention_ms * kNsPerMs;
  while (finished_size_ > 0) {
    const int32_t idx = finished_[finished_head_];
    const Order& o = orders_[static_cast<size_t>(idx)];
    if (o.in_use && is_terminal(o.state) && now - o.finished_ns < keep_ns) break;
    finished_head_ = (finished_head_ + 1) % finished_.size();
    --finished_size_;
    if (o.in_use && is_terminal(o.state)) release(idx);
  }
  if (!any_traffic_blocked()) {
    for (auto& o : orders_) {
      if (o.in_use && o.needs_query && now >= o.query_at_ns) send_query(o);
    }
    for (size_t i = 0; i < symbols_.size(); ++i) {
      const int64_t at = symbols_[i].reconcile_retry_at_ns;
      if (at != 0 && now >= at) request_reconcile(static_cast<core::SymbolId>(i));
    }
  }
  for (size_t i = 0; i < symbols_.size(); ++i) drive(static_cast<core::SymbolId>(i));
}

void OrderManager::pull(core::SymbolId symbol, PullReason reason) {
  if (symbol >= symbols_.size()) return;
  auto& s = symbols_[symbol];
  s.pulled = true;
  s.pull_reason = reason;
  for (auto& side : s.targets) {
    for (auto& t : side) t.present = false;
  }
  drive(symbol);
}

void OrderManager::resume(core::SymbolId symbol) {
  if (symbol >= symbols_.size() || halted_) return;
  symbols_[symbol].pulled = false;
  drive(symbol);
}

void OrderManager::cancel_everything() {
  for (size_t i = 0; i < symbols_.size(); ++i) pull(static_cast<core::SymbolId>(i), PullReason::kShutdown);
}

bool OrderManager::all_closed() const {
  for (const auto& o : orders_) {
    if (o.in_use && !is_terminal(o.state)) return false;
  }
  return true;
}

size_t OrderManager::live_order_count(core::SymbolId symbol) const {
  size_t n = 0;
  for (const auto& o : orders_) {
    if (o.in_use && o.symbol == symbol && !is_terminal(o.state)) ++n;
  }
  return n;
}

size_t OrderManager::live_orders(core::SymbolId symbol, std::span<LiveOrder> out) const {
  size_t n = 0;
  for (const auto& o : orders_) {
    if (n == out.size()) break;
    if (!o.in_use || o.symbol != symbol || is_terminal(o.state)) continue;
    out[n++] = {o.id, o.order_id, o.side, o.level, o.price, o.orig_qty, o.cum_qty, o.state};
  }
  return n;
}

QuoteState OrderManager::state(core::SymbolId symbol, core::Side side) const {
  if (halted_) return QuoteState::kHalted;
  if (symbol >= symbols_.size()) return QuoteState::kIdle;
  const auto& s = symbols_[symbol];
  if (s.pulled) return QuoteState::kPulled;
  if (banned_until_ms_ != 0 && clock_.wall_ms() < banned_until_ms_) return QuoteState::kBanned;
  if (s.reconciling) return QuoteState::kReconciling;
  const int si = side_index(side);
  bool any_target = false;
  for (const auto& t : s.targets[si]) any_target = any_target || t.present;
  if (!any_target) return QuoteState::kIdle;
  if (clock_.monotonic_ns() < retry_until_ns_) return QuoteState::kBackoff;
  if (s.rate_limited[si]) return QuoteState::kRateLimited;
  if (s.cooldown[si]) return QuoteState::kRejectCooldown;
  return QuoteState::kQuoting;
}

std::optional<OrderState> OrderManager::order_state(const core::ClientOrderId& id) const {
  const Order* o = find(id);
  if (o == nullptr) return std::nullopt;
  return o->state;
}

}  // namespace phoenix::oms
