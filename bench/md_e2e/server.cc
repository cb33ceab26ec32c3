// The server child of phoenix_md_e2e_bench: pre-built frames, blasted over loopback.

#include <poll.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common.h"

namespace phoenix::bench::e2e {
namespace {

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

}  // namespace

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

}  // namespace phoenix::bench::e2e
