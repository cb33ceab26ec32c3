#pragma once

// Internal to src/binance: helpers for the order-entry decoders, which read whole
// documents with simdjson's DOM API (a validated tape, random access by key) rather than
// On-Demand: order-entry messages are few, nested and read in any order, and a DOM parse
// rejects any truncated or malformed document before a single field is read.
//
// Include only from phoenix_binance .cc files (see json_internal.h on why simdjson types
// must not reach public headers). Every failure is a core::Error (kParse, or kNotFound for
// an unknown symbol) whose message names the field.

#include <cstdint>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "binance/json_internal.h"
#include "core/decimal.h"
#include "core/result.h"

namespace phoenix::binance::dom_internal {

inline core::Error parse_error(std::string_view what, std::string_view field) {
  std::string message(what);
  if (!field.empty()) {
    message += " '";
    message += field;
    message += '\'';
  }
  return core::Error{core::ErrorCode::kParse, std::move(message)};
}

inline core::Error field_error(simdjson::error_code error, std::string_view field) {
  switch (error) {
    case simdjson::NO_SUCH_FIELD: return parse_error("missing field", field);
    case simdjson::INCORRECT_TYPE:
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE: return parse_error("wrong type for field", field);
    default: return parse_error(simdjson::error_message(error), field);
  }
}

// Parses `payload` with `parser`, copying into `input` when it lacks padding.
inline core::Status parse_document(simdjson::dom::parser& parser, json_internal::PaddedInput& input,
                                   std::string_view payload, size_t capacity, simdjson::dom::element& doc) {
  if (payload.empty()) return parse_error("empty message", "");
  bool copied = false;
  const char* data = input.prepare(payload, capacity, copied);
  if (auto error = parser.parse(data, payload.size(), /*realloc_if_needed=*/false).get(doc)) {
    return parse_error(std::string("bad JSON: ") + simdjson::error_message(error), "");
  }
  return {};
}

inline core::Status get_object(simdjson::dom::element value, std::string_view what,
                               simdjson::dom::object& out) {
  if (value.get(out) != simdjson::SUCCESS) return parse_error("expected an object for", what);
  return {};
}

inline core::Status get_string(simdjson::dom::object object, std::string_view key, std::string_view& out) {
  if (auto error = object[key].get(out)) return field_error(error, key);
  return {};
}

inline core::Status get_int(simdjson::dom::object object, std::string_view key, int64_t& out) {
  if (auto error = object[key].get(out)) return field_error(error, key);
  return {};
}

inline core::Status get_bool(simdjson::dom::object object, std::string_view key, bool& out) {
  if (auto error = object[key].get(out)) return field_error(error, key);
  return {};
}

// A decimal string at `scale`: exact, and negative only when `allow_negative`.
inline core::Status get_amount(simdjson::dom::object object, std::string_view key, int scale, int64_t& out,
                               bool allow_negative = false) {
  std::string_view text;
  if (auto status = get_string(object, key, text); !status) return status;
  if (!allow_negative && !text.empty() && text.front() == '-') return parse_error("negative amount in", key);
  core::Result<int64_t> units = core::parse_units(text, scale);
  if (!units) return parse_error("bad decimal (or too precise) in", key);
  out = *units;
  return {};
}

template <class Amount>
core::Status get_amount(simdjson::dom::object object, std::string_view key, int scale, Amount& out) {
  int64_t units = 0;
  if (auto status = get_amount(object, key, scale, units); !status) return status;
  out = Amount(units);
  return {};
}

}  // namespace phoenix::binance::dom_internal
