#pragma once

// WsFrameReader: the receive side of a client WebSocket connection after the upgrade
// (RFC 6455 framing, RFC 7692 permessage-deflate), without any I/O. The owner reads from
// the transport straight into read_area() (large reads), commit()s what arrived, then calls
// next() until it says kNeedMore: every complete frame in the buffer is handled in that one
// loop, so one socket read can deliver thousands of messages.
//
//   - Server frames must be unmasked; opcodes 0/1/2/8/9/10 only; RSV2/RSV3 never; RSV1 only
//     when deflate was negotiated and only on the first frame of a data message; control
//     frames at most 125 bytes and never fragmented; continuation frames only inside a
//     fragmented message; 16/64-bit lengths minimally encoded. Violations: kError with
//     close code 1002.
//   - Text messages must be valid UTF-8 (checked on the whole message, after inflate):
//     kError 1007. Inflate failures: 1007. A message over max_message_bytes (after inflate;
//     before inflate for its wire payload, with a little slack): kError 1009.
//   - Compressed messages are inflated (raw deflate, the server's window bits, the
//     00 00 ff ff tail appended per message, the stream reset per message when the server
//     does not keep its context) into a buffer that always has room for the largest allowed
//     message, so the tail is never cut short (the beast#3028 trap). Inflater: by default
//     Beast's inflate_stream when the server keeps its context (small messages against a
//     window: measured faster) and system zlib when it resets per message (measured
//     faster there); see docs/benchmarks.md.
//   - Message payloads come with kWsPayloadPaddingBytes zero bytes after them (simdjson).
//     An unfragmented, uncompressed frame is delivered in place from the read buffer: the
//     bytes after it are saved, zeroed, and restored by the next call.
//
// Owned by one WsClient session; not thread-safe (its io_context thread).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <zlib.h>

namespace boost::beast::zlib {
class inflate_stream;
}  // namespace boost::beast::zlib

namespace phoenix::net {

enum class WsInflater { kAuto, kZlib, kBeast };

struct WsFrameReaderOptions {
  size_t max_message_bytes = 1 << 20;  // after inflate
  size_t buffer_bytes = 16 << 10;      // the read buffer (one transport read at most this)
  bool deflate = false;                // permessage-deflate was negotiated
  bool server_no_context_takeover = false;
  int server_max_window_bits = 15;  // 9..15
  WsInflater inflater = WsInflater::kAuto;
};

enum class WsEventKind {
  kNeedMore,  // every complete frame is consumed: read more into read_area()
  kText,      // a complete text message (valid UTF-8), padded
  kBinary,    // a complete binary message, padded
  kPing,      // payload: the ping's application data (<= 125 bytes)
  kPong,
  kClose,  // the peer's close frame: close_code (0 when it had no payload) and reason
  kError,  // the connection must fail: close_code is what to send (1002, 1007, 1009)
};

// One result of next(). Views point into the reader's buffers and stay valid until the next
// call of any reader method.
struct WsEvent {
  WsEventKind kind = WsEventKind::kNeedMore;
  std::string_view payload;  // message, ping/pong data, or close reason
  uint16_t close_code = 0;
  std::string_view error;  // kError: what was wrong, for people
};

class WsFrameReader {
 public:
  explicit WsFrameReader(const WsFrameReaderOptions& options);
  ~WsFrameReader();
  WsFrameReader(const WsFrameReader&) = delete;
  WsFrameReader& operator=(const WsFrameReader&) = delete;

  // Where the next transport read may write, and how many bytes (always > 0 after next()
  // returned kNeedMore).
  char* read_area();
  size_t read_area_size() const;
  // `n` bytes were written at read_area().
  void commit(size_t n);
  // Copies bytes that arrived another way (after the HTTP 101, in the handshake buffer).
  // False when they do not fit (more than buffer_bytes pending).
  bool append(const char* data, size_t n);

  // The next event; see WsEventKind. After kError the reader is finished (every further
  // call returns the same error).
  WsEvent next();

  // Bytes received but not yet consumed by next() (a partial frame).
  size_t pending_bytes() const { return end_ - begin_; }

 private:
  WsEvent fail(uint16_t code, std::string_view text);
  void restore_in_place();
  void compact();
  // Appends (copies or inflates) `n` bytes of the current data frame's payload to msg_.
  // `last` = this is the end of the message's last frame; with deflate the 00 00 ff ff tail
  // is fed too (data must then have 4 writable bytes after it). Returns false after fail().
  bool consume_payload(char* data, size_t n, bool last);
  bool inflate_into_msg(const unsigned char* data, size_t n);
  bool zlib_inflate(const unsigned char* data, size_t n);
  bool beast_inflate(const unsigned char* data, size_t n);
  void reset_inflater();
  WsEvent finish_message();
  WsEvent control_event(unsigned opcode, const char* payload, size_t n);

  WsFrameReaderOptions options_;
  size_t wire_limit_;  // largest compressed wire payload of one message

  // Read buffer: [begin_, end_) are received, unconsumed bytes; capacity buffer_bytes plus
  // padding (room for in-place padding and the inflate tail after the last byte).
  std::unique_ptr<char[]> in_;
  size_t begin_ = 0;
  size_t end_ = 0;

  // In-place delivery: bytes [saved_at_, saved_at_ + kSave) were zeroed for the padding.
  static constexpr size_t kSave = 64;
  char saved_bytes_[kSave] = {};
  size_t saved_at_ = 0;
  bool saved_ = false;

  // Message assembly (fragmented or compressed messages): max_message_bytes + 1 + padding.
  std::unique_ptr<char[]> msg_;
  size_t msg_size_ = 0;
  uint64_t msg_wire_ = 0;  // payload bytes of this message on the wire
  bool msg_active_ = false;
  bool msg_text_ = false;
  bool msg_compressed_ = false;
  bool msg_stream_ended_ = false;  // its deflate data ended with a final block

  // The data frame whose payload is being consumed piecewise.
  uint64_t frame_remaining_ = 0;
  bool frame_fin_ = false;
  bool in_frame_ = false;

  z_stream zs_{};
  bool zs_ready_ = false;
  std::unique_ptr<boost::beast::zlib::inflate_stream> beast_;  // when it is the inflater

  bool failed_ = false;
  uint16_t error_code_ = 0;
  std::string error_;
};

// Builds one masked client frame (FIN set, no RSV bits) of `opcode` with `payload` into
// `out` (replacing its contents). `mask` is the 4-byte masking key.
void encode_client_frame(unsigned opcode, std::string_view payload, const unsigned char mask[4],
                         std::string& out);

// True when `code` may appear in a close frame received from the peer (RFC 6455 7.4).
bool is_valid_close_code(unsigned code);

// True when `data` is valid UTF-8.
bool is_valid_utf8(std::string_view data);

}  // namespace phoenix::net
