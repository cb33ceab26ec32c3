// MarketStreams implementation: topics (one per subscribed stream name), per-symbol
// state for the real-time streams (bookTicker, trade, aggTrade) and for the periodic ones
// (partial depth snapshots, diff depth with U/u ids), fan-out of shared payloads.
//
// Time. Real-time events (trade, aggTrade) carry E = max(time of the latest tick, the
// trade's T); periodic events carry E = the tick's now_ms. Periodic streams are due at
// multiples of their interval (1000 or 100 ms) of the tick clock.
//
// Diff depth. Every on_level_changed (side, price) goes into a per-interval set; when an
// event is due and the set is not empty, the event lists each touched price with its
// current aggregated quantity (0 = gone) read from the engine's book, U = previous u + 1
// and u = the symbol's book update id now. While nobody listens to a diff stream, its
// sequence simply follows the book (the next subscriber starts from a fresh U).

#include "sim/market_streams.h"

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>

#include "sim/stream_payloads.h"

namespace phoenix::sim {
namespace {

enum class Kind : uint8_t { kBookTicker, kTrade, kAggTrade, kPartialDepth, kDiffDepth };
constexpr size_t kKindCount = 5;
constexpr std::array<std::string_view, kKindCount> kKindLabels = {"bookTicker", "trade", "aggTrade", "depth",
                                                                  "depthUpdate"};
// Interval 0 is the 1000 ms variant, 1 the 100 ms one.
constexpr std::array<int64_t, 2> kIntervalMs = {1000, 100};
constexpr std::array<int, 3> kPartialLevels = {5, 10, 20};
constexpr size_t kMaxStreamNameBytes = 96;
constexpr size_t kCompactTouchedAt = 4096;

enum FaultKind : size_t { kFaultStall, kFaultDuplicate, kFaultGap, kFaultReorder, kFaultCount };
constexpr std::array<std::string_view, kFaultCount> kFaultLabels = {"stall", "duplicate", "gap", "reorder"};

struct ParsedStream {
  size_t symbol = 0;
  Kind kind = Kind::kBookTicker;
  int depth_levels = 0;  // kPartialDepth: 5, 10 or 20
  int interval = 0;      // index into kIntervalMs (periodic streams)
};

struct Topic {
  std::string name;
  ParsedStream parsed;
  std::vector<StreamSubscriber*> subscribers;  // null entries are removed after a dispatch
  bool has_holes = false;

  bool live() const {
    for (const StreamSubscriber* s : subscribers)
      if (s != nullptr) return true;
    return false;
  }
};

struct DiffState {
  std::vector<std::pair<Side, int64_t>> touched;
  uint64_t last_u = 0;  // u of the previous event (published or dropped)
  DepthFault fault = DepthFault::kNone;
  std::shared_ptr<const std::string> held;  // kReorder: published after the next event
};

struct PendingAgg {
  bool active = false;
  OrderId taker_order_id = 0;
  AggTrade agg;
};

struct Top {
  bool known = false;
  BookLevel bid;
  BookLevel ask;
  bool same_as(const Top& o) const {
    return known == o.known && bid.price_units == o.bid.price_units && bid.qty_units == o.bid.qty_units &&
           ask.price_units == o.ask.price_units && ask.qty_units == o.ask.qty_units;
  }
};

struct SymbolState {
  std::string name;   // "ETHUSDC"
  std::string lower;  // "ethusdc"
  PayloadScales scales;
  std::vector<Topic*> topics;
  int64_t stall_until_ms = 0;
  bool stalled = false;  // as of the latest tick or stall() call
  std::array<int64_t, 2> next_due_ms = {0, 0};
  std::array<DiffState, 2> diff;
  PendingAgg agg;
  int64_t next_agg_id = 1;
  Top last_top;
};

void compact(std::vector<std::pair<Side, int64_t>>* touched) {
  std::sort(touched->begin(), touched->end());
  touched->erase(std::unique(touched->begin(), touched->end()), touched->end());
}

std::string sanitized(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 64)) {
    const bool printable = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
    out.push_back(printable ? c : '?');
  }
  if (text.size() > 64) out.append("...");
  return out;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

class MarketStreamsImpl final : public MarketStreams {
 public:
  explicit MarketStreamsImpl(Exchange& exchange) : exchange_(exchange) {
    for (const ExchangeSymbolSpec& spec : exchange.symbols()) {
      auto state = std::make_unique<SymbolState>();
      state->name = spec.engine.name;
      state->lower = spec.engine.name;
      for (char& c : state->lower)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      state->scales = PayloadScales{spec.engine.price_scale, spec.engine.qty_scale};
      const uint64_t id = exchange.book_update_id(state->name);
      for (DiffState& d : state->diff) d.last_u = id;
      by_name_.emplace(state->name, symbols_.size());
      by_lower_.emplace(state->lower, symbols_.size());
      symbols_.push_back(std::move(state));
    }
    exchange_.set_market_listener(this);
  }

