#pragma once

// A raw WebSocket server on 127.0.0.1 (port 0) for tests that need exact bytes on the wire:
// it answers the upgrade by hand and sends `after_101` in the same write as the 101 (so
// frames can share a TCP segment with the answer), then sends whatever bytes the test asks
// for. It parses the client's frames (checking that each is masked), answers a close frame
// with a close frame and then closes the socket. One connection; runs on the test's
// io_context thread. Tests only: throws on setup errors.

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <openssl/evp.h>
#include <openssl/sha.h>

namespace phoenix::net::testing {

struct ClientFrame {
  unsigned opcode = 0;
  bool fin = false;
  bool masked = false;
  std::string payload;  // unmasked
};

class RawWsServer {
 public:
  RawWsServer(boost::asio::io_context& ioc, std::string extensions = "", std::string after_101 = "")
      : acceptor_(ioc), socket_(ioc), extensions_(std::move(extensions)), after_101_(std::move(after_101)) {
    using boost::asio::ip::tcp;
    const tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.bind(ep);
    acceptor_.listen();
    acceptor_.async_accept(socket_, [this, alive = alive_](const boost::system::error_code& ec) {
      if (!*alive) return;
      if (!ec) read_request();
    });
  }

  ~RawWsServer() {
    *alive_ = false;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    socket_.close(ignored);
  }
  RawWsServer(const RawWsServer&) = delete;
  RawWsServer& operator=(const RawWsServer&) = delete;

  std::string url(const std::string& target = "/") const {
    return "ws://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + target;
  }

  // Queued; written in order, one write at a time.
  void send(std::string bytes) {
    out_.push_back(std::move(bytes));
    if (out_.size() == 1) write_next();
  }

  bool upgraded = false;
  bool eof = false;  // the client closed its side
  std::vector<ClientFrame> frames;

 private:
  void write_next() {
    boost::asio::async_write(socket_, boost::asio::buffer(out_.front()),
                             [this, alive = alive_](const boost::system::error_code& ec, size_t) {
                               if (!*alive) return;
                               out_.pop_front();
                               if (ec) {
                                 out_.clear();
                                 return;
                               }
                               if (!out_.empty()) return write_next();
                               if (shutdown_after_writes_) {
                                 boost::system::error_code ignored;
                                 socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
                               }
                             });
  }

  void read_request() {
    boost::asio::async_read_until(
        socket_, in_, "\r\n\r\n", [this, alive = alive_](const boost::system::error_code& ec, size_t n) {
          if (!*alive || ec) return;
          std::string head(boost::asio::buffers_begin(in_.data()),
                           boost::asio::buffers_begin(in_.data()) + static_cast<std::ptrdiff_t>(n));
          in_.consume(n);
          std::string key;
          const std::string name = "Sec-WebSocket-Key: ";
          const size_t at = head.find(name);
          if (at != std::string::npos)
            key = head.substr(at + name.size(), head.find("\r\n", at) - at - name.size());
          std::string res =
              "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              "Sec-WebSocket-Accept: " +
              accept_key(key) + "\r\n";
          if (!extensions_.empty()) res += "Sec-WebSocket-Extensions: " + extensions_ + "\r\n";
          res += "\r\n" + after_101_;
          upgraded = true;
          send(std::move(res));
          read_frames();
        });
  }

  void read_frames() {
    parse();
    socket_.async_read_some(in_.prepare(4096),
                            [this, alive = alive_](const boost::system::error_code& ec, size_t n) {
                              if (!*alive) return;
                              if (ec) {
                                eof = true;
                                return;
                              }
                              in_.commit(n);
                              read_frames();
                            });
  }

  void parse() {
    for (;;) {
      const std::string data(boost::asio::buffers_begin(in_.data()), boost::asio::buffers_end(in_.data()));
      if (data.size() < 2) return;
      const auto* p = reinterpret_cast<const unsigned char*>(data.data());
      uint64_t len = p[1] & 0x7f;
      size_t header = 2;
      if (len == 126) {
        header = 4;
        if (data.size() < header) return;
        len = (uint64_t{p[2]} << 8) | p[3];
      } else if (len == 127) {
        header = 10;
        if (data.size() < header) return;
        len = 0;
        for (size_t i = 2; i < 10; ++i) len = (len << 8) | p[i];
      }
      ClientFrame f;
      f.fin = (p[0] & 0x80) != 0;
      f.opcode = p[0] & 0x0f;
      f.masked = (p[1] & 0x80) != 0;
      if (f.masked) header += 4;
      if (data.size() < header + len) return;
      f.payload = data.substr(header, static_cast<size_t>(len));
      if (f.masked) {
        for (size_t i = 0; i < f.payload.size(); ++i)
          f.payload[i] = static_cast<char>(f.payload[i] ^ data[header - 4 + i % 4]);
      }
      in_.consume(header + static_cast<size_t>(len));
      if (f.opcode == 0x8 && !closed_) {
        closed_ = true;
        std::string reply;
        reply += static_cast<char>(0x88);
        reply += static_cast<char>(f.payload.size() >= 2 ? 2 : 0);
        if (f.payload.size() >= 2) reply += f.payload.substr(0, 2);
        shutdown_after_writes_ = true;
        send(std::move(reply));
      }
      frames.push_back(std::move(f));
    }
  }

  static std::string accept_key(const std::string& key) {
    const std::string input = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
    unsigned char out[64] = {};
    const int n = EVP_EncodeBlock(out, digest, SHA_DIGEST_LENGTH);
    return std::string(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
  }

  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // pending handlers check it
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::streambuf in_;
  std::string extensions_;
  std::string after_101_;
  std::deque<std::string> out_;
  bool closed_ = false;
  bool shutdown_after_writes_ = false;
};

}  // namespace phoenix::net::testing
