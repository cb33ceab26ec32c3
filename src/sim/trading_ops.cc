// The API operations of ExchangeImpl, shared by REST (rest_api.cc) and the WebSocket
// API (ws_api.cc): parameters in, a JSON result or a Binance error out.

#include <algorithm>
#include <charconv>
#include <limits>

#include "core/decimal.h"
#include "sim/exchange_impl.h"

namespace phoenix::sim {

std::string_view order_side_name(Side s);
std::string_view order_type_name(OrderType t);
std::string_view order_tif_name(OrderType type, TimeInForce t);
std::string_view order_stp_name(StpMode m);

namespace {

constexpr std::string_view kClientIdRange = "^[a-zA-Z0-9-_]{1,36}$";
constexpr std::string_view kDecimalRange = "^([0-9]{1,20})(\\.[0-9]{1,20})?$";
constexpr std::string_view kIntRange = "^[0-9]{1,20}$";

bool valid_client_id(std::string_view id) {
  if (id.empty() || id.size() > 36) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// A decimal parameter at `scale`: -1102 missing, -1100 not a decimal, -1111 too precise.
std::optional<ApiError> parse_decimal(const Params& p, std::string_view name, int scale, int64_t* out) {
  const std::string* text = p.find(name);
  if (text == nullptr || text->empty()) return ExchangeImpl::mandatory(name);
  auto d = core::Decimal::parse(*text);
  if (!d || d->is_negative()) return ExchangeImpl::illegal(name, kDecimalRange);
  auto units = d->to_units_exact(scale);
  if (!units) {
    if (units.error().code == core::ErrorCode::kOverflow || d->scale() <= scale) {
      return ExchangeImpl::error(-1108, "Parameter '" + std::string(name) + "' overflowed.");
    }
    return ExchangeImpl::error(-1111, "Parameter '" + std::string(name) + "' has too much precision.");
  }
  *out = *units;
  return std::nullopt;
}

// An integer parameter (ids, times, limits): -1100 when not digits.
std::optional<ApiError> parse_int(const Params& p, std::string_view name, int64_t* out, bool* present) {
  const std::string* text = p.find(name);
  *present = text != nullptr && !text->empty();
  if (!*present) return std::nullopt;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || ptr != text->data() + text->size() || v < 0) {
    return ExchangeImpl::illegal(name, kIntRange);
  }
  *out = v;
  return std::nullopt;
}

bool is_true(const Params& p, std::string_view name) {
  const std::string* v = p.find(name);
  return v != nullptr && (*v == "true" || *v == "TRUE" || *v == "True");
}

// ["A","B"] (or A,B) into names.
std::vector<std::string> parse_symbol_list(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  for (char c : text) {
    if (c == '[' || c == ']' || c == '"' || c == ' ') continue;
    if (c == ',') {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
      continue;
    }
    current.push_back(c);
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

std::string rate_string(int64_t bps) { return core::format_units(bps * 10000, 8); }

}  // namespace

// ---------------------------------------------------------------------------------------
// Market data

ApiOutcome ExchangeImpl::op_exchange_info(const Params& p) const {
  std::vector<const ExchangeSymbolSpec*> selected;
  if (const std::string* one = p.find("symbol"); one != nullptr && !one->empty()) {
    const ExchangeSymbolSpec* s = symbol(*one);
    if (s == nullptr) return ApiOutcome::fail(error(-1121, "Invalid symbol."));
    selected.push_back(s);
  } else if (const std::string* list = p.find("symbols"); list != nullptr && !list->empty()) {
    for (const std::string& name : parse_symbol_list(*list)) {
      const ExchangeSymbolSpec* s = symbol(name);
      if (s == nullptr) return ApiOutcome::fail(error(-1121, "Invalid symbol."));
      if (std::find(selected.begin(), selected.end(), s) != selected.end()) {
        return ApiOutcome::fail(error(-1151, "Symbol is present multiple times in the list."));
      }
      selected.push_back(s);
    }
  } else {
    for (const ExchangeSymbolSpec& s : spec_.symbols) selected.push_back(&s);
  }
  const RateLimitSpec& l = spec_.limits;
  JsonWriter w;
  w.begin_object().kv("timezone", "UTC").kv("serverTime", now_ms()).key("rateLimits").begin_array();
  w.begin_object()
      .kv("rateLimitType", "REQUEST_WEIGHT")
      .kv("interval", "MINUTE")
      .kv("intervalNum", 1)
      .kv("limit", l.request_weight_per_minute)
      .end_object();
  w.begin_object()
      .kv("rateLimitType", "ORDERS")
      .kv("interval", "SECOND")
      .kv("intervalNum", 10)
      .kv("limit", l.orders_per_10s)
      .end_object();
  w.begin_object()
      .kv("rateLimitType", "ORDERS")
      .kv("interval", "DAY")
      .kv("intervalNum", 1)
      .kv("limit", l.orders_per_day)
      .end_object();
  w.begin_object()
      .kv("rateLimitType", "RAW_REQUESTS")
      .kv("interval", "MINUTE")
      .kv("intervalNum", 5)
      .kv("limit", int64_t{300000})
      .end_object();
  w.end_array().key("exchangeFilters").begin_array().end_array().key("symbols").begin_array();
  for (const ExchangeSymbolSpec* s : selected) {
    const SymbolSpec& e = s->engine;
    const int ps = e.price_scale;
    const int qs = e.qty_scale;
    const int base_scale = asset_scale(e.base_asset);
    const int quote_scale = asset_scale(e.quote_asset);
    w.begin_object()
        .kv("symbol", e.name)
        .kv("status", "TRADING")
        .kv("baseAsset", e.base_asset)
        .kv("baseAssetPrecision", base_scale)
        .kv("quoteAsset", e.quote_asset)
        .kv("quotePrecision", quote_scale)
        .kv("quoteAssetPrecision", quote_scale)
        .kv("baseCommissionPrecision", base_scale)
        .kv("quoteCommissionPrecision", quote_scale)
        .key("orderTypes")
        .begin_array()
        .str("LIMIT")
        .str("LIMIT_MAKER")
        .str("MARKET")
        .end_array()
        .kv("icebergAllowed", false)
        .kv("ocoAllowed", false)
        .kv("otoAllowed", false)
        .kv("opoAllowed", false)
        .kv("quoteOrderQtyMarketAllowed", false)
        .kv("allowTrailingStop", false)
        .kv("cancelReplaceAllowed", true)
        .kv("amendAllowed", true)
        .kv("pegInstructionsAllowed", false)
        .kv("isSpotTradingAllowed", true)
        .kv("isMarginTradingAllowed", false)
        .key("filters")
        .begin_array();
    w.begin_object()
        .kv("filterType", "PRICE_FILTER")
        .kv("minPrice", core::format_units(s->min_price_units, ps))
        .kv("maxPrice", core::format_units(s->max_price_units, ps))
        .kv("tickSize", core::format_units(e.tick_units, ps))
        .end_object();
    w.begin_object()
        .kv("filterType", "LOT_SIZE")
        .kv("minQty", core::format_units(e.min_qty_units, qs))
        .kv("maxQty", core::format_units(e.max_qty_units, qs))
        .kv("stepSize", core::format_units(e.step_units, qs))
        .end_object();
    w.begin_object()
        .kv("filterType", "NOTIONAL")
        .kv("minNotional", core::format_units(e.min_notional_units, quote_scale))
        .kv("applyMinToMarket", false)
        .kv("maxNotional", core::format_units(s->max_notional_units > 0 ? s->max_notional_units
                                                                        : std::numeric_limits<int64_t>::max(),
                                              quote_scale))
        .kv("applyMaxToMarket", false)
        .kv("avgPriceMins", s->avg_price_mins)
        .end_object();
    w.begin_object()
        .kv("filterType", "PERCENT_PRICE_BY_SIDE")
        .kv("bidMultiplierUp", core::format_units(s->bid_multiplier_up_bps, 4))
        .kv("bidMultiplierDown", core::format_units(s->bid_multiplier_down_bps, 4))
        .kv("askMultiplierUp", core::format_units(s->ask_multiplier_up_bps, 4))
        .kv("askMultiplierDown", core::format_units(s->ask_multiplier_down_bps, 4))
        .kv("avgPriceMins", s->avg_price_mins)
        .end_object();
    w.begin_object().kv("filterType", "MAX_NUM_ORDERS").kv("maxNumOrders", s->max_num_orders).end_object();
    w.end_array()
        .key("permissions")
        .begin_array()
        .end_array()
        .key("permissionSets")
        .begin_array()
        .begin_array()
        .str("SPOT")
        .end_array()
        .end_array()
        .kv("defaultSelfTradePreventionMode", order_stp_name(s->default_stp))
        .key("allowedSelfTradePreventionModes")
        .begin_array()
        .str("NONE")
        .str("EXPIRE_TAKER")
        .str("EXPIRE_MAKER")
        .str("EXPIRE_BOTH")
        .end_array()
        .end_object();
  }
  w.end_array().key("sors").begin_array().end_array().end_object();
  return ApiOutcome::ok(w.take());
}

int64_t ExchangeImpl::depth_weight(const Params& p) {
  int64_t limit = 100;
  bool present = false;
  if (parse_int(p, "limit", &limit, &present) || !present) limit = 100;
  if (limit <= 100) return 5;
  if (limit <= 500) return 25;
  if (limit <= 1000) return 50;
  return 250;
}

ApiOutcome ExchangeImpl::op_depth(const Params& p) const {
  std::optional<ApiError> err;
  const ExchangeSymbolSpec* s = require_symbol(p, &err);
  if (s == nullptr) return ApiOutcome::fail(*err);
  int64_t limit = 100;
  bool present = false;
  if (auto e = parse_int(p, "limit", &limit, &present)) return ApiOutcome::fail(*e);
  if (!present || limit <= 0) limit = 100;
  limit = std::min<int64_t>(limit, 5000);
  const auto max_levels = static_cast<size_t>(limit);
  JsonWriter w;
  w.begin_object().kv("lastUpdateId", book_update_id(s->engine.name));
  for (Side side : {Side::kBuy, Side::kSell}) {
    w.key(side == Side::kBuy ? "bids" : "asks").begin_array();
    for (const BookLevel& l : levels(s->engine.name, side, max_levels)) {
      w.begin_array()
          .str(core::format_units(l.price_units, s->engine.price_scale))
          .str(core::format_units(l.qty_units, s->engine.qty_scale))
          .end_array();
    }
    w.end_array();
  }
  w.end_object();
  return ApiOutcome::ok(w.take());
}

ApiOutcome ExchangeImpl::op_book_ticker(const Params& p) const {
  std::vector<const ExchangeSymbolSpec*> selected;
  bool single = false;
  if (const std::string* one = p.find("symbol"); one != nullptr && !one->empty()) {
    const ExchangeSymbolSpec* s = symbol(*one);
    if (s == nullptr) return ApiOutcome::fail(error(-1121, "Invalid symbol."));
    selected.push_back(s);
    single = true;
  } else if (const std::string* list = p.find("symbols"); list != nullptr && !list->empty()) {
    for (const std::string& name : parse_symbol_list(*list)) {
      const ExchangeSymbolSpec* s = symbol(name);
      if (s == nullptr) return ApiOutcome::fail(error(-1121, "Invalid symbol."));
      selected.push_back(s);
    }
  } else {
    for (const ExchangeSymbolSpec& s : spec_.symbols) selected.push_back(&s);
  }
  JsonWriter w;
  if (!single) w.begin_array();
  for (const ExchangeSymbolSpec* s : selected) {
    auto bid = levels(s->engine.name, Side::kBuy, 1);
    auto ask = levels(s->engine.name, Side::kSell, 1);
    const int ps = s->engine.price_scale;
    const int qs = s->engine.qty_scale;
    w.begin_object()
        .kv("symbol", s->engine.name)
        .kv("bidPrice", core::format_units(bid.empty() ? 0 : bid[0].price_units, ps))
        .kv("bidQty", core::format_units(bid.empty() ? 0 : bid[0].qty_units, qs))
        .kv("askPrice", core::format_units(ask.empty() ? 0 : ask[0].price_units, ps))
        .kv("askQty", core::format_units(ask.empty() ? 0 : ask[0].qty_units, qs))
        .end_object();
  }
  if (!single) w.end_array();
  return ApiOutcome::ok(w.take());
}

// ---------------------------------------------------------------------------------------
// Orders

std::optional<ApiError> ExchangeImpl::parse_order(const CallerCtx& c, const Params& p,
                                                  ParsedOrder* out) const {
  std::optional<ApiError> err;
  const ExchangeSymbolSpec* s = require_symbol(p, &err);
  if (s == nullptr) return err;
  out->spec = s;
  NewOrder& o = out->order;
  o.symbol = s->engine.name;
  o.account = c.account;
  const std::string* side = p.find("side");
  if (side == nullptr || side->empty()) return mandatory("side");
  if (*side == "BUY") {
    o.side = Side::kBuy;
  } else if (*side == "SELL") {
    o.side = Side::kSell;
  } else {
    return error(-1117, "Invalid side.");
  }
  const std::string* type = p.find("type");
  if (type == nullptr || type->empty()) return mandatory("type");
  if (*type == "LIMIT") {
    o.type = OrderType::kLimit;
  } else if (*type == "LIMIT_MAKER") {
    o.type = OrderType::kLimitMaker;
  } else if (*type == "MARKET") {
    o.type = OrderType::kMarket;
  } else if (*type == "STOP_LOSS") {
    return error(-2010, "Stop loss orders are not supported for this symbol.");
  } else if (*type == "STOP_LOSS_LIMIT") {
    return error(-2010, "Stop loss limit orders are not supported for this symbol.");
  } else if (*type == "TAKE_PROFIT") {
    return error(-2010, "Take profit orders are not supported for this symbol.");
  } else if (*type == "TAKE_PROFIT_LIMIT") {
    return error(-2010, "Take profit limit orders are not supported for this symbol.");
  } else {
    return error(-1116, "Invalid orderType.");
  }
  const std::string* tif = p.find("timeInForce");
  if (o.type == OrderType::kLimit) {
    if (tif == nullptr || tif->empty()) return mandatory("timeInForce");
    if (*tif == "GTC") {
      o.tif = TimeInForce::kGtc;
    } else if (*tif == "IOC") {
      o.tif = TimeInForce::kIoc;
    } else if (*tif == "FOK") {
      o.tif = TimeInForce::kFok;
    } else {
      return error(-1115, "Invalid timeInForce.");
    }
  } else if (tif != nullptr && !tif->empty()) {
    return error(-1106, "Parameter 'timeInForce' sent when not required.");
  }
  if (p.has("quoteOrderQty") && !p.has("quantity")) {
    return error(-2010, "Quote order qty market orders are not support for this symbol.");
  }
  if (auto e = parse_decimal(p, "quantity", s->engine.qty_scale, &o.qty_units)) return e;
  if (o.type == OrderType::kMarket) {
    if (p.has("price")) return error(-1106, "Parameter 'price' sent when not required.");
  } else if (auto e = parse_decimal(p, "price", s->engine.price_scale, &o.price_units)) {
    return e;
  }
  for (std::string_view unsupported : {"icebergQty", "stopPrice", "trailingDelta", "pegPriceType"}) {
    if (p.has(unsupported)) return error(-1014, "Unsupported order combination.");
  }
  if (const std::string* id = p.find("newClientOrderId"); id != nullptr) {
    if (!valid_client_id(*id)) return illegal("newClientOrderId", kClientIdRange);
    o.client_id = *id;
  }
  o.stp = s->default_stp;
  if (const std::string* stp = p.find("selfTradePreventionMode"); stp != nullptr) {
    if (*stp == "NONE") {
      o.stp = StpMode::kNone;
    } else if (*stp == "EXPIRE_TAKER") {
      o.stp = StpMode::kExpireTaker;
    } else if (*stp == "EXPIRE_MAKER") {
      o.stp = StpMode::kExpireMaker;
    } else if (*stp == "EXPIRE_BOTH") {
      o.stp = StpMode::kExpireBoth;
    } else if (*stp == "DECREMENT" || *stp == "TRANSFER") {
      return error(-1013, "This symbol does not allow the specified self-trade prevention mode.");
    } else {
      return illegal("selfTradePreventionMode", "NONE, EXPIRE_TAKER, EXPIRE_MAKER, EXPIRE_BOTH");
    }
  }
  out->resp_type = o.type == OrderType::kLimitMaker ? "ACK" : "FULL";
  if (const std::string* rt = p.find("newOrderRespType"); rt != nullptr) {
    if (*rt != "ACK" && *rt != "RESULT" && *rt != "FULL")
      return illegal("newOrderRespType", "ACK, RESULT, FULL");
    out->resp_type = *rt;
  }
  if (auto e = check_filters(*s, o, /*percent_price=*/true)) return e;
  if (const OrderBook* book = engine_.book(o.symbol); book != nullptr) {
    if (static_cast<int64_t>(book->orders_of(c.account).size()) >= s->max_num_orders) {
      return error(-1013, "Filter failure: MAX_NUM_ORDERS");
    }
  }
  return std::nullopt;
}

ApiOutcome ExchangeImpl::place_parsed(const CallerCtx& c, const ParsedOrder& po) {
  const int64_t now = now_ms();
  if (inject_count_ > 0) {
    --inject_count_;
    ++injected_rejects_;
    ++orders_by_result_["rejected"];
    ApiError e = error(inject_code_, default_message(inject_code_), inject_http_);
    if (inject_http_ == 429 || inject_http_ == 418) e.retry_after_ms = now + 1000;  // epoch ms
    return ApiOutcome::fail(std::move(e));
  }
  if (auto limited = limits_.check_orders(c.ip, c.account, now)) {
    ++orders_by_result_["rate_limited"];
    count_limited(limited->http_status);
    return ApiOutcome::fail(
        ApiError{limited->http_status, limited->code, limited->msg, {}, limited->retry_after_ms});
  }
  std::vector<Event> events;
  const PlaceResult r = engine_.place(po.order, &events);
  if (r.order_id == 0) {
    ++orders_by_result_["rejected"];
    const std::string msg = engine_message(r.reject);
    const bool filter = msg.starts_with("Filter failure");
    return ApiOutcome::fail(error(filter ? -1013 : -2010, msg));
  }
  ++orders_by_result_["accepted"];
  limits_.count_order(c.account, now);
  CallExtras extras;
  extras.stp = po.order.stp;
  extras.counted = true;
  std::vector<OrderUpdate> fills;
  for (const Event& e : events) {
    if (const auto* u = std::get_if<OrderUpdate>(&e);
        u != nullptr && u->order_id == r.order_id && u->exec_type == ExecType::kTrade) {
      fills.push_back(*u);
    }
  }
  process(po.order.symbol, &events, extras);
  auto found = orders_.find(r.order_id);
  if (found == orders_.end()) return ApiOutcome::fail(error(-1000, default_message(-1000), 500));
  const OrderRecord& rec = found->second;
  JsonWriter w;
  w.begin_object()
      .kv("symbol", rec.symbol)
      .kv("orderId", rec.id)
      .kv("orderListId", int64_t{-1})
      .kv("clientOrderId", rec.client_id)
      .kv("transactTime", now);
  if (po.resp_type != "ACK") {
    const ExchangeSymbolSpec& s = *po.spec;
    const int quote_scale = asset_scale(s.engine.quote_asset);
    w.kv("price", core::format_units(rec.price_units, s.engine.price_scale))
        .kv("origQty", core::format_units(rec.orig_qty_units, s.engine.qty_scale))
        .kv("executedQty", core::format_units(rec.executed_qty_units, s.engine.qty_scale))
        .kv("origQuoteOrderQty", core::format_units(0, quote_scale))
        .kv("cummulativeQuoteQty", core::format_units(rec.cum_quote_units, quote_scale))
        .kv("status", to_string(rec.status))
        .kv("timeInForce", order_tif_name(rec.type, rec.tif))
        .kv("type", order_type_name(rec.type))
        .kv("side", order_side_name(rec.side))
        .kv("workingTime", rec.working_time_ms >= 0 ? rec.working_time_ms : now)
        .kv("selfTradePreventionMode", order_stp_name(rec.stp));
    if (po.resp_type == "FULL") {
      w.key("fills").begin_array();
      for (const OrderUpdate& f : fills) {
        w.begin_object()
            .kv("price", core::format_units(f.last_price_units, s.engine.price_scale))
            .kv("qty", core::format_units(f.last_qty_units, s.engine.qty_scale))
            .kv("commission", core::format_units(f.commission_units, asset_scale(f.commission_asset)))
            .kv("commissionAsset", f.commission_asset)
            .kv("tradeId", f.trade_id)
            .end_object();
      }
      w.end_array();
    }
  }
  w.end_object();
  return ApiOutcome::ok(w.take());
}

ApiOutcome ExchangeImpl::op_place(const CallerCtx& c, const Params& p) {
  ParsedOrder po;
  if (auto e = parse_order(c, p, &po)) {
    ++orders_by_result_["rejected"];
    return ApiOutcome::fail(*e);
  }
  return place_parsed(c, po);
}

std::optional<ApiError> ExchangeImpl::lookup_order(const CallerCtx& c, const ExchangeSymbolSpec& s,
                                                   const Params& p, std::string_view id_param,
                                                   std::string_view client_param, int missing_code,
                                                   const OrderRecord** out) const {
  int64_t id = 0;
  bool has_id = false;
  if (auto e = parse_int(p, id_param, &id, &has_id)) return e;
  const std::string* client = p.find(client_param);
  const bool has_client = client != nullptr && !client->empty();
  if (!has_id && !has_client) {
    return error(-1102, "Param '" + std::string(client_param) + "' or '" + std::string(id_param) +
                            "' must be sent, but both were empty/null!");
  }
  const std::string unknown = missing_code == -2013 ? "Order does not exist." : "Unknown order sent.";
  const OrderRecord* rec = nullptr;
  if (has_id) {
    auto found = orders_.find(id);
    if (found != orders_.end() && found->second.account == c.account &&
        found->second.symbol == s.engine.name) {
      rec = &found->second;
    }
    if (rec != nullptr && has_client && rec->client_id != *client) {
      return error(-2039, "Client order ID is not correct for this order ID.");
    }
  } else {
    // An open order with this client id first, else the latest closed one.
    const OrderId open_id = engine_.find_open_by_client_id(s.engine.name, c.account, *client);
    OrderId oid = open_id;
    if (oid == 0) {
      auto idx = by_client_id_.find(std::make_tuple(c.account, s.engine.name, *client));
      if (idx != by_client_id_.end()) oid = idx->second;
    }
    if (auto found = orders_.find(oid); found != orders_.end()) rec = &found->second;
  }
  if (rec == nullptr) return error(missing_code, unknown);
  *out = rec;
  return std::nullopt;
}

void ExchangeImpl::write_order(JsonWriter& w, const OrderRecord& r, bool query_shape) const {
  const ExchangeSymbolSpec& s = *symbol(r.symbol);
  const int ps = s.engine.price_scale;
  const int qs = s.engine.qty_scale;
  const int quote_scale = asset_scale(s.engine.quote_asset);
  w.kv("symbol", r.symbol)
      .kv("orderId", r.id)
      .kv("orderListId", int64_t{-1})
      .kv("clientOrderId", r.client_id)
      .kv("price", core::format_units(r.price_units, ps))
      .kv("origQty", core::format_units(r.orig_qty_units, qs))
      .kv("executedQty", core::format_units(r.executed_qty_units, qs))
      .kv("cummulativeQuoteQty", core::format_units(r.cum_quote_units, quote_scale))
      .kv("status", to_string(r.status))
      .kv("timeInForce", order_tif_name(r.type, r.tif))
      .kv("type", order_type_name(r.type))
      .kv("side", order_side_name(r.side));
  if (query_shape) {
    w.kv("stopPrice", core::format_units(0, ps))
        .kv("icebergQty", core::format_units(0, qs))
        .kv("time", r.time_ms)
        .kv("updateTime", r.update_time_ms)
        .kv("isWorking", r.working_time_ms >= 0)
        .kv("workingTime", r.working_time_ms >= 0 ? r.working_time_ms : r.time_ms)
        .kv("origQuoteOrderQty", core::format_units(0, quote_scale));
  }
  w.kv("selfTradePreventionMode", order_stp_name(r.stp));
}

std::string ExchangeImpl::cancel_response(const OrderRecord& r, std::string_view cancel_client_id,
                                          int64_t now) const {
  const ExchangeSymbolSpec& s = *symbol(r.symbol);
  const int ps = s.engine.price_scale;
  const int qs = s.engine.qty_scale;
  const int quote_scale = asset_scale(s.engine.quote_asset);
  JsonWriter w;
  w.begin_object()
      .kv("symbol", r.symbol)
      .kv("origClientOrderId", r.client_id)
      .kv("orderId", r.id)
      .kv("orderListId", int64_t{-1})
      .kv("clientOrderId", cancel_client_id)
      .kv("transactTime", now)
      .kv("price", core::format_units(r.price_units, ps))
      .kv("origQty", core::format_units(r.orig_qty_units, qs))
      .kv("executedQty", core::format_units(r.executed_qty_units, qs))
      .kv("origQuoteOrderQty", core::format_units(0, quote_scale))
      .kv("cummulativeQuoteQty", core::format_units(r.cum_quote_units, quote_scale))
      .kv("status", to_string(r.status))
      .kv("timeInForce", order_tif_name(r.type, r.tif))
      .kv("type", order_type_name(r.type))
      .kv("side", order_side_name(r.side))
      .kv("selfTradePreventionMode", order_stp_name(r.stp))
      .end_object();
  return w.take();
}

ApiOutcome ExchangeImpl::cancel_one(const CallerCtx& c, const ExchangeSymbolSpec& s, const Params& p,
                                    std::string_view id_param, std::string_view client_param,
                                    std::string_view new_id_param) {
  std::string cancel_id;
  if (const std::string* id = p.find(new_id_param); id != nullptr) {
    if (!valid_client_id(*id)) return ApiOutcome::fail(illegal(new_id_param, kClientIdRange));
    cancel_id = *id;
  }
  const std::string* restriction = p.find("cancelRestrictions");
  if (restriction != nullptr && *restriction != "ONLY_NEW" && *restriction != "ONLY_PARTIALLY_FILLED") {
    return ApiOutcome::fail(
        error(-1145, "cancelRestrictions has to be either ONLY_NEW or ONLY_PARTIALLY_FILLED."));
  }
  const OrderRecord* rec = nullptr;
  if (auto e = lookup_order(c, s, p, id_param, client_param, -2011, &rec)) return ApiOutcome::fail(*e);
  if (!rec->open || engine_.find_open(s.engine.name, rec->id) == nullptr) {
    return ApiOutcome::fail(error(-2011, "Unknown order sent."));
  }
  if (restriction != nullptr && ((*restriction == "ONLY_NEW" && rec->executed_qty_units > 0) ||
                                 (*restriction == "ONLY_PARTIALLY_FILLED" && rec->executed_qty_units == 0))) {
    return ApiOutcome::fail(error(-2011, "Order was not canceled due to cancel restrictions."));
  }
  if (cancel_id.empty()) cancel_id = next_generated_id("cancel");
  const OrderId id = rec->id;
  std::vector<Event> events;
  if (auto r = engine_.cancel(s.engine.name, c.account, id, &events); !r) {
    return ApiOutcome::fail(error(-2011, "Unknown order sent."));
  }
  CallExtras extras;
  extras.cancel_ids[id] = cancel_id;
  process(s.engine.name, &events, extras);
  return ApiOutcome::ok(cancel_response(orders_.at(id), cancel_id, now_ms()));
}

ApiOutcome ExchangeImpl::op_cancel(const CallerCtx& c, const Params& p) {
  std::optional<ApiError> err;
  const ExchangeSymbolSpec* s = require_symbol(p, &err);
  if (s == nullptr) return ApiOutcome::fail(*err);
  return cancel_one(c, *s, p, "orderId", "origClientOrderId", "newClientOrderId");
}

ApiOutcome ExchangeImpl::op_cancel_all(const CallerCtx& c, const Params& p) {
  std::optional<ApiError> err;
  const ExchangeSymbolSpec* s = require_symbol(p, &err);
  if (s == nullptr) return ApiOutcome::fail(*err);
  const OrderBook* book = engine_.book(s->engine.name);
  std::vector<OrderId> ids = book->orders_of(c.account);
  if (ids.empty()) return ApiOutcome::fail(error(-2011, "Unknown order sent."));
  std::sort(ids.begin(), ids.end());
  CallExtras extras;
  for (OrderId id : ids) extras.cancel_ids[id] = next_generated_id("cancel");
  std::vector<Event> events;
  engine_.cancel_all(s->engine.name, c.account, &events);
  process(s->engine.name, &events, extras);
  const int64_t now = now_ms();
  JsonWriter w;
  w.begin_array();
  for (OrderId id : ids) {
    auto found = orders_.find(id);
    if (found != orders_.end()) w.raw(cancel_response(found->second, extras.cancel_ids[id], now));
  }
  w.end_array();
  return ApiOutcome::ok(w.take());
}

ApiOutcome ExchangeImpl::op_cancel_replace(const CallerCtx& c, const Params& p) {
  std::optional<ApiError> err;
  const ExchangeSymbolSpec* s = require_symbol(p, &err);
  if (s == nullptr) return ApiOutcome::fail(*err);
  const std::string* mode = p.find("cancelReplaceMode");
  if (mode == nullptr || mode->empty()) return ApiOutcome::fail(mandatory("cancelReplaceMode"));
  if (*mode != "STOP_ON_FAILURE" && *mode != "ALLOW_FAILURE") {
    return ApiOutcome::fail(illegal("cancelReplaceMode", "STOP_ON_FAILURE, ALLOW_FAILURE"));
  }
  if (!p.has("cancelOrderId") && !p.has("cancelOrigClientOrderId")) {
    return ApiOutcome::fail(error(
        -1102, "Param 'cancelOrigClientOrderId' or 'cancelOrderId' must be sent, but both were empty/null!"));
  }
  // The new order's parameters are checked first: malformed ones fail the whole request.
  ParsedOrder po;
  std::optional<ApiError> new_error = parse_order(c, p, &po);
  if (new_error && new_error->code != -1013 && new_error->code != -2010) return ApiOutcome::fail(*new_error);

  // The unfilled order count goes up even when the new order is not attempted.
  const int64_t now = now_ms();
  if (inject_count_ > 0 && (inject_http_ == 429 || inject_http_ == 418)) {
    // An injected rate-limit or ban refusal refuses the whole request before anything
    // changes, as Binance's limits do (other injected codes fail the new order's half).
    --inject_count_;
    ++injected_rejects_;
    ++orders_by_result_["rejected"];
    ApiError e = error(inject_code_, default_message(inject_code_), inject_http_);
    e.retry_after_ms = now + 1000;  // epoch ms
    return ApiOutcome::fail(std::move(e));
  }
  if (auto limited = limits_.check_orders(c.ip, c.account, now)) {
    count_limited(limited->http_status);
    return ApiOutcome::fail(
        ApiError{limited->http_status, limited->code, limited->msg, {}, limited->retry_after_ms});
  }

  ApiOutcome cancel =
      cancel_one(c, *s, p, "cancelOrderId", "cancelOrigClientOrderId", "cancelNewClientOrderId");
  std::optional<ApiOutcome> placed;
  if (!cancel.error || *mode == "ALLOW_FAILURE") {
    if (new_error) {
      placed = ApiOutcome::fail(*new_error);
    } else {
      placed = place_parsed(c, po);
      if (placed->error && placed->error->http_status == 429) return *placed;
    }
  } else {
    limits_.count_order(c.account, now);
  }
  auto error_object = [](const ApiError& e) {
    JsonWriter w;
    w.begin_object().kv("code", int64_t{e.code}).kv("msg", e.msg).end_object();
    return w.take();
  };
  const bool cancel_ok = !cancel.error;
  const bool new_ok = placed && !placed->error;
  JsonWriter body;
  body.begin_object()
      .kv("cancelResult", cancel_ok ? "SUCCESS" : "FAILURE")
      .kv("newOrderResult", !placed ? "NOT_ATTEMPTED" : (new_ok ? "SUCCESS" : "FAILURE"))
      .key("cancelResponse")
      .raw(cancel_ok ? cancel.json : error_object(*cancel.error))
      .key("newOrderResponse");
  if (!placed) {
    body.null();
  } else {
    body.raw(new_ok ? placed->json : error_object(*placed->error));
  }
  body.end_object();
  if (cancel_ok && new_ok) return ApiOutcome::ok(body.take());
  if (cancel_ok || new_ok) {
    ApiError e = error(-2021, "Order cancel-replace partially failed.", 409);
    e.data_json = body.take();
    return ApiOutcome::fail(std::move(e));
  }
  ApiError e = error(-2022, "Order cancel-replace failed.", 400);
  e.data_json = body.take();
  return ApiOutcome::fail(std::move(e));
}

ApiOutcome ExchangeImpl::op_amend(const CallerCtx& c, const Params& p) {
  std::optional<ApiError> err;
  const ExchangeSymbolSpec* s = require_symbol(p, &err);
  if (s == nullptr) return ApiOutcome::fail(*err);
  int64_t new_qty = 0;
  if (auto e = parse_decimal(p, "newQty", s->engine.qty_scale, &new_qty)) return ApiOutcome::fail(*e);
  std::string new_client_id;
  if (const std::string* id = p.find("newClientOrderId"); id != nullptr) {
    if (!valid_client_id(*id)) return ApiOutcome::fail(illegal("newClientOrderId", kClientIdRange));
    new_client_id = *id;
  }
  const OrderRecord* rec = nullptr;
  if (auto e = lookup_order(c, *s, p, "orderId", "origClientOrderId", -2038, &rec))
    return ApiOutcome::fail(*e);
  if (!rec->open || engine_.find_open(s->engine.name, rec->id) == nullptr) {
    return ApiOutcome::fail(error(-2038, "Unknown order sent."));
  }
  if (new_qty <= 0 || new_qty % s->engine.step_units != 0)
    return ApiOutcome::fail(error(-1013, "Filter failure: LOT_SIZE"));
  if (new_qty > rec->orig_qty_units) {
    return ApiOutcome::fail(error(-2038, "Order amend (quantity increase) is not supported."));
  }
  if (new_qty == rec->orig_qty_units) {
    return ApiOutcome::fail(error(-2038, "The requested action would change no state; rejecting"));
  }
  if (new_qty <= rec->executed_qty_units) {
    return ApiOutcome::fail(error(-2038, "Order amend (quantity increase) is not supported."));
  }
  const OrderId id = rec->id;
  const std::string orig_client_id = rec->client_id;
  std::vector<Event> events;
  auto r = engine_.amend_keep_priority(s->engine.name, c.account, id, new_qty, &events, new_client_id);
  if (!r) {
    const bool duplicate = r.error().message == to_string(RejectReason::kDuplicateClientOrderId);
    return ApiOutcome::fail(error(
        -2038, duplicate ? "Duplicate order sent." : "Order amend (quantity increase) is not supported."));
  }
  CallExtras extras;
  extras.amend_orig_client_id = orig_client_id;
  const int64_t exec_id = next_exec_id_;
  process(s->engine.name, &events, extras);
  const OrderRecord& after = orders_.at(id);
  const int ps = s->engine.price_scale;
  const int qs = s->engine.qty_scale;
  const int quote_scale = asset_scale(s->engine.quote_asset);
  JsonWriter w;
  w.begin_object()
      .kv("transactTime", now_ms())
      .kv("executionId", exec_id)
      .key("amendedOrder")
      .begin_object()
      .kv("symbol", after.symbol)
      .kv("orderId", after.id)
      .kv("orderListId", int64_t{-1})
      .kv("origClientOrderId", orig_client_id)
      .kv("clientOrderId", after.client_id)
      .kv("price", core::format_units(after.price_units, ps))
      .kv("qty", core::format_units(after.orig_qty_units, qs))
      .kv("executedQty", core::format_units(after.executed_qty_units, qs))
      .kv("preventedQty", core::format_units(0, qs))
      .kv("quoteOrderQty", core::format_units(0, quote_scale))
      .kv("cumulativeQuoteQty", core::format_units(after.cum_quote_units, quote_scale))
      .kv("status", to_string(after.status))
      .kv("timeInForce", order_tif_name(after.type, after.tif))
      .kv("type", order_type_name(after.type))
      .kv("side", order_side_name(after.side))
      .kv("workingTime", after.working_time_ms >= 0 ? after.working_time_ms : after.time_ms)
      .kv("selfTradePreventionMode", order_stp_name(after.stp))
      .end_object()
      .end_object();
  return ApiOutcome::ok(w.take());
}

// ---------------------------------------------------------------------------------------
// Queries

ApiOutcome ExchangeImpl::op_query_order(const CallerCtx& c, const Params& p) const {
  std::optional<ApiError> err;
  const ExchangeSymbolSpec* s = require_symbol(p, &err);
  if (s == nullptr) return ApiOutcome::fail(*err);
  const OrderRecord* rec = nullptr;
  if (auto e = lookup_order(c, *s, p, "orderId", "origClientOrderId", -2013, &rec))
    return ApiOutcome::fail(*e);
  JsonWriter w;
  w.begin_object();
  write_order(w, *rec, /*query_shape=*/true);
  w.end_object();
  return ApiOutcome::ok(w.take());
}

ApiOutcome ExchangeImpl::op_open_orders(const CallerCtx& c, const Params& p) const {
  std::vector<const ExchangeSymbolSpec*> selected;
  if (const std::string* one = p.find("symbol"); one != nullptr && !one->empty()) {
    const ExchangeSymbolSpec* s = symbol(*one);
    if (s == nullptr) return ApiOutcome::fail(error(-1121, "Invalid symbol."));
    selected.push_back(s);
  } else {
    for (const ExchangeSymbolSpec& s : spec_.symbols) selected.push_back(&s);
  }
  std::vector<OrderId> ids;
  for (const ExchangeSymbolSpec* s : selected) {
    const OrderBook* book = engine_.book(s->engine.name);
    for (OrderId id : book->orders_of(c.account)) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  JsonWriter w;
  w.begin_array();
  for (OrderId id : ids) {
    auto found = orders_.find(id);
    if (found == orders_.end()) continue;
    w.begin_object();
    write_order(w, found->second, /*query_shape=*/true);
    w.end_object();
  }
  w.end_array();
  return ApiOutcome::ok(w.take());
}

ApiOutcome ExchangeImpl::op_account(const CallerCtx& c, const Params& p) const {
  const bool omit_zero = is_true(p, "omitZeroBalances");
  const FeeSchedule& fees = spec_.fees;
  JsonWriter w;
  w.begin_object()
      .kv("makerCommission", fees.maker_bps)
      .kv("takerCommission", fees.taker_bps)
      .kv("buyerCommission", int64_t{0})
      .kv("sellerCommission", int64_t{0})
      .key("commissionRates")
      .begin_object()
      .kv("maker", rate_string(fees.maker_bps))
      .kv("taker", rate_string(fees.taker_bps))
      .kv("buyer", rate_string(0))
      .kv("seller", rate_string(0))
      .end_object()
      .kv("canTrade", true)
      .kv("canWithdraw", true)
      .kv("canDeposit", true)
      .kv("brokered", false)
      .kv("requireSelfTradePrevention", false)
      .kv("preventSor", false)
      .kv("updateTime", now_ms())
      .kv("accountType", "SPOT")
      .key("balances")
      .begin_array();
  const Accounts& accounts = engine_.accounts();
  for (AssetId a = 0; a < accounts.asset_count(); ++a) {
    const Balance b = accounts.balance(c.account, a);
    if (omit_zero && b.free_units == 0 && b.locked_units == 0) continue;
    const int scale = accounts.asset(a).scale;
    w.begin_object()
        .kv("asset", accounts.asset(a).name)
        .kv("free", core::format_units(b.free_units, scale))
        .kv("locked", core::format_units(b.locked_units, scale))
        .end_object();
  }
  w.end_array().key("permissions").begin_array().str("SPOT").end_array().kv("uid", c.account).end_object();
  return ApiOutcome::ok(w.take());
}

ApiOutcome ExchangeImpl::op_my_trades(const CallerCtx& c, const Params& p) const {
  std::optional<ApiError> err;
  const ExchangeSymbolSpec* s = require_symbol(p, &err);
  if (s == nullptr) return ApiOutcome::fail(*err);
  int64_t order_id = 0, from_id = 0, start = 0, end = 0, limit = 500;
  bool has_order = false, has_from = false, has_start = false, has_end = false, has_limit = false;
  if (auto e = parse_int(p, "orderId", &order_id, &has_order)) return ApiOutcome::fail(*e);
  if (auto e = parse_int(p, "fromId", &from_id, &has_from)) return ApiOutcome::fail(*e);
  if (auto e = parse_int(p, "startTime", &start, &has_start)) return ApiOutcome::fail(*e);
  if (auto e = parse_int(p, "endTime", &end, &has_end)) return ApiOutcome::fail(*e);
  if (auto e = parse_int(p, "limit", &limit, &has_limit)) return ApiOutcome::fail(*e);
  if (!has_limit || limit <= 0) limit = 500;
  limit = std::min<int64_t>(limit, 1000);
  const int ps = s->engine.price_scale;
  const int qs = s->engine.qty_scale;
  const int quote_scale = asset_scale(s->engine.quote_asset);
  std::vector<const TradeRecord*> selected;
  if (auto found = trades_.find(c.account); found != trades_.end()) {
    for (const TradeRecord& t : found->second) {
      if (t.symbol != s->engine.name) continue;
      if (has_order && t.order_id != order_id) continue;
      if (has_from && t.trade_id < from_id) continue;
      if (has_start && t.time_ms < start) continue;
      if (has_end && t.time_ms > end) continue;
      selected.push_back(&t);
    }
  }
  // The most recent `limit` trades (or the first ones from fromId), oldest first.
  if (static_cast<int64_t>(selected.size()) > limit) {
    if (has_from) {
      selected.resize(static_cast<size_t>(limit));
    } else {
      selected.erase(selected.begin(), selected.end() - limit);
    }
  }
  JsonWriter w;
  w.begin_array();
  for (const TradeRecord* t : selected) {
    w.begin_object()
        .kv("symbol", t->symbol)
        .kv("id", t->trade_id)
        .kv("orderId", t->order_id)
        .kv("orderListId", int64_t{-1})
        .kv("price", core::format_units(t->price_units, ps))
        .kv("qty", core::format_units(t->qty_units, qs))
        .kv("quoteQty", core::format_units(t->quote_units, quote_scale))
        .kv("commission", core::format_units(t->commission_units, asset_scale(t->commission_asset)))
        .kv("commissionAsset", t->commission_asset)
        .kv("time", t->time_ms)
        .kv("isBuyer", t->is_buyer)
        .kv("isMaker", t->is_maker)
        .kv("isBestMatch", true)
        .end_object();
  }
  w.end_array();
  return ApiOutcome::ok(w.take());
}

}  // namespace phoenix::sim
