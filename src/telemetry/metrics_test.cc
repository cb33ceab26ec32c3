#include "telemetry/metrics.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace phoenix::telemetry {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Runs `fn` and returns the std::invalid_argument message it throws ("" if none).
template <class Fn>
std::string invalid_argument_message(Fn&& fn) {
  try {
    fn();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(CounterTest, IncrementsByOneAndByN) {
  Registry reg;
  Counter& c = reg.counter("phoenix_test_events_total", "Events.");
  EXPECT_EQ(c.value(), 0u);
  c.inc();
  c.inc(41);
  EXPECT_EQ(c.value(), 42u);
}

TEST(GaugeTest, SetsAddsAndSubtracts) {
  Registry reg;
  Gauge& g = reg.gauge("phoenix_test_depth", "Depth.");
  g.set(2.5);
  g.add(1.25);
  g.inc();
  g.dec();
  g.add(-0.75);
  EXPECT_DOUBLE_EQ(g.value(), 3.0);
}

TEST(HistogramTest, CountsEachObservationInItsBucket) {
  Registry reg;
  Histogram& h = reg.histogram("phoenix_test_latency_seconds", "Latency.", {0.1, 0.5, 1.0});
  for (double v : {0.05, 0.1, 0.2, 0.5, 0.7, 1.0, 3.0}) h.observe(v);
  // le semantics: a value equal to a bound belongs to that bound's bucket.
  EXPECT_THAT(h.bucket_counts(), ElementsAre(2u, 2u, 2u, 1u));
  EXPECT_EQ(h.count(), 7u);
  EXPECT_DOUBLE_EQ(h.sum(), 5.55);
}

TEST(HistogramTest, ManyBucketsUseTheSameRule) {
  Registry reg;
  Histogram& h = reg.histogram("phoenix_test_size_bytes", "Size.", linear_buckets(1, 1, 20));  // 1..20
  h.observe(0.5);
  h.observe(1);
  h.observe(12);
  h.observe(12.5);
  h.observe(20);
  h.observe(21);
  const auto counts = h.bucket_counts();
  ASSERT_EQ(counts.size(), 21u);
  EXPECT_EQ(counts[0], 2u);   // 0.5 and 1 (le 1)
  EXPECT_EQ(counts[11], 1u);  // 12 (le 12)
  EXPECT_EQ(counts[12], 1u);  // 12.5 (le 13)
  EXPECT_EQ(counts[19], 1u);  // 20 (le 20)
  EXPECT_EQ(counts[20], 1u);  // 21 (+Inf)
  EXPECT_EQ(h.count(), 6u);
}

TEST(HistogramTest, NanGoesToInfBucket) {
  Registry reg;
  Histogram& h = reg.histogram("phoenix_test_nan_seconds", "NaN.", {1.0});
  h.observe(std::numeric_limits<double>::quiet_NaN());
  EXPECT_THAT(h.bucket_counts(), ElementsAre(0u, 1u));
  EXPECT_TRUE(std::isnan(h.sum()));
}

TEST(HistogramTest, TrailingInfBoundIsDropped) {
  Registry reg;
  Histogram& h =
      reg.histogram("phoenix_test_inf_seconds", "Inf.", {1.0, 2.0, std::numeric_limits<double>::infinity()});
  EXPECT_THAT(h.upper_bounds(), ElementsAre(1.0, 2.0));
}

TEST(BucketsTest, ExponentialAndLinear) {
  EXPECT_THAT(exponential_buckets(0.001, 10, 4), ElementsAre(0.001, 0.01, 0.1, 1.0));
  EXPECT_THAT(linear_buckets(0, 0.5, 3), ElementsAre(0.0, 0.5, 1.0));
  EXPECT_THROW(exponential_buckets(0, 2, 3), std::invalid_argument);
  EXPECT_THROW(exponential_buckets(1, 1, 3), std::invalid_argument);
  EXPECT_THROW(exponential_buckets(1, 2, 0), std::invalid_argument);
  EXPECT_THROW(linear_buckets(0, 0, 3), std::invalid_argument);
  EXPECT_THROW(linear_buckets(0, 1, 0), std::invalid_argument);
}

TEST(RegistryTest, SameNameAndLabelsReturnSameObject) {
  Registry reg;
  Counter& a = reg.counter("phoenix_ws_messages_total", "WebSocket messages received", {{"conn", "market"}});
  Counter& b = reg.counter("phoenix_ws_messages_total", "WebSocket messages received", {{"conn", "market"}});
  Counter& c = reg.counter("phoenix_ws_messages_total", "WebSocket messages received", {{"conn", "user"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &c);
  Histogram& h1 = reg.histogram("phoenix_test_seconds", "H.", {1, 2});
  Histogram& h2 = reg.histogram("phoenix_test_seconds", "H.", {1, 2});
  EXPECT_EQ(&h1, &h2);
}

TEST(RegistryTest, LabelsAcceptStringViewsAndStrings) {
  Registry reg;
  const std::string_view symbol = "ETHUSDC";
  const std::string conn = "market";
  Gauge& a = reg.gauge("phoenix_test_level", "L.", {{"symbol", symbol}, {"conn", conn}});
  Gauge& b = reg.gauge("phoenix_test_level", "L.", {{"conn", "market"}, {"symbol", "ETHUSDC"}});
  EXPECT_EQ(&a, &b);
}

TEST(RegistryTest, LabelOrderDoesNotMatter) {
  Registry reg;
  Gauge& a = reg.gauge("phoenix_test_level", "L.", {{"a", "1"}, {"b", "2"}});
  Gauge& b = reg.gauge("phoenix_test_level", "L.", {{"b", "2"}, {"a", "1"}});
  EXPECT_EQ(&a, &b);
}

TEST(RegistryTest, ReferencesStayValidAsRegistryGrows) {
  Registry reg;
  Counter& first = reg.counter("phoenix_test_first_total", "First.", {{"i", "0"}});
  first.inc(7);
  for (int i = 1; i < 500; ++i) {
    reg.counter("phoenix_test_first_total", "First.", {{"i", std::to_string(i)}}).inc();
    reg.gauge("phoenix_test_g" + std::to_string(i), "G.").set(i);
  }
  EXPECT_EQ(&first, &reg.counter("phoenix_test_first_total", "First.", {{"i", "0"}}));
  EXPECT_EQ(first.value(), 7u);
}

TEST(RegistryTest, InvalidMetricNameThrows) {
  Registry reg;
  EXPECT_THAT(invalid_argument_message([&] { reg.gauge("1abc", "H."); }),
              HasSubstr("invalid metric name \"1abc\""));
  EXPECT_THROW(reg.gauge("", "H."), std::invalid_argument);
  EXPECT_THROW(reg.gauge("a-b", "H."), std::invalid_argument);
  EXPECT_THROW(reg.gauge("a b", "H."), std::invalid_argument);
  EXPECT_NO_THROW(reg.gauge("_a:b_c9", "H."));
  EXPECT_TRUE(is_valid_metric_name("process_cpu_seconds_total"));
  EXPECT_FALSE(is_valid_metric_name("é"));
}

TEST(RegistryTest, CounterWithoutTotalSuffixThrows) {
  Registry reg;
  EXPECT_THAT(invalid_argument_message([&] { reg.counter("phoenix_events", "E."); }), HasSubstr("_total"));
}

TEST(RegistryTest, EmptyHelpThrows) {
  Registry reg;
  EXPECT_THROW(reg.gauge("phoenix_test_x", ""), std::invalid_argument);
}

TEST(RegistryTest, InvalidLabelNameThrows) {
  Registry reg;
  EXPECT_THAT(invalid_argument_message([&] {
                reg.gauge("phoenix_test_x", "H.", {{"9a", "v"}});
              }),
              HasSubstr("invalid label name \"9a\""));
  EXPECT_THROW(reg.gauge("phoenix_test_x", "H.", {{"__name", "v"}}), std::invalid_argument);
  EXPECT_THROW(reg.gauge("phoenix_test_x", "H.", {{"a-b", "v"}}), std::invalid_argument);
  EXPECT_THROW(reg.gauge("phoenix_test_x", "H.", {{"", "v"}}), std::invalid_argument);
  EXPECT_THROW(reg.gauge("phoenix_test_x", "H.", {{"a", "1"}, {"a", "2"}}), std::invalid_argument);
  EXPECT_THROW(reg.gauge("phoenix_test_x", "H.", {{"a", "\xff"}}), std::invalid_argument);
  EXPECT_NO_THROW(reg.gauge("phoenix_test_x", "H.", {{"_a1", "v"}}));
}

TEST(RegistryTest, LeLabelOnHistogramThrows) {
  Registry reg;
  EXPECT_THAT(invalid_argument_message([&] {
                reg.histogram("phoenix_test_seconds", "H.", {1}, {{"le", "1"}});
              }),
              HasSubstr("\"le\" is reserved"));
  EXPECT_NO_THROW(reg.gauge("phoenix_test_le", "H.", {{"le", "1"}}));
}

TEST(RegistryTest, TypeClashThrows) {
  Registry reg;
  reg.gauge("phoenix_test_x_total", "H.");
  EXPECT_THAT(invalid_argument_message([&] { reg.counter("phoenix_test_x_total", "H."); }),
              HasSubstr("registered as gauge and again as counter"));
  EXPECT_THROW(reg.histogram("phoenix_test_x_total", "H.", {1}), std::invalid_argument);
}

TEST(RegistryTest, HelpClashThrows) {
  Registry reg;
  reg.gauge("phoenix_test_x", "One.");
  EXPECT_THAT(invalid_argument_message([&] { reg.gauge("phoenix_test_x", "Two."); }), HasSubstr("help"));
}

TEST(RegistryTest, BucketLayoutClashThrows) {
  Registry reg;
  reg.histogram("phoenix_test_seconds", "H.", {1, 2});
  EXPECT_THAT(invalid_argument_message([&] {
                reg.histogram("phoenix_test_seconds", "H.", {1, 3}, {{"a", "b"}});
              }),
              HasSubstr("buckets"));
}

TEST(RegistryTest, BadBucketBoundsThrow) {
  Registry reg;
  EXPECT_THROW(reg.histogram("phoenix_test_seconds", "H.", {2, 1}), std::invalid_argument);
  EXPECT_THROW(reg.histogram("phoenix_test_seconds", "H.", {1, 1}), std::invalid_argument);
  EXPECT_THROW(reg.histogram("phoenix_test_seconds", "H.", {std::numeric_limits<double>::quiet_NaN()}),
               std::invalid_argument);
  EXPECT_NO_THROW(reg.histogram("phoenix_test_seconds", "H.", {}));
}

TEST(RegistryTest, LabelNamesClashThrows) {
  Registry reg;
  reg.gauge("phoenix_test_x", "H.", {{"a", "1"}});
  EXPECT_THAT(invalid_argument_message([&] {
                reg.gauge("phoenix_test_x", "H.", {{"b", "1"}});
              }),
              HasSubstr("label names"));
  EXPECT_THROW(reg.gauge("phoenix_test_x", "H."), std::invalid_argument);
}

TEST(RegistryTest, HistogramSeriesNamesAreReserved) {
  Registry reg;
  reg.histogram("phoenix_test_seconds", "H.", {1});
  EXPECT_THROW(reg.gauge("phoenix_test_seconds_count", "H."), std::invalid_argument);
  EXPECT_THROW(reg.gauge("phoenix_test_seconds_sum", "H."), std::invalid_argument);
  EXPECT_THROW(reg.gauge("phoenix_test_seconds_bucket", "H."), std::invalid_argument);
  reg.gauge("phoenix_test_other_sum", "H.");
  EXPECT_THROW(reg.histogram("phoenix_test_other", "H.", {1}), std::invalid_argument);
}

TEST(RegistryTest, ConcurrentUpdatesSumExactly) {
  Registry reg;
  Counter& c = reg.counter("phoenix_test_ops_total", "Ops.");
  Gauge& g = reg.gauge("phoenix_test_level", "Level.");
  Histogram& h = reg.histogram("phoenix_test_seconds", "Seconds.", {0.5, 1.5, 2.5});
  constexpr int kThreads = 4;
  constexpr int kIterations = 50'000;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIterations; ++i) {
        c.inc();
        g.add(1.0);
        h.observe(static_cast<double>(t));  // thread t always hits bucket t
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(c.value(), uint64_t{kThreads} * kIterations);
  EXPECT_EQ(g.value(), double{kThreads} * kIterations);
  constexpr uint64_t kPerBucket = kIterations;
  EXPECT_THAT(h.bucket_counts(), ElementsAre(kPerBucket, kPerBucket, kPerBucket, kPerBucket));
  EXPECT_EQ(h.count(), uint64_t{kThreads} * kIterations);
  EXPECT_EQ(h.sum(), double{kIterations} * (0 + 1 + 2 + 3));
}

TEST(RegistryTest, ConcurrentRegistrationAndCollection) {
  Registry reg;
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&reg, t] {
      for (int i = 0; i < 200; ++i) {
        reg.counter("phoenix_test_ops_total", "Ops.", {{"t", std::to_string(t)}}).inc();
        (void)reg.collect();
      }
    });
  }
  for (auto& th : threads) th.join();
  const auto families = reg.collect();
  ASSERT_EQ(families.size(), 1u);
  ASSERT_EQ(families[0].series.size(), 4u);
  for (const auto& s : families[0].series) EXPECT_EQ(std::get<uint64_t>(s.value), 200u);
}

TEST(RegistryTest, CollectSortsFamiliesAndSeries) {
  Registry reg;
  reg.gauge("phoenix_b", "B.", {{"x", "2"}}).set(2);
  reg.gauge("phoenix_b", "B.", {{"x", "1"}}).set(1);
  reg.counter("phoenix_a_total", "A.").inc(3);
  reg.add_collector([](SampleSink& sink) { sink.gauge("phoenix_ab", "AB.", 5); });
  const auto families = reg.collect();
  ASSERT_EQ(families.size(), 3u);
  EXPECT_EQ(families[0].name, "phoenix_a_total");
  EXPECT_EQ(families[1].name, "phoenix_ab");
  EXPECT_EQ(families[2].name, "phoenix_b");
  ASSERT_EQ(families[2].series.size(), 2u);
  EXPECT_EQ(families[2].series[0].labels, (Labels{{"x", "1"}}));
  EXPECT_EQ(std::get<uint64_t>(families[0].series[0].value), 3u);
}

TEST(RegistryTest, CollectorFamilyClashingWithRegisteredIsDropped) {
  Registry reg;
  reg.gauge("phoenix_x", "Registered.").set(1);
  reg.add_collector([](SampleSink& sink) { sink.gauge("phoenix_x", "Collected.", 2); });
  const auto families = reg.collect();
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].help, "Registered.");
}

