#include "sim/exchange_config.h"

#include <algorithm>
#include <charconv>
#include <exception>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/decimal.h"

namespace phoenix::sim {
namespace {

// Collects every problem of one document; each line "<source>:<line>:<col>: <path>: <what>".
class Problems {
 public:
  explicit Problems(std::string source) : source_(std::move(source)) {}
  void add(const YAML::Mark& mark, std::string_view path, std::string_view what) {
    const int line = mark.line >= 0 ? mark.line + 1 : 1;
    const int col = mark.column >= 0 ? mark.column + 1 : 1;
    std::string text = source_ + ":" + std::to_string(line) + ":" + std::to_string(col) + ": ";
    if (!path.empty()) text += std::string(path) + ": ";
    text += what;
    lines_.push_back(std::move(text));
  }
  bool empty() const { return lines_.empty(); }
  std::string join() const {
    std::string out;
    for (size_t i = 0; i < lines_.size() && i < 100; ++i) {
      if (i) out += '\n';
      out += lines_[i];
    }
    if (lines_.size() > 100) out += "\n... and " + std::to_string(lines_.size() - 100) + " more problems";
    return out;
  }

 private:
  std::string source_;
  std::vector<std::string> lines_;
};

std::string describe(const YAML::Node& node) {
  if (!node || node.IsNull()) return "null";
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  std::string s = node.Scalar();
  if (s.size() > 60) s = s.substr(0, 60) + "...";
  return "\"" + s + "\"";
}

std::string join_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return std::string(parent) + "." + std::string(key);
}

// A strict view of one map: reports unknown keys when finished.
class MapView {
 public:
  MapView(const YAML::Node& node, std::string path, Problems& problems)
      : node_(node), path_(std::move(path)), problems_(problems) {
    ok_ = node_ && node_.IsMap();
    if (node_ && !node_.IsNull() && !ok_)
      problems_.add(node_.Mark(), path_, "expected a map, got " + describe(node_));
  }
  ~MapView() {
    if (!ok_) return;
    for (const auto& kv : node_) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
      if (!seen_.count(key)) problems_.add(kv.first.Mark(), join_path(path_, key), "unknown key");
    }
  }
  bool present() const { return ok_; }
  const std::string& path() const { return path_; }
  Problems& problems() { return problems_; }

  YAML::Node get(std::string_view key) {
    seen_.insert(std::string(key));
    if (!ok_) return YAML::Node();
    YAML::Node n = node_[std::string(key)];
    return n;
  }
  std::string key_path(std::string_view key) const { return join_path(path_, key); }

  void int_field(std::string_view key, int64_t* out, int64_t min, int64_t max) {
    YAML::Node n = get(key);
    if (!n) return;
    int64_t v = 0;
    const std::string s = n.IsScalar() ? n.Scalar() : std::string();
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (!n.IsScalar() || s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) {
      problems_.add(n.Mark(), key_path(key), "expected an integer, got " + describe(n));
      return;
    }
    if (v < min || v > max) {
      problems_.add(n.Mark(), key_path(key),
                    "expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
                        "], got " + std::to_string(v));
      return;
    }
    *out = v;
  }
  template <class T>
  void small_int_field(std::string_view key, T* out, int64_t min, int64_t max) {
    int64_t v = static_cast<int64_t>(*out);
    int_field(key, &v, min, max);
    *out = static_cast<T>(v);
  }
  void bool_field(std::string_view key, bool* out) {
    YAML::Node n = get(key);
    if (!n) return;
    const std::string s = n.IsScalar() ? n.Scalar() : std::string();
    if (s == "true") {
      *out = true;
    } else if (s == "false") {
      *out = false;
    } else {
      problems_.add(n.Mark(), key_path(key), "expected true or false, got " + describe(n));
    }
  }
  bool string_field(std::string_view key, std::string* out, bool required) {
    YAML::Node n = get(key);
    if (!n) {
      if (required) problems_.add(node_.Mark(), key_path(key), "missing (required)");
      return false;
    }
    if (!n.IsScalar() || n.Scalar().empty()) {
      problems_.add(n.Mark(), key_path(key), "expected a non-empty string, got " + describe(n));
      return false;
    }
    *out = n.Scalar();
    return true;
  }
  // A decimal string converted to units of 10^-scale; must be >= 0 (> 0 when positive).
  bool decimal_field(std::string_view key, int scale, int64_t* out, bool required, bool positive) {
    YAML::Node n = get(key);
    if (!n) {
      if (required) problems_.add(node_.Mark(), key_path(key), "missing (required)");
      return false;
    }
    if (!n.IsScalar()) {
      problems_.add(n.Mark(), key_path(key), "expected a decimal such as \"0.01\", got " + describe(n));
      return false;
    }
    auto units = core::parse_units(n.Scalar(), scale);
    if (!units.ok()) {
      problems_.add(n.Mark(), key_path(key),
                    "expected a decimal with at most " + std::to_string(scale) + " decimals, got " +
                        describe(n) + " (" + units.error().message + ")");
      return false;
    }
    if (*units < 0 || (positive && *units == 0)) {
      problems_.add(n.Mark(), key_path(key),
                    std::string(positive ? "expected a positive decimal" : "expected a decimal >= 0") +
                        ", got " + describe(n));
      return false;
    }
    *out = *units;
    return true;
  }

