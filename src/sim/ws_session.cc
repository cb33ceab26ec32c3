// WsSession: one WebSocket connection of phoenix-exchange's server (see server_internal.h):
// market streams (raw/combined, control messages) or the WebSocket API, with Binance's
// connection rules and one bounded write queue.

#include <algorithm>
#include <cctype>
#include <limits>
#include <string>

#include <simdjson.h>

#include "sim/server_internal.h"

namespace phoenix::sim::server_detail {
namespace {

constexpr size_t kMaxPendingPings = 16;

std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

// The parser for control messages; one thread, one parser.
simdjson::dom::parser& control_parser() {
  static simdjson::dom::parser parser;
  return parser;
}

bool valid_string_id(std::string_view id) {
  if (id.size() > 36) return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
}

}  // namespace

WsSession::WsSession(std::shared_ptr<ServerCore> core, beast::tcp_stream stream, ConnKind kind, bool combined,
                     std::string ip)
    : core_(std::move(core)),
      ws_(std::move(stream), &core_->metrics().wire_bytes_in[static_cast<size_t>(kind)],
          &core_->metrics().wire_bytes_out[static_cast<size_t>(kind)]),
      kind_(kind),
      combined_(combined),
      ip_(std::move(ip)),
      ping_timer_(core_->ioc()),
      pong_timer_(core_->ioc()),
      lifetime_timer_(core_->ioc()),
      delay_timer_(core_->ioc()),
      close_timer_(core_->ioc()) {}

WsSession::~WsSession() { finish(); }

void WsSession::run(http::request<http::string_body> req, std::vector<std::string> streams,
                    bool accept_close) {
  core_->add(this);
  registered_ = true;
  ++core_->metrics().connections[static_cast<size_t>(kind_)];
  const ServerOptions& opt = core_->options();

  websocket::permessage_deflate pmd;
  pmd.server_enable = opt.deflate != ServerDeflate::kOff;
  pmd.server_max_window_bits = opt.server_max_window_bits;
  pmd.msg_size_threshold = 0;
  if (opt.deflate == ServerDeflate::kNoContext) {
    pmd.server_no_context_takeover = true;
    pmd.client_no_context_takeover = true;
  }
  ws_.set_option(pmd);
  ws_.read_message_max(opt.max_ws_message_bytes);
  ws_.auto_fragment(false);
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::milliseconds(opt.http_timeout_ms);
  timeouts.idle_timeout = websocket::stream_base::none();
  timeouts.keep_alive_pings = false;
  ws_.set_option(timeouts);
  // Beast 1.81 leaves server_max_window_bits out of its answer when it is 15; Binance
  // states it. The value is what the deflater uses, so stating it changes nothing else.
  int bits = opt.server_max_window_bits;
  ws_.set_option(websocket::stream_base::decorator([this, bits](websocket::response_type& res) {
    res.set(http::field::server, "phoenix-exchange");
    auto it = res.find(http::field::sec_websocket_extensions);
    if (it == res.end()) return;
    std::string ext(sv(it->value()));
    if (ext.find("permessage-deflate") == std::string::npos) return;
    deflate_negotiated_ = true;
    if (ext.find("server_max_window_bits") == std::string::npos) {
      ext += "; server_max_window_bits=" + std::to_string(bits);
      res.set(http::field::sec_websocket_extensions, ext);
    }
  }));
  ws_.control_callback(
      [this](websocket::frame_type frame, beast::string_view payload) { on_control(frame, payload); });

  auto request = std::make_shared<http::request<http::string_body>>(std::move(req));
  ws_.async_accept(
      *request, [self = shared_from_this(), request, streams = std::move(streams), accept_close](
                    beast::error_code ec) mutable { self->on_accept(ec, std::move(streams), accept_close); });
}

void WsSession::on_accept(beast::error_code ec, std::vector<std::string> streams, bool accept_close) {
  if (finished_) return;
  if (ec) {
    core_->metrics().count_rejection("ws_handshake_failed");
    return finish();
  }
  accepted_ = true;
  if (deflate_negotiated_) ++core_->metrics().deflate_connections_total;
  if (closing_) {  // stop() or a drop arrived during the handshake
    do_read();
    return pump();
  }
  if (kind_ == ConnKind::kMarket) {
    for (const auto& s : streams) (void)core_->streams().subscribe(s, this);
  } else {
    std::weak_ptr<WsSession> weak = weak_from_this();
    api_session_ = core_->exchange().ws_api_open(ip_, [weak](std::string text) {
      if (auto self = weak.lock()) self->enqueue_text(std::make_shared<const std::string>(std::move(text)));
    });
    api_open_ = true;
  }
  arm_ping();
  arm_lifetime();
  do_read();
  if (accept_close) {
    core_->metrics().count_rejection("fault_accept_close");
    begin_close(1001, "accept_close fault", false, true);
  }
  pump();
}

void WsSession::do_read() {
  ws_.async_read(read_buffer_, [self = shared_from_this()](beast::error_code ec, size_t bytes) {
    self->on_read(ec, bytes);
  });
}

void WsSession::on_read(beast::error_code ec, size_t bytes) {
  if (finished_) return;
  ServerMetrics& m = core_->metrics();
  if (ec) {
    if (ec == websocket::error::closed) {
      if (!closing_) m.count_close(ws_.reason().code, "client");
    } else if (ec == websocket::error::message_too_big) {
      if (!closing_) m.count_close(1009, "message too big");
    } else if (!closing_) {
      // Beast fails protocol violations with a close frame of its own; resets and EOF
      // have none.
      if (ec == websocket::error::bad_frame_payload) {
        m.count_close(1007, "invalid payload");
      } else if (ec == websocket::condition::protocol_violation) {
        m.count_close(1002, "protocol error");
      } else {
        m.count_close(0, "error");
      }
    }
    return finish();
  }
  auto i = static_cast<size_t>(kind_);
  ++m.messages_in[i];
  m.bytes_in[i] += bytes;
  std::string text = beast::buffers_to_string(read_buffer_.data());
  read_buffer_.consume(read_buffer_.size());
  if (!closing_) {
    if (kind_ == ConnKind::kMarket) {
      if (count_incoming()) handle_control_message(text);
    } else if (api_open_) {
      core_->exchange().ws_api_message(api_session_, text);
    }
  }
  if (!finished_) do_read();
}

void WsSession::on_control(websocket::frame_type frame, beast::string_view payload) {
  ServerMetrics& m = core_->metrics();
  bool counts = false;
  if (frame == websocket::frame_type::ping) {
    ++m.pings_received_total;
    counts = true;
  } else if (frame == websocket::frame_type::pong) {
    counts = true;
    std::string_view p = sv(payload);
    if (std::find(pending_pings_.begin(), pending_pings_.end(), p) != pending_pings_.end()) {
      ++m.pongs_received_total;
      pending_pings_.clear();
      pong_armed_ = false;
      pong_timer_.cancel();
    } else {
      ++m.pongs_unsolicited_total;
    }
  }
  if (counts && kind_ == ConnKind::kMarket && !closing_) {
    // No stream operation from inside Beast's read: count now, close from a fresh handler.
    count_incoming_deferred();
  }
}

void WsSession::count_incoming_deferred() {
  if (over_rate()) {
    net::post(core_->ioc(),
              [self = shared_from_this()] { self->begin_close(1008, "Too many messages", false, true); });
  }
}

bool WsSession::over_rate() {
  int64_t now = core_->mono_ns();
  incoming_ns_.push_back(now);
  while (!incoming_ns_.empty() && incoming_ns_.front() <= now - 1'000'000'000) incoming_ns_.pop_front();
  size_t limit = static_cast<size_t>(std::max(core_->options().max_incoming_per_s, 0));
  if (incoming_ns_.size() > limit) {
    while (incoming_ns_.size() > limit + 1) incoming_ns_.pop_front();
    return true;
  }
  return false;
}

bool WsSession::count_incoming() {
  if (over_rate()) {
    begin_close(1008, "Too many messages", false, true);
    return false;
  }
  return true;
}

void WsSession::reply_error(int code, std::string_view msg, const std::string& id_json) {
  ++core_->metrics().control_errors[code];
  enqueue_text(std::make_shared<const std::string>("{\"error\":{\"code\":" + std::to_string(code) +
                                                   ",\"msg\":" + json_quote(msg) + "},\"id\":" + id_json +
                                                   "}"));
}

void WsSession::handle_control_message(std::string_view text) {
  ServerMetrics& m = core_->metrics();
  simdjson::padded_string padded(text);
  simdjson::dom::element doc;
  if (auto err = control_parser().parse(padded).get(doc); err) {
    ++m.control_requests["invalid"];
    return reply_error(3, std::string("Invalid JSON: ") + simdjson::error_message(err), "null");
  }
  simdjson::dom::object obj;
  if (doc.get_object().get(obj)) {
    ++m.control_requests["invalid"];
    return reply_error(2, "Invalid request: expected a JSON object", "null");
  }
  // id: a signed 64-bit integer, an alphanumeric string of at most 36 characters, or null.
  std::string id_json = "null";
  simdjson::dom::element id;
  if (obj["id"].get(id)) {
    ++m.control_requests["invalid"];
    return reply_error(2, "Invalid request: request ID must be an unsigned integer", "null");
  }
  if (id.is_int64()) {
    id_json = std::to_string(int64_t(id));
  } else if (id.is_string() && valid_string_id(std::string_view(id))) {
    id_json = json_quote(std::string_view(id));
  } else if (!id.is_null()) {
    ++m.control_requests["invalid"];
    return reply_error(2, "Invalid request: request ID must be an unsigned integer", "null");
  }
  std::string_view method;
  if (simdjson::dom::element me; obj["method"].get(me)) {
    ++m.control_requests["invalid"];
    return reply_error(2, "Invalid request: missing field `method`", id_json);
  } else if (me.get_string().get(method)) {
    ++m.control_requests["invalid"];
    return reply_error(2, "Invalid request: method must be a string", id_json);
  }
  simdjson::dom::array params;
  bool has_params = false;
  if (simdjson::dom::element pe; !obj["params"].get(pe)) {
    if (pe.get_array().get(params)) {
      ++m.control_requests["invalid"];
      return reply_error(2, "Invalid request: params must be an array", id_json);
    }
    has_params = true;
  }
  MarketStreams& streams = core_->streams();
  auto ok = [&](std::string result) {
    enqueue_text(std::make_shared<const std::string>("{\"result\":" + result + ",\"id\":" + id_json + "}"));
  };

  if (method == "SUBSCRIBE" || method == "UNSUBSCRIBE") {
    ++m.control_requests[std::string(method)];
    std::vector<std::string> names;
    if (has_params) {
      for (simdjson::dom::element e : params) {
        std::string_view name;
        if (e.get_string().get(name))
          return reply_error(2, "Invalid request: stream names must be strings", id_json);
        names.emplace_back(name);
      }
    }
    if (method == "UNSUBSCRIBE") {
      for (const auto& n : names) streams.unsubscribe(n, this);
      return ok("null");
    }
    for (const auto& n : names) {
      if (auto st = streams.validate(n); !st) return reply_error(2, st.error().message, id_json);
    }
    std::vector<std::string> current = streams.subscriptions(this);
    size_t total = current.size();
    std::vector<std::string> fresh;
    for (const auto& n : names) {
      if (std::find(current.begin(), current.end(), n) == current.end() &&
          std::find(fresh.begin(), fresh.end(), n) == fresh.end()) {
        fresh.push_back(n);
      }
    }
    total += fresh.size();
    if (total > static_cast<size_t>(std::max(core_->options().max_streams_per_conn, 0))) {
      return reply_error(2,
                         "Invalid request: too many streams (at most " +
                             std::to_string(core_->options().max_streams_per_conn) + " per connection)",
                         id_json);
    }
    for (const auto& n : fresh) {
      if (auto st = streams.subscribe(n, this); !st) return reply_error(2, st.error().message, id_json);
    }
    return ok("null");
  }
  if (method == "LIST_SUBSCRIPTIONS") {
    ++m.control_requests[std::string(method)];
    std::string list = "[";
    for (const auto& s : streams.subscriptions(this)) {
      if (list.size() > 1) list.push_back(',');
      list += json_quote(s);
    }
    list.push_back(']');
    return ok(list);
  }
  if (method == "SET_PROPERTY" || method == "GET_PROPERTY") {
    ++m.control_requests[std::string(method)];
    bool set = method == "SET_PROPERTY";
    size_t want = set ? 2 : 1;
    size_t n = has_params ? params.size() : 0;
    if (n > want) return reply_error(2, "Invalid request: too many parameters", id_json);
    std::string_view name;
    if (n < 1 || params.at(0).get_string().get(name)) {
      return reply_error(2, "Invalid request: property name must be a string", id_json);
    }
    if (name != "combined") return reply_error(0, "Unknown property", id_json);
    if (!set) return ok(combined_ ? "true" : "false");
    bool value = false;
    if (n < 2 || params.at(1).get_bool().get(value)) {
      return reply_error(1, "Invalid value type: expected Boolean", id_json);
    }
    combined_ = value;
    return ok("null");
  }
  ++m.control_requests["unknown"];
  return reply_error(
      2,
      "Invalid request: unknown variant `" + std::string(method) +
          "`, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, "
          "`GET_PROPERTY`",
      id_json);
}

void WsSession::on_stream_message(const StreamMessage& message) {
  if (closing_ || finished_) return;
  const auto& text = combined_ ? message.combined : message.raw;
  if (text) enqueue_text(text);
}

void WsSession::enqueue_text(std::shared_ptr<const std::string> text) {
  if (closing_ || finished_ || !text) return;
  const ServerOptions& opt = core_->options();
  if (queue_.size() >= opt.max_ws_queue_messages || queued_bytes_ + text->size() > opt.max_ws_queue_bytes) {
    ++core_->metrics().slow_consumer_total;
    return begin_close(1008, "Slow consumer", false, true);
  }
  Out out;
  out.type = Out::Type::kText;
  out.text = std::move(text);
  out.ready_ns = core_->mono_ns() + core_->faults().delay_ms * 1'000'000;
  enqueue(std::move(out));
}

void WsSession::enqueue(Out out) {
  if (out.text) queued_bytes_ += out.text->size();
  queue_.push_back(std::move(out));
  pump();
}

void WsSession::pump() {
  if (!accepted_ || writing_ || finished_ || queue_.empty()) return;
  Out& front = queue_.front();
  int64_t now = core_->mono_ns();
  if (front.ready_ns > now) {
    if (!delay_armed_) {
      delay_armed_ = true;
      delay_timer_.expires_after(std::chrono::nanoseconds(front.ready_ns - now));
      delay_timer_.async_wait([self = shared_from_this()](beast::error_code) {
        self->delay_armed_ = false;
        self->pump();
      });
    }
    return;
  }
  Out item = std::move(front);
  queue_.pop_front();
  if (item.text) queued_bytes_ -= item.text->size();
  writing_ = true;
  ServerMetrics& m = core_->metrics();
  switch (item.type) {
    case Out::Type::kText: {
      auto i = static_cast<size_t>(kind_);
      ++m.messages_out[i];
      m.bytes_out[i] += item.text->size();
      ws_.text(true);
      auto text = item.text;
      ws_.async_write(net::buffer(*text), [self = shared_from_this(), text](beast::error_code ec, size_t) {
        self->on_written(ec, Out::Type::kText);
      });
      return;
    }
    case Out::Type::kPing: {
      ++m.pings_sent_total;
      websocket::ping_data payload(item.payload.data(), item.payload.size());
      ws_.async_ping(payload, [self = shared_from_this()](beast::error_code ec) {
        self->on_written(ec, Out::Type::kPing);
      });
      return;
    }
    case Out::Type::kClose: {
      close_sent_ = true;
      websocket::close_reason reason;
      reason.code = item.close_code;
      reason.reason.assign(item.payload.data(),
                           std::min<size_t>(item.payload.size(), reason.reason.max_size()));
      ws_.async_close(reason, [self = shared_from_this()](beast::error_code ec) {
        self->on_written(ec, Out::Type::kClose);
      });
      return;
    }
  }
}

void WsSession::on_written(beast::error_code ec, Out::Type type) {
  writing_ = false;
  if (finished_) return;
  if (ec) {
    // The peer is gone (or the close deadline closed the socket): the read fails too.
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    return;
  }
  if (type == Out::Type::kClose) return;
  pump();
}

void WsSession::arm_ping() {
  const ServerOptions& opt = core_->options();
  if (opt.ping_interval_ms <= 0) return;
  ping_timer_.expires_after(std::chrono::milliseconds(opt.ping_interval_ms));
  ping_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->closing_ || self->finished_) return;
    Out ping;
    ping.type = Out::Type::kPing;
    ping.payload = std::to_string(self->core_->wall_ms());
    ping.ready_ns = self->core_->mono_ns();
    self->pending_pings_.push_back(ping.payload);
    if (self->pending_pings_.size() > kMaxPendingPings) self->pending_pings_.pop_front();
    if (!self->pong_armed_) {
      self->pong_armed_ = true;
      self->pong_timer_.expires_after(std::chrono::milliseconds(self->core_->options().pong_timeout_ms));
      self->pong_timer_.async_wait([weak = self->weak_from_this()](beast::error_code pec) {
        auto s = weak.lock();
        if (pec || !s || !s->pong_armed_) return;
        s->begin_close(1008, "Pong timeout", false, true);
      });
    }
    self->enqueue(std::move(ping));
    self->arm_ping();
  });
}

