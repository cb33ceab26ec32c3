#include "sim/exchange_impl.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "core/decimal.h"

namespace phoenix::sim {
namespace {

using core::Error;
using core::ErrorCode;

__extension__ using Int128 = __int128;

constexpr size_t kMaxClosedOrders = 100'000;
constexpr size_t kMaxTradesPerAccount = 100'000;

std::string_view side_name(Side s) { return s == Side::kBuy ? "BUY" : "SELL"; }
std::string_view type_name(OrderType t) {
  switch (t) {
    case OrderType::kLimit: return "LIMIT";
    case OrderType::kLimitMaker: return "LIMIT_MAKER";
    case OrderType::kMarket: return "MARKET";
  }
  return "LIMIT";
}
// Binance reports MARKET and LIMIT_MAKER orders with timeInForce GTC.
std::string_view tif_name(OrderType type, TimeInForce t) {
  if (type != OrderType::kLimit) return "GTC";
  switch (t) {
    case TimeInForce::kGtc: return "GTC";
    case TimeInForce::kIoc: return "IOC";
    case TimeInForce::kFok: return "FOK";
  }
  return "GTC";
}
std::string_view stp_name(StpMode m) {
  switch (m) {
    case StpMode::kExpireTaker: return "EXPIRE_TAKER";
    case StpMode::kExpireMaker: return "EXPIRE_MAKER";
    case StpMode::kExpireBoth: return "EXPIRE_BOTH";
    case StpMode::kNone: return "NONE";
  }
  return "NONE";
}

bool is_open(OrderStatus s) { return s == OrderStatus::kNew || s == OrderStatus::kPartiallyFilled; }

// Prometheus label value escaping.
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

// Names shared with the other translation units.
std::string_view order_side_name(Side s) { return side_name(s); }
std::string_view order_type_name(OrderType t) { return type_name(t); }
std::string_view order_tif_name(OrderType type, TimeInForce t) { return tif_name(type, t); }
std::string_view order_stp_name(StpMode m) { return stp_name(m); }

// ---------------------------------------------------------------------------------------
// Creation

core::Result<std::unique_ptr<Exchange>> Exchange::create(ExchangeSpec spec, const core::Clock& clock) {
  std::set<std::string> names;
  for (const AssetSpec& a : spec.assets) {
    if (a.name.empty() || !names.insert(a.name).second) {
      return Error{ErrorCode::kInvalidArgument, "duplicate or empty asset name '" + a.name + "'"};
    }
  }
  std::set<std::string> symbols;
  for (const ExchangeSymbolSpec& s : spec.symbols) {
    const SymbolSpec& e = s.engine;
    if (e.name.empty() || !symbols.insert(e.name).second) {
      return Error{ErrorCode::kInvalidArgument, "duplicate or empty symbol '" + e.name + "'"};
    }
    if (!names.contains(e.base_asset) || !names.contains(e.quote_asset)) {
      return Error{ErrorCode::kNotFound, "symbol " + e.name + " uses an unknown asset"};
    }
    if (s.min_price_units < 0 || s.max_price_units < 0 ||
        (s.max_price_units > 0 && s.max_price_units < s.min_price_units) || s.max_notional_units < 0 ||
        (s.max_notional_units > 0 && s.max_notional_units < e.min_notional_units) || s.max_num_orders <= 0 ||
        s.bid_multiplier_up_bps <= 0 || s.ask_multiplier_up_bps <= 0 || s.bid_multiplier_down_bps < 0 ||
        s.ask_multiplier_down_bps < 0 || s.avg_price_mins < 0) {
      return Error{ErrorCode::kInvalidArgument, "bad exchange filters for " + e.name};
    }
  }
  std::set<AccountId> ids;
  std::set<std::string> keys;
  for (const AccountSpec& a : spec.accounts) {
    if (a.id <= 0 || !ids.insert(a.id).second) {
      return Error{ErrorCode::kInvalidArgument, "account ids must be unique and > 0 ('" + a.name + "')"};
    }
    for (const ApiKeySpec& k : a.keys) {
      if (k.api_key.empty() || !keys.insert(k.api_key).second) {
        return Error{ErrorCode::kInvalidArgument, "duplicate or empty API key in account '" + a.name + "'"};
      }
      if (auto v = KeyVerifier::create(k); !v) {
        return Error{ErrorCode::kInvalidArgument, "account '" + a.name + "': " + v.error().message};
      }
    }
    for (const auto& [asset, units] : a.balances) {
      if (!names.contains(asset)) {
        return Error{ErrorCode::kNotFound,
                     "account '" + a.name + "' has a balance in unknown asset " + asset};
      }
      if (units < 0)
        return Error{ErrorCode::kInvalidArgument, "negative balance in account '" + a.name + "'"};
    }
  }
  if (spec.fees.maker_bps < 0 || spec.fees.maker_bps > 10000 || spec.fees.taker_bps < 0 ||
      spec.fees.taker_bps > 10000) {
    return Error{ErrorCode::kOutOfRange, "fees must be within [0, 10000] bps"};
  }
  const RateLimitSpec& l = spec.limits;
  if (l.request_weight_per_minute <= 0 || l.orders_per_10s <= 0 || l.orders_per_day <= 0 ||
      l.ban_after_429s <= 0 || l.ban_ms < 0 || l.max_recv_window_ms <= 0 || l.default_recv_window_ms <= 0 ||
      l.default_recv_window_ms > l.max_recv_window_ms) {
    return Error{ErrorCode::kInvalidArgument, "bad rate limits"};
  }
  auto exchange = std::make_unique<ExchangeImpl>(std::move(spec), clock);
  if (auto s = exchange->init(); !s) return std::move(s).error();
  return std::unique_ptr<Exchange>(std::move(exchange));
}

ExchangeImpl::ExchangeImpl(ExchangeSpec spec, const core::Clock& clock)
    : spec_(std::move(spec)), clock_(clock), engine_(spec_.fees), limits_(spec_.limits) {}

core::Status ExchangeImpl::init() {
  for (const AssetSpec& a : spec_.assets) {
    if (auto r = engine_.add_asset(a); !r) return std::move(r).error();
  }
  for (const ExchangeSymbolSpec& s : spec_.symbols) {
    if (auto r = engine_.add_symbol(s.engine); !r) return r;
    symbol_state_.emplace(s.engine.name, SymbolState{});
  }
  for (const AccountSpec& a : spec_.accounts) {
    accounts_[a.id] = AccountInfo{a.name, false};
    for (const ApiKeySpec& k : a.keys) {
      auto v = KeyVerifier::create(k);
      if (!v) return std::move(v).error();
      keys_.emplace(k.api_key, KeyEntry{a.id, std::move(*v), k.api_key});
    }
    for (const auto& [asset, units] : a.balances) {
      if (auto r = engine_.deposit(a.id, asset, units); !r) return r;
    }
  }
  return {};
}

// ---------------------------------------------------------------------------------------
// Errors

ApiError ExchangeImpl::error(int code, std::string msg, int http_status) {
  return ApiError{http_status, code, std::move(msg), {}, 0};
}

ApiError ExchangeImpl::mandatory(std::string_view name) {
  return error(-1102,
               "Mandatory parameter '" + std::string(name) + "' was not sent, was empty/null, or malformed.");
}

ApiError ExchangeImpl::illegal(std::string_view name, std::string_view range) {
  return error(-1100, "Illegal characters found in parameter '" + std::string(name) + "'; legal range is '" +
                          std::string(range) + "'.");
}

std::string ExchangeImpl::engine_message(RejectReason reason) {
  switch (reason) {
    case RejectReason::kInsufficientBalance: return "Account has insufficient balance for requested action.";
    case RejectReason::kWouldMatch: return "Order would immediately match and take.";
    case RejectReason::kDuplicateClientOrderId: return "Duplicate order sent.";
    case RejectReason::kUnknownOrder: return "Unknown order sent.";
    case RejectReason::kUnknownSymbol: return "Invalid symbol.";
    case RejectReason::kBadPrice: return "Filter failure: PRICE_FILTER";
    case RejectReason::kBadQty:
    case RejectReason::kQtyTooLow:
    case RejectReason::kQtyTooHigh: return "Filter failure: LOT_SIZE";
    case RejectReason::kMinNotional: return "Filter failure: NOTIONAL";
    case RejectReason::kOverflow: return "Parameter 'quantity' overflowed.";
    case RejectReason::kBadAmend: return "Order amend (quantity increase) is not supported.";
    case RejectReason::kNone: break;
  }
  return "An unknown error occurred while processing the request.";
}

std::string ExchangeImpl::default_message(int code) {
  switch (code) {
    case -1000: return "An unknown error occurred while processing the request.";
    case -1003: return "Too many requests queued.";
    case -1006: return "An unexpected response was received from the message bus. Execution status unknown.";
    case -1007:
      return "Timeout waiting for response from backend server. Send status unknown; execution status "
             "unknown.";
    case -1008:
      return "Server is currently overloaded with other requests. Please try again in a few minutes.";
    case -1013: return "Filter failure: PRICE_FILTER";
    case -1015: return "Too many new orders.";
    case -1021: return "Timestamp for this request is outside of the recvWindow.";
    case -1022: return "Signature for this request is not valid.";
    case -2010: return "Account has insufficient balance for requested action.";
    case -2011: return "Unknown order sent.";
    case -2013: return "Order does not exist.";
    case -2015: return "Invalid API-key, IP, or permissions for action.";
  }
  return "An unknown error occurred while processing the request.";
}

std::string ExchangeImpl::next_generated_id(std::string_view prefix) {
  return std::string(prefix) + std::to_string(clock_.wall_ms() % 1'000'000'000) +
         std::to_string(++generated_ids_);
}

// ---------------------------------------------------------------------------------------
// Helpers

const ExchangeSymbolSpec* ExchangeImpl::symbol(std::string_view name) const {
  for (const ExchangeSymbolSpec& s : spec_.symbols) {
    if (s.engine.name == name) return &s;
  }
  return nullptr;
}

int ExchangeImpl::asset_scale(std::string_view asset) const {
  auto id = engine_.accounts().find_asset(asset);
  return id ? engine_.accounts().asset(*id).scale : 8;
}

int64_t ExchangeImpl::quote_of(const ExchangeSymbolSpec& s, int64_t price_units, int64_t qty_units) const {
  const Int128 product = static_cast<Int128>(price_units) * qty_units;
  const int exp = s.engine.price_scale + s.engine.qty_scale - asset_scale(s.engine.quote_asset);
  Int128 q = product;
  if (exp > 0) {
    for (int i = 0; i < exp; ++i) q /= 10;
  } else {
    for (int i = 0; i < -exp && q <= std::numeric_limits<int64_t>::max(); ++i) q *= 10;
  }
  if (q > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(q);
}

const ExchangeSymbolSpec* ExchangeImpl::require_symbol(const Params& p, std::optional<ApiError>* err) const {
  const std::string* name = p.find("symbol");
  if (name == nullptr || name->empty()) {
    *err = mandatory("symbol");
    return nullptr;
  }
  const ExchangeSymbolSpec* s = symbol(*name);
  if (s == nullptr) *err = error(-1121, "Invalid symbol.");
  return s;
}

std::optional<ApiError> ExchangeImpl::check_filters(const ExchangeSymbolSpec& s, const NewOrder& o,
                                                    bool percent_price) const {
  const SymbolSpec& e = s.engine;
  auto fail = [](std::string_view filter) { return error(-1013, "Filter failure: " + std::string(filter)); };
  const bool priced = o.type != OrderType::kMarket;
  if (priced) {
    if (o.price_units <= 0 || o.price_units % e.tick_units != 0) return fail("PRICE_FILTER");
    if (s.min_price_units > 0 && o.price_units < s.min_price_units) return fail("PRICE_FILTER");
    if (s.max_price_units > 0 && o.price_units > s.max_price_units) return fail("PRICE_FILTER");
  }
  if (o.qty_units <= 0 || o.qty_units % e.step_units != 0 || o.qty_units < e.min_qty_units ||
      o.qty_units > e.max_qty_units) {
    return fail("LOT_SIZE");
  }
  if (priced) {
    const int64_t notional = quote_of(s, o.price_units, o.qty_units);
    if (notional < e.min_notional_units) return fail("NOTIONAL");
    if (s.max_notional_units > 0 && notional > s.max_notional_units) return fail("NOTIONAL");
  }
  if (priced && percent_price) {
    std::optional<int64_t> ref;
    auto st = symbol_state_.find(e.name);
    if (st != symbol_state_.end() && st->second.last_price_units) ref = st->second.last_price_units;
    if (!ref) {
      const OrderBook* book = engine_.book(e.name);
      auto bid = book ? book->best_price(Side::kBuy) : std::nullopt;
      auto ask = book ? book->best_price(Side::kSell) : std::nullopt;
      if (bid && ask) ref = (*bid + *ask) / 2;
    }
    if (ref) {
      const int64_t up = o.side == Side::kBuy ? s.bid_multiplier_up_bps : s.ask_multiplier_up_bps;
      const int64_t down = o.side == Side::kBuy ? s.bid_multiplier_down_bps : s.ask_multiplier_down_bps;
      const Int128 p = static_cast<Int128>(o.price_units) * 10000;
      if (p > static_cast<Int128>(*ref) * up || p < static_cast<Int128>(*ref) * down) {
        return fail("PERCENT_PRICE_BY_SIDE");
      }
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------
// Events

void ExchangeImpl::send_user_event(AccountId account, const std::string& event_json) {
  for (auto& [id, session] : sessions_) {
    for (const Subscription& sub : session.subscriptions) {
      if (sub.account != account) continue;
      std::string text = "{\"subscriptionId\":" + std::to_string(sub.id) + ",\"event\":" + event_json + "}";
      ++user_events_;
      session.send(std::move(text));
    }
  }
}

std::string ExchangeImpl::execution_report(const OrderUpdate& u, const OrderRecord* rec,
                                           const CallExtras& extras, int64_t now, int64_t exec_id) {
  const ExchangeSymbolSpec* s = symbol(u.symbol);
  const int ps = s->engine.price_scale;
  const int qs = s->engine.qty_scale;
  const int quote_scale = asset_scale(s->engine.quote_asset);
  std::string client_id = u.client_id;
  std::string orig_client_id;
  if (u.exec_type == ExecType::kCanceled) {
    orig_client_id = u.client_id;
    if (auto it = extras.cancel_ids.find(u.order_id); it != extras.cancel_ids.end()) client_id = it->second;
  } else if (u.exec_type == ExecType::kAmendment) {
    orig_client_id = extras.amend_orig_client_id;
  }
  std::string_view reject = "NONE";
  if (u.reject_reason == RejectReason::kInsufficientBalance) reject = "INSUFFICIENT_BALANCES";
  if (u.reject_reason == RejectReason::kWouldMatch) reject = "WOULD_MATCH_IMMEDIATELY";
  const bool trade = u.exec_type == ExecType::kTrade;
  const StpMode stp = rec != nullptr ? rec->stp : extras.stp;
  JsonWriter w;
  w.begin_object()
      .kv("e", "executionReport")
      .kv("E", now)
      .kv("s", u.symbol)
      .kv("c", client_id)
      .kv("S", side_name(u.side))
      .kv("o", type_name(u.type))
      .kv("f", tif_name(u.type, u.tif))
      .kv("q", core::format_units(u.orig_qty_units, qs))
      .kv("p", core::format_units(u.price_units, ps))
      .kv("P", core::format_units(0, ps))
      .kv("F", core::format_units(0, qs))
      .kv("g", int64_t{-1})
      .kv("C", orig_client_id)
      .kv("x", to_string(u.exec_type))
      .kv("X", to_string(u.status))
      .kv("r", reject)
      .kv("i", u.order_id)
      .kv("l", core::format_units(u.last_qty_units, qs))
      .kv("z", core::format_units(u.cum_qty_units, qs))
      .kv("L", core::format_units(u.last_price_units, ps));
  if (trade) {
    w.kv("n", core::format_units(u.commission_units, asset_scale(u.commission_asset)))
        .kv("N", u.commission_asset);
  } else {
    w.kv("n", "0").key("N").null();
  }
  w.kv("T", now)
      .kv("t", trade ? u.trade_id : int64_t{-1})
      .kv("I", exec_id)
      .kv("w", u.on_book)
      .kv("m", u.is_maker)
      .kv("M", false)
      .kv("O", rec != nullptr ? rec->time_ms : now)
      .kv("Z", core::format_units(u.cum_quote_units, quote_scale))
      .kv("Y",
          core::format_units(trade ? quote_of(*s, u.last_price_units, u.last_qty_units) : 0, quote_scale))
      .kv("Q", core::format_units(0, quote_scale));
  if (rec != nullptr && rec->working_time_ms >= 0) w.kv("W", rec->working_time_ms);
  w.kv("V", stp_name(stp)).end_object();
  return w.take();
}

void ExchangeImpl::process(std::string_view symbol_name, std::vector<Event>* events,
                           const CallExtras& extras) {
  const int64_t now = now_ms();
  const ExchangeSymbolSpec* s = symbol(symbol_name);
  SymbolState& state = symbol_state_[std::string(symbol_name)];
  std::vector<std::pair<Side, int64_t>> levels;
  bool book_changed = false;
  std::map<AccountId, std::vector<const BalanceUpdate*>> balances;
  std::set<AccountId> subscribed;
  for (const auto& [id, session] : sessions_) {
    for (const Subscription& sub : session.subscriptions) subscribed.insert(sub.account);
  }

  for (const Event& event : *events) {
    if (const auto* b = std::get_if<BalanceUpdate>(&event)) {
      balances[b->account].push_back(b);
      continue;
    }
    const OrderUpdate& u = std::get<OrderUpdate>(event);
    if (u.exec_type == ExecType::kRejected) continue;  // answered by the API's error
    auto account = accounts_.find(u.account);
    const bool tracked = account != accounts_.end() && !account->second.internal;
    OrderRecord* rec = nullptr;
    if (tracked) {
      auto found = orders_.find(u.order_id);
      if (found == orders_.end() && u.exec_type == ExecType::kNew) {
        OrderRecord r;
        r.symbol = u.symbol;
        r.account = u.account;
        r.id = u.order_id;
        r.side = u.side;
        r.type = u.type;
        r.tif = u.tif;
        r.stp = extras.stp;
        r.counted = extras.counted;
        r.price_units = u.price_units;
        r.time_ms = now;
        if (u.type != OrderType::kMarket && u.tif == TimeInForce::kGtc) r.working_time_ms = now;
        found = orders_.emplace(u.order_id, std::move(r)).first;
      }
      if (found != orders_.end()) rec = &found->second;
    }
    if (rec != nullptr) {
      if (rec->client_id != u.client_id) {
        by_client_id_.erase({rec->account, rec->symbol, rec->client_id});
        rec->client_id = u.client_id;
      }
      by_client_id_[{rec->account, rec->symbol, rec->client_id}] = rec->id;
      rec->orig_qty_units = u.orig_qty_units;
      rec->executed_qty_units = u.cum_qty_units;
      rec->cum_quote_units = u.cum_quote_units;
      rec->status = u.status;
      rec->update_time_ms = now;
      if (rec->open && !is_open(u.status)) {
        rec->open = false;
        closed_order_ids_.push_back(rec->id);
      }
    }
    if (u.exec_type == ExecType::kTrade) {
      if (rec != nullptr && rec->counted && u.cum_qty_units == u.last_qty_units) {
        rec->counted = false;
        limits_.order_filled(u.account, now);
      }
      if (tracked) {
        auto& list = trades_[u.account];
        list.push_back(TradeRecord{u.symbol, u.trade_id, u.order_id, u.last_price_units, u.last_qty_units,
                                   quote_of(*s, u.last_price_units, u.last_qty_units), u.commission_units,
                                   u.commission_asset, now, u.side == Side::kBuy, u.is_maker});
        if (list.size() > kMaxTradesPerAccount) list.pop_front();
      }
      if (!u.is_maker) {
        ++trades_total_;
        state.last_price_units = u.last_price_units;
        if (listener_ != nullptr) {
          listener_->on_trade(TradePrint{symbol_name, u.trade_id, u.last_price_units, u.last_qty_units,
                                         u.side == Side::kSell, now, u.order_id});
        }
      } else {
        book_changed = true;
        levels.emplace_back(u.side, u.last_price_units);
      }
    }
    const bool rests = u.exec_type == ExecType::kNew && u.type != OrderType::kMarket &&
                       engine_.find_open(symbol_name, u.order_id) != nullptr;
    if (u.type != OrderType::kMarket) {
      if (rests || u.exec_type == ExecType::kCanceled || u.exec_type == ExecType::kAmendment ||
          (u.exec_type == ExecType::kTradePrevention && u.order_id != 0) ||
          (u.exec_type == ExecType::kTrade && u.is_maker)) {
        book_changed = true;
        levels.emplace_back(u.side, u.price_units);
      }
    }
    if (subscribed.contains(u.account)) {
      if (rests) {
        OrderUpdate copy = u;
        copy.on_book = true;
        send_user_event(u.account, execution_report(copy, rec, extras, now, next_exec_id_++));
      } else {
        send_user_event(u.account, execution_report(u, rec, extras, now, next_exec_id_++));
      }
    } else {
      ++next_exec_id_;
    }
  }
  for (const auto& [account, list] : balances) {
    if (!subscribed.contains(account)) continue;
    JsonWriter w;
    w.begin_object().kv("e", "outboundAccountPosition").kv("E", now).kv("u", now).key("B").begin_array();
    for (const BalanceUpdate* b : list) {
      const int scale = asset_scale(b->asset);
      w.begin_object()
          .kv("a", b->asset)
          .kv("f", core::format_units(b->free_units, scale))
          .kv("l", core::format_units(b->locked_units, scale))
          .end_object();
    }
    w.end_array().end_object();
    send_user_event(account, w.take());
  }
  if (book_changed) {
    ++state.update_id;
    if (listener_ != nullptr) {
      std::sort(levels.begin(), levels.end());
      levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
      for (const auto& [side, price] : levels) listener_->on_level_changed(symbol_name, side, price);
      listener_->on_book_settled(symbol_name, state.update_id);
    }
  }
  trim_records();
}

void ExchangeImpl::trim_records() {
  while (closed_order_ids_.size() > kMaxClosedOrders) {
    auto found = orders_.find(closed_order_ids_.front());
    closed_order_ids_.pop_front();
    if (found == orders_.end()) continue;
    auto key = std::make_tuple(found->second.account, found->second.symbol, found->second.client_id);
    auto idx = by_client_id_.find(key);
    if (idx != by_client_id_.end() && idx->second == found->first) by_client_id_.erase(idx);
    orders_.erase(found);
  }
}

// ---------------------------------------------------------------------------------------
// Market access

core::Result<AccountId> ExchangeImpl::add_market_account(
    std::string name, std::vector<std::pair<std::string, int64_t>> balances) {
  for (const auto& [asset, units] : balances) {
    if (!engine_.accounts().find_asset(asset)) return Error{ErrorCode::kNotFound, "unknown asset " + asset};
    if (units < 0) return Error{ErrorCode::kInvalidArgument, "negative balance"};
  }
  while (accounts_.contains(next_market_account_)) ++next_market_account_;
  const AccountId id = next_market_account_++;
  accounts_[id] = AccountInfo{std::move(name), true};
  for (const auto& [asset, units] : balances) {
    if (auto r = engine_.deposit(id, asset, units); !r) return std::move(r).error();
  }
  return id;
}

PlaceResult ExchangeImpl::place_internal(const NewOrder& order) {
  const ExchangeSymbolSpec* s = symbol(order.symbol);
  if (s == nullptr) return PlaceResult{0, OrderStatus::kRejected, RejectReason::kUnknownSymbol};
  if (auto e = check_filters(*s, order, /*percent_price=*/false)) {
    RejectReason reason = RejectReason::kBadQty;
    if (e->msg.ends_with("PRICE_FILTER")) reason = RejectReason::kBadPrice;
    if (e->msg.ends_with("NOTIONAL")) reason = RejectReason::kMinNotional;
    orders_by_result_["rejected"]++;
    return PlaceResult{0, OrderStatus::kRejected, reason};
  }
  std::vector<Event> events;
  PlaceResult r = engine_.place(order, &events);
  CallExtras extras;
  extras.stp = order.stp;
  process(order.symbol, &events, extras);
  return r;
}

core::Status ExchangeImpl::cancel_internal(std::string_view symbol_name, AccountId account, OrderId id) {
  std::vector<Event> events;
  auto r = engine_.cancel(symbol_name, account, id, &events);
  if (r) process(symbol_name, &events, CallExtras{});
  return r;
}

std::vector<BookLevel> ExchangeImpl::levels(std::string_view symbol_name, Side side,
                                            size_t max_levels) const {
  std::vector<BookLevel> out;
  const OrderBook* book = engine_.book(symbol_name);
  if (book == nullptr) return out;
  for (const auto& [price, qty] : book->levels(side, max_levels)) out.push_back(BookLevel{price, qty});
  return out;
}

uint64_t ExchangeImpl::book_update_id(std::string_view symbol_name) const {
  auto found = symbol_state_.find(symbol_name);
  return found == symbol_state_.end() ? 0 : found->second.update_id;
}

// ---------------------------------------------------------------------------------------
// Admin

std::string ExchangeImpl::admin_open_orders_json(std::string_view symbol_filter) const {
  JsonWriter w;
  w.begin_array();
  for (const ExchangeSymbolSpec& s : spec_.symbols) {
    if (!symbol_filter.empty() && s.engine.name != symbol_filter) continue;
    const OrderBook* book = engine_.book(s.engine.name);
    if (book == nullptr) continue;
    for (Side side : {Side::kBuy, Side::kSell}) {
      book->visit(side, [&](const Order& o) {
        auto acc = accounts_.find(o.account);
        w.begin_object()
            .kv("account", acc == accounts_.end() ? std::to_string(o.account) : acc->second.name)
            .kv("symbol", s.engine.name)
            .kv("orderId", o.id)
            .kv("clientOrderId", o.client_id)
            .kv("side", side_name(o.side))
            .kv("type", type_name(o.type))
            .kv("price", core::format_units(o.price_units, s.engine.price_scale))
            .kv("origQty", core::format_units(o.orig_qty_units, s.engine.qty_scale))
            .kv("executedQty", core::format_units(o.executed_qty_units, s.engine.qty_scale))
            .kv("status", o.executed_qty_units > 0 ? "PARTIALLY_FILLED" : "NEW")
            .end_object();
        return true;
      });
    }
  }
  w.end_array();
  return w.take();
}

void ExchangeImpl::inject_order_rejects(int count, int code, int http_status) {
  inject_count_ = std::max(0, count);
  inject_code_ = code;
  inject_http_ = http_status;
}

core::Status ExchangeImpl::admin_deposit(std::string_view account, std::string_view asset,
                                         std::string_view amount) {
  const auto found = std::find_if(accounts_.begin(), accounts_.end(), [&](const auto& a) {
    return !a.second.internal && a.second.name == account;
  });
  if (found == accounts_.end()) {
    return core::Error(core::ErrorCode::kNotFound, "unknown account '" + std::string(account) + "'");
  }
  const auto asset_id = engine_.accounts().find_asset(asset);
  if (!asset_id) return core::Error(core::ErrorCode::kNotFound, "unknown asset '" + std::string(asset) + "'");
  const int scale = engine_.accounts().asset(*asset_id).scale;
  auto units = core::parse_units(amount, scale);
  if (!units.ok() || *units <= 0) {
    return core::Error(core::ErrorCode::kInvalidArgument, "amount must be a positive decimal with at most " +
                                                              std::to_string(scale) + " decimals, got '" +
                                                              std::string(amount) + "'");
  }
  const AccountId id = found->first;
  if (auto st = engine_.deposit(id, asset, *units); !st.ok()) return st;
  ++deposits_;
  const int64_t now = now_ms();
  JsonWriter update;
  update.begin_object()
      .kv("e", "balanceUpdate")
      .kv("E", now)
      .kv("a", asset)
      .kv("d", core::format_units(*units, scale))
      .kv("T", now)
      .end_object();
  send_user_event(id, update.take());
  const Balance b = engine_.accounts().balance(id, *asset_id);
  JsonWriter position;
  position.begin_object().kv("e", "outboundAccountPosition").kv("E", now).kv("u", now).key("B").begin_array();
  position.begin_object()
      .kv("a", asset)
      .kv("f", core::format_units(b.free_units, scale))
      .kv("l", core::format_units(b.locked_units, scale))
      .end_object();
  position.end_array().end_object();
  send_user_event(id, position.take());
  return core::Status();
}

// ---------------------------------------------------------------------------------------
// Metrics

void ExchangeImpl::append_metrics(std::string* out) const {
  auto header = [&](std::string_view name, std::string_view type, std::string_view help) {
    *out += "# HELP " + std::string(name) + " " + std::string(help) + "\n";
    *out += "# TYPE " + std::string(name) + " " + std::string(type) + "\n";
  };
  header("phoenix_exchange_rest_requests_total", "counter", "REST requests by method and endpoint.");
  for (const auto& [key, n] : rest_requests_) {
    *out += "phoenix_exchange_rest_requests_total{method=\"" + label(key.first) + "\",endpoint=\"" +
            label(key.second) + "\"} " + std::to_string(n) + "\n";
  }
  header("phoenix_exchange_ws_api_requests_total", "counter", "WebSocket API requests by method.");
  for (const auto& [method, n] : ws_requests_) {
    *out += "phoenix_exchange_ws_api_requests_total{method=\"" + label(method) + "\"} " + std::to_string(n) +
            "\n";
  }
  header("phoenix_exchange_orders_total", "counter", "Order placements by result.");
  for (const auto& [result, n] : orders_by_result_) {
    *out += "phoenix_exchange_orders_total{result=\"" + label(result) + "\"} " + std::to_string(n) + "\n";
  }
  header("phoenix_exchange_errors_total", "counter", "Error answers by Binance error code.");
  for (const auto& [code, n] : errors_by_code_) {
    *out +=
        "phoenix_exchange_errors_total{code=\"" + std::to_string(code) + "\"} " + std::to_string(n) + "\n";
  }
  header("phoenix_exchange_rate_limited_total", "counter",
         "Answers refused by rate limits (429) or bans (418).");
  for (const auto& [status, n] : limited_by_status_) {
    *out += "phoenix_exchange_rate_limited_total{status=\"" + std::to_string(status) + "\"} " +
            std::to_string(n) + "\n";
  }
  header("phoenix_exchange_ip_bans_total", "counter", "IP bans started after repeated 429 answers.");
  *out += "phoenix_exchange_ip_bans_total " + std::to_string(limits_.bans_total()) + "\n";
  header("phoenix_exchange_signature_failures_total", "counter", "Requests with an invalid signature.");
  *out += "phoenix_exchange_signature_failures_total " + std::to_string(signature_failures_) + "\n";
  header("phoenix_exchange_injected_rejects_total", "counter", "Orders rejected by fault injection.");
  *out += "phoenix_exchange_injected_rejects_total " + std::to_string(injected_rejects_) + "\n";
  header("phoenix_exchange_trades_total", "counter", "Trades matched, all symbols.");
  *out += "phoenix_exchange_trades_total " + std::to_string(trades_total_) + "\n";
  header("phoenix_exchange_user_data_events_total", "counter", "User data events sent to subscriptions.");
  *out += "phoenix_exchange_user_data_events_total " + std::to_string(user_events_) + "\n";
  header("phoenix_exchange_deposits_total", "counter", "Deposits credited through the admin API.");
  *out += "phoenix_exchange_deposits_total " + std::to_string(deposits_) + "\n";
  size_t subscriptions = 0;
  for (const auto& [id, session] : sessions_) subscriptions += session.subscriptions.size();
  header("phoenix_exchange_ws_api_sessions", "gauge", "Open WebSocket API sessions.");
  *out += "phoenix_exchange_ws_api_sessions " + std::to_string(sessions_.size()) + "\n";
  header("phoenix_exchange_user_data_subscriptions", "gauge", "Active user data stream subscriptions.");
  *out += "phoenix_exchange_user_data_subscriptions " + std::to_string(subscriptions) + "\n";
  header("phoenix_exchange_open_order_records", "gauge", "Order records kept for queries (open and recent).");
  *out += "phoenix_exchange_open_order_records " + std::to_string(orders_.size()) + "\n";
}

}  // namespace phoenix::sim
