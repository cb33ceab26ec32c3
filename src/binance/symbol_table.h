#pragma once

// SymbolTable: the instance's symbols, by name and by SymbolId, with each symbol's
// fixed-point scale. The decoders use it to map the "s" field ("ETHUSDC") or a stream
// name's symbol ("ethusdc") to a SymbolId and to the scale its prices are parsed at.
//
// Built at start-up from the configured symbol list (ids are 0..N-1 in the order added),
// then read-only. Owned by the trading instance; it must outlive every decoder holding a
// reference. add() is start-up only (it allocates); the const methods are lock-free and
// allocation-free, and any number of threads may call them once building is done.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/market_data.h"
#include "core/result.h"

namespace phoenix::binance {

class SymbolTable {
 public:
  // More than any instance needs; keeps ids well below core::kNoSymbol.
  static constexpr size_t kMaxSymbols = 4096;

  SymbolTable() = default;

  // Adds a symbol (any case; stored as Binance writes it, upper case) and returns its id.
  // Errors on a name outside [A-Za-z0-9._-]{1,20}, a duplicate (case-insensitive), a scale
  // outside [0, core::kMaxScale], or more than kMaxSymbols symbols.
  core::Result<core::SymbolId> add(std::string_view symbol, core::SymbolScale scale);

  // The id of `symbol`, ASCII case-insensitive ("ETHUSDC" and "ethusdc" both match), or
  // core::kNoSymbol. A hash probe and one short compare.
  core::SymbolId find(std::string_view symbol) const;

  // The name as Binance writes it in payloads ("ETHUSDC"). `id` must be < size().
  std::string_view name(core::SymbolId id) const { return entries_[id].upper; }
  // The name as stream names write it ("ethusdc"). `id` must be < size().
  std::string_view stream_symbol(core::SymbolId id) const { return entries_[id].lower; }
  // The scale prices and quantities of `id` are parsed at. `id` must be < size().
  const core::SymbolScale& scale(core::SymbolId id) const { return entries_[id].scale; }

  size_t size() const { return entries_.size(); }

 private:
  // A name of 1..24 bytes, ASCII-upper-cased, packed little-endian into three words (zero
  // padded): hashing and comparing it takes a few word operations, no byte loop.
  struct Key {
    std::array<uint64_t, 3> words{};
    size_t size = 0;
    bool operator==(const Key&) const = default;
  };
  struct Entry {
    std::string upper;
    std::string lower;
    core::SymbolScale scale;
    Key key;
  };

  // False when `symbol` is empty or longer than 24 bytes (no symbol can match).
  static bool make_key(std::string_view symbol, Key& key);
  static uint32_t hash(const Key& key);
  void rebuild_slots();

  std::vector<Entry> entries_;
  std::vector<core::SymbolId> slots_;  // open addressing, power-of-two size, kNoSymbol = empty
};

}  // namespace phoenix::binance
