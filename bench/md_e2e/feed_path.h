#pragma once

// The feed path after the transport, as md::Feed runs it for a bookTicker (minus the stale
// detector): binance::StreamDecoder -> md::TopOfBook -> md::MinChangeFilter, plus the
// measurement (latency array, sequence check, CPU and time marks).

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "binance/stream_decoder.h"
#include "core/decimal.h"
#include "core/market_data.h"
#include "md/min_change_filter.h"
#include "md/top_of_book.h"
#include "telemetry/metrics.h"

#include "common.h"

namespace phoenix::bench::e2e {

namespace md = phoenix::md;
namespace telemetry = phoenix::telemetry;

class FeedPath final : public binance::MarketDataSink {
 public:
  FeedPath(uint64_t messages, size_t corpus, const binance::SymbolTable& symbols,
           telemetry::Registry& registry)
      : messages_(messages),
        corpus_(corpus),
        latencies_(messages),
        decoder_(symbols, *this, registry),
        filter_(phoenix::core::Decimal(1, 0), &registry) {
    for (const auto& s : pb::kCorpusSymbols) filter_.add_symbol(std::string(s.upper));
  }

  // The connection is open: the measured span starts.
  void start() {
    open_ns_ = RealClock::instance().monotonic_ns();
    cpu_open_ns_ = thread_cpu_ns();
    sys_open_ns_ = thread_sys_ns();
  }

  // One message, as the transport hands it over (`capacity` readable bytes at its start).
  // True when it was the last expected one.
  bool on_message(std::string_view payload, size_t capacity, int64_t recv_ns) {
    const binance::DecodeResult r = decoder_.decode(payload, capacity, recv_ns);
    const int64_t done = RealClock::instance().monotonic_ns();
    if (!r.ok()) ++decode_errors_;
    if (count_ < messages_) {
      latencies_[count_] = static_cast<uint32_t>(std::clamp<int64_t>(done - recv_ns, 0, UINT32_MAX));
    }
    if (++count_ != messages_) return false;
    last_done_ns_ = done;
    cpu_last_ns_ = thread_cpu_ns();
    sys_last_ns_ = thread_sys_ns();
    return true;
  }

  // --- MarketDataSink (what md::Feed::on_book_ticker does, minus the stale detector)
  void on_book_ticker(const phoenix::core::BookTicker& e, int64_t /*recv_ns*/) override {
    if (e.update_id != pb::kFirstUpdateId + count_ % corpus_) ++sequence_errors_;
    md::TopOfBook& top = books_[e.symbol];
    if (top.apply(e) == md::TopOfBook::ApplyResult::kOlder) {  // the server's corpus wrapped
      top.reset();
      top.apply(e);
      ++book_wraps_;
    }
    if (filter_.on_update(e.symbol, top.bid_price(), top.ask_price())) ++forwarded_;
  }
  void on_depth_snapshot(const phoenix::core::DepthSnapshot&, int64_t) override { ++unexpected_; }
  void on_depth_diff(const phoenix::core::DepthDiff&, int64_t) override { ++unexpected_; }
  void on_trade(const phoenix::core::Trade&, int64_t) override { ++unexpected_; }
  void on_control_reply(const binance::ControlReply&) override { ++unexpected_; }
  void on_server_shutdown(int64_t) override { ++unexpected_; }

  // Sorts the latency array in place (no copy, so the peak RSS holds it once).
  RunResult result(uint64_t wire_bytes, uint64_t inflated_bytes, std::string_view extensions,
                   std::string_view close_error) {
    RunResult r;
    r.messages = count_;
    r.decode_errors = decode_errors_ + unexpected_;
    r.sequence_errors = sequence_errors_;
    r.forwarded = forwarded_;
    r.book_wraps = book_wraps_;
    r.wire_bytes = wire_bytes;
    r.inflated_bytes = inflated_bytes;
    const size_t n = std::min(extensions.size(), sizeof r.extensions - 1);
    std::memcpy(r.extensions, extensions.data(), n);
    if (count_ != messages_) {
      set_error(r, "received " + std::to_string(count_) + " of " + std::to_string(messages_) +
                       " messages; close: " + std::string(close_error));
      return r;
    }
    if (decode_errors_ + unexpected_ + sequence_errors_ != 0) {
      set_error(r, "decode or sequence errors");
      return r;
    }
    r.ok = 1;
    r.elapsed_ns = last_done_ns_ - open_ns_;
    r.cpu_ns = cpu_last_ns_ - cpu_open_ns_;
    r.sys_ns = sys_last_ns_ - sys_open_ns_;
    std::vector<uint32_t>& sorted = latencies_;
    std::sort(sorted.begin(), sorted.end());
    auto pct = [&sorted](double q) {
      const auto i = static_cast<size_t>(q * static_cast<double>(sorted.size() - 1));
      return static_cast<double>(sorted[i]) / 1000.0;
    };
    r.p50_us = pct(0.5);
    r.p99_us = pct(0.99);
    r.p999_us = pct(0.999);
    r.max_us = static_cast<double>(sorted.back()) / 1000.0;
    return r;
  }

 private:
  uint64_t messages_;
  size_t corpus_;
  std::vector<uint32_t> latencies_;  // preallocated: nanoseconds per message
  binance::StreamDecoder decoder_;
  md::MinChangeFilter filter_;
  std::array<md::TopOfBook, pb::kCorpusSymbols.size()> books_{};
  uint64_t count_ = 0;
  uint64_t decode_errors_ = 0;
  uint64_t unexpected_ = 0;
  uint64_t sequence_errors_ = 0;
  uint64_t forwarded_ = 0;
  uint64_t book_wraps_ = 0;
  int64_t open_ns_ = 0;
  int64_t cpu_open_ns_ = 0;
  int64_t sys_open_ns_ = 0;
  int64_t last_done_ns_ = 0;
  int64_t cpu_last_ns_ = 0;
  int64_t sys_last_ns_ = 0;
};

}  // namespace phoenix::bench::e2e
