// The client children of phoenix_md_e2e_bench: Phoenix's real path (net::WsClient in front
// of the FeedPath) and the no-op reader that measures the server's ceiling.

#include <arpa/inet.h>
#include <boost/asio/io_context.hpp>
#include <netinet/in.h>
#include <unistd.h>

#include "net/byte_meter.h"
#include "net/ws_url.h"

#include "common.h"
#include "feed_path.h"

namespace phoenix::bench::e2e {
namespace {

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

}  // namespace

RunResult run_ws_client(uint16_t port, Mode mode, const Options& opt) {
  if (opt.pin) pin_to_cpu(1);
  const uint64_t messages = opt.messages;
  const size_t corpus = opt.corpus;
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
  options.read_buffer_bytes = opt.read_buffer_bytes;
  options.inflater = opt.inflater;
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

namespace {

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
}  // namespace

RunResult run_raw_reader(uint16_t port, Mode mode, const Options& opt) {
  if (opt.pin) pin_to_cpu(1);
  const uint64_t messages = opt.messages;
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

}  // namespace phoenix::bench::e2e
