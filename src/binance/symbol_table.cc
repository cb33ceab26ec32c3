#include "binance/symbol_table.h"

#include <string>

#include "core/decimal.h"
#include "core/error.h"

namespace phoenix::binance {
namespace {

constexpr size_t kMaxSymbolLength = 20;

char fold(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

bool is_symbol_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

}  // namespace

bool SymbolTable::make_key(std::string_view symbol, Key& key) {
  if (symbol.empty() || symbol.size() > 24) return false;
  key = Key{};
  key.size = symbol.size();
  for (size_t i = 0; i < symbol.size(); ++i) {
    key.words[i >> 3] |= uint64_t{static_cast<uint8_t>(symbol[i])} << (8 * (i & 7));
  }
  // ASCII upper case, eight bytes at a time: subtract 0x20 from every byte in 'a'..'z'.
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  for (uint64_t& w : key.words) {
    const uint64_t low7 = w & ~kHigh;
    const uint64_t at_least_a = low7 + kOnes * (0x80 - 'a');
    const uint64_t above_z = low7 + kOnes * (0x80 - 'z' - 1);
    const uint64_t is_lower = at_least_a & ~above_z & ~w & kHigh;
    w -= is_lower >> 2;
  }
  return true;
}

uint32_t SymbolTable::hash(const Key& key) {
  const uint64_t h = (key.words[0] * 0x9E3779B97F4A7C15ULL) ^ (key.words[1] * 0xC2B2AE3D27D4EB4FULL) ^
                     (key.words[2] * 0x165667B19E3779F9ULL) ^ key.size;
  return static_cast<uint32_t>(h >> 32) ^ static_cast<uint32_t>(h);
}

core::Result<core::SymbolId> SymbolTable::add(std::string_view symbol, core::SymbolScale scale) {
  if (symbol.empty() || symbol.size() > kMaxSymbolLength) {
    return core::Error{core::ErrorCode::kInvalidArgument,
                       "symbol must have 1 to 20 characters, got \"" + std::string(symbol) + "\""};
  }
  for (char c : symbol) {
    if (!is_symbol_char(c)) {
      return core::Error{core::ErrorCode::kInvalidArgument,
                         "symbol must match [A-Za-z0-9._-]{1,20}, got \"" + std::string(symbol) + "\""};
    }
  }
  if (scale.price_scale < 0 || scale.price_scale > core::kMaxScale || scale.qty_scale < 0 ||
      scale.qty_scale > core::kMaxScale) {
    return core::Error{core::ErrorCode::kOutOfRange,
                       "symbol " + std::string(symbol) + ": scales must be in [0, 18]"};
  }
  if (find(symbol) != core::kNoSymbol) {
    return core::Error{core::ErrorCode::kInvalidArgument, "symbol " + std::string(symbol) + " added twice"};
  }
  if (entries_.size() >= kMaxSymbols) {
    return core::Error{core::ErrorCode::kOutOfRange, "more than 4096 symbols"};
  }
  Entry entry;
  entry.scale = scale;
  for (char c : symbol) {
    entry.upper.push_back(fold(c));
    entry.lower.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
  }
  make_key(entry.upper, entry.key);
  const auto id = static_cast<core::SymbolId>(entries_.size());
  entries_.push_back(std::move(entry));
  if (slots_.size() < entries_.size() * 2) {
    rebuild_slots();
  } else {
    const size_t mask = slots_.size() - 1;
    size_t slot = hash(entries_.back().key) & mask;
    while (slots_[slot] != core::kNoSymbol) slot = (slot + 1) & mask;
    slots_[slot] = id;
  }
  return id;
}

void SymbolTable::rebuild_slots() {
  size_t size = 8;
  while (size < entries_.size() * 2) size *= 2;  // load factor <= 1/2
  slots_.assign(size, core::kNoSymbol);
  const size_t mask = size - 1;
  for (size_t id = 0; id < entries_.size(); ++id) {
    size_t slot = hash(entries_[id].key) & mask;
    while (slots_[slot] != core::kNoSymbol) slot = (slot + 1) & mask;
    slots_[slot] = static_cast<core::SymbolId>(id);
  }
}

core::SymbolId SymbolTable::find(std::string_view symbol) const {
  Key key;
  if (slots_.empty() || !make_key(symbol, key)) return core::kNoSymbol;
  const size_t mask = slots_.size() - 1;
  for (size_t slot = hash(key) & mask;; slot = (slot + 1) & mask) {
    const core::SymbolId id = slots_[slot];
    if (id == core::kNoSymbol) return core::kNoSymbol;
    if (entries_[id].key == key) return id;
  }
}

}  // namespace phoenix::binance
