#include "md/depth_sync.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "telemetry/log.h"
#include "telemetry/metrics.h"

namespace phoenix::md {

using telemetry::log_event;
using telemetry::LogLevel;

std::string_view to_string(ResyncReason reason) {
  switch (reason) {
    case ResyncReason::kGap: return "gap";
    case ResyncReason::kCrossed: return "crossed";
    case ResyncReason::kSnapshotTooOld: return "snapshot_too_old";
    case ResyncReason::kBufferOverflow: return "buffer_overflow";
    case ResyncReason::kReconnect: return "reconnect";
  }
  return "unknown";
}

DepthSync::DepthSync(core::SymbolId symbol, std::string symbol_name, const core::Clock& clock,
                     telemetry::Registry* registry, DepthSyncOptions options)
    : symbol_(symbol),
      symbol_name_(std::move(symbol_name)),
      clock_(clock),
      options_(options),
      book_(options.max_levels_per_side),
      sync_started_ns_(clock.monotonic_ns()) {
  buffer_.reserve(options_.max_buffered_events);
  buffer_levels_.reserve(options_.max_buffered_levels);
  if (registry != nullptr) {
    for (size_t i = 0; i < kResyncReasonCount; ++i) {
      resync_counters_[i] = &registry->counter(
          "phoenix_md_book_resyncs_total", "Depth book resyncs (book discarded), by reason",
          {{"symbol", symbol_name_}, {"reason", to_string(static_cast<ResyncReason>(i))}});
    }
  }
}

uint64_t DepthSync::resyncs_total() const {
  uint64_t total = 0;
  for (uint64_t n : resyncs_) total += n;
  return total;
}

SyncEvents DepthSync::on_diff(const core::DepthDiff& diff) {
  SyncEvents out;
  if (diff.final_update_id < diff.first_update_id) {
    ++stats_.invalid_diffs;
    return out;
  }
  if (state_ == SyncState::kAwaitingSnapshot) {
    buffer_diff(diff, out);
    return out;
  }
  switch (apply_synced(diff.first_update_id, diff.final_update_id, diff.bids, diff.asks)) {
    case Applied::kApplied: out.book_changed = true; break;
    case Applied::kStale:
    case Applied::kDuplicate: break;
    case Applied::kGap:
      restart(ResyncReason::kGap, book_id_, diff.first_update_id, out);
      buffer_diff(diff, out);  // the first diff after the hole starts the new buffer
      break;
    case Applied::kCrossed:
      // The book was wrong before this diff (or the diff is); the diff itself continues the
      // sequence, so it starts the new buffer.
      restart(ResyncReason::kCrossed, book_id_, diff.first_update_id, out);
      buffer_diff(diff, out);
      break;
  }
  return out;
}

DepthSync::Applied DepthSync::apply_synced(uint64_t first_id, uint64_t final_id,
                                           std::span<const core::Level> bids,
                                           std::span<const core::Level> asks) {
  if (final_id < book_id_) {
    ++stats_.stale_diffs;
    return Applied::kStale;
  }
  if (final_id == book_id_) {
    ++stats_.duplicate_diffs;
    return Applied::kDuplicate;
  }
  if (first_id > book_id_ + 1) return Applied::kGap;
  stats_.invalid_levels += book_.apply_levels(bids, asks);
  book_id_ = final_id;
  ++stats_.diffs_applied;
  return book_.crossed() ? Applied::kCrossed : Applied::kApplied;
}

void DepthSync::buffer_diff(const core::DepthDiff& diff, SyncEvents& out) {
  if (!buffer_.empty()) {
    const BufferedDiff& last = buffer_.back();
    if (diff.final_update_id <= last.final_id) {  // a duplicate or an older diff
      ++(diff.final_update_id == last.final_id ? stats_.duplicate_diffs : stats_.stale_diffs);
      return;
    }
    if (diff.first_update_id > last.final_id + 1) {
      // A hole inside the buffer: what came before it is useless. Start again from here.
      restart(ResyncReason::kGap, last.final_id, diff.first_update_id, out);
    }
  }
  const size_t levels = diff.bids.size() + diff.asks.size();
  if (buffer_.size() >= options_.max_buffered_events ||
      buffer_levels_.size() + levels > options_.max_buffered_levels) {
    restart(ResyncReason::kBufferOverflow, 0,
            buffer_.empty() ? diff.first_update_id : buffer_.front().first_id, out);
    if (levels > options_.max_buffered_levels) return;  // cannot be buffered at all
  }
  BufferedDiff b{};
  b.first_id = diff.first_update_id;
  b.final_id = diff.final_update_id;
  b.bids_begin = static_cast<uint32_t>(buffer_levels_.size());
  b.bids_count = static_cast<uint32_t>(diff.bids.size());
  buffer_levels_.insert(buffer_levels_.end(), diff.bids.begin(), diff.bids.end());
  b.asks_begin = static_cast<uint32_t>(buffer_levels_.size());
  b.asks_count = static_cast<uint32_t>(diff.asks.size());
  buffer_levels_.insert(buffer_levels_.end(), diff.asks.begin(), diff.asks.end());
  buffer_.push_back(b);
  ++stats_.diffs_buffered;
  maybe_request(out);
}

void DepthSync::maybe_request(SyncEvents& out) {
  if (state_ != SyncState::kAwaitingSnapshot || buffer_.empty() || snapshot_outstanding_ || hold_requests_)
    return;
  snapshot_outstanding_ = true;
  out.request_snapshot = true;
}

SyncEvents DepthSync::on_snapshot(const core::DepthSnapshot& snapshot) {
  SyncEvents out;
  snapshot_outstanding_ = false;
  if (state_ != SyncState::kAwaitingSnapshot || buffer_.empty()) {
    ++stats_.snapshots_discarded;
    maybe_request(out);
    return out;
  }
  const uint64_t last_id = snapshot.last_update_id;
  if (last_id < buffer_.front().first_id) {
    // Older than everything buffered: the diffs in between are lost. Fetch again.
    count_resync(ResyncReason::kSnapshotTooOld, last_id, buffer_.front().first_id, out);
    maybe_request(out);
    return out;
  }
  // Drop buffered diffs the snapshot already contains (u <= lastUpdateId).
  const auto first_kept = std::find_if(buffer_.begin(), buffer_.end(),
                                       [last_id](const BufferedDiff& b) { return b.final_id > last_id; });
  if (first_kept != buffer_.end() && first_kept->first_id > last_id + 1) {
    // Cannot happen with a contiguous buffer; kept as a guard.
    restart(ResyncReason::kGap, last_id, first_kept->first_id, out);
    return out;
  }
  book_.load(snapshot.bids, snapshot.asks);
  book_id_ = last_id;
  state_ = SyncState::kSynced;
  for (auto it = first_kept; it != buffer_.end(); ++it) {
    const Applied r = apply_synced(it->first_id, it->final_id, levels_of(it->bids_begin, it->bids_count),
                                   levels_of(it->asks_begin, it->asks_count));
    if (r == Applied::kGap || r == Applied::kCrossed) {
      restart(r == Applied::kGap ? ResyncReason::kGap : ResyncReason::kCrossed, book_id_, it->first_id, out);
      return out;
    }
  }
  buffer_.clear();
  buffer_levels_.clear();
  if (book_.crossed()) {  // a crossed snapshot with nothing after it
    restart(ResyncReason::kCrossed, book_id_, last_id, out);
    return out;
  }
  ++stats_.snapshots_loaded;
  hold_requests_ = false;
  out.synced = true;
  out.book_changed = true;
  log_event(LogLevel::kInfo, "md_book_synced", "symbol", std::string_view(symbol_name_), "last_update_id",
            book_id_, "levels_bid", book_.bid_levels(), "levels_ask", book_.ask_levels(), "sync_ms",
            std::chrono::nanoseconds(clock_.monotonic_ns() - sync_started_ns_));
  return out;
}

void DepthSync::on_snapshot_failed() {
  snapshot_outstanding_ = false;
  hold_requests_ = true;
}

SyncEvents DepthSync::request_snapshot() {
  SyncEvents out;
  hold_requests_ = false;
  maybe_request(out);
  return out;
}

SyncEvents DepthSync::reset(ResyncReason reason) {
  SyncEvents out;
  restart(reason, book_id_, 0, out);
  return out;
}

void DepthSync::count_resync(ResyncReason reason, uint64_t book_id, uint64_t first_update_id,
                             SyncEvents& out) {
  const auto i = static_cast<size_t>(reason);
  ++resyncs_[i];
  if (resync_counters_[i] != nullptr) resync_counters_[i]->inc();
  out.resync = reason;
  log_event(LogLevel::kWarn, "md_book_resync", "symbol", std::string_view(symbol_name_), "reason",
            to_string(reason), "book_id", book_id, "first_update_id", first_update_id);
}

void DepthSync::restart(ResyncReason reason, uint64_t book_id, uint64_t first_update_id, SyncEvents& out) {
  count_resync(reason, book_id, first_update_id, out);
  if (state_ == SyncState::kSynced) sync_started_ns_ = clock_.monotonic_ns();
  state_ = SyncState::kAwaitingSnapshot;
  book_.clear();
  book_id_ = 0;
  buffer_.clear();
  buffer_levels_.clear();
  out.book_changed = false;
}

std::span<const core::Level> DepthSync::levels_of(uint32_t begin, uint32_t count) const {
  return std::span<const core::Level>(buffer_levels_).subspan(begin, count);
}

}  // namespace phoenix::md
