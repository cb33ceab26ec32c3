#include "core/decimal.h"

#include <array>
#include <limits>
#include <string>

namespace phoenix::core {
namespace {

constexpr std::array<int64_t, kMaxScale + 1> kPow10 = [] {
  std::array<int64_t, kMaxScale + 1> p{};
  p[0] = 1;
  for (size_t i = 1; i < p.size(); ++i) p[i] = p[i - 1] * 10;
  return p;
}();

Error invalid(std::string_view text, std::string_view why) {
  std::string msg = "invalid decimal \"";
  msg.append(text.substr(0, 64));
  if (text.size() > 64) msg += "...";
  msg += "\": ";
  msg += why;
  return Error{ErrorCode::kInvalidArgument, std::move(msg)};
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The parts of a decimal string that matched the grammar -?[0-9]+(\.[0-9]+)?
struct Parts {
  bool negative = false;
  std::string_view int_digits;
  std::string_view frac_digits;
};

Result<Parts> split(std::string_view text) {
  if (text.empty()) return invalid(text, "empty");
  Parts p;
  size_t i = 0;
  if (text[0] == '-') {
    p.negative = true;
    i = 1;
  }
  size_t int_start = i;
  while (i < text.size() && is_digit(text[i])) ++i;
  p.int_digits = text.substr(int_start, i - int_start);
  if (p.int_digits.empty()) {
    if (i < text.size() && text[i] == '.') return invalid(text, "missing digits before '.'");
    return invalid(text, "expected a digit");
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    size_t frac_start = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    p.frac_digits = text.substr(frac_start, i - frac_start);
    if (p.frac_digits.empty()) return invalid(text, "missing digits after '.'");
  }
  if (i != text.size()) {
    char c = text[i];
    if (c == 'e' || c == 'E') return invalid(text, "exponents are not allowed");
    std::string why = "unexpected character '";
    if (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f) {
      why += c;
    } else {
      why += "\\x";
      constexpr char kHex[] = "0123456789abcdef";
      why += kHex[(static_cast<unsigned char>(c) >> 4) & 0xf];
      why += kHex[static_cast<unsigned char>(c) & 0xf];
    }
    why += "' at offset " + std::to_string(i);
    return invalid(text, why);
  }
  return p;
}

// Accumulates digits into a non-negative magnitude; false on overflow.
bool accumulate(std::string_view digits, int64_t& acc) {
  for (char c : digits) {
    if (__builtin_mul_overflow(acc, int64_t{10}, &acc)) return false;
    if (__builtin_add_overflow(acc, int64_t{c - '0'}, &acc)) return false;
  }
  return true;
}

// floor(a / b) and the matching remainder for b > 0.
int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && (a < 0)) --q;
  return q;
}

Error overflow(std::string_view what) { return Error{ErrorCode::kOverflow, std::string(what)}; }

}  // namespace

int64_t pow10(int scale) { return kPow10.at(static_cast<size_t>(scale)); }

// The careful parser: every malformed form gets its specific error message. parse_units()
// tries the single-pass fast path first and falls back to this on anything unusual.
Result<int64_t> detail::parse_units_detailed(std::string_view text, int scale) {
  if (scale < 0 || scale > kMaxScale) {
    return Error{ErrorCode::kOutOfRange,
                 "scale " + std::to_string(scale) + " is outside 0.." + std::to_string(kMaxScale)};
  }
  auto parts = split(text);
  if (!parts) return std::move(parts).error();
  std::string_view frac = parts->frac_digits;
  const auto keep = static_cast<size_t>(scale);
  if (frac.size() > keep) {
    for (char c : frac.substr(keep)) {
      if (c != '0') {
        return invalid(text, "more than " + std::to_string(scale) + " decimal places");
      }
    }
    frac = frac.substr(0, keep);
  }
  int64_t magnitude = 0;
  if (!accumulate(parts->int_digits, magnitude) || !accumulate(frac, magnitude) ||
      __builtin_mul_overflow(magnitude, pow10(scale - static_cast<int>(frac.size())), &magnitude)) {
    return Error{ErrorCode::kOverflow, "decimal \"" + std::string(text.substr(0, 64)) +
                                           "\" does not fit in 64 bits at scale " + std::to_string(scale)};
  }
  return parts->negative ? -magnitude : magnitude;
}

