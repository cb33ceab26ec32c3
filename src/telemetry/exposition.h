#pragma once

// Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/).
//
//   # HELP phoenix_ws_messages_total WebSocket messages received
//   # TYPE phoenix_ws_messages_total counter
//   phoenix_ws_messages_total{conn="market"} 1027
//
// Families sorted by name, each family's samples contiguous and sorted by labels; help
// escapes `\` and newline, label values escape `\`, `"` and newline; integers print as
// integers, doubles in shortest round-trip form, and +Inf, -Inf, NaN as Prometheus spells
// them. Histograms print cumulative `_bucket` samples ending with le="+Inf" (equal to
// `_count`), then `_sum` and `_count`. Free functions; any thread.

#include <span>
#include <string>
#include <string_view>

#include "telemetry/metrics.h"

namespace phoenix::telemetry {

// The HTTP Content-Type of the text format.
inline constexpr std::string_view kPrometheusTextContentType = "text/plain; version=0.0.4; charset=utf-8";

// The exposition of every family in `registry` (runs its collectors on the calling thread).
std::string expose(const Registry& registry);

// The exposition of already collected families, in the given order.
std::string format_text(std::span<const FamilySnapshot> families);

// A sample value as the format spells it: "42", "0.25", "1e-05", "+Inf", "-Inf", "NaN".
std::string format_value(double v);

// `s` with `\` → `\\`, `"` → `\"` and newline → `\n` (label values).
std::string escape_label_value(std::string_view s);
// `s` with `\` → `\\` and newline → `\n` (help text).
std::string escape_help(std::string_view s);

}  // namespace phoenix::telemetry