  ~MarketStreamsImpl() override { exchange_.set_market_listener(nullptr); }

  // ---- MarketListener

  void on_trade(const TradePrint& trade) override {
    SymbolState* s = find(trade.symbol);
    if (s == nullptr || s->stalled) return;
    const int64_t event_ms = std::max(now_ms_, trade.time_ms);
    if (has_subscribers(*s, Kind::kTrade, 0, 0)) {
      auto raw = std::make_shared<const std::string>(trade_json(s->name, event_ms, trade, s->scales));
      publish_to(*s, Kind::kTrade, 0, 0, raw);
    }
    PendingAgg& p = s->agg;
    if (p.active &&
        (p.taker_order_id != trade.taker_order_id || p.agg.price_units != trade.price_units ||
         p.agg.last_trade_id + 1 != trade.trade_id || p.agg.buyer_is_maker != trade.buyer_is_maker)) {
      flush_agg(*s);
    }
    if (!p.active) {
      p.active = true;
      p.taker_order_id = trade.taker_order_id;
      p.agg = AggTrade{
          0, trade.price_units, 0, trade.trade_id, trade.trade_id, trade.time_ms, trade.buyer_is_maker};
    }
    p.agg.qty_units += trade.qty_units;
    p.agg.last_trade_id = trade.trade_id;
  }

  void on_level_changed(std::string_view symbol, Side side, int64_t price_units) override {
    SymbolState* s = find(symbol);
    if (s == nullptr) return;
    for (DiffState& d : s->diff) {
      d.touched.emplace_back(side, price_units);
      // Without ticks the list would only grow: keep it to distinct levels.
      if (d.touched.size() >= kCompactTouchedAt && d.touched.size() % kCompactTouchedAt == 0)
        compact(&d.touched);
    }
  }

  void on_book_settled(std::string_view symbol, uint64_t update_id) override {
    SymbolState* s = find(symbol);
    if (s == nullptr) return;
    flush_agg(*s);
    if (!s->stalled) publish_book_ticker(*s, update_id);
  }

  // ---- Subscriptions

  core::Status validate(std::string_view stream) const override {
    if (!parse(stream)) {
      return core::Error{core::ErrorCode::kInvalidArgument,
                         "Invalid request: unknown stream '" + sanitized(stream) + "'"};
    }
    return {};
  }

  core::Status subscribe(std::string_view stream, StreamSubscriber* subscriber) override {
    if (subscriber == nullptr) return core::Error{core::ErrorCode::kInvalidArgument, "null subscriber"};
    auto parsed = parse(stream);
    if (!parsed) return validate(stream);
    auto it = topics_.find(stream);
    if (it == topics_.end()) {
      auto topic = std::make_unique<Topic>();
      topic->name = std::string(stream);
      topic->parsed = *parsed;
      symbols_[parsed->symbol]->topics.push_back(topic.get());
      it = topics_.emplace(topic->name, std::move(topic)).first;
    }
    Topic& topic = *it->second;
    if (std::find(topic.subscribers.begin(), topic.subscribers.end(), subscriber) !=
        topic.subscribers.end()) {
      return {};
    }
    topic.subscribers.push_back(subscriber);
    streams_of_[subscriber].push_back(topic.name);
    if (parsed->kind == Kind::kBookTicker) symbols_[parsed->symbol]->last_top.known = false;
    return {};
  }

