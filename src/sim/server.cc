#include "sim/server.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <vector>

#include "sim/server_internal.h"

namespace phoenix::sim {
namespace server_detail {

// ---------------------------------------------------------------- URL helpers

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

bool percent_decode(std::string_view in, std::string* out, bool plus_is_space) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = hex_value(in[i + 1]);
      int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

std::string_view target_path(std::string_view target) {
  size_t q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

bool parse_query(std::string_view target, std::vector<std::pair<std::string, std::string>>* out) {
  out->clear();
  size_t q = target.find('?');
  if (q == std::string_view::npos) return true;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string key;
    std::string value;
    if (!percent_decode(part.substr(0, eq), &key, true)) return false;
    if (eq != std::string_view::npos && !percent_decode(part.substr(eq + 1), &value, true)) return false;
    out->emplace_back(std::move(key), std::move(value));
  }
  return true;
}

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out.append(buf);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

std::string iso_time(int64_t wall_us) {
  std::time_t secs = static_cast<std::time_t>(wall_us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>((wall_us / 1000) % 1000));
  return buf;
}

// ---------------------------------------------------------------- ServerCore

ServerCore::ServerCore(net::io_context& ioc, ServerOptions options, Exchange& exchange,
                       MarketStreams& streams, MarketSimulator* sim, const core::Clock& clock)
    : ioc_(ioc),
      options_(std::move(options)),
      exchange_(exchange),
      streams_(streams),
      sim_(sim),
      clock_(clock),
      acceptor_(ioc),
      tick_timer_(ioc) {}

core::Status ServerCore::listen() {
  beast::error_code ec;
  auto address = net::ip::make_address(options_.host, ec);
  if (ec) return core::Error{core::ErrorCode::kInvalidArgument, "bad listen host '" + options_.host + "'"};
  tcp::endpoint endpoint{address, options_.port};
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return core::Error{core::ErrorCode::kIo, "cannot listen on " + options_.host + ":" +
                                                 std::to_string(options_.port) + ": " + ec.message()};
  }
  port_ = acceptor_.local_endpoint(ec).port();
  return {};
}

void ServerCore::start() {
  apply_start_faults();
  do_accept();
  on_tick();
}

void ServerCore::apply_start_faults() {
  const ServerFaults& f = options_.faults;
  if (f.accept_close_ms > 0) {
    faults_.accept_close_until_ns = mono_ns() + f.accept_close_ms * 1'000'000;
    log_fault("accept_close", "ms=" + std::to_string(f.accept_close_ms) + " source=config");
  }
  if ((f.handshake_status == 429 || f.handshake_status == 503) && f.handshake_count > 0) {
    faults_.handshake_status = f.handshake_status;
    faults_.handshake_count = f.handshake_count;
    faults_.handshake_retry_after_s = f.handshake_retry_after_s;
    log_fault("handshake", "status=" + std::to_string(f.handshake_status) +
                               " count=" + std::to_string(f.handshake_count) + " source=config");
  }
  if (f.delay_ms > 0) {
    faults_.delay_ms = f.delay_ms;
    log_fault("delay", "ms=" + std::to_string(f.delay_ms) + " source=config");
  }
  if ((f.rest_mode == "5xx" || f.rest_mode == "timeout") && f.rest_count > 0) {
    faults_.rest = f.rest_mode == "5xx" ? FaultState::Rest::k5xx : FaultState::Rest::kTimeout;
    faults_.rest_count = f.rest_count;
    faults_.rest_status = f.rest_status >= 500 && f.rest_status <= 599 ? f.rest_status : 503;
    log_fault("rest_fault",
              "mode=" + f.rest_mode + " count=" + std::to_string(f.rest_count) + " source=config");
  }
  if (f.reject_count > 0) {
    exchange_.inject_order_rejects(f.reject_count, f.reject_code,
                                   (f.reject_code == -1015 || f.reject_code == -1003) ? 429 : 400);
    log_fault("reject", "count=" + std::to_string(f.reject_count) + " code=" + std::to_string(f.reject_code) +
                            " source=config");
  }
  if (f.stall_ms > 0) {
    streams_.stall(f.stall_symbol, wall_ms() + f.stall_ms);
    log_fault("stall", "symbol=" + (f.stall_symbol.empty() ? std::string("all") : f.stall_symbol) +
                           " ms=" + std::to_string(f.stall_ms) + " source=config");
  }
}

void ServerCore::do_accept() {
  acceptor_.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || self->stopping_ || !self->acceptor_.is_open()) return;
    if (!ec) {
      ++self->metrics_.tcp_accepts_total;
      if (self->connection_count() >= static_cast<size_t>(std::max(self->options_.max_connections, 0))) {
        self->metrics_.count_rejection("max_connections");
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        std::make_shared<HttpSession>(self, std::move(socket))->run();
      }
    }
    self->do_accept();
  });
}

