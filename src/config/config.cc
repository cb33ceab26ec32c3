#include "config/config.h"

#include <fmt/format.h>

namespace phoenix::config {

std::string_view to_string(Venue venue) {
  switch (venue) {
    case Venue::kLocal: return "local";
    case Venue::kBinance: return "binance";
    case Venue::kTestnet: return "testnet";
  }
  return "unknown";
}

std::string_view to_string(KeyType key_type) {
  switch (key_type) {
    case KeyType::kHmac: return "hmac";
    case KeyType::kEd25519: return "ed25519";
  }
  return "unknown";
}

std::string_view to_string(Compression compression) {
  switch (compression) {
    case Compression::kOff: return "off";
    case Compression::kNoContext: return "no_context";
    case Compression::kContext: return "context";
  }
  return "unknown";
}

std::string_view to_string(Stream stream) {
  switch (stream) {
    case Stream::kBookTicker: return "book_ticker";
    case Stream::kDepth: return "depth";
    case Stream::kTrade: return "trade";
    case Stream::kAggTrade: return "agg_trade";
  }
  return "unknown";
}

std::string_view to_string(FairPrice fair_price) {
  switch (fair_price) {
    case FairPrice::kMid: return "mid";
    case FairPrice::kMicro: return "micro";
  }
  return "unknown";
}

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace: return "trace";
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "unknown";
}

std::string_view to_string(OrphanPolicy policy) {
  switch (policy) {
    case OrphanPolicy::kCancel: return "cancel";
    case OrphanPolicy::kAdopt: return "adopt";
  }
  return "unknown";
}

std::string HostPort::to_string() const {
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

const SymbolConfig* Config::find_symbol(std::string_view symbol) const {
  for (const SymbolConfig& s : symbols) {
    if (s.symbol == symbol) return &s;
  }
  return nullptr;
}

}  // namespace phoenix::config
