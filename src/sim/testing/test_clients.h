#pragma once

// Loopback test clients for the server's tests, driven on the test thread's io_context
// (the same one the server runs on): RawWsClient speaks WebSocket by hand (no automatic
// pongs unless asked, arbitrary frames, every received frame kept), HttpClient sends raw
// HTTP bytes and parses the answers. run_until() turns the loop until a condition holds.
// Both are made by make() and kept alive by their pending operations. Test-only.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace phoenix::sim::server_testing {

namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

// Runs `ioc` until `done()` or `timeout_ms` passes; returns done().
inline bool run_until(net::io_context& ioc, const std::function<bool()>& done, int timeout_ms = 3000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return done();
    if (ioc.stopped()) ioc.restart();
    ioc.run_for(std::chrono::milliseconds(2));
  }
  return true;
}

// Runs `ioc` for `ms` milliseconds.
inline void run_for_ms(net::io_context& ioc, int ms) {
  run_until(
      ioc, [] { return false; }, ms);
}

class RawWsClient : public std::enable_shared_from_this<RawWsClient> {
 public:
  static std::shared_ptr<RawWsClient> make(net::io_context& ioc, uint16_t port) {
    return std::make_shared<RawWsClient>(ioc, port);
  }
  struct Frame {
    int opcode = 0;
    bool rsv1 = false;
    std::string payload;
  };

  RawWsClient(net::io_context& ioc, uint16_t port) : socket_(ioc), port_(port) {}

  // Connects and sends the upgrade request for `target` (plus `extra_headers`, each line
  // ending in \r\n).
  void start(const std::string& target, const std::string& extra_headers = "") {
    std::string req = "GET " + target +
                      " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
                      extra_headers + "\r\n";
    socket_.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_),
                          [this, self = shared_from_this(), req](boost::system::error_code ec) {
                            if (ec) {
                              error = ec;
                              ended = true;
                              return;
                            }
                            write_raw(req);
                            do_read();
                          });
  }

  // ---- What happened.
  bool head_done = false;  // the HTTP answer head arrived
  int status = 0;
  std::string head;  // status line and headers
  std::string body;  // a non-101 answer's body (as much as arrived)
  std::vector<Frame> frames;
  bool ended = false;  // EOF or error on the socket
  boost::system::error_code error;
  bool auto_pong = false;  // answer pings
  bool echo_close = true;  // answer a close frame with a close frame

  bool upgraded() const { return status == 101; }
  std::vector<std::string> texts() const {
    std::vector<std::string> out;
    for (const auto& f : frames) {
      if (f.opcode == 1) out.push_back(f.payload);
    }
    return out;
  }
  int count(int opcode) const {
    int n = 0;
    for (const auto& f : frames) n += f.opcode == opcode ? 1 : 0;
    return n;
  }
  // The close code of the first close frame received; -1 when none.
  int close_code() const {
    for (const auto& f : frames) {
      if (f.opcode == 8) {
        if (f.payload.size() < 2) return 1005;
        return (static_cast<uint8_t>(f.payload[0]) << 8) | static_cast<uint8_t>(f.payload[1]);
      }
    }
    return -1;
  }
  std::string close_reason() const {
    for (const auto& f : frames) {
      if (f.opcode == 8) return f.payload.size() > 2 ? f.payload.substr(2) : "";
    }
    return "";
  }
  std::string header(std::string_view name) const {
    std::string lower_head = lower(head);
    std::string key = "\r\n" + lower(std::string(name)) + ":";
    size_t p = lower_head.find(key);
    if (p == std::string::npos) return "";
    size_t start = p + key.size();
    size_t end = head.find("\r\n", start);
    std::string v = head.substr(start, end - start);
    while (!v.empty() && v.front() == ' ') v.erase(v.begin());
    return v;
  }

  // ---- Sending (client frames are masked).
  void send_frame(int opcode, std::string_view payload) {
    std::string f;
    f.push_back(static_cast<char>(0x80 | opcode));
    size_t n = payload.size();
    if (n < 126) {
      f.push_back(static_cast<char>(0x80 | n));
    } else if (n < 65536) {
      f.push_back(static_cast<char>(0x80 | 126));
      f.push_back(static_cast<char>((n >> 8) & 0xff));
      f.push_back(static_cast<char>(n & 0xff));
    } else {
      f.push_back(static_cast<char>(0x80 | 127));
      for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    }
    const char mask[4] = {0x12, 0x34, 0x56, 0x78};
    f.append(mask, 4);
    for (size_t i = 0; i < n; ++i) f.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
    write_raw(f);
  }
  void send_text(std::string_view text) { send_frame(1, text); }
  void send_ping(std::string_view payload) { send_frame(9, payload); }
  void send_pong(std::string_view payload) { send_frame(10, payload); }
  void send_close(int code) {
    std::string p;
    p.push_back(static_cast<char>((code >> 8) & 0xff));
    p.push_back(static_cast<char>(code & 0xff));
    send_frame(8, p);
  }
  void write_raw(std::string bytes) {
    out_.push_back(std::move(bytes));
    if (out_.size() == 1) do_write();
  }
  void close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

 private:
  static std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  void do_write() {
    net::async_write(socket_, net::buffer(out_.front()),
                     [this, self = shared_from_this()](boost::system::error_code ec, size_t) {
                       if (ec) {
                         out_.clear();
                         return;
                       }
                       out_.pop_front();
                       if (!out_.empty()) do_write();
                     });
  }
  void do_read() {
    socket_.async_read_some(net::buffer(chunk_),
                            [this, self = shared_from_this()](boost::system::error_code ec, size_t n) {
                              if (ec) {
                                error = ec;
                                ended = true;
                                close();  // as real clients do on EOF
                                return;
                              }
                              in_.append(chunk_.data(), n);
                              parse();
                              do_read();
                            });
  }
  void parse() {
    if (!head_done) {
      size_t end = in_.find("\r\n\r\n");
      if (end == std::string::npos) return;
      head = in_.substr(0, end + 2);
      in_.erase(0, end + 4);
      head_done = true;
      if (head.size() > 12) status = std::stoi(head.substr(9, 3));
    }
    if (status != 101) {
      body += in_;
      in_.clear();
      return;
    }
    while (in_.size() >= 2) {
      auto b0 = static_cast<uint8_t>(in_[0]);
      auto b1 = static_cast<uint8_t>(in_[1]);
      size_t pos = 2;
      uint64_t len = b1 & 0x7f;
      if (len == 126) {
        if (in_.size() < 4) return;
        len = (static_cast<uint64_t>(static_cast<uint8_t>(in_[2])) << 8) | static_cast<uint8_t>(in_[3]);
        pos = 4;
      } else if (len == 127) {
        if (in_.size() < 10) return;
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<uint8_t>(in_[2 + static_cast<size_t>(i)]);
        pos = 10;
      }
      bool masked = (b1 & 0x80) != 0;
      size_t mask_pos = pos;
      if (masked) pos += 4;
      if (in_.size() < pos + len) return;
      Frame f;
      f.opcode = b0 & 0x0f;
      f.rsv1 = (b0 & 0x40) != 0;
      f.payload = in_.substr(pos, len);
      if (masked) {
        for (size_t i = 0; i < f.payload.size(); ++i)
          f.payload[i] = static_cast<char>(f.payload[i] ^ in_[mask_pos + i % 4]);
      }
      in_.erase(0, pos + len);
      if (f.opcode == 9 && auto_pong) send_pong(f.payload);
      if (f.opcode == 8 && echo_close && !close_echoed_) {
        close_echoed_ = true;
        send_frame(8, f.payload.substr(0, 2));
      }
      frames.push_back(std::move(f));
    }
  }

  tcp::socket socket_;
  uint16_t port_;
  std::array<char, 65536> chunk_{};
  std::string in_;
  std::deque<std::string> out_;
  bool close_echoed_ = false;
};

