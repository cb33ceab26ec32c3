#pragma once

// A full-depth price-level book of one symbol: bids and asks with absolute quantities.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/decimal.h"
#include "core/market_data.h"

namespace phoenix::md {

enum class BookSide : uint8_t { kBid, kAsk };

// The levels of one side, best first, without copying: view[0] is the best level.
// Valid until the book is next changed. Value type; same thread as the book.
class LevelsView {
 public:
  LevelsView() = default;
  // `worst_to_best`: levels stored with the best one last (how DepthBook keeps them).
  explicit LevelsView(std::span<const core::Level> worst_to_best) : levels_(worst_to_best) {}

  size_t size() const { return levels_.size(); }
  bool empty() const { return levels_.empty(); }
  // i = 0 is the best level; i < size().
  const core::Level& operator[](size_t i) const { return levels_[levels_.size() - 1 - i]; }
  // Iterates best first.
  auto begin() const { return levels_.rbegin(); }
  auto end() const { return levels_.rend(); }

 private:
  std::span<const core::Level> levels_;
};

// What apply() did to the book.
enum class LevelChange : uint8_t {
  kInserted,  // a new price level
  kUpdated,   // an existing level's quantity changed (or was set to the same value)
  kRemoved,   // qty 0 removed an existing level
  kNoop,      // qty 0 for a level the book does not have (a no-op by Binance's rules)
  kDropped,   // a new level worse than every level of a full side (see max_levels_per_side)
  kInvalid,   // price <= 0 or qty < 0: ignored
};

// Bids (descending) and asks (ascending) of one symbol with Binance's absolute-quantity
// semantics: apply() sets a level's quantity, qty 0 removes it, and removing an absent
// level is a no-op. No notion of update ids: DepthSync decides what may be applied.
//
// Layout and cost: each side is one sorted std::vector<core::Level> stored worst level
// first, best level last, so the levels that change most (near the top) sit at the end of
// the vector. Finding a price walks down from the top for up to 32 levels and
// binary-searches the rest: O(d) for a level d <= 32 places from the top, O(log n) deeper.
// Inserting or erasing moves only the levels between it and the top: O(d). A typical diff
// of 1-20 levels near the top of a 1000-level book therefore never touches the deep book:
// ~22 ns per level here, half the cost of a std::map per side (BM_DepthBookApplyDiff vs
// BM_MapBookApplyDiff in bench/md_bench.cc). Loading a snapshot is O(n) (O(n log n) if it
// arrives unsorted). Both sides are reserved up front (max_levels_per_side), so no update
// allocates; a side that is full drops its worst level to make room for a better one
// (levels that deep are beyond any snapshot Binance serves and are partial anyway),
// counted in dropped_levels().
//
// Owned by its DepthSync (or a test/bench); used on one thread (the event loop); no locks.
class DepthBook {
 public:
  static constexpr size_t kDefaultMaxLevelsPerSide = 10000;

  explicit DepthBook(size_t max_levels_per_side = kDefaultMaxLevelsPerSide);

  // Sets the quantity of one level (absolute; 0 removes).
  LevelChange apply(BookSide side, const core::Level& level);
  // Applies every level of a diff (bids then asks). Returns the number of invalid levels
  // (price <= 0 or qty < 0), which were skipped.
  size_t apply_levels(std::span<const core::Level> bids, std::span<const core::Level> asks);

  // Replaces the whole book with a snapshot's levels (each side best first, as Binance
  // sends them; an unsorted side is sorted, zero quantities and invalid levels skipped,
  // duplicate prices keep the last). Levels beyond max_levels_per_side (the worst) are
  // dropped.
  void load(std::span<const core::Level> bids, std::span<const core::Level> asks);

  void clear();

  // Best levels; nullopt for an empty side.
  std::optional<core::Level> best_bid() const;
  std::optional<core::Level> best_ask() const;
  // Best level first; the whole side, or its first n levels.
  LevelsView bids() const { return LevelsView(bids_); }
  LevelsView asks() const { return LevelsView(asks_); }
  LevelsView top_bids(size_t n) const;
  LevelsView top_asks(size_t n) const;
  LevelsView levels(BookSide side) const { return side == BookSide::kBid ? bids() : asks(); }

  // True when both sides are present and best bid >= best ask: impossible on a real
  // exchange, so after a full apply it means the book is out of sync.
  bool crossed() const;

  size_t bid_levels() const { return bids_.size(); }
  size_t ask_levels() const { return asks_.size(); }
  bool empty() const { return bids_.empty() && asks_.empty(); }
  size_t max_levels_per_side() const { return max_levels_; }
  // New levels dropped or worst levels evicted because a side was full.
  uint64_t dropped_levels() const { return dropped_levels_; }

 private:
  LevelChange apply_side(std::vector<core::Level>& side, bool higher_is_better, const core::Level& level);
  void load_side(std::vector<core::Level>& side, bool higher_is_better, std::span<const core::Level> levels);

  std::vector<core::Level> bids_;  // ascending price: best (highest) last
  std::vector<core::Level> asks_;  // descending price: best (lowest) last
  size_t max_levels_;
  uint64_t dropped_levels_ = 0;
};

}  // namespace phoenix::md
