#pragma once

// Standard Prometheus process metrics, read from /proc at scrape time, and the build-info
// gauge.

#include <cstdint>
#include <optional>
#include <string_view>

#include "telemetry/metrics.h"

namespace phoenix::telemetry {

// Adds a collector to `registry` that emits, at every scrape (on the scraping thread):
//   process_cpu_seconds_total      counter  user + system CPU time, seconds
//   process_resident_memory_bytes  gauge    resident set size
//   process_virtual_memory_bytes   gauge    virtual memory size
//   process_start_time_seconds     gauge    start time, seconds since the Unix epoch
//   process_open_fds               gauge    open file descriptors
//   process_max_fds                gauge    RLIMIT_NOFILE soft limit
// A value that cannot be read (no /proc, a parse error) is skipped; it never throws.
// Call once per registry, at start-up.
void register_process_metrics(Registry& registry);

// Registers `phoenix_build_info{version="<version>"} 1` (a gauge). Start-up only.
void register_build_info(Registry& registry, std::string_view version);

namespace detail {

// The fields of /proc/<pid>/stat the collector uses (see proc(5)).
struct ProcStat {
  uint64_t utime_ticks = 0;      // field 14
  uint64_t stime_ticks = 0;      // field 15
  uint64_t starttime_ticks = 0;  // field 22, clock ticks after boot
  uint64_t vsize_bytes = 0;      // field 23
  uint64_t rss_pages = 0;        // field 24
};

// Parses the contents of /proc/<pid>/stat; nullopt when malformed. The command name
// (field 2) may contain spaces and parentheses: fields are counted after the last ')'.
std::optional<ProcStat> parse_proc_stat(std::string_view text);

// The `btime` (boot time, seconds since the Unix epoch) from the contents of /proc/stat.
std::optional<uint64_t> parse_boot_time(std::string_view text);

}  // namespace detail

}  // namespace phoenix::telemetry
