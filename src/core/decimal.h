#pragma once

// Exact decimal numbers as integers, never through double.
//
// Binance writes every price and quantity as a decimal string ("30000.10",
// "0.00010000"). Phoenix holds them as int64 "units" of 10^-scale, where the scale is
// per symbol (price and quantity have their own). Parsing is exact: a string that
// cannot be represented at the requested scale without losing a non-zero digit is an
// error, not a silent rounding. Exponents ("1e-8"), signs other than a leading '-',
// spaces, empty parts ("1.", ".5"), and anything that overflows int64 are errors.
//
// Grammar accepted by every parser here:   -?[0-9]+(\.[0-9]+)?

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace phoenix::core {

// The most decimal places any value may carry (10^18 still fits in int64).
inline constexpr int kMaxScale = 18;

// 10^scale for scale in [0, kMaxScale].
int64_t pow10(int scale);

enum class Rounding {
  kDown,     // toward negative infinity
  kUp,       // toward positive infinity
  kNearest,  // to the nearest multiple, ties away from zero
};

// Parses `text` into units of 10^-scale. Trailing zeros beyond `scale` are fine
// ("0.00010000" at scale 4 is 1); a non-zero digit beyond it is an error.
Result<int64_t> parse_units(std::string_view text, int scale);

namespace detail {
// The slow, careful parser behind parse_units() (which tries a single-pass fast path
// first); exposed so a test can check that both always agree.
Result<int64_t> parse_units_detailed(std::string_view text, int scale);
}  // namespace detail

// Formats units of 10^-scale with exactly `scale` decimals ("30000.10" for 3000010 at
// scale 2; "-0.05"; "7" at scale 0).
std::string format_units(int64_t units, int scale);

// Rounds `units` to a multiple of `step` (> 0), in the given direction. Errors on a
// non-positive step or on overflow.
Result<int64_t> round_to_step(int64_t units, int64_t step, Rounding mode);

// A decimal that carries its own scale: what a config file or a free-form number
// parses into before the symbol's scale is known. Value type; any thread.
class Decimal {
 public:
  constexpr Decimal() = default;
  constexpr Decimal(int64_t units, int scale) : units_(units), scale_(scale) {}

  // Parses with the scale the text shows ("0.010" has scale 3), at most kMaxScale.
  static Result<Decimal> parse(std::string_view text);

  int64_t units() const { return units_; }
  int scale() const { return scale_; }
  bool is_zero() const { return units_ == 0; }
  bool is_negative() const { return units_ < 0; }

  // The same value in units of 10^-scale, rounded as asked when digits would be lost.
  Result<int64_t> to_units(int scale, Rounding mode) const;
  // The same value in units of 10^-scale; an error if any non-zero digit would be lost.
  Result<int64_t> to_units_exact(int scale) const;

  // Shortest exact text: trailing zeros dropped ("0.01", "5", "-1.5").
  std::string to_string() const;

  // Compares values, not representations: 0.10 == 0.1.
  friend std::strong_ordering operator<=>(const Decimal& a, const Decimal& b);
  friend bool operator==(const Decimal& a, const Decimal& b) { return (a <=> b) == 0; }

 private:
  int64_t units_ = 0;
  int scale_ = 0;
};

// A fixed-point amount whose scale is known from context (the symbol). `Tag` keeps
// prices and quantities apart at compile time. 8 bytes; value type; any thread.
template <class Tag>
class FixedPoint {
 public:
  constexpr FixedPoint() = default;
  constexpr explicit FixedPoint(int64_t units) : units_(units) {}

  static Result<FixedPoint> parse(std::string_view text, int scale) {
    auto units = parse_units(text, scale);
    if (!units) return std::move(units).error();
    return FixedPoint(*units);
  }
  std::string format(int scale) const { return format_units(units_, scale); }

  // Rounded to a multiple of `step` (in the same units).
  Result<FixedPoint> round(FixedPoint step, Rounding mode) const {
    auto units = round_to_step(units_, step.units_, mode);
    if (!units) return std::move(units).error();
    return FixedPoint(*units);
  }

  constexpr int64_t units() const { return units_; }
  friend constexpr auto operator<=>(FixedPoint, FixedPoint) = default;

 private:
  int64_t units_ = 0;
};

struct PriceTag {};
struct QtyTag {};
using Price = FixedPoint<PriceTag>;  // units of 10^-price_scale quote per base
using Qty = FixedPoint<QtyTag>;      // units of 10^-qty_scale base

}  // namespace phoenix::core
