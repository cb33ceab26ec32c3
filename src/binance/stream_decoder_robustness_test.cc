// StreamDecoder on bad input (every error reason, counted once, the feed goes on), error
// log pacing, parser reuse without allocation, and a seeded mutation loop.
#include <atomic>
#include <cstdlib>
#include <new>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "binance/stream_decoder.h"
#include "binance/test_util.h"
#include "core/testing/alloc_counter.h"
#include "telemetry/log.h"

namespace phoenix::binance {
namespace {

using testing::decode_padded;
using testing::error_count;

class StreamDecoderErrorTest : public ::testing::Test {
 protected:
  SymbolTable symbols_ = testing::doc_symbols();
  testing::RecordingSink sink_;
  telemetry::Registry registry_;
  StreamDecoder decoder_{symbols_, sink_, registry_, testing::max_bytes_options(64 << 10)};
};

struct BadCase {
  const char* name;
  std::string payload;
  DecodeError expected;
};

std::string book_ticker_with(std::string_view fields) {
  return std::string(R"({"stream":"bnbusdt@bookTicker","data":{)") + std::string(fields) + "}}";
}

std::vector<BadCase> bad_cases() {
  return {
      {"kline stream", R"({"stream":"bnbusdt@kline_1m","data":{"e":"kline"}})", DecodeError::kUnknownStream},
      {"ticker array", R"({"stream":"!miniTicker@arr","data":[]})", DecodeError::kUnknownStream},
      {"raw unknown event", R"({"e":"24hrTicker","E":1,"s":"BNBUSDT"})", DecodeError::kUnknownStream},
      {"no stream, unknown fields", R"({"hello":"world"})", DecodeError::kUnknownStream},
      {"symbol not configured",
       book_ticker_with(R"("u":1,"s":"XRPUSDT","b":"1.0","B":"1.0","a":"1.1","A":"1.0")"),
       DecodeError::kUnknownSymbol},
      {"partial depth of unknown symbol",
       R"({"stream":"xrpusdt@depth5","data":{"lastUpdateId":1,"bids":[],"asks":[]}})",
       DecodeError::kUnknownSymbol},
      {"no ask qty", book_ticker_with(R"("u":1,"s":"BNBUSDT","b":"1.0","B":"1.0","a":"1.1")"),
       DecodeError::kMissingField},
      {"no data", R"({"stream":"bnbusdt@bookTicker"})", DecodeError::kMissingField},
      {"diff without U",
       R"({"stream":"bnbbtc@depth","data":{"e":"depthUpdate","E":1,"s":"BNBBTC","u":2,"b":[],"a":[]}})",
       DecodeError::kMissingField},
      {"price as number", book_ticker_with(R"("u":1,"s":"BNBUSDT","b":25.35,"B":"1.0","a":"1.1","A":"1.0")"),
       DecodeError::kWrongType},
      {"update id as string",
       book_ticker_with(R"("u":"1","s":"BNBUSDT","b":"1.0","B":"1.0","a":"1.1","A":"1.0")"),
       DecodeError::kWrongType},
      {"negative update id",
       book_ticker_with(R"("u":-1,"s":"BNBUSDT","b":"1.0","B":"1.0","a":"1.1","A":"1.0")"),
       DecodeError::kWrongType},
      {"maker flag as string",
       R"({"stream":"bnbbtc@trade","data":{"e":"trade","E":1,"s":"BNBBTC","t":1,"p":"1","q":"1","T":1,"m":"yes"}})",
       DecodeError::kWrongType},
      {"stream not a string", R"({"stream":5,"data":{}})", DecodeError::kWrongType},
      {"exponent", book_ticker_with(R"("u":1,"s":"BNBUSDT","b":"1e-8","B":"1.0","a":"1.1","A":"1.0")"),
       DecodeError::kBadDecimal},
      {"too many decimals at scale 2",
       R"({"stream":"ethusdc@bookTicker","data":{"u":1,"s":"ETHUSDC","b":"2412.571","B":"1","a":"2412.58","A":"1"}})",
       DecodeError::kBadDecimal},
      {"overflow",
       book_ticker_with(R"("u":1,"s":"BNBUSDT","b":"99999999999999.0","B":"1.0","a":"1.1","A":"1.0")"),
       DecodeError::kBadDecimal},
      {"negative qty", book_ticker_with(R"("u":1,"s":"BNBUSDT","b":"1.0","B":"-1.0","a":"1.1","A":"1.0")"),
       DecodeError::kBadDecimal},
      {"empty price", book_ticker_with(R"("u":1,"s":"BNBUSDT","b":"","B":"1.0","a":"1.1","A":"1.0")"),
       DecodeError::kBadDecimal},
      {"not json", "hello", DecodeError::kBadJson},
      {"truncated", R"({"stream":"bnbusdt@bookTicker","data":{"u":400900217,"s":"BNBUSDT","b":"25.35)",
       DecodeError::kBadJson},
      {"truncated after a value", R"({"stream":"bnbusdt@bookTicker","data":{"u":400900217,"s":"BNBUSDT")",
       DecodeError::kBadJson},
      {"missing comma", R"({"stream":"bnbusdt@bookTicker" "data":{}})", DecodeError::kBadJson},
      {"junk after a price",
       book_ticker_with(R"("u":1,"s":"BNBUSDT","b":"1.0"x,"B":"1.0","a":"1.1","A":"1.0")"),
       DecodeError::kBadJson},
      {"empty", "", DecodeError::kEmpty},
      {"whitespace only", " \r\n\t ", DecodeError::kEmpty},
      {"top-level array", R"([{"stream":"bnbusdt@bookTicker"}])", DecodeError::kUnexpectedShape},
      {"top-level number", "42", DecodeError::kUnexpectedShape},
      {"level of three",
       R"({"stream":"bnbbtc@depth5","data":{"lastUpdateId":1,"bids":[["1","2","3"]],"asks":[]}})",
       DecodeError::kUnexpectedShape},
      {"level of one", R"({"stream":"bnbbtc@depth5","data":{"lastUpdateId":1,"bids":[["1"]],"asks":[]}})",
       DecodeError::kUnexpectedShape},
      {"bigger than max_message_bytes", std::string(70 << 10, ' '), DecodeError::kTooLarge},
  };
}

TEST_F(StreamDecoderErrorTest, EveryReasonIsCountedOnceAndTheFeedGoesOn) {
  int64_t now_ns = 0;
  for (const BadCase& c : bad_cases()) {
    SCOPED_TRACE(c.name);
    std::array<uint64_t, kDecodeErrorCount> before{};
    for (size_t i = 0; i < kDecodeErrorCount; ++i)
      before[i] = error_count(registry_, static_cast<DecodeError>(i));
    const size_t events_before = sink_.events();

    const DecodeResult r = decode_padded(decoder_, c.payload, now_ns += 1000);
    ASSERT_FALSE(r.ok()) << "decoded as " << to_string(r.kind());
    EXPECT_EQ(r.error(), c.expected) << "got " << to_string(r.error());
    EXPECT_EQ(sink_.events(), events_before) << "a failed message delivered an event";
    for (size_t i = 0; i < kDecodeErrorCount; ++i) {
      const auto reason = static_cast<DecodeError>(i);
      EXPECT_EQ(error_count(registry_, reason), before[i] + (reason == c.expected ? 1 : 0))
          << to_string(reason);
    }

    // The next message decodes as if nothing happened.
    const DecodeResult next = decode_padded(decoder_, testing::kCombinedBookTicker, now_ns += 1000);
    ASSERT_TRUE(next.ok()) << to_string(next.error());
    ASSERT_FALSE(sink_.tickers.empty());
    EXPECT_EQ(sink_.tickers.back().update_id, 400900217u);
  }
}

TEST_F(StreamDecoderErrorTest, EveryReasonHasAStableLabel) {
  for (size_t i = 0; i < kDecodeErrorCount; ++i) {
    EXPECT_NE(to_string(static_cast<DecodeError>(i)), "unknown");
  }
  EXPECT_EQ(to_string(DecodeError::kUnexpectedShape), "unexpected_shape");
  EXPECT_EQ(to_string(DecodeError::kBadDecimal), "bad_decimal");
}

uint64_t warn_lines_emitted() {
  const telemetry::LogStats s = telemetry::log_stats();
  return s.lines[static_cast<size_t>(telemetry::LogLevel::kWarn)] + s.suppressed;
}

TEST_F(StreamDecoderErrorTest, LogsTheFirstErrorOfEachReasonPerSecond) {
  const int64_t t0 = 5'000'000'000;
  uint64_t lines = warn_lines_emitted();
  ASSERT_FALSE(decode_padded(decoder_, "hello", t0).ok());
  EXPECT_EQ(warn_lines_emitted(), lines + 1);
  lines = warn_lines_emitted();
  for (int i = 1; i <= 100; ++i) ASSERT_FALSE(decode_padded(decoder_, "hello", t0 + i * 1'000'000).ok());
  EXPECT_EQ(warn_lines_emitted(), lines) << "same reason within a second: not logged";
  ASSERT_FALSE(decode_padded(decoder_, "", t0 + 2'000'000).ok());
  EXPECT_EQ(warn_lines_emitted(), lines + 1) << "another reason has its own window";
  lines = warn_lines_emitted();
  ASSERT_FALSE(decode_padded(decoder_, "hello", t0 + 1'000'000'000).ok());
  EXPECT_EQ(warn_lines_emitted(), lines + 1) << "a second later: logged again (with skipped=100)";
  EXPECT_EQ(error_count(registry_, DecodeError::kBadJson), 102u);
}

TEST(StreamDecoderReuseTest, TenThousandMessagesWithoutGrowthOrAllocation) {
  const SymbolTable symbols = testing::doc_symbols();
  testing::CountingSink sink;
  telemetry::Registry registry;
  StreamDecoder decoder(symbols, sink, registry);

  std::string depth20 = R"({"stream":"bnbbtc@depth20@100ms","data":{"lastUpdateId":160,"bids":[)";
  for (int side = 0; side < 2; ++side) {
    for (int i = 0; i < 20; ++i) {
      if (i > 0) depth20 += ',';
      depth20 +=
          testing::cat("[\"0.00", std::to_string(2400 - i), "\",\"", std::to_string(10 + i), ".00000000\"]");
    }
    depth20 += side == 0 ? R"(],"asks":[)" : "]}}";
  }
  const std::vector<testing::Padded> messages = {
      testing::Padded(testing::kCombinedBookTicker), testing::Padded(depth20),
      testing::Padded(testing::kCombinedDepthDiff),  testing::Padded(testing::kCombinedTrade),
      testing::Padded(testing::kCombinedAggTrade),   testing::Padded(testing::kRawBookTicker),
  };
  for (const auto& m : messages) ASSERT_TRUE(decoder.decode(m.view(), m.capacity(), 0).ok());  // warm-up

  const size_t capacity = decoder.parser_capacity();
  const uint64_t allocations = phoenix::testing::allocation_count();
  bool all_ok = true;
  for (int i = 0; i < 10'000; ++i) {
    const auto& m = messages[static_cast<size_t>(i) % messages.size()];
    all_ok = decoder.decode(m.view(), m.capacity(), i).ok() && all_ok;
  }
  const uint64_t allocated = phoenix::testing::allocation_count() - allocations;
  EXPECT_TRUE(all_ok);
  EXPECT_EQ(allocated, 0u) << "operator new calls during 10k decodes";
  EXPECT_EQ(decoder.parser_capacity(), capacity);
  EXPECT_EQ(decoder.padding_copies(), 0u);
  EXPECT_EQ(sink.count, 10'000u + messages.size());
}

// Truncations, byte flips, insertions and deletions of valid messages: each decode returns
// a value or an error, never crashes (run under ASan/UBSan), and the decoder keeps working.
TEST(StreamDecoderFuzzTest, MutatedMessagesNeverCrash) {
  const SymbolTable symbols = testing::doc_symbols();
  testing::RecordingSink sink;
  telemetry::Registry registry;
  StreamDecoder decoder(symbols, sink, registry, testing::raw_options("bnbbtc@depth5"));
  const std::vector<std::string_view> seeds = {
      testing::kCombinedBookTicker,
      testing::kRawBookTicker,
      testing::kCombinedPartialDepth,
      testing::kRawPartialDepth,
      testing::kCombinedDepthDiff,
      testing::kRawDepthDiff,
      testing::kCombinedTrade,
      testing::kCombinedAggTrade,
      testing::kRawAggTrade,
      testing::kCombinedServerShutdown,
      R"({"result":["a@trade","b@depth"],"id":3})",
      R"({"error":{"code":2,"msg":"Invalid request"},"id":"x"})",
  };
  const std::string alphabet = "{}[]\":,0123456789.-eE \\u@abstABU";
  std::mt19937 rng(20260721);
  auto pick = [&rng](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  size_t ok = 0;
  size_t failed = 0;
  for (int i = 0; i < 20'000; ++i) {
    std::string m(seeds[pick(seeds.size())]);
    const int mutations = 1 + static_cast<int>(pick(3));
    for (int k = 0; k < mutations && !m.empty(); ++k) {
      switch (pick(4)) {
        case 0: m.resize(pick(m.size())); break;
        case 1: m[pick(m.size())] = static_cast<char>(pick(256)); break;
        case 2: m.insert(pick(m.size() + 1), 1, alphabet[pick(alphabet.size())]); break;
        default: m.erase(pick(m.size()), 1);
      }
    }
    const DecodeResult r = decode_padded(decoder, m, 0);
    if (r.ok()) {
      ++ok;
      ASSERT_LT(static_cast<size_t>(r.kind()), kMessageKindCount);
    } else {
      ++failed;
      ASSERT_LT(static_cast<size_t>(r.error()), kDecodeErrorCount);
    }
    if (i % 100 == 0) {
      ASSERT_TRUE(decode_padded(decoder, testing::kCombinedDepthDiff, 0).ok()) << "after " << m;
    }
  }
  EXPECT_GT(ok, 0u);
  EXPECT_GT(failed, 0u);
  std::printf("fuzz: %zu decoded, %zu rejected\n", ok, failed);
}

}  // namespace
}  // namespace phoenix::binance
