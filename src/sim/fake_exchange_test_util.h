#pragma once

// FakeExchange: a test-only Exchange over a real MatchingEngine, for the market streams
// and the synthetic market while the real Exchange is written elsewhere. It implements
// what those two consume (add_market_account, place_internal, cancel_internal, symbols,
// levels, book_update_id, engine, the MarketListener callbacks) faithfully: filters are
// the engine's plus PRICE_FILTER min/max; every call that changes a book reports each
// touched level, each trade (trade ids from the engine, taker = the placed order), then
// on_book_settled with the book update id, which grows by one per change (an order
// added, filled or removed). The REST / WS-API methods answer 501 or do nothing.
//
// Header-only so tests and benchmarks can both include it. Single-threaded.

#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "sim/exchange.h"

namespace phoenix::sim::testing {

class FakeExchange : public Exchange {
 public:
  FakeExchange(std::vector<AssetSpec> assets, std::vector<ExchangeSymbolSpec> symbols, FeeSchedule fees = {})
      : engine_(fees), symbols_(std::move(symbols)) {
    for (AssetSpec& a : assets) ok_ = ok_ && engine_.add_asset(std::move(a)).ok();
    for (const ExchangeSymbolSpec& s : symbols_) {
      ok_ = ok_ && engine_.add_symbol(s.engine).ok();
      update_ids_[s.engine.name] = 1;
    }
  }

  bool ok() const { return ok_; }
  void set_now_ms(int64_t now_ms) { now_ms_ = now_ms; }
  int64_t now_ms() const { return now_ms_; }
  // Engine rejects seen by place_internal, by reason.
  const std::map<RejectReason, int64_t>& rejects() const { return rejects_; }
  int64_t places() const { return places_; }

  // Deposits into an existing account (tests: a bot account outside the market's).
  core::Status deposit(AccountId account, std::string_view asset, int64_t units) {
    return engine_.deposit(account, asset, units);
  }
  // A "bot" order: like place_internal but for any account id.
  PlaceResult place(const NewOrder& order) { return place_internal(order); }

  HttpReplyOut handle_rest(const HttpRequestIn& /*request*/) override { return {501, "{}", {}}; }
  SessionId ws_api_open(std::string_view /*client_ip*/, WsSend /*send*/) override { return 0; }
  void ws_api_message(SessionId /*session*/, std::string_view /*text*/) override {}
  void ws_api_close(SessionId /*session*/) override {}

  core::Result<AccountId> add_market_account(std::string name,
                                             std::vector<std::pair<std::string, int64_t>> balances) override {
    const AccountId id = next_account_++;
    for (auto& [asset, units] : balances) {
      core::Status s = engine_.deposit(id, asset, units);
      if (!s) return s.error();
    }
    account_names_[id] = std::move(name);
    return id;
  }

  PlaceResult place_internal(const NewOrder& order) override {
    ++places_;
    const ExchangeSymbolSpec* spec = symbol(order.symbol);
    if (spec != nullptr && order.type != OrderType::kMarket &&
        ((spec->min_price_units > 0 && order.price_units < spec->min_price_units) ||
         (spec->max_price_units > 0 && order.price_units > spec->max_price_units))) {
      ++rejects_[RejectReason::kBadPrice];
      return PlaceResult{0, OrderStatus::kRejected, RejectReason::kBadPrice};
    }
    std::vector<Event> events;
    PlaceResult r = engine_.place(order, &events);
    if (r.reject != RejectReason::kNone) ++rejects_[r.reject];
    publish(order.symbol, r.order_id, events);
    return r;
  }

  core::Status cancel_internal(std::string_view symbol_name, AccountId account, OrderId id) override {
    std::vector<Event> events;
    core::Status s = engine_.cancel(symbol_name, account, id, &events);
    publish(symbol_name, 0, events);
    return s;
  }

  const std::vector<ExchangeSymbolSpec>& symbols() const override { return symbols_; }
  const ExchangeSymbolSpec* symbol(std::string_view name) const override {
    for (const ExchangeSymbolSpec& s : symbols_)
      if (s.engine.name == name) return &s;
    return nullptr;
  }

