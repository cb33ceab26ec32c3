// permessage-deflate inflate (+ decode) of Binance bookTicker messages, per message.
//
// Corpus (md_corpus.h, dense profile): 4096 combined-stream bookTicker messages (~144 B),
// compressed by system zlib as a server would, (a) without context takeover (deflateReset per message)
// and (b) with it (one stream); Z_SYNC_FLUSH per message, 00 00 ff ff tail stripped.
//
//   BM_Inflate{NoContext,Context}          system zlib inflate: tail re-appended, one
//                                          inflate(Z_SYNC_FLUSH) per message; (a) resets the
//                                          inflater per message (inflateReset)
//   BM_BeastInflate{NoContext,Context}     boost::beast::zlib::inflate_stream (Beast's own
//                                          zlib port, what WsClient runs), called exactly as
//                                          Beast's websocket read does: payload, then the
//                                          4-byte empty block, Flush::sync, then clear()
//                                          (a no-op in Boost 1.81) for (a)
//   BM_InflateDecode{NoContext,Context}    system zlib inflate + StreamDecoder::decode
//   BM_BeastInflateDecode{NoContext,Context}  Beast inflate + decode
//   BM_{,Beast}InflateNoContext{Dynamic,Fixed}Blocks  (a) restricted to the messages whose
//                                          deflate block is dynamic / fixed Huffman
//   BM_CorpusDecode                        decode alone, same messages (the subtraction base)
//   BM_CorpusDecodeBookFilter              decode + TopOfBook + MinChangeFilter (the whole
//                                          application part of the e2e path, no network)
//
// Counters: raw_B (message bytes), wire_B (compressed payload bytes, no frame header),
// ratio = wire/raw, saved_pct = 100 * (1 - ratio), dyn_pct = messages whose first deflate
// block is dynamic-Huffman (costs a Huffman table build on inflate).
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>
#include <boost/beast/zlib/inflate_stream.hpp>

#include "binance/stream_decoder.h"
#include "binance/symbol_table.h"
#include "core/decimal.h"
#include "core/market_data.h"
#include "md/min_change_filter.h"
#include "md/top_of_book.h"
#include "telemetry/metrics.h"

#include "md_corpus.h"

namespace {

using phoenix::bench::CompressedCorpus;
namespace bzlib = boost::beast::zlib;

constexpr size_t kCorpusMessages = 4096;  // a power of two: i & (N - 1) walks the corpus
constexpr size_t kPadding = 64;           // what WsClient guarantees after a payload

struct Corpus {
  std::vector<std::string> messages;
  CompressedCorpus no_context;
  CompressedCorpus context;
  // Payloads with the 00 00 ff ff tail put back, for one zlib inflate call each.
  std::vector<std::string> no_context_tailed;
  std::vector<std::string> context_tailed;
  size_t max_message = 0;
};

std::vector<std::string> with_tail(const CompressedCorpus& c) {
  std::vector<std::string> out;
  out.reserve(c.payloads.size());
  for (const std::string& p : c.payloads) out.push_back(p + std::string("\x00\x00\xff\xff", 4));
  return out;
}

const Corpus& corpus() {
  static const Corpus c = [] {
    Corpus k;
    k.messages = phoenix::bench::make_book_tickers(kCorpusMessages);
    k.no_context = phoenix::bench::compress_messages(k.messages, false);
    k.context = phoenix::bench::compress_messages(k.messages, true);
    k.no_context_tailed = with_tail(k.no_context);
    k.context_tailed = with_tail(k.context);
    for (const std::string& m : k.messages) k.max_message = std::max(k.max_message, m.size());
    return k;
  }();
  return c;
}

void set_counters(benchmark::State& state, const CompressedCorpus* c) {
  const Corpus& k = corpus();
  uint64_t raw = 0;
  for (const std::string& m : k.messages) raw += m.size();
  const auto iterations = static_cast<int64_t>(state.iterations());
  state.SetItemsProcessed(iterations);
  state.SetBytesProcessed(iterations * static_cast<int64_t>(raw / k.messages.size()));
  state.counters["raw_B"] = static_cast<double>(raw) / static_cast<double>(k.messages.size());
  if (c != nullptr) {
    const double n = static_cast<double>(c->payloads.size());
    state.counters["wire_B"] = static_cast<double>(c->compressed_bytes) / n;
    state.counters["ratio"] = c->ratio();
    state.counters["saved_pct"] = 100.0 * (1.0 - c->ratio());
    state.counters["dyn_pct"] = 100.0 * static_cast<double>(c->dynamic_blocks) / n;
  }
}

// Keeps decoded events observable; allocates nothing.
class NullSink : public phoenix::binance::MarketDataSink {
 public:
  void on_book_ticker(const phoenix::core::BookTicker& e, int64_t) override { benchmark::DoNotOptimize(e); }
  void on_depth_snapshot(const phoenix::core::DepthSnapshot& e, int64_t) override {
    benchmark::DoNotOptimize(e);
  }
  void on_depth_diff(const phoenix::core::DepthDiff& e, int64_t) override { benchmark::DoNotOptimize(e); }
  void on_trade(const phoenix::core::Trade& e, int64_t) override { benchmark::DoNotOptimize(e); }
  void on_control_reply(const phoenix::binance::ControlReply&) override {}
  void on_server_shutdown(int64_t) override {}
};

// decode + top of book + min-change filter, as md::Feed does for a bookTicker.
class BookSink : public phoenix::binance::MarketDataSink {
 public:
  BookSink() : filter_(phoenix::core::Decimal(1, 0)) {
    for (const auto& s : phoenix::bench::kCorpusSymbols) filter_.add_symbol(std::string(s.upper));
  }
  void on_book_ticker(const phoenix::core::BookTicker& e, int64_t) override {
    phoenix::md::TopOfBook& top = books_[e.symbol];
    if (top.apply(e) == phoenix::md::TopOfBook::ApplyResult::kOlder) {  // the corpus wrapped
      top.reset();
      top.apply(e);
    }
    if (filter_.on_update(e.symbol, top.bid_price(), top.ask_price())) ++forwarded_;
  }
  void on_depth_snapshot(const phoenix::core::DepthSnapshot&, int64_t) override {}
  void on_depth_diff(const phoenix::core::DepthDiff&, int64_t) override {}
  void on_trade(const phoenix::core::Trade&, int64_t) override {}
  void on_control_reply(const phoenix::binance::ControlReply&) override {}
  void on_server_shutdown(int64_t) override {}
  uint64_t forwarded() const { return forwarded_; }

