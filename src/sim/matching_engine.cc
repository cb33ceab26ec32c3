#include "sim/matching_engine.h"

#include <algorithm>
#include <cassert>
#include <limits>

#include "core/decimal.h"

namespace phoenix::sim {
namespace {

__extension__ using Int128 = __int128;

constexpr int64_t kBpsDenominator = 10000;

std::optional<int64_t> to_int64(Int128 v) {
  if (v > std::numeric_limits<int64_t>::max() || v < std::numeric_limits<int64_t>::min()) return std::nullopt;
  return static_cast<int64_t>(v);
}

// floor(amount * bps / 10000) for amount >= 0, 0 <= bps <= 10000.
int64_t fee_of(int64_t amount, int64_t bps) {
  return static_cast<int64_t>(static_cast<Int128>(amount) * bps / kBpsDenominator);
}

bool crosses(const Order& taker, int64_t maker_price) {
  if (taker.type == OrderType::kMarket) return true;
  return taker.side == Side::kBuy ? maker_price <= taker.price_units : maker_price >= taker.price_units;
}

}  // namespace

std::string_view to_string(RejectReason reason) {
  switch (reason) {
    case RejectReason::kNone: return "none";
    case RejectReason::kUnknownSymbol: return "unknown_symbol";
    case RejectReason::kBadPrice: return "bad_price";
    case RejectReason::kBadQty: return "bad_qty";
    case RejectReason::kQtyTooLow: return "qty_too_low";
    case RejectReason::kQtyTooHigh: return "qty_too_high";
    case RejectReason::kMinNotional: return "min_notional";
    case RejectReason::kInsufficientBalance: return "insufficient_balance";
    case RejectReason::kWouldMatch: return "would_match";
    case RejectReason::kDuplicateClientOrderId: return "duplicate_client_order_id";
    case RejectReason::kOverflow: return "overflow";
    case RejectReason::kUnknownOrder: return "unknown_order";
    case RejectReason::kBadAmend: return "bad_amend";
  }
  return "unknown";
}

std::string_view to_string(ExecType type) {
  switch (type) {
    case ExecType::kNew: return "NEW";
    case ExecType::kTrade: return "TRADE";
    case ExecType::kCanceled: return "CANCELED";
    case ExecType::kRejected: return "REJECTED";
    case ExecType::kExpired: return "EXPIRED";
    case ExecType::kAmendment: return "REPLACED";
    case ExecType::kTradePrevention: return "TRADE_PREVENTION";
  }
  return "UNKNOWN";
}

std::string_view to_string(OrderStatus status) {
  switch (status) {
    case OrderStatus::kNew: return "NEW";
    case OrderStatus::kPartiallyFilled: return "PARTIALLY_FILLED";
    case OrderStatus::kFilled: return "FILLED";
    case OrderStatus::kCanceled: return "CANCELED";
    case OrderStatus::kRejected: return "REJECTED";
    case OrderStatus::kExpired: return "EXPIRED";
    case OrderStatus::kExpiredInMatch: return "EXPIRED_IN_MATCH";
  }
  return "UNKNOWN";
}

core::Status MatchingEngine::add_symbol(SymbolSpec spec) {
  using core::Error;
  using core::ErrorCode;
  if (symbols_.contains(spec.name))
    return Error{ErrorCode::kInvalidArgument, "duplicate symbol " + spec.name};
  auto base = accounts_.find_asset(spec.base_asset);
  auto quote = accounts_.find_asset(spec.quote_asset);
  if (!base || !quote || *base == *quote) return Error{ErrorCode::kNotFound, "bad assets for " + spec.name};
  const int base_scale = accounts_.asset(*base).scale;
  if (spec.price_scale < 0 || spec.qty_scale < 0 || spec.price_scale + spec.qty_scale > 36 ||
      spec.qty_scale > base_scale) {
    return Error{ErrorCode::kOutOfRange, "bad scales for " + spec.name};
  }
  if (spec.tick_units <= 0 || spec.step_units <= 0 || spec.min_qty_units <= 0 ||
      spec.max_qty_units < spec.min_qty_units || spec.min_notional_units < 0) {
    return Error{ErrorCode::kInvalidArgument, "bad filters for " + spec.name};
  }
  auto state = std::make_unique<SymbolState>();
  state->base = *base;
  state->quote = *quote;
  state->base_per_qty = core::pow10(base_scale - spec.qty_scale);
  state->spec = std::move(spec);
  const std::string name = state->spec.name;
  symbols_.emplace(name, std::move(state));
  return {};
}

core::Status MatchingEngine::deposit(AccountId account, std::string_view asset, int64_t units) {
  auto id = accounts_.find_asset(asset);
  if (!id) return core::Error{core::ErrorCode::kNotFound, "unknown asset " + std::string(asset)};
  return accounts_.deposit(account, *id, units);
}

int64_t MatchingEngine::fees_collected(AssetId asset) const {
  return asset < fees_collected_.size() ? fees_collected_[asset] : 0;
}

const OrderBook* MatchingEngine::book(std::string_view symbol) const {
  auto found = symbols_.find(symbol);
  return found == symbols_.end() ? nullptr : &found->second->book;
}

MatchingEngine::SymbolState* MatchingEngine::find_symbol(std::string_view name) {
  auto found = symbols_.find(name);
  return found == symbols_.end() ? nullptr : found->second.get();
}

std::optional<int64_t> MatchingEngine::quote_amount(const SymbolState& s, int64_t price_units,
                                                    int64_t qty_units, bool round_up) const {
  const Int128 product = static_cast<Int128>(price_units) * qty_units;  // |.| < 2^126
  const int exp = s.spec.price_scale + s.spec.qty_scale - accounts_.asset(s.quote).scale;
  if (exp <= 0) {
    auto small = to_int64(product);
    if (!small || -exp > core::kMaxScale) return std::nullopt;
    return to_int64(static_cast<Int128>(*small) * core::pow10(-exp));  // < 2^63 * 10^18 < 2^127
  }
  Int128 divisor = 1;
  for (int i = 0; i < exp; ++i) divisor *= 10;
  Int128 q = product / divisor;
  if (round_up && q * divisor != product) ++q;
  return to_int64(q);
}

RejectReason MatchingEngine::check_filters(const SymbolState& s, const NewOrder& o) const {
  const SymbolSpec& f = s.spec;
  if (o.qty_units <= 0 || o.qty_units % f.step_units != 0) return RejectReason::kBadQty;
  if (o.qty_units < f.min_qty_units) return RejectReason::kQtyTooLow;
  if (o.qty_units > f.max_qty_units) return RejectReason::kQtyTooHigh;
  if (o.type == OrderType::kMarket) return RejectReason::kNone;
  if (o.price_units <= 0 || o.price_units % f.tick_units != 0) return RejectReason::kBadPrice;
  auto notional = quote_amount(s, o.price_units, o.qty_units, /*round_up=*/false);
  if (!notional) return RejectReason::kOverflow;
  if (*notional < f.min_notional_units) return RejectReason::kMinNotional;
  return RejectReason::kNone;
}

std::pair<int64_t, std::optional<int64_t>> MatchingEngine::simulate(const SymbolState& s,
                                                                    const Order& taker) const {
  int64_t qty = 0;
  Int128 quote = 0;
  bool overflow = false;
  s.book.visit(opposite(taker.side), [&](const Order& maker) {
    if (qty >= taker.orig_qty_units || !crosses(taker, maker.price_units)) return false;
    if (maker.account == taker.account && taker.stp != StpMode::kNone) {
      return taker.stp == StpMode::kExpireMaker;  // skipped; the others stop the taker
    }
    const int64_t take = std::min(taker.orig_qty_units - qty, maker.remaining_qty_units());
    auto paid = quote_amount(s, maker.price_units, take, false);
    if (!paid) {
      overflow = true;
      return false;
    }
    qty += take;
    quote += *paid;
    return true;
  });
  if (overflow) return {qty, std::nullopt};
  return {qty, to_int64(quote)};
}

OrderStatus MatchingEngine::fill_status(const Order& o) {
  if (o.executed_qty_units == 0) return OrderStatus::kNew;
  return o.executed_qty_units < o.orig_qty_units ? OrderStatus::kPartiallyFilled : OrderStatus::kFilled;
}

OrderUpdate MatchingEngine::report(const SymbolState& s, const Order& o, ExecType exec,
                                   OrderStatus status) const {
  OrderUpdate u;
  u.order_id = o.id;
  u.client_id = o.client_id;
  u.symbol = s.spec.name;
  u.account = o.account;
  u.side = o.side;
  u.type = o.type;
  u.tif = o.tif;
  u.price_units = o.price_units;
  u.orig_qty_units = o.orig_qty_units;
  u.exec_type = exec;
  u.status = status;
  u.cum_qty_units = o.executed_qty_units;
  u.cum_quote_units = o.cum_quote_units;
  return u;
}

void MatchingEngine::flush_balances(Touched* touched, std::vector<Event>* out) const {
  std::sort(touched->begin(), touched->end());
  touched->erase(std::unique(touched->begin(), touched->end()), touched->end());
  for (const auto& [account, asset] : *touched) {
    const Balance b = accounts_.balance(account, asset);
    out->push_back(BalanceUpdate{account, accounts_.asset(asset).name, b.free_units, b.locked_units});
  }
  touched->clear();
}

void MatchingEngine::release(const SymbolState& s, Order& order, Touched* touched) {
  if (order.locked_units == 0) return;
  const AssetId asset = order.side == Side::kBuy ? s.quote : s.base;
  accounts_.unlock(order.account, asset, order.locked_units);
  order.locked_units = 0;
  touched->emplace_back(order.account, asset);
}

void MatchingEngine::finish_resting(SymbolState& s, OrderId id, ExecType exec, OrderStatus status,
                                    Touched* touched, std::vector<Event>* out) {
  auto order = s.book.remove(id);
  assert(order);
  s.client_ids.erase({order->account, order->client_id});
  release(s, *order, touched);
  out->push_back(report(s, *order, exec, status));
}

PlaceResult MatchingEngine::place(const NewOrder& in, std::vector<Event>* out) {
  Order o;
  o.client_id = in.client_id;
  o.account = in.account;
  o.side = in.side;
  o.type = in.type;
  o.tif = in.type == OrderType::kLimit ? in.tif : TimeInForce::kGtc;
  if (in.type == OrderType::kMarket) o.tif = TimeInForce::kIoc;
  o.stp = in.stp;
  o.price_units = in.type == OrderType::kMarket ? 0 : in.price_units;
  o.orig_qty_units = in.qty_units;

  SymbolState* s = find_symbol(in.symbol);
  auto reject = [&](RejectReason reason) {
    if (s != nullptr) {
      OrderUpdate u = report(*s, o, ExecType::kRejected, OrderStatus::kRejected);
      u.reject_reason = reason;
      out->push_back(std::move(u));
    }
    return PlaceResult{0, OrderStatus::kRejected, reason};
  };
  if (s == nullptr) return reject(RejectReason::kUnknownSymbol);
  if (auto reason = check_filters(*s, in); reason != RejectReason::kNone) return reject(reason);
  if (!o.client_id.empty() && s->client_ids.contains({o.account, o.client_id})) {
    return reject(RejectReason::kDuplicateClientOrderId);
  }
  if (o.type == OrderType::kLimitMaker) {
    auto best = s->book.best_price(opposite(o.side));
    if (best && crosses(o, *best)) return reject(RejectReason::kWouldMatch);
  }

  // What to lock: base qty for a sell; for a buy the rounded-up limit notional, or for
  // a MARKET buy the exact cost of what it can fill now.
  AssetId lock_asset = s->base;
  int64_t lock_units = 0;
  if (o.side == Side::kSell) {
    auto units = to_int64(static_cast<Int128>(o.orig_qty_units) * s->base_per_qty);
    if (!units) return reject(RejectReason::kOverflow);
    lock_units = *units;
  } else {
    lock_asset = s->quote;
    auto units = o.type == OrderType::kMarket ? simulate(*s, o).second
                                              : quote_amount(*s, o.price_units, o.orig_qty_units, true);
    if (!units) return reject(RejectReason::kOverflow);
    lock_units = *units;
  }
  if (!accounts_.lock(o.account, lock_asset, lock_units)) return reject(RejectReason::kInsufficientBalance);
  o.locked_units = lock_units;
  o.id = next_order_id_++;
  if (o.client_id.empty()) o.client_id = "sim-" + std::to_string(o.id);

  Touched touched{{o.account, lock_asset}};
  out->push_back(report(*s, o, ExecType::kNew, OrderStatus::kNew));

  if (o.tif == TimeInForce::kFok && o.type == OrderType::kLimit && simulate(*s, o).first < o.orig_qty_units) {
    release(*s, o, &touched);
    out->push_back(report(*s, o, ExecType::kExpired, OrderStatus::kExpired));
    flush_balances(&touched, out);
    return PlaceResult{o.id, OrderStatus::kExpired, RejectReason::kNone};
  }

  const bool stp_expired = match(*s, o, &touched, out);

  OrderStatus status = fill_status(o);
  if (stp_expired) {
    status = OrderStatus::kExpiredInMatch;  // already released and reported
  } else if (status == OrderStatus::kFilled) {
    release(*s, o, &touched);  // the rounding residue of a buy
  } else if (o.type == OrderType::kMarket || o.tif != TimeInForce::kGtc) {
    release(*s, o, &touched);
    status = OrderStatus::kExpired;
    out->push_back(report(*s, o, ExecType::kExpired, status));
  } else {
    s->client_ids.emplace(std::make_pair(o.account, o.client_id), o.id);
    [[maybe_unused]] const bool added = s->book.add(o);
    assert(added);
  }
  flush_balances(&touched, out);
  return PlaceResult{o.id, status, RejectReason::kNone};
}

bool MatchingEngine::match(SymbolState& s, Order& taker, Touched* touched, std::vector<Event>* out) {
  while (taker.remaining_qty_units() > 0) {
    Order* maker = s.book.best(opposite(taker.side));
    if (maker == nullptr || !crosses(taker, maker->price_units)) return false;
    if (maker->account == taker.account && taker.stp != StpMode::kNone) {
      if (taker.stp == StpMode::kExpireMaker || taker.stp == StpMode::kExpireBoth) {
        finish_resting(s, maker->id, ExecType::kTradePrevention, OrderStatus::kExpiredInMatch, touched, out);
      }
      if (taker.stp == StpMode::kExpireMaker) continue;
      // The taker expires: mark it done for the caller's epilogue.
      release(s, taker, touched);
      out->push_back(report(s, taker, ExecType::kTradePrevention, OrderStatus::kExpiredInMatch));
      return true;
    }
    fill(s, taker, *maker, touched, out);
    if (maker->remaining_qty_units() == 0) {
      auto done = s.book.remove(maker->id);
      s.client_ids.erase({done->account, done->client_id});
      release(s, *done, touched);
    }
  }
  return false;
}

void MatchingEngine::fill(SymbolState& s, Order& taker, Order& maker, Touched* touched,
                          std::vector<Event>* out) {
  const int64_t qty = std::min(taker.remaining_qty_units(), maker.remaining_qty_units());
  const int64_t price = maker.price_units;
  // Cannot overflow: the buyer's lock already holds at least this much.
  const int64_t quote = *quote_amount(s, price, qty, false);
  const int64_t base = qty * s.base_per_qty;
  const int64_t trade_id = s.next_trade_id++;
  Order& buyer = taker.side == Side::kBuy ? taker : maker;
  Order& seller = taker.side == Side::kBuy ? maker : taker;

  accounts_.consume_locked(buyer.account, s.quote, quote);
  buyer.locked_units -= quote;
  accounts_.consume_locked(seller.account, s.base, base);
  seller.locked_units -= base;
  const int64_t buyer_fee = fee_of(base, &buyer == &maker ? fees_.maker_bps : fees_.taker_bps);
  const int64_t seller_fee = fee_of(quote, &seller == &maker ? fees_.maker_bps : fees_.taker_bps);
  accounts_.credit(buyer.account, s.base, base - buyer_fee);
  accounts_.credit(seller.account, s.quote, quote - seller_fee);
  if (fees_collected_.size() < accounts_.asset_count()) fees_collected_.resize(accounts_.asset_count());
  fees_collected_[s.base] += buyer_fee;
  fees_collected_[s.quote] += seller_fee;
  touched->emplace_back(buyer.account, s.quote);
  touched->emplace_back(buyer.account, s.base);
  touched->emplace_back(seller.account, s.quote);
  touched->emplace_back(seller.account, s.base);

  for (Order* o : {&maker, &taker}) {
    o->executed_qty_units += qty;
    o->cum_quote_units += quote;
    OrderUpdate u = report(s, *o, ExecType::kTrade, fill_status(*o));
    u.last_qty_units = qty;
    u.last_price_units = price;
    u.trade_id = trade_id;
    u.is_maker = o == &maker;
    u.on_book = o == &maker && o->remaining_qty_units() > 0;
    const bool buys = o->side == Side::kBuy;
    u.commission_units = buys ? buyer_fee : seller_fee;
    u.commission_asset = accounts_.asset(buys ? s.base : s.quote).name;
    out->push_back(std::move(u));
  }
}

core::Status MatchingEngine::cancel(std::string_view symbol, AccountId account, OrderId id,
                                    std::vector<Event>* out) {
  SymbolState* s = find_symbol(symbol);
  if (s == nullptr) return core::Error{core::ErrorCode::kNotFound, "unknown symbol"};
  const Order* order = s->book.find(id);
  if (order == nullptr || order->account != account)
    return core::Error{core::ErrorCode::kNotFound, "unknown order"};
  const OrderStatus status = OrderStatus::kCanceled;
  Touched touched;
  finish_resting(*s, id, ExecType::kCanceled, status, &touched, out);
  flush_balances(&touched, out);
  return {};
}

core::Status MatchingEngine::cancel_by_client_id(std::string_view symbol, AccountId account,
                                                 std::string_view client_id, std::vector<Event>* out) {
  SymbolState* s = find_symbol(symbol);
  if (s == nullptr) return core::Error{core::ErrorCode::kNotFound, "unknown symbol"};
  auto found = s->client_ids.find({account, std::string(client_id)});
  if (found == s->client_ids.end()) return core::Error{core::ErrorCode::kNotFound, "unknown order"};
  return cancel(symbol, account, found->second, out);
}

size_t MatchingEngine::cancel_all(std::string_view symbol, AccountId account, std::vector<Event>* out) {
  SymbolState* s = find_symbol(symbol);
  if (s == nullptr) return 0;
  std::vector<OrderId> ids = s->book.orders_of(account);
  std::sort(ids.begin(), ids.end());
  Touched touched;
  for (OrderId id : ids) finish_resting(*s, id, ExecType::kCanceled, OrderStatus::kCanceled, &touched, out);
  flush_balances(&touched, out);
  return ids.size();
}

const Order* MatchingEngine::find_open(std::string_view symbol, OrderId id) const {
  const OrderBook* b = book(symbol);
  return b == nullptr ? nullptr : b->find(id);
}

OrderId MatchingEngine::find_open_by_client_id(std::string_view symbol, AccountId account,
                                               std::string_view client_id) const {
  auto found = symbols_.find(symbol);
  if (found == symbols_.end()) return 0;
  auto it = found->second->client_ids.find({account, std::string(client_id)});
  return it == found->second->client_ids.end() ? 0 : it->second;
}

core::Status MatchingEngine::amend_keep_priority(std::string_view symbol, AccountId account, OrderId id,
                                                 int64_t new_qty_units, std::vector<Event>* out,
                                                 std::string_view new_client_id) {
  SymbolState* s = find_symbol(symbol);
  if (s == nullptr) return core::Error{core::ErrorCode::kNotFound, "unknown symbol"};
  Order* o = s->book.find(id);
  if (o == nullptr || o->account != account) return core::Error{core::ErrorCode::kNotFound, "unknown order"};
  if (new_qty_units <= o->executed_qty_units || new_qty_units >= o->orig_qty_units ||
      new_qty_units % s->spec.step_units != 0) {
    return core::Error{core::ErrorCode::kRejected, std::string(to_string(RejectReason::kBadAmend))};
  }
  const bool rename = !new_client_id.empty() && new_client_id != o->client_id;
  if (rename && s->client_ids.contains({account, std::string(new_client_id)})) {
    return core::Error{core::ErrorCode::kRejected,
                       std::string(to_string(RejectReason::kDuplicateClientOrderId))};
  }
  if (rename) {
    s->client_ids.erase({account, o->client_id});
    o->client_id = std::string(new_client_id);
    s->client_ids.emplace(std::make_pair(account, o->client_id), id);
  }
  const int64_t remaining = new_qty_units - o->executed_qty_units;
  // What the smaller order still needs locked; a buy keeps its rounding slack bounded
  // by the rounded-up notional of the remainder.
  const int64_t needed = o->side == Side::kSell ? remaining * s->base_per_qty
                                                : *quote_amount(*s, o->price_units, remaining, true);
  Touched touched;
  if (o->locked_units > needed) {
    const AssetId asset = o->side == Side::kBuy ? s->quote : s->base;
    accounts_.unlock(o->account, asset, o->locked_units - needed);
    o->locked_units = needed;
    touched.emplace_back(o->account, asset);
  }
  o->orig_qty_units = new_qty_units;
  OrderUpdate u = report(*s, *o, ExecType::kAmendment, fill_status(*o));
  u.on_book = true;
  out->push_back(std::move(u));
  flush_balances(&touched, out);
  return {};
}

}  // namespace phoenix::sim
