#pragma once

// How one log line's `key=value` fields are rendered. Included by log.h; call sites use
// log_event() there, not this header directly. Everything here is a pure function of its
// arguments (no logging state), so it is safe on any thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

#include <fmt/format.h>

#include "core/secret.h"

namespace phoenix::telemetry {

// A wall-clock instant in milliseconds since the Unix epoch, UTC (what Clock::wall_ms()
// returns). Logged as ISO-8601 UTC with milliseconds, like the line prefix:
// `last_update=2026-11-25T18:11:27.423Z`. Value type; any thread.
struct WallTimeMs {
  int64_t ms = 0;
};

namespace log_internal {

// One line under construction: "event key=value key=value". 500 bytes inline.
using LineBuffer = fmt::memory_buffer;

// The time unit a field key names with its suffix.
enum class KeyUnit { kNone, kNs, kUs, kMs, kS };

constexpr KeyUnit key_unit(std::string_view key) {
  if (key.ends_with("_ns")) return KeyUnit::kNs;
  if (key.ends_with("_us")) return KeyUnit::kUs;
  if (key.ends_with("_ms")) return KeyUnit::kMs;
  if (key.ends_with("_s")) return KeyUnit::kS;
  return KeyUnit::kNone;
}

// Event names and keys: lower_snake_case ([a-z][a-z0-9_]*), so a line splits on ' ' and '='.
constexpr bool is_snake_case_name(std::string_view name) {
  if (name.empty() || name.front() < 'a' || name.front() > 'z') return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// True for a key whose last word says it holds a time ("stale_duration", "rtt_latency",
// "timeout") but that carries no unit suffix: the ops report's `stale_duration=2699.639045`.
// Such keys are rejected at compile time whatever the value's type, even a double.
constexpr bool names_a_time_without_unit(std::string_view key) {
  if (key_unit(key) != KeyUnit::kNone) return false;
  const size_t underscore = key.rfind('_');
  const std::string_view last = underscore == std::string_view::npos ? key : key.substr(underscore + 1);
  constexpr std::string_view kTimeWords[] = {"duration", "latency", "elapsed", "timeout", "delay", "interval",
                                             "age",      "uptime",  "backoff", "ttl",     "rtt"};
  for (std::string_view word : kTimeWords) {
    if (last == word) return true;
  }
  return false;
}

template <class T>
inline constexpr bool kIsDuration = false;
template <class Rep, class Period>
inline constexpr bool kIsDuration<std::chrono::duration<Rep, Period>> = true;

template <class T>
inline constexpr bool kIsSysTime = false;
template <class Duration>
inline constexpr bool kIsSysTime<std::chrono::time_point<std::chrono::system_clock, Duration>> = true;

template <class T>
inline constexpr bool kAlwaysFalse = false;

// Never defined: a consteval constructor that calls one of these fails to compile, and the
// compiler's message names the rule that was broken.
void log_event_and_key_names_must_be_lower_snake_case();
void a_duration_key_must_end_in_ns_us_ms_or_s();
void a_time_key_must_end_in_ns_us_ms_or_s();

inline void append_raw(LineBuffer& out, std::string_view s) { out.append(s.data(), s.data() + s.size()); }

// An integer in decimal (fmt::format_int: no format-string parsing).
template <class Int>
void append_int(LineBuffer& out, Int v) {
  if constexpr (std::is_signed_v<Int>) {
    const fmt::format_int text(static_cast<long long>(v));
    out.append(text.data(), text.data() + text.size());
  } else {
    const fmt::format_int text(static_cast<unsigned long long>(v));
    out.append(text.data(), text.data() + text.size());
  }
}

// A string value: as-is, or double-quoted with \" \\ \n \r \t \xNN escapes when it is empty
// or contains a space, '"', '=' or a control character (so it stays one field on one line).
void append_string(LineBuffer& out, std::string_view s);
// Up to 6 significant digits ("2699.64", "0.0001", "1e+06", "nan", "inf").
void append_double(LineBuffer& out, double v);
// ISO-8601 UTC with milliseconds: 2026-11-25T18:11:27.423Z.
void append_wall_time_ms(LineBuffer& out, int64_t ms);
// A key known only at run time: characters outside [a-z0-9_] become '_' (upper case is
// lowered), an empty key becomes "_".
void append_runtime_key(LineBuffer& out, std::string_view key);

// A duration as an integer count of ToPeriod, truncated toward zero, saturating at the
// int64 range instead of overflowing.
template <class ToPeriod, class Rep, class Period>
void append_duration_in(LineBuffer& out, std::chrono::duration<Rep, Period> d) {
  using To = std::chrono::duration<int64_t, ToPeriod>;
  if constexpr (std::is_floating_point_v<Rep>) {
    const double x = std::chrono::duration<double, ToPeriod>(d).count();
    if (x != x || x >= 9.2e18 || x <= -9.2e18) {
      append_double(out, x);  // nan, inf, or beyond int64: say so rather than invent a number
    } else {
      append_int(out, static_cast<int64_t>(x));
    }
  } else {
    using From = std::chrono::duration<int64_t, Period>;
    const From from(static_cast<int64_t>(d.count()));
    int64_t count = 0;
    if constexpr (std::ratio_greater_v<Period, ToPeriod>) {  // converting multiplies: may overflow
      constexpr From kLimit = std::chrono::duration_cast<From>(To::max());
      if (from > kLimit) {
        count = To::max().count();
      } else if (from < -kLimit) {
        count = -To::max().count();
      } else {
        count = std::chrono::duration_cast<To>(from).count();
      }
    } else {
      count = std::chrono::duration_cast<To>(from).count();
    }
    append_int(out, count);
  }
}

// A duration rendered in the unit its key names (kNone is treated as milliseconds; the
// compile-time key check and LogFields make sure the key then says `_ms`).
template <class Rep, class Period>
void append_duration(LineBuffer& out, std::chrono::duration<Rep, Period> d, KeyUnit unit) {
  switch (unit) {
    case KeyUnit::kNs: append_duration_in<std::nano>(out, d); return;
    case KeyUnit::kUs: append_duration_in<std::micro>(out, d); return;
    case KeyUnit::kS: append_duration_in<std::ratio<1>>(out, d); return;
    case KeyUnit::kMs:
    case KeyUnit::kNone: append_duration_in<std::milli>(out, d); return;
  }
}

// Any non-duration value. Order matters: bool before integers, Secret before anything
// that could print it, strings before generic fmt formatting.
template <class T>
void append_value(LineBuffer& out, const T& v) {
  using U = std::remove_cvref_t<T>;
  if constexpr (std::is_same_v<U, bool>) {
    append_raw(out, v ? "true" : "false");
  } else if constexpr (std::is_same_v<U, char>) {
    append_string(out, std::string_view(&v, 1));
  } else if constexpr (std::is_integral_v<U>) {
    append_int(out, v);
  } else if constexpr (std::is_floating_point_v<U>) {
    append_double(out, static_cast<double>(v));
  } else if constexpr (std::is_same_v<U, core::Secret>) {
    append_raw(out, v.empty() ? std::string_view("\"\"") : std::string_view("***"));
  } else if constexpr (std::is_same_v<U, WallTimeMs>) {
    append_wall_time_ms(out, v.ms);
  } else if constexpr (kIsSysTime<U>) {
    append_wall_time_ms(out, std::chrono::floor<std::chrono::milliseconds>(v.time_since_epoch()).count());
  } else if constexpr (std::is_pointer_v<std::decay_t<U>> &&
                       std::is_same_v<std::remove_cv_t<std::remove_pointer_t<std::decay_t<U>>>, char>) {
    const char* p = v;  // C strings and char arrays (string literals)
    append_string(out, p == nullptr ? std::string_view() : std::string_view(p));
  } else if constexpr (std::is_convertible_v<const U&, std::string_view>) {
    append_string(out, std::string_view(v));
  } else if constexpr (std::is_same_v<U, std::error_code>) {
    append_string(out, v.message());
  } else if constexpr (requires { std::string_view(to_string(v)); }) {
    append_string(out, std::string_view(to_string(v)));  // found by ADL (core::to_string(ErrorCode), ...)
  } else if constexpr (requires { std::string_view(v.to_string()); }) {
    append_string(out, std::string_view(v.to_string()));  // core::Decimal, core::Error, ...
  } else if constexpr (std::is_enum_v<U>) {
    append_int(out, static_cast<std::underlying_type_t<U>>(v));
  } else if constexpr (fmt::is_formattable<U>::value) {
    LineBuffer text;
    fmt::format_to(fmt::appender(text), "{}", v);
    append_string(out, std::string_view(text.data(), text.size()));
  } else {
    static_assert(kAlwaysFalse<U>, "log_event: no way to render this value type; pass a string or a number");
  }
}

// " key=value"
template <class T>
void append_field(LineBuffer& out, std::string_view key, KeyUnit unit, const T& value) {
  out.push_back(' ');
  append_raw(out, key);
  out.push_back('=');
  if constexpr (kIsDuration<std::remove_cvref_t<T>>) {
    append_duration(out, value, unit);
  } else {
    append_value(out, value);
  }
}

}  // namespace log_internal

// An event name, checked at compile time to be lower_snake_case. Built implicitly from a
// string literal (or a constexpr std::string_view) at a log_event() call site.
class EventName {
 public:
  consteval EventName(const char* name)  // NOLINT(google-explicit-constructor)
      : EventName(std::string_view(name)) {}
  consteval EventName(std::string_view name) : name_(name) {  // NOLINT(google-explicit-constructor)
    if (!log_internal::is_snake_case_name(name))
      log_internal::log_event_and_key_names_must_be_lower_snake_case();
  }
  constexpr std::string_view view() const { return name_; }

