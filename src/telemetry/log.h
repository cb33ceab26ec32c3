#pragma once

// Structured logging for Phoenix: one line per event,
//
//   2026-11-25T18:11:30.123Z WARN md_stale symbol=ETHUSDC stale_ms=2700 last_update=2026-11-25T18:11:27.423Z
//
// UTC timestamp with milliseconds, a level word (TRACE DEBUG INFO WARN ERROR CRIT), the
// event name, then key=value fields. Written by an async spdlog logger (its own thread) to
// a size-capped rotating file and to stderr. At a call site:
//
//   log_event(LogLevel::kWarn, "md_stale", "symbol", sym, "stale_ms", stale,   // a duration
//             "last_update", WallTimeMs{clock.wall_ms()});
//
// Keys are literals checked at compile time (see FieldKey in log_format.h): a
// std::chrono::duration needs a key ending in _ns/_us/_ms/_s and is printed as an integer in
// that unit (nanoseconds(2699639045) under "stale_ms" prints stale_ms=2699), so a time can
// never be printed without its unit. Strings with spaces, '"', '=' or control characters
// are quoted; a core::Secret prints ***; doubles get 6 significant digits.
//
// Rules applied to every line before it reaches a sink: values given to register_secret()
// are replaced with ***; identical WARN/ERROR/CRIT lines (level + event + fields) repeated
// within LogOptions::throttle_window_ms are suppressed after the first, and the next one
// printed carries `suppressed=N` (bursts that just stop are reported by flush_log_throttle()
// and shutdown_logging() as `log_suppressed event=<name> suppressed=N`).
//
// Below the current level, log_event costs one relaxed atomic load (the arguments are still
// evaluated by the caller). Above it, the caller renders the line into a stack buffer and
// enqueues it; it never blocks on I/O (a full queue overwrites the oldest line, counted in
// LogStats::dropped). Logging is not for the per-message hot path.
//
// All functions here are thread-safe.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "telemetry/log_format.h"

namespace phoenix::telemetry {

// Severity of a line, and (with kOff) the threshold below which lines are dropped.
enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kCritical, kOff };

// Levels a line can have (kTrace..kCritical); kOff only sets a threshold.
inline constexpr size_t kLogLevelCount = 6;

// "trace", "debug", "info", "warn", "error", "critical", "off" (what parse_log_level takes).
std::string_view to_string(LogLevel level);
// The word a line shows: "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "CRIT" ("OFF" for kOff).
std::string_view level_word(LogLevel level);
// Parses trace|debug|info|warn|error|critical|off (exactly, lower case).
core::Result<LogLevel> parse_log_level(std::string_view text);

// How init_logging sets logging up. A value type.
struct LogOptions {
  std::string file;                       // rotating log file; "" = no file
  LogLevel level = LogLevel::kInfo;       // lines below this are dropped at the call site
  uint64_t max_file_bytes = 50ull << 20;  // rotate when the file would exceed this
  size_t max_files = 5;                   // rotated files kept besides the current one
  bool to_stderr = true;                  // also write every line to stderr
  int64_t throttle_window_ms = 1000;      // burst suppression window for WARN+; 0 = off
  size_t queue_lines = 8192;              // async queue; when full the oldest line is dropped
  int64_t flush_interval_s = 1;           // a background flush (sinks + ended throttle bursts)
                                          // this often; 0 = only at WARN+ lines and shutdown
  const core::Clock* clock = nullptr;     // line timestamps and throttle windows; null = RealClock.
                                          // Must outlive logging (until shutdown_logging()).
};

// Starts async logging as `options` say, replacing any previous setup (which is shut down
// first, its queue written out). Creates the file's parent directory. Never throws: a bad
// option or an unwritable file returns an Error (kInvalidArgument, or kIo/kPermission with
// the OS reason, e.g. "cannot create log directory /proc/x: No such file or directory")
// and leaves the previous setup in place; should spdlog itself fail after that, logging is
// left on synchronous stderr. Before the first init_logging, lines go synchronously to
// stderr (level INFO unless set_log_level says otherwise), so start-up errors are visible.
core::Status init_logging(const LogOptions& options);

// Emits pending throttle summaries, writes every queued line, flushes the sinks and stops
// the logging thread; later lines go synchronously to stderr (the level is unchanged).
// Safe to call twice, and without init_logging. Call it before main returns, or the
// queue's tail is lost.
void shutdown_logging();

