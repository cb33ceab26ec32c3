#include "oms/order_index.h"

namespace phoenix::oms {

OrderIndex::OrderIndex(size_t max_entries) : max_entries_(max_entries) {
  size_t cap = 16;
  while (cap < 2 * max_entries) cap *= 2;
  table_.resize(cap);
  mask_ = cap - 1;
}

size_t OrderIndex::position(const core::ClientOrderId& id) const {
  size_t i = home(id);
  while (table_[i].value >= 0 && !(table_[i].key == id)) i = (i + 1) & mask_;
  return i;
}

bool OrderIndex::insert(const core::ClientOrderId& id, int32_t value) {
  const size_t i = position(id);
  if (table_[i].value < 0) {
    if (size_ >= max_entries_) return false;
    ++size_;
    table_[i].key = id;
  }
  table_[i].value = value;
  return true;
}

int32_t OrderIndex::find(const core::ClientOrderId& id) const {
  if (id.empty()) return -1;
  return table_[position(id)].value;
}

bool OrderIndex::erase(const core::ClientOrderId& id) {
  size_t i = position(id);
  if (table_[i].value < 0) return false;
  // Backward shift: move later entries of the cluster into the hole when their home does
  // not lie cyclically in (hole, their position].
  size_t j = i;
  for (;;) {
    j = (j + 1) & mask_;
    if (table_[j].value < 0) break;
    const size_t h = home(table_[j].key);
    const bool stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
    if (!stays) {
      table_[i] = table_[j];
      i = j;
    }
  }
  table_[i].value = -1;
  table_[i].key = core::ClientOrderId{};
  --size_;
  return true;
}

}  // namespace phoenix::oms
