#pragma once

// Binance spot error codes: what the order gateway must do after each one
// (core::FailureAction), and each code's name for logs. The codes and their meanings are
// from docs (../shared/reference/binance-spot-api.md §7 and Binance's errors.md); the
// message text never decides anything here (messages may change, codes do not).
//
// Pure functions; any thread.

#include <string_view>

#include "core/orders.h"

namespace phoenix::binance {

using core::to_string;  // RequestKind, FailureAction (core/orders.h)

// What to do after a request of `kind` failed with Binance `code` (0 when the response
// had none, e.g. a timeout) and `http_status` (0 on the WS API when unknown).
//   - 418 (or -1003 with 418)                 → kBanned
//   - 429, -1003, -1015, -1008                → kRetryLater
//   - -1021                                   → kResyncTime
//   - -1000/-1001/-1006/-1007, 5xx, 0+0       → kUnknown (the outcome is not known)
//   - -2011/-2013 (and -2038 "unknown order") → kOrderGone for cancel/query/amend
//   - -2014/-2015/-1022/-1002/-2039?          → kHalt (keys, signature, permissions)
//   - -2010, -1013, -11xx parameter errors    → kRejected
// Unknown codes: kUnknown for 5xx, else kRejected when 4xx, else kUnknown.
core::FailureAction classify_failure(core::RequestKind kind, int code, int http_status);

// Binance's name for `code` ("NEW_ORDER_REJECTED" for -2010), "UNKNOWN_CODE" when not
// known, "NONE" for 0.
std::string_view error_name(int code);

}  // namespace phoenix::binance