  std::vector<BookLevel> levels(std::string_view symbol_name, Side side, size_t max_levels) const override {
    std::vector<BookLevel> out;
    const OrderBook* book = engine_.book(symbol_name);
    if (book == nullptr || max_levels == 0) return out;
    book->visit(side, [&](const Order& o) {
      if (!out.empty() && out.back().price_units == o.price_units) {
        out.back().qty_units += o.remaining_qty_units();
        return true;
      }
      if (out.size() == max_levels) return false;
      out.push_back({o.price_units, o.remaining_qty_units()});
      return true;
    });
    return out;
  }

  uint64_t book_update_id(std::string_view symbol_name) const override {
    auto it = update_ids_.find(std::string(symbol_name));
    return it == update_ids_.end() ? 0 : it->second;
  }
  const MatchingEngine& engine() const override { return engine_; }
  void set_market_listener(MarketListener* listener) override { listener_ = listener; }

  std::string admin_open_orders_json(std::string_view /*symbol*/) const override { return "[]"; }
  void inject_order_rejects(int /*count*/, int /*code*/, int /*http_status*/) override {}
  core::Status admin_deposit(std::string_view, std::string_view, std::string_view) override {
    return core::Error(core::ErrorCode::kUnavailable, "not in the fake");
  }
  void append_metrics(std::string* /*out*/) const override {}

 private:
  // Reports the book changes of one engine call: touched levels and trades, then settle.
  void publish(std::string_view symbol_name, OrderId taker_id, const std::vector<Event>& events) {
    auto id_it = update_ids_.find(std::string(symbol_name));
    if (id_it == update_ids_.end()) return;
    bool changed = false;
    for (const Event& e : events) {
      const auto* u = std::get_if<OrderUpdate>(&e);
      if (u == nullptr) continue;
      // A level changes when a resting order trades or leaves (cancel, STP expiry); the
      // taker's own level is handled after the loop (if its remainder rests).
      const bool touches =
          (u->exec_type == ExecType::kTrade && u->is_maker) ||
          ((u->exec_type == ExecType::kCanceled || u->exec_type == ExecType::kTradePrevention ||
            u->exec_type == ExecType::kExpired) &&
           u->price_units > 0 && u->order_id != taker_id);
      if (touches) {
        ++id_it->second;
        changed = true;
        if (listener_ != nullptr) listener_->on_level_changed(symbol_name, u->side, u->price_units);
      }
      if (u->exec_type == ExecType::kTrade && u->is_maker && listener_ != nullptr) {
        TradePrint t;
        t.symbol = symbol_name;
        t.trade_id = u->trade_id;
        t.price_units = u->last_price_units;
        t.qty_units = u->last_qty_units;
        t.buyer_is_maker = u->side == Side::kBuy;
        t.time_ms = now_ms_;
        t.taker_order_id = taker_id;
        listener_->on_trade(t);
      }
    }
    const OrderBook* book = engine_.book(symbol_name);
    if (taker_id != 0 && book != nullptr) {
      if (const Order* rested = book->find(taker_id); rested != nullptr) {
        ++id_it->second;
        changed = true;
        if (listener_ != nullptr) listener_->on_level_changed(symbol_name, rested->side, rested->price_units);
      }
    }
    if (changed && listener_ != nullptr) listener_->on_book_settled(symbol_name, id_it->second);
  }

  MatchingEngine engine_;
  std::vector<ExchangeSymbolSpec> symbols_;
  std::map<std::string, uint64_t> update_ids_;
  std::map<AccountId, std::string> account_names_;
  std::map<RejectReason, int64_t> rejects_;
  MarketListener* listener_ = nullptr;
  AccountId next_account_ = 1000;
  int64_t now_ms_ = 0;
  int64_t places_ = 0;
  bool ok_ = true;
};

}  // namespace phoenix::sim::testing
