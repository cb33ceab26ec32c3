// phoenix-exchange: a Binance-compatible exchange on loopback. Wiring only: parse flags,
// load the config, build the exchange, its market streams, synthetic market and server,
// run the event loop until SIGINT/SIGTERM.
//
//   phoenix-exchange [--config F] [--listen HOST:PORT] [--seed N] [--no-market]
//   phoenix-exchange --check-config [--config F]
//   phoenix-exchange --version | --help
//
// Prints "phoenix-exchange listening on HOST:PORT" on stdout once it accepts connections
// (the real port when --listen asked for port 0). Exit codes: 0 clean stop, 2 usage or
// configuration error, 1 runtime failure.

#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "core/clock.h"
#include "sim/exchange.h"
#include "sim/exchange_config.h"
#include "sim/market_streams.h"
#include "sim/server.h"

#include "phoenix_version.h"

namespace {

namespace sim = phoenix::sim;
namespace core = phoenix::core;

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

struct Options {
  std::string config_path = "configs/exchange.yaml";
  std::string listen;  // empty = the config's
  std::optional<int64_t> seed;
  bool no_market = false;
  bool check_config = false;
};

// "2026-11-25T09:30:01.123Z LEVEL event k=v ..." on stderr, the exchange's own log.
void log_line(std::string_view level, std::string_view event, const std::string& fields) {
  const int64_t now_us = core::RealClock::instance().wall_us();
  const std::time_t secs = static_cast<std::time_t>(now_us / 1'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::fprintf(stderr, "%s.%03dZ %.*s %.*s%s%s\n", stamp, static_cast<int>((now_us / 1000) % 1000),
               static_cast<int>(level.size()), level.data(), static_cast<int>(event.size()), event.data(),
               fields.empty() ? "" : " ", fields.c_str());
}

int run(const Options& opt) {
  auto loaded = sim::load_exchange_config(opt.config_path);
  if (!loaded.ok()) {
    std::fprintf(stderr, "phoenix-exchange: invalid configuration\n%s\n", loaded.error().message.c_str());
    return kExitUsage;
  }
  sim::ExchangeConfig cfg = std::move(*loaded);
  if (!opt.listen.empty()) {
    auto st = sim::parse_listen_address(opt.listen, &cfg.server.host, &cfg.server.port);
    if (!st.ok()) {
      std::fprintf(stderr, "phoenix-exchange: --listen %s: %s\n", opt.listen.c_str(),
                   st.error().message.c_str());
      return kExitUsage;
    }
  }
  if (opt.seed) cfg.market.seed = static_cast<uint64_t>(*opt.seed);
  if (opt.no_market) cfg.market_enabled = false;

  const core::Clock& clock = core::RealClock::instance();
  auto exchange = sim::Exchange::create(cfg.exchange, clock);
  if (!exchange.ok()) {
    std::fprintf(stderr, "phoenix-exchange: invalid configuration\n%s: %s\n", opt.config_path.c_str(),
                 exchange.error().message.c_str());
    return kExitUsage;
  }
  if (opt.check_config) {
    std::printf("%s: OK (%zu symbols, %zu accounts, listen %s:%u)\n", opt.config_path.c_str(),
                cfg.exchange.symbols.size(), cfg.exchange.accounts.size(), cfg.server.host.c_str(),
                static_cast<unsigned>(cfg.server.port));
    return kExitOk;
  }
  std::unique_ptr<sim::MarketStreams> streams = sim::MarketStreams::create(**exchange);
  std::unique_ptr<sim::MarketSimulator> market;
  if (cfg.market_enabled) {
    auto created = sim::MarketSimulator::create(cfg.market, **exchange);
    if (!created.ok()) {
      std::fprintf(stderr, "phoenix-exchange: invalid configuration\n%s: market: %s\n",
                   opt.config_path.c_str(), created.error().message.c_str());
      return kExitUsage;
    }
    market = std::move(*created);
  }

  boost::asio::io_context ioc(1);
  // Signals are caught before the "listening" line goes out, so a supervisor that stops us
  // right after it still gets a clean stop.
  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  sim::ExchangeServer* running = nullptr;
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    log_line("INFO", "exchange_stopping", "signal=" + std::to_string(signo));
    if (running != nullptr) running->stop();
  });
  auto server = sim::ExchangeServer::start(ioc, cfg.server, **exchange, *streams, market.get(), clock);
  if (!server.ok()) {
    log_line("ERROR", "listen_failed",
             "address=" + cfg.server.host + ":" + std::to_string(cfg.server.port) + " error=\"" +
                 server.error().message + "\"");
    return kExitRuntime;
  }
  running = server->get();
  const uint16_t port = (*server)->port();
  log_line("INFO", "exchange_started",
           std::string("version=") + PHOENIX_VERSION + " config=" + opt.config_path +
               " symbols=" + std::to_string(cfg.exchange.symbols.size()) +
               " accounts=" + std::to_string(cfg.exchange.accounts.size()) +
               " market=" + (market ? "on" : "off") + " seed=" + std::to_string(cfg.market.seed));
  std::printf("phoenix-exchange listening on %s:%u\n", cfg.server.host.c_str(), static_cast<unsigned>(port));
  std::fflush(stdout);

  try {
    ioc.run();
  } catch (const std::exception& e) {
    log_line("ERROR", "exchange_failed", std::string("error=\"") + e.what() + "\"");
    return kExitRuntime;
  }
  log_line("INFO", "exchange_stopped", "");
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App app{"phoenix-exchange: a Binance-compatible exchange on loopback, with a synthetic market"};
  app.add_option("--config", opt.config_path, "exchange config file")->capture_default_str();
  app.add_option("--listen", opt.listen,
                 "HOST:PORT to listen on (port 0 picks a free port); overrides the config");
  app.add_option("--seed", opt.seed, "synthetic market seed; overrides the config")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--no-market", opt.no_market, "no synthetic market: the books hold only clients' orders");
  app.add_flag("--check-config", opt.check_config, "validate the config and exit");
  app.set_version_flag("--version", std::string("phoenix-exchange ") + PHOENIX_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  try {
    return run(opt);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "phoenix-exchange: fatal: %s\n", e.what());
    return kExitRuntime;
  }
}