 private:
  std::string_view name_;
};

// A field key, checked at compile time against the type of the value that follows it:
// lower_snake_case; a std::chrono::duration value needs a key ending in _ns, _us, _ms or
// _s (the value is printed in that unit); a key whose last word names a time
// ("stale_duration", "timeout") needs a unit suffix whatever the value is. Built
// implicitly from a string literal at a log_event() call site; use KeyFor<V>.
template <class V>
class FieldKey {
 public:
  consteval FieldKey(const char* key)  // NOLINT(google-explicit-constructor)
      : FieldKey(std::string_view(key)) {}
  consteval FieldKey(std::string_view key)  // NOLINT(google-explicit-constructor)
      : key_(key), unit_(log_internal::key_unit(key)) {
    if (!log_internal::is_snake_case_name(key))
      log_internal::log_event_and_key_names_must_be_lower_snake_case();
    if constexpr (log_internal::kIsDuration<std::remove_cvref_t<V>>) {
      if (unit_ == log_internal::KeyUnit::kNone) log_internal::a_duration_key_must_end_in_ns_us_ms_or_s();
    } else {
      if (log_internal::names_a_time_without_unit(key)) log_internal::a_time_key_must_end_in_ns_us_ms_or_s();
    }
  }
  constexpr std::string_view view() const { return key_; }
  constexpr log_internal::KeyUnit unit() const { return unit_; }

