// render_resolved: the effective config as YAML that load_config accepts again. Keys
// come in schema order; strings are double-quoted; secrets are masked.

#include <string>

#include <fmt/format.h>

#include "config/config.h"

namespace phoenix::config {
namespace {

// A YAML double-quoted scalar: \" \\ and \xNN for control bytes; no truncation.
std::string yaml_quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

// One line of text safe to put after "# " (no line breaks or control bytes).
std::string comment_text(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    out += (byte < 0x20 || byte == 0x7f) ? '?' : c;
  }
  return out;
}

// Accumulates "key: value" lines at an indentation level. Owned by one
// render_resolved call; single thread.
class Writer {
 public:
  void line(int indent, std::string_view text) {
    out_.append(static_cast<size_t>(indent) * 2, ' ');
    out_ += text;
    out_ += '\n';
  }
  void kv(int indent, std::string_view key, std::string_view value) {
    line(indent, fmt::format("{}: {}", key, value));
  }
  void kv(int indent, std::string_view key, int64_t value) { kv(indent, key, std::to_string(value)); }
  void kv(int indent, std::string_view key, const core::Decimal& value) {
    kv(indent, key, value.to_string());
  }
  void kv_bool(int indent, std::string_view key, bool value) { kv(indent, key, value ? "true" : "false"); }
  void kv_string(int indent, std::string_view key, std::string_view value) {
    kv(indent, key, yaml_quote(value));
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string masked_or_empty(const core::Secret& secret) {
  return secret.empty() ? std::string("(empty)") : std::string(secret.masked());
}

void render_credentials(const Config& config, const Credentials* credentials, Writer& w) {
  if (!config.credentials) {
    w.line(0, "# credentials: none (allowed because dry_run is true)");
    return;
  }
  const CredentialsConfig& c = *config.credentials;
  w.line(0, "credentials:");
  w.kv(1, "key_type", to_string(c.key_type));
  if (!c.secret_file.empty()) {
    w.kv_string(1, "secret_file", c.secret_file);
  } else {
    w.kv_string(1, "api_key_env", c.api_key_env);
    w.kv_string(1, "api_secret_env", c.api_secret_env);
  }
  if (credentials == nullptr) {
    w.line(1, "# not resolved");
  } else {
    w.line(1, fmt::format("# resolved from {}: api key {}, api secret {}", comment_text(credentials->source),
                          masked_or_empty(credentials->api_key), masked_or_empty(credentials->api_secret)));
  }
}

void render_symbol(const SymbolConfig& s, Writer& w) {
  w.line(1, fmt::format("- symbol: {}", yaml_quote(s.symbol)));
  w.kv(2, "levels", s.levels);
  w.kv(2, "fair_price", to_string(s.fair_price));
  w.kv(2, "half_spread_bps", s.half_spread_bps);
  w.kv(2, "level_step_bps", s.level_step_bps);
  if (s.size_base) w.kv(2, "size_base", *s.size_base);
  if (s.size_quote) w.kv(2, "size_quote", *s.size_quote);
  w.kv(2, "size_growth", s.size_growth);
  w.kv(2, "min_spread_bps", s.min_spread_bps);
  w.kv(2, "requote_tolerance_bps", s.requote_tolerance_bps);
  w.kv(2, "stale_after_ms", s.effective_stale_after_ms);
  w.line(2, "inventory:");
  w.kv(3, "target_base_ratio", s.inventory.target_base_ratio);
  w.kv(3, "max_skew_bps", s.inventory.max_skew_bps);
  if (s.price_ceiling) w.kv(2, "price_ceiling", *s.price_ceiling);
  if (s.price_floor) w.kv(2, "price_floor", *s.price_floor);
  if (s.max_position_base) w.kv(2, "max_position_base", *s.max_position_base);
}

}  // namespace

std::string render_resolved(const Config& config, const Credentials* credentials) {
  Writer w;
  w.line(0, fmt::format("# Phoenix configuration resolved from {}: defaults filled in, secrets masked.",
                        comment_text(config.source.empty() ? "(unnamed)" : config.source)));
  w.kv_string(0, "instance_id", config.instance_id);
  w.kv_bool(0, "dry_run", config.dry_run);

  const ExchangeConfig& ex = config.exchange;
  w.line(0, "exchange:");
  w.kv(1, "venue", to_string(ex.venue));
  w.kv_string(1, "rest_url", ex.rest_url.text);
  w.kv_string(1, "ws_market_url", ex.ws_market_url.text);
  w.kv_string(1, "ws_api_url", ex.ws_api_url.text);
  if (!ex.ca_file.empty()) w.kv_string(1, "ca_file", ex.ca_file);
  w.kv(1, "recv_window_ms", ex.recv_window_ms);
  w.kv(1, "request_timeout_ms", ex.request_timeout_ms);

  render_credentials(config, credentials, w);

  const MarketDataConfig& md = config.market_data;
  w.line(0, "market_data:");
  w.kv(1, "stale_after_ms", md.stale_after_ms);
  w.kv(1, "min_price_change_bps", md.min_price_change_bps);
  w.kv(1, "compression", to_string(md.compression));
  std::string streams;
  for (Stream s : md.streams) streams += fmt::format("{}{}", streams.empty() ? "" : ", ", to_string(s));
  w.kv(1, "streams", fmt::format("[{}]", streams));
  w.kv(1, "depth_levels", md.depth_levels);
  w.kv(1, "idle_timeout_ms", md.idle_timeout_ms);
  w.kv(1, "summary_interval_ms", md.summary_interval_ms);
  w.line(1, "reconnect:");
  w.kv(2, "initial_backoff_ms", md.reconnect.initial_backoff_ms);
  w.kv(2, "max_backoff_ms", md.reconnect.max_backoff_ms);
  w.kv(2, "stable_after_ms", md.reconnect.stable_after_ms);
  w.kv(2, "max_attempts_per_5min", md.reconnect.max_attempts_per_5min);

  w.line(0, "symbols:");
  for (const SymbolConfig& s : config.symbols) render_symbol(s, w);

  const RiskConfig& risk = config.risk;
  w.line(0, "risk:");
  w.kv(1, "max_order_notional_quote", risk.max_order_notional_quote);
  w.kv(1, "max_open_orders_per_symbol", risk.max_open_orders_per_symbol);
  w.kv(1, "max_daily_loss_quote", risk.max_daily_loss_quote);
  w.kv(1, "max_rejects_per_minute", risk.max_rejects_per_minute);
  w.kv(1, "max_quote_exposure_per_symbol", risk.max_quote_exposure_per_symbol);
  w.kv(1, "max_total_quote_exposure", risk.max_total_quote_exposure);
  w.kv(1, "max_orders_per_10s", risk.max_orders_per_10s);
  w.kv(1, "max_reconcile_mismatches", risk.max_reconcile_mismatches);

  const OrdersConfig& orders = config.orders;
  w.line(0, "orders:");
  w.kv_string(1, "client_id_prefix", orders.client_id_prefix);
  w.kv_bool(1, "post_only", orders.post_only);
  w.kv_bool(1, "use_amend", orders.use_amend);
  w.kv_bool(1, "rest_fallback", orders.rest_fallback);
  w.kv(1, "startup_orphans", to_string(orders.startup_orphans));
  w.kv(1, "shutdown_deadline_ms", orders.shutdown_deadline_ms);
  w.kv(1, "reconcile_interval_ms", orders.reconcile_interval_ms);

  w.line(0, "paper:");
  if (config.paper.balances.empty()) {
    w.line(1, "balances: []  # 10000 of each quote asset, 0 of each base asset");
  } else {
    w.line(1, "balances:");
    for (const PaperBalance& b : config.paper.balances) {
      w.line(2, fmt::format("- asset: {}", yaml_quote(b.asset)));
      w.kv(3, "amount", b.amount);
    }
  }
  w.kv(1, "maker_fee_bps", config.paper.maker_fee_bps);

  w.line(0, "metrics:");
  w.kv_string(1, "listen", config.metrics.listen.to_string());

  const LoggingConfig& log = config.logging;
  w.line(0, "logging:");
  w.kv_string(1, "file", log.file);
  w.kv(1, "level", to_string(log.level));
  w.kv(1, "max_file_bytes", log.max_file_bytes);
  w.kv(1, "max_files", log.max_files);
  w.kv_bool(1, "stderr", log.to_stderr);
  return w.take();
}

}  // namespace phoenix::config
