#pragma once

// Test doubles for the server's tests (sim/server_test.cc): a FakeExchange that answers
// REST and WebSocket-API calls with canned text and records every call, a FakeStreams
// that publishes payloads on demand, and a FakeSimulator that counts ticks. Test-only;
// single-threaded like the real ones.

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/exchange.h"
#include "sim/market_streams.h"

namespace phoenix::sim::server_testing {

class FakeExchange final : public Exchange {
 public:
  struct RestCall {
    std::string method, target, body, content_type, api_key, client_ip;
  };
  // Replies with `rest_reply` when its status is set (non-zero), else echoes the request
  // as JSON: {"method":..,"target":..,"body":..} with status 200.
  HttpReplyOut rest_reply{0, "", {}};
  std::vector<RestCall> rest_calls;

  HttpReplyOut handle_rest(const HttpRequestIn& r) override {
    rest_calls.push_back({std::string(r.method), std::string(r.target), std::string(r.body),
                          std::string(r.content_type), std::string(r.api_key), std::string(r.client_ip)});
    if (rest_reply.status != 0) return rest_reply;
    HttpReplyOut out;
    out.status = 200;
    out.body = "{\"method\":\"" + std::string(r.method) + "\",\"target\":\"" + std::string(r.target) + "\"}";
    out.headers.emplace_back("X-MBX-USED-WEIGHT-1M", "1");
    return out;
  }

  // WS API: every message is answered with {"echo":<the message>} (messages must be JSON).
  std::map<SessionId, WsSend> sessions;
  std::vector<std::pair<SessionId, std::string>> ws_messages;
  std::vector<SessionId> closed_sessions;
  std::vector<std::string> open_ips;
  SessionId next_session = 1;

  SessionId ws_api_open(std::string_view client_ip, WsSend send) override {
    open_ips.emplace_back(client_ip);
    sessions[next_session] = std::move(send);
    return next_session++;
  }
  void ws_api_message(SessionId session, std::string_view text) override {
    ws_messages.emplace_back(session, std::string(text));
    auto it = sessions.find(session);
    if (it != sessions.end()) it->second("{\"echo\":" + std::string(text) + "}");
  }
  void ws_api_close(SessionId session) override {
    closed_sessions.push_back(session);
    sessions.erase(session);
  }
  // Pushes an event to every open WS-API session (user data).
  void push_all(const std::string& text) {
    auto copy = sessions;
    for (auto& [id, send] : copy) send(text);
  }

  core::Result<AccountId> add_market_account(std::string,
                                             std::vector<std::pair<std::string, int64_t>>) override {
    return core::Error{core::ErrorCode::kInternal, "fake"};
  }
  PlaceResult place_internal(const NewOrder&) override { return {}; }
  core::Status cancel_internal(std::string_view, AccountId, OrderId) override { return {}; }
  const std::vector<ExchangeSymbolSpec>& symbols() const override { return symbols_; }
  const ExchangeSymbolSpec* symbol(std::string_view) const override { return nullptr; }
  std::vector<BookLevel> levels(std::string_view, Side, size_t) const override { return {}; }
  uint64_t book_update_id(std::string_view) const override { return 0; }
  const MatchingEngine& engine() const override { return engine_; }
  void set_market_listener(MarketListener* listener) override { listener_ = listener; }

  mutable std::vector<std::string> orders_queries;  // admin_open_orders_json is const
  std::string admin_open_orders_json(std::string_view symbol) const override {
    orders_queries.emplace_back(symbol);
    return "[{\"account\":\"demo\",\"symbol\":\"" + std::string(symbol.empty() ? "ETHUSDC" : symbol) +
           "\",\"orderId\":1}]";
  }
  std::vector<std::pair<int, int>> rejects;  // (count, code)
  std::vector<int> reject_statuses;          // the HTTP status of each
  void inject_order_rejects(int count, int code, int http_status) override {
    rejects.emplace_back(count, code);
    reject_statuses.push_back(http_status);
  }
  core::Status admin_deposit(std::string_view account, std::string_view asset,
                             std::string_view amount) override {
    if (account != "demo")
      return core::Error(core::ErrorCode::kNotFound, "unknown account '" + std::string(account) + "'");
    deposits.push_back(std::string(account) + " " + std::string(asset) + " " + std::string(amount));
    return core::Status();
  }
  std::vector<std::string> deposits;
  void append_metrics(std::string* out) const override {
    out->append("# HELP phoenix_exchange_fake_rest_requests_total REST requests seen by the fake.\n");
    out->append("# TYPE phoenix_exchange_fake_rest_requests_total counter\n");
    out->append("phoenix_exchange_fake_rest_requests_total " + std::to_string(rest_calls.size()) + "\n");
  }

