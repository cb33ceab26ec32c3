#pragma once

// DepthSnapshotDecoder: decodes the REST order-book snapshot, GET /api/v3/depth,
//
//   {"lastUpdateId":1027024,"bids":[["4.00000000","431.00000000"],...],"asks":[...]}
//
// into a core::DepthSnapshot with exact fixed-point levels, best first as sent (up to
// 5000 per side). The body of a Binance error ({"code":-1121,"msg":"Invalid symbol."}) is
// reported as such.
//
// Owns a reusable simdjson parser and level buffers; the snapshot's spans point into them
// and are valid until the next decode(). Owned by the depth-sync code of one connection
// (src/md); one thread at a time. Snapshots are rare (start-up, resync), so errors carry
// a descriptive core::Error.

#include <cstddef>
#include <memory>
#include <string_view>

#include "core/market_data.h"
#include "core/result.h"

namespace phoenix::binance {

// Binance returns at most this many levels per side (limit=5000).
inline constexpr size_t kMaxRestDepthLevels = 5000;

class DepthSnapshotDecoder {
 public:
  explicit DepthSnapshotDecoder(size_t max_levels_per_side = kMaxRestDepthLevels);
  ~DepthSnapshotDecoder();
  DepthSnapshotDecoder(const DepthSnapshotDecoder&) = delete;
  DepthSnapshotDecoder& operator=(const DepthSnapshotDecoder&) = delete;

  // Decodes `body` for `symbol` at `scale`. `capacity` is the number of readable bytes at
  // body.data(); with less than body.size() + 64 (SIMDJSON_PADDING) the body is copied into
  // an internal padded buffer first. Errors (ErrorCode::kParse) start with the decode
  // reason label ("bad_decimal: bids[3]: ..."); a Binance error body is kRejected.
  core::Result<core::DepthSnapshot> decode(std::string_view body, size_t capacity, core::SymbolId symbol,
                                           const core::SymbolScale& scale);
  core::Result<core::DepthSnapshot> decode(std::string_view body, core::SymbolId symbol,
                                           const core::SymbolScale& scale) {
    return decode(body, body.size(), symbol, scale);
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phoenix::binance
