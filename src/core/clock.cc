#include "core/clock.h"

#include <ctime>

namespace phoenix::core {
namespace {

int64_t read_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

int64_t RealClock::monotonic_ns() const { return read_ns(CLOCK_MONOTONIC); }
int64_t RealClock::wall_us() const { return read_ns(CLOCK_REALTIME) / 1000; }

const RealClock& RealClock::instance() {
  static const RealClock clock;
  return clock;
}

ManualClock::ManualClock(int64_t monotonic_ns, int64_t wall_us) : mono_ns_(monotonic_ns), wall_us_(wall_us) {}

int64_t ManualClock::monotonic_ns() const { return mono_ns_.load(std::memory_order_acquire); }
int64_t ManualClock::wall_us() const { return wall_us_.load(std::memory_order_acquire); }

void ManualClock::advance_ns(int64_t ns) {
  mono_ns_.fetch_add(ns, std::memory_order_acq_rel);
  wall_us_.fetch_add(ns / 1000, std::memory_order_acq_rel);
}

void ManualClock::set_wall_us(int64_t wall_us) { wall_us_.store(wall_us, std::memory_order_release); }

}  // namespace phoenix::core
