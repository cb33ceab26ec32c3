// End to end: log_event -> throttle -> async spdlog -> file, read back after shutdown.

#include "telemetry/log.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "core/clock.h"
#include "core/secret.h"

namespace phoenix::telemetry {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// "2026-11-25T18:11:30.123Z " at the start of a line.
const std::regex& timestamp_prefix() {
  static const auto* re = new std::regex(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z )");
  return *re;
}

std::vector<std::string> read_lines(const std::filesystem::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A temporary directory and a ManualClock; logging to <dir>/phoenix.log, no stderr, no
// background flush (so nothing happens behind the test's back).
class LogFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "phoenix_log_test_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    file_ = dir_ / "logs" / "phoenix.log";  // the directory does not exist yet
  }
  void TearDown() override {
    shutdown_logging();
    set_log_level(LogLevel::kInfo);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  LogOptions options() const {
    LogOptions o;
    o.file = file_.string();
    o.to_stderr = false;
    o.flush_interval_s = 0;
    o.clock = &clock_;
    return o;
  }
  void start() { start(options()); }
  void start(const LogOptions& o) { ASSERT_TRUE(init_logging(o).ok()); }

  // Shuts logging down and returns the file's lines, each checked for the timestamp prefix
  // and returned without it.
  std::vector<std::string> finish() {
    shutdown_logging();
    std::vector<std::string> out;
    for (const std::string& line : read_lines(file_)) {
      std::smatch m;
      EXPECT_TRUE(std::regex_search(line, m, timestamp_prefix())) << line;
      out.push_back(m.empty() ? line : m.suffix().str());
    }
    return out;
  }

  std::filesystem::path dir_;
  std::filesystem::path file_;
  core::ManualClock clock_;  // wall clock at 2025-11-24T16:00:00.000Z
};

using LogLineTest = LogFileTest;
using LogBurstTest = LogFileTest;
using LogSecretTest = LogFileTest;
using LogSetupTest = LogFileTest;

TEST_F(LogLineTest, LineIsTimestampLevelEventFields) {
  start();
  log_event(LogLevel::kWarn, "md_stale", "symbol", "ETHUSDC", "stale_ms", 2700ms, "last_update",
            WallTimeMs{clock_.wall_ms() - 2700});
  shutdown_logging();
  EXPECT_THAT(read_lines(file_),
              ElementsAre("2025-11-24T16:00:00.000Z WARN md_stale symbol=ETHUSDC stale_ms=2700 "
                          "last_update=2025-11-24T15:59:57.300Z"));
}

TEST_F(LogLineTest, TimestampIsTakenWhenLogged) {
  start();
  log_event(LogLevel::kInfo, "first");
  clock_.advance_ms(1234);
  log_event(LogLevel::kInfo, "second");
  shutdown_logging();
  EXPECT_THAT(read_lines(file_),
              ElementsAre("2025-11-24T16:00:00.000Z INFO first", "2025-11-24T16:00:01.234Z INFO second"));
}

TEST_F(LogLineTest, LevelWords) {
  LogOptions o = options();
  o.level = LogLevel::kTrace;
  start(o);
  log_event(LogLevel::kTrace, "e");
  log_event(LogLevel::kDebug, "e");
  log_event(LogLevel::kInfo, "e");
  log_event(LogLevel::kWarn, "e");
  log_event(LogLevel::kError, "e");
  log_event(LogLevel::kCritical, "e");
  log_event(LogLevel::kOff, "e");  // not a line level: ignored
  EXPECT_THAT(finish(), ElementsAre("TRACE e", "DEBUG e", "INFO e", "WARN e", "ERROR e", "CRIT e"));
}

TEST_F(LogLineTest, QuotingAndEscaping) {
  start();
  log_event(LogLevel::kInfo, "ws_connected", "extensions", "permessage-deflate; server_no_context_takeover",
            "reason", std::string(R"(peer said "bye" \o/)"), "ok", true, "ratio", 0.125, "n", -3, "text",
            "a=b\nc");
  EXPECT_THAT(finish(),
              ElementsAre(R"(INFO ws_connected extensions="permessage-deflate; server_no_context_takeover" )"
                          R"(reason="peer said \"bye\" \\o/" ok=true ratio=0.125 n=-3 text="a=b\nc")"));
}

TEST_F(LogLineTest, DurationRenderedInKeyUnit) {
  start();
  const std::chrono::nanoseconds d(2699639045);
  log_event(LogLevel::kInfo, "durations", "a_ns", d, "a_us", d, "a_ms", d, "a_s", d);
  log_fields(LogLevel::kInfo, "runtime_keys", LogFields().add("stale", d));  // unit-less key: _ms appended
  EXPECT_THAT(finish(), ElementsAre("INFO durations a_ns=2699639045 a_us=2699639 a_ms=2699 a_s=2",
                                    "INFO runtime_keys stale_ms=2699"));
}

// The ops report logged `stale_duration=2699.639045` (milliseconds, printed as if seconds).
TEST_F(LogLineTest, OpsReportStaleDurationIsWholeMilliseconds) {
  start();
  const std::chrono::duration<double, std::milli> stale(2699.639045);
  log_event(LogLevel::kWarn, "md_stale", "symbol", "ETHUSDC", "stale_ms", stale);
  log_event(LogLevel::kWarn, "md_stale", "symbol", "SOLUSDC", "stale_ms",
            std::chrono::duration_cast<std::chrono::nanoseconds>(stale));
  const auto lines = finish();
  EXPECT_THAT(lines, ElementsAre("WARN md_stale symbol=ETHUSDC stale_ms=2699",
                                 "WARN md_stale symbol=SOLUSDC stale_ms=2699"));
  for (const auto& line : lines) {
    EXPECT_THAT(line, Not(HasSubstr("2699.6")));
    EXPECT_THAT(line, Not(HasSubstr("stale_duration")));
    EXPECT_THAT(line, Not(HasSubstr("stale_s=")));
  }
}

TEST_F(LogSecretTest, SecretValueNeverPrinted) {
  start();
  const core::Secret key("AKIA-f00dfeed-5ecret-value");
  log_event(LogLevel::kInfo, "credentials_loaded", "api_key", key);
  const auto lines = finish();
  EXPECT_THAT(lines, ElementsAre("INFO credentials_loaded api_key=***"));
  EXPECT_THAT(lines[0], Not(HasSubstr("f00dfeed")));
}

TEST_F(LogSecretTest, RegisteredSecretScrubbedFromFreeText) {
  register_secret("sk-9f8e7d6c5b4a");
  register_secret("abc");  // too short to scrub safely: ignored
  start();
  log_event(LogLevel::kError, "order_rejected", "error",
            std::string("invalid signature for key sk-9f8e7d6c5b4a (sk-9f8e7d6c5b4a)"), "code", "abc");
  log_fields(LogLevel::kInfo, "debug_dump", LogFields().add("raw", "apiKey=sk-9f8e7d6c5b4a"));
  const auto lines = finish();
  EXPECT_THAT(lines,
              ElementsAre(R"x(ERROR order_rejected error="invalid signature for key *** (***)" code=abc)x",
                          R"(INFO debug_dump raw="apiKey=***")"));
  for (const auto& line : read_lines(file_)) EXPECT_THAT(line, Not(HasSubstr("9f8e7d")));
}

TEST_F(LogSecretTest, ScrubbedOnStderrFallbackToo) {
  register_secret("fallback-secret-77");
  shutdown_logging();  // logging on the synchronous stderr fallback
  ::testing::internal::CaptureStderr();
  log_event(LogLevel::kError, "early_failure", "reason", "token fallback-secret-77 rejected");
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(err, HasSubstr(R"(ERROR early_failure reason="token *** rejected")"));
  EXPECT_THAT(err, Not(HasSubstr("fallback-secret-77")));
}

TEST_F(LogBurstTest, IdenticalWarningsSuppressedThenCounted) {
  start();
  const LogStats before = log_stats();
  for (int i = 0; i < 10; ++i) log_event(LogLevel::kWarn, "md_stale", "symbol", "ETHUSDC", "stale_ms", 2700);
  clock_.advance_ms(1001);
  log_event(LogLevel::kWarn, "md_stale", "symbol", "ETHUSDC", "stale_ms", 2700);
  EXPECT_EQ(log_stats().suppressed - before.suppressed, 9u);
  EXPECT_THAT(finish(), ElementsAre("WARN md_stale symbol=ETHUSDC stale_ms=2700",
                                    "WARN md_stale symbol=ETHUSDC stale_ms=2700 suppressed=9"));
}

TEST_F(LogBurstTest, PendingBurstReportedAtShutdown) {
  start();
  for (int i = 0; i < 5; ++i) log_event(LogLevel::kError, "ws_disconnected", "reason", "eof");
  EXPECT_THAT(finish(), ElementsAre("ERROR ws_disconnected reason=eof",
                                    "ERROR log_suppressed event=ws_disconnected suppressed=4"));
}

TEST_F(LogBurstTest, FlushReportsEndedBurst) {
  start();
  for (int i = 0; i < 3; ++i) log_event(LogLevel::kWarn, "md_gap", "symbol", "BNBUSDC");
  flush_log_throttle();  // window not over: nothing yet
  clock_.advance_ms(1000);
  flush_log_throttle();
  log_event(LogLevel::kWarn, "md_gap", "symbol", "BNBUSDC");  // a new burst: no count
  EXPECT_THAT(finish(),
              ElementsAre("WARN md_gap symbol=BNBUSDC", "WARN log_suppressed event=md_gap suppressed=2",
                          "WARN md_gap symbol=BNBUSDC"));
}

TEST_F(LogBurstTest, DifferentFieldsNotThrottledTogether) {
  start();
  for (int i = 0; i < 2; ++i) {
    log_event(LogLevel::kWarn, "md_stale", "symbol", "ETHUSDC");
    log_event(LogLevel::kWarn, "md_stale", "symbol", "SOLUSDC");
  }
  EXPECT_THAT(finish(), ElementsAre("WARN md_stale symbol=ETHUSDC", "WARN md_stale symbol=SOLUSDC",
                                    "WARN log_suppressed event=md_stale suppressed=1",
                                    "WARN log_suppressed event=md_stale suppressed=1"));
}

TEST_F(LogBurstTest, InfoNotThrottled) {
  start();
  for (int i = 0; i < 10; ++i) log_event(LogLevel::kInfo, "quote_sent", "symbol", "ETHUSDC");
  const auto lines = finish();
  ASSERT_EQ(lines.size(), 10u);
  for (const auto& line : lines) EXPECT_EQ(line, "INFO quote_sent symbol=ETHUSDC");
}

TEST_F(LogBurstTest, ZeroWindowDisablesThrottling) {
  LogOptions o = options();
  o.throttle_window_ms = 0;
  start(o);
  for (int i = 0; i < 3; ++i) log_event(LogLevel::kWarn, "w");
  EXPECT_THAT(finish(), ElementsAre("WARN w", "WARN w", "WARN w"));
}

TEST_F(LogSetupTest, LevelFiltersAndCanChangeAtRunTime) {
  LogOptions o = options();
  o.level = LogLevel::kWarn;
  start(o);
  EXPECT_FALSE(log_enabled(LogLevel::kInfo));
  log_event(LogLevel::kInfo, "hidden");
  set_log_level(LogLevel::kDebug);
  EXPECT_EQ(log_level(), LogLevel::kDebug);
  log_event(LogLevel::kDebug, "shown");
  set_log_level(LogLevel::kOff);
  log_event(LogLevel::kCritical, "hidden_too");
  EXPECT_THAT(finish(), ElementsAre("DEBUG shown"));
}

TEST_F(LogSetupTest, CreatesParentDirectory) {
  start();
  EXPECT_TRUE(std::filesystem::is_directory(file_.parent_path()));
}

TEST_F(LogSetupTest, RotationKeepsAtMostMaxFilesPlusCurrent) {
  LogOptions o = options();
  o.max_file_bytes = 1024;
  o.max_files = 2;
  start(o);
  for (int i = 0; i < 300; ++i)
    log_event(LogLevel::kInfo, "filler", "i", i, "pad", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
  shutdown_logging();
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(file_.parent_path())) {
    ++files;
    EXPECT_LE(entry.file_size(), 1024u) << entry.path();
  }
  EXPECT_EQ(files, 3u);  // phoenix.log, phoenix.1.log, phoenix.2.log
  const auto last = read_lines(file_);
  ASSERT_FALSE(last.empty());
  EXPECT_THAT(last.back(), HasSubstr("filler i=299 "));
}

TEST_F(LogSetupTest, UnwritablePathReturnsErrorWithReason) {
  LogOptions o = options();
  o.file = "/proc/x/y.log";
  const auto status = init_logging(o);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message, HasSubstr("/proc/x"));
  EXPECT_THAT(status.error().message, HasSubstr(": "));  // followed by the OS reason

  o.file = dir_.string();  // a directory, not a file
  const auto dir_status = init_logging(o);
  ASSERT_FALSE(dir_status.ok());
  EXPECT_THAT(dir_status.error().message, HasSubstr("Is a directory"));
}

TEST_F(LogSetupTest, InvalidOptionsRejected) {
  LogOptions o = options();
  o.max_file_bytes = 0;
  EXPECT_FALSE(init_logging(o).ok());
  o = options();
  o.throttle_window_ms = -1;
  EXPECT_FALSE(init_logging(o).ok());
}

TEST_F(LogSetupTest, InitTwiceReplacesSetupAndShutdownTwiceIsSafe) {
  start();
  log_event(LogLevel::kInfo, "to_first");
  LogOptions second = options();
  second.file = (dir_ / "second.log").string();
  start(second);
  log_event(LogLevel::kInfo, "to_second");
  shutdown_logging();
  shutdown_logging();
  const auto first_lines = read_lines(file_);
  const auto second_lines = read_lines(second.file);
  ASSERT_EQ(first_lines.size(), 1u);
  ASSERT_EQ(second_lines.size(), 1u);
  EXPECT_THAT(first_lines[0], HasSubstr("INFO to_first"));
  EXPECT_THAT(second_lines[0], HasSubstr("INFO to_second"));
}

TEST_F(LogSetupTest, BeforeInitLinesGoToStderr) {
  shutdown_logging();
  ::testing::internal::CaptureStderr();
  log_event(LogLevel::kError, "config_invalid", "path", "configs/x.yaml");
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(std::regex_search(err, timestamp_prefix())) << err;
  EXPECT_THAT(err, HasSubstr("ERROR config_invalid path=configs/x.yaml\n"));
}

TEST_F(LogSetupTest, StatsCountLinesByLevel) {
  start();
  const LogStats before = log_stats();
  log_event(LogLevel::kInfo, "a");
  log_event(LogLevel::kInfo, "b");
  log_event(LogLevel::kError, "c");
  log_event(LogLevel::kDebug, "filtered");
  const LogStats after = log_stats();
  EXPECT_EQ(
      after.lines[static_cast<size_t>(LogLevel::kInfo)] - before.lines[static_cast<size_t>(LogLevel::kInfo)],
      2u);
  EXPECT_EQ(after.lines[static_cast<size_t>(LogLevel::kError)] -
                before.lines[static_cast<size_t>(LogLevel::kError)],
            1u);
  EXPECT_EQ(after.lines[static_cast<size_t>(LogLevel::kDebug)],
            before.lines[static_cast<size_t>(LogLevel::kDebug)]);
}

// A full queue never blocks the caller: it drops the oldest line and counts it, so every
// line logged is either in the file or counted as dropped.
TEST_F(LogSetupTest, FullQueueDropsOldestAndCountsIt) {
  LogOptions o = options();
  o.queue_lines = 4;
  start(o);
  const uint64_t dropped_before = log_stats().dropped;
  constexpr int kLines = 3000;
  for (int i = 0; i < kLines; ++i) log_event(LogLevel::kInfo, "burst", "i", i);
  const auto lines = finish();
  const uint64_t dropped = log_stats().dropped - dropped_before;
  EXPECT_EQ(lines.size() + dropped, static_cast<uint64_t>(kLines));
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), "INFO burst i=2999");  // the newest line survives
}

