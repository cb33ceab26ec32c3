#include "telemetry/log.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/async_logger.h>
#include <spdlog/details/periodic_worker.h>
#include <spdlog/details/thread_pool.h>
#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "telemetry/log_throttle.h"

namespace phoenix::telemetry {
namespace {

using log_internal::LineBuffer;

constexpr char kLoggerName[] = "phoenix";
constexpr char kLevelFlag = '*';  // our pattern flag for the level word
constexpr char kPattern[] = "%Y-%m-%dT%H:%M:%S.%eZ %* %v";
constexpr size_t kMinSecretLength = 4;
constexpr size_t kMaxRotatedFiles = 200000;  // spdlog's limit

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace: return spdlog::level::trace;
    case LogLevel::kDebug: return spdlog::level::debug;
    case LogLevel::kInfo: return spdlog::level::info;
    case LogLevel::kWarn: return spdlog::level::warn;
    case LogLevel::kError: return spdlog::level::err;
    case LogLevel::kCritical: return spdlog::level::critical;
    case LogLevel::kOff: return spdlog::level::off;
  }
  return spdlog::level::off;
}

std::string_view spdlog_level_word(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace: return "TRACE";
    case spdlog::level::debug: return "DEBUG";
    case spdlog::level::info: return "INFO";
    case spdlog::level::warn: return "WARN";
    case spdlog::level::err: return "ERROR";
    case spdlog::level::critical: return "CRIT";
    default: return "OFF";
  }
}

// The `%*` pattern flag: our level words (WARN, CRIT), not spdlog's ("warning", "critical").
// Owned by a pattern_formatter; called on whichever thread formats (the logging thread).
class LevelWordFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*tm*/,
              spdlog::memory_buf_t& dest) override {
    const std::string_view word = spdlog_level_word(msg.level);
    dest.append(word.data(), word.data() + word.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<LevelWordFlag>(); }
};