 private:
  std::array<phoenix::md::TopOfBook, phoenix::bench::kCorpusSymbols.size()> books_{};
  phoenix::md::MinChangeFilter filter_;
  uint64_t forwarded_ = 0;
};

phoenix::binance::SymbolTable make_symbols() {
  phoenix::binance::SymbolTable t;
  for (const auto& s : phoenix::bench::kCorpusSymbols) static_cast<void>(t.add(s.upper, {8, 8}));
  return t;
}

// System zlib raw inflater. Output goes to a buffer with kPadding readable bytes after the
// largest message (zeroed after each message, as WsClient does).
class ZlibInflater {
 public:
  ZlibInflater() : out_(corpus().max_message + 1024 + kPadding) {
    if (inflateInit2_(&zs_, -15, ZLIB_VERSION, static_cast<int>(sizeof(z_stream))) != Z_OK) ok_ = false;
  }
  ~ZlibInflater() { inflateEnd(&zs_); }
  ZlibInflater(const ZlibInflater&) = delete;
  ZlibInflater& operator=(const ZlibInflater&) = delete;

  void reset() { inflateReset(&zs_); }
  // Inflates one tailed payload; returns the output length (0 on error).
  size_t inflate_one(const std::string& tailed) {
    zs_.next_in = phoenix::bench::zlib_input(tailed.data());
    zs_.avail_in = static_cast<uInt>(tailed.size());
    zs_.next_out = reinterpret_cast<Bytef*>(out_.data());
    const auto space = static_cast<uInt>(out_.size() - kPadding);
    zs_.avail_out = space;
    const int rc = ::inflate(&zs_, Z_SYNC_FLUSH);
    if (rc != Z_OK || zs_.avail_in != 0) return 0;
    const size_t n = space - zs_.avail_out;
    std::memset(out_.data() + n, 0, kPadding);
    return n;
  }
  const char* data() const { return out_.data(); }
  size_t capacity() const { return out_.size(); }
  bool ok() const { return ok_; }

 private:
  z_stream zs_{};
  std::vector<char> out_;
  bool ok_ = true;
};

// Beast's inflater driven the way websocket::stream's read_some_op drives it.
class BeastInflater {
 public:
  BeastInflater() : out_(corpus().max_message + 1024 + kPadding) { zi_.reset(15); }

  void reset() { zi_.reset(15); }
  // Inflates one payload (tail not included); returns the output length (0 on error).
  // no_context: clear() after the message, as Beast's do_context_takeover_read does for
  // server_no_context_takeover (inflate_stream::clear() is empty in Boost 1.81).
  size_t inflate_one(const std::string& payload, bool no_context) {
    static constexpr std::array<uint8_t, 4> kEmptyBlock{0x00, 0x00, 0xff, 0xff};
    boost::beast::error_code ec;
    const size_t space = out_.size() - kPadding;
    bzlib::z_params zs;
    zs.next_in = payload.data();
    zs.avail_in = payload.size();
    zs.next_out = out_.data();
    zs.avail_out = space;
    zi_.write(zs, bzlib::Flush::sync, ec);
    if (ec || zs.avail_in != 0) return 0;
    const size_t n = zs.total_out;
    bzlib::z_params tail;
    tail.next_in = kEmptyBlock.data();
    tail.avail_in = kEmptyBlock.size();
    tail.next_out = out_.data() + n;
    tail.avail_out = space - n;
    zi_.write(tail, bzlib::Flush::sync, ec);
    if (ec || tail.total_out != 0) return 0;
    if (no_context) zi_.clear();
    std::memset(out_.data() + n, 0, kPadding);
    return n;
  }
  const char* data() const { return out_.data(); }
  size_t capacity() const { return out_.size(); }

