#include "net/ws_frame_reader.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

#include <boost/beast/zlib/error.hpp>
#include <boost/beast/zlib/inflate_stream.hpp>
#include <simdjson.h>

namespace phoenix::net {
namespace {

// Room after the read buffer: in-place padding (64) and the inflate tail (4), with slack.
constexpr size_t kInTail = 128;
constexpr size_t kMsgPadding = 64;
constexpr std::array<unsigned char, 4> kDeflateTail{0x00, 0x00, 0xff, 0xff};

constexpr unsigned kOpContinuation = 0x0;
constexpr unsigned kOpText = 0x1;
constexpr unsigned kOpBinary = 0x2;
constexpr unsigned kOpClose = 0x8;
constexpr unsigned kOpPing = 0x9;
constexpr unsigned kOpPong = 0xa;

constexpr uint16_t kCloseProtocolError = 1002;
constexpr uint16_t kCloseBadPayload = 1007;
constexpr uint16_t kCloseTooBig = 1009;

WsFrameReaderOptions normalized(WsFrameReaderOptions o) {
  o.buffer_bytes = std::max<size_t>(o.buffer_bytes, 256);
  o.max_message_bytes = std::max<size_t>(o.max_message_bytes, 1);
  return o;
}

}  // namespace

bool is_valid_close_code(unsigned code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

bool is_valid_utf8(std::string_view data) {
  // ASCII fast path, 8 bytes at a time; anything else goes to simdjson's validator.
  const char* p = data.data();
  size_t n = data.size();
  uint64_t high = 0;
  while (n >= 32) {
    uint64_t w[4];
    std::memcpy(w, p, 32);
    high |= (w[0] | w[1]) | (w[2] | w[3]);
    p += 32;
    n -= 32;
  }
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    high |= w;
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    high |= static_cast<unsigned char>(*p);
    ++p;
    --n;
  }
  if ((high & 0x8080808080808080ULL) == 0) return true;
  return simdjson::validate_utf8(data.data(), data.size());
}

void encode_client_frame(unsigned opcode, std::string_view payload, const unsigned char mask[4],
                         std::string& out) {
  const size_t n = payload.size();
  out.clear();
  out.reserve(n + 14);
  out.push_back(static_cast<char>(0x80U | (opcode & 0x0fU)));
  if (n < 126) {
    out.push_back(static_cast<char>(0x80U | n));
  } else if (n < 65536) {
    out.push_back(static_cast<char>(0x80U | 126U));
    out.push_back(static_cast<char>((n >> 8) & 0xffU));
    out.push_back(static_cast<char>(n & 0xffU));
  } else {
    out.push_back(static_cast<char>(0x80U | 127U));
    for (int shift = 56; shift >= 0; shift -= 8)
      out.push_back(static_cast<char>((uint64_t{n} >> shift) & 0xffU));
  }
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(mask[i]));
  for (size_t i = 0; i < n; ++i) {
    out.push_back(static_cast<char>(static_cast<unsigned char>(payload[i]) ^ mask[i & 3U]));
  }
}

WsFrameReader::WsFrameReader(const WsFrameReaderOptions& options)
    : options_(normalized(options)),
      wire_limit_(options_.max_message_bytes + (options_.max_message_bytes >> 4) + 1024),
      in_(std::make_unique_for_overwrite<char[]>(options_.buffer_bytes + kInTail)),
      msg_(std::make_unique_for_overwrite<char[]>(options_.max_message_bytes + 1 + kMsgPadding)) {
  std::memset(in_.get() + options_.buffer_bytes, 0, kInTail);
  if (options_.deflate) {
    const int bits = std::clamp(options_.server_max_window_bits, 9, 15);
    const bool beast = options_.inflater == WsInflater::kBeast ||
                       (options_.inflater == WsInflater::kAuto && !options_.server_no_context_takeover);
    if (beast) {
      beast_ = std::make_unique<boost::beast::zlib::inflate_stream>();
      beast_->reset(bits);
    } else {
      zs_ready_ = inflateInit2(&zs_, -bits) == Z_OK;
    }
  }
}

WsFrameReader::~WsFrameReader() {
  if (zs_ready_) inflateEnd(&zs_);
}

void WsFrameReader::reset_inflater() {
  if (beast_ != nullptr) {
    beast_->reset(std::clamp(options_.server_max_window_bits, 9, 15));
  } else if (zs_ready_) {
    inflateReset(&zs_);
  }
}

