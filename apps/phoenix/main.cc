// phoenix: the market maker's command line. Wiring only: parse flags, load the config,
// set up logging and metrics, build the engine (market data, quoter, risk, orders), run
// the event loop until SIGINT/SIGTERM, then let the engine cancel every order.
//
//   phoenix --config F [--dry-run] [--log-level L]     run
//   phoenix check-config --config F                    validate and print, secrets masked
//   phoenix --version | --help
//
// Exit codes: 0 clean stop, 2 usage or configuration error, 1 runtime failure (including
// a stop that could not confirm every order cancelled before orders.shutdown_deadline_ms).

#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "binance/stream_decoder.h"
#include "config/config.h"
#include "core/clock.h"
#include "engine/engine.h"
#include "telemetry/log.h"
#include "telemetry/metrics.h"
#include "telemetry/metrics_server.h"
#include "telemetry/process_metrics.h"

#include "phoenix_version.h"

namespace {

namespace config = phoenix::config;
namespace core = phoenix::core;
namespace telemetry = phoenix::telemetry;
using telemetry::LogLevel;

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;
constexpr int64_t kCloseDeadlineMs = 3000;  // clean WebSocket closes at shutdown

struct Options {
  std::string config_path;
  bool dry_run = false;
  std::string log_level;  // empty = the config's
};

int print_error(std::string_view what, std::string_view detail) {
  std::fprintf(stderr, "phoenix: %.*s\n%.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(detail.size()), detail.data());
  return kExitUsage;
}

// Loads and validates the config; on failure prints every problem and returns null.
std::optional<config::Config> load_or_report(const std::string& path) {
  auto loaded = config::load_config(path);
  if (!loaded) {
    print_error("invalid config " + path + ":", loaded.error().message);
    return std::nullopt;
  }
  return std::move(loaded).value();
}

int check_config(const std::string& path) {
  auto cfg = load_or_report(path);
  if (!cfg) return kExitUsage;
  auto creds = config::load_credentials(*cfg);
  std::fputs(config::render_resolved(*cfg, creds ? &*creds : nullptr).c_str(), stdout);
  if (!creds) {
    print_error("credentials:", creds.error().message);
    return kExitUsage;
  }
  std::fprintf(stdout, "# %s: OK\n", path.c_str());
  return kExitOk;
}

const char* signal_name(int sig) {
  switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    default: return "signal";
  }
}

// Exposes the logger's own counters (lines per level, suppressed, dropped).
void register_log_metrics(telemetry::Registry& registry) {
  registry.add_collector([](telemetry::SampleSink& sink) {
    const telemetry::LogStats stats = telemetry::log_stats();
    static constexpr std::pair<LogLevel, const char*> kLevels[] = {
        {LogLevel::kTrace, "trace"}, {LogLevel::kDebug, "debug"}, {LogLevel::kInfo, "info"},
        {LogLevel::kWarn, "warn"},   {LogLevel::kError, "error"}, {LogLevel::kCritical, "critical"}};
    for (const auto& [level, name] : kLevels) {
      sink.counter("phoenix_log_lines_total", "Log lines written, by level",
                   static_cast<double>(stats.lines[static_cast<size_t>(level)]), {{"level", name}});
    }
    sink.counter("phoenix_log_suppressed_total", "Log lines suppressed by burst throttling",
                 static_cast<double>(stats.suppressed));
    sink.counter("phoenix_log_dropped_total", "Log lines dropped because the async queue was full",
                 static_cast<double>(stats.dropped));
  });
}

int run(const Options& opts) {
  auto loaded = load_or_report(opts.config_path);
  if (!loaded) return kExitUsage;
  config::Config cfg = std::move(*loaded);
  if (opts.dry_run) cfg.dry_run = true;
  const config::Config& config = cfg;

  LogLevel level = *telemetry::parse_log_level(config::to_string(config.logging.level));
  if (!opts.log_level.empty()) level = *telemetry::parse_log_level(opts.log_level);

  config::Credentials credentials;
  if (!config.dry_run) {
    auto creds = config::load_credentials(config);
    if (!creds) return print_error("refusing to start: credentials:", creds.error().message);
    credentials = std::move(creds).value();
  }

  telemetry::LogOptions log_options;
  log_options.file = config.logging.file;
  log_options.level = level;
  log_options.max_file_bytes = static_cast<uint64_t>(config.logging.max_file_bytes);
  log_options.max_files = static_cast<size_t>(config.logging.max_files);
  log_options.to_stderr = config.logging.to_stderr;
  if (auto st = telemetry::init_logging(log_options); !st) {
    std::fprintf(stderr, "phoenix: cannot set up logging: %s\n", st.error().message.c_str());
    return kExitRuntime;
  }
  telemetry::register_secret(credentials.api_key.reveal());
  telemetry::register_secret(credentials.api_secret.reveal());

  const core::Clock& clock = core::RealClock::instance();
  const int64_t start_ns = clock.monotonic_ns();
  telemetry::log_event(LogLevel::kInfo, "phoenix_starting", "version", PHOENIX_VERSION, "config",
                       config.source, "instance_id", config.instance_id, "dry_run", config.dry_run, "symbols",
                       static_cast<int64_t>(config.symbols.size()));

  telemetry::Registry registry;
  telemetry::register_process_metrics(registry);
  telemetry::register_build_info(registry, PHOENIX_VERSION);
  register_log_metrics(registry);
  registry.gauge("phoenix_config_symbols", "Symbols in the loaded config")
      .set(static_cast<double>(config.symbols.size()));
  registry.gauge("phoenix_dry_run", "1 in dry-run (paper) mode: no order reaches the exchange")
      .set(config.dry_run ? 1.0 : 0.0);

  telemetry::MetricsServer server(registry);
  const std::string listen = config.metrics.listen.to_string();
  if (auto st = server.start(listen); !st) {
    telemetry::log_event(LogLevel::kCritical, "metrics_listen_failed", "addr", listen, "error",
                         st.error().message);
    telemetry::shutdown_logging();
    std::fprintf(stderr, "phoenix: cannot serve metrics on %s: %s\n", listen.c_str(),
                 st.error().message.c_str());
    return kExitRuntime;
  }
  config::HostPort bound = config.metrics.listen;
  bound.port = server.port();
  telemetry::log_event(LogLevel::kInfo, "metrics_listening", "addr", bound.to_string());

  const auto kernels = phoenix::binance::simdjson_kernels();
  telemetry::log_event(LogLevel::kInfo, "json_kernel", "on_demand", kernels.on_demand, "stage1",
                       kernels.stage1, "cpu_supported", phoenix::binance::cpu_supports_simdjson_kernel());

  boost::asio::io_context ioc(1);
  auto engine = phoenix::engine::Engine::create(ioc, clock, config, credentials, registry);
  if (!engine) {
    telemetry::log_event(LogLevel::kCritical, "engine_setup_failed", "error", engine.error().message);
    server.stop();
    telemetry::shutdown_logging();
    std::fprintf(stderr, "phoenix: cannot set up: %s\n", engine.error().message.c_str());
    return kExitRuntime;
  }

  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  int stop_signal = 0;
  bool stop_requested = false;
  bool stop_done = false;
  bool orders_clear = true;
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    stop_signal = sig;
    stop_requested = true;
    telemetry::log_event(LogLevel::kInfo, "phoenix_stopping", "signal", signal_name(stop_signal));
    (*engine)->stop([&](bool ok) {
      orders_clear = ok;
      stop_done = true;
    });
  });

  (*engine)->start();
  telemetry::log_event(LogLevel::kInfo, "phoenix_ready", "mode", config.dry_run ? "paper" : "live", "dry_run",
                       config.dry_run);
  // Run until a signal arrives and the engine has cancelled every order (it bounds that by
  // orders.shutdown_deadline_ms), then a little longer (bounded) so connections close cleanly.
  while (!stop_done && !ioc.stopped()) ioc.run_one();
  const int64_t close_deadline_ns = clock.monotonic_ns() + kCloseDeadlineMs * 1'000'000;
  while (!(*engine)->closed() && clock.monotonic_ns() < close_deadline_ns) {
    ioc.run_one_for(std::chrono::milliseconds(50));
  }
  if (!(*engine)->closed()) {
    telemetry::log_event(LogLevel::kWarn, "close_timeout", "deadline_ms",
                         std::chrono::milliseconds(kCloseDeadlineMs));
  }
  engine->reset();
  (void)stop_requested;
  server.stop();
  const int64_t uptime_ms = (clock.monotonic_ns() - start_ns) / 1'000'000;
  // Orders left open at the exchange are a failure the operator must see (exit 1).
  const int exit_code = orders_clear ? kExitOk : kExitRuntime;
  telemetry::log_event(exit_code == kExitOk ? LogLevel::kInfo : LogLevel::kCritical, "phoenix_stopped",
                       "signal", signal_name(stop_signal), "exit_code", static_cast<int64_t>(exit_code),
                       "orders_clear", orders_clear, "uptime_ms", uptime_ms);
  telemetry::shutdown_logging();
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed socket is an error code, never a process kill
  CLI::App app{"Phoenix: a market maker for Binance Spot", "phoenix"};
  app.set_version_flag("--version", std::string("phoenix ") + PHOENIX_VERSION);
  app.footer(
      "Exit codes: 0 clean stop (SIGINT/SIGTERM included), 2 usage or config error, 1 runtime failure.");

  Options opts;
  app.add_option("--config", opts.config_path, "YAML config file (see docs/configuration.md)");
  app.add_flag("--dry-run", opts.dry_run,
               "Paper trading: no orders reach the exchange; no credentials needed");
  app.add_option("--log-level", opts.log_level, "Override logging.level")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));

  std::string check_path;
  CLI::App* check =
      app.add_subcommand("check-config", "Validate a config and print it resolved, secrets masked");
  check->add_option("--config", check_path, "YAML config file")->required();
  app.require_subcommand(0, 1);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }

  try {
    if (check->parsed()) return check_config(check_path);
    if (opts.config_path.empty()) {
      std::fprintf(stderr, "phoenix: --config is required (see phoenix --help)\n");
      return kExitUsage;
    }
    return run(opts);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "phoenix: fatal: %s\n", e.what());
    telemetry::shutdown_logging();
    return kExitRuntime;
  }
}
