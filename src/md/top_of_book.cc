#include "md/top_of_book.h"

namespace phoenix::md {

TopOfBook::ApplyResult TopOfBook::apply(const core::BookTicker& ticker) {
  if (valid_ && ticker.update_id < update_id_) {
    ++older_ignored_;
    return ApplyResult::kOlder;
  }
  bid_price_ = ticker.bid_price;
  bid_qty_ = ticker.bid_qty;
  ask_price_ = ticker.ask_price;
  ask_qty_ = ticker.ask_qty;
  update_id_ = ticker.update_id;
  valid_ = true;
  ++applied_;
  return ApplyResult::kApplied;
}

void TopOfBook::reset() {
  bid_price_ = core::Price{};
  bid_qty_ = core::Qty{};
  ask_price_ = core::Price{};
  ask_qty_ = core::Qty{};
  update_id_ = 0;
  valid_ = false;
}

std::optional<core::Price> TopOfBook::mid() const {
  if (!has_bid() || !has_ask()) return std::nullopt;
  const int64_t bid = bid_price_.units();
  const int64_t ask = ask_price_.units();
  // Both positive: bid + (ask - bid) / 2 cannot overflow. Floor, also when crossed.
  const int64_t diff = ask - bid;
  const int64_t half = diff >= 0 ? diff / 2 : -((-diff + 1) / 2);
  return core::Price(bid + half);
}

std::optional<core::Price> TopOfBook::spread() const {
  if (!has_bid() || !has_ask()) return std::nullopt;
  return core::Price(ask_price_.units() - bid_price_.units());
}

}  // namespace phoenix::md
