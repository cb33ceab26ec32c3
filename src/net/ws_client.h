#pragma once

// WsClient: one WebSocket connection attempt and, if it opens, its life until it closes.
// ws:// (TCP) and wss:// (OpenSSL: system CA store, optional extra CA file, peer and host
// name verification, SNI), permessage-deflate per Compression, Nagle off, a deadline on
// every phase (resolve, connect, TLS, upgrade, close), its own idle deadline, one paced
// write queue, byte meters. It never reconnects: ManagedWs does that.
//
// Asio/Beast do resolve, connect, TLS and the HTTP upgrade (our own request and 101 check).
// After the upgrade the client reads the socket itself: large reads into one buffer, and
// every complete frame in it parsed, inflated (zlib) and delivered in one completion
// handler (WsFrameReader); frames that arrived with the 101 are kept. Pongs, close frames
// and text messages are masked client frames written from one queue through the pacer.
//
// Threading: everything runs on the io_context thread that owns the client; every method
// must be called on that thread. Callbacks come on that thread, never from inside a
// method call of the client (except on_ws_closed, which may come from close()).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "net/byte_meter.h"
#include "net/deflate_ext.h"
#include "net/reconnect_policy.h"
#include "net/send_pacer.h"
#include "net/ws_frame_reader.h"
#include "net/ws_url.h"

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}  // namespace ssl
}  // namespace boost::asio

namespace phoenix::net {

// What permessage-deflate to offer (config `market_data.compression`).
enum class Compression {
  kOff,        // offer nothing
  kNoContext,  // server_no_context_takeover + client_no_context_takeover: the server resets
               // its compressor per message (~12% saved on bookTickers, ~1.6 us inflate)
  kContext,    // client_no_context_takeover only: the server may keep its context (~75%
               // saved, ~0.2 us inflate); we keep a 32 KiB inflate window. The default.
};
std::string_view to_string(Compression compression);

struct WsClientOptions {
  std::string conn = "market";  // connection name for logs (metrics come from WsMeters)
  Compression compression = Compression::kContext;
  int64_t resolve_timeout_ms = 5000;
  int64_t connect_timeout_ms = 5000;
  int64_t tls_timeout_ms = 5000;
  int64_t handshake_timeout_ms = 5000;  // the HTTP upgrade
  int64_t close_timeout_ms = 2000;      // our close frame until the socket is gone
  // No frame of any kind (data, ping, pong, close) for this long: the connection is dropped
  // with DownReason::kIdleTimeout. 0 = off. (Our own check: Beast's websocket stream, whose
  // 1.81 idle timeout fires despite server pings unless it sends pings itself, beast#2716,
  // is not used.)
  int64_t idle_timeout_ms = 10000;
  // Largest message accepted, after inflate; a larger one fails the connection (close code
  // 1009, DownReason::kProtocolError). The message buffer (for compressed or fragmented
  // messages) is sized to it; its pages are touched only as far as the largest message.
  size_t read_message_max_bytes = 1 << 20;
  // The socket read buffer: each read takes up to this many bytes and every complete frame
  // in it is delivered before the next read (at least 16 KiB). Measured on bookTicker
  // blasts (docs/benchmarks.md): 16 KiB gives the same msg/s as 64-256 KiB (the batch, not
  // its size, removes the per-message cost; a small buffer stays in L1/L2) and 4-16x lower
  // latency for the messages at the end of a batch. A TLS record is at most 16 KiB anyway.
  size_t read_buffer_bytes = 16 << 10;
  // Which inflater decompresses permessage-deflate messages (kAuto: see WsFrameReader).
  WsInflater inflater = WsInflater::kAuto;
  SendPacerOptions pacer;  // default: 5 frames/s, one slot kept for pongs
  std::string user_agent = "phoenix";
  // Test knob: cap every transport read at this many bytes (0 = off), to feed the HTTP
  // parser, the frame parser and the inflater in small pieces.
  size_t max_transport_read_bytes = 0;
};

// Lifetime counts of one WsClient. wire_* are bytes under the WebSocket layer (TCP or TLS
// plaintext), including the HTTP upgrade; wire_in_at_open_bytes is wire_in_bytes when the
// upgrade completed, so wire_in_bytes - wire_in_at_open_bytes are frame bytes.
struct WsStats {
  uint64_t wire_in_bytes = 0;
  uint64_t wire_out_bytes = 0;
  uint64_t wire_in_at_open_bytes = 0;
  uint64_t inflated_in_bytes = 0;   // message payload bytes received, after inflate
  uint64_t inflated_out_bytes = 0;  // message payload bytes sent, before any compression
  uint64_t messages_in = 0;
  uint64_t messages_out = 0;
  uint64_t frames_in = 0;  // messages plus control frames (fragments of one message count once)
  uint64_t pings_in = 0;
};

// How a WsClient ended. A value type.
struct WsCloseInfo {
  DownReason reason = DownReason::kConnectFailed;
  bool was_open = false;       // false: the attempt failed during `phase`
  std::string_view phase;      // "resolve", "connect", "tls", "handshake", "open", "closing"
  std::string error;           // what went wrong, for people ("" for a clean close)
  int close_code = 0;          // the peer's close frame code (0 = none received)
  std::string close_reason;    // the peer's close frame reason text
  int http_status = 0;         // status of a rejected upgrade (429, 418, 503, ...), else 0
  int64_t retry_after_ms = 0;  // Retry-After (delta-seconds) of a rejected upgrade, else 0
  int64_t uptime_ms = 0;       // open to close (0 when it never opened)
  bool received_data = false;  // at least one message arrived
};

class WsClient;

// Receives a WsClient's events. Implemented by the owner (ManagedWs, a test). Called on the
// io_context thread. A callback may call any WsClient method, or destroy the client.
class WsClientHandler {
 public:
  virtual ~WsClientHandler() = default;
  // The upgrade succeeded; send_text() now goes out (paced).
  virtual void on_ws_open(WsClient& client) = 0;
  // One complete message (text or binary), after inflate. The view is valid until the
  // callback returns. Guarantee: at least kWsPayloadPaddingBytes readable (zero) bytes follow
  // payload.end(), so it can go straight to simdjson (SIMDJSON_PADDING is 64).
  // recv_ns: the client's Clock::monotonic_ns() when the socket read that completed the
  // message returned (one read can complete many messages; they share it).
  virtual void on_ws_message(WsClient& client, std::string_view payload, int64_t recv_ns) = 0;
  // The client is finished (never opened, closed by either side, or failed). Called exactly
  // once per started client, unless the client is destroyed first.
  virtual void on_ws_closed(WsClient& client, const WsCloseInfo& info) = 0;
};

inline constexpr size_t kWsPayloadPaddingBytes = 64;

// Builds the TLS client context every wss:// WsClient of an owner shares: TLS client
// method, the system CA store (set_default_verify_paths), plus `ca_file` (PEM) when not
// empty, peer verification on. There is no way to turn verification off.
core::Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_client_context(const std::string& ca_file);

namespace detail {
class WsSessionBase;
}

// See the file comment. Owned by ManagedWs (or a test), one per connection attempt; the
// io_context, TLS context, meters, clock and handler must outlive it. Destroying it closes
// the socket at once and guarantees no further callbacks (pending Asio operations finish
// on their own and release the internals).
class WsClient {
 public:
  enum class State { kIdle, kConnecting, kOpen, kClosing, kClosed };

