#pragma once

// Binance user-data events, as the WebSocket API delivers them after
// userDataStream.subscribe(.signature): wrapped {"subscriptionId":N,"event":{...}}, or
// bare {...} (the old stream shape), and serverShutdown as {"event":{"e":"serverShutdown",..}}.
//
//   executionReport          → core::OrderUpdate (x exec type, X status, c/C ids, i, S, p,
//                              q, z, Z, l, L, n, N, t, m, E, T)
//   outboundAccountPosition  → balances (free/locked, units of 10^-8)
//   balanceUpdate            → one asset's delta (units of 10^-8, may be negative)
//   eventStreamTerminated    → the subscription ended: subscribe again
//   serverShutdown           → reconnect now
// Other event types (listStatus, externalLockUpdate, ...) decode as kOther with their
// name, not as errors.

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "binance/order_symbols.h"
#include "core/orders.h"
#include "core/result.h"

namespace phoenix::binance {

struct UserDataEvent {
  enum class Kind : uint8_t {
    kExecutionReport,
    kAccountPosition,
    kBalanceUpdate,
    kStreamTerminated,
    kServerShutdown,
    kOther,
  };
  Kind kind = Kind::kOther;
  int64_t subscription_id = -1;  // -1 when the event was not wrapped or had none
  int64_t event_time_ms = 0;     // "E"
  std::string_view event_type;   // "e", as sent
  // kExecutionReport. For a cancel, order.client_id is the canceled order's id ("C") and
  // orig_client_id the same; for an amend (kReplaced) orig_client_id is "C" when it
  // differs from "c". `reject_reason` is "r" ("NONE", "WOULD_MATCH_IMMEDIATELY", ...).
  core::OrderUpdate order;
  std::string_view reject_reason;
  // kAccountPosition: the assets that may have changed (a partial snapshot).
  std::span<const core::AssetBalance> balances;
  // kBalanceUpdate: asset and delta (free_units = delta; locked_units = 0).
  core::AssetBalance balance_delta;
};

// Decodes user-data events (simdjson DOM, reusable parser). Views and spans in the event
// are valid until the next decode(). Owned by the order gateway; one thread.
// Errors (never crashes) on malformed input; an executionReport of a symbol the
// OrderSymbols' table does not know is an error with ErrorCode::kNotFound naming it.
class UserDataDecoder {
 public:
  explicit UserDataDecoder(const OrderSymbols& symbols);
  ~UserDataDecoder();
  UserDataDecoder(const UserDataDecoder&) = delete;
  UserDataDecoder& operator=(const UserDataDecoder&) = delete;

  core::Status decode(std::string_view payload, UserDataEvent& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phoenix::binance
