// End-to-end market-data benchmark over loopback: Phoenix's feed path against a server
// that blasts pre-built Binance bookTicker frames, per compression mode.
//
//   phoenix_md_e2e_bench [--messages N] [--mode off|no_context|context|all] [--runs R]
//                        [--corpus K] [--profile dense|sparse] [--read-buffer BYTES]
//                        [--inflater auto|zlib|beast] [--pin] [--no-raw] [--verbose]
//
// Files: main.cc (runs, report, flags), server.cc (the blasting server), readers.cc (the
// client children), feed_path.h (decode -> book -> filter + measurement), common.h.
//
// Per run, two child processes (so each has its own CPU, allocator and peak RSS):
//   server  A plain TCP acceptor on 127.0.0.1:<ephemeral>. Before accepting it builds K
//           distinct combined-stream bookTicker messages (md_corpus.h, --profile) as
//           finished frames: text opcode, FIN, unmasked, RSV1 + permessage-deflate payload
//           (system zlib, level 6, 15 window bits, tail stripped) when compressed. It
//           performs the WebSocket upgrade itself (Sec-WebSocket-Accept;
//           Sec-WebSocket-Extensions per mode), then writes N frames (the K-frame buffer
//           repeated; a context-takeover stream stays valid across the wrap because the
//           first frame referenced no history) in 256 KiB writev() batches, then a close
//           frame (1000) and shuts down its side.
//   client  one of two readers:
//     (WsClient)  Phoenix's real path on one io_context thread (io_context(1), as the app):
//           net::WsClient (resolve/connect/upgrade with Asio+Beast, then its own batching
//           frame reader: read_buffer_bytes-sized socket reads, every complete frame in
//           the buffer parsed, UTF-8-checked and inflated with zlib in one completion
//           handler) -> binance::StreamDecoder -> md::TopOfBook::apply ->
//           md::MinChangeFilter (1 bp, with its registry counters), i.e. what md::Feed does
//           for a bookTicker minus the stale detector. Every message's update id is checked
//           against the sequence the server sent (nothing lost, nothing reordered).
//     /raw    the server's ceiling: upgrade by hand, then read() into 256 KiB until EOF.
//
// What is measured (client):
//   msg/s        N / (completion of the last message's processing - upgrade completion).
//                Upgrade completion is just before the first data byte (the server starts
//                writing as soon as its 101 is out).
//   cpu_ns       the client thread's CPU time (CLOCK_THREAD_CPUTIME_ID) over the same span,
//                / N; sys_ns the kernel part of it (getrusage RUSAGE_THREAD, coarse for
//                short runs); cpu% = CPU time / wall time. ~100% means the client is
//                CPU-bound (the server is not what limits it).
//   latency      per message: RealClock::monotonic_ns() right after decode + book + filter
//                returned, minus recv_ns, WsClient's receive timestamp: the clock read when
//                the socket read that brought the message's last byte completed (one per
//                read, shared by every message of that read). So it covers the frame parse,
//                UTF-8 check, inflate, decode, book and filter of the message, plus the time
//                it waited behind the earlier messages of the same read (under this blast
//                a read returns a full buffer: thousands of messages). It does not include
//                the time bytes waited in the socket buffer before the read. Stored in a
//                preallocated array, 4 B per message.
//   wire/inflated  frame bytes under the WebSocket layer (headers and payload as received;
//                WsClient's counters) and payload bytes after inflate, per message.
//   peak RSS     getrusage(RUSAGE_SELF).ru_maxrss of the client process at the end
//                (includes the latency array: 3.8 MiB at N = 1,000,000).
#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "telemetry/log.h"

#include "common.h"