 private:
  bzlib::inflate_stream zi_;
  std::vector<char> out_;
};

template <bool kContext, bool kDecode>
void run_zlib(benchmark::State& state) {
  const Corpus& k = corpus();
  const std::vector<std::string>& in = kContext ? k.context_tailed : k.no_context_tailed;
  ZlibInflater inflater;
  const auto symbols = make_symbols();
  NullSink sink;
  phoenix::telemetry::Registry registry;
  phoenix::binance::StreamDecoder decoder(symbols, sink, registry);
  size_t i = 0;
  for (auto _ : state) {
    if (!kContext || i == 0) inflater.reset();  // (b): the corpus restarts, so must the stream
    const size_t n = inflater.inflate_one(in[i]);
    if (n == 0) {
      state.SkipWithError("inflate failed");
      break;
    }
    if constexpr (kDecode) {
      const auto r = decoder.decode(std::string_view(inflater.data(), n), inflater.capacity(), 0);
      benchmark::DoNotOptimize(r);
    } else {
      benchmark::DoNotOptimize(inflater.data());
    }
    i = (i + 1) & (kCorpusMessages - 1);
  }
  set_counters(state, kContext ? &k.context : &k.no_context);
}

template <bool kContext, bool kDecode>
void run_beast(benchmark::State& state) {
  const Corpus& k = corpus();
  const std::vector<std::string>& in = kContext ? k.context.payloads : k.no_context.payloads;
  BeastInflater inflater;
  const auto symbols = make_symbols();
  NullSink sink;
  phoenix::telemetry::Registry registry;
  phoenix::binance::StreamDecoder decoder(symbols, sink, registry);
  size_t i = 0;
  for (auto _ : state) {
    if (kContext && i == 0) inflater.reset();
    const size_t n = inflater.inflate_one(in[i], !kContext);
    if (n == 0) {
      state.SkipWithError("inflate failed");
      break;
    }
    if constexpr (kDecode) {
      const auto r = decoder.decode(std::string_view(inflater.data(), n), inflater.capacity(), 0);
      benchmark::DoNotOptimize(r);
    } else {
      benchmark::DoNotOptimize(inflater.data());
    }
    i = (i + 1) & (kCorpusMessages - 1);
  }
  set_counters(state, kContext ? &k.context : &k.no_context);
}

// One untimed pass over the corpus, driving the inflater exactly as the benchmarks do:
// every payload must inflate back to its message.
bool verify_zlib(const std::vector<std::string>& in, bool context) {
  ZlibInflater z;
  for (size_t i = 0; i < in.size(); ++i) {
    if (!context || i == 0) z.reset();
    const size_t n = z.inflate_one(in[i]);
    if (std::string_view(z.data(), n) != corpus().messages[i]) return false;
  }
  return z.ok();
}

bool verify_beast(const std::vector<std::string>& in, bool context) {
  BeastInflater b;
  for (size_t i = 0; i < in.size(); ++i) {
    const size_t n = b.inflate_one(in[i], !context);
    if (std::string_view(b.data(), n) != corpus().messages[i]) return false;
  }
  return true;
}

void BM_InflateVerify(benchmark::State& state) {
  const Corpus& k = corpus();
  const bool ok = verify_zlib(k.no_context_tailed, false) && verify_zlib(k.context_tailed, true) &&
                  verify_beast(k.no_context.payloads, false) && verify_beast(k.context.payloads, true);
  for (auto _ : state) benchmark::DoNotOptimize(ok);
  if (!ok) state.SkipWithError("a compressed corpus does not inflate back to its messages");
}
BENCHMARK(BM_InflateVerify)->Iterations(1);

void BM_InflateNoContext(benchmark::State& state) { run_zlib<false, false>(state); }
void BM_InflateContext(benchmark::State& state) { run_zlib<true, false>(state); }
void BM_BeastInflateNoContext(benchmark::State& state) { run_beast<false, false>(state); }
void BM_BeastInflateContext(benchmark::State& state) { run_beast<true, false>(state); }
void BM_InflateDecodeNoContext(benchmark::State& state) { run_zlib<false, true>(state); }
void BM_InflateDecodeContext(benchmark::State& state) { run_zlib<true, true>(state); }
void BM_BeastInflateDecodeNoContext(benchmark::State& state) { run_beast<false, true>(state); }
void BM_BeastInflateDecodeContext(benchmark::State& state) { run_beast<true, true>(state); }
BENCHMARK(BM_InflateNoContext);
BENCHMARK(BM_InflateContext);
BENCHMARK(BM_BeastInflateNoContext);
BENCHMARK(BM_BeastInflateContext);
BENCHMARK(BM_InflateDecodeNoContext);
BENCHMARK(BM_InflateDecodeContext);
BENCHMARK(BM_BeastInflateDecodeNoContext);
BENCHMARK(BM_BeastInflateDecodeContext);

// No context takeover, split by the type of each message's first deflate block: a
// dynamic-Huffman block makes the inflater build its code tables (the per-message cost
// that dominates tiny messages); a fixed-Huffman block uses the built-in tables. How often
// a server's deflate picks dynamic blocks depends on the data (dyn_pct above), so these
// two give the cost for any mix.
std::vector<size_t> no_context_indices(unsigned block_type) {
  std::vector<size_t> out;
  const auto& payloads = corpus().no_context.payloads;
  for (size_t i = 0; i < payloads.size(); ++i) {
    if (((static_cast<unsigned char>(payloads[i][0]) >> 1) & 3U) == block_type) out.push_back(i);
  }
  return out;
}

template <bool kBeast>
void run_block_type(benchmark::State& state, unsigned block_type) {
  const Corpus& k = corpus();
  const std::vector<size_t> indices = no_context_indices(block_type);
  if (indices.empty()) {
    state.SkipWithError("no message of this block type in the corpus");
    return;
  }
  ZlibInflater z;
  BeastInflater b;
  uint64_t raw = 0;
  uint64_t wire = 0;
  for (size_t i : indices) {
    raw += k.messages[i].size();
    wire += k.no_context.payloads[i].size();
  }
  size_t j = 0;
  for (auto _ : state) {
    const size_t i = indices[j];
    size_t n = 0;
    if constexpr (kBeast) {
      n = b.inflate_one(k.no_context.payloads[i], true);
      benchmark::DoNotOptimize(b.data());
    } else {
      z.reset();
      n = z.inflate_one(k.no_context_tailed[i]);
      benchmark::DoNotOptimize(z.data());
    }
    if (n == 0) {
      state.SkipWithError("inflate failed");
      break;
    }
    if (++j == indices.size()) j = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["raw_B"] = static_cast<double>(raw) / static_cast<double>(indices.size());
  state.counters["wire_B"] = static_cast<double>(wire) / static_cast<double>(indices.size());
  state.counters["share_pct"] =
      100.0 * static_cast<double>(indices.size()) / static_cast<double>(k.messages.size());
}

void BM_InflateNoContextDynamicBlocks(benchmark::State& state) { run_block_type<false>(state, 2); }
void BM_InflateNoContextFixedBlocks(benchmark::State& state) { run_block_type<false>(state, 1); }
void BM_BeastInflateNoContextDynamicBlocks(benchmark::State& state) { run_block_type<true>(state, 2); }
void BM_BeastInflateNoContextFixedBlocks(benchmark::State& state) { run_block_type<true>(state, 1); }
BENCHMARK(BM_InflateNoContextDynamicBlocks);
BENCHMARK(BM_InflateNoContextFixedBlocks);
BENCHMARK(BM_BeastInflateNoContextDynamicBlocks);
BENCHMARK(BM_BeastInflateNoContextFixedBlocks);

// The same messages, uncompressed, each in a padded buffer (as WsClient delivers them).
std::vector<std::string> padded_messages() {
  std::vector<std::string> out;
  for (const std::string& m : corpus().messages) out.push_back(m + std::string(kPadding, '\0'));
  return out;
}

template <class Sink>
void run_decode(benchmark::State& state) {
  const std::vector<std::string> msgs = padded_messages();
  const auto symbols = make_symbols();
  Sink sink;
  phoenix::telemetry::Registry registry;
  phoenix::binance::StreamDecoder decoder(symbols, sink, registry);
  size_t i = 0;
  for (auto _ : state) {
    const std::string& m = msgs[i];
    const auto r = decoder.decode(std::string_view(m.data(), m.size() - kPadding), m.size(), 0);
    benchmark::DoNotOptimize(r);
    i = (i + 1) & (kCorpusMessages - 1);
  }
  set_counters(state, nullptr);
}

void BM_CorpusDecode(benchmark::State& state) { run_decode<NullSink>(state); }
void BM_CorpusDecodeBookFilter(benchmark::State& state) { run_decode<BookSink>(state); }
BENCHMARK(BM_CorpusDecode);
BENCHMARK(BM_CorpusDecodeBookFilter);

}  // namespace