  void unsubscribe(std::string_view stream, StreamSubscriber* subscriber) override {
    auto it = topics_.find(stream);
    if (it == topics_.end()) return;
    Topic& topic = *it->second;
    auto sub = std::find(topic.subscribers.begin(), topic.subscribers.end(), subscriber);
    if (sub == topic.subscribers.end()) return;
    if (dispatching_ > 0) {
      *sub = nullptr;  // the dispatch loop is indexing this vector
      topic.has_holes = true;
      holes_ = true;
    } else {
      topic.subscribers.erase(sub);
    }
    auto list = streams_of_.find(subscriber);
    if (list != streams_of_.end()) {
      std::erase(list->second, topic.name);
      if (list->second.empty()) streams_of_.erase(list);
    }
  }

  void unsubscribe_all(StreamSubscriber* subscriber) override {
    auto list = streams_of_.find(subscriber);
    if (list == streams_of_.end()) return;
    const std::vector<std::string> names = list->second;
    for (const std::string& name : names) unsubscribe(name, subscriber);
  }

  std::vector<std::string> subscriptions(const StreamSubscriber* subscriber) const override {
    auto it = streams_of_.find(subscriber);
    return it == streams_of_.end() ? std::vector<std::string>{} : it->second;
  }

  // ---- Time

  void tick(int64_t now_ms) override {
    now_ms_ = now_ms;
    for (auto& sp : symbols_) {
      SymbolState& s = *sp;
      const bool stalled = now_ms < s.stall_until_ms;
      if (s.stalled && !stalled) {
        s.stalled = false;
        publish_book_ticker(s, exchange_.book_update_id(s.name));
      }
      s.stalled = stalled;
      for (size_t iv = 0; iv < kIntervalMs.size(); ++iv) {
        if (now_ms < s.next_due_ms[iv]) continue;
        s.next_due_ms[iv] = (now_ms / kIntervalMs[iv] + 1) * kIntervalMs[iv];
        if (stalled) continue;
        publish_partials(s, static_cast<int>(iv));
        publish_diff(s, static_cast<int>(iv));
      }
    }
  }

  // ---- Faults

  void stall(std::string_view symbol, int64_t until_ms) override {
    ++faults_[kFaultStall];
    for (auto& sp : symbols_) {
      if (!symbol.empty() && !equals_ignore_case(symbol, sp->name)) continue;
      sp->stall_until_ms = until_ms;
      if (now_ms_ < until_ms) {
        sp->stalled = true;
        sp->agg.active = false;  // a pending aggregate is dropped with the rest
      }
    }
  }

  void inject_depth_fault(std::string_view symbol, DepthFault fault) override {
    if (fault == DepthFault::kNone) return;
    const FaultKind kind = fault == DepthFault::kDuplicate ? kFaultDuplicate
                           : fault == DepthFault::kGap     ? kFaultGap
                                                           : kFaultReorder;
    ++faults_[kind];
    for (auto& sp : symbols_) {
      if (!symbol.empty() && !equals_ignore_case(symbol, sp->name)) continue;
      for (DiffState& d : sp->diff) d.fault = fault;
    }
  }

  // ---- Metrics

