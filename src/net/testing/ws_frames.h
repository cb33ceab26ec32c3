#pragma once

// Hand-built WebSocket server frames and permessage-deflate payloads for tests of the frame
// reader and the client (including frames no well-behaved server would send). Tests only.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <zlib.h>

namespace phoenix::net::testing {

struct FrameSpec {
  unsigned opcode = 0x1;
  bool fin = true;
  bool rsv1 = false;
  bool rsv2 = false;
  bool masked = false;
  int length_bytes = 0;    // force the 16-bit (2) or 64-bit (8) length form; 0 = minimal
  int64_t announced = -1;  // length to announce instead of the payload's (-1 = actual)
};

// One server frame (unmasked unless spec.masked) carrying `payload`.
inline std::string server_frame(std::string_view payload, const FrameSpec& spec = {}) {
  std::string f;
  f += static_cast<char>((spec.fin ? 0x80 : 0) | (spec.rsv1 ? 0x40 : 0) | (spec.rsv2 ? 0x20 : 0) |
                         static_cast<int>(spec.opcode & 0x0f));
  const uint64_t n = spec.announced >= 0 ? static_cast<uint64_t>(spec.announced) : payload.size();
  const char mask_bit = spec.masked ? static_cast<char>(0x80) : 0;
  const int form = spec.length_bytes != 0 ? spec.length_bytes : (n < 126 ? 0 : n < 65536 ? 2 : 8);
  if (form == 0) {
    f += static_cast<char>(mask_bit | static_cast<char>(n));
  } else if (form == 2) {
    f += static_cast<char>(mask_bit | 126);
    f += static_cast<char>((n >> 8) & 0xff);
    f += static_cast<char>(n & 0xff);
  } else {
    f += static_cast<char>(mask_bit | 127);
    for (int shift = 56; shift >= 0; shift -= 8) f += static_cast<char>((n >> shift) & 0xff);
  }
  if (spec.masked) {
    const unsigned char key[4] = {0x11, 0x22, 0x33, 0x44};
    f.append(reinterpret_cast<const char*>(key), 4);
    for (size_t i = 0; i < payload.size(); ++i)
      f += static_cast<char>(payload[i] ^ static_cast<char>(key[i % 4]));
  } else {
    f += payload;
  }
  return f;
}

inline std::string text_frame(std::string_view payload) { return server_frame(payload); }

// A raw-deflate compressor as a permessage-deflate server uses it: each message is
// compressed with Z_SYNC_FLUSH and the trailing 00 00 ff ff removed; with `context` the
// dictionary carries over between messages, otherwise the stream is reset per message.
class Deflater {
 public:
  explicit Deflater(bool context, int window_bits = 15) : context_(context) {
    if (deflateInit2(&zs_, 6, Z_DEFLATED, -window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      throw std::runtime_error("deflateInit2");
  }
  ~Deflater() { deflateEnd(&zs_); }
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  std::string compress(std::string_view message) {
    std::string out(message.size() + 64 + message.size() / 8, '\0');
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(message.data()));
    zs_.avail_in = static_cast<uInt>(message.size());
    zs_.next_out = reinterpret_cast<Bytef*>(out.data());
    zs_.avail_out = static_cast<uInt>(out.size());
    if (deflate(&zs_, Z_SYNC_FLUSH) != Z_OK || zs_.avail_in != 0) throw std::runtime_error("deflate");
    out.resize(out.size() - zs_.avail_out);
    if (out.size() < 4 || out.compare(out.size() - 4, 4, std::string("\0\0\xff\xff", 4)) != 0)
      throw std::runtime_error("no sync-flush tail");
    out.resize(out.size() - 4);
    if (!context_) deflateReset(&zs_);
    return out;
  }

 private:
  z_stream zs_{};
  bool context_;
};

}  // namespace phoenix::net::testing
