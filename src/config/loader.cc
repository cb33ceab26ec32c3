// load_config / parse_config: the schema walk. Each read_<section> function reads one
// block into its struct, reporting every problem to the shared Diagnostics and leaving
// defaults in place for keys that are absent or invalid; the result is only returned
// when no problem was found. See docs/configuration.md for the schema.

#include <algorithm>
#include <array>
#include <cerrno>
#include <map>
#include <span>
#include <system_error>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include "config/config.h"
#include "config/validation.h"
#include "config/yaml_reader.h"

namespace phoenix::config {
namespace {

using core::Decimal;
using core::Error;
using core::ErrorCode;
using internal::DecimalRange;
using internal::Diagnostics;
using internal::MapReader;

constexpr std::array<std::string_view, 11> kRootKeys = {"instance_id", "dry_run", "exchange", "credentials",
                                                        "market_data", "symbols", "risk",     "orders",
                                                        "paper",       "metrics", "logging"};
constexpr std::array<std::string_view, 7> kExchangeKeys = {
    "venue", "rest_url", "ws_market_url", "ws_api_url", "ca_file", "recv_window_ms", "request_timeout_ms"};
constexpr std::array<std::string_view, 4> kCredentialsKeys = {"key_type", "api_key_env", "api_secret_env",
                                                              "secret_file"};
constexpr std::array<std::string_view, 8> kMarketDataKeys = {
    "stale_after_ms", "min_price_change_bps", "compression", "streams",
    "depth_levels",   "idle_timeout_ms",      "reconnect",   "summary_interval_ms"};
constexpr std::array<std::string_view, 4> kReconnectKeys = {"initial_backoff_ms", "max_backoff_ms",
                                                            "stable_after_ms", "max_attempts_per_5min"};
constexpr std::array<std::string_view, 15> kSymbolKeys = {
    "symbol",         "levels",     "fair_price",    "half_spread_bps", "level_step_bps",
    "size_base",      "size_quote", "size_growth",   "min_spread_bps",  "requote_tolerance_bps",
    "stale_after_ms", "inventory",  "price_ceiling", "price_floor",     "max_position_base"};
constexpr std::array<std::string_view, 2> kInventoryKeys = {"target_base_ratio", "max_skew_bps"};
constexpr std::array<std::string_view, 8> kRiskKeys = {
    "max_order_notional_quote", "max_open_orders_per_symbol",    "max_daily_loss_quote",
    "max_rejects_per_minute",   "max_quote_exposure_per_symbol", "max_total_quote_exposure",
    "max_orders_per_10s",       "max_reconcile_mismatches"};
constexpr std::array<std::string_view, 7> kOrdersKeys = {
    "client_id_prefix",     "post_only",       "use_amend",
    "rest_fallback",        "startup_orphans", "shutdown_deadline_ms",
    "reconcile_interval_ms"};
constexpr std::array<std::string_view, 2> kPaperKeys = {"balances", "maker_fee_bps"};
constexpr std::array<std::string_view, 2> kPaperBalanceKeys = {"asset", "amount"};
constexpr std::array<std::string_view, 1> kMetricsKeys = {"listen"};
constexpr std::array<std::string_view, 5> kLoggingKeys = {"file", "level", "max_file_bytes", "max_files",
                                                          "stderr"};

constexpr std::array kVenues = {Venue::kLocal, Venue::kBinance, Venue::kTestnet};
constexpr std::array kKeyTypes = {KeyType::kHmac, KeyType::kEd25519};
constexpr std::array kCompressions = {Compression::kOff, Compression::kNoContext, Compression::kContext};
constexpr std::array kStreams = {Stream::kBookTicker, Stream::kDepth, Stream::kTrade, Stream::kAggTrade};
constexpr std::array kFairPrices = {FairPrice::kMid, FairPrice::kMicro};
constexpr std::array kOrphanPolicies = {OrphanPolicy::kCancel, OrphanPolicy::kAdopt};
constexpr std::array kLogLevels = {LogLevel::kTrace, LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn,
                                   LogLevel::kError};

// Ranges shared by several keys.
constexpr int64_t kMinStaleMs = 100;
constexpr int64_t kMaxStaleMs = 600000;
constexpr int64_t kMaxConfigBytes = 4 << 20;

constexpr DecimalRange kBpsRange{Decimal(0, 0), false, Decimal(10000, 0)};
constexpr DecimalRange kPositiveBpsRange{Decimal(0, 0), true, Decimal(10000, 0)};
constexpr DecimalRange kPositive{Decimal(0, 0), true, std::nullopt};
constexpr DecimalRange kNonNegative{Decimal(0, 0), false, std::nullopt};
constexpr DecimalRange kRatioRange{Decimal(0, 0), false, Decimal(1, 0)};
constexpr DecimalRange kGrowthRange{Decimal(1, 0), false, Decimal(10, 0)};

constexpr std::string_view kLoopbackHosts = "127.0.0.0/8, localhost or [::1]";

// What an optional field holds, for "got ...", or "<default> (the default)".
std::string describe_or_default(const std::optional<internal::Field>& field, std::string_view default_text) {
  return field ? internal::describe(field->node) : fmt::format("{} (the default)", default_text);
}

// Reads a required URL. `websocket` selects ws/wss over http/https. A plain scheme is
// only allowed for a loopback host; `venue` adds its own rule (local: loopback only;
// binance/testnet: TLS only) unless the venue itself was invalid (null).
void read_url(const MapReader& map, std::string_view key, bool websocket, const Venue* venue, Url* out) {
  auto field = map.require(key);
  if (!field) return;
  auto text = internal::read_string_value(*field, map.diag());
  if (!text) return;
  const std::string_view secure = websocket ? "wss" : "https";
  const std::string_view plain = websocket ? "ws" : "http";
  const std::string got = internal::describe(field->node);
  auto url = internal::parse_url(*text);
  if (!url || (url->scheme != secure && url->scheme != plain) || (!url->tls && !url->loopback)) {
    map.diag().add(field->mark, field->path,
                   fmt::format("expected a {}:// URL ({}:// only for a loopback host: {}), got {}", secure,
                               plain, kLoopbackHosts, got));
    return;
  }
  if (venue != nullptr && *venue == Venue::kLocal && !url->loopback) {
    map.diag().add(
        field->mark, field->path,
        fmt::format("venue is local, so expected a loopback host ({}), got {}", kLoopbackHosts, got));
    return;
  }
  if (venue != nullptr && *venue != Venue::kLocal && !url->tls) {
    map.diag().add(
        field->mark, field->path,
        fmt::format("venue is {}, so expected a {}:// URL, got {}", to_string(*venue), secure, got));
    return;
  }
  *out = std::move(*url);
}

// Reads an optional path that must name a readable file.
void read_readable_file(const MapReader& map, std::string_view key, std::string* out) {
  auto field = map.get(key);
  if (!field) return;
  auto text = internal::read_string_value(*field, map.diag());
  if (!text) return;
  if (text->empty()) {
    map.diag().add(field->mark, field->path, "expected a file path, got \"\"");
    return;
  }
  if (::access(text->c_str(), R_OK) != 0) {
    map.diag().add(field->mark, field->path,
                   fmt::format("cannot open {}: {}", *text, std::generic_category().message(errno)));
    return;
  }
  *out = std::move(*text);
}

void read_exchange(const MapReader& root, Config& config) {
  auto field = root.require("exchange");
  if (!field) return;
  MapReader map(*field, kExchangeKeys, root.diag());
  if (!map.is_map()) return;
  ExchangeConfig& ex = config.exchange;
  const bool venue_ok = !map.has("venue") || internal::read_enum(map, "venue", kVenues, &ex.venue);
  const Venue* venue = venue_ok ? &ex.venue : nullptr;
  read_url(map, "rest_url", false, venue, &ex.rest_url);
  read_url(map, "ws_market_url", true, venue, &ex.ws_market_url);
  read_url(map, "ws_api_url", true, venue, &ex.ws_api_url);
  read_readable_file(map, "ca_file", &ex.ca_file);
  internal::read_int(map, "recv_window_ms", int64_t{1}, int64_t{60000}, &ex.recv_window_ms);
  internal::read_int(map, "request_timeout_ms", int64_t{100}, int64_t{60000}, &ex.request_timeout_ms);
}

void read_env_name(const MapReader& map, std::string_view key, std::string* out) {
  auto field = map.get(key);
  if (!field) return;
  auto name = internal::read_string_value(*field, map.diag());
  if (!name) return;
  if (!internal::is_valid_env_name(*name)) {
    map.diag().add(field->mark, field->path,
                   fmt::format("expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*), got {}",
                               internal::describe(field->node)));
    return;
  }
  *out = std::move(*name);
}

void read_credentials(const MapReader& root, Config& config) {
  auto field = root.get("credentials");
  if (!field) {
    if (!config.dry_run) root.require("credentials", "needed unless dry_run is true");
    return;
  }
  MapReader map(*field, kCredentialsKeys, root.diag());
  if (!map.is_map()) return;
  CredentialsConfig creds;
  internal::read_enum(map, "key_type", kKeyTypes, &creds.key_type);
  read_env_name(map, "api_key_env", &creds.api_key_env);
  read_env_name(map, "api_secret_env", &creds.api_secret_env);
  if (auto file = map.get("secret_file")) {
    auto text = internal::read_string_value(*file, map.diag());
    if (text && text->empty()) {
      map.diag().add(file->mark, file->path, "expected a file path, got \"\"");
    } else if (text) {
      creds.secret_file = std::move(*text);
    }
  }
  const bool has_key_env = map.has("api_key_env");
  const bool has_secret_env = map.has("api_secret_env");
  const bool has_file = map.has("secret_file");
  if ((has_key_env || has_secret_env) && has_file) {
    map.diag().add(map.mark(), "credentials",
                   "expected either api_key_env and api_secret_env, or secret_file, got both");
  } else if (!has_key_env && !has_secret_env && !has_file) {
    map.diag().add(map.mark(), "credentials",
                   "expected either api_key_env and api_secret_env, or secret_file, got neither");
  } else if (has_key_env && !has_secret_env) {
    map.require("api_secret_env", "api_key_env is set");
  } else if (has_secret_env && !has_key_env) {
    map.require("api_key_env", "api_secret_env is set");
  }
  config.credentials = std::move(creds);
}

void read_streams(const MapReader& map, std::vector<Stream>* out) {
  auto field = map.get("streams");
  if (!field) return;
  std::array<std::string_view, kStreams.size()> names;
  for (size_t i = 0; i < kStreams.size(); ++i) names[i] = to_string(kStreams[i]);
  if (!field->node.IsSequence() || field->node.size() == 0) {
    map.diag().add(field->mark, field->path,
                   fmt::format("expected a non-empty list of stream names ({}), got {}",
                               internal::join_choices(names), internal::describe(field->node)));
    return;
  }
  std::vector<Stream> streams;
  bool ok = true;
  size_t index = 0;
  for (const auto& item : field->node) {
    const internal::Field item_field{item, item.Mark(), internal::index_path(field->path, index++)};
    auto choice = internal::read_choice_value(item_field, names, map.diag());
    if (!choice) {
      ok = false;
      continue;
    }
    const Stream stream = kStreams[*choice];
    if (std::find(streams.begin(), streams.end(), stream) != streams.end()) {
      map.diag().add(item_field.mark, item_field.path,
                     fmt::format("duplicate stream {}", internal::quote(item.Scalar())));
      ok = false;
      continue;
    }
    streams.push_back(stream);
  }
  if (ok) *out = std::move(streams);
}

void read_reconnect(const MapReader& parent, ReconnectConfig& rc) {
  auto field = parent.get("reconnect");
  if (!field) return;
  MapReader map(*field, kReconnectKeys, parent.diag());
  if (!map.is_map()) return;
  const bool initial_ok =
      !map.has("initial_backoff_ms") ||
      internal::read_int(map, "initial_backoff_ms", int64_t{10}, int64_t{60000}, &rc.initial_backoff_ms);
  const bool max_ok = !map.has("max_backoff_ms") || internal::read_int(map, "max_backoff_ms", int64_t{10},
                                                                       int64_t{3600000}, &rc.max_backoff_ms);
  if (initial_ok && max_ok && rc.max_backoff_ms < rc.initial_backoff_ms) {
    const auto max_field = map.get("max_backoff_ms");
    map.diag().add(
        max_field ? max_field->mark : map.mark(), map.path_of("max_backoff_ms"),
        fmt::format("expected an integer >= initial_backoff_ms ({}), got {}", rc.initial_backoff_ms,
                    describe_or_default(max_field, std::to_string(rc.max_backoff_ms))));
  }
  internal::read_int(map, "stable_after_ms", int64_t{0}, int64_t{3600000}, &rc.stable_after_ms);
  internal::read_int(map, "max_attempts_per_5min", 1, 300, &rc.max_attempts_per_5min);
}

void read_market_data(const MapReader& root, Config& config) {
  auto field = root.get("market_data");
  if (!field) return;
  MapReader map(*field, kMarketDataKeys, root.diag());
  if (!map.is_map()) return;
  MarketDataConfig& md = config.market_data;
  internal::read_int(map, "stale_after_ms", kMinStaleMs, kMaxStaleMs, &md.stale_after_ms);
  internal::read_decimal(map, "min_price_change_bps", kBpsRange, &md.min_price_change_bps);
  internal::read_enum(map, "compression", kCompressions, &md.compression);
  read_streams(map, &md.streams);
  if (auto depth = map.get("depth_levels")) {
    constexpr std::array<std::string_view, 4> kDepthNames = {"0", "5", "10", "20"};
    constexpr std::array<int, 4> kDepthValues = {0, 5, 10, 20};
    auto choice = internal::read_choice_value(*depth, kDepthNames, map.diag());
    if (choice) md.depth_levels = kDepthValues[*choice];
  }
  internal::read_int(map, "idle_timeout_ms", int64_t{1000}, int64_t{120000}, &md.idle_timeout_ms);
  internal::read_int(map, "summary_interval_ms", int64_t{0}, int64_t{3600000}, &md.summary_interval_ms);
  read_reconnect(map, md.reconnect);
}

void read_inventory(const MapReader& parent, InventoryConfig& inv) {
  auto field = parent.get("inventory");
  if (!field) return;
  MapReader map(*field, kInventoryKeys, parent.diag());
  if (!map.is_map()) return;
  internal::read_decimal(map, "target_base_ratio", kRatioRange, &inv.target_base_ratio);
  internal::read_decimal(map, "max_skew_bps", kBpsRange, &inv.max_skew_bps);
}

// Reads one entry of `symbols`. `max_open_orders` is risk.max_open_orders_per_symbol
// when that value is valid.
SymbolConfig read_symbol(const internal::Field& field, const Config& config,
                         std::optional<int> max_open_orders, Diagnostics& diag) {
  SymbolConfig s;
  MapReader map(field, kSymbolKeys, diag);
  if (!map.is_map()) return s;
  if (auto symbol = map.require("symbol")) {
    auto text = internal::read_string_value(*symbol, diag);
    if (text && internal::is_valid_symbol(*text)) {
      s.symbol = std::move(*text);
    } else if (text) {
      diag.add(symbol->mark, symbol->path,
               fmt::format("expected a symbol of 2 to 20 characters A-Z and 0-9 (like \"ETHUSDC\"), got {}",
                           internal::describe(symbol->node)));
    }
  }
  const bool levels_ok = !map.has("levels") || internal::read_int(map, "levels", 1, 50, &s.levels);
  if (levels_ok && max_open_orders && 2 * s.levels > *max_open_orders) {
    const auto levels = map.get("levels");
    diag.add(levels ? levels->mark : map.mark(), map.path_of("levels"),
             fmt::format("expected an integer in 1..{} (2 x levels orders must fit "
                         "risk.max_open_orders_per_symbol = {}), got {}",
                         *max_open_orders / 2, *max_open_orders,
                         describe_or_default(levels, std::to_string(s.levels))));
  }
  internal::read_enum(map, "fair_price", kFairPrices, &s.fair_price);
  internal::read_decimal(map, "half_spread_bps", kPositiveBpsRange, &s.half_spread_bps);
  internal::read_decimal(map, "level_step_bps", kBpsRange, &s.level_step_bps);
  internal::read_decimal(map, "size_base", kPositive, &s.size_base);
  internal::read_decimal(map, "size_quote", kPositive, &s.size_quote);
  const bool has_base = map.has("size_base");
  const bool has_quote = map.has("size_quote");
  if (has_base == has_quote) {
    diag.add(map.mark(), map.path(),
             fmt::format("expected exactly one of size_base or size_quote, got {}",
                         has_base ? "both" : "neither"));
  }
  internal::read_decimal(map, "size_growth", kGrowthRange, &s.size_growth);
  internal::read_decimal(map, "min_spread_bps", kBpsRange, &s.min_spread_bps);
  internal::read_decimal(map, "requote_tolerance_bps", kBpsRange, &s.requote_tolerance_bps);
  int64_t stale_ms = 0;
  if (internal::read_int(map, "stale_after_ms", kMinStaleMs, kMaxStaleMs, &stale_ms))
    s.stale_after_ms = stale_ms;
  s.effective_stale_after_ms = s.stale_after_ms.value_or(config.market_data.stale_after_ms);
  read_inventory(map, s.inventory);
  internal::read_decimal(map, "price_ceiling", kPositive, &s.price_ceiling);
  internal::read_decimal(map, "price_floor", kPositive, &s.price_floor);
  if (s.price_floor && s.price_ceiling && !(*s.price_floor < *s.price_ceiling)) {
    const auto floor = map.get("price_floor");
    diag.add(floor->mark, floor->path,
             fmt::format("expected a decimal number below price_ceiling ({}), got {}",
                         s.price_ceiling->to_string(), internal::describe(floor->node)));
  }
  internal::read_decimal(map, "max_position_base", kNonNegative, &s.max_position_base);
  return s;
}

void read_symbols(const MapReader& root, Config& config, std::optional<int> max_open_orders) {
  auto field = root.require("symbols");
  if (!field) return;
  Diagnostics& diag = root.diag();
  if (!field->node.IsSequence() || field->node.size() == 0) {
    diag.add(
        field->mark, field->path,
        fmt::format("expected a non-empty list of symbol maps, got {}", internal::describe(field->node)));
    return;
  }
  std::map<std::string, size_t> first_index;  // symbol → index of its first entry
  size_t index = 0;
  for (const auto& item : field->node) {
    const internal::Field item_field{item, item.Mark(), internal::index_path("symbols", index)};
    SymbolConfig s = read_symbol(item_field, config, max_open_orders, diag);
    if (!s.symbol.empty()) {
      auto [it, inserted] = first_index.emplace(s.symbol, index);
      if (!inserted) {
        // s.symbol is only set from a valid `symbol` scalar, so the node exists.
        const YAML::Node symbol_node = item["symbol"];
        diag.add(
            symbol_node.Mark(), internal::child_path(item_field.path, "symbol"),
            fmt::format("duplicate symbol {} (first at symbols[{}])", internal::quote(s.symbol), it->second));
      }
    }
    config.symbols.push_back(std::move(s));
    ++index;
  }
}

// Returns max_open_orders_per_symbol when it is valid (absent = the default).
std::optional<int> read_risk(const MapReader& root, Config& config) {
  RiskConfig& risk = config.risk;
  auto field = root.get("risk");
  if (!field) return risk.max_open_orders_per_symbol;
  MapReader map(*field, kRiskKeys, root.diag());
  if (!map.is_map()) return std::nullopt;
  internal::read_decimal(map, "max_order_notional_quote", kPositive, &risk.max_order_notional_quote);
  const bool open_ok =
      !map.has("max_open_orders_per_symbol") ||
      internal::read_int(map, "max_open_orders_per_symbol", 1, 200, &risk.max_open_orders_per_symbol);
  internal::read_decimal(map, "max_daily_loss_quote", kPositive, &risk.max_daily_loss_quote);
  internal::read_int(map, "max_rejects_per_minute", 1, 10000, &risk.max_rejects_per_minute);
  internal::read_decimal(map, "max_quote_exposure_per_symbol", kNonNegative,
                         &risk.max_quote_exposure_per_symbol);
  internal::read_decimal(map, "max_total_quote_exposure", kNonNegative, &risk.max_total_quote_exposure);
  internal::read_int(map, "max_orders_per_10s", 1, 100, &risk.max_orders_per_10s);
  internal::read_int(map, "max_reconcile_mismatches", 1, 1000, &risk.max_reconcile_mismatches);
  if (!open_ok) return std::nullopt;
  return risk.max_open_orders_per_symbol;
}

// Reads `orders`. Runs after instance_id was read: an absent client_id_prefix becomes the
// instance id, which must then itself be a valid prefix.
void read_orders(const MapReader& root, Config& config) {
  OrdersConfig& orders = config.orders;
  auto field = root.get("orders");
  std::optional<MapReader> map;
  if (field) {
    map.emplace(*field, kOrdersKeys, root.diag());
    if (!map->is_map()) return;
  }
  const auto prefix = map ? map->get("client_id_prefix") : std::nullopt;
  if (prefix) {
    auto text = internal::read_string_value(*prefix, root.diag());
    if (text && internal::is_valid_client_id_prefix(*text)) {
      orders.client_id_prefix = std::move(*text);
    } else if (text) {
      root.diag().add(prefix->mark, prefix->path,
                      fmt::format("expected 1 to {} characters A-Z, a-z, 0-9, '_' or '-' (it starts every "
                                  "client order id), got {}",
                                  internal::kMaxClientIdPrefixSize, internal::describe(prefix->node)));
    }
  } else if (internal::is_valid_client_id_prefix(config.instance_id)) {
    orders.client_id_prefix = config.instance_id;
  } else if (internal::is_valid_instance_id(config.instance_id)) {
    // Unreachable with today's instance_id rule (a subset of the prefix rule); kept so a
    // looser instance_id rule cannot silently yield an unusable prefix.
    root.diag().add(map ? map->mark() : root.mark(), "orders.client_id_prefix",
                    fmt::format("required key is missing (the default, instance_id {}, is not a valid "
                                "client order id prefix: expected 1 to {} characters A-Z, a-z, 0-9, '_' "
                                "or '-')",
                                internal::quote(config.instance_id), internal::kMaxClientIdPrefixSize));
  }
  if (!map) return;
  internal::read_bool(*map, "post_only", &orders.post_only);
  internal::read_bool(*map, "use_amend", &orders.use_amend);
  internal::read_bool(*map, "rest_fallback", &orders.rest_fallback);
  internal::read_enum(*map, "startup_orphans", kOrphanPolicies, &orders.startup_orphans);
  internal::read_int(*map, "shutdown_deadline_ms", int64_t{100}, int64_t{60000},
                     &orders.shutdown_deadline_ms);
  if (auto interval = map->get("reconcile_interval_ms")) {
    constexpr int64_t kMinIntervalMs = 1000;
    constexpr int64_t kMaxIntervalMs = 3600000;
    const auto value =
        interval->node.IsScalar() ? internal::parse_int(interval->node.Scalar()) : std::nullopt;
    if (value && (*value == 0 || (*value >= kMinIntervalMs && *value <= kMaxIntervalMs))) {
      orders.reconcile_interval_ms = *value;
    } else {
      root.diag().add(interval->mark, interval->path,
                      fmt::format("expected 0 (off) or an integer in {}..{}, got {}", kMinIntervalMs,
                                  kMaxIntervalMs, internal::describe(interval->node)));
    }
  }
}

void read_paper_balances(const MapReader& paper, std::vector<PaperBalance>* out) {
  auto field = paper.get("balances");
  if (!field) return;
  Diagnostics& diag = paper.diag();
  if (!field->node.IsSequence()) {
    diag.add(
        field->mark, field->path,
        fmt::format("expected a list of {{asset, amount}} maps, got {}", internal::describe(field->node)));
    return;
  }
  std::vector<PaperBalance> balances;
  std::map<std::string, size_t> first_index;  // asset → index of its first entry
  bool ok = true;
  size_t index = 0;
  for (const auto& item : field->node) {
    const internal::Field item_field{item, item.Mark(), internal::index_path(field->path, index)};
    MapReader map(item_field, kPaperBalanceKeys, diag);
    PaperBalance balance;
    bool item_ok = map.is_map();
    if (item_ok) {
      if (auto asset = map.require("asset")) {
        auto text = internal::read_string_value(*asset, diag);
        if (text && internal::is_valid_asset(*text)) {
          auto [it, inserted] = first_index.emplace(*text, index);
          if (!inserted) {
            diag.add(asset->mark, asset->path,
                     fmt::format("duplicate asset {} (first at {})", internal::quote(*text),
                                 internal::index_path(field->path, it->second)));
            item_ok = false;
          }
          balance.asset = std::move(*text);
        } else {
          if (text) {
            diag.add(
                asset->mark, asset->path,
                fmt::format("expected an asset of 1 to 16 characters A-Z and 0-9 (like \"USDC\"), got {}",
                            internal::describe(asset->node)));
          }
          item_ok = false;
        }
      } else {
        item_ok = false;
      }
      if (auto amount = map.require("amount")) {
        auto value = internal::read_decimal_value(*amount, kNonNegative, diag);
        if (value) {
          balance.amount = *value;
        } else {
          item_ok = false;
        }
      } else {
        item_ok = false;
      }
    }
    ok = ok && item_ok;
    balances.push_back(std::move(balance));
    ++index;
  }
  if (ok) *out = std::move(balances);
}

void read_paper(const MapReader& root, Config& config) {
  auto field = root.get("paper");
  if (!field) return;
  MapReader map(*field, kPaperKeys, root.diag());
  if (!map.is_map()) return;
  read_paper_balances(map, &config.paper.balances);
  internal::read_decimal(map, "maker_fee_bps", kBpsRange, &config.paper.maker_fee_bps);
}

void read_metrics(const MapReader& root, Config& config) {
  auto field = root.get("metrics");
  if (!field) return;
  MapReader map(*field, kMetricsKeys, root.diag());
  if (!map.is_map()) return;
  auto listen_field = map.get("listen");
  if (!listen_field) return;
  auto text = internal::read_string_value(*listen_field, map.diag());
  if (!text) return;
  auto listen = internal::parse_host_port(*text);
  if (!listen) {
    map.diag().add(listen_field->mark, listen_field->path,
                   fmt::format("expected HOST:PORT with a port in 0..65535 (like \"127.0.0.1:9090\" or "
                               "\"[::1]:9090\"), got {}",
                               internal::describe(listen_field->node)));
    return;
  }
  config.metrics.listen = std::move(*listen);
}

void read_logging(const MapReader& root, Config& config) {
  auto field = root.get("logging");
  if (!field) return;
  MapReader map(*field, kLoggingKeys, root.diag());
  if (!map.is_map()) return;
  LoggingConfig& log = config.logging;
  const bool file_ok = !map.has("file") || internal::read_string(map, "file", &log.file);
  internal::read_enum(map, "level", kLogLevels, &log.level);
  internal::read_int(map, "max_file_bytes", int64_t{1} << 20, int64_t{10} << 30, &log.max_file_bytes);
  internal::read_int(map, "max_files", 1, 100, &log.max_files);
  const bool stderr_ok = !map.has("stderr") || internal::read_bool(map, "stderr", &log.to_stderr);
  if (file_ok && stderr_ok && log.file.empty() && !log.to_stderr) {
    const auto to_stderr = map.get("stderr");
    map.diag().add(to_stderr ? to_stderr->mark : map.mark(), map.path_of("stderr"),
                   fmt::format("expected true when logging.file is empty (logs would go nowhere), got {}",
                               describe_or_default(to_stderr, "false")));
  }
}

void read_root(const YAML::Node& node, Config& config, Diagnostics& diag) {
  MapReader root(internal::Field{node, node.Mark(), ""}, kRootKeys, diag);
  if (!root.is_map()) return;
  if (auto id = root.get("instance_id")) {
    auto text = internal::read_string_value(*id, diag);
    if (text && internal::is_valid_instance_id(*text)) {
      config.instance_id = std::move(*text);
    } else if (text) {
      diag.add(
          id->mark, id->path,
          fmt::format("expected 1 to 8 characters A-Z, a-z or 0-9 (it prefixes client order ids), got {}",
                      internal::describe(id->node)));
    }
  }
  internal::read_bool(root, "dry_run", &config.dry_run);
  read_exchange(root, config);
  read_credentials(root, config);
  read_market_data(root, config);
  const std::optional<int> max_open_orders = read_risk(root, config);
  read_symbols(root, config, max_open_orders);
  read_orders(root, config);
  read_paper(root, config);
  read_metrics(root, config);
  read_logging(root, config);
}

std::string position(const std::string& source, const YAML::Mark& mark) {
  if (mark.is_null()) return fmt::format("{}:1:1", source);
  return fmt::format("{}:{}:{}", source, mark.line + 1, mark.column + 1);
}

}  // namespace

core::Result<Config> parse_config(std::string_view yaml_text, const std::string& source_name) {
  try {
    std::vector<YAML::Node> documents;
    try {
      documents = YAML::LoadAll(std::string(yaml_text));
    } catch (const YAML::ParserException& e) {
      return Error{ErrorCode::kParse,
                   fmt::format("{}: YAML syntax error: {}", position(source_name, e.mark), e.msg)};
    }
    Diagnostics diag(source_name);
    if (documents.empty()) {
      diag.add(YAML::Mark(), "", "expected a map of settings, got an empty document");
      return Error{ErrorCode::kInvalidArgument, diag.to_string()};
    }
    if (documents.size() > 1) {
      diag.add(
          documents[1].Mark(), "",
          fmt::format("expected one YAML document, got {} (remove the extra \"---\")", documents.size()));
    }
    Config config;
    config.source = source_name;
    internal::check_no_secret_keys(documents[0], diag);
    read_root(documents[0], config, diag);
    if (!diag.empty()) return Error{ErrorCode::kInvalidArgument, diag.to_string()};
    return config;
  } catch (const YAML::Exception& e) {
    return Error{ErrorCode::kParse, fmt::format("{}: YAML error: {}", position(source_name, e.mark), e.msg)};
  } catch (const std::exception& e) {
    return Error{ErrorCode::kInternal, fmt::format("{}: cannot load the config: {}", source_name, e.what())};
  }
}

core::Result<Config> load_config(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    const ErrorCode code = (err == ENOENT || err == ENOTDIR) ? ErrorCode::kNotFound
                           : (err == EACCES || err == EPERM) ? ErrorCode::kPermission
                                                             : ErrorCode::kInvalidArgument;
    return Error{code, fmt::format("cannot open {}: {}", path, std::generic_category().message(err))};
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error{ErrorCode::kInvalidArgument, fmt::format("cannot read {}: not a regular file", path)};
  }
  if (st.st_size > kMaxConfigBytes) {
    ::close(fd);
    return Error{ErrorCode::kInvalidArgument,
                 fmt::format("cannot read {}: larger than {} bytes", path, kMaxConfigBytes)};
  }
  std::string text;
  char buffer[8192];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return Error{ErrorCode::kInvalidArgument,
                   fmt::format("cannot read {}: {}", path, std::generic_category().message(err))};
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > static_cast<size_t>(kMaxConfigBytes)) {
      ::close(fd);
      return Error{ErrorCode::kInvalidArgument,
                   fmt::format("cannot read {}: larger than {} bytes", path, kMaxConfigBytes)};
    }
  }
  ::close(fd);
  return parse_config(text, path);
}

}  // namespace phoenix::config