// The process-wide set of registered secrets, longest first (so a secret containing
// another is masked whole). One instance, never destroyed; thread-safe (a mutex; lines are
// scrubbed on the logging thread, registrations are rare).
class SecretScrubber {
 public:
  void add(std::string_view value) {
    if (value.size() < kMinSecretLength) return;
    std::lock_guard lock(mu_);
    if (std::find(secrets_.begin(), secrets_.end(), value) != secrets_.end()) return;
    secrets_.emplace_back(value);
    std::stable_sort(secrets_.begin(), secrets_.end(),
                     [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  }

  // Replaces every registered secret in buf[from, end) with ***.
  void scrub(spdlog::memory_buf_t& buf, size_t from) const {
    std::lock_guard lock(mu_);
    if (secrets_.empty()) return;
    const std::string_view text(buf.data() + from, buf.size() - from);
    const bool any = std::any_of(secrets_.begin(), secrets_.end(), [&](const std::string& s) {
      return text.find(s) != std::string_view::npos;
    });
    if (!any) return;
    std::string line(text);
    for (const std::string& secret : secrets_) {
      for (size_t pos = line.find(secret); pos != std::string::npos; pos = line.find(secret, pos + 3)) {
        line.replace(pos, secret.size(), "***");
      }
    }
    buf.resize(from);
    buf.append(line.data(), line.data() + line.size());
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> secrets_;
};

SecretScrubber& scrubber() {
  static auto* instance = new SecretScrubber();  // never destroyed: usable during exit
  return *instance;
}

// Every sink's formatter: the line pattern (UTC time with ms, level word, message), then
// secret scrubbing, so nothing reaches a sink unscrubbed. Owned by one sink; called on the
// thread that writes to that sink.
class ScrubbingFormatter final : public spdlog::formatter {
 public:
  ScrubbingFormatter() {
    spdlog::pattern_formatter::custom_flags flags;
    flags[kLevelFlag] = std::make_unique<LevelWordFlag>();
    inner_ = std::make_unique<spdlog::pattern_formatter>(kPattern, spdlog::pattern_time_type::utc, "\n",
                                                         std::move(flags));
  }
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const size_t start = dest.size();
    inner_->format(msg, dest);
    scrubber().scrub(dest, start);
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<ScrubbingFormatter>(); }

 private:
  std::unique_ptr<spdlog::pattern_formatter> inner_;
};

// Counters behind log_stats(); constant-initialized, so usable at any time.
std::array<std::atomic<uint64_t>, kLogLevelCount> g_lines{};
std::atomic<uint64_t> g_suppressed{0};
std::atomic<uint64_t> g_dropped_before{0};  // overruns of async queues already shut down

// The logging backend. One instance, never destroyed (lines logged during exit still work).
struct State {
  // Serializes init_logging / shutdown_logging, and guards `flusher`.
  std::mutex lifecycle_mu;
  std::unique_ptr<spdlog::details::periodic_worker> flusher;

  // Guards the fields below. Held while a line is throttled and enqueued (not while it is
  // rendered, nor while it is written out by the logging thread), and while logging is
  // reconfigured, so a line never reaches a logger that is being torn down and lines enter
  // the queue in timestamp order. A plain mutex: a reader-preferring rwlock let a storm of
  // lines starve init/shutdown.
  std::mutex mu;
  std::shared_ptr<spdlog::logger> logger;              // the async logger, or `fallback`
  std::shared_ptr<spdlog::details::thread_pool> pool;  // null while on `fallback`
  const core::Clock* clock = &core::RealClock::instance();
  std::shared_ptr<spdlog::logger> fallback;  // synchronous stderr, before init / after shutdown
  LogThrottle throttle{0};
};

State& state() {
  static State* instance = [] {
    auto* s = new State();
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    sink->set_formatter(std::make_unique<ScrubbingFormatter>());
    s->fallback = std::make_shared<spdlog::logger>(kLoggerName, std::move(sink));
    s->fallback->set_level(spdlog::level::trace);
    s->logger = s->fallback;
    return s;
  }();
  return *instance;
}

// Writes one line. Caller holds s.mu.
void write_line(State& s, LogLevel level, std::string_view line) {
  g_lines[static_cast<size_t>(level)].fetch_add(1, std::memory_order_relaxed);
  const spdlog::log_clock::time_point time(std::chrono::microseconds(s.clock->wall_us()));
  s.logger->log(time, spdlog::source_loc{}, to_spdlog(level),
                spdlog::string_view_t(line.data(), line.size()));
}

// `log_suppressed event=<name> suppressed=N`. Caller holds s.mu.
void write_summary(State& s, const LogThrottle::Summary& summary) {
  if (!log_enabled(summary.level)) return;
  LineBuffer line;
  log_internal::append_raw(line, "log_suppressed");
  log_internal::append_field(line, "event", log_internal::KeyUnit::kNone, summary.event);
  log_internal::append_field(line, "suppressed", log_internal::KeyUnit::kNone, summary.suppressed);
  write_line(s, summary.level, std::string_view(line.data(), line.size()));
}

// Ends the current setup (if any) and returns to the stderr fallback. Caller holds
// s.lifecycle_mu and not s.mu.
void shutdown_locked(State& s) {
  s.flusher.reset();  // joins the flush thread, which takes s.mu itself

  std::shared_ptr<spdlog::logger> old_logger;
  std::shared_ptr<spdlog::details::thread_pool> old_pool;
  {
    std::lock_guard lock(s.mu);
    for (const auto& summary : s.throttle.flush(s.clock->monotonic_ns(), /*all=*/true))
      write_summary(s, summary);
    s.throttle = LogThrottle(0);
    if (s.pool) {
      s.logger->flush();  // queued behind every line
      g_dropped_before.fetch_add(s.pool->overrun_counter(), std::memory_order_relaxed);
      old_logger = std::move(s.logger);
      old_pool = std::move(s.pool);
    }
    s.logger = s.fallback;
    s.pool.reset();
    s.clock = &core::RealClock::instance();
  }
  // The pool is ours alone: its destructor lets the thread write everything queued, then
  // joins it. Only then is the logger released, so it and its sinks (closing the file) are
  // destroyed here, after the last write, not on the logging thread.
  old_pool.reset();
  old_logger.reset();
  s.fallback->flush();
}

// Creates the log file's directory and checks the file can be opened for appending, so the
// error names the OS reason (spdlog would throw after retrying).
core::Status prepare_log_file(const std::string& file) {
  const std::filesystem::path path(file);
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return core::Error{core::ErrorCode::kIo, fmt::format("cannot create log directory {}: {}",
                                                           path.parent_path().string(), ec.message())};
    }
  }
  std::FILE* f = std::fopen(file.c_str(), "ab");
  if (f == nullptr) {
    const int err = errno;
    const auto code = (err == EACCES || err == EPERM) ? core::ErrorCode::kPermission : core::ErrorCode::kIo;
    return core::Error{
        code, fmt::format("cannot open log file {}: {}", file, std::generic_category().message(err))};
  }
  (void)std::fclose(f);  // opened only to check: nothing written, nothing to lose
  return {};
}

core::Status validate(const LogOptions& options) {
  auto invalid = [](std::string message) {
    return core::Error{core::ErrorCode::kInvalidArgument, std::move(message)};
  };
  if (options.max_file_bytes == 0) return invalid("logging: max_file_bytes must be > 0");
  if (options.max_files > kMaxRotatedFiles) {
    return invalid(
        fmt::format("logging: max_files must be <= {}, got {}", kMaxRotatedFiles, options.max_files));
  }
  if (options.throttle_window_ms < 0) return invalid("logging: throttle_window_ms must be >= 0");
  if (options.queue_lines == 0) return invalid("logging: queue_lines must be > 0");
  if (options.flush_interval_s < 0) return invalid("logging: flush_interval_s must be >= 0");
  return {};
}

void background_flush() {
  flush_log_throttle();
  State& s = state();
  std::lock_guard lock(s.mu);
  if (s.pool) s.logger->flush();
}

}  // namespace

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace: return "trace";
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
    case LogLevel::kCritical: return "critical";
    case LogLevel::kOff: return "off";
  }
  return "off";
}

