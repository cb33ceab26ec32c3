#pragma once

// Binance-shaped market-data corpus for the inflate micro-benchmarks (inflate_bench.cc) and
// the end-to-end loopback benchmark (md_e2e_bench_main.cc): combined-stream bookTicker
// messages for a few symbols with random-walk prices and random quantities, and their
// permessage-deflate encodings as a server would send them (system zlib, raw deflate,
// 15 window bits, Z_SYNC_FLUSH per message, the 00 00 ff ff tail stripped, RFC 7692 7.2.1).
//
//   {"stream":"ethusdc@bookTicker","data":{"u":400900217,"s":"ETHUSDC","b":"3000.12000000",
//    "B":"31.21000000","a":"3000.13000000","A":"40.66000000"}}
//
// Deterministic (fixed seed): message i has update id kFirstUpdateId + i, so a reader can
// check that every message arrived, in order. Start-up code only (allocates freely).

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <zlib.h>

namespace phoenix::bench {

inline constexpr uint64_t kFirstUpdateId = 400'900'217;

// zlib's next_in for read-only input (next_in is non-const unless ZLIB_CONST was defined
// before every inclusion of zlib.h; zlib never writes through it).
inline Bytef* zlib_input(const void* data) { return static_cast<Bytef*>(const_cast<void*>(data)); }

struct CorpusSymbol {
  std::string_view upper;  // as payloads write it
  std::string_view lower;  // as stream names write it
  int64_t start_cents;     // initial best bid, in 0.01 units
  int weight;              // relative message rate
};

// BTCUSDT is the busiest, as on Binance. All at price/qty scale 8 (what Binance writes).
inline constexpr std::array<CorpusSymbol, 4> kCorpusSymbols{{
    {"BTCUSDT", "btcusdt", 9'712'345, 4},
    {"ETHUSDC", "ethusdc", 300'012, 3},
    {"SOLUSDT", "solusdt", 18'035, 2},
    {"BNBUSDT", "bnbusdt", 65'020, 1},
}};

// 8-decimal text of `units` (at scale 8), as Binance writes prices and quantities.
inline std::string fixed8(int64_t units) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%lld.%08lld", static_cast<long long>(units / 100'000'000),
                static_cast<long long>(units % 100'000'000));
  return buf;
}

// How many significant decimals quantities get. It decides how compressible the messages
// are, and with it how often zlib picks a dynamic-Huffman block for a message compressed on
// its own (which costs ~4x a fixed-Huffman block to inflate, see inflate_bench.cc):
//   kDense   5..8 decimals ("0.01234567"): ~74% dynamic blocks, ~20% saved without context
//            takeover, ~79% with it. The default: close to the ~20% saved and mostly dynamic
//            blocks measured on real bookTickers (websocket-client-notes.md 7).
//   kSparse  2..5 decimals ("31.21000000"): ~22% dynamic blocks, ~23% / ~82% saved.
enum class CorpusProfile { kDense, kSparse };

// `count` combined-stream bookTicker messages (about 140-150 bytes each).
inline std::vector<std::string> make_book_tickers(size_t count, CorpusProfile profile = CorpusProfile::kDense,
                                                  uint64_t seed = 42) {
  const int64_t min_decimals = profile == CorpusProfile::kDense ? 5 : 2;
  std::mt19937_64 rng(seed);
  std::array<int64_t, kCorpusSymbols.size()> bid_cents{};
  int total_weight = 0;
  for (size_t s = 0; s < kCorpusSymbols.size(); ++s) {
    bid_cents[s] = kCorpusSymbols[s].start_cents;
    total_weight += kCorpusSymbols[s].weight;
  }
  // A quantity with min_decimals .. min_decimals + 3 significant decimals, up to ~60.
  auto quantity = [&rng, min_decimals]() {
    const int64_t decimals = std::min<int64_t>(8, min_decimals + static_cast<int64_t>(rng() % 4));
    int64_t step = 100'000'000;
    for (int64_t d = 0; d < decimals; ++d) step /= 10;  // >= 1
    const int64_t max_steps = 6'000'000'000 / step;
    return (1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(max_steps))) * step;
  };
  std::vector<std::string> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    int pick = static_cast<int>(rng() % static_cast<uint64_t>(total_weight));
    size_t s = 0;
    while (pick >= kCorpusSymbols[s].weight) pick -= kCorpusSymbols[s++].weight;
    // About 40% of updates move the price by 1-3 ticks; the rest change quantities only.
    if (rng() % 10 < 4) {
      const int64_t ticks = 1 + static_cast<int64_t>(rng() % 3);
      bid_cents[s] += (rng() % 2 == 0) ? ticks : -ticks;
    }
    const int64_t spread = (rng() % 8 == 0) ? 2 : 1;
    const CorpusSymbol& sym = kCorpusSymbols[s];
    std::string m;
    m.reserve(160);
    m += R"({"stream":")";
    m += sym.lower;
    m += R"(@bookTicker","data":{"u":)";
    m += std::to_string(kFirstUpdateId + i);
    m += R"(,"s":")";
    m += sym.upper;
    m += R"(","b":")";
    m += fixed8(bid_cents[s] * 1'000'000);
    m += R"(","B":")";
    m += fixed8(quantity());
    m += R"(","a":")";
    m += fixed8((bid_cents[s] + spread) * 1'000'000);
    m += R"(","A":")";
    m += fixed8(quantity());
    m += R"("}})";
    out.push_back(std::move(m));
  }
  return out;
}

