#pragma once

// MarketStreams: phoenix-exchange's market-data streams, transport-free. It listens to
// the Exchange's books (MarketListener) and turns them into Binance's stream payloads:
//   <sym>@bookTicker               on every change of the best bid or ask (real time)
//   <sym>@trade, <sym>@aggTrade    on every fill (aggTrade: the fills of one taker order)
//   <sym>@depth<5|10|20>[@100ms]   partial book snapshots every 1000 ms (100 ms with @100ms)
//   <sym>@depth[@100ms]            diff depth with U/u ids matching /api/v3/depth's
//                                  lastUpdateId, every 1000 ms (100 ms with @100ms)
// Stream names use lower-case symbols, as Binance's. Subscribers (the server's WebSocket
// sessions) get each payload both raw and wrapped for combined streams, built once and
// shared by every subscriber.
//
// Threading: single-threaded, the exchange's event loop. Time: tick(now_ms) drives the
// periodic streams; the server calls it (every 10 ms or so) with the exchange clock's wall
// ms. Periodic events are due at multiples of their interval and carry E = that tick's
// now_ms; trade/aggTrade carry E = max(the latest tick's now_ms, the trade's T), so with
// ticks every 10 ms E lags the wall clock by at most 10 ms.
//
// Diff depth: an event lists every level touched since the previous one with its current
// absolute quantity ("0.00000000" = removed), U = previous u + 1, u = book_update_id now;
// no event when nothing changed. With nobody subscribed the sequence just follows the
// book, so a new subscriber's first event starts where the book is. aggTrade aggregates
// consecutive fills of one taker order at one price (Binance's rule), flushed when the
// price changes and at on_book_settled.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "sim/exchange.h"

namespace phoenix::sim {

struct StreamMessage {
  std::string_view stream;                      // "ethusdc@bookTicker"
  std::shared_ptr<const std::string> raw;       // the bare payload (for /ws/<stream>)
  std::shared_ptr<const std::string> combined;  // {"stream":"...","data":<raw>}
};

class StreamSubscriber {
 public:
  virtual ~StreamSubscriber() = default;
  virtual void on_stream_message(const StreamMessage& message) = 0;
};

// Faults a test can inject into the depth diff stream of a symbol.
enum class DepthFault : uint8_t {
  kNone,
  kDuplicate,  // send the next diff event twice
  kGap,        // drop the next diff event (the one after it has U > previous u + 1)
  kReorder,    // swap the next two diff events
};

class MarketStreams : public MarketListener {
 public:
  // `exchange` must outlive this; the constructor attaches itself as its listener.
  static std::unique_ptr<MarketStreams> create(Exchange& exchange);
  ~MarketStreams() override = default;

  // OK for a stream this exchange serves; otherwise an error whose message the server
  // can send back ("Invalid request: unknown stream 'x'").
  virtual core::Status validate(std::string_view stream) const = 0;
  // Subscribes (idempotent). The subscriber must call unsubscribe_all before it dies.
  virtual core::Status subscribe(std::string_view stream, StreamSubscriber* subscriber) = 0;
  virtual void unsubscribe(std::string_view stream, StreamSubscriber* subscriber) = 0;
  virtual void unsubscribe_all(StreamSubscriber* subscriber) = 0;
  // Streams `subscriber` is subscribed to, in subscription order (LIST_SUBSCRIPTIONS).
  virtual std::vector<std::string> subscriptions(const StreamSubscriber* subscriber) const = 0;

  // Emits the periodic streams that are due.
  virtual void tick(int64_t now_ms) = 0;

  // Faults. stall: nothing for `symbol` (empty = every symbol) is published until
  // now_ms + ms (books still change; after the stall, diff events resume with a U that
  // continues the sequence, snapshots and bookTicker show the current book).
  virtual void stall(std::string_view symbol, int64_t until_ms) = 0;
  virtual void inject_depth_fault(std::string_view symbol, DepthFault fault) = 0;

  // Prometheus samples (phoenix_exchange_stream_* : messages and bytes published per
  // stream type, subscribers, injected faults).
  virtual void append_metrics(std::string* out) const = 0;
};

// A seeded synthetic market for every symbol of the exchange: a mid-price random walk
// with volatility and jumps, background liquidity at several levels on both sides
// (re-quoted as the mid moves), and taker flow (MARKET/IOC orders of random size) that
// sweeps resting orders, the bot's included. Orders go through
// Exchange::place_internal/cancel_internal from its own account(s), funded at creation.
struct MarketSimSpec {
  uint64_t seed = 1;
  int64_t step_ms = 100;  // how often the walk moves and flow arrives
  struct Symbol {
    std::string name;                    // "ETHUSDC"
    int64_t start_price_units = 0;       // the first mid
    int64_t volatility_bps = 2;          // std-dev of one step's move, in bps of the mid
    int64_t jump_probability_ppm = 500;  // per step
    int64_t jump_bps = 50;
    int levels = 10;              // background levels per side
    int64_t level_qty_units = 0;  // size per level (0 = a sensible default from min notional)
    int64_t half_spread_ticks = 1;
    int64_t taker_rate_per_s = 5;     // mean taker orders per second (Poisson)
    int64_t taker_qty_units = 0;      // mean taker size (0 = a sensible default)
    int64_t level_spacing_ticks = 0;  // distance between background levels (0 = ~0.5 bp of the start mid)
  };
  std::vector<Symbol> symbols;
  // Each market account starts with this many times the notional (quote) and size (base)
  // of one background level in each of its symbol's assets. When an order is refused for
  // insufficient balance, the simulator opens a fresh account funded the same way.
  int64_t funding_multiple = 1'000'000;
  // A tick far in the future runs at most this many steps and then jumps to now_ms.
  int64_t max_catch_up_steps = 100;
};

class MarketSimulator {
 public:
  static core::Result<std::unique_ptr<MarketSimulator>> create(MarketSimSpec spec, Exchange& exchange);
  virtual ~MarketSimulator() = default;
  // Advances the market to now_ms (one or more steps); the first call seeds the books.
  virtual void tick(int64_t now_ms) = 0;
  virtual void append_metrics(std::string* out) const = 0;

  // Introspection (tests, admin): the simulated mid of `symbol` in price units (0 if the
  // symbol is not simulated), the simulator's resting orders over all symbols, and the
  // accounts it has opened so far (in order of creation).
  virtual int64_t mid_price_units(std::string_view symbol) const = 0;
  virtual size_t resting_orders() const = 0;
  virtual std::vector<AccountId> accounts() const = 0;
};

}  // namespace phoenix::sim
