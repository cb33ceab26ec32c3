#pragma once

#include <atomic>
#include <cstdint>

namespace phoenix::core {

// Where time comes from. Nothing in Phoenix reads std::chrono clocks directly; it asks
// an injected Clock, so tests run on a ManualClock. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time for intervals and deadlines, in nanoseconds from an arbitrary epoch.
  virtual int64_t monotonic_ns() const = 0;
  // Wall-clock (UTC) time since the Unix epoch, in microseconds.
  virtual int64_t wall_us() const = 0;
  // Wall-clock (UTC) time since the Unix epoch, in milliseconds.
  int64_t wall_ms() const { return wall_us() / 1000; }
};

// The operating system's clocks (CLOCK_MONOTONIC, CLOCK_REALTIME).
class RealClock final : public Clock {
 public:
  int64_t monotonic_ns() const override;
  int64_t wall_us() const override;
  // A process-wide instance.
  static const RealClock& instance();
};

// A clock that moves only when told to; for tests. Starts at the given times.
// Thread-safe (atomics), so a test may advance it while another thread reads it.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t monotonic_ns = 1'000'000'000, int64_t wall_us = 1'764'000'000'000'000);
  int64_t monotonic_ns() const override;
  int64_t wall_us() const override;
  // Moves both clocks forward by `ns` nanoseconds.
  void advance_ns(int64_t ns);
  void advance_ms(int64_t ms) { advance_ns(ms * 1'000'000); }
  // Sets the wall clock alone (a clock step); the monotonic clock is unchanged.
  void set_wall_us(int64_t wall_us);

 private:
  std::atomic<int64_t> mono_ns_;
  std::atomic<int64_t> wall_us_;
};

}  // namespace phoenix::core