// The messages as permessage-deflate payloads (tail stripped), plus totals.
struct CompressedCorpus {
  std::vector<std::string> payloads;
  uint64_t raw_bytes = 0;
  uint64_t compressed_bytes = 0;
  // Type of the first deflate block of each payload: stored, fixed or dynamic Huffman.
  uint64_t stored_blocks = 0;
  uint64_t fixed_blocks = 0;
  uint64_t dynamic_blocks = 0;

  double ratio() const {
    return raw_bytes == 0 ? 0.0 : static_cast<double>(compressed_bytes) / static_cast<double>(raw_bytes);
  }
};

// Compresses `messages` as a permessage-deflate sender would. context_takeover = false:
// deflateReset before every message (server_no_context_takeover); true: one stream.
// zlib level 6 (Z_DEFAULT_COMPRESSION), memLevel 8, 15 window bits (Node ws, Python
// websockets and most servers use these or close to them).
inline CompressedCorpus compress_messages(const std::vector<std::string>& messages, bool context_takeover,
                                          int level = Z_DEFAULT_COMPRESSION) {
  z_stream zs{};
  if (deflateInit2_(&zs, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                    static_cast<int>(sizeof(z_stream))) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  CompressedCorpus out;
  out.payloads.reserve(messages.size());
  std::string buf;
  for (const std::string& m : messages) {
    if (!context_takeover) deflateReset(&zs);
    buf.resize(m.size() * 2 + 64);
    zs.next_in = zlib_input(m.data());
    zs.avail_in = static_cast<uInt>(m.size());
    zs.next_out = reinterpret_cast<Bytef*>(buf.data());
    zs.avail_out = static_cast<uInt>(buf.size());
    const int rc = deflate(&zs, Z_SYNC_FLUSH);
    const size_t n = buf.size() - zs.avail_out;
    if (rc != Z_OK || zs.avail_in != 0 || zs.avail_out == 0 || n < 5 ||
        buf.compare(n - 4, 4, std::string_view("\x00\x00\xff\xff", 4)) != 0) {
      deflateEnd(&zs);
      throw std::runtime_error("deflate: unexpected output");
    }
    out.payloads.emplace_back(buf.data(), n - 4);
    out.raw_bytes += m.size();
    out.compressed_bytes += n - 4;
    switch ((static_cast<unsigned char>(buf[0]) >> 1) & 3U) {
      case 0: ++out.stored_blocks; break;
      case 1: ++out.fixed_blocks; break;
      default: ++out.dynamic_blocks; break;
    }
  }
  deflateEnd(&zs);
  return out;
}

}  // namespace phoenix::bench
