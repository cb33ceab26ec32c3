#pragma once

#include <fmt/format.h>

#include "core/secret.h"

// fmt prints a Secret as "***" (or "" when empty), never its value.
template <>
struct fmt::formatter<phoenix::core::Secret> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const phoenix::core::Secret& s, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(s.masked(), ctx);
  }
};