  void append_metrics(std::string* out) const override {
    out->append(
        "# HELP phoenix_exchange_stream_messages_total Market-stream messages delivered to subscribers, by "
        "stream "
        "type.\n# TYPE phoenix_exchange_stream_messages_total counter\n");
    for (size_t k = 0; k < kKindCount; ++k) {
      out->append("phoenix_exchange_stream_messages_total{type=\"")
          .append(kKindLabels[k])
          .append("\"} ")
          .append(std::to_string(messages_[k]))
          .push_back('\n');
    }
    out->append(
        "# HELP phoenix_exchange_stream_bytes_total Bytes of raw market-stream payloads delivered to "
        "subscribers, by "
        "stream type.\n# TYPE phoenix_exchange_stream_bytes_total counter\n");
    for (size_t k = 0; k < kKindCount; ++k) {
      out->append("phoenix_exchange_stream_bytes_total{type=\"")
          .append(kKindLabels[k])
          .append("\"} ")
          .append(std::to_string(bytes_[k]))
          .push_back('\n');
    }
    size_t subscriptions = 0;
    for (const auto& [sub, names] : streams_of_) subscriptions += names.size();
    out->append(
        "# HELP phoenix_exchange_stream_subscribers Subscribers with at least one market stream.\n"
        "# TYPE phoenix_exchange_stream_subscribers gauge\nphoenix_exchange_stream_subscribers ");
    out->append(std::to_string(streams_of_.size())).push_back('\n');
    out->append(
        "# HELP phoenix_exchange_stream_subscriptions Market-stream subscriptions (stream, subscriber "
        "pairs).\n"
        "# TYPE phoenix_exchange_stream_subscriptions gauge\nphoenix_exchange_stream_subscriptions ");
    out->append(std::to_string(subscriptions)).push_back('\n');
    out->append(
        "# HELP phoenix_exchange_stream_faults_total Market-stream faults injected, by kind.\n"
        "# TYPE phoenix_exchange_stream_faults_total counter\n");
    for (size_t f = 0; f < kFaultCount; ++f) {
      out->append("phoenix_exchange_stream_faults_total{fault=\"")
          .append(kFaultLabels[f])
          .append("\"} ")
          .append(std::to_string(faults_[f]))
          .push_back('\n');
    }
  }

 private:
  SymbolState* find(std::string_view symbol) {
    if (last_found_ != nullptr && last_found_->name == symbol) return last_found_;
    auto it = by_name_.find(symbol);
    if (it == by_name_.end()) return nullptr;
    last_found_ = symbols_[it->second].get();
    return last_found_;
  }

  std::optional<ParsedStream> parse(std::string_view stream) const {
    if (stream.empty() || stream.size() > kMaxStreamNameBytes) return std::nullopt;
    const size_t at = stream.find('@');
    if (at == std::string_view::npos || at == 0) return std::nullopt;
    auto sym = by_lower_.find(stream.substr(0, at));
    if (sym == by_lower_.end()) return std::nullopt;
    ParsedStream p;
    p.symbol = sym->second;
    std::string_view rest = stream.substr(at + 1);
    if (rest == "bookTicker" || rest == "trade" || rest == "aggTrade") {
      p.kind = rest == "bookTicker" ? Kind::kBookTicker : rest == "trade" ? Kind::kTrade : Kind::kAggTrade;
      return p;
    }
    if (!rest.starts_with("depth")) return std::nullopt;
    rest.remove_prefix(5);
    p.kind = Kind::kDiffDepth;
    for (int levels : kPartialLevels) {
      const std::string digits = std::to_string(levels);
      if (rest.starts_with(digits)) {
        p.kind = Kind::kPartialDepth;
        p.depth_levels = levels;
        rest.remove_prefix(digits.size());
        break;
      }
    }
    if (rest.empty() || rest == "@1000ms") {
      p.interval = 0;
    } else if (rest == "@100ms") {
      p.interval = 1;
    } else {
      return std::nullopt;
    }
    return p;
  }

  bool matches(const Topic& t, Kind kind, int interval, int levels) const {
    if (t.parsed.kind != kind) return false;
    if (kind == Kind::kPartialDepth) return t.parsed.interval == interval && t.parsed.depth_levels == levels;
    if (kind == Kind::kDiffDepth) return t.parsed.interval == interval;
    return true;
  }

