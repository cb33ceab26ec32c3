#include "md/depth_book.h"

#include <algorithm>
#include <iterator>

namespace phoenix::md {
namespace {

// Levels are ordered by a key that grows toward the best price: the price itself on the
// bid side, its negation on the ask side. Prices are > 0, so the negation cannot overflow.
inline int64_t key_of(int64_t price_units, bool higher_is_better) {
  return higher_is_better ? price_units : -price_units;
}

// Levels the search walks down from the top before switching to a binary search.
constexpr size_t kTopWindow = 32;

// The first index whose key is >= `key` in `side` (sorted by ascending key, best last).
// Walks down from the top (where most changes are) for up to kTopWindow levels, then
// binary-searches the rest.
template <bool kHigherIsBetter>
size_t lower_position(const std::vector<core::Level>& side, int64_t key) {
  size_t i = side.size();
  const size_t stop = i > kTopWindow ? i - kTopWindow : 0;
  while (i > stop && key_of(side[i - 1].price.units(), kHigherIsBetter) >= key) --i;
  if (i > stop || stop == 0) return i;
  const auto end = side.begin() + static_cast<std::ptrdiff_t>(stop);
  const auto it = std::lower_bound(side.begin(), end, key, [](const core::Level& l, int64_t k) {
    return key_of(l.price.units(), kHigherIsBetter) < k;
  });
  return static_cast<size_t>(it - side.begin());
}

}  // namespace

DepthBook::DepthBook(size_t max_levels_per_side) : max_levels_(std::max<size_t>(max_levels_per_side, 1)) {
  bids_.reserve(max_levels_);
  asks_.reserve(max_levels_);
}

LevelChange DepthBook::apply(BookSide side, const core::Level& level) {
  return side == BookSide::kBid ? apply_side(bids_, true, level) : apply_side(asks_, false, level);
}

LevelChange DepthBook::apply_side(std::vector<core::Level>& side, bool higher_is_better,
                                  const core::Level& level) {
  const int64_t price = level.price.units();
  const int64_t qty = level.qty.units();
  if (price <= 0 || qty < 0) return LevelChange::kInvalid;
  const int64_t key = key_of(price, higher_is_better);
  size_t pos = higher_is_better ? lower_position<true>(side, key) : lower_position<false>(side, key);
  const bool exists = pos < side.size() && side[pos].price.units() == price;
  const auto at = [&side](size_t i) { return side.begin() + static_cast<std::ptrdiff_t>(i); };
  if (qty == 0) {
    if (!exists) return LevelChange::kNoop;
    side.erase(at(pos));
    return LevelChange::kRemoved;
  }
  if (exists) {
    side[pos].qty = level.qty;
    return LevelChange::kUpdated;
  }
  if (side.size() >= max_levels_) {
    ++dropped_levels_;
    if (pos == 0) return LevelChange::kDropped;  // worse than every level we keep
    side.erase(side.begin());                    // evict the worst to keep capacity
    --pos;
  }
  side.insert(at(pos), level);
  return LevelChange::kInserted;
}

size_t DepthBook::apply_levels(std::span<const core::Level> bids, std::span<const core::Level> asks) {
  size_t invalid = 0;
  for (const core::Level& l : bids) invalid += apply_side(bids_, true, l) == LevelChange::kInvalid ? 1u : 0u;
  for (const core::Level& l : asks) invalid += apply_side(asks_, false, l) == LevelChange::kInvalid ? 1u : 0u;
  return invalid;
}

void DepthBook::load(std::span<const core::Level> bids, std::span<const core::Level> asks) {
  load_side(bids_, true, bids);
  load_side(asks_, false, asks);
}

void DepthBook::load_side(std::vector<core::Level>& side, bool higher_is_better,
                          std::span<const core::Level> levels) {
  side.clear();
  // Snapshots list the best level first; we store it last.
  bool too_many = false;
  for (auto it = levels.rbegin(); it != levels.rend(); ++it) {
    if (it->price.units() <= 0 || it->qty.units() <= 0) continue;
    if (side.size() == max_levels_) {  // never reallocate: redo it below
      too_many = true;
      break;
    }
    side.push_back(*it);
  }
  const auto less = [higher_is_better](const core::Level& a, const core::Level& b) {
    return key_of(a.price.units(), higher_is_better) < key_of(b.price.units(), higher_is_better);
  };
  const bool sorted_unique =
      std::adjacent_find(side.begin(), side.end(),
                         [&less](const auto& a, const auto& b) { return !less(a, b); }) == side.end();
  if (too_many || !sorted_unique) {
    // Rare: an unsorted snapshot, or one larger than the side's capacity. Redo it the slow
    // way, best levels kept, the last quantity of a repeated price winning.
    std::vector<core::Level> all;
    all.reserve(levels.size());
    for (const core::Level& l : levels) {
      if (l.price.units() > 0 && l.qty.units() > 0) all.push_back(l);
    }
    std::stable_sort(all.begin(), all.end(), less);
    // For equal prices keep the last one given: walk backwards, skip repeats.
    std::vector<core::Level> unique;
    unique.reserve(all.size());
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
      if (unique.empty() || unique.back().price != it->price) unique.push_back(*it);
    }
    std::reverse(unique.begin(), unique.end());  // ascending key again, best last
    const size_t keep = std::min(unique.size(), max_levels_);
    dropped_levels_ += unique.size() - keep;
    side.assign(unique.end() - static_cast<std::ptrdiff_t>(keep), unique.end());
  }
}

void DepthBook::clear() {
  bids_.clear();
  asks_.clear();
}

std::optional<core::Level> DepthBook::best_bid() const {
  if (bids_.empty()) return std::nullopt;
  return bids_.back();
}

std::optional<core::Level> DepthBook::best_ask() const {
  if (asks_.empty()) return std::nullopt;
  return asks_.back();
}

LevelsView DepthBook::top_bids(size_t n) const {
  const size_t k = std::min(n, bids_.size());
  return LevelsView(std::span<const core::Level>(bids_).last(k));
}

LevelsView DepthBook::top_asks(size_t n) const {
  const size_t k = std::min(n, asks_.size());
  return LevelsView(std::span<const core::Level>(asks_).last(k));
}

bool DepthBook::crossed() const {
  return !bids_.empty() && !asks_.empty() && bids_.back().price >= asks_.back().price;
}

}  // namespace phoenix::md