void WsSession::arm_lifetime() {
  int64_t ms = core_->options().max_lifetime_ms;
  if (ms <= 0) return;
  lifetime_timer_.expires_after(std::chrono::milliseconds(ms));
  lifetime_timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
    auto s = weak.lock();
    if (ec || !s) return;
    s->begin_close(1001, "Max connection lifetime reached", true, false);
  });
}

std::string WsSession::shutdown_event() const {
  std::string event = "{\"e\":\"serverShutdown\",\"E\":" + std::to_string(core_->wall_ms()) + "}";
  if (kind_ == ConnKind::kApi) return "{\"event\":" + event + "}";
  if (combined_) return "{\"stream\":\"!serverShutdown\",\"data\":" + event + "}";
  return event;
}

void WsSession::begin_close(uint16_t code, std::string reason, bool event, bool drop_pending) {
  if (closing_ || finished_) return;
  ServerMetrics& m = core_->metrics();
  m.count_close(code, reason);
  // Subscriptions stay until finish(): this may run inside MarketStreams' own fan-out
  // (a slow consumer), where unsubscribing could disturb its iteration. closing_ mutes
  // on_stream_message meanwhile.
  if (drop_pending) {
    m.queue_dropped_messages_total += queue_.size();
    queue_.clear();
    queued_bytes_ = 0;
  }
  int64_t now = core_->mono_ns();
  if (event) {
    Out out;
    out.type = Out::Type::kText;
    out.text = std::make_shared<const std::string>(shutdown_event());
    out.ready_ns = now;
    enqueue_no_pump(std::move(out));
  }
  closing_ = true;
  Out close;
  close.type = Out::Type::kClose;
  close.close_code = code;
  close.payload = std::move(reason);
  close.ready_ns = now;
  enqueue_no_pump(std::move(close));
  ping_timer_.cancel();
  pong_armed_ = false;
  pong_timer_.cancel();
  lifetime_timer_.cancel();
  int64_t deadline_ms = core_->options().close_timeout_ms + (drop_pending ? 0 : core_->faults().delay_ms);
  close_timer_.expires_after(std::chrono::milliseconds(deadline_ms));
  close_timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
    auto s = weak.lock();
    if (ec || !s || s->finished_) return;
    beast::error_code ignored;
    beast::get_lowest_layer(s->ws_).socket().close(ignored);
  });
  pump();
}

