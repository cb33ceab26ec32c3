#pragma once

// Helpers for the risk unit tests only.

#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "core/decimal.h"
#include "telemetry/exposition.h"
#include "telemetry/metrics.h"

namespace phoenix::risk::testing {

// The value text of one series in the registry's exposition, e.g.
// sample(reg, R"(phoenix_kill_switch{reason="manual"})") → "1"; nullopt when absent.
inline std::optional<std::string> sample(const telemetry::Registry& registry, std::string_view series) {
  std::istringstream lines(telemetry::expose(registry));
  for (std::string line; std::getline(lines, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ')
      return line.substr(series.size() + 1);
  }
  return std::nullopt;
}

// Exact decimal text → units of 10^-scale (test input; aborts the test on bad text via 0).
inline int64_t units(std::string_view text, int scale = 8) {
  auto v = core::parse_units(text, scale);
  return v ? *v : INT64_MIN;
}

inline core::Price price(std::string_view text, int scale = 2) { return core::Price(units(text, scale)); }
inline core::Qty qty(std::string_view text, int scale = 4) { return core::Qty(units(text, scale)); }

}  // namespace phoenix::risk::testing
