#include "telemetry/log_format.h"

#include <chrono>
#include <cmath>

namespace phoenix::telemetry::log_internal {
namespace {

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

bool needs_quotes(std::string_view s) {
  if (s.empty()) return true;
  for (char c : s) {
    if (c == ' ' || c == '"' || c == '=' || is_control(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

}  // namespace

void append_string(LineBuffer& out, std::string_view s) {
  if (!needs_quotes(s)) {
    append_raw(out, s);
    return;
  }
  out.push_back('"');
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': append_raw(out, "\\\""); break;
      case '\\': append_raw(out, "\\\\"); break;
      case '\n': append_raw(out, "\\n"); break;
      case '\r': append_raw(out, "\\r"); break;
      case '\t': append_raw(out, "\\t"); break;
      default:
        if (is_control(u)) {
          fmt::format_to(fmt::appender(out), "\\x{:02x}", static_cast<unsigned>(u));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void append_double(LineBuffer& out, double v) {
  if (std::isnan(v)) {
    append_raw(out, "nan");
  } else {
    fmt::format_to(fmt::appender(out), "{:.6g}", v);
  }
}

void append_wall_time_ms(LineBuffer& out, int64_t ms) {
  using std::chrono::days;
  using std::chrono::milliseconds;
  const std::chrono::sys_time<milliseconds> t{milliseconds(ms)};
  const auto day = std::chrono::floor<days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss<milliseconds> hms{t - day};
  const int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999) {  // not a plausible wall time; keep it readable anyway
    fmt::format_to(fmt::appender(out), "{}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", year,
                   static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), hms.hours().count(),
                   hms.minutes().count(), hms.seconds().count(), hms.subseconds().count());
    return;
  }
  // "YYYY-MM-DDTHH:MM:SS.mmmZ", written digit by digit (this runs on the caller's thread).
  char text[24];
  auto put = [&text](size_t at, int64_t value, size_t width) {
    for (size_t i = width; i > 0; --i) {
      text[at + i - 1] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
  };
  put(0, year, 4);
  text[4] = '-';
  put(5, static_cast<unsigned>(ymd.month()), 2);
  text[7] = '-';
  put(8, static_cast<unsigned>(ymd.day()), 2);
  text[10] = 'T';
  put(11, hms.hours().count(), 2);
  text[13] = ':';
  put(14, hms.minutes().count(), 2);
  text[16] = ':';
  put(17, hms.seconds().count(), 2);
  text[19] = '.';
  put(20, hms.subseconds().count(), 3);
  text[23] = 'Z';
  out.append(text, text + sizeof(text));
}

void append_runtime_key(LineBuffer& out, std::string_view key) {
  if (key.empty()) {
    out.push_back('_');
    return;
  }
  for (char c : key) {
    if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
      out.push_back(c);
    } else {
      out.push_back('_');
    }
  }
}

}  // namespace phoenix::telemetry::log_internal
