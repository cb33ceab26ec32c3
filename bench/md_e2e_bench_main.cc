// End-to-end market-data benchmark over loopback: Phoenix's feed path against a server
// that blasts pre-built Binance bookTicker frames, per compression mode.
//
//   phoenix_md_e2e_bench [--messages N] [--mode off|no_context|context|all] [--runs R]
//                        [--corpus K] [--profile dense|sparse] [--pin] [--no-raw]
//                        [--no-proto] [--proto-beast-inflate] [--verbose]
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
//   client  one of three readers:
//     (WsClient)  Phoenix's real path on one io_context thread (io_context(1), as the app):
//           net::WsClient (Beast, permessage-deflate offered per mode, Phoenix's read loop)
//           -> binance::StreamDecoder -> md::TopOfBook::apply -> md::MinChangeFilter
//           (1 bp, with its registry counters), i.e. what md::Feed does for a bookTicker
//           minus the stale detector. Every message's update id is checked against the
//           sequence the server sent (nothing lost, nothing reordered).
//     /proto  NOT Phoenix's path: a prototype batching reader (256 KiB read()s, every
//           complete frame in the buffer handled in a loop, system zlib or, with
//           --proto-beast-inflate, Beast's inflate_stream) in front of the same decode ->
//           book -> filter. It shows what the transport costs and what replacing Beast's
//           per-message read path would buy.
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
//                returned, minus recv_ns, the WsClient's receive timestamp for the message.
//                WsClient takes recv_ns at the start of its async_read_some completion
//                handler, i.e. after the socket read, Beast's frame parse, UTF-8 check and
//                inflate, and after Beast's completion was dispatched through the
//                io_context. So the latency is the application's processing time once the
//                transport hands a message over (WsClient's counters and padding memset, the
//                handler call, decode, book, filter, one clock read); it does not include
//                the transport, nor the time bytes waited in the socket buffer (the transport
//                cost shows in msg/s and cpu_ns). /proto takes recv_ns when the payload is
//                ready (after its inflate). Stored in a preallocated array, 4 B per message.
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
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <boost/asio/io_context.hpp>
#include <boost/beast/zlib/inflate_stream.hpp>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "binance/stream_decoder.h"
#include "binance/symbol_table.h"
#include "core/clock.h"
#include "core/decimal.h"
#include "core/market_data.h"
#include "md/min_change_filter.h"
#include "md/top_of_book.h"
#include "net/byte_meter.h"
#include "net/ws_client.h"
#include "net/ws_url.h"
#include "telemetry/log.h"
#include "telemetry/metrics.h"

#include "md_corpus.h"

namespace {

using phoenix::core::RealClock;
namespace net = phoenix::net;
namespace md = phoenix::md;
namespace binance = phoenix::binance;
namespace telemetry = phoenix::telemetry;
namespace pb = phoenix::bench;

enum class Mode { kOff, kNoContext, kContext };
constexpr std::array<Mode, 3> kAllModes{Mode::kOff, Mode::kNoContext, Mode::kContext};

std::string_view mode_name(Mode m) {
  switch (m) {
    case Mode::kOff: return "off";
    case Mode::kNoContext: return "no_context";
    case Mode::kContext: return "context";
  }
  return "?";
}

net::Compression to_compression(Mode m) {
  switch (m) {
    case Mode::kOff: return net::Compression::kOff;
    case Mode::kNoContext: return net::Compression::kNoContext;
    case Mode::kContext: return net::Compression::kContext;
  }
  return net::Compression::kOff;
}

// What the server answers to the client's offer, per mode.
std::string_view server_extensions(Mode m) {
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
  bool proto = true;
  bool proto_beast_inflate = false;
  pb::CorpusProfile profile = pb::CorpusProfile::kDense;
  bool verbose = false;
};

constexpr size_t kWriteChunk = 256 << 10;
constexpr size_t kReadChunk = 256 << 10;
constexpr int kAcceptTimeoutMs = 60'000;

int64_t now_ns() { return RealClock::instance().monotonic_ns(); }

int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// The calling thread's CPU time in the kernel (system calls, softirq work charged to it).
int64_t thread_sys_ns() {
  rusage ru{};
  getrusage(RUSAGE_THREAD, &ru);
  return static_cast<int64_t>(ru.ru_stime.tv_sec) * 1'000'000'000 +
         static_cast<int64_t>(ru.ru_stime.tv_usec) * 1000;
}

long max_rss_kb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

void pin_to_cpu(size_t cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) std::perror("sched_setaffinity");
}

