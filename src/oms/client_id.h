#pragma once

// Client order ids for our orders: "<prefix>-<start>-<counter>", where <start> is the
// wall-clock millisecond the generator was created, in base 36, and <counter> counts up
// from 1 in base 36. Unique within a run (the counter) and across restarts (the start
// time, unless two runs start in the same millisecond). Only [A-Za-z0-9-] and at most
// 12 + 1 + 8 + 1 + 13 = 35 characters. Owned by the OrderManager; one thread.

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/orders.h"

namespace phoenix::oms {

class ClientIdGenerator {
 public:
  static constexpr size_t kMaxPrefixSize = 12;

  // nullopt when the prefix is not 1..12 characters of [A-Za-z0-9_-] or start_ms < 0.
  static std::optional<ClientIdGenerator> create(std::string_view prefix, int64_t start_wall_ms);

  // The next id; never allocates.
  core::ClientOrderId next();

  // Whether `id` was made by a generator with this prefix (this run or an earlier one).
  bool is_ours(const core::ClientOrderId& id) const;

  std::string_view prefix() const { return {head_, prefix_size_}; }

 private:
  ClientIdGenerator() = default;

  char head_[core::ClientOrderId::kMaxSize] = {};  // "<prefix>-<start>-"
  size_t prefix_size_ = 0;
  size_t head_size_ = 0;
  uint64_t counter_ = 0;
};

// Writes `value` in base 36 (0-9a-z) into `out` (at least 13 chars); returns the length.
size_t to_base36(uint64_t value, char* out);

}  // namespace phoenix::oms
