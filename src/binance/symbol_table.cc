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

bool equal_folded(std::string_view upper, std::string_view text) {
  if (upper.size() != text.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (upper[i] != fold(text[i])) return false;
  }
  return true;
}

}  // namespace

uint32_t SymbolTable::hash(std::string_view symbol) {
  uint32_t h = 2166136261u;  // FNV-1a over the upper-cased bytes
  for (char c : symbol) {
    h ^= static_cast<uint8_t>(fold(c));
    h *= 16777619u;
  }
  return h;
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
  const auto id = static_cast<core::SymbolId>(entries_.size());
  entries_.push_back(std::move(entry));
  if (slots_.size() < entries_.size() * 2) {
    rebuild_slots();
  } else {
    const size_t mask = slots_.size() - 1;
    size_t slot = hash(entries_.back().upper) & mask;
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
    size_t slot = hash(entries_[id].upper) & mask;
    while (slots_[slot] != core::kNoSymbol) slot = (slot + 1) & mask;
    slots_[slot] = static_cast<core::SymbolId>(id);
  }
}

core::SymbolId SymbolTable::find(std::string_view symbol) const {
  if (slots_.empty()) return core::kNoSymbol;
  const size_t mask = slots_.size() - 1;
  for (size_t slot = hash(symbol) & mask;; slot = (slot + 1) & mask) {
    const core::SymbolId id = slots_[slot];
    if (id == core::kNoSymbol) return core::kNoSymbol;
    if (equal_folded(entries_[id].upper, symbol)) return id;
  }
}

}  // namespace phoenix::binance