void WsSession::enqueue_no_pump(Out out) {
  if (out.text) queued_bytes_ += out.text->size();
  queue_.push_back(std::move(out));
}

void WsSession::reset(const std::string& reason) {
  if (finished_) return;
  if (!closing_) core_->metrics().count_close(0, reason);
  closing_ = true;
  auto& socket = beast::get_lowest_layer(ws_).socket();
  beast::error_code ignored;
  socket.set_option(net::socket_base::linger(true, 0), ignored);
  socket.close(ignored);
}

void WsSession::send_malformed(int count) {
  static constexpr std::string_view kBad[] = {
      R"({"e":"depthUpdate","E":)",
      R"(not json at all)",
      R"({"stream":"x","data":{"u":1,"s":"ETHUSDC","b":"1.0"})",
      R"({"u":1,"s":"ETHUSDC","b":"1.0","B":})",
  };
  for (int i = 0; i < count; ++i) {
    enqueue_text(std::make_shared<const std::string>(kBad[static_cast<size_t>(i) % std::size(kBad)]));
  }
}

void WsSession::finish() {
  if (finished_) return;
  finished_ = true;
  closing_ = true;
  ping_timer_.cancel();
  pong_timer_.cancel();
  lifetime_timer_.cancel();
  delay_timer_.cancel();
  close_timer_.cancel();
  queue_.clear();
  queued_bytes_ = 0;
  if (kind_ == ConnKind::kMarket) core_->streams().unsubscribe_all(this);
  if (api_open_) {
    api_open_ = false;
    core_->exchange().ws_api_close(api_session_);
  }
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
  if (registered_) {
    registered_ = false;
    core_->remove(this);
    --core_->metrics().connections[static_cast<size_t>(kind_)];
  }
}

}  // namespace phoenix::sim::server_detail