// Lines from several threads while logging is re-initialised and shut down underneath them
// (run under ASan/UBSan): no crash, no line half-written, every file line well-formed.
TEST_F(LogSetupTest, ConcurrentLoggingDuringReinit) {
  LogOptions o = options();
  o.flush_interval_s = 1;  // also exercises the background flush thread's start and stop
  o.queue_lines = 256;     // each shutdown drains the queue: keep that short
  start(o);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  threads.reserve(3);
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([t, &stop] {
      for (int i = 0; !stop.load() && i < 1'000'000; ++i) {
        log_event(LogLevel::kInfo, "worker", "t", t, "i", i);
        log_event(LogLevel::kWarn, "worker_warn", "t", t);
        if (i % 64 == 0) (void)log_stats();
      }
    });
  }
  // Waits (at most 10 s) until the workers have logged `n` more INFO lines.
  auto wait_for_lines = [](uint64_t n) {
    const uint64_t target = log_stats().lines[static_cast<size_t>(LogLevel::kInfo)] + n;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (log_stats().lines[static_cast<size_t>(LogLevel::kInfo)] < target &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  };
  ::testing::internal::CaptureStderr();  // lines logged between two setups go to stderr
  for (int round = 0; round < 6; ++round) {
    wait_for_lines(50);
    LogOptions again = options();
    again.file = (file_.parent_path() / ("round" + std::to_string(round % 2) + ".log")).string();
    again.queue_lines = 256;
    ASSERT_TRUE(init_logging(again).ok());
    flush_log_throttle();
  }
  wait_for_lines(50);
  stop.store(true);
  for (auto& thread : threads) thread.join();
  shutdown_logging();
  (void)::testing::internal::GetCapturedStderr();
  const std::regex line_shape(
      R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO worker t=\d i=\d+|WARN worker_warn t=\d( suppressed=\d+)?|WARN log_suppressed event=worker_warn suppressed=\d+)$)");
  size_t checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(file_.parent_path())) {
    for (const auto& line : read_lines(entry.path())) {
      EXPECT_TRUE(std::regex_match(line, line_shape)) << line;
      ++checked;
    }
  }
  EXPECT_GT(checked, 0u);
}