  bool has_subscribers(const SymbolState& s, Kind kind, int interval, int levels) const {
    for (const Topic* t : s.topics)
      if (matches(*t, kind, interval, levels) && t->live()) return true;
    return false;
  }

  // Delivers `raw` to every subscriber of the symbol's topics of this kind.
  void publish_to(SymbolState& s, Kind kind, int interval, int levels,
                  const std::shared_ptr<const std::string>& raw) {
    for (Topic* t : s.topics) {
      if (!matches(*t, kind, interval, levels) || !t->live()) continue;
      auto combined = std::make_shared<const std::string>(combined_json(t->name, *raw));
      const StreamMessage message{t->name, raw, combined};
      ++dispatching_;
      for (size_t i = 0; i < t->subscribers.size(); ++i) {
        StreamSubscriber* sub = t->subscribers[i];
        if (sub == nullptr) continue;
        ++messages_[static_cast<size_t>(kind)];
        bytes_[static_cast<size_t>(kind)] += raw->size();
        sub->on_stream_message(message);
      }
      --dispatching_;
    }
    if (dispatching_ == 0 && holes_) {
      holes_ = false;
      for (auto& [name, topic] : topics_) {
        if (!topic->has_holes) continue;
        std::erase(topic->subscribers, nullptr);
        topic->has_holes = false;
      }
    }
  }

  void flush_agg(SymbolState& s) {
    if (!s.agg.active) return;
    s.agg.active = false;
    s.agg.agg.agg_id = s.next_agg_id++;
    if (s.stalled || !has_subscribers(s, Kind::kAggTrade, 0, 0)) return;
    const int64_t event_ms = std::max(now_ms_, s.agg.agg.time_ms);
    auto raw = std::make_shared<const std::string>(agg_trade_json(s.name, event_ms, s.agg.agg, s.scales));
    publish_to(s, Kind::kAggTrade, 0, 0, raw);
  }

  void publish_book_ticker(SymbolState& s, uint64_t update_id) {
    if (!has_subscribers(s, Kind::kBookTicker, 0, 0)) {
      s.last_top.known = false;
      return;
    }
    Top top;
    top.known = true;
    auto bids = exchange_.levels(s.name, Side::kBuy, 1);
    auto asks = exchange_.levels(s.name, Side::kSell, 1);
    if (!bids.empty()) top.bid = bids.front();
    if (!asks.empty()) top.ask = asks.front();
    if (top.same_as(s.last_top)) return;
    s.last_top = top;
    auto raw =
        std::make_shared<const std::string>(book_ticker_json(s.name, update_id, top.bid, top.ask, s.scales));
    publish_to(s, Kind::kBookTicker, 0, 0, raw);
  }

  void publish_partials(SymbolState& s, int interval) {
    for (int levels : kPartialLevels) {
      if (!has_subscribers(s, Kind::kPartialDepth, interval, levels)) continue;
      const uint64_t id = exchange_.book_update_id(s.name);
      auto bids = exchange_.levels(s.name, Side::kBuy, static_cast<size_t>(levels));
      auto asks = exchange_.levels(s.name, Side::kSell, static_cast<size_t>(levels));
      auto raw = std::make_shared<const std::string>(partial_depth_json(id, bids, asks, s.scales));
      publish_to(s, Kind::kPartialDepth, interval, levels, raw);
    }
  }

