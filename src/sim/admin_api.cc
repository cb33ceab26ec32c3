// The admin HTTP API of phoenix-exchange (loopback only): fault injection and the open
// orders of every account. See docs/ (the lead's operations guide) and server.h.
//
//   POST /admin/drop?conn=all|market|api&mode=close|reset[&ip=A]
//   POST /admin/stall?ms=N[&symbol=S]
//   POST /admin/delay?ms=N                       (0 = off)
//   POST /admin/reject?count=N&code=C
//   GET  /admin/orders[?symbol=S]
//   POST /admin/accept_close?seconds=N           (0 = off)
//   POST /admin/handshake?status=429|503&count=N[&retry_after=S]
//   POST /admin/rest_fault?mode=5xx|timeout&count=N[&status=500..599]
//   POST /admin/depth_fault?symbol=S&kind=duplicate|gap|reorder
//   POST /admin/malformed?count=N
//   GET  /admin/faults                           (the fault state now)

#include <algorithm>
#include <cctype>
#include <charconv>
#include <initializer_list>
#include <optional>

#include "sim/server_internal.h"

namespace phoenix::sim::server_detail {
namespace {

using Query = std::vector<std::pair<std::string, std::string>>;

struct BadParam {
  std::string param;
  std::string message;
};

HttpReplyOut bad(const BadParam& b) {
  HttpReplyOut out;
  out.status = 400;
  out.body = "{\"error\":" + json_quote(b.message) + ",\"param\":" + json_quote(b.param) + "}";
  return out;
}

HttpReplyOut reply(int status, std::string body) {
  HttpReplyOut out;
  out.status = status;
  out.body = std::move(body);
  return out;
}

const std::string* find(const Query& q, std::string_view name) {
  for (const auto& [k, v] : q) {
    if (k == name) return &v;
  }
  return nullptr;
}

// Every parameter must be one of `allowed`.
std::optional<BadParam> check_names(const Query& q, std::initializer_list<std::string_view> allowed) {
  for (const auto& [k, v] : q) {
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      return BadParam{k, "unknown parameter '" + k + "'"};
    }
  }
  return std::nullopt;
}

// An integer parameter in [lo, hi]; `fallback` when absent (nullopt fallback = required).
std::optional<BadParam> get_int(const Query& q, std::string_view name, int64_t lo, int64_t hi,
                                std::optional<int64_t> fallback, int64_t* out) {
  const std::string* v = find(q, name);
  if (v == nullptr) {
    if (!fallback) return BadParam{std::string(name), "missing parameter '" + std::string(name) + "'"};
    *out = *fallback;
    return std::nullopt;
  }
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), value);
  if (ec != std::errc() || ptr != v->data() + v->size() || value < lo || value > hi) {
    return BadParam{std::string(name), "parameter '" + std::string(name) + "' must be an integer in [" +
                                           std::to_string(lo) + ", " + std::to_string(hi) + "]"};
  }
  *out = value;
  return std::nullopt;
}

std::optional<BadParam> get_choice(const Query& q, std::string_view name,
                                   std::initializer_list<std::string_view> choices,
                                   std::optional<std::string_view> fallback, std::string* out) {
  const std::string* v = find(q, name);
  if (v == nullptr) {
    if (!fallback) return BadParam{std::string(name), "missing parameter '" + std::string(name) + "'"};
    *out = std::string(*fallback);
    return std::nullopt;
  }
  if (std::find(choices.begin(), choices.end(), *v) == choices.end()) {
    std::string list;
    for (auto c : choices) list += (list.empty() ? "" : "|") + std::string(c);
    return BadParam{std::string(name), "parameter '" + std::string(name) + "' must be one of " + list};
  }
  *out = *v;
  return std::nullopt;
}

std::optional<BadParam> get_symbol(const Query& q, bool required, std::string* out) {
  const std::string* v = find(q, "symbol");
  if (v == nullptr || v->empty()) {
    if (required) return BadParam{"symbol", "missing parameter 'symbol'"};
    out->clear();
    return std::nullopt;
  }
  if (v->size() > 32 || !std::all_of(v->begin(), v->end(),
                                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)); })) {
    return BadParam{"symbol", "parameter 'symbol' must be alphanumeric"};
  }
  out->clear();
  for (char c : *v) out->push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return std::nullopt;
}

constexpr int64_t kMaxMs = 86'400'000;

}  // namespace

