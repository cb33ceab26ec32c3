#pragma once

// A fixed-capacity hash map from ClientOrderId to an order's index in the OrderManager's
// pool: open addressing, linear probing, backward-shift deletion (no tombstones), load
// factor at most 1/2. Allocates once at construction, never after. Owned by the
// OrderManager; one thread.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/orders.h"

namespace phoenix::oms {

class OrderIndex {
 public:
  // Room for `max_entries` keys.
  explicit OrderIndex(size_t max_entries);

  // Inserts or overwrites; false when the map already holds max_entries other keys.
  bool insert(const core::ClientOrderId& id, int32_t value);
  // The value, or -1.
  int32_t find(const core::ClientOrderId& id) const;
  // Whether the key was there.
  bool erase(const core::ClientOrderId& id);
  size_t size() const { return size_; }

 private:
  struct Entry {
    core::ClientOrderId key;
    int32_t value = -1;  // -1 = empty
  };

  size_t home(const core::ClientOrderId& id) const { return core::ClientOrderIdHash{}(id)&mask_; }
  size_t position(const core::ClientOrderId& id) const;  // the key's entry, or the empty one ending its probe

  std::vector<Entry> table_;
  size_t mask_ = 0;
  size_t max_entries_ = 0;
  size_t size_ = 0;
};

}  // namespace phoenix::oms