// One HTTP connection; requests are raw bytes, answers parsed with Beast.
class HttpClient : public std::enable_shared_from_this<HttpClient> {
 public:
  static std::shared_ptr<HttpClient> make(net::io_context& ioc, uint16_t port,
                                          const std::string& address = "127.0.0.1") {
    return std::make_shared<HttpClient>(ioc, port, address);
  }
  using Response = boost::beast::http::response<boost::beast::http::string_body>;

  HttpClient(net::io_context& ioc, uint16_t port, std::string address = "127.0.0.1")
      : stream_(ioc), port_(port), address_(std::move(address)) {}

  // Sends `raw` (connecting first if needed) and reads one response into `responses`.
  void request(std::string raw) {
    pending_.push_back(std::move(raw));
    if (!connected_ && !connecting_) {
      connecting_ = true;
      stream_.socket().async_connect(tcp::endpoint(net::ip::make_address(address_), port_),
                                     [this, self = shared_from_this()](boost::system::error_code ec) {
                                       connecting_ = false;
                                       if (ec) {
                                         error = ec;
                                         ended = true;
                                         return;
                                       }
                                       connected_ = true;
                                       next();
                                     });
    } else if (connected_ && !busy_) {
      next();
    }
  }
  // A well-formed request.
  void send(std::string method, std::string target, std::string body = "", std::string extra_headers = "") {
    std::string raw = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers;
    if (!body.empty() || method == "POST") {
      raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    raw += "\r\n" + body;
    request(std::move(raw));
  }

  std::vector<Response> responses;
  bool ended = false;  // EOF or error
  boost::system::error_code error;
  void close() {
    boost::system::error_code ignored;
    stream_.socket().close(ignored);
  }

 private:
  void next() {
    if (pending_.empty() || busy_) return;
    busy_ = true;
    current_ = std::move(pending_.front());
    pending_.pop_front();
    net::async_write(stream_.socket(), net::buffer(current_),
                     [this, self = shared_from_this()](boost::system::error_code ec, size_t) {
                       if (ec) {
                         error = ec;
                         ended = true;
                         return;
                       }
                       parser_.emplace();
                       parser_->body_limit(64 << 20);
                       boost::beast::http::async_read(
                           stream_, buffer_, *parser_,
                           [this, self = shared_from_this()](boost::system::error_code rec, size_t) {
                             busy_ = false;
                             if (rec) {
                               error = rec;
                               ended = true;
                               return;
                             }
                             responses.push_back(parser_->release());
                             next();
                           });
                     });
  }

  boost::beast::tcp_stream stream_;
  uint16_t port_;
  std::string address_;
  bool connected_ = false;
  bool connecting_ = false;
  bool busy_ = false;
  std::deque<std::string> pending_;
  std::string current_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> parser_;
};

}  // namespace phoenix::sim::server_testing
