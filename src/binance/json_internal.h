#pragma once

// Internal to src/binance: the simdjson On-Demand helpers the decoders share.
//
// Include this only from phoenix_binance's .cc files, never from a public header. simdjson
// 3.0.1 compiles its On-Demand front end into each translation unit, in the namespace of
// the kernel the TU's -m flags select (simdjson::haswell::ondemand, simdjson::fallback::...),
// and `simdjson::ondemand` names whichever that is. phoenix_binance's TUs all get the same
// flags (src/binance/CMakeLists.txt); a header that exposed simdjson types to TUs built
// with other flags would give one class two layouts (an ODR violation).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "binance/stream_names.h"
#include "core/decimal.h"
#include "core/market_data.h"

namespace phoenix::binance::json_internal {

// Empty on success, else why decoding failed.
using MaybeError = std::optional<DecodeError>;

// The reason to report for a simdjson error (never SUCCESS).
inline DecodeError reason_for(simdjson::error_code error) {
  switch (error) {
    case simdjson::NO_SUCH_FIELD: return DecodeError::kMissingField;
    case simdjson::INCORRECT_TYPE:
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE: return DecodeError::kWrongType;
    case simdjson::EMPTY: return DecodeError::kEmpty;
    case simdjson::CAPACITY: return DecodeError::kTooLarge;
    default: return DecodeError::kBadJson;
  }
}

// Gives the parser a view of the payload with SIMDJSON_PADDING readable bytes after it:
// the caller's buffer when it has them, else a copy in a reusable buffer (which grows to
// the largest payload seen and then stays). One owner, one thread.
class PaddedInput {
 public:
  // The bytes to parse: `payload.data()` or the copy. Sets `copied` when it copied.
  const char* prepare(std::string_view payload, size_t capacity, bool& copied) {
    copied = capacity < payload.size() || capacity - payload.size() < simdjson::SIMDJSON_PADDING;
    if (!copied) return payload.data();
    const size_t needed = payload.size() + simdjson::SIMDJSON_PADDING;
    if (buffer_.size() < needed) buffer_.resize(needed);
    if (!payload.empty()) std::memcpy(buffer_.data(), payload.data(), payload.size());
    return buffer_.data();
  }
  size_t capacity() const { return buffer_.size(); }

 private:
  std::vector<char> buffer_;
};

// Starts a document: iterates `len` bytes at `data` (padded) and opens the top-level object.
inline MaybeError open_object(simdjson::ondemand::parser& parser, const char* data, size_t len,
                              simdjson::ondemand::document& doc, simdjson::ondemand::object& object) {
  if (auto error = parser.iterate(data, len, len + simdjson::SIMDJSON_PADDING).get(doc)) {
    return reason_for(error);
  }
  const simdjson::error_code error = doc.get_object().get(object);
  if (error == simdjson::SUCCESS) return std::nullopt;
  if (error == simdjson::INCORRECT_TYPE) {
    // Valid JSON of another type (an array, a number) has a shape; "hello" has none.
    simdjson::ondemand::json_type type;
    return doc.type().get(type) == simdjson::SUCCESS ? DecodeError::kUnexpectedShape : DecodeError::kBadJson;
  }
  return reason_for(error);
}

// An exact, non-negative decimal at `scale`. Binance never sends negative prices or sizes.
inline bool parse_amount(std::string_view text, int scale, int64_t& units) {
  if (text.empty() || text.front() == '-') return false;
  core::Result<int64_t> parsed = core::parse_units(text, scale);
  if (!parsed) return false;
  units = *parsed;
  return true;
}

// The text of a JSON string value, without unescaping or copying it: the raw token (its
// length comes from stage 1's index of the next structural character), minus the quotes
// and any whitespace before that character. A decimal never needs escapes; one written
// with them (a backslash-u sequence) fails as bad_decimal.
inline MaybeError raw_string(simdjson::ondemand::value& value, std::string_view& text) {
  std::string_view token = value.raw_json_token();
  simdjson::ondemand::raw_json_string consumed;  // consumes the value; checks it is a string
  if (auto error = value.get_raw_json_string().get(consumed)) return reason_for(error);
  while (token.size() > 2 &&
         (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' || token.back() == '\t')) {
    token.remove_suffix(1);
  }
  // Anything else between the closing quote and the next ',' ']' '}' is not JSON.
  if (token.size() < 2 || token.back() != '"') return DecodeError::kBadJson;
  text = token.substr(1, token.size() - 2);
  return std::nullopt;
}

// Reads a string field and parses it as an amount.
template <class Amount>
MaybeError read_amount(simdjson::ondemand::object& object, std::string_view key, int scale, Amount& out) {
  simdjson::ondemand::value value;
  if (auto error = object.find_field_unordered(key).get(value)) return reason_for(error);
  std::string_view text;
  if (MaybeError error = raw_string(value, text)) return error;
  int64_t units = 0;
  if (!parse_amount(text, scale, units)) return DecodeError::kBadDecimal;
  out = Amount(units);
  return std::nullopt;
}

// Parses Binance's level list [["price","qty"],...] into `levels` (cleared first), order
// kept. More than `max_levels` entries, or an entry that is not a pair, is kUnexpectedShape.
inline MaybeError parse_levels(simdjson::ondemand::value value, const core::SymbolScale& scale,
                               size_t max_levels, std::vector<core::Level>& levels) {
  levels.clear();
  simdjson::ondemand::array array;
  if (auto error = value.get_array().get(array)) return reason_for(error);
  for (auto item : array) {
    simdjson::ondemand::array pair;
    if (auto error = item.get_array().get(pair)) return reason_for(error);
    std::string_view texts[2];
    size_t count = 0;
    for (auto element : pair) {
      if (count == 2) return DecodeError::kUnexpectedShape;
      simdjson::ondemand::value text;
      if (auto error = element.get(text)) return reason_for(error);
      if (MaybeError error = raw_string(text, texts[count])) return error;
      ++count;
    }
    if (count != 2) return DecodeError::kUnexpectedShape;
    if (levels.size() >= max_levels) return DecodeError::kUnexpectedShape;
    int64_t price = 0;
    int64_t qty = 0;
    if (!parse_amount(texts[0], scale.price_scale, price) || !parse_amount(texts[1], scale.qty_scale, qty)) {
      return DecodeError::kBadDecimal;
    }
    levels.push_back(core::Level{core::Price(price), core::Qty(qty)});
  }
  return std::nullopt;
}

// Appends `text` as a JSON string literal (quotes, backslashes and control characters
// escaped; other bytes, UTF-8 included, as they are). For the requests Phoenix writes.
inline void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x",
                        static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace phoenix::binance::json_internal