namespace phoenix::bench::e2e {
namespace {

// ---------------------------------------------------------------------------------------
// One run: a server child and a client child.

int make_listener(uint16_t* port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd, 4) != 0) {
    return -1;
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

enum class Reader { kWsClient, kRaw };

std::string row_label(Mode mode, Reader reader) {
  std::string label(mode_name(mode));
  if (reader == Reader::kRaw) label += "/raw";
  return label;
}

RunResult run_once(Mode mode, Reader reader, const Options& opt) {
  RunResult r;
  uint16_t port = 0;
  const int listen_fd = make_listener(&port);
  if (listen_fd < 0) {
    set_error(r, "cannot listen on 127.0.0.1");
    return r;
  }
  std::array<int, 2> pipe_fds{};
  if (::pipe(pipe_fds.data()) != 0) {
    set_error(r, "pipe failed");
    return r;
  }
  static_cast<void>(std::fflush(nullptr));
  const pid_t server = ::fork();
  if (server == 0) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    ::_exit(run_server(listen_fd, mode, opt));
  }
  const pid_t client = ::fork();
  if (client == 0) {
    ::close(listen_fd);
    ::close(pipe_fds[0]);
    RunResult cr;
    switch (reader) {
      case Reader::kWsClient: cr = run_ws_client(port, mode, opt); break;
      case Reader::kRaw: cr = run_raw_reader(port, mode, opt); break;
    }
    const bool written = ::write(pipe_fds[1], &cr, sizeof cr) == static_cast<ssize_t>(sizeof cr);
    ::_exit(written ? 0 : 1);
  }
  ::close(listen_fd);
  ::close(pipe_fds[1]);
  size_t got = 0;
  auto* bytes = reinterpret_cast<char*>(&r);
  while (got < sizeof r) {
    const ssize_t n = ::read(pipe_fds[0], bytes + got, sizeof r - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(pipe_fds[0]);
  int status = 0;
  if (client > 0) ::waitpid(client, &status, 0);
  if (got != sizeof r) {
    r = RunResult{};
    set_error(r, "client process failed");
  }
  // The server is done once the client closed; give it a moment, then stop it.
  int server_status = 0;
  bool server_done = false;
  for (int i = 0; i < 200 && server > 0; ++i) {
    if (::waitpid(server, &server_status, WNOHANG) == server) {
      server_done = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (server > 0 && !server_done) {
    ::kill(server, SIGKILL);
    ::waitpid(server, &server_status, 0);
  }
  if (r.ok != 0 && (!server_done || !WIFEXITED(server_status) || WEXITSTATUS(server_status) != 0)) {
    set_error(r, "server failed (exit " +
                     std::to_string(WIFEXITED(server_status) ? WEXITSTATUS(server_status) : -1) + ")");
  }
  return r;
}

// ---------------------------------------------------------------------------------------
// Report

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
}

template <class F>
double med(const std::vector<RunResult>& runs, F f) {
  std::vector<double> v;
  v.reserve(runs.size());
  for (const RunResult& r : runs) v.push_back(f(r));
  return median(std::move(v));
}

double rate(const RunResult& r) {
  return r.elapsed_ns > 0 ? static_cast<double>(r.messages) * 1e9 / static_cast<double>(r.elapsed_ns) : 0;
}
double cpu_pct(const RunResult& r) {
  return r.elapsed_ns > 0 ? 100.0 * static_cast<double>(r.cpu_ns) / static_cast<double>(r.elapsed_ns) : 0;
}
double per_msg(double v, const RunResult& r) {
  return r.messages > 0 ? v / static_cast<double>(r.messages) : 0;
}
double cpu_per_msg(const RunResult& r) { return per_msg(static_cast<double>(r.cpu_ns), r); }
double sys_per_msg(const RunResult& r) { return per_msg(static_cast<double>(r.sys_ns), r); }
double wire_per_msg(const RunResult& r) { return per_msg(static_cast<double>(r.wire_bytes), r); }
double inflated_per_msg(const RunResult& r) { return per_msg(static_cast<double>(r.inflated_bytes), r); }
double rss_mib(const RunResult& r) { return static_cast<double>(r.maxrss_kb) / 1024.0; }

constexpr const char* kHeaderFormat = "%-17s %11s %5s %7s %7s %7s %7s %8s %7s %7s %7s %6s %7s  %s\n";

void print_header() {
  std::printf(kHeaderFormat, "mode/reader", "msg/s", "cpu", "cpu_ns", "sys_ns", "p50_us", "p99_us",
              "p99.9_us", "max_us", "wire_B", "infl_B", "saved", "rss_MiB", "negotiated");
}

void print_row(const std::string& label, const std::vector<RunResult>& runs, Reader reader) {
  const double wire = med(runs, wire_per_msg);
  if (reader == Reader::kRaw) {
    std::printf("%-17s %11.0f %4.0f%% %7.0f %7.0f %7s %7s %8s %7s %7.1f %7s %6s %7.1f  %s\n", label.c_str(),
                med(runs, rate), med(runs, cpu_pct), med(runs, cpu_per_msg), med(runs, sys_per_msg), "-", "-",
                "-", "-", wire, "-", "-", med(runs, rss_mib), "(server ceiling: no-op reader)");
    return;
  }
  const double inflated = med(runs, inflated_per_msg);
  const char* note = runs.front().extensions[0] != '\0' ? runs.front().extensions : "(none)";
  std::printf("%-17s %11.0f %4.0f%% %7.0f %7.0f %7.2f %7.2f %8.2f %7.1f %7.1f %7.1f %5.1f%% %7.1f  %s\n",
              label.c_str(), med(runs, rate), med(runs, cpu_pct), med(runs, cpu_per_msg),
              med(runs, sys_per_msg), med(runs, [](const RunResult& r) { return r.p50_us; }),
              med(runs, [](const RunResult& r) { return r.p99_us; }),
              med(runs, [](const RunResult& r) { return r.p999_us; }),
              med(runs, [](const RunResult& r) { return r.max_us; }), wire, inflated,
              inflated > 0 ? 100.0 * (1.0 - wire / inflated) : 0.0, med(runs, rss_mib), note);
}

void print_run(const std::string& label, int run, const RunResult& r) {
  std::fprintf(stderr,
               "  %-17s run %d: %.0f msg/s cpu %.0f%% (%.0f ns/msg, sys %.0f) p50 %.2f p99 %.2f p99.9 %.2f "
               "max %.1f us "
               "wire %.1f B/msg forwarded %" PRIu64 " book_wraps %" PRIu64 " rss %.1f MiB\n",
               label.c_str(), run, rate(r), cpu_pct(r), cpu_per_msg(r), sys_per_msg(r), r.p50_us, r.p99_us,
               r.p999_us, r.max_us, wire_per_msg(r), r.forwarded, r.book_wraps, rss_mib(r));
}

void usage() {
  std::fprintf(
      stderr,
      "usage: phoenix_md_e2e_bench [--messages N] [--mode off|no_context|context|all] [--runs R]\n"
      "                            [--corpus K] [--profile dense|sparse] [--read-buffer BYTES]\n"
      "                            [--inflater auto|zlib|beast] [--pin] [--no-raw] [--verbose]\n"
      "  --messages N       messages per run (default 1000000)\n"
      "  --mode M           compression mode(s) to run (default all)\n"
      "  --runs R           runs per mode and reader; the table shows medians (default 1)\n"
      "  --corpus K         distinct messages the server cycles through (default 32768)\n"
      "  --read-buffer B    WsClientOptions::read_buffer_bytes (default %zu)\n"
      "  --inflater I       WsClientOptions::inflater (default auto: Beast with context takeover,\n"
      "                     zlib without)\n"
      "  --pin              pin the server to CPU 0 and the client to CPU 1\n"
      "  --no-raw           skip the server-ceiling runs (no-op reader)\n"
      "  --profile P        corpus: dense (default; qty 5-8 decimals, ~74%% dynamic-Huffman blocks) or\n"
      "                     sparse (qty 2-5 decimals, ~22%% dynamic blocks; cheaper to inflate)\n"
      "  --verbose          per-run lines and Phoenix's INFO logs on stderr\n",
      net::WsClientOptions{}.read_buffer_bytes);
}

template <class T>
bool parse_number(std::string_view s, T* out) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::optional<Options> parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto next = [&]() -> std::optional<std::string_view> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string_view(argv[++i]);
    };
    if (a == "--messages") {
      const auto v = next();
      if (!v || !parse_number(*v, &o.messages) || o.messages == 0) return std::nullopt;
    } else if (a == "--corpus") {
      const auto v = next();
      if (!v || !parse_number(*v, &o.corpus) || o.corpus == 0) return std::nullopt;
    } else if (a == "--runs") {
      const auto v = next();
      if (!v || !parse_number(*v, &o.runs) || o.runs <= 0) return std::nullopt;
    } else if (a == "--mode") {
      const auto v = next();
      if (!v) return std::nullopt;
      if (*v == "all") {
        o.modes.assign(kAllModes.begin(), kAllModes.end());
      } else {
        o.modes.clear();
        for (Mode m : kAllModes) {
          if (mode_name(m) == *v) o.modes.push_back(m);
        }
        if (o.modes.empty()) return std::nullopt;
      }
    } else if (a == "--pin") {
      o.pin = true;
    } else if (a == "--no-raw") {
      o.raw = false;
    } else if (a == "--inflater") {
      const auto v = next();
      if (!v || (*v != "auto" && *v != "zlib" && *v != "beast")) return std::nullopt;
      o.inflater = *v == "zlib"    ? net::WsInflater::kZlib
                   : *v == "beast" ? net::WsInflater::kBeast
                                   : net::WsInflater::kAuto;
    } else if (a == "--read-buffer") {
      const auto v = next();
      if (!v || !parse_number(*v, &o.read_buffer_bytes) || o.read_buffer_bytes < 1024) return std::nullopt;
    } else if (a == "--profile") {
      const auto v = next();
      if (!v || (*v != "dense" && *v != "sparse")) return std::nullopt;
      o.profile = *v == "dense" ? pb::CorpusProfile::kDense : pb::CorpusProfile::kSparse;
    } else if (a == "--verbose") {
      o.verbose = true;
    } else {
      return std::nullopt;
    }
  }
  return o;
}

}  // namespace
}  // namespace phoenix::bench::e2e