// Changes the level at run time (any thread).
void set_log_level(LogLevel level);
LogLevel log_level();

// Registers a credential so that, from now on, every occurrence of it in any line (however
// it got into the text, e.g. inside an error message from a peer) is replaced with *** before
// the line reaches a sink. Values shorter than 4 characters are ignored. Process-wide;
// survives re-initialisation.
void register_secret(std::string_view value);

// Emits `log_suppressed event=<name> suppressed=N` for throttled bursts whose window has
// ended without a later line. The background flush (LogOptions::flush_interval_s) calls it;
// tests call it directly.
void flush_log_throttle();

// Counters for metrics, since process start (relaxed reads; a snapshot, not atomic as a whole).
struct LogStats {
  std::array<uint64_t, kLogLevelCount> lines{};  // lines handed to the logger, by LogLevel
  uint64_t suppressed = 0;                       // lines dropped by burst throttling
  uint64_t dropped = 0;                          // lines lost because the async queue was full
};
LogStats log_stats();

namespace log_internal {

// The current threshold, read inline by every log_event call.
inline std::atomic<int> g_min_level{static_cast<int>(LogLevel::kInfo)};

// Hands a rendered line ("event key=value ...", the event being its first event_len bytes)
// to throttling, counters and the logger.
void emit(LogLevel level, std::string_view line, size_t event_len);

inline void append_pairs(LineBuffer&) {}
template <class K, class V, class... Rest>
void append_pairs(LineBuffer& out, const K& key, const V& value, const Rest&... rest) {
  append_field(out, key.view(), key.unit(), value);
  append_pairs(out, rest...);
}

template <class... Args>
void render_and_emit(LogLevel level, EventName event, const Args&... args) {
  LineBuffer line;
  append_raw(line, event.view());
  append_pairs(line, args...);
  emit(level, std::string_view(line.data(), line.size()), event.view().size());
}

}  // namespace log_internal

// True when a line at `level` would be logged.
inline bool log_enabled(LogLevel level) {
  return level != LogLevel::kOff &&
         static_cast<int>(level) >= log_internal::g_min_level.load(std::memory_order_relaxed);
}

