#include "core/decimal.h"

#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include <gtest/gtest.h>

namespace phoenix::core {
namespace {

// Parses a Binance-style string at `scale` and expects success.
int64_t units(std::string_view text, int scale) {
  auto r = parse_units(text, scale);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : 0;
}

TEST(DecimalParseTest, ParsesBinanceStrings) {
  EXPECT_EQ(units("0.00010000", 8), 10000);
  EXPECT_EQ(units("0.00010000", 4), 1);  // trailing zeros beyond the scale are fine
  EXPECT_EQ(units("30000.10", 2), 3000010);
  EXPECT_EQ(units("30000.10", 8), 3000010000000);
  EXPECT_EQ(units("30000", 2), 3000000);
  EXPECT_EQ(units("0", 8), 0);
  EXPECT_EQ(units("-0", 8), 0);
  EXPECT_EQ(units("-1.5", 1), -15);
  EXPECT_EQ(units("007.50", 2), 750);
  EXPECT_EQ(units("9223372036854775807", 0), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(units("-9223372036854775807", 0), -std::numeric_limits<int64_t>::max());
  EXPECT_EQ(units("9.223372036854775807", 18), std::numeric_limits<int64_t>::max());
}

struct MalformedCase {
  const char* text;
  const char* why;  // a fragment the error message must contain
};

class DecimalMalformedTest : public ::testing::TestWithParam<MalformedCase> {};

// Every malformed form is an error with a specific reason, never a value.
TEST_P(DecimalMalformedTest, IsRejectedWithReason) {
  const auto& c = GetParam();
  auto r = parse_units(c.text, 8);
  ASSERT_FALSE(r.ok()) << c.text;
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find(c.why), std::string::npos) << r.error().message;
  auto d = Decimal::parse(c.text);
  EXPECT_FALSE(d.ok()) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    AllForms, DecimalMalformedTest,
    ::testing::Values(
        MalformedCase{"", "empty"}, MalformedCase{"1e-8", "exponents are not allowed"},
        MalformedCase{"1E5", "exponents are not allowed"}, MalformedCase{"+1", "expected a digit"},
        MalformedCase{"-", "expected a digit"}, MalformedCase{".5", "missing digits before '.'"},
        MalformedCase{"1.", "missing digits after '.'"}, MalformedCase{"1.2.3", "unexpected character '.'"},
        MalformedCase{" 1", "expected a digit"}, MalformedCase{"1 ", "unexpected character ' '"},
        MalformedCase{"1,5", "unexpected character ','"}, MalformedCase{"0x10", "unexpected character 'x'"},
        MalformedCase{"NaN", "expected a digit"}, MalformedCase{"inf", "expected a digit"},
        MalformedCase{"--1", "expected a digit"}, MalformedCase{"1\n", "unexpected character '\\x0a'"}));

// Digits beyond the requested scale are an error, not a silent rounding.
TEST(DecimalParseTest, PrecisionLossIsRejected) {
  auto r = parse_units("0.000000001", 8);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "invalid decimal \"0.000000001\": more than 8 decimal places");
  EXPECT_EQ(*parse_units("0.000000010", 8), 1);
}

TEST(DecimalParseTest, EmbeddedNulIsRejected) {
  const std::string text(
      "1\0"
      "2",
      3);
  auto r = parse_units(text, 2);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("\\x00"), std::string::npos) << r.error().message;
}

TEST(DecimalParseTest, OverflowIsAnErrorNotUb) {
  for (const char* text :
       {"9223372036854775808", "-9223372036854775808", "99999999999999999999999", "92233720368.54775808"}) {
    auto r = parse_units(text, 8);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().code, ErrorCode::kOverflow) << text;
  }
  auto big = parse_units("100000000000", 8);  // 1e11 * 1e8 = 1e19 > int64
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, ErrorCode::kOverflow);
}

TEST(DecimalParseTest, ScaleOutOfRangeIsAnError) {
  EXPECT_EQ(parse_units("1", -1).error().code, ErrorCode::kOutOfRange);
  EXPECT_EQ(parse_units("1", 19).error().code, ErrorCode::kOutOfRange);
}

TEST(DecimalFormatTest, FormatsExactlyAtScale) {
  EXPECT_EQ(format_units(3000010, 2), "30000.10");
  EXPECT_EQ(format_units(10000, 8), "0.00010000");
  EXPECT_EQ(format_units(5, 2), "0.05");
  EXPECT_EQ(format_units(-5, 2), "-0.05");
  EXPECT_EQ(format_units(0, 0), "0");
  EXPECT_EQ(format_units(0, 3), "0.000");
  EXPECT_EQ(format_units(7, 0), "7");
  EXPECT_EQ(format_units(std::numeric_limits<int64_t>::max(), 18), "9.223372036854775807");
  EXPECT_EQ(format_units(std::numeric_limits<int64_t>::min(), 0), "-9223372036854775808");
  EXPECT_EQ(format_units(std::numeric_limits<int64_t>::min(), 18), "-9.223372036854775808");
}

// format(parse(s)) == s for canonical strings at every scale, and parse(format(u)) == u
// for random units: the representation never goes through double.
TEST(DecimalFormatTest, RoundTripsExactly) {
  for (const char* s :
       {"0.00010000", "30000.10000000", "1.00000001", "92233720368.54775807", "-0.00000001"}) {
    EXPECT_EQ(format_units(units(s, 8), 8), s);
  }
  std::mt19937_64 rng(42);
  for (int i = 0; i < 20000; ++i) {
    const auto u = static_cast<int64_t>(rng());
    const int scale = static_cast<int>(rng() % (kMaxScale + 1));
    const std::string text = format_units(u, scale);
    auto back = parse_units(text, scale);
    ASSERT_TRUE(back.ok()) << text << " " << back.error().message;
    ASSERT_EQ(*back, u) << text;
  }
}

