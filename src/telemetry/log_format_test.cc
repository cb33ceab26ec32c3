// Rendering rules, without the logger: values, quoting, durations, compile-time key checks.
// End-to-end lines (through spdlog to a file) are in log_test.cc.

#include "telemetry/log_format.h"

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <system_error>

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/secret.h"

namespace phoenix::telemetry {
namespace {

using namespace std::chrono_literals;

// " key=value" as log_event renders it, for a compile-time checked key.
template <class V>
std::string field(KeyFor<V> key, const V& value) {
  log_internal::LineBuffer out;
  log_internal::append_field(out, key.view(), key.unit(), value);
  return std::string(out.data(), out.size());
}

// Whether FieldKey<V>(kKeys[I]) is a constant expression, i.e. whether a log_event call
// with that key and a value of type V compiles.
constexpr std::string_view kKeys[] = {"stale_ms",      "stale",     "stale_duration", "Stale_ms",
                                      "rtt_us",        "timeout_s", "symbol",         "a b",
                                      "retry_backoff", "age_ns"};
template <class V, size_t I>
concept KeyCompiles = requires {
  typename std::integral_constant<bool, (FieldKey<V>(kKeys[I]), true)>;
};

TEST(LogFormatTest, DurationKeysWithoutUnitDoNotCompile) {
  using std::chrono::milliseconds;
  static_assert(KeyCompiles<milliseconds, 0>);   // stale_ms
  static_assert(!KeyCompiles<milliseconds, 1>);  // stale: a duration needs a unit suffix
  static_assert(!KeyCompiles<milliseconds, 2>);  // stale_duration
  static_assert(!KeyCompiles<double, 2>);        // the ops report: a double under a time word
  static_assert(!KeyCompiles<int64_t, 2>);
  static_assert(!KeyCompiles<int, 3>);           // not snake_case
  static_assert(KeyCompiles<milliseconds, 4>);   // rtt_us
  static_assert(KeyCompiles<double, 5>);         // timeout_s
  static_assert(KeyCompiles<std::string, 6>);    // symbol
  static_assert(!KeyCompiles<milliseconds, 6>);  // symbol: a duration with no unit
  static_assert(!KeyCompiles<std::string, 7>);   // space in a key
  static_assert(!KeyCompiles<int, 8>);           // retry_backoff
  static_assert(KeyCompiles<std::chrono::seconds, 9>);
  SUCCEED();
}

#ifdef PHOENIX_LOG_EXPECT_COMPILE_ERROR
// Build with -DPHOENIX_LOG_EXPECT_COMPILE_ERROR to see the diagnostic:
// "call to non-'constexpr' function 'void ...a_duration_key_must_end_in_ns_us_ms_or_s()'".
TEST(LogFormatTest, CompileError) { field<std::chrono::nanoseconds>("stale_duration", 5ns); }
#endif

TEST(LogFormatTest, DurationRenderedInKeyUnit) {
  const std::chrono::nanoseconds d(2699639045);
  EXPECT_EQ(field<std::chrono::nanoseconds>("stale_ns", d), " stale_ns=2699639045");
  EXPECT_EQ(field<std::chrono::nanoseconds>("stale_us", d), " stale_us=2699639");
  EXPECT_EQ(field<std::chrono::nanoseconds>("stale_ms", d), " stale_ms=2699");
  EXPECT_EQ(field<std::chrono::nanoseconds>("stale_s", d), " stale_s=2");
  EXPECT_EQ(field<std::chrono::seconds>("wait_ms", 3s), " wait_ms=3000");
  EXPECT_EQ(field<std::chrono::microseconds>("lag_ms", -1500us), " lag_ms=-1");  // truncates toward zero
}

TEST(LogFormatTest, FloatingDurationTruncatedToKeyUnit) {
  const std::chrono::duration<double, std::milli> stale(2699.639045);
  EXPECT_EQ(field("stale_ms", stale), " stale_ms=2699");
  EXPECT_EQ(field("stale_us", stale), " stale_us=2699639");
  EXPECT_EQ(field("stale_s", stale), " stale_s=2");
}

TEST(LogFormatTest, HugeDurationSaturatesInsteadOfOverflowing) {
  EXPECT_EQ(field("up_ns", std::chrono::hours::max()),
            " up_ns=" + std::to_string(std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(field("up_ns", std::chrono::hours::min()),
            " up_ns=" + std::to_string(-std::numeric_limits<int64_t>::max()));
}

TEST(LogFormatTest, RuntimeKeyWithoutUnitGetsMsSuffix) {
  LogFields fields;
  fields.add("stale", std::chrono::nanoseconds(2699639045)).add("stale_us", 5ms).add("Odd Key", 1);
  EXPECT_EQ(fields.view(), " stale_ms=2699 stale_us=5000 odd_key=1");
}

TEST(LogFormatTest, ScalarValues) {
  EXPECT_EQ(field<bool>("ok", true), " ok=true");
  EXPECT_EQ(field<bool>("ok", false), " ok=false");
  EXPECT_EQ(field<int>("n", -42), " n=-42");
  EXPECT_EQ(field<uint64_t>("n", 18446744073709551615u), " n=18446744073709551615");
  EXPECT_EQ(field<double>("ratio", 2699.639045), " ratio=2699.64");
  EXPECT_EQ(field<double>("ratio", 0.0001), " ratio=0.0001");
  EXPECT_EQ(field<double>("ratio", 1e6), " ratio=1e+06");
  EXPECT_EQ(field<double>("ratio", std::numeric_limits<double>::quiet_NaN()), " ratio=nan");
  EXPECT_EQ(field<char>("side", 'B'), " side=B");
}

TEST(LogFormatTest, StringsQuotedOnlyWhenNeeded) {
  EXPECT_EQ(field<std::string>("symbol", "ETHUSDC"), " symbol=ETHUSDC");
  EXPECT_EQ(field<std::string>("extensions", "permessage-deflate; server_no_context_takeover"),
            " extensions=\"permessage-deflate; server_no_context_takeover\"");
  EXPECT_EQ(field<std::string>("msg", R"(say "hi")"), R"( msg="say \"hi\"")");
  EXPECT_EQ(field<std::string>("kv", "a=b"), R"( kv="a=b")");
  EXPECT_EQ(field<std::string>("path", R"(C:\x)"), R"( path=C:\x)");  // unquoted: no escape needed
  EXPECT_EQ(field<std::string>("both", R"(a "b\c")"), R"( both="a \"b\\c\"")");
  EXPECT_EQ(field<std::string>("lines", "one\ntwo\r\tx\x01"), R"( lines="one\ntwo\r\tx\x01")");
  EXPECT_EQ(field<std::string>("empty", ""), R"( empty="")");
  EXPECT_EQ(field("lit", "with space"), R"( lit="with space")");
  const char* null_text = nullptr;
  EXPECT_EQ(field("c", null_text), R"( c="")");
}

TEST(LogFormatTest, SecretPrintsMask) {
  EXPECT_EQ(field("api_key", core::Secret("AKIA-very-secret")), " api_key=***");
  EXPECT_EQ(field("api_key", core::Secret()), R"( api_key="")");
}

TEST(LogFormatTest, WallTimeRenderedIsoUtcWithMilliseconds) {
  EXPECT_EQ(field("last_update", WallTimeMs{1'764'000'000'000 - 2'700}),
            " last_update=2025-11-24T15:59:57.300Z");
  EXPECT_EQ(field("t", WallTimeMs{0}), " t=1970-01-01T00:00:00.000Z");
  EXPECT_EQ(field("t", WallTimeMs{-1}), " t=1969-12-31T23:59:59.999Z");
  EXPECT_EQ(field("t", WallTimeMs{253'402'300'799'999}), " t=9999-12-31T23:59:59.999Z");
  EXPECT_EQ(field("t", WallTimeMs{253'402'300'800'000}), " t=10000-01-01T00:00:00.000Z");
  const std::chrono::system_clock::time_point tp{std::chrono::milliseconds(1'764'000'000'123)};
  EXPECT_EQ(field("t", tp), " t=2025-11-24T16:00:00.123Z");
}

TEST(LogFormatTest, ErrorsEnumsAndErrorCodes) {
  EXPECT_EQ(field("code", core::ErrorCode::kTimeout),
            " code=" + std::string(core::to_string(core::ErrorCode::kTimeout)));
  const core::Error error(core::ErrorCode::kIo, "connection reset");
  EXPECT_EQ(field("error", error), " error=\"" + error.to_string() + "\"");
  EXPECT_EQ(field("ec", std::make_error_code(std::errc::connection_refused)), R"( ec="Connection refused")");
}

}  // namespace
}  // namespace phoenix::telemetry
