#pragma once

// Best bid and offer of one symbol, kept from bookTicker events.

#include <cstdint>
#include <optional>

#include "core/decimal.h"
#include "core/market_data.h"

namespace phoenix::md {

// The top of book of one symbol (Binance bookTicker). A side with a zero quantity or a
// non-positive price is absent (Binance sends "0.00000000" for an empty side).
//
// apply() keeps the book monotonic in update_id: an event older than the last applied one
// is ignored and counted (a reordered or replayed message); an equal id is applied again
// (it carries the same prices, so it is harmless). After a reconnect to a server whose ids
// may restart (a restarted simulator), the owner calls reset().
//
// Owned by the md feed (one per symbol); used only on the event-loop thread; no locks, no
// allocation.
class TopOfBook {
 public:
  enum class ApplyResult : uint8_t {
    kApplied,  // the book now shows this event
    kOlder,    // update_id older than the last applied: ignored, counted
  };

  ApplyResult apply(const core::BookTicker& ticker);

  // Forgets everything but the counters: the next event is applied whatever its id.
  void reset();

  // True once an event has been applied (since construction or reset()).
  bool valid() const { return valid_; }
  uint64_t update_id() const { return update_id_; }

  bool has_bid() const { return valid_ && bid_qty_.units() > 0 && bid_price_.units() > 0; }
  bool has_ask() const { return valid_ && ask_qty_.units() > 0 && ask_price_.units() > 0; }
  // Prices and quantities as last received (zero when the side is absent).
  core::Price bid_price() const { return has_bid() ? bid_price_ : core::Price{}; }
  core::Qty bid_qty() const { return has_bid() ? bid_qty_ : core::Qty{}; }
  core::Price ask_price() const { return has_ask() ? ask_price_ : core::Price{}; }
  core::Qty ask_qty() const { return has_ask() ? ask_qty_ : core::Qty{}; }

  // (bid + ask) / 2 in price units, rounded down; nullopt unless both sides are present.
  std::optional<core::Price> mid() const;
  // ask - bid in price units (negative when crossed); nullopt unless both sides are present.
  std::optional<core::Price> spread() const;

  // Events ignored because their update_id was older than the last applied one.
  uint64_t older_ignored() const { return older_ignored_; }
  uint64_t applied() const { return applied_; }

 private:
  core::Price bid_price_;
  core::Qty bid_qty_;
  core::Price ask_price_;
  core::Qty ask_qty_;
  uint64_t update_id_ = 0;
  uint64_t older_ignored_ = 0;
  uint64_t applied_ = 0;
  bool valid_ = false;
};

}  // namespace phoenix::md