bool WsFrameReader::inflate_into_msg(const unsigned char* data, size_t n) {
  // After a final deflate block the rest of the message (at least our 00 00 ff ff tail) is
  // not deflate data (RFC 7692 7.2.2); the inflater was reset for the next message.
  if (n == 0 || msg_stream_ended_) return true;
  return beast_ != nullptr ? beast_inflate(data, n) : zlib_inflate(data, n);
}

bool WsFrameReader::beast_inflate(const unsigned char* data, size_t n) {
  namespace bz = boost::beast::zlib;
  const size_t cap = options_.max_message_bytes + 1;
  bz::z_params zp;
  zp.next_in = data;
  zp.avail_in = n;
  while (zp.avail_in > 0) {
    if (msg_size_ >= cap) {
      fail(kCloseTooBig, "message larger than read_message_max_bytes (" +
                             std::to_string(options_.max_message_bytes) + ") after inflate");
      return false;
    }
    const size_t room = cap - msg_size_;
    zp.next_out = msg_.get() + msg_size_;
    zp.avail_out = room;
    boost::system::error_code ec;
    beast_->write(zp, bz::Flush::sync, ec);
    msg_size_ += room - zp.avail_out;
    if (ec == bz::error::end_of_stream) {
      // The server ended its deflate stream (BFINAL) in this message.
      reset_inflater();
      msg_stream_ended_ = true;
      return true;
    }
    if (ec == bz::error::need_buffers) {
      if (zp.avail_out == 0) continue;  // reported as too big above
      break;                            // no progress with input left
    }
    if (ec) {
      fail(kCloseBadPayload, "inflate: " + ec.message());
      return false;
    }
  }
  if (zp.avail_in != 0) {
    fail(kCloseBadPayload, "inflate: stalled with input left");
    return false;
  }
  return true;
}

char* WsFrameReader::read_area() { return in_.get() + end_; }
size_t WsFrameReader::read_area_size() const { return options_.buffer_bytes - end_; }
void WsFrameReader::commit(size_t n) { end_ += std::min(n, options_.buffer_bytes - end_); }

bool WsFrameReader::append(const char* data, size_t n) {
  restore_in_place();
  compact();
  if (n > options_.buffer_bytes - end_) return false;
  std::memcpy(in_.get() + end_, data, n);
  end_ += n;
  return true;
}

void WsFrameReader::restore_in_place() {
  if (!saved_) return;
  std::memcpy(in_.get() + saved_at_, saved_bytes_, kSave);
  saved_ = false;
}