TEST(LogLevelTest, ParsesEveryName) {
  EXPECT_EQ(parse_log_level("trace").value(), LogLevel::kTrace);
  EXPECT_EQ(parse_log_level("debug").value(), LogLevel::kDebug);
  EXPECT_EQ(parse_log_level("info").value(), LogLevel::kInfo);
  EXPECT_EQ(parse_log_level("warn").value(), LogLevel::kWarn);
  EXPECT_EQ(parse_log_level("error").value(), LogLevel::kError);
  EXPECT_EQ(parse_log_level("critical").value(), LogLevel::kCritical);
  EXPECT_EQ(parse_log_level("off").value(), LogLevel::kOff);
  for (LogLevel level : {LogLevel::kTrace, LogLevel::kWarn, LogLevel::kOff}) {
    EXPECT_EQ(parse_log_level(to_string(level)).value(), level);
  }
}

TEST(LogLevelTest, RejectsUnknownAndListsChoices) {
  for (const char* bad : {"verbose", "WARN", "warning", ""}) {
    const auto r = parse_log_level(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, core::ErrorCode::kInvalidArgument);
    EXPECT_THAT(r.error().message, HasSubstr("trace|debug|info|warn|error|critical|off"));
  }
}

}  // namespace
}  // namespace phoenix::telemetry
