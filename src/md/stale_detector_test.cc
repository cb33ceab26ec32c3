#include "md/stale_detector.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "core/clock.h"
#include "telemetry/log.h"
#include "telemetry/metrics.h"

namespace phoenix::md {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr int64_t kMs = 1'000'000;

// A detector on a ManualClock, logging to a temporary file (read back by log_lines()),
// recording every transition its listener sees.
class StaleDetectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "phoenix_stale_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    telemetry::LogOptions o;
    o.file = (dir_ / "md.log").string();
    o.to_stderr = false;
    o.flush_interval_s = 0;
    o.throttle_window_ms = 0;  // a repeated line must not be hidden by the throttle
    o.clock = &clock_;
    ASSERT_TRUE(telemetry::init_logging(o).ok());
    detector_.add_listener([this](const StaleTransition& t) {
      seen_.push_back(t);
      seen_names_.emplace_back(t.name);
    });
  }
  void TearDown() override {
    telemetry::shutdown_logging();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::vector<std::string> log_lines() {
    telemetry::shutdown_logging();
    std::vector<std::string> lines;
    std::ifstream in(dir_ / "md.log");
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
  static size_t count_containing(const std::vector<std::string>& lines, std::string_view what) {
    size_t n = 0;
    for (const auto& l : lines) n += l.find(what) != std::string::npos ? 1u : 0u;
    return n;
  }

  int64_t now() const { return clock_.monotonic_ns(); }
  // Advances in 50 ms timer ticks, checking after each, until something turns stale or
  // `max_ms` passes; returns the elapsed ms.
  int64_t tick_until_stale(int64_t max_ms) {
    for (int64_t t = 50; t <= max_ms; t += 50) {
      clock_.advance_ms(50);
      if (detector_.check(now()) > 0) return t;
    }
    return -1;
  }

  double metric(std::string_view name, std::string_view symbol) {
    for (const auto& family : registry_.collect()) {
      if (family.name != name) continue;
      for (const auto& series : family.series) {
        if (series.labels.size() == 1 && series.labels[0].value == symbol) {
          return std::visit([](auto v) { return static_cast<double>(v); }, series.value);
        }
      }
    }
    return -1;
  }

  core::ManualClock clock_;
  telemetry::Registry registry_;
  StaleDetector detector_{clock_, &registry_};
  std::vector<StaleTransition> seen_;
  std::vector<std::string> seen_names_;
  std::filesystem::path dir_;
};

TEST_F(StaleDetectorTest, DetectedWithin100msAfterThresholdAndLoggedOnce) {
  const size_t eth = detector_.add_key("ETHUSDC");
  EXPECT_EQ(detector_.threshold_ms(eth), 2000);
  detector_.on_update(eth, now());
  const int64_t last_wall_ms = clock_.wall_ms();
  // The 50 ms timer is out of phase with the update: its next tick comes 30 ms later.
  clock_.advance_ms(30);
  EXPECT_EQ(detector_.check(now()), 0u);
  const int64_t detected_after_ms = 30 + tick_until_stale(5000);
  EXPECT_GE(detected_after_ms, 2000);
  EXPECT_LE(detected_after_ms, 2100);
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_TRUE(seen_[0].stale);
  EXPECT_EQ(seen_names_[0], "ETHUSDC");
  EXPECT_EQ(seen_[0].stale_ms, detected_after_ms);
  EXPECT_EQ(seen_[0].last_update_wall_ms, last_wall_ms);
  EXPECT_TRUE(detector_.is_stale(eth));
  // Later checks say nothing more.
  for (int i = 0; i < 40; ++i) {
    clock_.advance_ms(50);
    EXPECT_EQ(detector_.check(now()), 0u);
  }
  EXPECT_EQ(seen_.size(), 1u);
  // Data returns: recovered once, with the whole time without data.
  EXPECT_TRUE(detector_.on_update(eth, now()));
  EXPECT_FALSE(detector_.on_update(eth, now()));
  ASSERT_EQ(seen_.size(), 2u);
  EXPECT_FALSE(seen_[1].stale);
  EXPECT_EQ(seen_[1].stale_ms, detected_after_ms + 40 * 50);
  EXPECT_FALSE(detector_.is_stale(eth));

  const auto lines = log_lines();
  EXPECT_EQ(count_containing(lines, "md_stale"), 1u);
  EXPECT_EQ(count_containing(lines, "md_recovered"), 1u);
  const std::string stale_line = lines[0];
  EXPECT_THAT(stale_line,
              MatchesRegex(".* WARN md_stale symbol=ETHUSDC stale_ms=" + std::to_string(detected_after_ms) +
                           " last_update=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{3}Z"));
  EXPECT_THAT(lines[1], HasSubstr("INFO md_recovered symbol=ETHUSDC stale_ms=" +
                                  std::to_string(detected_after_ms + 2000)));
}

TEST_F(StaleDetectorTest, UpdatesKeepAKeyFresh) {
  const size_t k = detector_.add_key("BTCUSDT");
  for (int i = 0; i < 100; ++i) {
    clock_.advance_ms(50);
    if (i % 30 == 0) detector_.on_update(k, now());  // every 1500 ms
    EXPECT_EQ(detector_.check(now()), 0u);
  }
  EXPECT_TRUE(seen_.empty());
}

TEST_F(StaleDetectorTest, PerSymbolOverride) {
  const size_t busy = detector_.add_key("BTCUSDT");
  const size_t quiet = detector_.add_key("QUIETUSDT", 10'000);
  EXPECT_EQ(detector_.threshold_ms(quiet), 10'000);
  detector_.on_update(busy, now());
  detector_.on_update(quiet, now());
  const int64_t first = tick_until_stale(20'000);
  EXPECT_GE(first, 2000);
  EXPECT_LE(first, 2100);
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(seen_[0].key, busy);
  const int64_t second = tick_until_stale(20'000);
  EXPECT_GE(first + second, 10'000);
  EXPECT_LE(first + second, 10'100);
  ASSERT_EQ(seen_.size(), 2u);
  EXPECT_EQ(seen_[1].key, quiet);
  detector_.set_threshold_ms(busy, 500);
  EXPECT_EQ(detector_.threshold_ms(busy), 500);
}

TEST_F(StaleDetectorTest, AllStale) {
  const size_t a = detector_.add_key("AAA");
  const size_t b = detector_.add_key("BBB", 4000);
  detector_.on_update(a, now());
  detector_.on_update(b, now());
  EXPECT_FALSE(detector_.all_stale());
  (void)tick_until_stale(3000);
  EXPECT_TRUE(detector_.is_stale(a));
  EXPECT_FALSE(detector_.all_stale());
  EXPECT_EQ(detector_.stale_count(), 1u);
  (void)tick_until_stale(3000);
  EXPECT_TRUE(detector_.all_stale());
  detector_.on_update(b, now());
  EXPECT_FALSE(detector_.all_stale());
}

TEST_F(StaleDetectorTest, EmptyDetectorIsNotAllStale) { EXPECT_FALSE(detector_.all_stale()); }

TEST_F(StaleDetectorTest, KeyWithoutAnyUpdateGoesStale) {
  (void)detector_.add_key("SILENT");
  const int64_t t = tick_until_stale(5000);
  EXPECT_GE(t, 2000);
  EXPECT_LE(t, 2100);
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_FALSE(seen_[0].ever_updated);
  const auto lines = log_lines();
  EXPECT_EQ(
      count_containing(lines, "md_stale symbol=SILENT stale_ms=" + std::to_string(t) + " last_update=never"),
      1u);
}

TEST_F(StaleDetectorTest, Metrics) {
  const size_t k = detector_.add_key("ETHUSDC");
  detector_.on_update(k, now());
  clock_.advance_ms(1500);
  (void)detector_.check(now());
  EXPECT_DOUBLE_EQ(metric("phoenix_md_last_update_age_seconds", "ETHUSDC"), 1.5);
  EXPECT_EQ(metric("phoenix_md_stale", "ETHUSDC"), 0.0);
  clock_.advance_ms(500);
  (void)detector_.check(now());
  EXPECT_EQ(metric("phoenix_md_stale", "ETHUSDC"), 1.0);
  EXPECT_EQ(metric("phoenix_md_stale_events_total", "ETHUSDC"), 1.0);
  detector_.on_update(k, now());
  EXPECT_EQ(metric("phoenix_md_stale", "ETHUSDC"), 0.0);
  EXPECT_EQ(metric("phoenix_md_last_update_age_seconds", "ETHUSDC"), 0.0);
  EXPECT_EQ(detector_.stale_events(), 1u);
}

TEST_F(StaleDetectorTest, ConnectionKindUsesItsOwnNames) {
  StaleDetectorOptions options;
  options.kind = StaleKind::kConnection;
  options.default_threshold_ms = 10'000;
  StaleDetector conn(clock_, &registry_, options);
  const size_t k = conn.add_key("market");
  conn.on_update(k, now());
  clock_.advance_ms(10'000);
  EXPECT_EQ(conn.check(now()), 1u);
  EXPECT_TRUE(conn.all_stale());
  EXPECT_EQ(metric("phoenix_conn_stale", "market"), 1.0);
  const auto lines = log_lines();
  EXPECT_EQ(count_containing(lines, "conn_stale conn=market stale_ms=10000"), 1u);
}

}  // namespace
}  // namespace phoenix::md