void WsFrameReader::compact() {
  if (begin_ == end_) {
    begin_ = end_ = 0;
  } else if (begin_ > 0) {
    std::memmove(in_.get(), in_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
}

WsEvent WsFrameReader::fail(uint16_t code, std::string_view text) {
  if (!failed_) {
    failed_ = true;
    error_code_ = code;
    error_.assign(text);
  }
  WsEvent e;
  e.kind = WsEventKind::kError;
  e.close_code = error_code_;
  e.error = error_;
  return e;
}

bool WsFrameReader::zlib_inflate(const unsigned char* data, size_t n) {
  if (!zs_ready_) {
    fail(kCloseBadPayload, "inflate: zlib could not be initialised");
    return false;
  }
  const size_t cap = options_.max_message_bytes + 1;
  zs_.next_in = const_cast<Bytef*>(data);
  zs_.avail_in = static_cast<uInt>(n);
  while (zs_.avail_in > 0) {
    if (msg_size_ >= cap) {
      fail(kCloseTooBig, "message larger than read_message_max_bytes (" +
                             std::to_string(options_.max_message_bytes) + ") after inflate");
      return false;
    }
    const size_t room = std::min<size_t>(cap - msg_size_, std::numeric_limits<uInt>::max());
    zs_.next_out = reinterpret_cast<Bytef*>(msg_.get() + msg_size_);
    zs_.avail_out = static_cast<uInt>(room);
    const uInt in_before = zs_.avail_in;
    const int rc = ::inflate(&zs_, Z_SYNC_FLUSH);
    msg_size_ += room - zs_.avail_out;
    if (rc == Z_STREAM_END) {
      // The server ended its deflate stream (BFINAL) in this message.
      reset_inflater();
      msg_stream_ended_ = true;
      return true;
    }
    if (rc == Z_OK || (rc == Z_BUF_ERROR && zs_.avail_out == 0)) {
      if (zs_.avail_in == in_before && zs_.avail_out != 0) break;  // no progress possible
      continue;
    }
    fail(kCloseBadPayload, std::string("inflate: ") + (zs_.msg != nullptr ? zs_.msg : "error ") +
                               (zs_.msg != nullptr ? "" : std::to_string(rc)));
    return false;
  }
  if (zs_.avail_in != 0) {
    fail(kCloseBadPayload, "inflate: stalled with input left");
    return false;
  }
  return true;
}

bool WsFrameReader::consume_payload(char* data, size_t n, bool last) {
  if (!msg_compressed_) {
    std::memcpy(msg_.get() + msg_size_, data, n);  // the size was checked against the limit
    msg_size_ += n;
    return true;
  }
  if (!last) return inflate_into_msg(reinterpret_cast<const unsigned char*>(data), n);
  // The message's last bytes: feed the 00 00 ff ff tail in the same inflate call, written
  // over the 4 bytes after the payload (the next frame's, or the buffer's tail room).
  std::array<char, 4> saved{};
  std::memcpy(saved.data(), data + n, 4);
  std::memcpy(data + n, kDeflateTail.data(), 4);
  const bool ok = inflate_into_msg(reinterpret_cast<const unsigned char*>(data), n + 4);
  std::memcpy(data + n, saved.data(), 4);
  return ok;
}

WsEvent WsFrameReader::finish_message() {
  msg_active_ = false;
  if (msg_compressed_ && options_.server_no_context_takeover) reset_inflater();
  if (msg_size_ > options_.max_message_bytes) {
    return fail(kCloseTooBig, "message larger than read_message_max_bytes (" +
                                  std::to_string(options_.max_message_bytes) + ")");
  }
  std::memset(msg_.get() + msg_size_, 0, kMsgPadding);
  const std::string_view payload(msg_.get(), msg_size_);
  if (msg_text_ && !is_valid_utf8(payload)) return fail(kCloseBadPayload, "text message is not valid UTF-8");
  WsEvent e;
  e.kind = msg_text_ ? WsEventKind::kText : WsEventKind::kBinary;
  e.payload = payload;
  return e;
}

WsEvent WsFrameReader::control_event(unsigned opcode, const char* payload, size_t n) {
  WsEvent e;
  if (opcode == kOpPing || opcode == kOpPong) {
    e.kind = opcode == kOpPing ? WsEventKind::kPing : WsEventKind::kPong;
    e.payload = std::string_view(payload, n);
    return e;
  }
  e.kind = WsEventKind::kClose;
  if (n == 0) return e;
  if (n == 1) return fail(kCloseProtocolError, "close frame with a 1-byte payload");
  const unsigned code = (static_cast<unsigned>(static_cast<unsigned char>(payload[0])) << 8) |
                        static_cast<unsigned char>(payload[1]);
  if (!is_valid_close_code(code))
    return fail(kCloseProtocolError, "close frame with invalid code " + std::to_string(code));
  e.close_code = static_cast<uint16_t>(code);
  e.payload = std::string_view(payload + 2, n - 2);
  if (!is_valid_utf8(e.payload)) return fail(kCloseBadPayload, "close reason is not valid UTF-8");
  return e;
}

WsEvent WsFrameReader::next() {
  if (failed_) return fail(error_code_, error_);
  restore_in_place();
  for (;;) {
    if (in_frame_) {
      const size_t avail = end_ - begin_;
      const size_t take = static_cast<size_t>(std::min<uint64_t>(avail, frame_remaining_));
      if (take == 0 && frame_remaining_ > 0) {
        compact();
        return WsEvent{};
      }
      const bool last = frame_fin_ && take == frame_remaining_;
      if (!consume_payload(in_.get() + begin_, take, last)) return fail(error_code_, error_);
      begin_ += take;
      frame_remaining_ -= take;
      if (frame_remaining_ > 0) {
        compact();
        return WsEvent{};
      }
      in_frame_ = false;
      if (frame_fin_) return finish_message();
      continue;
    }

    const size_t avail = end_ - begin_;
    const auto* p = reinterpret_cast<const unsigned char*>(in_.get() + begin_);
    if (avail < 2) {
      compact();
      return WsEvent{};
    }
    const bool fin = (p[0] & 0x80U) != 0;
    const bool rsv1 = (p[0] & 0x40U) != 0;
    const unsigned opcode = p[0] & 0x0fU;
    uint64_t len = p[1] & 0x7fU;
    size_t header = 2;
    if (len == 126) {
      header = 4;
      if (avail < header) {
        compact();
        return WsEvent{};
      }
      len = (uint64_t{p[2]} << 8) | p[3];
      if (len < 126) return fail(kCloseProtocolError, "frame length not minimally encoded");
    } else if (len == 127) {
      header = 10;
      if (avail < header) {
        compact();
        return WsEvent{};
      }
      len = 0;
      for (size_t i = 2; i < 10; ++i) len = (len << 8) | p[i];
      if ((len >> 63) != 0) return fail(kCloseProtocolError, "frame length with the top bit set");
      if (len < 65536) return fail(kCloseProtocolError, "frame length not minimally encoded");
    }
    if ((p[1] & 0x80U) != 0) return fail(kCloseProtocolError, "masked frame from the server");
    if ((p[0] & 0x30U) != 0) return fail(kCloseProtocolError, "frame with RSV2 or RSV3 set");

    if (opcode >= 0x8) {
      if (opcode != kOpClose && opcode != kOpPing && opcode != kOpPong)
        return fail(kCloseProtocolError, "unknown control opcode " + std::to_string(opcode));
      if (!fin) return fail(kCloseProtocolError, "fragmented control frame");
      if (len > 125) return fail(kCloseProtocolError, "control frame longer than 125 bytes");
      if (rsv1) return fail(kCloseProtocolError, "control frame with RSV1 set");
      if (avail < header + len) {
        compact();
        return WsEvent{};
      }
      const char* payload = in_.get() + begin_ + header;
      begin_ += header + static_cast<size_t>(len);
      return control_event(opcode, payload, static_cast<size_t>(len));
    }
    if (opcode != kOpContinuation && opcode != kOpText && opcode != kOpBinary)
      return fail(kCloseProtocolError, "unknown data opcode " + std::to_string(opcode));
    bool compressed = rsv1;
    if (opcode == kOpContinuation) {
      if (!msg_active_) return fail(kCloseProtocolError, "continuation frame without a message to continue");
      if (rsv1) return fail(kCloseProtocolError, "RSV1 set on a continuation frame");
      compressed = msg_compressed_;
    } else {
      if (msg_active_) return fail(kCloseProtocolError, "new data frame inside a fragmented message");
      if (rsv1 && !options_.deflate) return fail(kCloseProtocolError, "RSV1 set without permessage-deflate");
    }
    const uint64_t so_far = opcode == kOpContinuation ? (compressed ? msg_wire_ : msg_size_) : 0;
    const uint64_t limit = compressed ? wire_limit_ : options_.max_message_bytes;
    if (len > limit || so_far + len > limit) {
      return fail(kCloseTooBig, "message larger than read_message_max_bytes (" +
                                    std::to_string(options_.max_message_bytes) + ")");
    }

    if (opcode != kOpContinuation && fin && !rsv1) {
      // An unfragmented, uncompressed message: delivered in place once all of it is here.
      if (avail >= header + len) {
        char* payload = in_.get() + begin_ + header;
        const auto n = static_cast<size_t>(len);
        begin_ += header + n;
        const std::string_view view(payload, n);
        const bool text = opcode == kOpText;
        if (text && !is_valid_utf8(view)) return fail(kCloseBadPayload, "text message is not valid UTF-8");
        saved_at_ = static_cast<size_t>(payload + n - in_.get());
        std::memcpy(saved_bytes_, payload + n, kSave);
        std::memset(payload + n, 0, kSave);
        saved_ = true;
        WsEvent e;
        e.kind = text ? WsEventKind::kText : WsEventKind::kBinary;
        e.payload = view;
        return e;
      }
      if (header + len <= options_.buffer_bytes) {
        compact();
        return WsEvent{};
      }
      // Larger than the read buffer: assembled in msg_ as it arrives.
    }
    if (opcode != kOpContinuation) {
      msg_active_ = true;
      msg_text_ = opcode == kOpText;
      msg_compressed_ = rsv1;
      msg_size_ = 0;
      msg_wire_ = 0;
      msg_stream_ended_ = false;
    }
    msg_wire_ += len;
    begin_ += header;
    in_frame_ = true;
    frame_remaining_ = len;
    frame_fin_ = fin;
  }
}

}  // namespace phoenix::net