// log_event(level, "event", "key1", value1, "key2", value2, ...): up to 10 fields; keys are
// string literals checked at compile time (see FieldKey). Values: integers, bool, doubles,
// strings, core::Secret, WallTimeMs, system_clock time points, std::chrono durations,
// std::error_code, enums (via an ADL to_string if any), types with to_string(), and
// anything fmt can format.
inline void log_event(LogLevel level, EventName event) {
  if (log_enabled(level)) log_internal::render_and_emit(level, event);
}
template <class V1>
inline void log_event(LogLevel level, EventName event, KeyFor<V1> k1, const V1& v1) {
  if (log_enabled(level)) log_internal::render_and_emit(level, event, k1, v1);
}
template <class V1, class V2>
inline void log_event(LogLevel level, EventName event, KeyFor<V1> k1, const V1& v1, KeyFor<V2> k2,
                      const V2& v2) {
  if (log_enabled(level)) log_internal::render_and_emit(level, event, k1, v1, k2, v2);
}
template <class V1, class V2, class V3>
inline void log_event(LogLevel level, EventName event, KeyFor<V1> k1, const V1& v1, KeyFor<V2> k2,
                      const V2& v2, KeyFor<V3> k3, const V3& v3) {
  if (log_enabled(level)) log_internal::render_and_emit(level, event, k1, v1, k2, v2, k3, v3);
}
template <class V1, class V2, class V3, class V4>
inline void log_event(LogLevel level, EventName event, KeyFor<V1> k1, const V1& v1, KeyFor<V2> k2,
                      const V2& v2, KeyFor<V3> k3, const V3& v3, KeyFor<V4> k4, const V4& v4) {
  if (log_enabled(level)) log_internal::render_and_emit(level, event, k1, v1, k2, v2, k3, v3, k4, v4);
}
template <class V1, class V2, class V3, class V4, class V5>
inline void log_event(LogLevel level, EventName event, KeyFor<V1> k1, const V1& v1, KeyFor<V2> k2,
                      const V2& v2, KeyFor<V3> k3, const V3& v3, KeyFor<V4> k4, const V4& v4, KeyFor<V5> k5,
                      const V5& v5) {
  if (log_enabled(level)) log_internal::render_and_emit(level, event, k1, v1, k2, v2, k3, v3, k4, v4, k5, v5);
}
template <class V1, class V2, class V3, class V4, class V5, class V6>
inline void log_event(LogLevel level, EventName event, KeyFor<V1> k1, const V1& v1, KeyFor<V2> k2,
                      const V2& v2, KeyFor<V3> k3, const V3& v3, KeyFor<V4> k4, const V4& v4, KeyFor<V5> k5,
                      const V5& v5, KeyFor<V6> k6, const V6& v6) {
  if (log_enabled(level))
    log_internal::render_and_emit(level, event, k1, v1, k2, v2, k3, v3, k4, v4, k5, v5, k6, v6);
}
template <class V1, class V2, class V3, class V4, class V5, class V6, class V7>
inline void log_event(LogLevel level, EventName event, KeyFor<V1> k1, const V1& v1, KeyFor<V2> k2,
                      const V2& v2, KeyFor<V3> k3, const V3& v3, KeyFor<V4> k4, const V4& v4, KeyFor<V5> k5,
                      const V5& v5, KeyFor<V6> k6, const V6& v6, KeyFor<V7> k7, const V7& v7) {
  if (log_enabled(level))
    log_internal::render_and_emit(level, event, k1, v1, k2, v2, k3, v3, k4, v4, k5, v5, k6, v6, k7, v7);
}
template <class V1, class V2, class V3, class V4, class V5, class V6, class V7, class V8>
inline void log_event(LogLevel level, EventName event, KeyFor<V1> k1, const V1& v1, KeyFor<V2> k2,
                      const V2& v2, KeyFor<V3> k3, const V3& v3, KeyFor<V4> k4, const V4& v4, KeyFor<V5> k5,
                      const V5& v5, KeyFor<V6> k6, const V6& v6, KeyFor<V7> k7, const V7& v7, KeyFor<V8> k8,
                      const V8& v8) {
  if (log_enabled(level))
    log_internal::render_and_emit(level, event, k1, v1, k2, v2, k3, v3, k4, v4, k5, v5, k6, v6, k7, v7, k8,
                                  v8);
}
template <class V1, class V2, class V3, class V4, class V5, class V6, class V7, class V8, class V9>
inline void log_event(LogLevel level, EventName event, KeyFor<V1> k1, const V1& v1, KeyFor<V2> k2,
                      const V2& v2, KeyFor<V3> k3, const V3& v3, KeyFor<V4> k4, const V4& v4, KeyFor<V5> k5,
                      const V5& v5, KeyFor<V6> k6, const V6& v6, KeyFor<V7> k7, const V7& v7, KeyFor<V8> k8,
                      const V8& v8, KeyFor<V9> k9, const V9& v9) {
  if (log_enabled(level))
    log_internal::render_and_emit(level, event, k1, v1, k2, v2, k3, v3, k4, v4, k5, v5, k6, v6, k7, v7, k8,
                                  v8, k9, v9);
}
template <class V1, class V2, class V3, class V4, class V5, class V6, class V7, class V8, class V9, class V10>
inline void log_event(LogLevel level, EventName event, KeyFor<V1> k1, const V1& v1, KeyFor<V2> k2,
                      const V2& v2, KeyFor<V3> k3, const V3& v3, KeyFor<V4> k4, const V4& v4, KeyFor<V5> k5,
                      const V5& v5, KeyFor<V6> k6, const V6& v6, KeyFor<V7> k7, const V7& v7, KeyFor<V8> k8,
                      const V8& v8, KeyFor<V9> k9, const V9& v9, KeyFor<V10> k10, const V10& v10) {
  if (log_enabled(level))
    log_internal::render_and_emit(level, event, k1, v1, k2, v2, k3, v3, k4, v4, k5, v5, k6, v6, k7, v7, k8,
                                  v8, k9, v9, k10, v10);
}

// For keys known only at run time: log_fields(LogLevel::kInfo, "config", LogFields().add(k, v)).
// The event name is sanitized like a runtime key.
void log_fields(LogLevel level, std::string_view event, const LogFields& fields);

}  // namespace phoenix::telemetry
