#include "telemetry/exposition.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include "telemetry/metrics.h"
#include "telemetry/process_metrics.h"

namespace phoenix::telemetry {
namespace {

TEST(ExpositionTest, EmptyRegistryIsEmpty) {
  Registry reg;
  EXPECT_EQ(expose(reg), "");
}

TEST(ExpositionTest, SmallRegistryExactText) {
  Registry reg;
  reg.counter("phoenix_ws_messages_total", "WebSocket messages received", {{"conn", "market"}}).inc(1027);
  reg.counter("phoenix_ws_messages_total", "WebSocket messages received", {{"conn", "api"}}).inc(3);
  reg.gauge("phoenix_position_base", "Position in base asset units", {{"symbol", "ETHUSDC"}}).set(-0.25);
  reg.gauge("phoenix_connected", "1 when connected").set(1);
  Histogram& h = reg.histogram("phoenix_ack_latency_seconds", "Order ack latency", {0.005, 0.01, 0.1});
  h.observe(0.004);
  h.observe(0.005);
  h.observe(0.05);
  h.observe(2.5);
  EXPECT_EQ(expose(reg),
            "# HELP phoenix_ack_latency_seconds Order ack latency\n"
            "# TYPE phoenix_ack_latency_seconds histogram\n"
            "phoenix_ack_latency_seconds_bucket{le=\"0.005\"} 2\n"
            "phoenix_ack_latency_seconds_bucket{le=\"0.01\"} 2\n"
            "phoenix_ack_latency_seconds_bucket{le=\"0.1\"} 3\n"
            "phoenix_ack_latency_seconds_bucket{le=\"+Inf\"} 4\n"
            "phoenix_ack_latency_seconds_sum 2.559\n"
            "phoenix_ack_latency_seconds_count 4\n"
            "# HELP phoenix_connected 1 when connected\n"
            "# TYPE phoenix_connected gauge\n"
            "phoenix_connected 1\n"
            "# HELP phoenix_position_base Position in base asset units\n"
            "# TYPE phoenix_position_base gauge\n"
            "phoenix_position_base{symbol=\"ETHUSDC\"} -0.25\n"
            "# HELP phoenix_ws_messages_total WebSocket messages received\n"
            "# TYPE phoenix_ws_messages_total counter\n"
            "phoenix_ws_messages_total{conn=\"api\"} 3\n"
            "phoenix_ws_messages_total{conn=\"market\"} 1027\n");
}

TEST(ExpositionTest, HistogramWithLabelsIsCumulativeAndEndsWithInf) {
  Registry reg;
  auto& a = reg.histogram("phoenix_size_bytes", "Sizes", {10, 100}, {{"conn", "a"}, {"dir", "in"}});
  auto& b = reg.histogram("phoenix_size_bytes", "Sizes", {10, 100}, {{"conn", "b"}, {"dir", "in"}});
  for (double v : {1.0, 20.0, 30.0, 1000.0}) a.observe(v);
  b.observe(100);
  EXPECT_EQ(expose(reg),
            "# HELP phoenix_size_bytes Sizes\n"
            "# TYPE phoenix_size_bytes histogram\n"
            "phoenix_size_bytes_bucket{conn=\"a\",dir=\"in\",le=\"10\"} 1\n"
            "phoenix_size_bytes_bucket{conn=\"a\",dir=\"in\",le=\"100\"} 3\n"
            "phoenix_size_bytes_bucket{conn=\"a\",dir=\"in\",le=\"+Inf\"} 4\n"
            "phoenix_size_bytes_sum{conn=\"a\",dir=\"in\"} 1051\n"
            "phoenix_size_bytes_count{conn=\"a\",dir=\"in\"} 4\n"
            "phoenix_size_bytes_bucket{conn=\"b\",dir=\"in\",le=\"10\"} 0\n"
            "phoenix_size_bytes_bucket{conn=\"b\",dir=\"in\",le=\"100\"} 1\n"
            "phoenix_size_bytes_bucket{conn=\"b\",dir=\"in\",le=\"+Inf\"} 1\n"
            "phoenix_size_bytes_sum{conn=\"b\",dir=\"in\"} 100\n"
            "phoenix_size_bytes_count{conn=\"b\",dir=\"in\"} 1\n");
}

TEST(ExpositionTest, EmptyHistogramHasZeroBuckets) {
  Registry reg;
  reg.histogram("phoenix_empty_seconds", "Nothing yet", {1});
  EXPECT_EQ(expose(reg),
            "# HELP phoenix_empty_seconds Nothing yet\n"
            "# TYPE phoenix_empty_seconds histogram\n"
            "phoenix_empty_seconds_bucket{le=\"1\"} 0\n"
            "phoenix_empty_seconds_bucket{le=\"+Inf\"} 0\n"
            "phoenix_empty_seconds_sum 0\n"
            "phoenix_empty_seconds_count 0\n");
}

TEST(ExpositionTest, EscapesLabelValues) {
  Registry reg;
  reg.gauge("phoenix_x", "X", {{"v", "a\\b \"q\"\nline2 €"}}).set(1);
  EXPECT_EQ(expose(reg),
            "# HELP phoenix_x X\n"
            "# TYPE phoenix_x gauge\n"
            "phoenix_x{v=\"a\\\\b \\\"q\\\"\\nline2 €\"} 1\n");
  EXPECT_EQ(escape_label_value("\\\"\n"), "\\\\\\\"\\n");
}

TEST(ExpositionTest, EscapesHelp) {
  Registry reg;
  reg.gauge("phoenix_x", "back\\slash \"quotes\" stay\nnew line").set(1);
  EXPECT_EQ(expose(reg),
            "# HELP phoenix_x back\\\\slash \"quotes\" stay\\nnew line\n"
            "# TYPE phoenix_x gauge\n"
            "phoenix_x 1\n");
  EXPECT_EQ(escape_help("a\\b\nc\"d"), "a\\\\b\\nc\"d");
}

TEST(ExpositionTest, FormatsNumbers) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(42), "42");
  EXPECT_EQ(format_value(-3), "-3");
  EXPECT_EQ(format_value(0.1), "0.1");
  EXPECT_EQ(format_value(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(format_value(1764000000.125), "1764000000.125");
  EXPECT_EQ(format_value(1e-5), "1e-05");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(ExpositionTest, CountersPrintExactIntegers) {
  Registry reg;
  reg.counter("phoenix_big_total", "Big").inc(18'446'744'073'709'551'615ull);
  EXPECT_EQ(expose(reg),
            "# HELP phoenix_big_total Big\n"
            "# TYPE phoenix_big_total counter\n"
            "phoenix_big_total 18446744073709551615\n");
}

TEST(ExpositionTest, SpecialGaugeValues) {
  Registry reg;
  reg.gauge("phoenix_v", "V", {{"k", "inf"}}).set(std::numeric_limits<double>::infinity());
  reg.gauge("phoenix_v", "V", {{"k", "nan"}}).set(std::numeric_limits<double>::quiet_NaN());
  reg.gauge("phoenix_v", "V", {{"k", "ninf"}}).set(-std::numeric_limits<double>::infinity());
  EXPECT_EQ(expose(reg),
            "# HELP phoenix_v V\n"
            "# TYPE phoenix_v gauge\n"
            "phoenix_v{k=\"inf\"} +Inf\n"
            "phoenix_v{k=\"nan\"} NaN\n"
            "phoenix_v{k=\"ninf\"} -Inf\n");
}

TEST(ExpositionTest, CollectorFamiliesAreMergedInNameOrder) {
  Registry reg;
  reg.gauge("phoenix_m", "M").set(1);
  reg.add_collector([](SampleSink& sink) {
    sink.gauge("phoenix_z", "Z", 2.5, {{"k", "b"}});
    sink.counter("phoenix_a_total", "A", 7);
    sink.gauge("phoenix_z", "Z", 1.5, {{"k", "a"}});
  });
  EXPECT_EQ(expose(reg),
            "# HELP phoenix_a_total A\n"
            "# TYPE phoenix_a_total counter\n"
            "phoenix_a_total 7\n"
            "# HELP phoenix_m M\n"
            "# TYPE phoenix_m gauge\n"
            "phoenix_m 1\n"
            "# HELP phoenix_z Z\n"
            "# TYPE phoenix_z gauge\n"
            "phoenix_z{k=\"a\"} 1.5\n"
            "phoenix_z{k=\"b\"} 2.5\n");
}

// promtool (Debian package `prometheus`) must accept the real output without a single
// complaint.
TEST(ExpositionTest, PromtoolAcceptsOutput) {
  const char* promtool = "/usr/bin/promtool";
  ASSERT_EQ(::access(promtool, X_OK), 0)
      << promtool << " is missing: install the Debian package `prometheus` (scripts/setup does)";

  Registry reg;
  reg.counter("phoenix_ws_messages_total", "WebSocket messages received", {{"conn", "market"}}).inc(5);
  reg.counter("phoenix_ws_messages_total", "WebSocket messages received", {{"conn", "user"}}).inc(0);
  reg.gauge("phoenix_queue_depth", "Orders waiting\nfor a \\ slot", {{"symbol", "ETHUSDC"}}).set(3.5);
  reg.gauge("phoenix_tricky", "Label values that need escaping",
            {{"path", "C:\\dir\\file"}, {"quote", "say \"hi\""}, {"text", "line1\nline2"}, {"utf8", "€ π"}})
      .set(-1e-7);
  reg.gauge("phoenix_special", "Special values", {{"kind", "inf"}})
      .set(std::numeric_limits<double>::infinity());
  reg.gauge("phoenix_special", "Special values", {{"kind", "nan"}})
      .set(std::numeric_limits<double>::quiet_NaN());
  auto& h = reg.histogram("phoenix_ack_latency_seconds", "Order ack latency",
                          exponential_buckets(0.0001, 2, 12), {{"conn", "api"}});
  for (int i = 0; i < 100; ++i) h.observe(0.0001 * i);
  reg.histogram("phoenix_empty_bytes", "No observations", linear_buckets(100, 100, 3));
  register_process_metrics(reg);
  register_build_info(reg, "v0.1.0-3-gabc\"def");
  reg.add_collector([](SampleSink& sink) {
    sink.gauge("phoenix_book_age_seconds", "Age", 0.5, {{"symbol", "BTC"}});
  });

  const std::string text = expose(reg);
  ASSERT_NE(text.find("process_resident_memory_bytes "), std::string::npos) << text;
  ASSERT_NE(text.find("phoenix_ack_latency_seconds_bucket{conn=\"api\",le=\"+Inf\"} 100"), std::string::npos)
      << text;

  const auto dir = std::filesystem::temp_directory_path();
  const auto input = dir / ("phoenix_promtool_" + std::to_string(::getpid()) + ".prom");
  const auto output = dir / ("phoenix_promtool_" + std::to_string(::getpid()) + ".out");
  {
    std::ofstream f(input, std::ios::binary);
    f << text;
    ASSERT_TRUE(f.good());
  }
  const std::string command =
      std::string(promtool) + " check metrics < '" + input.string() + "' > '" + output.string() + "' 2>&1";
  const int status = std::system(command.c_str());  // NOLINT(concurrency-mt-unsafe): test, one thread
  std::ifstream out_file(output);
  std::stringstream complaints_stream;
  complaints_stream << out_file.rdbuf();
  const std::string complaints = complaints_stream.str();
  std::filesystem::remove(input);
  std::filesystem::remove(output);

  EXPECT_EQ(status, 0) << "promtool exit status " << status << ":\n" << complaints << "\ninput:\n" << text;
  EXPECT_EQ(complaints, "") << "input:\n" << text;
}

}  // namespace
}  // namespace phoenix::telemetry