HttpReplyOut ServerCore::handle_admin(std::string_view method, std::string_view target, bool loopback) {
  if (!options_.admin) return reply(404, R"({"code":-1,"msg":"Not found."})");
  if (!loopback) {
    metrics_.count_rejection("admin_not_loopback");
    return reply(403, R"({"error":"the admin API answers loopback clients only"})");
  }
  Query q;
  if (!parse_query(target, &q)) return bad({"query", "bad percent-encoding in the query string"});
  std::string_view path = target_path(target);
  bool post = method == "POST";
  bool get = method == "GET";
  auto wrong_method = [&](std::string_view want) {
    HttpReplyOut out = reply(405, "{\"error\":\"use " + std::string(want) + "\"}");
    out.headers.emplace_back("Allow", std::string(want));
    return out;
  };
#define PHOENIX_CHECK(expr)                \
  do {                                     \
    if (auto e_ = (expr)) return bad(*e_); \
  } while (false)

  if (path == "/admin/drop") {
    if (!post) return wrong_method("POST");
    PHOENIX_CHECK(check_names(q, {"conn", "mode", "ip"}));
    std::string conn;
    std::string mode;
    PHOENIX_CHECK(get_choice(q, "conn", {"all", "market", "api"}, "all", &conn));
    PHOENIX_CHECK(get_choice(q, "mode", {"close", "reset"}, "close", &mode));
    const std::string* ip = find(q, "ip");
    std::vector<std::shared_ptr<WsSession>> victims;
    for (WsSession* s : ws_sessions_) {
      if (conn == "market" && s->kind() != ConnKind::kMarket) continue;
      if (conn == "api" && s->kind() != ConnKind::kApi) continue;
      if (ip != nullptr && s->ip() != *ip) continue;
      victims.push_back(s->shared_from_this());
    }
    for (auto& s : victims) {
      if (mode == "reset") {
        s->reset("drop fault (reset)");
      } else {
        s->begin_close(1001, "drop fault", false, false);
      }
    }
    log_fault("drop", "conn=" + conn + " mode=" + mode + (ip ? " ip=" + *ip : "") +
                          " connections=" + std::to_string(victims.size()));
    return reply(200, "{\"ok\":true,\"dropped\":" + std::to_string(victims.size()) + "}");
  }
  if (path == "/admin/stall") {
    if (!post) return wrong_method("POST");
    PHOENIX_CHECK(check_names(q, {"symbol", "ms"}));
    std::string symbol;
    int64_t ms = 0;
    PHOENIX_CHECK(get_symbol(q, false, &symbol));
    PHOENIX_CHECK(get_int(q, "ms", 0, kMaxMs, std::nullopt, &ms));
    streams_.stall(symbol, wall_ms() + ms);
    log_fault("stall",
              "symbol=" + (symbol.empty() ? std::string("all") : symbol) + " ms=" + std::to_string(ms));
    return reply(200, R"({"ok":true})");
  }
  if (path == "/admin/delay") {
    if (!post) return wrong_method("POST");
    PHOENIX_CHECK(check_names(q, {"ms"}));
    int64_t ms = 0;
    PHOENIX_CHECK(get_int(q, "ms", 0, 60'000, std::nullopt, &ms));
    faults_.delay_ms = ms;
    log_fault("delay", "ms=" + std::to_string(ms));
    return reply(200, R"({"ok":true})");
  }
  if (path == "/admin/deposit") {
    if (!post) return wrong_method("POST");
    PHOENIX_CHECK(check_names(q, {"account", "asset", "amount"}));
    for (const char* name : {"account", "asset", "amount"}) {
      const std::string* v = find(q, name);
      if (v == nullptr || v->empty()) {
        return bad({name, "missing parameter '" + std::string(name) + "'"});
      }
    }
    const std::string& account = *find(q, "account");
    const std::string& asset = *find(q, "asset");
    const std::string& amount = *find(q, "amount");
    if (auto st = exchange_.admin_deposit(account, asset, amount); !st.ok()) {
      const std::string param = st.error().message.starts_with("unknown account") ? "account"
                                : st.error().message.starts_with("unknown asset") ? "asset"
                                                                                  : "amount";
      return bad({param, st.error().message});
    }
    log_fault("deposit", "account=" + account + " asset=" + asset + " amount=" + amount);
    return reply(200, R"({"ok":true})");
  }
  if (path == "/admin/reject") {
    if (!post) return wrong_method("POST");
    PHOENIX_CHECK(check_names(q, {"count", "code", "status"}));
    int64_t count = 0;
    int64_t code = 0;
    int64_t status = 0;
    PHOENIX_CHECK(get_int(q, "count", 0, 1'000'000, std::nullopt, &count));
    PHOENIX_CHECK(get_int(q, "code", -99999, -1, int64_t{-2010}, &code));
    // The rejection's HTTP status: 429 for the rate-limit codes unless told otherwise.
    const int64_t default_status = (code == -1015 || code == -1003) ? 429 : 400;
    PHOENIX_CHECK(get_int(q, "status", 400, 599, default_status, &status));
    exchange_.inject_order_rejects(static_cast<int>(count), static_cast<int>(code), static_cast<int>(status));
    log_fault("reject", "count=" + std::to_string(count) + " code=" + std::to_string(code) +
                            " status=" + std::to_string(status));
    return reply(200, R"({"ok":true})");
  }
  if (path == "/admin/orders") {
    if (!get) return wrong_method("GET");
    PHOENIX_CHECK(check_names(q, {"symbol"}));
    std::string symbol;
    PHOENIX_CHECK(get_symbol(q, false, &symbol));
    return reply(200, exchange_.admin_open_orders_json(symbol));
  }
  if (path == "/admin/accept_close") {
    if (!post) return wrong_method("POST");
    PHOENIX_CHECK(check_names(q, {"seconds"}));
    int64_t seconds = 0;
    PHOENIX_CHECK(get_int(q, "seconds", 0, 86'400, std::nullopt, &seconds));
    faults_.accept_close_until_ns = seconds == 0 ? 0 : mono_ns() + seconds * 1'000'000'000;
    log_fault("accept_close", "seconds=" + std::to_string(seconds));
    return reply(200, R"({"ok":true})");
  }
  if (path == "/admin/handshake") {
    if (!post) return wrong_method("POST");
    PHOENIX_CHECK(check_names(q, {"status", "count", "retry_after"}));
    std::string status;
    int64_t count = 0;
    int64_t retry_after = 0;
    PHOENIX_CHECK(get_choice(q, "status", {"429", "503"}, std::nullopt, &status));
    PHOENIX_CHECK(get_int(q, "count", 0, 1'000'000, std::nullopt, &count));
    PHOENIX_CHECK(get_int(q, "retry_after", 0, 86'400, int64_t{0}, &retry_after));
    faults_.handshake_status = count == 0 ? 0 : (status == "429" ? 429 : 503);
    faults_.handshake_count = static_cast<int>(count);
    faults_.handshake_retry_after_s = static_cast<int>(retry_after);
    log_fault("handshake", "status=" + status + " count=" + std::to_string(count) +
                               " retry_after=" + std::to_string(retry_after));
    return reply(200, R"({"ok":true})");
  }
  if (path == "/admin/rest_fault") {
    if (!post) return wrong_method("POST");
    PHOENIX_CHECK(check_names(q, {"mode", "count", "status"}));
    std::string mode;
    int64_t count = 0;
    int64_t status = 503;
    PHOENIX_CHECK(get_choice(q, "mode", {"5xx", "timeout"}, std::nullopt, &mode));
    PHOENIX_CHECK(get_int(q, "count", 0, 1'000'000, std::nullopt, &count));
    PHOENIX_CHECK(get_int(q, "status", 500, 599, int64_t{503}, &status));
    faults_.rest = count == 0 ? FaultState::Rest::kNone
                              : (mode == "5xx" ? FaultState::Rest::k5xx : FaultState::Rest::kTimeout);
    faults_.rest_count = static_cast<int>(count);
    faults_.rest_status = static_cast<int>(status);
    log_fault("rest_fault", "mode=" + mode + " count=" + std::to_string(count) +
                                (mode == "5xx" ? " status=" + std::to_string(status) : std::string()));
    return reply(200, R"({"ok":true})");
  }
  if (path == "/admin/depth_fault") {
    if (!post) return wrong_method("POST");
    PHOENIX_CHECK(check_names(q, {"symbol", "kind"}));
    std::string symbol;
    std::string kind;
    PHOENIX_CHECK(get_symbol(q, true, &symbol));
    PHOENIX_CHECK(get_choice(q, "kind", {"duplicate", "gap", "reorder"}, std::nullopt, &kind));
    DepthFault fault = kind == "duplicate" ? DepthFault::kDuplicate
                       : kind == "gap"     ? DepthFault::kGap
                                           : DepthFault::kReorder;
    streams_.inject_depth_fault(symbol, fault);
    log_fault("depth_fault", "symbol=" + symbol + " kind=" + kind);
    return reply(200, R"({"ok":true})");
  }
  if (path == "/admin/malformed") {
    if (!post) return wrong_method("POST");
    PHOENIX_CHECK(check_names(q, {"count"}));
    int64_t count = 0;
    PHOENIX_CHECK(get_int(q, "count", 1, 1000, std::nullopt, &count));
    std::vector<std::shared_ptr<WsSession>> targets;
    for (WsSession* s : ws_sessions_) {
      if (s->kind() == ConnKind::kMarket) targets.push_back(s->shared_from_this());
    }
    for (auto& s : targets) s->send_malformed(static_cast<int>(count));
    log_fault("malformed",
              "count=" + std::to_string(count) + " connections=" + std::to_string(targets.size()));
    return reply(200, "{\"ok\":true,\"connections\":" + std::to_string(targets.size()) + "}");
  }
  if (path == "/admin/faults") {
    if (!get) return wrong_method("GET");
    int64_t accept_close_ms = std::max<int64_t>(0, (faults_.accept_close_until_ns - mono_ns()) / 1'000'000);
    const char* rest = faults_.rest == FaultState::Rest::k5xx       ? "5xx"
                       : faults_.rest == FaultState::Rest::kTimeout ? "timeout"
                                                                    : "none";
    return reply(200, "{\"delay_ms\":" + std::to_string(faults_.delay_ms) +
                          ",\"accept_close_remaining_ms\":" + std::to_string(accept_close_ms) +
                          ",\"handshake_status\":" + std::to_string(faults_.handshake_status) +
                          ",\"handshake_count\":" + std::to_string(faults_.handshake_count) +
                          ",\"rest_mode\":\"" + rest +
                          "\",\"rest_count\":" + std::to_string(faults_.rest_count) + "}");
  }
#undef PHOENIX_CHECK
  return reply(404, R"({"error":"unknown admin endpoint"})");
}

}  // namespace phoenix::sim::server_detail