void ServerCore::on_tick() {
  if (stopping_) return;
  int64_t now_ms = wall_ms();
  streams_.tick(now_ms);
  if (sim_ != nullptr) sim_->tick(now_ms);
  tick_timer_.expires_after(std::chrono::milliseconds(std::max<int64_t>(options_.market_tick_ms, 1)));
  tick_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) self->on_tick();
  });
}

void ServerCore::stop() {
  if (stopping_) return;
  stopping_ = true;
  beast::error_code ignored;
  acceptor_.close(ignored);
  tick_timer_.cancel();
  // Copies: sessions remove themselves while we iterate.
  std::vector<std::shared_ptr<WsSession>> ws;
  for (WsSession* s : ws_sessions_) ws.push_back(s->shared_from_this());
  for (auto& s : ws) s->begin_close(1001, "server shutdown", true, false);
  std::vector<std::shared_ptr<HttpSession>> hs;
  for (HttpSession* s : http_sessions_) hs.push_back(s->shared_from_this());
  for (auto& s : hs) s->close_now();
}

bool ServerCore::admit_attempt(const std::string& ip, int64_t* retry_after_s) {
  int64_t now = mono_ns();
  int64_t window_ns = std::max<int64_t>(options_.conn_attempt_window_ms, 1) * 1'000'000;
  // Forget idle IPs now and then, so the map stays bounded by recent clients.
  if (now - last_attempt_sweep_ns_ > window_ns) {
    last_attempt_sweep_ns_ = now;
    for (auto it = attempts_ns_by_ip_.begin(); it != attempts_ns_by_ip_.end();) {
      if (it->second.empty() || it->second.back() <= now - window_ns) {
        it = attempts_ns_by_ip_.erase(it);
      } else {
        ++it;
      }
    }
  }
  auto& times = attempts_ns_by_ip_[ip];
  while (!times.empty() && times.front() <= now - window_ns) times.pop_front();
  size_t limit = static_cast<size_t>(std::max(options_.max_conn_attempts, 0));
  if (times.size() >= limit) {
    int64_t oldest = times.empty() ? now : times.front();
    *retry_after_s = std::max<int64_t>(1, (oldest + window_ns - now + 999'999'999) / 1'000'000'000);
    return false;
  }
  times.push_back(now);
  return true;
}

void ServerCore::log_fault(std::string_view kind, std::string_view details) {
  ++metrics_.faults[std::string(kind)];
  std::string line = iso_time(clock_.wall_us()) + " WARN fault_injected kind=" + std::string(kind);
  if (!details.empty()) line.append(" ").append(details);
  line.push_back('\n');
  std::fputs(line.c_str(), stderr);
}

std::string ServerCore::metrics_text() const {
  std::string out;
  out.reserve(16384);
  metrics_.append(&out);
  exchange_.append_metrics(&out);
  streams_.append_metrics(&out);
  if (sim_ != nullptr) sim_->append_metrics(&out);
  return out;
}

}  // namespace server_detail

// ---------------------------------------------------------------- ExchangeServer

namespace {

class ServerImpl final : public ExchangeServer {
 public:
  explicit ServerImpl(std::shared_ptr<server_detail::ServerCore> core) : core_(std::move(core)) {}
  ~ServerImpl() override { core_->stop(); }
  uint16_t port() const override { return core_->port(); }
  void stop() override { core_->stop(); }
  size_t connection_count() const override { return core_->connection_count(); }

 private:
  std::shared_ptr<server_detail::ServerCore> core_;
};

}  // namespace

core::Result<std::unique_ptr<ExchangeServer>> ExchangeServer::start(boost::asio::io_context& ioc,
                                                                    ServerOptions options, Exchange& exchange,
                                                                    MarketStreams& streams,
                                                                    MarketSimulator* sim,
                                                                    const core::Clock& clock) {
  if (options.server_max_window_bits < 9 || options.server_max_window_bits > 15) {
    return core::Error{core::ErrorCode::kInvalidArgument, "server_max_window_bits must be 9..15"};
  }
  auto core =
      std::make_shared<server_detail::ServerCore>(ioc, std::move(options), exchange, streams, sim, clock);
  if (auto st = core->listen(); !st) return st.error();
  core->start();
  return std::unique_ptr<ExchangeServer>(std::make_unique<ServerImpl>(std::move(core)));
}

}  // namespace phoenix::sim