 private:
  YAML::Node node_;
  std::string path_;
  Problems& problems_;
  bool ok_ = false;
  std::set<std::string> seen_;
};

// Reads a whole small file; nullopt-like empty error on failure.
core::Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::Error(core::ErrorCode::kNotFound, "cannot open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return core::Error(core::ErrorCode::kIo, "cannot read " + path);
  return ss.str();
}

std::string resolve(std::string_view base_dir, const std::string& path) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
  return std::string(base_dir) + "/" + path;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
    s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

void read_server(MapView& m, ServerOptions* s) {
  if (YAML::Node n = m.get("deflate"); n) {
    const std::string v = n.IsScalar() ? n.Scalar() : std::string();
    if (v == "off") {
      s->deflate = ServerDeflate::kOff;
    } else if (v == "honour") {
      s->deflate = ServerDeflate::kHonour;
    } else if (v == "no_context") {
      s->deflate = ServerDeflate::kNoContext;
    } else {
      m.problems().add(n.Mark(), m.key_path("deflate"),
                       "expected off, honour or no_context, got " + describe(n));
    }
  }
  m.small_int_field("server_max_window_bits", &s->server_max_window_bits, 9, 15);
  m.int_field("ping_interval_ms", &s->ping_interval_ms, 10, 3'600'000);
  m.int_field("pong_timeout_ms", &s->pong_timeout_ms, 10, 3'600'000);
  m.small_int_field("max_incoming_per_s", &s->max_incoming_per_s, 1, 1'000'000);
  m.small_int_field("max_streams_per_conn", &s->max_streams_per_conn, 1, 100'000);
  m.small_int_field("max_conn_attempts", &s->max_conn_attempts, 1, 1'000'000);
  m.int_field("conn_attempt_window_ms", &s->conn_attempt_window_ms, 1, 86'400'000);
  m.int_field("max_lifetime_ms", &s->max_lifetime_ms, 100, 7 * 86'400'000LL);
  m.int_field("market_tick_ms", &s->market_tick_ms, 1, 1000);
  m.bool_field("admin", &s->admin);
  m.small_int_field("max_connections", &s->max_connections, 1, 1'000'000);
  const auto size_field = [&m](std::string_view key, size_t* out, int64_t min, int64_t max) {
    int64_t v = static_cast<int64_t>(*out);
    m.int_field(key, &v, min, max);
    *out = static_cast<size_t>(v);
  };
  size_field("max_ws_message_bytes", &s->max_ws_message_bytes, 126, 64 << 20);
  m.int_field("http_timeout_ms", &s->http_timeout_ms, 100, 3'600'000);
  size_field("max_http_header_bytes", &s->max_http_header_bytes, 1024, 1 << 20);
  size_field("max_http_body_bytes", &s->max_http_body_bytes, 1024, 64 << 20);
  size_field("max_ws_queue_bytes", &s->max_ws_queue_bytes, 1 << 16, 1LL << 32);
  size_field("max_ws_queue_messages", &s->max_ws_queue_messages, 16, 100'000'000);
  m.int_field("close_timeout_ms", &s->close_timeout_ms, 10, 60'000);
  m.int_field("rest_timeout_hold_ms", &s->rest_timeout_hold_ms, 10, 600'000);
}

// Faults active from start-up; the admin API changes the same state at run time.
void read_faults(MapView& m, ServerFaults* f) {
  m.int_field("accept_close_ms", &f->accept_close_ms, 0, 86'400'000);
  m.small_int_field("handshake_status", &f->handshake_status, 0, 599);
  if (f->handshake_status != 0 && f->handshake_status != 429 && f->handshake_status != 503) {
    m.problems().add(m.get("handshake_status").Mark(), m.key_path("handshake_status"),
                     "expected 0 (off), 429 or 503, got " + std::to_string(f->handshake_status));
  }
  m.small_int_field("handshake_count", &f->handshake_count, 0, 1'000'000);
  m.small_int_field("handshake_retry_after_s", &f->handshake_retry_after_s, 0, 86'400);
  m.int_field("delay_ms", &f->delay_ms, 0, 60'000);
  if (YAML::Node n = m.get("rest_mode"); n) {
    const std::string v = n.IsScalar() ? n.Scalar() : std::string();
    if (v == "5xx" || v == "timeout" || v.empty()) {
      f->rest_mode = v;
    } else {
      m.problems().add(n.Mark(), m.key_path("rest_mode"), "expected 5xx or timeout, got " + describe(n));
    }
  }
  m.small_int_field("rest_count", &f->rest_count, 0, 1'000'000);
  m.small_int_field("rest_status", &f->rest_status, 500, 599);
  m.small_int_field("reject_count", &f->reject_count, 0, 1'000'000);
  m.small_int_field("reject_code", &f->reject_code, -9999, -1);
  m.int_field("stall_ms", &f->stall_ms, 0, 86'400'000);
  std::string symbol;
  if (m.string_field("stall_symbol", &symbol, false)) f->stall_symbol = symbol;
}

void read_limits(MapView& m, RateLimitSpec* l) {
  m.int_field("request_weight_per_minute", &l->request_weight_per_minute, 1, 1'000'000'000);
  m.int_field("orders_per_10s", &l->orders_per_10s, 1, 1'000'000'000);
  m.int_field("orders_per_day", &l->orders_per_day, 1, 1'000'000'000);
  m.int_field("ban_after_429s", &l->ban_after_429s, 1, 1'000'000);
  m.int_field("ban_ms", &l->ban_ms, 1, 3 * 86'400'000LL);
  m.int_field("max_recv_window_ms", &l->max_recv_window_ms, 1, 3'600'000);
  m.int_field("default_recv_window_ms", &l->default_recv_window_ms, 1, 3'600'000);
}

struct AssetIndex {
  std::vector<AssetSpec> assets;
  const AssetSpec* find(std::string_view name) const {
    for (const auto& a : assets)
      if (a.name == name) return &a;
    return nullptr;
  }
};

bool valid_asset_name(std::string_view s) {
  if (s.empty() || s.size() > 20) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
}

void read_symbol(MapView& m, const AssetIndex& assets, ExchangeConfig* cfg) {
  ExchangeSymbolSpec spec;
  MarketSimSpec::Symbol market;
  SymbolSpec& e = spec.engine;
  const bool have_name = m.string_field("symbol", &e.name, true);
  if (have_name && !valid_asset_name(e.name)) {
    m.problems().add(m.get("symbol").Mark(), m.key_path("symbol"),
                     "expected upper-case letters and digits, got \"" + e.name + "\"");
  }
  const bool have_base = m.string_field("base", &e.base_asset, true);
  const bool have_quote = m.string_field("quote", &e.quote_asset, true);
  const AssetSpec* base = have_base ? assets.find(e.base_asset) : nullptr;
  const AssetSpec* quote = have_quote ? assets.find(e.quote_asset) : nullptr;
  if (have_base && !base)
    m.problems().add(m.get("base").Mark(), m.key_path("base"), "unknown asset (not under assets)");
  if (have_quote && !quote) {
    m.problems().add(m.get("quote").Mark(), m.key_path("quote"), "unknown asset (not under assets)");
  }
  if (!base || !quote) {
    // Mark every other key seen; values cannot be converted without scales.
    for (const char* k :
         {"tick_size", "step_size", "min_qty", "max_qty", "min_notional", "max_notional", "min_price",
          "max_price", "max_num_orders", "start_price", "volatility_bps", "jump_probability_ppm", "jump_bps",
          "levels", "level_qty", "half_spread_ticks", "taker_rate_per_s", "taker_qty"}) {
      (void)m.get(k);
    }
    return;
  }
  e.price_scale = quote->scale;
  e.qty_scale = base->scale;
  m.decimal_field("tick_size", e.price_scale, &e.tick_units, true, true);
  m.decimal_field("step_size", e.qty_scale, &e.step_units, true, true);
  e.min_qty_units = e.step_units;
  m.decimal_field("min_qty", e.qty_scale, &e.min_qty_units, false, true);
  m.decimal_field("max_qty", e.qty_scale, &e.max_qty_units, false, true);
  m.decimal_field("min_notional", quote->scale, &e.min_notional_units, false, false);
  m.decimal_field("max_notional", quote->scale, &spec.max_notional_units, false, false);
  m.decimal_field("min_price", e.price_scale, &spec.min_price_units, false, false);
  m.decimal_field("max_price", e.price_scale, &spec.max_price_units, false, false);
  m.small_int_field("max_num_orders", &spec.max_num_orders, 1, 100000);

  market.name = e.name;
  m.decimal_field("start_price", e.price_scale, &market.start_price_units, cfg->market_enabled, true);
  m.int_field("volatility_bps", &market.volatility_bps, 0, 10000);
  m.int_field("jump_probability_ppm", &market.jump_probability_ppm, 0, 1'000'000);
  m.int_field("jump_bps", &market.jump_bps, 0, 10000);
  m.small_int_field("levels", &market.levels, 1, 1000);
  m.decimal_field("level_qty", e.qty_scale, &market.level_qty_units, false, false);
  m.int_field("half_spread_ticks", &market.half_spread_ticks, 1, 1'000'000);
  m.int_field("taker_rate_per_s", &market.taker_rate_per_s, 0, 100000);
  m.decimal_field("taker_qty", e.qty_scale, &market.taker_qty_units, false, false);
  m.int_field("level_spacing_ticks", &market.level_spacing_ticks, 0, 1'000'000);

  // Cross-field checks.
  if (e.tick_units > 0 && e.step_units > 0) {
    if (e.min_qty_units % e.step_units != 0) {
      m.problems().add(m.get("min_qty").Mark(), m.key_path("min_qty"), "must be a multiple of step_size");
    }
    if (e.max_qty_units < e.min_qty_units) {
      m.problems().add(m.get("max_qty").Mark(), m.key_path("max_qty"), "must be >= min_qty");
    }
    if (market.start_price_units % e.tick_units != 0) {
      m.problems().add(m.get("start_price").Mark(), m.key_path("start_price"),
                       "must be a multiple of tick_size");
    }
    if (spec.max_price_units != 0 && spec.max_price_units < spec.min_price_units) {
      m.problems().add(m.get("max_price").Mark(), m.key_path("max_price"), "must be >= min_price");
    }
  }
  cfg->exchange.symbols.push_back(std::move(spec));
  cfg->market.symbols.push_back(std::move(market));
}

void read_key(MapView& m, std::string_view base_dir, ApiKeySpec* key) {
  m.string_field("api_key", &key->api_key, true);
  std::string type;
  if (m.string_field("type", &type, true)) {
    if (type == "hmac") {
      key->type = KeyType::kHmac;
    } else if (type == "ed25519") {
      key->type = KeyType::kEd25519;
    } else {
      m.problems().add(m.get("type").Mark(), m.key_path("type"),
                       "expected hmac or ed25519, got \"" + type + "\"");
      return;
    }
  }
  std::string inline_value;
  std::string file;
  const char* inline_key = key->type == KeyType::kHmac ? "hmac_secret" : "public_key";
  const char* file_key = key->type == KeyType::kHmac ? "hmac_secret_file" : "public_key_file";
  const char* other_inline = key->type == KeyType::kHmac ? "public_key" : "hmac_secret";
  const char* other_file = key->type == KeyType::kHmac ? "public_key_file" : "hmac_secret_file";
  for (const char* k : {other_inline, other_file}) {
    if (YAML::Node n = m.get(k); n) {
      m.problems().add(n.Mark(), m.key_path(k), "not used by a key of type " + type);
    }
  }
  const bool has_inline = m.string_field(inline_key, &inline_value, false);
  const bool has_file = m.string_field(file_key, &file, false);
  if (has_inline == has_file) {
    m.problems().add(m.get("api_key").Mark(), m.path(),
                     std::string("give exactly one of ") + inline_key + " and " + file_key);
    return;
  }
  if (has_file) {
    auto text = read_file(resolve(base_dir, file));
    if (!text.ok()) {
      m.problems().add(m.get(file_key).Mark(), m.key_path(file_key), text.error().message);
      return;
    }
    inline_value = *text;
  }
  if (key->type == KeyType::kHmac) {
    key->hmac_secret = trim(inline_value);
  } else {
    key->ed25519_public = inline_value;
  }
}

void read_account(MapView& m, std::string_view base_dir, const AssetIndex& assets, AccountSpec* acct) {
  m.int_field("id", &acct->id, 1, std::numeric_limits<int32_t>::max());
  if (acct->id == 0)
    m.problems().add(m.get("id").Mark(), m.key_path("id"), "missing (required, a positive integer)");
  m.string_field("name", &acct->name, true);
  if (YAML::Node b = m.get("balances"); b) {
    MapView bm(b, m.key_path("balances"), m.problems());
    if (bm.present()) {
      for (const auto& kv : b) {
        const std::string asset = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
        const AssetSpec* spec = assets.find(asset);
        if (!spec) {
          (void)bm.get(asset);
          m.problems().add(kv.first.Mark(), bm.key_path(asset), "unknown asset (not under assets)");
          continue;
        }
        int64_t units = 0;
        if (bm.decimal_field(asset, spec->scale, &units, true, false))
          acct->balances.emplace_back(asset, units);
      }
    }
  }
  YAML::Node keys = m.get("keys");
  if (keys && !keys.IsSequence()) {
    m.problems().add(keys.Mark(), m.key_path("keys"), "expected a list, got " + describe(keys));
    return;
  }
  if (!keys) return;
  for (size_t i = 0; i < keys.size(); ++i) {
    MapView km(keys[i], m.key_path("keys") + "[" + std::to_string(i) + "]", m.problems());
    if (!km.present()) continue;
    ApiKeySpec key;
    read_key(km, base_dir, &key);
    acct->keys.push_back(std::move(key));
  }
}

void read_document(const YAML::Node& root, std::string_view base_dir, Problems& problems,
                   ExchangeConfig* cfg) {
  MapView top(root, "", problems);
  if (!top.present()) {
    problems.add(root.Mark(), "", "expected a map at the top level, got " + describe(root));
    return;
  }
  if (YAML::Node n = top.get("listen"); n) {
    auto st = n.IsScalar()
                  ? parse_listen_address(n.Scalar(), &cfg->server.host, &cfg->server.port)
                  : core::Status(core::Error(core::ErrorCode::kInvalidArgument, "expected HOST:PORT"));
    if (!st.ok()) problems.add(n.Mark(), "listen", st.error().message + ", got " + describe(n));
  }
  {
    MapView m(top.get("server"), "server", problems);
    if (m.present()) read_server(m, &cfg->server);
  }
  {
    MapView m(top.get("faults"), "faults", problems);
    if (m.present()) read_faults(m, &cfg->server.faults);
  }
  {
    MapView m(top.get("fees"), "fees", problems);
    if (m.present()) {
      m.int_field("maker_bps", &cfg->exchange.fees.maker_bps, 0, 10000);
      m.int_field("taker_bps", &cfg->exchange.fees.taker_bps, 0, 10000);
    }
  }
  {
    MapView m(top.get("rate_limits"), "rate_limits", problems);
    if (m.present()) read_limits(m, &cfg->exchange.limits);
  }
  {
    MapView m(top.get("market"), "market", problems);
    if (m.present()) {
      m.bool_field("enabled", &cfg->market_enabled);
      int64_t seed = static_cast<int64_t>(cfg->market.seed);
      m.int_field("seed", &seed, 0, std::numeric_limits<int64_t>::max());
      cfg->market.seed = static_cast<uint64_t>(seed);
      m.int_field("step_ms", &cfg->market.step_ms, 1, 60000);
    }
  }
  AssetIndex assets;
  if (YAML::Node a = top.get("assets"); a) {
    MapView am(a, "assets", problems);
    if (am.present()) {
      for (const auto& kv : a) {
        const std::string name = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
        int64_t scale = 8;
        am.int_field(name, &scale, 0, 18);
        if (!valid_asset_name(name)) {
          problems.add(kv.first.Mark(), am.key_path(name), "expected an upper-case asset name such as USDC");
          continue;
        }
        assets.assets.push_back(AssetSpec{name, static_cast<int>(scale)});
      }
    }
  } else {
    problems.add(root.Mark(), "assets", "missing (required: asset names and their decimal scales)");
  }
  cfg->exchange.assets = assets.assets;

  YAML::Node symbols = top.get("symbols");
  if (!symbols || !symbols.IsSequence() || symbols.size() == 0) {
    problems.add(symbols ? symbols.Mark() : root.Mark(), "symbols",
                 "expected a non-empty list of symbols, got " + describe(symbols));
  } else {
    std::set<std::string> names;
    for (size_t i = 0; i < symbols.size(); ++i) {
      MapView m(symbols[i], "symbols[" + std::to_string(i) + "]", problems);
      if (!m.present()) continue;
      const size_t before = cfg->exchange.symbols.size();
      read_symbol(m, assets, cfg);
      if (cfg->exchange.symbols.size() > before &&
          !names.insert(cfg->exchange.symbols.back().engine.name).second) {
        problems.add(symbols[i].Mark(), m.key_path("symbol"), "duplicate symbol");
      }
    }
  }

  YAML::Node accounts = top.get("accounts");
  if (accounts && !accounts.IsSequence()) {
    problems.add(accounts.Mark(), "accounts", "expected a list, got " + describe(accounts));
  } else if (accounts) {
    std::set<int64_t> ids;
    std::set<std::string> keys;
    for (size_t i = 0; i < accounts.size(); ++i) {
      MapView m(accounts[i], "accounts[" + std::to_string(i) + "]", problems);
      if (!m.present()) continue;
      AccountSpec acct;
      read_account(m, base_dir, assets, &acct);
      if (acct.id != 0 && !ids.insert(acct.id).second) {
        problems.add(accounts[i].Mark(), m.key_path("id"), "duplicate account id " + std::to_string(acct.id));
      }
      for (const auto& k : acct.keys) {
        if (!k.api_key.empty() && !keys.insert(k.api_key).second) {
          problems.add(accounts[i].Mark(), m.key_path("keys"),
                       "duplicate api_key (each key names one account)");
        }
      }
      cfg->exchange.accounts.push_back(std::move(acct));
    }
  }
}

}  // namespace

core::Status parse_listen_address(std::string_view text, std::string* host, uint16_t* port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return core::Error(core::ErrorCode::kInvalidArgument, "expected HOST:PORT such as 127.0.0.1:8090");
  }
  std::string_view h = text.substr(0, colon);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  const std::string_view p = text.substr(colon + 1);
  unsigned value = 0;
  const auto r = std::from_chars(p.data(), p.data() + p.size(), value);
  if (r.ec != std::errc() || r.ptr != p.data() + p.size() || value > 65535) {
    return core::Error(core::ErrorCode::kInvalidArgument, "port must be an integer in [0, 65535]");
  }
  *host = std::string(h);
  *port = static_cast<uint16_t>(value);
  return core::Status();
}

core::Result<ExchangeConfig> parse_exchange_config(std::string_view yaml_text, std::string_view source,
                                                   std::string_view base_dir) {
  Problems problems{std::string(source)};
  ExchangeConfig cfg;
  try {
    const YAML::Node root = YAML::Load(std::string(yaml_text));
    read_document(root, base_dir, problems, &cfg);
  } catch (const YAML::Exception& e) {
    problems.add(e.mark, "", std::string("not valid YAML: ") + e.msg);
  } catch (const std::exception& e) {
    problems.add(YAML::Mark::null_mark(), "", std::string("cannot read: ") + e.what());
  }
  if (!problems.empty()) return core::Error(core::ErrorCode::kInvalidArgument, problems.join());
  return cfg;
}

core::Result<ExchangeConfig> load_exchange_config(const std::string& path) {
  auto text = read_file(path);
  if (!text.ok()) return text.error();
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? std::string(".") : path.substr(0, slash);
  return parse_exchange_config(*text, path, dir);
}

}  // namespace phoenix::sim