std::string_view level_word(LogLevel level) { return spdlog_level_word(to_spdlog(level)); }

core::Result<LogLevel> parse_log_level(std::string_view text) {
  for (LogLevel level : {LogLevel::kTrace, LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn,
                         LogLevel::kError, LogLevel::kCritical, LogLevel::kOff}) {
    if (text == to_string(level)) return level;
  }
  return core::Error{
      core::ErrorCode::kInvalidArgument,
      fmt::format("unknown log level \"{}\"; expected one of trace|debug|info|warn|error|critical|off",
                  text)};
}

core::Status init_logging(const LogOptions& options) {
  if (auto valid = validate(options); !valid) return valid;
  State& s = state();
  std::lock_guard lifecycle(s.lifecycle_mu);
  if (!options.file.empty()) {
    if (auto prepared = prepare_log_file(options.file); !prepared) return prepared;
  }
  shutdown_locked(s);

  std::shared_ptr<spdlog::details::thread_pool> pool;
  std::shared_ptr<spdlog::async_logger> logger;
  try {
    std::vector<spdlog::sink_ptr> sinks;
    if (!options.file.empty()) {
      sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
          options.file, static_cast<size_t>(options.max_file_bytes), options.max_files));
    }
    if (options.to_stderr) sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
    for (auto& sink : sinks) sink->set_formatter(std::make_unique<ScrubbingFormatter>());
    pool = std::make_shared<spdlog::details::thread_pool>(options.queue_lines, 1);
    logger = std::make_shared<spdlog::async_logger>(kLoggerName, sinks.begin(), sinks.end(), pool,
                                                    spdlog::async_overflow_policy::overrun_oldest);
    logger->set_level(spdlog::level::trace);
    logger->flush_on(spdlog::level::warn);
  } catch (const std::exception& e) {
    return core::Error{core::ErrorCode::kIo, fmt::format("cannot start logging: {}", e.what())};
  }

  {
    std::lock_guard lock(s.mu);
    s.logger = std::move(logger);
    s.pool = std::move(pool);
    s.clock = options.clock != nullptr ? options.clock : &core::RealClock::instance();
    s.throttle = LogThrottle(options.throttle_window_ms * 1'000'000);
  }
  set_log_level(options.level);

  if (options.flush_interval_s > 0) {
    try {
      s.flusher = std::make_unique<spdlog::details::periodic_worker>(
          background_flush, std::chrono::seconds(options.flush_interval_s));
    } catch (const std::exception& e) {
      log_event(LogLevel::kWarn, "log_flusher_failed", "error", std::string_view(e.what()));
    }
  }
  return {};
}

void shutdown_logging() {
  State& s = state();
  std::lock_guard lifecycle(s.lifecycle_mu);
  shutdown_locked(s);
}

void set_log_level(LogLevel level) {
  log_internal::g_min_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

LogLevel log_level() {
  return static_cast<LogLevel>(log_internal::g_min_level.load(std::memory_order_relaxed));
}

void register_secret(std::string_view value) { scrubber().add(value); }

void flush_log_throttle() {
  State& s = state();
  std::lock_guard lock(s.mu);
  for (const auto& summary : s.throttle.flush(s.clock->monotonic_ns(), /*all=*/false))
    write_summary(s, summary);
}

LogStats log_stats() {
  LogStats stats;
  for (size_t i = 0; i < kLogLevelCount; ++i) stats.lines[i] = g_lines[i].load(std::memory_order_relaxed);
  stats.suppressed = g_suppressed.load(std::memory_order_relaxed);
  stats.dropped = g_dropped_before.load(std::memory_order_relaxed);
  State& s = state();
  std::lock_guard lock(s.mu);
  if (s.pool) stats.dropped += s.pool->overrun_counter();
  return stats;
}

void log_fields(LogLevel level, std::string_view event, const LogFields& fields) {
  if (!log_enabled(level)) return;
  LineBuffer line;
  log_internal::append_runtime_key(line, event);
  const size_t event_len = line.size();
  log_internal::append_raw(line, fields.view());
  log_internal::emit(level, std::string_view(line.data(), line.size()), event_len);
}

namespace log_internal {

void emit(LogLevel level, std::string_view line, size_t event_len) {
  if (level == LogLevel::kOff) return;
  State& s = state();
  std::lock_guard lock(s.mu);
  if (level < LogLevel::kWarn) {
    write_line(s, level, line);
    return;
  }
  LogThrottle::Verdict verdict = s.throttle.on_line(level, line, event_len, s.clock->monotonic_ns());
  if (verdict.evicted) write_summary(s, *verdict.evicted);
  if (!verdict.print) {
    g_suppressed.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (verdict.suppressed_before == 0) {
    write_line(s, level, line);
    return;
  }
  LineBuffer counted;
  append_raw(counted, line);
  append_field(counted, "suppressed", KeyUnit::kNone, verdict.suppressed_before);
  write_line(s, level, std::string_view(counted.data(), counted.size()));
}

}  // namespace log_internal
}  // namespace phoenix::telemetry