// parse_units() takes a single-pass fast path for canonical input; on every input, valid or
// not, it must agree exactly with the detailed parser (value, or error code and message).
TEST(DecimalParseTest, FastPathAgreesWithDetailedParser) {
  std::mt19937_64 rng(7);
  const std::string alphabet = "0123456789000000000.-e +";
  for (int i = 0; i < 200000; ++i) {
    const size_t len = rng() % 24;
    std::string text;
    for (size_t k = 0; k < len; ++k) {
      // mostly digits, sometimes one dot or a leading minus, rarely junk
      const uint64_t r = rng() % 100;
      if (r < 85)
        text += static_cast<char>('0' + rng() % 10);
      else if (r < 93)
        text += '.';
      else if (r < 97 && k == 0)
        text += '-';
      else
        text += alphabet[rng() % alphabet.size()];
    }
    const int scale = static_cast<int>(rng() % (kMaxScale + 1));
    auto fast = parse_units(text, scale);
    auto slow = detail::parse_units_detailed(text, scale);
    ASSERT_EQ(fast.ok(), slow.ok()) << '"' << text << "\" scale " << scale;
    if (fast.ok()) {
      ASSERT_EQ(*fast, *slow) << text;
    } else {
      ASSERT_EQ(fast.error().code, slow.error().code) << text;
      ASSERT_EQ(fast.error().message, slow.error().message) << text;
    }
  }
}

TEST(DecimalRoundTest, RoundsToStep) {
  // step 5 units (e.g. tick 0.05 at scale 2)
  EXPECT_EQ(*round_to_step(1234, 5, Rounding::kDown), 1230);
  EXPECT_EQ(*round_to_step(1234, 5, Rounding::kUp), 1235);
  EXPECT_EQ(*round_to_step(1232, 5, Rounding::kNearest), 1230);
  EXPECT_EQ(*round_to_step(1233, 5, Rounding::kNearest), 1235);
  EXPECT_EQ(*round_to_step(1230, 5, Rounding::kUp), 1230);  // already on the grid
  // ties away from zero
  EXPECT_EQ(*round_to_step(15, 10, Rounding::kNearest), 20);
  EXPECT_EQ(*round_to_step(-15, 10, Rounding::kNearest), -20);
  // negatives: down is toward -inf, up toward +inf
  EXPECT_EQ(*round_to_step(-1234, 5, Rounding::kDown), -1235);
  EXPECT_EQ(*round_to_step(-1234, 5, Rounding::kUp), -1230);
}

TEST(DecimalRoundTest, BadStepAndOverflowAreErrors) {
  EXPECT_EQ(round_to_step(10, 0, Rounding::kDown).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(round_to_step(10, -5, Rounding::kDown).error().code, ErrorCode::kInvalidArgument);
  const int64_t max = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(round_to_step(max, 10, Rounding::kUp).error().code, ErrorCode::kOverflow);
  EXPECT_EQ(*round_to_step(max, 10, Rounding::kDown), max - 7);
  const int64_t min = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(round_to_step(min, 10, Rounding::kDown).error().code, ErrorCode::kOverflow);
}

TEST(DecimalRoundTest, PriceRoundsToTick) {
  auto price = Price::parse("30000.17", 2);
  auto tick = Price::parse("0.05", 2);
  ASSERT_TRUE(price.ok() && tick.ok());
  EXPECT_EQ(price->round(*tick, Rounding::kDown)->format(2), "30000.15");
  EXPECT_EQ(price->round(*tick, Rounding::kUp)->format(2), "30000.20");
  EXPECT_EQ(price->round(*tick, Rounding::kNearest)->format(2), "30000.15");
  auto qty = Qty::parse("1.23456", 5);
  auto step = Qty::parse("0.001", 5);
  EXPECT_EQ(qty->round(*step, Rounding::kDown)->format(5), "1.23400");
}

TEST(DecimalValueTest, ParsesWithOwnScaleAndCompares) {
  auto d = Decimal::parse("0.010");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->scale(), 3);
  EXPECT_EQ(d->units(), 10);
  EXPECT_EQ(d->to_string(), "0.01");
  EXPECT_EQ(*Decimal::parse("0.1"), *Decimal::parse("0.100"));
  EXPECT_LT(*Decimal::parse("0.09"), *Decimal::parse("0.1"));
  EXPECT_GT(*Decimal::parse("-0.09"), *Decimal::parse("-0.1"));
  EXPECT_EQ(Decimal::parse("-0.0")->to_string(), "0");
  EXPECT_EQ(Decimal::parse("5")->to_string(), "5");
  EXPECT_EQ(Decimal::parse("0.0000000000000000001").error().code, ErrorCode::kInvalidArgument);
}

TEST(DecimalValueTest, ConvertsBetweenScales) {
  auto d = *Decimal::parse("1.2345");
  EXPECT_EQ(*d.to_units(8, Rounding::kDown), 123450000);
  EXPECT_EQ(*d.to_units(2, Rounding::kDown), 123);
  EXPECT_EQ(*d.to_units(2, Rounding::kUp), 124);
  EXPECT_EQ(*d.to_units(3, Rounding::kNearest), 1235);  // tie away from zero
  EXPECT_FALSE(d.to_units_exact(2).ok());
  EXPECT_EQ(*d.to_units_exact(4), 12345);
  EXPECT_EQ(*Decimal::parse("1.2000")->to_units_exact(1), 12);
  EXPECT_EQ(Decimal::parse("92233720369")->to_units(8, Rounding::kDown).error().code, ErrorCode::kOverflow);
}

}  // namespace
}  // namespace phoenix::core
