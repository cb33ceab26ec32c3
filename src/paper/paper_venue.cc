#include "paper/paper_venue.h"

#include <algorithm>
#include <limits>
#include <utility>

#include <boost/asio/post.hpp>

namespace phoenix::paper {
namespace {

__extension__ using Int128 = __int128;

constexpr int64_t kFeeDenominator = 1'000'000;  // centi-bps per unit

// a / b rounded up (a >= 0, b > 0) or down.
Int128 divide(Int128 a, Int128 b, bool round_up) { return round_up ? (a + b - 1) / b : a / b; }

int64_t clamp_to_int64(Int128 v) {
  constexpr Int128 kMax = std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(v > kMax ? kMax : v);
}

bool is_multiple(int64_t units, int64_t step) { return step > 0 && units % step == 0; }

// price * 10^mult_scale compared with ref * multiplier (a Decimal), both at price scale.
// Returns the sign of price - ref * multiplier.
int compare_scaled(core::Price price, core::Price ref, const core::Decimal& multiplier) {
  const Int128 lhs = static_cast<Int128>(price.units()) * core::pow10(multiplier.scale());
  const Int128 rhs = static_cast<Int128>(ref.units()) * multiplier.units();
  return lhs < rhs ? -1 : (lhs > rhs ? 1 : 0);
}

core::AssetBalance to_balance(std::string_view name, int64_t free_units, int64_t locked_units) {
  core::AssetBalance b;
  std::copy_n(name.data(), std::min(name.size(), b.asset.size()), b.asset.data());
  b.free_units = free_units;
  b.locked_units = locked_units;
  return b;
}

}  // namespace

core::Result<std::unique_ptr<PaperVenue>> PaperVenue::create(boost::asio::io_context& ioc,
                                                             const core::Clock& clock,
                                                             telemetry::Registry& metrics,
                                                             PaperVenueConfig config) {
  auto bad = [](std::string msg) { return core::Error{core::ErrorCode::kInvalidArgument, "paper: " + msg}; };
  if (config.history_limit == 0) return bad("history_limit must be > 0");
  if (config.maker_fee_centi_bps < 0 || config.taker_fee_centi_bps < 0) return bad("fees must be >= 0");
  if (config.symbols.size() >= core::kNoSymbol) return bad("too many symbols");
  auto valid_asset = [](const std::string& a) { return !a.empty() && a.size() <= 16; };
  for (const auto& sym : config.symbols) {
    const auto& f = sym.filters;
    if (sym.name.empty()) return bad("symbol without a name");
    if (!valid_asset(sym.base_asset) || !valid_asset(sym.quote_asset) || sym.base_asset == sym.quote_asset) {
      return bad(sym.name + ": base and quote assets must be 1..16 characters and differ");
    }
    if (f.tick_size.units() <= 0 || f.step_size.units() <= 0)
      return bad(sym.name + ": tick and step must be > 0");
    if (f.qty_scale < 0 || f.qty_scale > 8 || f.quote_scale < 0 || f.quote_scale > 8 || f.price_scale < 0 ||
        f.price_scale > 18) {
      return bad(sym.name + ": scales out of range (qty and quote 0..8, price 0..18)");
    }
  }
  for (const auto& b : config.balances) {
    if (!valid_asset(b.asset)) return bad("balance asset must be 1..16 characters");
    if (b.units < 0) return bad("balance of " + b.asset + " must be >= 0");
  }

  std::unique_ptr<PaperVenue> venue(new PaperVenue(ioc, clock, std::move(config)));
  for (auto& s : venue->symbols_) {
    telemetry::Labels symbol_label{{"symbol", s.spec.name}};
    constexpr std::string_view kFillsHelp = "Fills of the paper venue (dry-run mode), by symbol and side";
    s.fills_buy =
        &metrics.counter("phoenix_paper_fills_total", kFillsHelp, {{"symbol", s.spec.name}, {"side", "buy"}});
    s.fills_sell = &metrics.counter("phoenix_paper_fills_total", kFillsHelp,
                                    {{"symbol", s.spec.name}, {"side", "sell"}});
    s.orders_open = &metrics.gauge("phoenix_paper_orders_open",
                                   "Open orders on the paper venue (dry-run mode)", symbol_label);
    s.orders_open->set(0.0);
  }
  return venue;
}

PaperVenue::PaperVenue(boost::asio::io_context& ioc, const core::Clock& clock, PaperVenueConfig config)
    : ioc_(ioc),
      clock_(clock),
      maker_fee_centi_bps_(config.maker_fee_centi_bps),
      taker_fee_centi_bps_(config.taker_fee_centi_bps),
      history_limit_(config.history_limit),
      alive_(std::make_shared<char>(0)) {
  auto asset_index = [this](const std::string& name) {
    for (size_t i = 0; i < assets_.size(); ++i) {
      if (assets_[i].name == name) return i;
    }
    assets_.push_back(Asset{name, 0, 0});
    return assets_.size() - 1;
  };
  for (const auto& b : config.balances) assets_[asset_index(b.asset)].free_units += b.units;
  symbols_.reserve(config.symbols.size());
  for (auto& spec : config.symbols) {
    SymbolState s;
    s.base = asset_index(spec.base_asset);
    s.quote = asset_index(spec.quote_asset);
    s.spec = std::move(spec);
    symbols_.push_back(std::move(s));
  }
}

PaperVenue::~PaperVenue() = default;

// ---------------------------------------------------------------------------------------
// Delivery

void PaperVenue::emit(Event event) {
  outbox_.push_back(std::move(event));
  schedule_flush();
}

void PaperVenue::schedule_flush() {
  if (flush_posted_) return;
  flush_posted_ = true;
  boost::asio::post(ioc_, [weak = std::weak_ptr<char>(alive_), this] {
    if (weak.expired()) return;
    flush();
  });
}

void PaperVenue::flush() {
  flush_posted_ = false;
  draining_.swap(outbox_);
  // Callbacks may make requests: their events go to outbox_ and a new handler.
  for (const Event& event : draining_) {
    if (listener_ == nullptr) break;
    if (const auto* u = std::get_if<core::OrderUpdate>(&event)) {
      listener_->on_order_update(*u);
    } else if (const auto* f = std::get_if<FailureEvent>(&event)) {
      listener_->on_request_failed(f->failure);
    } else if (const auto* o = std::get_if<OpenOrdersEvent>(&event)) {
      listener_->on_open_orders(o->symbol, o->orders);
    } else if (const auto* t = std::get_if<TradesEvent>(&event)) {
      listener_->on_trades(t->symbol, t->trades);
    } else if (const auto* b = std::get_if<BalancesEvent>(&event)) {
      listener_->on_balances(b->balances, true);
    } else if (const auto* d = std::get_if<BalanceChangeEvent>(&event)) {
      listener_->on_balances(std::span<const core::AssetBalance>(d->balances.data(), d->count), false);
    } else if (const auto* c = std::get_if<oms::Connectivity>(&event)) {
      listener_->on_connectivity(*c);
    }
  }
  draining_.clear();
}

void PaperVenue::fail(core::RequestKind kind, core::SymbolId symbol, const core::ClientOrderId& client_id,
                      int code, core::FailureAction action, std::string_view message) {
  core::RequestFailure f;
  f.kind = kind;
  f.symbol = symbol;
  f.client_id = client_id;
  f.action = action;
  f.code = code;
  f.message = message;
  fail(f);
}

void PaperVenue::fail(const core::RequestFailure& failure) { emit(FailureEvent{failure}); }

void PaperVenue::emit_balances(size_t asset_a, size_t asset_b) {
  BalanceChangeEvent e;
  const Asset& a = assets_[asset_a];
  e.balances[e.count++] = to_balance(a.name, a.free_units, a.locked_units);
  if (asset_b != asset_a) {
    const Asset& b = assets_[asset_b];
    e.balances[e.count++] = to_balance(b.name, b.free_units, b.locked_units);
  }
  emit(std::move(e));
}

void PaperVenue::set_listener(oms::GatewayListener* listener) {
  listener_ = listener;
  if (listener_ != nullptr) emit(oms::Connectivity{true, true});
}

// ---------------------------------------------------------------------------------------
// Lookups and arithmetic

PaperVenue::SymbolState* PaperVenue::find_symbol(core::SymbolId symbol) {
  return symbol < symbols_.size() ? &symbols_[symbol] : nullptr;
}

PaperVenue::Order* PaperVenue::find_open(SymbolState& s, const core::ClientOrderId& client_id) {
  for (auto& o : s.open) {
    if (o.state.client_id == client_id) return &o;
  }
  return nullptr;
}

const core::OrderUpdate* PaperVenue::find_closed(core::SymbolId symbol,
                                                 const core::ClientOrderId& client_id) const {
  for (auto it = closed_.rbegin(); it != closed_.rend(); ++it) {
    if (it->symbol == symbol && it->client_id == client_id) return &*it;
  }
  return nullptr;
}

size_t PaperVenue::open_order_count(core::SymbolId symbol) const {
  return symbol < symbols_.size() ? symbols_[symbol].open.size() : 0;
}

core::AssetBalance PaperVenue::balance(std::string_view asset) const {
  for (const auto& a : assets_) {
    if (a.name == asset) return to_balance(a.name, a.free_units, a.locked_units);
  }
  return to_balance(asset, 0, 0);
}

int64_t PaperVenue::quote_units8(const core::SymbolFilters& f, core::Price price, core::Qty qty,
                                 bool round_up) {
  const Int128 v = static_cast<Int128>(price.units()) * qty.units();
  const int exp = f.price_scale + f.qty_scale;
  if (exp >= 8) return clamp_to_int64(divide(v, core::pow10(exp - 8), round_up));
  return clamp_to_int64(v * core::pow10(8 - exp));
}

int64_t PaperVenue::quote_units(const core::SymbolFilters& f, core::Price price, core::Qty qty) {
  const Int128 v = static_cast<Int128>(price.units()) * qty.units();
  const int exp = f.price_scale + f.qty_scale;
  if (exp >= f.quote_scale) return clamp_to_int64(v / core::pow10(exp - f.quote_scale));
  return clamp_to_int64(v * core::pow10(f.quote_scale - exp));
}

int64_t PaperVenue::base_units8(const core::SymbolFilters& f, core::Qty qty) {
  return clamp_to_int64(static_cast<Int128>(qty.units()) * core::pow10(8 - f.qty_scale));
}

int64_t PaperVenue::commission(int64_t received_units8, int64_t centi_bps) {
  return clamp_to_int64(divide(static_cast<Int128>(received_units8) * centi_bps, kFeeDenominator, true));
}

int64_t PaperVenue::lock_for(const core::SymbolFilters& f, core::Side side, core::Price price,
                             core::Qty qty) {
  return side == core::Side::kBuy ? quote_units8(f, price, qty, true) : base_units8(f, qty);
}

core::OrderUpdate PaperVenue::snapshot_of(const core::OrderUpdate& state) {
  core::OrderUpdate u = state;
  u.exec_type = core::ExecType::kSnapshot;
  u.last_price = core::Price{};
  u.last_qty = core::Qty{};
  u.trade_id = 0;
  u.maker = false;
  u.commission_units = 0;
  u.fee_asset = core::FeeAsset::kNone;
  u.orig_client_id = core::ClientOrderId{};
  return u;
}

// ---------------------------------------------------------------------------------------
// Order entry

PaperVenue::Refusal PaperVenue::validate(const SymbolState& s, const oms::PlaceOrder& order) const {
  const core::SymbolFilters& f = s.spec.filters;
  const int64_t price = order.price.units();
  const int64_t qty = order.qty.units();
  if (price <= 0 || !is_multiple(price, f.tick_size.units()) ||
      (f.min_price.units() > 0 && price < f.min_price.units()) ||
      (f.max_price.units() > 0 && price > f.max_price.units())) {
    return {kCodeFilterFailure, "Filter failure: PRICE_FILTER"};
  }
  // The reference price: the configured one, else (0) the current mid, as the exchange's
  // average price would be; no check without either.
  core::Price reference = f.percent_price ? f.percent_price->reference_price : core::Price{};
  if (reference.units() <= 0 && s.book.bid.price.units() > 0 && s.book.ask.price.units() > 0) {
    reference = core::Price((s.book.bid.price.units() + s.book.ask.price.units()) / 2);
  }
  if (f.percent_price && reference.units() > 0) {
    const auto& pp = *f.percent_price;
    const bool buy = order.side == core::Side::kBuy;
    const core::Decimal& up = buy ? pp.bid_up : pp.ask_up;
    const core::Decimal& down = buy ? pp.bid_down : pp.ask_down;
    if (compare_scaled(order.price, reference, up) > 0 || compare_scaled(order.price, reference, down) < 0) {
      return {kCodeFilterFailure, "Filter failure: PERCENT_PRICE_BY_SIDE"};
    }
  }
  if (qty <= 0 || !is_multiple(qty, f.step_size.units()) ||
      (f.min_qty.units() > 0 && qty < f.min_qty.units()) ||
      (f.max_qty.units() > 0 && qty > f.max_qty.units())) {
    return {kCodeFilterFailure, "Filter failure: LOT_SIZE"};
  }
  const int64_t notional = quote_units(f, order.price, order.qty);
  if (f.min_notional_quote_units > 0 && notional < f.min_notional_quote_units) {
    return {kCodeFilterFailure, "Filter failure: NOTIONAL"};
  }
  if (f.max_notional_quote_units > 0 && notional > f.max_notional_quote_units) {
    return {kCodeFilterFailure, "Filter failure: NOTIONAL"};
  }
  if (f.max_num_orders > 0 && s.open.size() >= static_cast<size_t>(f.max_num_orders)) {
    return {kCodeFilterFailure, "Filter failure: MAX_NUM_ORDERS"};
  }
  for (const auto& o : s.open) {
    if (o.state.client_id == order.client_id) return {kCodeNewOrderRejected, "Duplicate order sent."};
  }
  if (order.post_only) {
    const bool takes = order.side == core::Side::kBuy
                           ? (s.book.ask.price.units() > 0 && order.price >= s.book.ask.price)
                           : (s.book.bid.price.units() > 0 && order.price <= s.book.bid.price);
    if (takes) return {kCodeNewOrderRejected, "Order would immediately match and take."};
  }
  const Asset& funding = assets_[order.side == core::Side::kBuy ? s.quote : s.base];
  if (funding.free_units < lock_for(f, order.side, order.price, order.qty)) {
    return {kCodeNewOrderRejected, "Account has insufficient balance for requested action."};
  }
  return {};
}

bool PaperVenue::do_place(SymbolState& s, const oms::PlaceOrder& order, core::RequestKind kind,
                          const core::ClientOrderId& cancel_client_id, bool cancel_succeeded) {
  const Refusal refusal = order.client_id.empty() ? Refusal{kCodeMandatoryParam,
                                                            "Mandatory parameter 'newClientOrderId' missing."}
                                                  : validate(s, order);
  if (refusal.code != 0) {
    core::RequestFailure f;
    f.kind = kind;
    f.symbol = order.symbol;
    f.client_id = order.client_id;
    f.cancel_client_id = cancel_client_id;
    f.action = core::FailureAction::kRejected;
    f.code = refusal.code;
    f.message = refusal.message;
    f.cancel_succeeded = cancel_succeeded;
    fail(f);
    return false;
  }
  const int64_t now_ms = clock_.wall_ms();
  Order o;
  o.seq = next_seq_++;
  o.state.symbol = order.symbol;
  o.state.client_id = order.client_id;
  o.state.order_id = next_order_id_++;
  o.state.side = order.side;
  o.state.status = core::OrderStatus::kNew;
  o.state.exec_type = core::ExecType::kNew;
  o.state.price = order.price;
  o.state.orig_qty = order.qty;
  o.state.event_time_ms = now_ms;
  o.state.transact_time_ms = now_ms;
  o.locked_units = lock_for(s.spec.filters, order.side, order.price, order.qty);
  o.queue_ahead = initial_queue(s.book, order.side, order.price);
  Asset& funding = assets_[order.side == core::Side::kBuy ? s.quote : s.base];
  funding.free_units -= o.locked_units;
  funding.locked_units += o.locked_units;
  s.open.push_back(o);
  emit(o.state);
  emit_balances(order.side == core::Side::kBuy ? s.quote : s.base,
                order.side == core::Side::kBuy ? s.quote : s.base);
  s.orders_open->set(static_cast<double>(s.open.size()));

  // A non-post-only order that crosses takes at the opposite best price.
  if (!order.post_only) {
    const core::Level& opposite = order.side == core::Side::kBuy ? s.book.ask : s.book.bid;
    const bool crosses =
        opposite.price.units() > 0 &&
        (order.side == core::Side::kBuy ? order.price >= opposite.price : order.price <= opposite.price);
    if (crosses) {
      const int64_t available = opposite.qty.units() > 0 ? opposite.qty.units() : order.qty.units();
      fill(s, s.open.size() - 1, opposite.price, core::Qty{std::min(available, order.qty.units())}, false);
      sweep_filled(s);
    }
  }
  return true;
}

void PaperVenue::place(const oms::PlaceOrder& order) {
  SymbolState* s = find_symbol(order.symbol);
  if (s == nullptr) {
    fail(core::RequestKind::kPlace, order.symbol, order.client_id, kCodeBadSymbol,
         core::FailureAction::kRejected, "Invalid symbol.");
    return;
  }
  do_place(*s, order, core::RequestKind::kPlace, core::ClientOrderId{}, false);
}

void PaperVenue::do_cancel(SymbolState& s, size_t index) {
  Order& o = s.open[index];
  const size_t asset = o.state.side == core::Side::kBuy ? s.quote : s.base;
  assets_[asset].free_units += o.locked_units;
  assets_[asset].locked_units -= o.locked_units;
  o.locked_units = 0;
  const int64_t now_ms = clock_.wall_ms();
  o.state.status = core::OrderStatus::kCanceled;
  o.state.exec_type = core::ExecType::kCanceled;
  o.state.event_time_ms = now_ms;
  o.state.transact_time_ms = now_ms;
  core::OrderUpdate u = snapshot_of(o.state);
  u.exec_type = core::ExecType::kCanceled;
  emit(u);
  emit_balances(asset, asset);
  close(s, index);
}

void PaperVenue::cancel(const oms::CancelOrder& order) {
  SymbolState* s = find_symbol(order.symbol);
  if (s == nullptr) {
    fail(core::RequestKind::kCancel, order.symbol, order.client_id, kCodeBadSymbol,
         core::FailureAction::kRejected, "Invalid symbol.");
    return;
  }
  for (size_t i = 0; i < s->open.size(); ++i) {
    if (s->open[i].state.client_id == order.client_id) {
      do_cancel(*s, i);
      return;
    }
  }
  fail(core::RequestKind::kCancel, order.symbol, order.client_id, kCodeCancelRejected,
       core::FailureAction::kOrderGone, "Unknown order sent.");
}

void PaperVenue::cancel_replace(const oms::ReplaceOrder& order) {
  const oms::PlaceOrder& next = order.new_order;
  SymbolState* s = find_symbol(next.symbol);
  core::RequestFailure f;
  f.kind = core::RequestKind::kCancelReplace;
  f.symbol = next.symbol;
  f.client_id = next.client_id;
  f.cancel_client_id = order.cancel_client_id;
  f.action = core::FailureAction::kRejected;
  if (s == nullptr) {
    f.code = kCodeBadSymbol;
    f.message = "Invalid symbol.";
    fail(f);
    return;
  }
  for (size_t i = 0; i < s->open.size(); ++i) {
    if (s->open[i].state.client_id == order.cancel_client_id) {
      do_cancel(*s, i);
      do_place(*s, next, core::RequestKind::kCancelReplace, order.cancel_client_id, true);
      return;
    }
  }
  // STOP_ON_FAILURE: the cancel failed, nothing is placed.
  f.action = core::FailureAction::kOrderGone;
  f.code = kCodeCancelRejected;
  f.message = "Unknown order sent.";
  fail(f);
}

void PaperVenue::amend(const oms::AmendOrder& order) {
  SymbolState* s = find_symbol(order.symbol);
  if (s == nullptr) {
    fail(core::RequestKind::kAmend, order.symbol, order.client_id, kCodeBadSymbol,
         core::FailureAction::kRejected, "Invalid symbol.");
    return;
  }
  Order* o = find_open(*s, order.client_id);
  if (o == nullptr) {
    fail(core::RequestKind::kAmend, order.symbol, order.client_id, kCodeNoSuchOrder,
         core::FailureAction::kOrderGone, "Order does not exist.");
    return;
  }
  const core::SymbolFilters& f = s->spec.filters;
  if (order.new_qty >= o->state.orig_qty) {
    fail(core::RequestKind::kAmend, order.symbol, order.client_id, kCodeAmendRejected,
         core::FailureAction::kRejected, "Order amend (quantity increase) is not supported.");
    return;
  }
  if (order.new_qty <= o->state.cum_qty || !is_multiple(order.new_qty.units(), f.step_size.units())) {
    fail(core::RequestKind::kAmend, order.symbol, order.client_id, kCodeFilterFailure,
         core::FailureAction::kRejected, "Filter failure: LOT_SIZE");
    return;
  }
  const core::Qty remaining{order.new_qty.units() - o->state.cum_qty.units()};
  const int64_t new_lock = std::min(o->locked_units, lock_for(f, o->state.side, o->state.price, remaining));
  const int64_t release = o->locked_units - new_lock;
  const size_t asset = o->state.side == core::Side::kBuy ? s->quote : s->base;
  assets_[asset].free_units += release;
  assets_[asset].locked_units -= release;
  o->locked_units = new_lock;
  const int64_t now_ms = clock_.wall_ms();
  o->state.orig_qty = order.new_qty;
  o->state.event_time_ms = now_ms;
  o->state.transact_time_ms = now_ms;
  core::OrderUpdate u = snapshot_of(o->state);
  u.exec_type = core::ExecType::kReplaced;
  o->state.exec_type = core::ExecType::kReplaced;
  emit(u);
  emit_balances(asset, asset);
}

void PaperVenue::query_order(core::SymbolId symbol, const core::ClientOrderId& client_id) {
  SymbolState* s = find_symbol(symbol);
  if (s != nullptr) {
    if (const Order* o = find_open(*s, client_id)) {
      emit(snapshot_of(o->state));
      return;
    }
    if (const core::OrderUpdate* closed = find_closed(symbol, client_id)) {
      emit(snapshot_of(*closed));
      return;
    }
  }
  fail(core::RequestKind::kQuery, symbol, client_id, kCodeNoSuchOrder, core::FailureAction::kOrderGone,
       "Order does not exist.");
}

void PaperVenue::request_open_orders(core::SymbolId symbol) {
  SymbolState* s = find_symbol(symbol);
  if (s == nullptr) {
    fail(core::RequestKind::kOpenOrders, symbol, core::ClientOrderId{}, kCodeBadSymbol,
         core::FailureAction::kRejected, "Invalid symbol.");
    return;
  }
  OpenOrdersEvent e{symbol, {}};
  e.orders.reserve(s->open.size());
  for (const auto& o : s->open) e.orders.push_back(snapshot_of(o.state));
  emit(std::move(e));
}

void PaperVenue::request_trades(core::SymbolId symbol, int64_t from_ms) {
  if (find_symbol(symbol) == nullptr) {
    fail(core::RequestKind::kTrades, symbol, core::ClientOrderId{}, kCodeBadSymbol,
         core::FailureAction::kRejected, "Invalid symbol.");
    return;
  }
  TradesEvent e{symbol, {}};
  for (const auto& t : trades_) {
    if (t.symbol == symbol && t.transact_time_ms >= from_ms) e.trades.push_back(t);
  }
  emit(std::move(e));
}

void PaperVenue::request_balances() {
  BalancesEvent e;
  e.balances.reserve(assets_.size());
  for (const auto& a : assets_) e.balances.push_back(to_balance(a.name, a.free_units, a.locked_units));
  emit(std::move(e));
}

void PaperVenue::cancel_all(core::SymbolId symbol) {
  SymbolState* s = find_symbol(symbol);
  if (s == nullptr) {
    fail(core::RequestKind::kCancelAll, symbol, core::ClientOrderId{}, kCodeBadSymbol,
         core::FailureAction::kRejected, "Invalid symbol.");
    return;
  }
  if (s->open.empty()) {
    fail(core::RequestKind::kCancelAll, symbol, core::ClientOrderId{}, kCodeCancelRejected,
         core::FailureAction::kOrderGone, "Unknown order sent.");
    return;
  }
  while (!s->open.empty()) do_cancel(*s, 0);
}

// ---------------------------------------------------------------------------------------
// Fills

void PaperVenue::fill(SymbolState& s, size_t index, core::Price price, core::Qty qty, bool maker) {
  Order& o = s.open[index];
  const core::SymbolFilters& f = s.spec.filters;
  const bool buy = o.state.side == core::Side::kBuy;
  const int64_t cum_after = o.state.cum_qty.units() + qty.units();
  const bool done = cum_after >= o.state.orig_qty.units();
  const int64_t fee = maker ? maker_fee_centi_bps_ : taker_fee_centi_bps_;
  Asset& base = assets_[s.base];
  Asset& quote = assets_[s.quote];
  int64_t commission_units = 0;
  if (buy) {
    const int64_t release =
        done ? o.locked_units : std::min(o.locked_units, quote_units8(f, o.state.price, qty, true));
    const int64_t cost = quote_units8(f, price, qty, true);
    quote.locked_units -= release;
    quote.free_units += release - cost;
    o.locked_units -= release;
    const int64_t received = base_units8(f, qty);
    commission_units = commission(received, fee);
    base.free_units += received - commission_units;
  } else {
    const int64_t release = done ? o.locked_units : std::min(o.locked_units, base_units8(f, qty));
    base.locked_units -= release;
    o.locked_units -= release;
    const int64_t received = quote_units8(f, price, qty, false);
    commission_units = commission(received, fee);
    quote.free_units += received - commission_units;
  }
  const int64_t now_ms = clock_.wall_ms();
  core::OrderUpdate& st = o.state;
  st.cum_qty = core::Qty{cum_after};
  st.cum_quote_units += quote_units(f, price, qty);
  st.status = done ? core::OrderStatus::kFilled : core::OrderStatus::kPartiallyFilled;
  st.exec_type = core::ExecType::kTrade;
  st.last_price = price;
  st.last_qty = qty;
  st.trade_id = next_trade_id_++;
  st.maker = maker;
  st.commission_units = commission_units;
  st.fee_asset = buy ? core::FeeAsset::kBase : core::FeeAsset::kQuote;
  st.event_time_ms = now_ms;
  st.transact_time_ms = now_ms;
  emit(st);
  trades_.push_back(st);
  while (trades_.size() > history_limit_) trades_.pop_front();
  emit_balances(s.base, s.quote);
  (buy ? s.fills_buy : s.fills_sell)->inc();
}

void PaperVenue::sweep_filled(SymbolState& s) {
  for (size_t i = s.open.size(); i-- > 0;) {
    if (core::is_terminal(s.open[i].state.status)) close(s, i);
  }
}

void PaperVenue::close(SymbolState& s, size_t index) {
  remember_closed(s.open[index].state);
  s.open.erase(s.open.begin() + static_cast<std::ptrdiff_t>(index));
  s.orders_open->set(static_cast<double>(s.open.size()));
}

void PaperVenue::remember_closed(const core::OrderUpdate& state) {
  closed_.push_back(state);
  while (closed_.size() > history_limit_) closed_.pop_front();
}

void PaperVenue::sort_side(SymbolState& s, core::Side side) {
  scratch_.clear();
  for (size_t i = 0; i < s.open.size(); ++i) {
    if (s.open[i].state.side == side && !core::is_terminal(s.open[i].state.status)) scratch_.push_back(i);
  }
  const bool buy = side == core::Side::kBuy;
  std::sort(scratch_.begin(), scratch_.end(), [&](size_t a, size_t b) {
    const Order& x = s.open[a];
    const Order& y = s.open[b];
    if (x.state.price != y.state.price)
      return buy ? x.state.price > y.state.price : x.state.price < y.state.price;
    return x.seq < y.seq;
  });
}

int64_t PaperVenue::initial_queue(const Book& book, core::Side side, core::Price price) {
  const core::Level& same = side == core::Side::kBuy ? book.bid : book.ask;
  if (same.price.units() <= 0) return kUnknownQueue;
  if (same.price == price) return same.qty.units();
  const bool better = side == core::Side::kBuy ? price > same.price : price < same.price;
  return better ? 0 : kUnknownQueue;
}

void PaperVenue::on_trade(const core::Trade& trade) {
  SymbolState* s = find_symbol(trade.symbol);
  if (s == nullptr || trade.qty.units() <= 0 || trade.price.units() <= 0) return;
  for (const core::Side side : {core::Side::kBuy, core::Side::kSell}) {
    const bool buy = side == core::Side::kBuy;
    // A trade at our price reaches our queue only when its aggressor hits our side.
    const bool hits_side = buy ? trade.buyer_is_maker : !trade.buyer_is_maker;
    sort_side(*s, side);
    int64_t budget = trade.qty.units();
    int64_t ours_at_price = 0;
    for (const size_t i : scratch_) {
      if (budget <= 0) break;
      Order& o = s->open[i];
      const int64_t remaining = o.state.orig_qty.units() - o.state.cum_qty.units();
      const bool through = buy ? trade.price < o.state.price : trade.price > o.state.price;
      if (through) {
        const int64_t q = std::min(remaining, budget);
        budget -= q;
        fill(*s, i, o.state.price, core::Qty{q}, true);
      } else if (trade.price == o.state.price && hits_side && o.queue_ahead != kUnknownQueue) {
        // `budget` is the public quantity traded at our price; our earlier fills at this
        // price in this trade were ahead of `o` too.
        const int64_t public_avail = budget - ours_at_price;
        const int64_t consumed = std::min(o.queue_ahead, public_avail);
        o.queue_ahead -= consumed;
        const int64_t q = std::min(remaining, public_avail - consumed);
        if (q > 0) {
          ours_at_price += q;
          fill(*s, i, o.state.price, core::Qty{q}, true);
        }
      }
    }
  }
  sweep_filled(*s);
}

void PaperVenue::on_book_ticker(const core::BookTicker& ticker) {
  on_top_of_book(ticker.symbol, core::Level{ticker.bid_price, ticker.bid_qty},
                 core::Level{ticker.ask_price, ticker.ask_qty});
}

void PaperVenue::on_top_of_book(core::SymbolId symbol, core::Level bid, core::Level ask) {
  SymbolState* s = find_symbol(symbol);
  if (s == nullptr) return;
  s->book.bid = bid;
  s->book.ask = ask;
  match_book(*s, core::Side::kBuy);
  match_book(*s, core::Side::kSell);
  sweep_filled(*s);
  update_queues(*s);
}

void PaperVenue::match_book(SymbolState& s, core::Side side) {
  const bool buy = side == core::Side::kBuy;
  const core::Level& opposite = buy ? s.book.ask : s.book.bid;
  if (opposite.price.units() <= 0) return;
  sort_side(s, side);
  int64_t budget = opposite.qty.units() > 0 ? opposite.qty.units() : std::numeric_limits<int64_t>::max();
  for (const size_t i : scratch_) {
    if (budget <= 0) break;
    Order& o = s.open[i];
    const bool through = buy ? opposite.price < o.state.price : opposite.price > o.state.price;
    if (!through) break;  // sorted best first: no later order is crossed either
    const int64_t q = std::min(o.state.orig_qty.units() - o.state.cum_qty.units(), budget);
    budget -= q;
    fill(s, i, o.state.price, core::Qty{q}, true);
  }
}

void PaperVenue::update_queues(SymbolState& s) {
  for (auto& o : s.open) {
    const bool buy = o.state.side == core::Side::kBuy;
    const core::Level& same = buy ? s.book.bid : s.book.ask;
    if (same.price.units() <= 0) continue;
    if (same.price == o.state.price) {
      o.queue_ahead =
          o.queue_ahead == kUnknownQueue ? same.qty.units() : std::min(o.queue_ahead, same.qty.units());
    } else if (buy ? same.price < o.state.price : same.price > o.state.price) {
      o.queue_ahead = 0;  // the public level at our price is gone
    }
  }
}

}  // namespace phoenix::paper