// Single pass over canonical input ("30000.10000000"): at most 18 significant digits, no
// error reporting. Returns false when the input needs the detailed parser (malformed,
// precision loss, more digits, overflow).
static bool parse_units_fast(std::string_view text, int scale, int64_t* out) {
  if (scale < 0 || scale > kMaxScale) return false;
  const char* p = text.data();
  const char* const end = p + text.size();
  bool negative = false;
  if (p != end && *p == '-') {
    negative = true;
    ++p;
  }
  if (p == end || !is_digit(*p)) return false;
  uint64_t acc = 0;
  int digits = 0;  // accumulated into acc; 18 decimal digits always fit in uint64
  for (; p != end && is_digit(*p); ++p) {
    if (++digits > 18) return false;
    acc = acc * 10 + static_cast<uint64_t>(*p - '0');
  }
  int frac = 0;
  if (p != end && *p == '.') {
    ++p;
    const char* const frac_start = p;
    for (; p != end && is_digit(*p); ++p) {
      if (frac < scale) {
        if (++digits > 18) return false;
        acc = acc * 10 + static_cast<uint64_t>(*p - '0');
        ++frac;
      } else if (*p != '0') {
        return false;  // a digit beyond the scale: the detailed parser says so
      }
    }
    if (p == frac_start) return false;
  }
  if (p != end) return false;
  uint64_t scaled = 0;
  if (__builtin_mul_overflow(acc, static_cast<uint64_t>(pow10(scale - frac)), &scaled)) return false;
  if (scaled > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
  *out = negative ? -static_cast<int64_t>(scaled) : static_cast<int64_t>(scaled);
  return true;
}

Result<int64_t> parse_units(std::string_view text, int scale) {
  int64_t units = 0;
  if (parse_units_fast(text, scale, &units)) return units;
  return detail::parse_units_detailed(text, scale);
}

std::string format_units(int64_t units, int scale) {
  if (scale < 0) scale = 0;
  if (scale > kMaxScale) scale = kMaxScale;
  // Work with the magnitude as unsigned so INT64_MIN is fine.
  const bool negative = units < 0;
  uint64_t mag = negative ? (~static_cast<uint64_t>(units) + 1) : static_cast<uint64_t>(units);
  char buf[48];
  size_t pos = sizeof(buf);
  int digits = 0;
  do {
    buf[--pos] = static_cast<char>('0' + mag % 10);
    mag /= 10;
    ++digits;
    if (digits == scale) buf[--pos] = '.';
  } while (mag != 0 || digits < scale + 1);
  if (negative) buf[--pos] = '-';
  return std::string(buf + pos, sizeof(buf) - pos);
}

Result<int64_t> round_to_step(int64_t units, int64_t step, Rounding mode) {
  if (step <= 0) {
    return Error{ErrorCode::kInvalidArgument, "rounding step must be positive, got " + std::to_string(step)};
  }
  int64_t q = floor_div(units, step);
  // remainder in [0, step): computed without overflow as units - q*step can't overflow
  // when q*step fits, which holds since q*step <= units.
  int64_t down = 0;
  if (__builtin_mul_overflow(q, step, &down)) return overflow("rounding overflowed");
  const int64_t rem = units - down;
  if (rem == 0 || mode == Rounding::kDown) return down;
  int64_t up = 0;
  if (__builtin_add_overflow(down, step, &up)) return overflow("rounding up overflowed");
  if (mode == Rounding::kUp) return up;
  // Nearest, ties away from zero. Compare rem with step - rem (no overflow: both in [0, step)).
  const int64_t to_up = step - rem;
  if (rem < to_up) return down;
  if (rem > to_up) return up;
  return units < 0 ? down : up;
}

Result<Decimal> Decimal::parse(std::string_view text) {
  auto parts = split(text);
  if (!parts) return std::move(parts).error();
  if (parts->frac_digits.size() > static_cast<size_t>(kMaxScale)) {
    return invalid(text, "more than " + std::to_string(kMaxScale) + " decimal places");
  }
  const int scale = static_cast<int>(parts->frac_digits.size());
  auto units = parse_units(text, scale);
  if (!units) return std::move(units).error();
  return Decimal(*units, scale);
}

Result<int64_t> Decimal::to_units(int scale, Rounding mode) const {
  if (scale < 0 || scale > kMaxScale) {
    return Error{ErrorCode::kOutOfRange,
                 "scale " + std::to_string(scale) + " is outside 0.." + std::to_string(kMaxScale)};
  }
  if (scale >= scale_) {
    int64_t out = 0;
    if (__builtin_mul_overflow(units_, pow10(scale - scale_), &out)) {
      return overflow(to_string() + " does not fit in 64 bits at scale " + std::to_string(scale));
    }
    return out;
  }
  const int64_t step = pow10(scale_ - scale);
  auto rounded = round_to_step(units_, step, mode);
  if (!rounded) return std::move(rounded).error();
  return *rounded / step;
}

Result<int64_t> Decimal::to_units_exact(int scale) const {
  if (scale < scale_ && scale >= 0 && units_ % pow10(scale_ - scale) != 0) {
    return Error{ErrorCode::kInvalidArgument,
                 to_string() + " has more than " + std::to_string(scale) + " decimal places"};
  }
  return to_units(scale, Rounding::kDown);
}

std::string Decimal::to_string() const {
  std::string s = format_units(units_, scale_);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

std::strong_ordering operator<=>(const Decimal& a, const Decimal& b) {
  // Compare a.units * 10^(s-a.scale) with b.units * 10^(s-b.scale) in 128 bits.
  __extension__ using Int128 = __int128;
  const int s = a.scale_ > b.scale_ ? a.scale_ : b.scale_;
  const Int128 x = static_cast<Int128>(a.units_) * pow10(s - a.scale_);
  const Int128 y = static_cast<Int128>(b.units_) * pow10(s - b.scale_);
  if (x < y) return std::strong_ordering::less;
  if (x > y) return std::strong_ordering::greater;
  return std::strong_ordering::equal;
}

}  // namespace phoenix::core
