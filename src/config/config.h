#pragma once

// Phoenix configuration: YAML → immutable typed structs.
//
// load_config() reads a file, parses it with yaml-cpp, and validates every key against
// the schema documented in docs/configuration.md. Every problem is reported at once,
// one per line, in the shape
//
//   configs/x.yaml:12:7: symbols[2].levels: expected an integer in 1..50, got "seven"
//
// The returned Config is a plain value: callers keep it as `const Config&` and never
// change it after start-up. Prices, sizes and basis points are exact core::Decimal
// values (parsed from the YAML text, never through double); durations are integer
// milliseconds with `_ms` in the name. Secrets never live in the YAML file: the
// `credentials` block only names environment variables or a secret file, and
// load_credentials() resolves them.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/decimal.h"
#include "core/result.h"
#include "core/secret.h"

namespace phoenix::config {

// Which exchange the URLs point at. Informational, and used for consistency checks
// (`local` demands loopback hosts; `binance` and `testnet` demand TLS).
enum class Venue { kLocal, kBinance, kTestnet };

// How API requests are signed: HMAC-SHA256 with a shared secret, or Ed25519 with a
// private key (PEM).
enum class KeyType { kHmac, kEd25519 };

// WebSocket permessage-deflate for market streams: off, on without context takeover,
// or on with context takeover (best ratio, more memory per connection).
enum class Compression { kOff, kNoContext, kContext };

// A Binance market stream kind.
enum class Stream { kBookTicker, kDepth, kTrade, kAggTrade };

// The price the quoter centres its ladder on: plain mid, or the size-weighted
// micro-price.
enum class FairPrice { kMid, kMicro };

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError };

// The YAML spelling of each enum value ("no_context", "book_ticker", ...).
std::string_view to_string(Venue venue);
std::string_view to_string(KeyType key_type);
std::string_view to_string(Compression compression);
std::string_view to_string(Stream stream);
std::string_view to_string(FairPrice fair_price);
std::string_view to_string(LogLevel level);

// A validated absolute URL: http/https/ws/wss, a host, an optional port and a target.
// Built by the loader; a value type; any thread.
struct Url {
  std::string text;       // as written in the config
  std::string scheme;     // "http", "https", "ws" or "wss" (lower case)
  std::string host;       // host name or IP literal; IPv6 without the brackets
  uint16_t port = 0;      // the explicit port, else 80 (http/ws) or 443 (https/wss)
  std::string target;     // path and query, "/" when the URL has none
  bool tls = false;       // https or wss
  bool loopback = false;  // 127.0.0.0/8, localhost or ::1
};

// A listen address "HOST:PORT" ("127.0.0.1:9090", "[::1]:9090"). Port 0 means "pick
// a free port". A value type; any thread.
struct HostPort {
  std::string host;  // IPv6 without the brackets
  uint16_t port = 0;

  // "HOST:PORT", with brackets around an IPv6 host.
  std::string to_string() const;
};

// The section structs below are plain value types, parts of Config: owned by it and,
// like it, read-only after load (any thread may read them).

// `exchange`: where Phoenix connects.
struct ExchangeConfig {
  Venue venue = Venue::kLocal;
  Url rest_url;
  Url ws_market_url;
  Url ws_api_url;
  std::string ca_file;  // custom CA bundle (PEM); empty = the system store
  int64_t recv_window_ms = 5000;
  int64_t request_timeout_ms = 5000;
};

// `credentials`: where the API key and secret live (never the values themselves).
// Exactly one of {api_key_env + api_secret_env, secret_file} is set.
struct CredentialsConfig {
  KeyType key_type = KeyType::kHmac;
  std::string api_key_env;     // environment variable holding the API key
  std::string api_secret_env;  // environment variable holding the secret / PEM key
  std::string secret_file;     // file with api_key=... and api_secret=... lines
};

// `market_data.reconnect`: backoff for market-data WebSocket reconnects.
struct ReconnectConfig {
  int64_t initial_backoff_ms = 500;  // the first retry waits uniformly in [initial/2, initial]
  int64_t max_backoff_ms = 30000;
  int64_t stable_after_ms = 30000;  // connected this long = backoff resets
  int max_attempts_per_5min = 250;  // Binance allows 300 connects per 5 min per IP
};

// `market_data`.
struct MarketDataConfig {
  int64_t stale_after_ms = 2000;
  core::Decimal min_price_change_bps{1, 0};  // 1 bp = 0.01 %
  Compression compression = Compression::kContext;
  std::vector<Stream> streams{Stream::kBookTicker};
  int depth_levels = 0;  // 0 = diff depth synced from a snapshot; else 5, 10 or 20
  int64_t idle_timeout_ms = 10000;
  int64_t summary_interval_ms = 10000;  // one md_summary log line per symbol; 0 = off
  ReconnectConfig reconnect;
};

// `symbols[].inventory`: inventory skew.
struct InventoryConfig {
  core::Decimal target_base_ratio{5, 1};  // 0.5
  core::Decimal max_skew_bps{0, 0};       // 0 = no skew
};

