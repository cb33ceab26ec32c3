#pragma once

// Keeps one symbol's DepthBook in sync with Binance's diff-depth stream and REST snapshots.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/market_data.h"
#include "md/depth_book.h"

namespace phoenix::telemetry {
class Counter;
class Registry;
}  // namespace phoenix::telemetry

namespace phoenix::md {

// Why a book was discarded and a new snapshot is needed. The metric label is to_string().
enum class ResyncReason : uint8_t {
  kGap,             // a diff's U > book id + 1 (or the buffered diffs had a hole): updates were missed
  kCrossed,         // best bid >= best ask after an apply: the book is wrong
  kSnapshotTooOld,  // snapshot lastUpdateId < U of the first buffered diff: fetch again
  kBufferOverflow,  // too many diffs buffered while waiting for the snapshot
  kReconnect,       // the owner called reset() (the stream was lost)
};
inline constexpr size_t kResyncReasonCount = 5;

// "gap", "crossed", "snapshot_too_old", "buffer_overflow", "reconnect".
std::string_view to_string(ResyncReason reason);

enum class SyncState : uint8_t {
  kAwaitingSnapshot,  // buffering diffs until a usable snapshot arrives; book() is empty
  kSynced,            // book() is the exchange's book as of book_id()
};

struct DepthSyncOptions {
  // Buffer caps while awaiting a snapshot (diffs, and levels across them). Overflow drops
  // the buffer and restarts (reason buffer_overflow). Both are reserved up front.
  size_t max_buffered_events = 4096;
  size_t max_buffered_levels = 64 * 1024;
  size_t max_levels_per_side = DepthBook::kDefaultMaxLevelsPerSide;
};

// What the owner must know or do after a call. Several can be set at once (a gap both
// starts a resync and asks for a snapshot).
struct SyncEvents {
  bool book_changed = false;      // book() changed and is synced: consumers may read it
  bool synced = false;            // the book became synced during this call
  bool request_snapshot = false;  // fetch a snapshot now; answer with on_snapshot() or on_snapshot_failed()
  std::optional<ResyncReason> resync;  // the book was discarded (or a snapshot refused) for this reason
};

// Counts of what happened to diffs and snapshots (resyncs are in resyncs()).
struct DepthSyncStats {
  uint64_t diffs_applied = 0;        // live or buffered diffs applied to a synced book
  uint64_t diffs_buffered = 0;       // diffs buffered while awaiting a snapshot
  uint64_t stale_diffs = 0;          // ignored: u < book id (or older than the buffered ones)
  uint64_t duplicate_diffs = 0;      // ignored: u == book id (already applied)
  uint64_t invalid_diffs = 0;        // ignored: u < U
  uint64_t invalid_levels = 0;       // skipped inside applied diffs: price <= 0 or qty < 0
  uint64_t snapshots_loaded = 0;     // snapshots that produced a synced book
  uint64_t snapshots_discarded = 0;  // snapshots that arrived with nothing buffered, or while synced
};

// Binance's "how to manage a local order book" procedure (as corrected on 2025-11-12) for
// one symbol:
//
//   kAwaitingSnapshot: buffer every diff (contiguous: a diff whose U > last buffered u + 1
//     restarts the buffer from it, reason gap; an older one is ignored). The first buffered
//     diff makes on_diff() return request_snapshot: the owner GETs
//     /api/v3/depth?symbol=X&limit=N, decodes it, and calls on_snapshot() (or
//     on_snapshot_failed() and, after its own backoff, request_snapshot()).
//   on_snapshot(L = lastUpdateId): L < U of the first buffered diff -> refetch (reason
//     snapshot_too_old, request_snapshot again). Else drop buffered diffs with u <= L; the
//     first remaining one must have U <= L + 1 <= u (else restart, reason gap); load the
//     snapshot, book id = L, apply the remaining diffs -> kSynced.
//   kSynced, per diff: u < book id -> ignored (stale_diffs); u == book id -> ignored
//     (duplicate_diffs); U > book id + 1 -> gap: discard the book, count and log a resync,
//     buffer this diff and request a snapshot; else apply its levels, book id = u, and a
//     crossed book -> resync (reason crossed).
//
// Every resync is counted in phoenix_md_book_resyncs_total{symbol,reason} (when a
// registry is given; resyncs() counts either way) and logged as
// `md_book_resync symbol= reason= book_id= first_update_id=`; reaching sync is logged as
// `md_book_synced symbol= last_update_id= levels_bid= levels_ask= sync_ms=` (time since
// the (re)sync started).
//
// The owner may deliver a snapshot from an old request at any time: the rules above make
// any snapshot safe to evaluate. A snapshot that arrives while nothing is buffered is
// discarded (it cannot be checked); the next diff asks again.
//
// Steady state (synced) allocates nothing: the buffer and the book are reserved up front.
// Owned by the md feed, one per symbol; used only on the event-loop thread; no locks. The
// clock and registry must outlive it. Not copyable.
class DepthSync {
 public:
  DepthSync(core::SymbolId symbol, std::string symbol_name, const core::Clock& clock,
            telemetry::Registry* registry = nullptr, DepthSyncOptions options = {});
  DepthSync(const DepthSync&) = delete;
  DepthSync& operator=(const DepthSync&) = delete;

