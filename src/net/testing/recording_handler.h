#pragma once

// A WsClientHandler for tests: records every event, checks the padding guarantee on every
// message, and lets a test hook open/message events.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/ws_client.h"

namespace phoenix::net::testing {

// Owned by a test; called on the test's io_context thread.
class RecordingHandler : public WsClientHandler {
 public:
  void on_ws_open(WsClient& client) override {
    ++opens;
    if (on_open) on_open(client);
  }
  void on_ws_message(WsClient& client, std::string_view payload, int64_t recv_ns) override {
    for (size_t i = 0; i < kWsPayloadPaddingBytes; ++i) {
      if (payload.data()[payload.size() + i] != 0) padding_ok = false;
    }
    messages.emplace_back(payload);
    recv_ns_list.push_back(recv_ns);
    if (on_message) on_message(client, payload);
  }
  void on_ws_closed(WsClient&, const WsCloseInfo& info) override {
    ++closes;
    closed = info;
  }

  int opens = 0;
  int closes = 0;
  bool padding_ok = true;
  std::vector<std::string> messages;
  std::vector<int64_t> recv_ns_list;
  std::optional<WsCloseInfo> closed;
  std::function<void(WsClient&)> on_open;
  std::function<void(WsClient&, std::string_view)> on_message;
};

}  // namespace phoenix::net::testing
