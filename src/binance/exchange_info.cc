#include "binance/exchange_info.h"

#include <string>

#include "binance/dom_internal.h"
#include "binance/json_internal.h"

namespace phoenix::binance {
namespace {

using core::Error;
using core::ErrorCode;
using core::Status;
using dom_internal::get_int;
using dom_internal::get_object;
using dom_internal::get_string;

constexpr int kScale = 8;

Error symbol_error(std::string_view symbol, const Error& error) {
  return Error{error.code, "exchangeInfo symbol " + std::string(symbol) + ": " + error.message};
}

// A bound at scale 8; "no bound" (0) when it overflows int64.
Status get_bound(simdjson::dom::object o, std::string_view key, int64_t& out) {
  std::string_view text;
  if (Status s = get_string(o, key, text); !s) return s;
  if (!text.empty() && text.front() == '-') return dom_internal::parse_error("negative amount in", key);
  core::Result<int64_t> units = core::parse_units(text, kScale);
  if (units) {
    out = *units;
    return {};
  }
  // Too precise is an error; only too large means "none".
  core::Result<core::Decimal> decimal = core::Decimal::parse(text);
  if (decimal && decimal->scale() > kScale) {
    core::Result<int64_t> exact = decimal->to_units_exact(kScale);
    if (!exact) return dom_internal::parse_error("bad decimal (or too precise) in", key);
  }
  if (!decimal && text.find('.') != std::string_view::npos) {
    // Too many digits for Decimal: check the fraction by hand.
    const std::string_view fraction = text.substr(text.find('.') + 1);
    if (fraction.size() > static_cast<size_t>(kScale) &&
        fraction.substr(kScale).find_first_not_of('0') != std::string_view::npos) {
      return dom_internal::parse_error("bad decimal (or too precise) in", key);
    }
  }
  for (char c : text) {
    if ((c < '0' || c > '9') && c != '.') return dom_internal::parse_error("bad decimal in", key);
  }
  out = 0;
  return {};
}

Status get_multiplier(simdjson::dom::object o, std::string_view key, core::Decimal& out) {
  std::string_view text;
  if (Status s = get_string(o, key, text); !s) return s;
  core::Result<core::Decimal> d = core::Decimal::parse(text);
  if (!d || d->is_negative()) return dom_internal::parse_error("bad decimal in", key);
  if (d->scale() > kScale && !d->to_units_exact(kScale)) {
    return dom_internal::parse_error("bad decimal (or too precise) in", key);
  }
  out = *d;
  return {};
}

Status read_filter(simdjson::dom::object f, core::SymbolFilters& out, bool& has_price, bool& has_lot) {
  std::string_view type;
  if (Status s = get_string(f, "filterType", type); !s) return s;
  int64_t units = 0;
  if (type == "PRICE_FILTER") {
    has_price = true;
    if (Status s = get_bound(f, "minPrice", units); !s) return s;
    out.min_price = core::Price(units);
    if (Status s = get_bound(f, "maxPrice", units); !s) return s;
    out.max_price = core::Price(units);
    if (Status s = dom_internal::get_amount(f, "tickSize", kScale, out.tick_size); !s) return s;
  } else if (type == "LOT_SIZE") {
    has_lot = true;
    if (Status s = get_bound(f, "minQty", units); !s) return s;
    out.min_qty = core::Qty(units);
    if (Status s = get_bound(f, "maxQty", units); !s) return s;
    out.max_qty = core::Qty(units);
    if (Status s = dom_internal::get_amount(f, "stepSize", kScale, out.step_size); !s) return s;
  } else if (type == "NOTIONAL") {
    if (Status s = get_bound(f, "minNotional", out.min_notional_quote_units); !s) return s;
    if (f["maxNotional"].error() == simdjson::SUCCESS) {
      if (Status s = get_bound(f, "maxNotional", out.max_notional_quote_units); !s) return s;
    }
  } else if (type == "MIN_NOTIONAL") {
    if (Status s = get_bound(f, "minNotional", out.min_notional_quote_units); !s) return s;
  } else if (type == "PERCENT_PRICE_BY_SIDE") {
    core::PercentPriceBySide p;
    if (Status s = get_multiplier(f, "bidMultiplierUp", p.bid_up); !s) return s;
    if (Status s = get_multiplier(f, "bidMultiplierDown", p.bid_down); !s) return s;
    if (Status s = get_multiplier(f, "askMultiplierUp", p.ask_up); !s) return s;
    if (Status s = get_multiplier(f, "askMultiplierDown", p.ask_down); !s) return s;
    out.percent_price = p;
  } else if (type == "MAX_NUM_ORDERS") {
    int64_t n = 0;
    if (Status s = get_int(f, "maxNumOrders", n); !s) return s;
    if (n < 0 || n > 1000000) return dom_internal::parse_error("out-of-range", "maxNumOrders");
    out.max_num_orders = static_cast<int>(n);
  }
  return {};
}

Status read_symbol(simdjson::dom::object o, ExchangeSymbolInfo& out) {
  std::string_view text;
  if (Status s = get_string(o, "symbol", text); !s) return s;
  out.symbol = std::string(text);
  if (Status s = get_string(o, "status", text); !s) return s;
  out.status = std::string(text);
  out.trading = text == "TRADING";
  if (Status s = get_string(o, "baseAsset", text); !s) return s;
  out.base_asset = std::string(text);
  if (Status s = get_string(o, "quoteAsset", text); !s) return s;
  out.quote_asset = std::string(text);
  bool flag = false;
  if (o["cancelReplaceAllowed"].get(flag) == simdjson::SUCCESS) out.cancel_replace_allowed = flag;
  if (o["amendAllowed"].get(flag) == simdjson::SUCCESS) out.amend_allowed = flag;
  out.filters = core::SymbolFilters{};
  out.filters.price_scale = kScale;
  out.filters.qty_scale = kScale;
  out.filters.quote_scale = kScale;
  simdjson::dom::array filters;
  if (auto e = o["filters"].get(filters)) return dom_internal::field_error(e, "filters");
  bool has_price = false;
  bool has_lot = false;
  for (simdjson::dom::element item : filters) {
    simdjson::dom::object f;
    if (Status s = get_object(item, "filters[]", f); !s) return s;
    if (Status s = read_filter(f, out.filters, has_price, has_lot); !s) return s;
  }
  if (!has_price || out.filters.tick_size.units() <= 0) {
    return dom_internal::parse_error("no PRICE_FILTER with a positive tickSize", "");
  }
  if (!has_lot || out.filters.step_size.units() <= 0) {
    return dom_internal::parse_error("no LOT_SIZE with a positive stepSize", "");
  }
  return {};
}

}  // namespace

core::Result<ExchangeInfo> decode_exchange_info(std::string_view payload) {
  simdjson::dom::parser parser;
  json_internal::PaddedInput input;
  simdjson::dom::element doc;
  if (Status s = dom_internal::parse_document(parser, input, payload, payload.size(), doc); !s) {
    return std::move(s).error();
  }
  simdjson::dom::object top;
  if (Status s = get_object(doc, "exchangeInfo", top); !s) return std::move(s).error();
  simdjson::dom::element result;
  if (top["result"].get(result) == simdjson::SUCCESS) {
    if (Status s = get_object(result, "result", top); !s) return std::move(s).error();
  } else if (top["error"].error() == simdjson::SUCCESS) {
    return Error{ErrorCode::kRejected, "exchangeInfo request failed"};
  }
  ExchangeInfo info;
  int64_t time = 0;
  if (top["serverTime"].get(time) == simdjson::SUCCESS) info.server_time_ms = time;
  simdjson::dom::array limits;
  if (top["rateLimits"].get(limits) == simdjson::SUCCESS) {
    for (simdjson::dom::element item : limits) {
      simdjson::dom::object l;
      if (Status s = get_object(item, "rateLimits[]", l); !s) return std::move(s).error();
      std::string_view type;
      std::string_view interval;
      int64_t num = 0;
      int64_t limit = 0;
      if (Status s = get_string(l, "rateLimitType", type); !s) return std::move(s).error();
      if (Status s = get_string(l, "interval", interval); !s) return std::move(s).error();
      if (Status s = get_int(l, "intervalNum", num); !s) return std::move(s).error();
      if (Status s = get_int(l, "limit", limit); !s) return std::move(s).error();
      if (type == "REQUEST_WEIGHT" && interval == "MINUTE" && num == 1) info.limits.weight_1m_limit = limit;
      if (type == "ORDERS" && interval == "SECOND" && num == 10) info.limits.orders_10s_limit = limit;
      if (type == "ORDERS" && interval == "DAY" && num == 1) info.limits.orders_1d_limit = limit;
    }
  }
  simdjson::dom::array symbols;
  if (auto e = top["symbols"].get(symbols)) return dom_internal::field_error(e, "symbols");
  for (simdjson::dom::element item : symbols) {
    simdjson::dom::object o;
    if (Status s = get_object(item, "symbols[]", o); !s) return std::move(s).error();
    ExchangeSymbolInfo symbol;
    if (Status s = read_symbol(o, symbol); !s) return symbol_error(symbol.symbol, s.error());
    info.symbols.push_back(std::move(symbol));
  }
  return info;
}

}  // namespace phoenix::binance