TEST(RegistryTest, EmptyCollectorThrows) {
  Registry reg;
  EXPECT_THROW(reg.add_collector(nullptr), std::invalid_argument);
}

TEST(SampleSinkTest, MergesSamplesOfOneNameAndDropsInvalid) {
  SampleSink sink;
  sink.gauge("phoenix_q", "Q.", 1, {{"k", "b"}});
  sink.gauge("phoenix_q", "Q.", 2, {{"k", "a"}});
  sink.gauge("phoenix_q", "Q.", 3, {{"k", "a"}});      // duplicate series
  sink.counter("phoenix_q", "Q.", 4, {{"k", "c"}});    // type clash
  sink.gauge("phoenix_q", "Other.", 5, {{"k", "d"}});  // help clash
  sink.counter("phoenix_no_suffix", "C.", 1);          // counter without _total
  sink.gauge("bad name", "B.", 1);                     // invalid name
  sink.gauge("phoenix_r", "R.", 1, {{"__x", "v"}});    // invalid label
  auto families = sink.take();
  ASSERT_EQ(families.size(), 1u);
  ASSERT_EQ(families[0].series.size(), 2u);
  EXPECT_EQ(families[0].series[0].labels, (Labels{{"k", "a"}}));
  EXPECT_EQ(std::get<double>(families[0].series[0].value), 2.0);
  EXPECT_EQ(families[0].series[1].labels, (Labels{{"k", "b"}}));
  EXPECT_EQ(sink.dropped(), 6u);
  EXPECT_TRUE(sink.take().empty());
}

}  // namespace
}  // namespace phoenix::telemetry