 private:
  std::vector<ExchangeSymbolSpec> symbols_;
  MatchingEngine engine_;
  MarketListener* listener_ = nullptr;
};

class FakeStreams final : public MarketStreams {
 public:
  // Valid: "<lower-case alnum>@<anything>"; "bad" streams error as the real one does.
  core::Status validate(std::string_view stream) const override {
    size_t at = stream.find('@');
    bool ok = at != std::string_view::npos && at > 0 && at + 1 < stream.size();
    for (size_t i = 0; ok && i < at; ++i) {
      char c = stream[i];
      ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }
    if (!ok) {
      return core::Error{core::ErrorCode::kInvalidArgument,
                         "Invalid request: unknown stream '" + std::string(stream) + "'"};
    }
    return {};
  }
  core::Status subscribe(std::string_view stream, StreamSubscriber* subscriber) override {
    if (auto st = validate(stream); !st) return st;
    auto& list = subs_[subscriber];
    if (std::find(list.begin(), list.end(), stream) == list.end()) list.emplace_back(stream);
    return {};
  }
  void unsubscribe(std::string_view stream, StreamSubscriber* subscriber) override {
    auto it = subs_.find(subscriber);
    if (it == subs_.end()) return;
    std::erase(it->second, std::string(stream));
  }
  void unsubscribe_all(StreamSubscriber* subscriber) override { subs_.erase(subscriber); }
  std::vector<std::string> subscriptions(const StreamSubscriber* subscriber) const override {
    auto it = subs_.find(const_cast<StreamSubscriber*>(subscriber));
    return it == subs_.end() ? std::vector<std::string>{} : it->second;
  }

  // Publishes `raw` on `stream` to its subscribers; returns how many got it.
  int publish(const std::string& stream, const std::string& raw) {
    StreamMessage m;
    m.stream = stream;
    m.raw = std::make_shared<const std::string>(raw);
    m.combined = std::make_shared<const std::string>("{\"stream\":\"" + stream + "\",\"data\":" + raw + "}");
    std::vector<StreamSubscriber*> targets;
    for (auto& [sub, list] : subs_) {
      if (std::find(list.begin(), list.end(), stream) != list.end()) targets.push_back(sub);
    }
    for (auto* t : targets) t->on_stream_message(m);
    return static_cast<int>(targets.size());
  }
  size_t subscriber_count() const { return subs_.size(); }

  int64_t ticks = 0;
  int64_t last_tick_ms = 0;
  void tick(int64_t now_ms) override {
    ++ticks;
    last_tick_ms = now_ms;
  }
  std::vector<std::pair<std::string, int64_t>> stalls;  // (symbol, until_ms)
  void stall(std::string_view symbol, int64_t until_ms) override { stalls.emplace_back(symbol, until_ms); }
  std::vector<std::pair<std::string, DepthFault>> depth_faults;
  void inject_depth_fault(std::string_view symbol, DepthFault fault) override {
    depth_faults.emplace_back(symbol, fault);
  }
  void append_metrics(std::string* out) const override {
    out->append("# HELP phoenix_exchange_stream_fake_ticks_total Ticks seen by the fake streams.\n");
    out->append("# TYPE phoenix_exchange_stream_fake_ticks_total counter\n");
    out->append("phoenix_exchange_stream_fake_ticks_total " + std::to_string(ticks) + "\n");
  }
  // MarketListener: unused by the server.
  void on_trade(const TradePrint&) override {}
  void on_level_changed(std::string_view, Side, int64_t) override {}
  void on_book_settled(std::string_view, uint64_t) override {}

 private:
  std::map<StreamSubscriber*, std::vector<std::string>> subs_;
};

class FakeSimulator final : public MarketSimulator {
 public:
  int64_t ticks = 0;
  void tick(int64_t) override { ++ticks; }
  int64_t mid_price_units(std::string_view) const override { return 0; }
  size_t resting_orders() const override { return 0; }
  std::vector<AccountId> accounts() const override { return {}; }
  void append_metrics(std::string* out) const override {
    out->append("# HELP phoenix_exchange_sim_fake_ticks_total Ticks seen by the fake simulator.\n");
    out->append("# TYPE phoenix_exchange_sim_fake_ticks_total counter\n");
    out->append("phoenix_exchange_sim_fake_ticks_total " + std::to_string(ticks) + "\n");
  }
};

}  // namespace phoenix::sim::server_testing
