#include "telemetry/process_metrics.h"

#include <ctime>
#include <map>
#include <string>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "telemetry/exposition.h"

namespace phoenix::telemetry {
namespace {

// name → (type, value) of every unlabelled sample the registry collects.
std::map<std::string, std::pair<MetricType, double>> collect_values(const Registry& reg) {
  std::map<std::string, std::pair<MetricType, double>> out;
  for (const auto& f : reg.collect()) {
    for (const auto& s : f.series) {
      if (!s.labels.empty()) continue;
      const double v = std::holds_alternative<double>(s.value)
                           ? std::get<double>(s.value)
                           : static_cast<double>(std::get<uint64_t>(s.value));
      out[f.name] = {f.type, v};
    }
  }
  return out;
}

TEST(ProcessMetricsTest, AllPresentAndSane) {
  Registry reg;
  register_process_metrics(reg);
  const auto values = collect_values(reg);

  ASSERT_EQ(values.count("process_cpu_seconds_total"), 1u);
  EXPECT_EQ(values.at("process_cpu_seconds_total").first, MetricType::kCounter);
  EXPECT_GE(values.at("process_cpu_seconds_total").second, 0.0);

  ASSERT_EQ(values.count("process_resident_memory_bytes"), 1u);
  EXPECT_GT(values.at("process_resident_memory_bytes").second, 0.0);

  ASSERT_EQ(values.count("process_virtual_memory_bytes"), 1u);
  EXPECT_GE(values.at("process_virtual_memory_bytes").second,
            values.at("process_resident_memory_bytes").second);

  ASSERT_EQ(values.count("process_start_time_seconds"), 1u);
  const double now = static_cast<double>(std::time(nullptr));
  const double start = values.at("process_start_time_seconds").second;
  EXPECT_LE(start, now + 2);  // btime has one-second resolution
  EXPECT_GT(start, now - 86'400);

  ASSERT_EQ(values.count("process_open_fds"), 1u);
  EXPECT_GT(values.at("process_open_fds").second, 0.0);

  ASSERT_EQ(values.count("process_max_fds"), 1u);
  EXPECT_GE(values.at("process_max_fds").second, values.at("process_open_fds").second);
}

TEST(ProcessMetricsTest, OpenFdsFollowsOpenAndClose) {
  Registry reg;
  register_process_metrics(reg);
  const double before = collect_values(reg).at("process_open_fds").second;
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  const double during = collect_values(reg).at("process_open_fds").second;
  ::close(fd);
  EXPECT_EQ(during, before + 1);
}

TEST(ProcessMetricsTest, ParsesProcStatWithTrickyCommandName) {
  // Field 2 contains spaces and a ')'; fields are counted after the last ')'.
  const std::string text =
      "1234 (my (odd) name) S 1 1234 1234 0 -1 4194560 1000 0 0 0 "
      "250 50 0 0 20 0 3 0 98765 104857600 2560 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 "
      "0\n";
  const auto stat = detail::parse_proc_stat(text);
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(stat->utime_ticks, 250u);
  EXPECT_EQ(stat->stime_ticks, 50u);
  EXPECT_EQ(stat->starttime_ticks, 98765u);
  EXPECT_EQ(stat->vsize_bytes, 104857600u);
  EXPECT_EQ(stat->rss_pages, 2560u);
}

TEST(ProcessMetricsTest, RejectsMalformedProcStat) {
  EXPECT_FALSE(detail::parse_proc_stat("").has_value());
  EXPECT_FALSE(detail::parse_proc_stat("1234 (name S 1 2 3").has_value());
  EXPECT_FALSE(detail::parse_proc_stat("1234 (name) S 1 2 3").has_value());
  EXPECT_FALSE(detail::parse_proc_stat("1 (n) S 1 1 1 0 -1 0 0 0 0 0 x 50 0 0 20 0 3 0 9 10 20").has_value());
}

TEST(ProcessMetricsTest, ParsesBootTime) {
  EXPECT_EQ(detail::parse_boot_time("cpu  1 2 3\nintr 5 6\nbtime 1764000000\nprocesses 9\n"), 1764000000u);
  EXPECT_EQ(detail::parse_boot_time("btime 17\n"), 17u);
  EXPECT_FALSE(detail::parse_boot_time("cpu 1 2 3\n").has_value());
  EXPECT_FALSE(detail::parse_boot_time("btime abc\n").has_value());
  EXPECT_FALSE(detail::parse_boot_time("xbtime 5\n").has_value());
}

TEST(ProcessMetricsTest, BuildInfoIsOne) {
  Registry reg;
  register_build_info(reg, "v1.2.3-4-gdeadbee");
  EXPECT_EQ(expose(reg),
            "# HELP phoenix_build_info Phoenix build information; the value is always 1.\n"
            "# TYPE phoenix_build_info gauge\n"
            "phoenix_build_info{version=\"v1.2.3-4-gdeadbee\"} 1\n");
}

}  // namespace
}  // namespace phoenix::telemetry
