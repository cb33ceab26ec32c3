#pragma once

// Request parameters as the exchange reads them: from a URL query string or an
// application/x-www-form-urlencoded body (percent-decoded, '+' as space), or from a
// WebSocket-API "params" object (already decoded). Lookup returns the first occurrence,
// so a REST request that adds the query's parameters before the body's gets Binance's
// rule "the query string wins". Value type; single-threaded use.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace phoenix::sim {

// Decodes %XX escapes (and '+' as a space when `plus_is_space`); an error on a
// truncated or non-hex escape.
core::Result<std::string> percent_decode(std::string_view text, bool plus_is_space = true);
// Encodes everything except unreserved characters (A-Z a-z 0-9 - _ . ~) as %XX.
std::string percent_encode(std::string_view text);

class Params {
 public:
  // Parses "a=1&b=x%20y"; empty pieces are skipped; a piece without '=' has an empty
  // value. Errors: a bad escape, or the same name twice (Binance's -1101).
  static core::Result<Params> parse_form(std::string_view text);

  void add(std::string name, std::string value) { items_.emplace_back(std::move(name), std::move(value)); }
  // Appends `other`'s parameters whose names are not present yet.
  void merge_missing(const Params& other);

  // The first value of `name`, or null.
  const std::string* find(std::string_view name) const;
  bool has(std::string_view name) const { return find(name) != nullptr; }
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }
  bool empty() const { return items_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

}  // namespace phoenix::sim
