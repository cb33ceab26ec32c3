#pragma once

// CountingStream<NextLayer>: a pass-through Asio stream layer that counts the bytes read
// from and written to NextLayer. WsClient does all its I/O through it, over the TCP socket
// (ws://) or the TLS stream (wss://, so TLS plaintext is counted): it measures the
// WebSocket wire bytes, i.e. the HTTP upgrade, then frame headers plus payload exactly as
// they travel, compressed when permessage-deflate is on.
//
// It also has a test knob, set_max_read_bytes(n), that caps every read handed to NextLayer
// at n bytes, so tests can feed the HTTP parser, the frame reader and the inflater a few
// bytes at a time.

#include <algorithm>
#include <cstddef>
#include <utility>

#include <boost/asio/associator.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/beast/core/buffers_prefix.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include "net/byte_meter.h"

namespace phoenix::net {
namespace counting_detail {

// Wraps a completion handler to count the transferred bytes first. Associated executor,
// allocator and cancellation slot are those of the wrapped handler (see the associator
// specialisation below), so Beast's composed operations behave as without the layer.
template <class Handler>
struct CountingHandler {
  Handler handler;
  ByteTally* tally;
  bool is_read;

  void operator()(boost::beast::error_code ec, std::size_t n) {
    if (tally != nullptr) {
      if (is_read) {
        tally->add_read(n);
      } else {
        tally->add_written(n);
      }
    }
    std::move(handler)(ec, n);
  }
};

}  // namespace counting_detail

// See the file comment. Owns NextLayer. Used by one WsClient session on its io_context
// thread (Asio stream rules: one read and one write outstanding at a time).
template <class NextLayer>
class CountingStream {
 public:
  using next_layer_type = NextLayer;
  using executor_type = typename NextLayer::executor_type;

  template <class... Args>
  explicit CountingStream(ByteTally* tally, Args&&... args)
      : next_(std::forward<Args>(args)...), tally_(tally) {}

  executor_type get_executor() noexcept { return next_.get_executor(); }
  NextLayer& next_layer() noexcept { return next_; }
  const NextLayer& next_layer() const noexcept { return next_; }

  // Test knob: at most `n` bytes per read from NextLayer (0 = no cap).
  void set_max_read_bytes(std::size_t n) { max_read_bytes_ = n; }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::beast::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          using H = std::decay_t<decltype(handler)>;
          auto wrapped = counting_detail::CountingHandler<H>{std::move(handler), tally_, true};
          if (max_read_bytes_ != 0) {
            next_.async_read_some(boost::beast::buffers_prefix(max_read_bytes_, b), std::move(wrapped));
          } else {
            next_.async_read_some(b, std::move(wrapped));
          }
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::beast::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          using H = std::decay_t<decltype(handler)>;
          next_.async_write_some(b, counting_detail::CountingHandler<H>{std::move(handler), tally_, false});
        },
        token, buffers);
  }

 private:
  NextLayer next_;
  ByteTally* tally_;
  std::size_t max_read_bytes_ = 0;
};

// WebSocket teardown (found by ADL from Beast's close and failure paths): tear down the
// layer below. Only asynchronous operations are provided: Phoenix never blocks on a socket.
template <class NextLayer>
void teardown(boost::beast::role_type role, CountingStream<NextLayer>& stream, boost::beast::error_code& ec) {
  using boost::beast::websocket::teardown;
  teardown(role, stream.next_layer(), ec);
}

template <class NextLayer, class TeardownHandler>
void async_teardown(boost::beast::role_type role, CountingStream<NextLayer>& stream,
                    TeardownHandler&& handler) {
  using boost::beast::websocket::async_teardown;
  async_teardown(role, stream.next_layer(), std::forward<TeardownHandler>(handler));
}

}  // namespace phoenix::net

namespace boost::asio {

// Forward every associator (executor, allocator, cancellation slot, ...) of a wrapped
// handler to the handler inside.
template <template <typename, typename> class Associator, typename Handler, typename DefaultCandidate>
struct associator<Associator, phoenix::net::counting_detail::CountingHandler<Handler>, DefaultCandidate>
    : Associator<Handler, DefaultCandidate> {
  static typename Associator<Handler, DefaultCandidate>::type get(
      const phoenix::net::counting_detail::CountingHandler<Handler>& h,
      const DefaultCandidate& c = DefaultCandidate()) noexcept {
    return Associator<Handler, DefaultCandidate>::get(h.handler, c);
  }
};

}  // namespace boost::asio
