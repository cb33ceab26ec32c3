#include "telemetry/process_metrics.h"

#include <array>
#include <cerrno>
#include <charconv>
#include <string>

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

namespace phoenix::telemetry {

namespace {

// The whole of a (small, /proc) file, or nullopt. No exceptions besides bad_alloc.
std::optional<std::string> read_file(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string out;
  std::array<char, 4096> buf{};
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(buf.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

std::optional<uint64_t> parse_u64(std::string_view s) {
  uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// The number of entries in /proc/self/fd, not counting the descriptor used to list it.
std::optional<uint64_t> count_open_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  const int own_fd = ::dirfd(dir);
  uint64_t n = 0;
  // readdir is safe on a stream no other thread uses (glibc); this DIR is local.
  while (const dirent* e = ::readdir(dir)) {  // NOLINT(concurrency-mt-unsafe)
    const std::string_view name(e->d_name);
    if (name == "." || name == "..") continue;
    if (const auto fd = parse_u64(name); fd && own_fd >= 0 && *fd == static_cast<uint64_t>(own_fd)) continue;
    ++n;
  }
  ::closedir(dir);
  return n;
}

void collect_process_metrics(SampleSink& sink) {
  const long ticks_per_second = ::sysconf(_SC_CLK_TCK);
  const long page_size = ::sysconf(_SC_PAGESIZE);
  std::optional<detail::ProcStat> stat;
  if (const auto text = read_file("/proc/self/stat")) stat = detail::parse_proc_stat(*text);

  if (stat && ticks_per_second > 0) {
    const auto tps = static_cast<double>(ticks_per_second);
    sink.counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                 static_cast<double>(stat->utime_ticks + stat->stime_ticks) / tps);
    if (const auto text = read_file("/proc/stat")) {
      if (const auto btime = detail::parse_boot_time(*text)) {
        sink.gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                   static_cast<double>(*btime) + static_cast<double>(stat->starttime_ticks) / tps);
      }
    }
  }
  if (stat) {
    sink.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.",
               static_cast<double>(stat->vsize_bytes));
    if (page_size > 0) {
      sink.gauge("process_resident_memory_bytes", "Resident memory size in bytes.",
                 static_cast<double>(stat->rss_pages) * static_cast<double>(page_size));
    }
  }
  if (const auto fds = count_open_fds()) {
    sink.gauge("process_open_fds", "Number of open file descriptors.", static_cast<double>(*fds));
  }
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
    sink.gauge("process_max_fds", "Maximum number of open file descriptors.",
               static_cast<double>(lim.rlim_cur));
  }
}

}  // namespace

namespace detail {

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  const size_t close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view rest = text.substr(close + 1);
  // fields[0] is field 3 (state); field k is fields[k - 3].
  constexpr size_t kNeeded = 24 - 3 + 1;
  std::array<std::string_view, kNeeded> fields{};
  size_t n = 0;
  while (n < kNeeded) {
    const size_t start = rest.find_first_not_of(" \n");
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    const size_t end = rest.find_first_of(" \n");
    fields[n++] = rest.substr(0, end);
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end);
  }
  if (n < kNeeded) return std::nullopt;
  const auto utime = parse_u64(fields[14 - 3]);
  const auto stime = parse_u64(fields[15 - 3]);
  const auto starttime = parse_u64(fields[22 - 3]);
  const auto vsize = parse_u64(fields[23 - 3]);
  const auto rss = parse_u64(fields[24 - 3]);
  if (!utime || !stime || !starttime || !vsize || !rss) return std::nullopt;
  return ProcStat{*utime, *stime, *starttime, *vsize, *rss};
}

std::optional<uint64_t> parse_boot_time(std::string_view text) {
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    if (line.starts_with("btime ")) {
      line.remove_prefix(6);
      while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.remove_suffix(1);
      return parse_u64(line);
    }
    if (eol == std::string_view::npos) break;
    text.remove_prefix(eol + 1);
  }
  return std::nullopt;
}

}  // namespace detail

void register_process_metrics(Registry& registry) { registry.add_collector(collect_process_metrics); }

void register_build_info(Registry& registry, std::string_view version) {
  registry
      .gauge("phoenix_build_info", "Phoenix build information; the value is always 1.",
             {{"version", std::string(version)}})
      .set(1);
}

}  // namespace phoenix::telemetry