  // `tls` is required for wss:// URLs and ignored for ws://.
  WsClient(boost::asio::io_context& ioc, const WsUrl& url, const WsClientOptions& options,
           boost::asio::ssl::context* tls, WsMeters& meters, const core::Clock& clock,
           WsClientHandler& handler);
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Starts resolving; once.
  void start();
  // Queues a text message. Sent in order through the SendPacer once open (messages queued
  // while connecting wait for the open). False, and dropped, when closing or closed.
  bool send_text(std::string text);
  // Closes cleanly: unsent messages are dropped, a close frame (code 1000) goes out through
  // the pacer, and the client finishes when the peer answers or after close_timeout_ms.
  // `reason` is what on_ws_closed and the log report. Before open, ends the attempt at once.
  void close(DownReason reason);

  State state() const;
  bool is_open() const { return state() == State::kOpen; }
  const WsUrl& url() const { return url_; }
  // The upgrade answer's Sec-WebSocket-Extensions, raw ("" when absent or not open yet).
  const std::string& negotiated_extensions() const;
  // The parsed and checked answer (raw text, deflate agreement, other extensions named).
  const NegotiatedExtensions& extensions() const;
  // The deflate agreement alone.
  const DeflateParams& deflate() const { return extensions().deflate; }
  WsStats stats() const;
  // Clock::monotonic_ns() of the open (0 before) and of the last frame received.
  int64_t opened_ns() const;
  int64_t last_frame_ns() const;
  // Frames (ours and pongs) the pacer counts in the current window.
  size_t frames_in_pacer_window();

 private:
  WsUrl url_;
  std::shared_ptr<detail::WsSessionBase> session_;
};

}  // namespace phoenix::net