  // A diff-depth event for this symbol (its spans are copied if buffered).
  SyncEvents on_diff(const core::DepthDiff& diff);
  // The decoded REST snapshot answering a request.
  SyncEvents on_snapshot(const core::DepthSnapshot& snapshot);
  // The snapshot request failed (HTTP error, timeout, 429). No new request is made until
  // the owner calls request_snapshot() (after its backoff / Retry-After).
  void on_snapshot_failed();
  // Asks for a snapshot again after on_snapshot_failed(): returns request_snapshot when one
  // is needed now (diffs are buffered); otherwise the next diff will ask.
  SyncEvents request_snapshot();
  // The stream was lost (disconnect): discard the book and the buffer and start over,
  // counted as a resync with `reason`.
  SyncEvents reset(ResyncReason reason = ResyncReason::kReconnect);

  SyncState state() const { return state_; }
  bool synced() const { return state_ == SyncState::kSynced; }
  // The book; meaningful only while synced().
  const DepthBook& book() const { return book_; }
  // The id of the last update reflected in book() (Binance's "book id").
  uint64_t book_id() const { return book_id_; }
  // True between a request_snapshot and the matching on_snapshot()/on_snapshot_failed().
  bool snapshot_outstanding() const { return snapshot_outstanding_; }
  size_t buffered_events() const { return buffer_.size(); }

  core::SymbolId symbol() const { return symbol_; }
  const std::string& symbol_name() const { return symbol_name_; }
  uint64_t resyncs(ResyncReason reason) const { return resyncs_[static_cast<size_t>(reason)]; }
  uint64_t resyncs_total() const;
  const DepthSyncStats& stats() const { return stats_; }

 private:
  struct BufferedDiff {
    uint64_t first_id;
    uint64_t final_id;
    uint32_t bids_begin;
    uint32_t bids_count;
    uint32_t asks_begin;
    uint32_t asks_count;
  };
  enum class Applied : uint8_t { kApplied, kStale, kDuplicate, kGap, kCrossed };

  Applied apply_synced(uint64_t first_id, uint64_t final_id, std::span<const core::Level> bids,
                       std::span<const core::Level> asks);
  // Buffers a diff while awaiting; may restart on a gap or overflow (reported in `out`)
  // and sets out.request_snapshot when a request should start.
  void buffer_diff(const core::DepthDiff& diff, SyncEvents& out);
  void maybe_request(SyncEvents& out);
  // Counts and logs a resync, discards the book and the buffer, and returns to awaiting.
  void restart(ResyncReason reason, uint64_t book_id, uint64_t first_update_id, SyncEvents& out);
  void count_resync(ResyncReason reason, uint64_t book_id, uint64_t first_update_id, SyncEvents& out);
  std::span<const core::Level> levels_of(uint32_t begin, uint32_t count) const;

  core::SymbolId symbol_;
  std::string symbol_name_;
  const core::Clock& clock_;
  DepthSyncOptions options_;
  DepthBook book_;
  SyncState state_ = SyncState::kAwaitingSnapshot;
  uint64_t book_id_ = 0;
  bool snapshot_outstanding_ = false;
  bool hold_requests_ = false;  // after on_snapshot_failed(), until request_snapshot()
  int64_t sync_started_ns_ = 0;
  std::vector<BufferedDiff> buffer_;
  std::vector<core::Level> buffer_levels_;
  std::array<uint64_t, kResyncReasonCount> resyncs_{};
  std::array<telemetry::Counter*, kResyncReasonCount> resync_counters_{};
  DepthSyncStats stats_;
};

}  // namespace phoenix::md
