#pragma once

// OrderSymbols: what the order-entry decoders need to know about each configured symbol
// beyond its SymbolTable entry: the base and quote asset names (to tell which asset a
// commission was charged in) and the scale of quote amounts (cummulativeQuoteQty, "Z").
//
// Built at start-up (from config or exchangeInfo) and then read-only; owned by the
// trading instance next to the SymbolTable it refers to, which must outlive it. set() is
// start-up only; the const methods are any-thread once building is done.

#include <string>
#include <string_view>
#include <vector>

#include "binance/symbol_table.h"
#include "core/market_data.h"

namespace phoenix::binance {

class OrderSymbols {
 public:
  struct Assets {
    std::string base;   // "ETH"
    std::string quote;  // "USDC"
    int quote_scale;    // 8 unless set otherwise
  };

  explicit OrderSymbols(const SymbolTable& table) : table_(table) {}

  // Records `id`'s assets (id < table().size()).
  void set(core::SymbolId id, std::string_view base, std::string_view quote, int quote_scale = 8) {
    if (assets_.size() <= id) assets_.resize(static_cast<size_t>(id) + 1, kNone);
    assets_[id] = Assets{std::string(base), std::string(quote), quote_scale};
  }

  const SymbolTable& table() const { return table_; }
  // The assets of `id`; empty names (and scale 8) when never set.
  const Assets& assets(core::SymbolId id) const { return id < assets_.size() ? assets_[id] : kNone; }

 private:
  static inline const Assets kNone{{}, {}, 8};
  const SymbolTable& table_;
  std::vector<Assets> assets_;
};

}  // namespace phoenix::binance