bool write_all(int fd, const void* data, size_t size) {
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
std::optional<std::string> read_http_head(int fd, std::string* rest) {
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
std::string header_value(const std::string& head, std::string_view name) {
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

std::string websocket_accept(const std::string& key) {
  const std::string in = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  EVP_Digest(in.data(), in.size(), md, &md_len, EVP_sha1(), nullptr);
  unsigned char out[64];
  const int n = EVP_EncodeBlock(out, md, static_cast<int>(md_len));
  return std::string(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
}

// ---------------------------------------------------------------------------------------
// Server

// K finished frames back to back; the server sends them cyclically.
struct FrameBuffer {
  std::string frames;
  std::vector<size_t> offsets;  // K + 1: frame i is [offsets[i], offsets[i+1])

  size_t count() const { return offsets.size() - 1; }
  uint64_t bytes_for(uint64_t messages) const {
    return (messages / count()) * frames.size() + offsets[messages % count()];
  }
};

FrameBuffer build_frames(Mode mode, size_t k, pb::CorpusProfile profile) {
  const std::vector<std::string> messages = pb::make_book_tickers(k, profile);
  std::vector<std::string> payloads;
  if (mode == Mode::kOff) {
    payloads = messages;
  } else {
    payloads = pb::compress_messages(messages, mode == Mode::kContext).payloads;
  }
  FrameBuffer fb;
  fb.offsets.reserve(k + 1);
  for (const std::string& p : payloads) {
    fb.offsets.push_back(fb.frames.size());
    fb.frames += static_cast<char>(0x80 | (mode == Mode::kOff ? 0x00 : 0x40) | 0x01);  // FIN, RSV1, text
    if (p.size() < 126) {
      fb.frames += static_cast<char>(p.size());
    } else if (p.size() < 65536) {
      fb.frames += static_cast<char>(126);
      fb.frames += static_cast<char>((p.size() >> 8) & 0xff);
      fb.frames += static_cast<char>(p.size() & 0xff);
    } else {
      fb.frames += static_cast<char>(127);
      for (int shift = 56; shift >= 0; shift -= 8) fb.frames += static_cast<char>((p.size() >> shift) & 0xff);
    }
    fb.frames += p;
  }
  fb.offsets.push_back(fb.frames.size());
  return fb;
}

// Writes the first `messages` frames of the cyclic buffer in kWriteChunk writev() batches.
bool blast(int fd, const FrameBuffer& fb, uint64_t messages) {
  const uint64_t total = fb.bytes_for(messages);
  const size_t size = fb.frames.size();
  uint64_t sent = 0;
  size_t pos = 0;
  std::array<iovec, 64> iov{};
  while (sent < total) {
    uint64_t want = std::min<uint64_t>(kWriteChunk, total - sent);
    size_t cnt = 0;
    size_t p = pos;
    while (want > 0 && cnt < iov.size()) {
      const size_t seg = static_cast<size_t>(std::min<uint64_t>(want, size - p));
      iov[cnt].iov_base = const_cast<char*>(fb.frames.data() + p);
      iov[cnt].iov_len = seg;
      ++cnt;
      want -= seg;
      p = (p + seg) % size;
    }
    const ssize_t w = ::writev(fd, iov.data(), static_cast<int>(cnt));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    sent += static_cast<uint64_t>(w);
    pos = (pos + static_cast<size_t>(w)) % size;
  }
  return true;
}

int run_server(int listen_fd, Mode mode, const Options& opt) {
  if (opt.pin) pin_to_cpu(0);
  const uint64_t messages = opt.messages;
  const bool verbose = opt.verbose;
  const FrameBuffer fb = build_frames(mode, opt.corpus, opt.profile);
  pollfd pfd{listen_fd, POLLIN, 0};
  if (::poll(&pfd, 1, kAcceptTimeoutMs) != 1) {
    std::fprintf(stderr, "server: no connection\n");
    return 2;
  }
  const int fd = ::accept(listen_fd, nullptr, nullptr);
  ::close(listen_fd);
  if (fd < 0) return 2;
  const std::optional<std::string> req = read_http_head(fd, nullptr);
  if (!req) return 3;
  const std::string key = header_value(*req, "sec-websocket-key");
  const std::string offer = header_value(*req, "sec-websocket-extensions");
  if (verbose)
    std::fprintf(stderr, "server[%s]: offer=\"%s\"\n", std::string(mode_name(mode)).c_str(), offer.c_str());
  // The client must have offered what this mode answers.
  if (mode != Mode::kOff && offer.find("permessage-deflate") == std::string::npos) return 4;
  if (mode == Mode::kNoContext && offer.find("server_no_context_takeover") == std::string::npos) return 4;
  if (key.empty()) return 4;
  std::string res = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
  res += "Sec-WebSocket-Accept: " + websocket_accept(key) + "\r\n";
  if (mode != Mode::kOff) res += "Sec-WebSocket-Extensions: " + std::string(server_extensions(mode)) + "\r\n";
  res += "\r\n";
  if (!write_all(fd, res.data(), res.size())) return 5;
  if (!blast(fd, fb, messages)) return 6;
  static constexpr std::array<unsigned char, 4> kClose{0x88, 0x02, 0x03, 0xe8};  // close 1000
  if (!write_all(fd, kClose.data(), kClose.size())) return 7;
  ::shutdown(fd, SHUT_WR);
  // Drain until the client closes (its close frame, then EOF), at most 10 s.
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[4096];
  while (::recv(fd, buf, sizeof buf, 0) > 0) {
  }
  ::close(fd);
  return 0;
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

void set_error(RunResult& r, std::string_view text) {
  r.ok = 0;
  const size_t n = std::min(text.size(), sizeof r.error - 1);
  std::memcpy(r.error, text.data(), n);
  r.error[n] = '\0';
}

// ---------------------------------------------------------------------------------------
// The feed path after the transport: StreamDecoder -> TopOfBook -> MinChangeFilter, plus
// the measurement (latency array, sequence check, CPU and time marks).

class FeedPath final : public binance::MarketDataSink {
 public:
  FeedPath(uint64_t messages, size_t corpus, const binance::SymbolTable& symbols,
           telemetry::Registry& registry)
      : messages_(messages),
        corpus_(corpus),
        latencies_(messages),
        decoder_(symbols, *this, registry),
        filter_(phoenix::core::Decimal(1, 0), &registry) {
    for (const auto& s : pb::kCorpusSymbols) filter_.add_symbol(std::string(s.upper));
  }

  // The connection is open: the measured span starts.
  void start() {
    open_ns_ = RealClock::instance().monotonic_ns();
    cpu_open_ns_ = thread_cpu_ns();
    sys_open_ns_ = thread_sys_ns();
  }

  // One message, as the transport hands it over (`capacity` readable bytes at its start).
  // True when it was the last expected one.
  bool on_message(std::string_view payload, size_t capacity, int64_t recv_ns) {
    const binance::DecodeResult r = decoder_.decode(payload, capacity, recv_ns);
    const int64_t done = RealClock::instance().monotonic_ns();
    if (!r.ok()) ++decode_errors_;
    if (count_ < messages_) {
      latencies_[count_] = static_cast<uint32_t>(std::clamp<int64_t>(done - recv_ns, 0, UINT32_MAX));
    }
    if (++count_ != messages_) return false;
    last_done_ns_ = done;
    cpu_last_ns_ = thread_cpu_ns();
    sys_last_ns_ = thread_sys_ns();
    return true;
  }

  // --- MarketDataSink (what md::Feed::on_book_ticker does, minus the stale detector)
  void on_book_ticker(const phoenix::core::BookTicker& e, int64_t /*recv_ns*/) override {
    if (e.update_id != pb::kFirstUpdateId + count_ % corpus_) ++sequence_errors_;
    md::TopOfBook& top = books_[e.symbol];
    if (top.apply(e) == md::TopOfBook::ApplyResult::kOlder) {  // the server's corpus wrapped
      top.reset();
      top.apply(e);
      ++book_wraps_;
    }
    if (filter_.on_update(e.symbol, top.bid_price(), top.ask_price())) ++forwarded_;
  }
  void on_depth_snapshot(const phoenix::core::DepthSnapshot&, int64_t) override { ++unexpected_; }
  void on_depth_diff(const phoenix::core::DepthDiff&, int64_t) override { ++unexpected_; }
  void on_trade(const phoenix::core::Trade&, int64_t) override { ++unexpected_; }
  void on_control_reply(const binance::ControlReply&) override { ++unexpected_; }
  void on_server_shutdown(int64_t) override { ++unexpected_; }

  // Sorts the latency array in place (no copy, so the peak RSS holds it once).
  RunResult result(uint64_t wire_bytes, uint64_t inflated_bytes, std::string_view extensions,
                   std::string_view close_error) {
    RunResult r;
    r.messages = count_;
    r.decode_errors = decode_errors_ + unexpected_;
    r.sequence_errors = sequence_errors_;
    r.forwarded = forwarded_;
    r.book_wraps = book_wraps_;
    r.wire_bytes = wire_bytes;
    r.inflated_bytes = inflated_bytes;
    const size_t n = std::min(extensions.size(), sizeof r.extensions - 1);
    std::memcpy(r.extensions, extensions.data(), n);
    if (count_ != messages_) {
      set_error(r, "received " + std::to_string(count_) + " of " + std::to_string(messages_) +
                       " messages; close: " + std::string(close_error));
      return r;
    }
    if (decode_errors_ + unexpected_ + sequence_errors_ != 0) {
      set_error(r, "decode or sequence errors");
      return r;
    }
    r.ok = 1;
    r.elapsed_ns = last_done_ns_ - open_ns_;
    r.cpu_ns = cpu_last_ns_ - cpu_open_ns_;
    r.sys_ns = sys_last_ns_ - sys_open_ns_;
    std::vector<uint32_t>& sorted = latencies_;
    std::sort(sorted.begin(), sorted.end());
    auto pct = [&sorted](double q) {
      const auto i = static_cast<size_t>(q * static_cast<double>(sorted.size() - 1));
      return static_cast<double>(sorted[i]) / 1000.0;
    };
    r.p50_us = pct(0.5);
    r.p99_us = pct(0.99);
    r.p999_us = pct(0.999);
    r.max_us = static_cast<double>(sorted.back()) / 1000.0;
    return r;
  }

 private:
  uint64_t messages_;
  size_t corpus_;
  std::vector<uint32_t> latencies_;  // preallocated: nanoseconds per message
  binance::StreamDecoder decoder_;
  md::MinChangeFilter filter_;
  std::array<md::TopOfBook, pb::kCorpusSymbols.size()> books_{};
  uint64_t count_ = 0;
  uint64_t decode_errors_ = 0;
  uint64_t unexpected_ = 0;
  uint64_t sequence_errors_ = 0;
  uint64_t forwarded_ = 0;
  uint64_t book_wraps_ = 0;
  int64_t open_ns_ = 0;
  int64_t cpu_open_ns_ = 0;
  int64_t sys_open_ns_ = 0;
  int64_t last_done_ns_ = 0;
  int64_t cpu_last_ns_ = 0;
  int64_t sys_last_ns_ = 0;
};

binance::SymbolTable corpus_symbols() {
  binance::SymbolTable symbols;
  for (const auto& s : pb::kCorpusSymbols) static_cast<void>(symbols.add(s.upper, {8, 8}));
  return symbols;
}

std::string stream_target() {
  std::string t = "/stream?streams=";
  for (size_t i = 0; i < pb::kCorpusSymbols.size(); ++i) {
    if (i > 0) t += '/';
    t += std::string(pb::kCorpusSymbols[i].lower) + "@bookTicker";
  }
  return t;
}

// ---------------------------------------------------------------------------------------
// Client: Phoenix's real transport, net::WsClient, in front of the FeedPath.

class WsFeedClient final : public net::WsClientHandler {
 public:
  explicit WsFeedClient(FeedPath& feed) : feed_(feed) {}

  void on_ws_open(net::WsClient& /*client*/) override { feed_.start(); }
  void on_ws_message(net::WsClient& client, std::string_view payload, int64_t recv_ns) override {
    if (feed_.on_message(payload, payload.size() + net::kWsPayloadPaddingBytes, recv_ns))
      stats_ = client.stats();
  }
  void on_ws_closed(net::WsClient& client, const net::WsCloseInfo& info) override {
    close_error_ = info.error;
    extensions_ = client.negotiated_extensions();
    if (stats_.messages_in == 0) stats_ = client.stats();
  }

  RunResult result() {
    return feed_.result(stats_.wire_in_bytes - stats_.wire_in_at_open_bytes, stats_.inflated_in_bytes,
                        extensions_, close_error_);
  }

 private:
  FeedPath& feed_;
  net::WsStats stats_;
  std::string close_error_;
  std::string extensions_;
};

RunResult run_client(uint16_t port, Mode mode, uint64_t messages, size_t corpus, bool pin) {
  if (pin) pin_to_cpu(1);
  RunResult failed;
  auto url = net::parse_ws_url("ws://127.0.0.1:" + std::to_string(port) + stream_target());
  if (!url) {
    set_error(failed, url.error().message);
    return failed;
  }
  const binance::SymbolTable symbols = corpus_symbols();
  telemetry::Registry registry;
  net::WsMeters meters(registry, "market");
  FeedPath feed(messages, corpus, symbols, registry);
  WsFeedClient handler(feed);
  net::WsClientOptions options;
  options.compression = to_compression(mode);
  options.handshake_timeout_ms = 60'000;  // the server builds its frames before accepting
  options.idle_timeout_ms = 10'000;
  boost::asio::io_context ioc(1);
  {
    net::WsClient client(ioc, url.value(), options, nullptr, meters, RealClock::instance(), handler);
    client.start();
    ioc.run();
  }
  RunResult r = handler.result();
  r.maxrss_kb = max_rss_kb();
  return r;
}

// ---------------------------------------------------------------------------------------
// Readers that bypass WsClient: a plain socket with the upgrade done by hand.

// Connects and upgrades, offering what `mode` needs; returns the socket (-1 on failure)
// and, in `rest`, bytes that arrived after the 101 head.
int connect_and_upgrade(uint16_t port, Mode mode, std::string* rest, RunResult& r) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    set_error(r, "reader: connect failed");
    return -1;
  }
  std::string req =
      "GET " + stream_target() + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n";
  if (mode == Mode::kNoContext) {
    req +=
        "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; "
        "client_no_context_takeover\r\n";
  } else if (mode == Mode::kContext) {
    req += "Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover\r\n";
  }
  req += "\r\n";
  if (!write_all(fd, req.data(), req.size())) {
    set_error(r, "reader: write failed");
    ::close(fd);
    return -1;
  }
  const std::optional<std::string> head = read_http_head(fd, rest);
  if (!head || head->find(" 101 ") == std::string::npos) {
    set_error(r, "reader: no 101");
    ::close(fd);
    return -1;
  }
  return fd;
}

// The server ceiling: after the upgrade, only read() bytes into 256 KiB until EOF.
RunResult run_raw_reader(uint16_t port, Mode mode, uint64_t messages, bool pin) {
  if (pin) pin_to_cpu(1);
  RunResult r;
  std::string rest;
  const int fd = connect_and_upgrade(port, mode, &rest, r);
  if (fd < 0) return r;
  const int64_t t0 = now_ns();
  const int64_t cpu0 = thread_cpu_ns();
  const int64_t sys0 = thread_sys_ns();
  uint64_t total = rest.size();
  std::vector<char> buf(kReadChunk);
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    total += static_cast<uint64_t>(n);
  }
  r.elapsed_ns = now_ns() - t0;
  r.cpu_ns = thread_cpu_ns() - cpu0;
  r.sys_ns = thread_sys_ns() - sys0;
  ::close(fd);
  r.ok = 1;
  r.messages = messages;
  r.wire_bytes = total - 4;  // without the close frame
  r.maxrss_kb = max_rss_kb();
  return r;
}

// NOT Phoenix's path: a sketch of a batching transport, to show what the feed path costs
// without Beast's per-message read operation. Blocking read() of up to 256 KiB; every
// complete frame in the buffer is handled in a loop (header parse; compressed frames
// inflated with system zlib, the 00 00 ff ff tail fed after the payload, inflateReset per
// message when the server resets; no separate UTF-8 pass: simdjson validates UTF-8), then
// the same FeedPath. recv_ns is taken per message when its payload is ready, as WsClient
// does.
RunResult run_proto_reader(uint16_t port, Mode mode, uint64_t messages, size_t corpus, bool pin,
                           bool beast_inflate) {
  if (pin) pin_to_cpu(1);
  RunResult failed;
  std::string rest;
  const int fd = connect_and_upgrade(port, mode, &rest, failed);
  if (fd < 0) return failed;
  const binance::SymbolTable symbols = corpus_symbols();
  telemetry::Registry registry;
  FeedPath feed(messages, corpus, symbols, registry);
  z_stream zs{};
  inflateInit2_(&zs, -15, ZLIB_VERSION, static_cast<int>(sizeof(z_stream)));
  boost::beast::zlib::inflate_stream zi;
  zi.reset(15);
  constexpr size_t kPad = net::kWsPayloadPaddingBytes;
  std::vector<char> in(kReadChunk + kPad);
  std::vector<char> out((1 << 20) + kPad);
  static constexpr std::array<unsigned char, 4> kTail{0x00, 0x00, 0xff, 0xff};
  std::memcpy(in.data(), rest.data(), rest.size());
  size_t begin = 0;
  size_t end = rest.size();
  uint64_t wire = 0;
  uint64_t inflated = 0;
  bool done = false;
  std::string error;
  feed.start();
  while (!done && error.empty()) {
    // Every complete frame in [begin, end).
    for (;;) {
      const auto* p = reinterpret_cast<const unsigned char*>(in.data() + begin);
      const size_t avail = end - begin;
      if (avail < 2) break;
      uint64_t len = p[1] & 0x7fU;
      size_t header = 2;
      if (len == 126) {
        header = 4;
        if (avail < header) break;
        len = (uint64_t{p[2]} << 8) | p[3];
      } else if (len == 127) {
        header = 10;
        if (avail < header) break;
        len = 0;
        for (size_t i = 2; i < 10; ++i) len = (len << 8) | p[i];
      }
      if ((p[1] & 0x80U) != 0 || (p[0] & 0x80U) == 0 || header + len > kReadChunk) {
        error = "proto reader: masked, fragmented or oversized frame";
        break;
      }
      if (avail < header + len) break;
      const unsigned opcode = p[0] & 0x0fU;
      const char* payload = in.data() + begin + header;
      begin += header + static_cast<size_t>(len);
      wire += header + len;
      if (opcode == 0x8) {
        done = true;
        wire -= header + len;
        break;
      }
      if (opcode != 0x1) continue;
      std::string_view message(payload, static_cast<size_t>(len));
      size_t capacity = in.size() - static_cast<size_t>(payload - in.data());
      if ((p[0] & 0x40U) != 0 && beast_inflate) {
        // Beast's inflater, driven as websocket::stream drives it (no reset: clear() is a
        // no-op in Boost 1.81, and nothing refers back past a message anyway).
        boost::beast::error_code ec;
        boost::beast::zlib::z_params bz;
        bz.next_in = payload;
        bz.avail_in = static_cast<size_t>(len);
        bz.next_out = out.data();
        bz.avail_out = out.size() - kPad;
        zi.write(bz, boost::beast::zlib::Flush::sync, ec);
        const size_t n = bz.total_out;
        boost::beast::zlib::z_params tail;
        tail.next_in = kTail.data();
        tail.avail_in = kTail.size();
        tail.next_out = out.data() + n;
        tail.avail_out = out.size() - kPad - n;
        if (!ec) zi.write(tail, boost::beast::zlib::Flush::sync, ec);
        if (ec || bz.avail_in != 0) {
          error = "proto reader: inflate failed";
          break;
        }
        std::memset(out.data() + n, 0, kPad);
        message = std::string_view(out.data(), n);
        capacity = out.size();
      } else if ((p[0] & 0x40U) != 0) {
        zs.next_in = pb::zlib_input(payload);
        zs.avail_in = static_cast<uInt>(len);
        zs.next_out = reinterpret_cast<Bytef*>(out.data());
        zs.avail_out = static_cast<uInt>(out.size() - kPad);
        int rc = ::inflate(&zs, Z_SYNC_FLUSH);
        if (rc == Z_OK) {
          zs.next_in = pb::zlib_input(kTail.data());
          zs.avail_in = kTail.size();
          rc = ::inflate(&zs, Z_SYNC_FLUSH);
        }
        if ((rc != Z_OK && rc != Z_BUF_ERROR) || zs.avail_in != 0) {
          error = "proto reader: inflate failed";
          break;
        }
        const size_t n = out.size() - kPad - zs.avail_out;
        if (mode == Mode::kNoContext) inflateReset(&zs);
        std::memset(out.data() + n, 0, kPad);
        message = std::string_view(out.data(), n);
        capacity = out.size();
      }
      inflated += message.size();
      feed.on_message(message, capacity, RealClock::instance().monotonic_ns());
    }
    if (done || !error.empty()) break;
    // Keep the partial frame, read more.
    std::memmove(in.data(), in.data() + begin, end - begin);
    end -= begin;
    begin = 0;
    const ssize_t n = ::read(fd, in.data() + end, kReadChunk - end);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = "proto reader: connection closed before the close frame";
      break;
    }
    end += static_cast<size_t>(n);
  }
  inflateEnd(&zs);
  ::close(fd);
  RunResult r = feed.result(wire, inflated, "", error);
  if (r.ok != 0 && !error.empty()) set_error(r, error);
  r.maxrss_kb = max_rss_kb();
  return r;
}

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

enum class Reader { kWsClient, kProto, kRaw };

std::string row_label(Mode mode, Reader reader) {
  std::string label(mode_name(mode));
  if (reader == Reader::kProto) label += "/proto";
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
      case Reader::kWsClient: cr = run_client(port, mode, opt.messages, opt.corpus, opt.pin); break;
      case Reader::kProto:
        cr = run_proto_reader(port, mode, opt.messages, opt.corpus, opt.pin, opt.proto_beast_inflate);
        break;
      case Reader::kRaw: cr = run_raw_reader(port, mode, opt.messages, opt.pin); break;
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
  const char* note = reader == Reader::kProto             ? "(prototype batching reader, not Phoenix)"
                     : runs.front().extensions[0] != '\0' ? runs.front().extensions
                                                          : "(none)";
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
      "                            [--corpus K] [--profile dense|sparse] [--pin] [--no-raw] [--no-proto]\n"
      "                            [--proto-beast-inflate] [--verbose]\n"
      "  --messages N  messages per run (default 1000000)\n"
      "  --mode M      compression mode(s) to run (default all)\n"
      "  --runs R      runs per mode and reader; the table shows medians (default 1)\n"
      "  --corpus K    distinct messages the server cycles through (default 32768)\n"
      "  --pin         pin the server to CPU 0 and the client to CPU 1\n"
      "  --no-raw      skip the server-ceiling runs (no-op reader)\n"
      "  --no-proto    skip the prototype batching reader runs\n"
      "  --proto-beast-inflate  the prototype inflates with Beast's inflate_stream (default zlib)\n"
      "  --profile P   corpus: dense (default; qty 5-8 decimals, ~74%% dynamic-Huffman blocks) or\n"
      "                sparse (qty 2-5 decimals, ~22%% dynamic blocks; cheaper to inflate)\n"
      "  --verbose     per-run lines and Phoenix's INFO logs on stderr\n");
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
    } else if (a == "--no-proto") {
      o.proto = false;
    } else if (a == "--proto-beast-inflate") {
      o.proto_beast_inflate = true;
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

int main(int argc, char** argv) {
  const std::optional<Options> parsed = parse_args(argc, argv);
  if (!parsed) {
    usage();
    return 2;
  }
  const Options& opt = *parsed;
  // ws_closed (WARN) ends every run; keep the table readable unless asked.
  telemetry::set_log_level(opt.verbose ? telemetry::LogLevel::kInfo : telemetry::LogLevel::kError);

  std::printf("phoenix_md_e2e_bench: %" PRIu64
              " bookTicker messages per run, corpus %zu (%s), %d run(s) per row%s%s\n",
              opt.messages, opt.corpus, opt.profile == pb::CorpusProfile::kDense ? "dense" : "sparse",
              opt.runs, opt.pin ? ", pinned (server cpu0, client cpu1)" : "",
              opt.proto && opt.proto_beast_inflate ? ", proto inflates with Beast" : "");
  print_header();
  std::vector<Reader> readers{Reader::kWsClient};
  if (opt.proto) readers.push_back(Reader::kProto);
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
      "client thread CPU (all, kernel part) per message; p*: per-message processing latency "
      "(decode+book+filter\n"
      "done - WsClient recv_ns); wire_B/infl_B: frame bytes / payload bytes after inflate, per message; rss: "
      "client\n"
      "peak RSS (includes the 4 B/message latency array). /proto: a prototype batching reader (256 KiB "
      "reads,\n"
      "frames parsed in a loop, system zlib or Beast's inflater) in front of the same decode+book+filter: "
      "NOT\n"
      "Phoenix's path. /raw: the same server read by a no-op reader (the server's ceiling). Medians of the "
      "runs.\n");
  return failures == 0 ? 0 : 1;
}