int main(int argc, char** argv) {
  using namespace phoenix::bench::e2e;
  namespace telemetry = phoenix::telemetry;
  const std::optional<Options> parsed = parse_args(argc, argv);
  if (!parsed) {
    usage();
    return 2;
  }
  const Options& opt = *parsed;
  // ws_closed (WARN) ends every run; keep the table readable unless asked.
  telemetry::set_log_level(opt.verbose ? telemetry::LogLevel::kInfo : telemetry::LogLevel::kError);

  std::printf("phoenix_md_e2e_bench: %" PRIu64
              " bookTicker messages per run, corpus %zu (%s), read buffer %zu B, %d run(s) per row%s\n",
              opt.messages, opt.corpus, opt.profile == pb::CorpusProfile::kDense ? "dense" : "sparse",
              opt.read_buffer_bytes, opt.runs, opt.pin ? ", pinned (server cpu0, client cpu1)" : "");
  print_header();
  std::vector<Reader> readers{Reader::kWsClient};
  if (opt.raw) readers.push_back(Reader::kRaw);
  int failures = 0;
  for (Mode mode : opt.modes) {
    for (Reader reader : readers) {
      const std::string label = row_label(mode, reader);
      std::vector<RunResult> runs;
      for (int run = 0; run < opt.runs; ++run) {
        const RunResult r = run_once(mode, reader, opt);
        if (r.ok == 0) {
          std::fprintf(stderr, "%s run %d FAILED: %s\n", label.c_str(), run, r.error);
          ++failures;
          continue;
        }
        if (opt.verbose) print_run(label, run, r);
        runs.push_back(r);
      }
      if (!runs.empty()) print_row(label, runs, reader);
      std::fflush(stdout);
    }
  }
  std::printf(
      "msg/s: end to end, upgrade done -> last message processed; cpu: client thread CPU / wall; cpu_ns, "
      "sys_ns:\n"
      "client thread CPU (all, kernel part) per message; p*: per-message latency from the completion of the\n"
      "socket read that brought the message (WsClient's recv_ns) to decode+book+filter done, i.e. frame "
      "parse,\n"
      "UTF-8 check, inflate, decode, book, filter, plus the wait behind earlier messages of the same read;\n"
      "wire_B/infl_B: frame bytes / payload bytes after inflate, per message; rss: client peak RSS "
      "(includes\n"
      "the 4 B/message latency array). /raw: the same server read by a no-op reader (the server's ceiling).\n"
      "Medians of the runs.\n");
  return failures == 0 ? 0 : 1;
}
