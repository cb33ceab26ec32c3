#include "binance/user_data_decoder.h"

#include <algorithm>
#include <string>

#include "binance/dom_internal.h"
#include "binance/json_internal.h"
#include "binance/ws_api_codec.h"

namespace phoenix::binance {
namespace {

using core::Error;
using core::ErrorCode;
using core::Status;
using dom_internal::get_amount;
using dom_internal::get_bool;
using dom_internal::get_int;
using dom_internal::get_object;
using dom_internal::get_string;
using dom_internal::parse_error;

Status read_asset_name(simdjson::dom::object o, std::string_view key, core::AssetBalance& out) {
  std::string_view asset;
  if (Status s = get_string(o, key, asset); !s) return s;
  if (asset.empty() || asset.size() >= out.asset.size()) return parse_error("bad asset name in", key);
  out.asset = {};
  std::copy(asset.begin(), asset.end(), out.asset.begin());
  return {};
}

Status parse_client_id(std::string_view text, std::string_view key, core::ClientOrderId& out) {
  out = core::ClientOrderId{};
  if (text.empty()) return {};
  auto id = core::ClientOrderId::parse(text);
  if (!id) return parse_error("bad client order id in", key);
  out = *id;
  return {};
}

Status read_execution_report(const OrderSymbols& symbols, simdjson::dom::object o, UserDataEvent& out) {
  core::OrderUpdate& u = out.order;
  std::string_view text;
  if (Status s = get_string(o, "s", text); !s) return s;
  u.symbol = symbols.table().find(text);
  if (u.symbol == core::kNoSymbol)
    return Error{ErrorCode::kNotFound, "unknown symbol '" + std::string(text) + "'"};
  const core::SymbolScale& scale = symbols.table().scale(u.symbol);
  const OrderSymbols::Assets& assets = symbols.assets(u.symbol);

  if (Status s = get_string(o, "x", text); !s) return s;
  auto exec = parse_exec_type(text);
  if (!exec) return parse_error("unknown execution type in", "x");
  u.exec_type = *exec;
  if (Status s = get_string(o, "X", text); !s) return s;
  auto status = parse_order_status(text);
  if (!status) return parse_error("unknown order status in", "X");
  u.status = *status;

  std::string_view c;
  std::string_view orig;
  if (Status s = get_string(o, "c", c); !s) return s;
  if (Status s = get_string(o, "C", orig); !s) {
    // "C" is "" when not a cancel; some senders omit it.
    if (o["C"].error() != simdjson::NO_SUCH_FIELD) return s;
    orig = {};
  }
  if (u.exec_type == core::ExecType::kCanceled && !orig.empty()) {
    if (Status s = parse_client_id(orig, "C", u.client_id); !s) return s;
    u.orig_client_id = u.client_id;
  } else {
    if (Status s = parse_client_id(c, "c", u.client_id); !s) return s;
    if (!orig.empty() && orig != c) {
      if (Status s = parse_client_id(orig, "C", u.orig_client_id); !s) return s;
    }
  }
  if (Status s = get_int(o, "i", u.order_id); !s) return s;
  if (Status s = get_string(o, "S", text); !s) return s;
  if (text == "BUY") {
    u.side = core::Side::kBuy;
  } else if (text == "SELL") {
    u.side = core::Side::kSell;
  } else {
    return parse_error("unknown side in", "S");
  }
  if (Status s = get_amount(o, "p", scale.price_scale, u.price); !s) return s;
  if (Status s = get_amount(o, "q", scale.qty_scale, u.orig_qty); !s) return s;
  if (Status s = get_amount(o, "z", scale.qty_scale, u.cum_qty); !s) return s;
  if (Status s = get_amount(o, "Z", assets.quote_scale, u.cum_quote_units); !s) return s;
  if (Status s = get_string(o, "r", out.reject_reason); !s) {
    if (o["r"].error() != simdjson::NO_SUCH_FIELD) return s;
  }
  if (Status s = get_int(o, "T", u.transact_time_ms); !s) return s;
  u.event_time_ms = out.event_time_ms;
  if (u.exec_type == core::ExecType::kTrade) {
    if (Status s = get_amount(o, "l", scale.qty_scale, u.last_qty); !s) return s;
    if (Status s = get_amount(o, "L", scale.price_scale, u.last_price); !s) return s;
    if (Status s = get_int(o, "t", u.trade_id); !s) return s;
    if (Status s = get_bool(o, "m", u.maker); !s) return s;
    if (Status s = get_amount(o, "n", 8, u.commission_units); !s) return s;
    simdjson::dom::element n;
    if (auto e = o["N"].get(n)) return dom_internal::field_error(e, "N");
    if (n.is_null()) {
      u.fee_asset = core::FeeAsset::kNone;
    } else {
      if (n.get(text) != simdjson::SUCCESS) return parse_error("wrong type for field", "N");
      u.fee_asset = text == assets.base    ? core::FeeAsset::kBase
                    : text == assets.quote ? core::FeeAsset::kQuote
                                           : core::FeeAsset::kOther;
    }
  }
  return {};
}

}  // namespace

struct UserDataDecoder::Impl {
  explicit Impl(const OrderSymbols& s) : symbols(s) {}
  const OrderSymbols& symbols;
  simdjson::dom::parser parser;
  json_internal::PaddedInput input;
  std::vector<core::AssetBalance> balances;
};

UserDataDecoder::UserDataDecoder(const OrderSymbols& symbols) : impl_(std::make_unique<Impl>(symbols)) {}
UserDataDecoder::~UserDataDecoder() = default;

Status UserDataDecoder::decode(std::string_view payload, UserDataEvent& out) {
  Impl& d = *impl_;
  out = UserDataEvent{};
  simdjson::dom::element doc;
  if (Status s = dom_internal::parse_document(d.parser, d.input, payload, payload.size(), doc); !s) return s;
  simdjson::dom::object top;
  if (Status s = get_object(doc, "the message", top); !s) return s;
  simdjson::dom::object event = top;
  simdjson::dom::element wrapped;
  if (top["event"].get(wrapped) == simdjson::SUCCESS) {
    if (Status s = get_object(wrapped, "event", event); !s) return s;
    simdjson::dom::element sub;
    if (top["subscriptionId"].get(sub) == simdjson::SUCCESS) {
      if (sub.get(out.subscription_id) != simdjson::SUCCESS)
        return parse_error("wrong type for field", "subscriptionId");
    }
  }
  if (Status s = get_string(event, "e", out.event_type); !s) return s;
  if (Status s = get_int(event, "E", out.event_time_ms); !s) return s;
  const std::string_view e = out.event_type;
  if (e == "executionReport") {
    out.kind = UserDataEvent::Kind::kExecutionReport;
    return read_execution_report(d.symbols, event, out);
  }
  if (e == "outboundAccountPosition") {
    out.kind = UserDataEvent::Kind::kAccountPosition;
    d.balances.clear();
    simdjson::dom::array list;
    if (auto err = event["B"].get(list)) return dom_internal::field_error(err, "B");
    for (simdjson::dom::element item : list) {
      simdjson::dom::object b;
      if (Status s = get_object(item, "B[]", b); !s) return s;
      core::AssetBalance balance;
      if (Status s = read_asset_name(b, "a", balance); !s) return s;
      if (Status s = get_amount(b, "f", 8, balance.free_units); !s) return s;
      if (Status s = get_amount(b, "l", 8, balance.locked_units); !s) return s;
      d.balances.push_back(balance);
    }
    out.balances = d.balances;
    return {};
  }
  if (e == "balanceUpdate") {
    out.kind = UserDataEvent::Kind::kBalanceUpdate;
    if (Status s = read_asset_name(event, "a", out.balance_delta); !s) return s;
    return get_amount(event, "d", 8, out.balance_delta.free_units, /*allow_negative=*/true);
  }
  if (e == "eventStreamTerminated") {
    out.kind = UserDataEvent::Kind::kStreamTerminated;
    return {};
  }
  if (e == "serverShutdown") {
    out.kind = UserDataEvent::Kind::kServerShutdown;
    return {};
  }
  out.kind = UserDataEvent::Kind::kOther;
  return {};
}

}  // namespace phoenix::binance