// One entry of `symbols`: what to quote and how.
struct SymbolConfig {
  std::string symbol;  // "ETHUSDC"
  int levels = 7;      // orders per side
  FairPrice fair_price = FairPrice::kMid;
  core::Decimal half_spread_bps{10, 0};
  core::Decimal level_step_bps{5, 0};
  std::optional<core::Decimal> size_base;   // exactly one of size_base /
  std::optional<core::Decimal> size_quote;  // size_quote is set
  core::Decimal size_growth{1, 0};          // size multiplier per level outward
  core::Decimal min_spread_bps{0, 0};
  core::Decimal requote_tolerance_bps{2, 0};
  std::optional<int64_t> stale_after_ms;    // the override as written, if any
  int64_t effective_stale_after_ms = 2000;  // override, else market_data.stale_after_ms
  InventoryConfig inventory;
  std::optional<core::Decimal> price_ceiling;
  std::optional<core::Decimal> price_floor;
  std::optional<core::Decimal> max_position_base;  // |base position| limit, >= 0; none = no limit;
                                                   // 0 = only orders that reduce |position|
};

// `risk`. Quote amounts are in each symbol's quote asset; totals add them up (the
// shipped configs quote everything in USDC). A zero limit means "no limit" only where
// the comment says so.
struct RiskConfig {
  core::Decimal max_order_notional_quote{1000, 0};  // per order, > 0
  int max_open_orders_per_symbol = 40;              // live orders per symbol, both sides
  core::Decimal max_daily_loss_quote{
      100, 0};                      // realized + unrealized since start (or last 00:00 UTC): kill switch
  int max_rejects_per_minute = 20;  // rejects in any 60 s window: kill switch
  core::Decimal max_quote_exposure_per_symbol{0, 0};  // |position| * mid per symbol; 0 = none
  core::Decimal max_total_quote_exposure{0, 0};       // summed over symbols; 0 = none
  int max_orders_per_10s = 40;       // our own cap on order requests (below Binance's 100/10 s)
  int max_reconcile_mismatches = 5;  // corrections by reconciliation within 10 min: kill switch
};

// `orders`: order entry and the never-orphan rules.
enum class OrphanPolicy { kCancel, kAdopt };
std::string_view to_string(OrphanPolicy policy);

struct OrdersConfig {
  std::string client_id_prefix;  // [A-Za-z0-9_-], 1..12 chars; absent in YAML = instance_id
                                 // (the loader fills it in, so it is never empty after load)
  bool post_only = true;         // LIMIT_MAKER: a quote never takes
  bool use_amend = true;         // amend keep-priority when only the quantity shrinks
  bool rest_fallback = true;     // send over REST while the WebSocket API is down
  OrphanPolicy startup_orphans = OrphanPolicy::kCancel;  // our-prefix orders found at start
  int64_t shutdown_deadline_ms = 5000;                   // cancel-all and confirm at stop, bounded by this
  int64_t reconcile_interval_ms =
      60000;  // periodic open-orders check, 1000..3600000; 0 = only after reconnects
};

// `paper`: the in-process venue of dry-run mode (starting balances, fees).
struct PaperBalance {
  std::string asset;  // "USDC"
  core::Decimal amount;
};
struct PaperConfig {
  std::vector<PaperBalance> balances;  // empty = 10000 of each quote asset, 0 base
  core::Decimal maker_fee_bps{1, 0};   // 0..10000; charged in the received asset
};

// `metrics`.
struct MetricsConfig {
  HostPort listen{"127.0.0.1", 9090};
};

// `logging`.
struct LoggingConfig {
  std::string file = "logs/phoenix.out";  // empty = stderr only
  LogLevel level = LogLevel::kInfo;
  int64_t max_file_bytes = 52428800;  // 50 MiB per file before rotation
  int max_files = 5;
  bool to_stderr = true;  // YAML key `stderr`
};

// The whole configuration of one Phoenix instance, every default filled in. Built
// once at start-up by load_config(); afterwards read-only, so any thread may read it.
struct Config {
  std::string source;  // the path (or source name) it was loaded from
  std::string instance_id = "phx";
  bool dry_run = false;
  ExchangeConfig exchange;
  std::optional<CredentialsConfig> credentials;
  MarketDataConfig market_data;
  std::vector<SymbolConfig> symbols;
  RiskConfig risk;
  OrdersConfig orders;
  PaperConfig paper;
  MetricsConfig metrics;
  LoggingConfig logging;

  // The entry for `symbol`, or null.
  const SymbolConfig* find_symbol(std::string_view symbol) const;
};

// Reads, parses and validates `path`. On failure the Error (code kParse, kNotFound,
// kInvalidArgument or kPermission) has a message listing every problem, one per line,
// each "<path>:<line>:<col>: <key.path>: <what was expected>, got <what>".
core::Result<Config> load_config(const std::string& path);

// Same, from text (for tests); `source_name` is used in messages instead of a path.
core::Result<Config> parse_config(std::string_view yaml_text, const std::string& source_name);

// The API credentials, resolved. Values print as "***" (see core::Secret).
struct Credentials {
  core::Secret api_key;
  core::Secret api_secret;  // HMAC secret, or Ed25519 private key PEM
  KeyType key_type = KeyType::kHmac;
  std::string source;  // where they came from, safe to print: "env PHOENIX_API_KEY, ..."
};

// Resolves the API credentials named in config.credentials: environment variables
// (via `getenv_fn`, default ::getenv) or the secret file. A dry_run config without a
// credentials block yields empty Credentials. A secret file that is missing, group-
// or world-readable (mode & 077 != 0) or malformed is an error naming the file and
// the problem; an unset or empty environment variable is an error naming it.
core::Result<Credentials> load_credentials(const Config& config,
                                           std::function<const char*(const char*)> getenv_fn = {});

// The resolved config (all defaults filled in) as YAML text that load_config accepts
// again. Secrets are masked as "***"; environment variable names and file paths are
// shown. `credentials` may be null (not resolved).
std::string render_resolved(const Config& config, const Credentials* credentials);

}  // namespace phoenix::config
