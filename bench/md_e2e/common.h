#pragma once

// Shared pieces of phoenix_md_e2e_bench (see main.cc for what it measures): modes, options,
// the per-run result a client child sends back through a pipe, and small socket/HTTP helpers.

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/evp.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "binance/symbol_table.h"
#include "core/clock.h"
#include "net/ws_client.h"

#include "../md_corpus.h"

namespace phoenix::bench::e2e {

using phoenix::core::RealClock;
namespace net = phoenix::net;
namespace binance = phoenix::binance;
namespace pb = phoenix::bench;

enum class Mode { kOff, kNoContext, kContext };
inline constexpr std::array<Mode, 3> kAllModes{Mode::kOff, Mode::kNoContext, Mode::kContext};

inline std::string_view mode_name(Mode m) {
  switch (m) {
    case Mode::kOff: return "off";
    case Mode::kNoContext: return "no_context";
    case Mode::kContext: return "context";
  }
  return "?";
}

inline net::Compression to_compression(Mode m) {
  switch (m) {
    case Mode::kOff: return net::Compression::kOff;
    case Mode::kNoContext: return net::Compression::kNoContext;
    case Mode::kContext: return net::Compression::kContext;
  }
  return net::Compression::kOff;
}

// What the server answers to the client's offer, per mode.
inline std::string_view server_extensions(Mode m) {
  switch (m) {
    case Mode::kOff: return "";
    case Mode::kNoContext:
      return "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
    case Mode::kContext: return "permessage-deflate; client_no_context_takeover";
  }
  return "";
}

struct Options {
  uint64_t messages = 1'000'000;
  std::vector<Mode> modes{kAllModes.begin(), kAllModes.end()};
  size_t corpus = 32'768;
  int runs = 1;
  bool pin = false;
  bool raw = true;
  size_t read_buffer_bytes = net::WsClientOptions{}.read_buffer_bytes;
  net::WsInflater inflater = net::WsInflater::kAuto;
  pb::CorpusProfile profile = pb::CorpusProfile::kDense;
  bool verbose = false;
};

inline constexpr size_t kWriteChunk = 256 << 10;
inline constexpr size_t kReadChunk = 256 << 10;
inline constexpr int kAcceptTimeoutMs = 60'000;

inline int64_t now_ns() { return RealClock::instance().monotonic_ns(); }

inline int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// The calling thread's CPU time in the kernel (system calls, softirq work charged to it).
inline int64_t thread_sys_ns() {
  rusage ru{};
  getrusage(RUSAGE_THREAD, &ru);
  return static_cast<int64_t>(ru.ru_stime.tv_sec) * 1'000'000'000 +
         static_cast<int64_t>(ru.ru_stime.tv_usec) * 1000;
}

inline long max_rss_kb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

inline void pin_to_cpu(size_t cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) std::perror("sched_setaffinity");
}

inline bool write_all(int fd, const void* data, size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t w = ::send(fd, p, size, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    size -= static_cast<size_t>(w);
  }
  return true;
}

// Reads until "\r\n\r\n"; returns the header block, and in `rest` whatever followed it.
inline std::optional<std::string> read_http_head(int fd, std::string* rest) {
  std::string in;
  char buf[4096];
  while (in.size() < size_t{64} * 1024) {
    const ssize_t r = ::recv(fd, buf, sizeof buf, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return std::nullopt;
    in.append(buf, static_cast<size_t>(r));
    const size_t end = in.find("\r\n\r\n");
    if (end != std::string::npos) {
      if (rest != nullptr) *rest = in.substr(end + 4);
      in.resize(end + 4);
      return in;
    }
  }
  return std::nullopt;
}

// The value of header `name` (lower case) in an HTTP head, trimmed; "" when absent.
inline std::string header_value(const std::string& head, std::string_view name) {
  std::string lower = head;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  const std::string key = "\r\n" + std::string(name) + ":";
  const size_t at = lower.find(key);
  if (at == std::string::npos) return "";
  size_t b = at + key.size();
  const size_t e = head.find("\r\n", b);
  while (b < e && (head[b] == ' ' || head[b] == '\t')) ++b;
  size_t end = e;
  while (end > b && (head[end - 1] == ' ' || head[end - 1] == '\t')) --end;
  return head.substr(b, end - b);
}

inline std::string websocket_accept(const std::string& key) {
  const std::string in = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  EVP_Digest(in.data(), in.size(), md, &md_len, EVP_sha1(), nullptr);
  unsigned char out[64];
  const int n = EVP_EncodeBlock(out, md, static_cast<int>(md_len));
  return std::string(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
}

// ---------------------------------------------------------------------------------------
// Results (written by a child through a pipe: plain data only)

struct RunResult {
  int ok = 0;
  char error[200] = {};
  char extensions[160] = {};
  uint64_t messages = 0;  // received and processed
  uint64_t decode_errors = 0;
  uint64_t sequence_errors = 0;
  uint64_t forwarded = 0;
  uint64_t book_wraps = 0;  // corpus wrap-arounds seen by the books (reset + reapply)
  int64_t elapsed_ns = 0;
  int64_t cpu_ns = 0;
  int64_t sys_ns = 0;  // part of cpu_ns spent in the kernel
  uint64_t wire_bytes = 0;
  uint64_t inflated_bytes = 0;
  double p50_us = 0;
  double p99_us = 0;
  double p999_us = 0;
  double max_us = 0;
  long maxrss_kb = 0;
};

inline void set_error(RunResult& r, std::string_view text) {
  r.ok = 0;
  const size_t n = std::min(text.size(), sizeof r.error - 1);
  std::memcpy(r.error, text.data(), n);
  r.error[n] = '\0';
}

inline binance::SymbolTable corpus_symbols() {
  binance::SymbolTable symbols;
  for (const auto& s : pb::kCorpusSymbols) static_cast<void>(symbols.add(s.upper, {8, 8}));
  return symbols;
}

inline std::string stream_target() {
  std::string t = "/stream?streams=";
  for (size_t i = 0; i < pb::kCorpusSymbols.size(); ++i) {
    if (i > 0) t += '/';
    t += std::string(pb::kCorpusSymbols[i].lower) + "@bookTicker";
  }
  return t;
}

// The server child: accepts one connection on `listen_fd`, upgrades it, blasts
// opt.messages frames of `mode`, sends a close frame. Returns the process exit code.
int run_server(int listen_fd, Mode mode, const Options& opt);

// Client children. Each connects to 127.0.0.1:port and returns what it measured.
RunResult run_ws_client(uint16_t port, Mode mode, const Options& opt);   // Phoenix's path
RunResult run_raw_reader(uint16_t port, Mode mode, const Options& opt);  // the server's ceiling

}  // namespace phoenix::bench::e2e