 private:
  std::string_view key_;
  log_internal::KeyUnit unit_;
};

// The key parameter type for a value of type V (V is deduced from the value, not the key).
template <class V>
using KeyFor = FieldKey<std::type_identity_t<V>>;

// Fields whose keys are only known at run time (rare; prefer log_event with literal keys).
// The same rendering rules, checked at run time: a duration under a key without a unit
// suffix gets "_ms" appended to the key and is printed in milliseconds; a key is
// sanitized to lower_snake_case. Not thread-safe; build and log on one thread.
class LogFields {
 public:
  template <class V>
  LogFields& add(std::string_view key, const V& value) {
    log_internal::KeyUnit unit = log_internal::key_unit(key);
    buf_.push_back(' ');
    log_internal::append_runtime_key(buf_, key);
    if constexpr (log_internal::kIsDuration<std::remove_cvref_t<V>>) {
      if (unit == log_internal::KeyUnit::kNone) {
        log_internal::append_raw(buf_, "_ms");
        unit = log_internal::KeyUnit::kMs;
      }
      buf_.push_back('=');
      log_internal::append_duration(buf_, value, unit);
    } else {
      buf_.push_back('=');
      log_internal::append_value(buf_, value);
    }
    return *this;
  }
  // " key=value key=value" (each field with a leading space), or "".
  std::string_view view() const { return std::string_view(buf_.data(), buf_.size()); }

 private:
  log_internal::LineBuffer buf_;
};

}  // namespace phoenix::telemetry