  // Current aggregated quantities at `prices` (sorted best first) on one side.
  std::vector<BookLevel> quantities_at(const SymbolState& s, Side side,
                                       const std::vector<int64_t>& prices) const {
    std::vector<BookLevel> out;
    out.reserve(prices.size());
    for (int64_t p : prices) out.push_back({p, 0});
    const OrderBook* book = exchange_.engine().book(s.name);
    if (book == nullptr || prices.empty()) return out;
    const bool bids = side == Side::kBuy;
    size_t i = 0;
    book->visit(side, [&](const Order& o) {
      // Skip touched prices better than this order's (they have no orders).
      while (i < out.size() &&
             (bids ? out[i].price_units > o.price_units : out[i].price_units < o.price_units))
        ++i;
      if (i == out.size()) return false;
      if (out[i].price_units == o.price_units) out[i].qty_units += o.remaining_qty_units();
      return true;
    });
    return out;
  }

  void publish_diff(SymbolState& s, int interval) {
    DiffState& d = s.diff[static_cast<size_t>(interval)];
    const uint64_t now_id = exchange_.book_update_id(s.name);
    if (!has_subscribers(s, Kind::kDiffDepth, interval, 0)) {
      d.touched.clear();
      d.last_u = now_id;
      d.held.reset();
      return;
    }
    std::shared_ptr<const std::string> raw;
    if (!d.touched.empty() && now_id > d.last_u) {
      std::vector<int64_t> bid_prices;
      std::vector<int64_t> ask_prices;
      for (const auto& [side, price] : d.touched)
        (side == Side::kBuy ? bid_prices : ask_prices).push_back(price);
      std::sort(bid_prices.begin(), bid_prices.end(), std::greater<>());
      bid_prices.erase(std::unique(bid_prices.begin(), bid_prices.end()), bid_prices.end());
      std::sort(ask_prices.begin(), ask_prices.end());
      ask_prices.erase(std::unique(ask_prices.begin(), ask_prices.end()), ask_prices.end());
      const auto bids = quantities_at(s, Side::kBuy, bid_prices);
      const auto asks = quantities_at(s, Side::kSell, ask_prices);
      raw = std::make_shared<const std::string>(
          depth_update_json(s.name, now_ms_, d.last_u + 1, now_id, bids, asks, s.scales));
      d.last_u = now_id;
    }
    d.touched.clear();
    if (raw == nullptr) {
      if (d.held != nullptr) publish_to(s, Kind::kDiffDepth, interval, 0, std::exchange(d.held, nullptr));
      return;
    }
    const DepthFault fault = std::exchange(d.fault, DepthFault::kNone);
    switch (fault) {
      case DepthFault::kDuplicate:
        publish_to(s, Kind::kDiffDepth, interval, 0, raw);
        publish_to(s, Kind::kDiffDepth, interval, 0, raw);
        break;
      case DepthFault::kGap: break;  // dropped: the next event's U skips over it
      case DepthFault::kReorder:
        if (d.held != nullptr) publish_to(s, Kind::kDiffDepth, interval, 0, std::exchange(d.held, nullptr));
        d.held = raw;
        break;
      case DepthFault::kNone:
        publish_to(s, Kind::kDiffDepth, interval, 0, raw);
        if (d.held != nullptr) publish_to(s, Kind::kDiffDepth, interval, 0, std::exchange(d.held, nullptr));
        break;
    }
  }

  Exchange& exchange_;
  std::vector<std::unique_ptr<SymbolState>> symbols_;
  std::map<std::string, size_t, std::less<>> by_name_;
  std::map<std::string, size_t, std::less<>> by_lower_;
  SymbolState* last_found_ = nullptr;
  std::map<std::string, std::unique_ptr<Topic>, std::less<>> topics_;
  std::unordered_map<const StreamSubscriber*, std::vector<std::string>> streams_of_;
  int dispatching_ = 0;
  bool holes_ = false;
  int64_t now_ms_ = 0;
  std::array<uint64_t, kKindCount> messages_{};
  std::array<uint64_t, kKindCount> bytes_{};
  std::array<uint64_t, kFaultCount> faults_{};
};

}  // namespace

std::unique_ptr<MarketStreams> MarketStreams::create(Exchange& exchange) {
  return std::make_unique<MarketStreamsImpl>(exchange);
}

}  // namespace phoenix::sim
