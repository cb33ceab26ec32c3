#include "sim/market_streams.h"

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "sim/defaults.h"
#include "sim/fake_exchange_test_util.h"
#include "sim/stream_test_util.h"

namespace phoenix::sim {
namespace {

using testing::DepthEvent;
using testing::FakeExchange;
using testing::LocalBook;
using testing::RecordingSubscriber;

constexpr int64_t kOne = 100'000'000;        // 1.0 at scale 8
constexpr int64_t kEthTick = kOne / 100;     // 0.01 USDC
constexpr int64_t kEthStep = kOne / 10'000;  // 0.0001 ETH
constexpr int64_t kCenter = 3000 * kOne;

int64_t px(int64_t ticks_from_center) { return kCenter + ticks_from_center * kEthTick; }
// DOGEUSDC around 0.15 (tick 0.00001).
int64_t doge_px(int64_t ticks) { return 15 * kOne / 100 + ticks * (kOne / 100'000); }

class MarketStreamsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ex_ = std::make_unique<FakeExchange>(default_assets(), default_symbols());
    ASSERT_TRUE(ex_->ok());
    for (AccountId a : {1, 2, 3}) {
      ASSERT_TRUE(ex_->deposit(a, "ETH", 1'000'000 * kOne).ok());
      ASSERT_TRUE(ex_->deposit(a, "DOGE", 1'000'000'000 * kOne).ok());
      ASSERT_TRUE(ex_->deposit(a, "USDC", 1'000'000'000 * kOne).ok());
    }
    streams_ = MarketStreams::create(*ex_);
    tick(0);
  }

  PlaceResult limit(AccountId account, Side side, int64_t price_units, int64_t qty_units,
                    std::string symbol = "ETHUSDC") {
    NewOrder o;
    o.symbol = std::move(symbol);
    o.account = account;
    o.side = side;
    o.price_units = price_units;
    o.qty_units = qty_units;
    return ex_->place(o);
  }
  PlaceResult market(AccountId account, Side side, int64_t qty_units) {
    NewOrder o;
    o.symbol = "ETHUSDC";
    o.account = account;
    o.side = side;
    o.type = OrderType::kMarket;
    o.qty_units = qty_units;
    return ex_->place(o);
  }
  void tick(int64_t ms) {
    now_ms_ += ms;
    ex_->set_now_ms(now_ms_);
    streams_->tick(now_ms_);
  }
  void tick_for(int64_t total_ms, int64_t step_ms = 10) {
    for (int64_t t = 0; t < total_ms; t += step_ms) tick(step_ms);
  }
  std::vector<BookLevel> all_levels(Side side, const char* symbol = "ETHUSDC") const {
    return ex_->levels(symbol, side, 1'000'000);
  }
  // Feeds depth events received since `*seen` into `book`.
  // `*seen` indexes rec.messages (all streams).
  static void feed(const RecordingSubscriber& rec, const std::string& stream, size_t* seen, LocalBook* book) {
    for (; *seen < rec.messages.size(); ++*seen) {
      const testing::Received& m = rec.messages[*seen];
      if (m.stream != stream) continue;
      DepthEvent e;
      ASSERT_TRUE(testing::parse_depth_event(m.raw, 8, &e)) << m.raw;
      book->apply(e);
    }
  }

  std::unique_ptr<FakeExchange> ex_;
  std::unique_ptr<MarketStreams> streams_;
  int64_t now_ms_ = 1'700'000'000'000;
};

TEST_F(MarketStreamsTest, ValidatesStreamNames) {
  for (const char* good : {"ethusdc@bookTicker", "ethusdc@trade", "ethusdc@aggTrade", "ethusdc@depth",
                           "ethusdc@depth@100ms", "ethusdc@depth@1000ms", "dogeusdc@depth5",
                           "solusdc@depth10@100ms", "xrpusdc@depth20@1000ms", "bnbusdc@depth5@100ms"}) {
    EXPECT_TRUE(streams_->validate(good).ok()) << good;
  }
  const std::string huge(10'000, 'a');
  for (std::string_view bad :
       {std::string_view("ETHUSDC@bookTicker"), std::string_view("ethusdc@bookticker"),
        std::string_view("btcusdt@trade"), std::string_view("ethusdc@depth15"),
        std::string_view("ethusdc@depth@250ms"), std::string_view("ethusdc@"), std::string_view("@trade"),
        std::string_view(""), std::string_view("ethusdc"), std::string_view("ethusdc@depth5@100"),
        std::string_view("ethusdc@kline_1m"), std::string_view("ethusdc@trade@100ms"),
        std::string_view("ethusdc@depth5@100ms@100ms"), std::string_view(huge),
        std::string_view("eth\0usdc@trade", 14), std::string_view("\"\\\xff@trade")}) {
    auto status = streams_->validate(bad);
    ASSERT_FALSE(status.ok()) << bad;
    EXPECT_NE(status.error().message.find("Invalid request: unknown stream"), std::string::npos);
    EXPECT_LT(status.error().message.size(), 120u);
    EXPECT_EQ(status.error().message.find('"'), std::string::npos);  // safe inside a JSON string
  }
}

TEST_F(MarketStreamsTest, SubscriptionsAreIdempotentAndOrdered) {
  RecordingSubscriber a;
  RecordingSubscriber b;
  ASSERT_TRUE(streams_->subscribe("ethusdc@trade", &a).ok());
  ASSERT_TRUE(streams_->subscribe("ethusdc@depth@100ms", &a).ok());
  ASSERT_TRUE(streams_->subscribe("ethusdc@trade", &a).ok());  // again: no-op
  ASSERT_TRUE(streams_->subscribe("dogeusdc@bookTicker", &a).ok());
  EXPECT_FALSE(streams_->subscribe("nope@trade", &a).ok());
  EXPECT_FALSE(streams_->subscribe("ethusdc@trade", nullptr).ok());
  EXPECT_EQ(streams_->subscriptions(&a),
            (std::vector<std::string>{"ethusdc@trade", "ethusdc@depth@100ms", "dogeusdc@bookTicker"}));
  EXPECT_TRUE(streams_->subscriptions(&b).empty());
  streams_->unsubscribe("ethusdc@depth@100ms", &a);
  streams_->unsubscribe("ethusdc@depth@100ms", &a);  // again: no-op
  streams_->unsubscribe("nope@trade", &b);           // unknown: no-op
  EXPECT_EQ(streams_->subscriptions(&a), (std::vector<std::string>{"ethusdc@trade", "dogeusdc@bookTicker"}));
  streams_->unsubscribe_all(&a);
  streams_->unsubscribe_all(&b);
  EXPECT_TRUE(streams_->subscriptions(&a).empty());
  // Nothing is delivered after unsubscribing.
  limit(1, Side::kSell, px(1), 100 * kEthStep);
  market(2, Side::kBuy, 100 * kEthStep);
  tick_for(2000);
  EXPECT_TRUE(a.messages.empty());
}

TEST_F(MarketStreamsTest, BookTickerOnEveryTopChangeOnly) {
  RecordingSubscriber rec;
  ASSERT_TRUE(streams_->subscribe("ethusdc@bookTicker", &rec).ok());
  limit(1, Side::kBuy, px(0), 1'000'000);                     // new best bid
  limit(1, Side::kBuy, px(-100), 1'000'000);                  // deeper: no event
  limit(1, Side::kSell, px(1), 2'000'000);                    // new best ask
  const auto second = limit(2, Side::kSell, px(1), 500'000);  // more size at the best ask
  ASSERT_NE(second.order_id, 0);
  ASSERT_TRUE(ex_->cancel_internal("ETHUSDC", 2, second.order_id).ok());  // and back
  limit(1, Side::kBuy, doge_px(0), 100 * kOne, "DOGEUSDC");               // another symbol: not this stream
  ASSERT_EQ(rec.messages.size(), 4u);
  EXPECT_EQ(
      rec.messages[0].raw,
      R"({"u":2,"s":"ETHUSDC","b":"3000.00000000","B":"0.01000000","a":"0.00000000","A":"0.00000000"})");
  EXPECT_EQ(
      rec.messages[1].raw,
      R"({"u":4,"s":"ETHUSDC","b":"3000.00000000","B":"0.01000000","a":"3000.01000000","A":"0.02000000"})");
  EXPECT_EQ(
      rec.messages[2].raw,
      R"({"u":5,"s":"ETHUSDC","b":"3000.00000000","B":"0.01000000","a":"3000.01000000","A":"0.02500000"})");
  EXPECT_EQ(
      rec.messages[3].raw,
      R"({"u":6,"s":"ETHUSDC","b":"3000.00000000","B":"0.01000000","a":"3000.01000000","A":"0.02000000"})");
  EXPECT_EQ(ex_->book_update_id("ETHUSDC"), 6u);
  EXPECT_EQ(rec.messages[0].stream, "ethusdc@bookTicker");
  EXPECT_EQ(rec.messages[0].combined,
            R"({"stream":"ethusdc@bookTicker","data":)" + rec.messages[0].raw + "}");
}

TEST_F(MarketStreamsTest, TradesAndAggregatesOfOneTakerOrder) {
  RecordingSubscriber rec;
  ASSERT_TRUE(streams_->subscribe("ethusdc@trade", &rec).ok());
  ASSERT_TRUE(streams_->subscribe("ethusdc@aggTrade", &rec).ok());
  limit(1, Side::kSell, px(1), 1'000'000);
  limit(3, Side::kSell, px(1), 2'000'000);
  limit(1, Side::kSell, px(2), 4'000'000);
  tick(5);
  const auto taker = market(2, Side::kBuy, 5'000'000);  // fills 1 + 2 at px(1), 2 of 4 at px(2)
  ASSERT_EQ(taker.status, OrderStatus::kFilled);
  const auto trades = rec.of("ethusdc@trade");
  const auto aggs = rec.of("ethusdc@aggTrade");
  ASSERT_EQ(trades.size(), 3u);
  ASSERT_EQ(aggs.size(), 2u);
  simdjson::dom::parser parser;
  int64_t last_id = 0;
  for (const auto& t : trades) {
    auto doc = parser.parse(t.raw).value();
    EXPECT_EQ(std::string_view(doc["e"].get_string().value()), "trade");
    EXPECT_EQ(std::string_view(doc["s"].get_string().value()), "ETHUSDC");
    EXPECT_FALSE(doc["m"].get_bool().value());  // the buyer took
    EXPECT_TRUE(doc["M"].get_bool().value());
    EXPECT_EQ(doc["T"].get_int64().value(), now_ms_);
    EXPECT_EQ(doc["E"].get_int64().value(), now_ms_);
    const int64_t id = doc["t"].get_int64().value();
    EXPECT_EQ(id, last_id == 0 ? id : last_id + 1);
    last_id = id;
  }
  simdjson::dom::parser parser1;  // a parser's document lives until its next parse
  auto a0 = parser1.parse(aggs[0].raw).value();
  EXPECT_EQ(std::string_view(a0["p"].get_string().value()), "3000.01000000");
  EXPECT_EQ(std::string_view(a0["q"].get_string().value()), "0.03000000");
  EXPECT_EQ(a0["l"].get_int64().value() - a0["f"].get_int64().value(), 1);
  auto a1 = parser.parse(aggs[1].raw).value();
  EXPECT_EQ(std::string_view(a1["p"].get_string().value()), "3000.02000000");
  EXPECT_EQ(std::string_view(a1["q"].get_string().value()), "0.02000000");
  EXPECT_EQ(a1["f"].get_int64().value(), a0["l"].get_int64().value() + 1);
  EXPECT_EQ(a1["a"].get_int64().value(), a0["a"].get_int64().value() + 1);
  // A second taker order starts a new aggregate even at the same price.
  market(2, Side::kBuy, 1'000'000);
  market(2, Side::kBuy, 1'000'000);
  ASSERT_EQ(rec.of("ethusdc@aggTrade").size(), 4u);
}

TEST_F(MarketStreamsTest, PartialDepthSnapshotsOnTheirIntervals) {
  RecordingSubscriber rec;
  ASSERT_TRUE(streams_->subscribe("ethusdc@depth5", &rec).ok());
  ASSERT_TRUE(streams_->subscribe("ethusdc@depth10@100ms", &rec).ok());
  for (int i = 0; i < 12; ++i) {
    limit(1, Side::kBuy, px(-i), 1'000'000 * (i + 1));
    limit(1, Side::kSell, px(1 + i), 1'000'000);
  }
  tick_for(3000);
  const auto slow = rec.of("ethusdc@depth5");
  const auto fast = rec.of("ethusdc@depth10@100ms");
  EXPECT_GE(slow.size(), 2u);
  EXPECT_LE(slow.size(), 4u);
  EXPECT_GE(fast.size(), 29u);
  EXPECT_LE(fast.size(), 31u);
  simdjson::dom::parser parser;
  auto doc = parser.parse(fast.back().raw).value();
  EXPECT_EQ(doc["lastUpdateId"].get_uint64().value(), ex_->book_update_id("ETHUSDC"));
  std::vector<std::pair<int64_t, int64_t>> bids;
  std::vector<std::pair<int64_t, int64_t>> asks;
  ASSERT_TRUE(testing::parse_levels(doc["bids"], 8, &bids));
  ASSERT_TRUE(testing::parse_levels(doc["asks"], 8, &asks));
  ASSERT_EQ(bids.size(), 10u);
  ASSERT_EQ(asks.size(), 10u);
  EXPECT_EQ(bids[0], std::make_pair(px(0), int64_t{1'000'000}));
  EXPECT_EQ(bids[9], std::make_pair(px(-9), int64_t{10'000'000}));
  EXPECT_EQ(asks[0].first, px(1));
  auto slow_doc = parser.parse(slow.back().raw).value();
  EXPECT_EQ(slow_doc["bids"].get_array().value().size(), 5u);
}

// A client following Binance's procedure (buffer, snapshot, U/u checks) over a random
// run must end with exactly the exchange's book, whenever it takes its snapshot.

class DiffDepthSyncTest : public MarketStreamsTest {
 protected:
  void run(const std::string& stream, uint64_t seed) {
    RecordingSubscriber rec;
    ASSERT_TRUE(streams_->subscribe(stream, &rec).ok());
    std::mt19937_64 rng(seed);
    constexpr int kOps = 4000;
    const std::vector<int> snapshot_at = {0, 1, 7, 350, 2000, 3999};
    std::vector<LocalBook> books(snapshot_at.size());
    std::vector<size_t> seen(snapshot_at.size(), 0);
    std::vector<std::pair<AccountId, OrderId>> open;
    for (int op = 0; op < kOps; ++op) {
      for (size_t b = 0; b < books.size(); ++b) {
        feed(rec, stream, &seen[b], &books[b]);
        if (snapshot_at[b] == op) {
          books[b].load_snapshot(ex_->book_update_id("ETHUSDC"), all_levels(Side::kBuy),
                                 all_levels(Side::kSell));
        }
      }
      const AccountId account = 1 + static_cast<AccountId>(rng() % 3);
      const uint64_t kind = rng() % 10;
      if (kind < 6) {
        const Side side = rng() % 2 == 0 ? Side::kBuy : Side::kSell;
        const int64_t offset = static_cast<int64_t>(rng() % 81) - 40;
        const auto r = limit(account, side, px(offset), static_cast<int64_t>(20 + rng() % 500) * kEthStep);
        if (r.order_id != 0) open.emplace_back(account, r.order_id);
      } else if (kind < 9 && !open.empty()) {
        const size_t i = rng() % open.size();
        (void)ex_->cancel_internal("ETHUSDC", open[i].first, open[i].second);
        open.erase(open.begin() + static_cast<ptrdiff_t>(i));
      } else {
        market(account, rng() % 2 == 0 ? Side::kBuy : Side::kSell,
               static_cast<int64_t>(20 + rng() % 900) * kEthStep);
      }
      tick(static_cast<int64_t>(rng() % 40));
    }
    tick_for(1100);
    const auto events = rec.of(stream);
    EXPECT_GT(events.size(), 20u);
    uint64_t prev_u = 0;
    for (const auto& e : events) {  // the stream itself: U = previous u + 1
      DepthEvent d;
      ASSERT_TRUE(testing::parse_depth_event(e.raw, 8, &d));
      if (prev_u != 0) {
        EXPECT_EQ(d.first_id, prev_u + 1);
      }
      EXPECT_LE(d.first_id, d.final_id);
      prev_u = d.final_id;
    }
    for (size_t b = 0; b < books.size(); ++b) {
      feed(rec, stream, &seen[b], &books[b]);
      EXPECT_FALSE(books[b].broken()) << "snapshot at op " << snapshot_at[b];
      EXPECT_EQ(books[b].book_id(), ex_->book_update_id("ETHUSDC"));
      EXPECT_TRUE(testing::same_levels(books[b].levels(Side::kBuy), all_levels(Side::kBuy)))
          << "snapshot at op " << snapshot_at[b];
      EXPECT_TRUE(testing::same_levels(books[b].levels(Side::kSell), all_levels(Side::kSell)))
          << "snapshot at op " << snapshot_at[b];
    }
    EXPECT_GT(all_levels(Side::kBuy).size() + all_levels(Side::kSell).size(), 10u);
    // Nothing changes: no more events.
    const size_t before = rec.of(stream).size();
    tick_for(3000);
    EXPECT_EQ(rec.of(stream).size(), before);
    streams_->unsubscribe_all(&rec);
  }
};

TEST_F(DiffDepthSyncTest, FastStreamRebuildsTheBookExactly) { run("ethusdc@depth@100ms", 11); }
TEST_F(DiffDepthSyncTest, SlowStreamRebuildsTheBookExactly) { run("ethusdc@depth", 12); }
TEST_F(DiffDepthSyncTest, ExplicitSlowStreamRebuildsTheBookExactly) { run("ethusdc@depth@1000ms", 13); }

TEST_F(MarketStreamsTest, ManyChangesBetweenTicksMakeOneCorrectEvent) {
  RecordingSubscriber rec;
  ASSERT_TRUE(streams_->subscribe("ethusdc@depth@100ms", &rec).ok());
  LocalBook book;
  book.load_snapshot(ex_->book_update_id("ETHUSDC"), all_levels(Side::kBuy), all_levels(Side::kSell));
  std::vector<OrderId> ids;
  for (int i = 0; i < 6000; ++i) {  // 6000 places and ~3000 cancels, no tick in between
    ids.push_back(limit(1 + i % 2, Side::kBuy, px(-(i % 700)), 1'000'000).order_id);
    if (i % 2 == 1) (void)ex_->cancel_internal("ETHUSDC", 1 + (i - 1) % 2, ids[static_cast<size_t>(i - 1)]);
  }
  tick(100);
  ASSERT_EQ(rec.messages.size(), 1u);
  size_t seen = 0;
  feed(rec, "ethusdc@depth@100ms", &seen, &book);
  EXPECT_FALSE(book.broken());
  EXPECT_TRUE(testing::same_levels(book.levels(Side::kBuy), all_levels(Side::kBuy)));
}

TEST_F(MarketStreamsTest, StallSilencesASymbolThenResumesWithoutAGap) {
  RecordingSubscriber eth;
  RecordingSubscriber doge;
  for (const char* s : {"ethusdc@bookTicker", "ethusdc@trade", "ethusdc@aggTrade", "ethusdc@depth@100ms",
                        "ethusdc@depth5@100ms"}) {
    ASSERT_TRUE(streams_->subscribe(s, &eth).ok());
  }
  ASSERT_TRUE(streams_->subscribe("dogeusdc@bookTicker", &doge).ok());
  LocalBook book;
  book.load_snapshot(ex_->book_update_id("ETHUSDC"), {}, {});
  size_t seen = 0;
  limit(1, Side::kBuy, px(0), 1'000'000);
  limit(1, Side::kSell, px(2), 1'000'000);
  tick_for(200);
  feed(eth, "ethusdc@depth@100ms", &seen, &book);
  const size_t before = eth.messages.size();

  streams_->stall("ETHUSDC", now_ms_ + 1000);
  limit(1, Side::kBuy, px(1), 3'000'000);   // new best bid
  limit(3, Side::kSell, px(2), 1'000'000);  // more at the ask
  market(2, Side::kBuy, 1'500'000);         // a trade
  limit(1, Side::kBuy, px(-5), 1'000'000);
  limit(1, Side::kBuy, doge_px(0), 100 * kOne, "DOGEUSDC");
  tick_for(990);
  EXPECT_EQ(eth.messages.size(), before);  // nothing for ETHUSDC
  EXPECT_EQ(doge.messages.size(), 1u);     // other symbols flow

  tick_for(200);
  ASSERT_GT(eth.messages.size(), before);
  const auto tickers = eth.of("ethusdc@bookTicker");
  EXPECT_EQ(
      tickers.back().raw,
      "{\"u\":" + std::to_string(ex_->book_update_id("ETHUSDC")) +
          R"(,"s":"ETHUSDC","b":"3000.01000000","B":"0.03000000","a":"3000.02000000","A":"0.00500000"})");
  EXPECT_EQ(eth.of("ethusdc@trade").size(), 0u);  // the stalled trade was never sent
  feed(eth, "ethusdc@depth@100ms", &seen, &book);
  EXPECT_FALSE(book.broken());
  EXPECT_TRUE(testing::same_levels(book.levels(Side::kBuy), all_levels(Side::kBuy)));
  EXPECT_TRUE(testing::same_levels(book.levels(Side::kSell), all_levels(Side::kSell)));

  // Stall everything; then trades flow again after it.
  streams_->stall("", now_ms_ + 500);
  limit(1, Side::kBuy, doge_px(0), 100 * kOne, "DOGEUSDC");
  limit(1, Side::kBuy, doge_px(1), 100 * kOne, "DOGEUSDC");
  tick_for(400);
  EXPECT_EQ(doge.messages.size(), 1u);
  tick_for(200);
  EXPECT_EQ(doge.messages.size(), 2u);
  market(2, Side::kBuy, 1'000'000);
  EXPECT_EQ(eth.of("ethusdc@trade").size(), 1u);
  streams_->stall("NOPE", now_ms_ + 500);  // unknown: ignored
}

TEST_F(MarketStreamsTest, DepthFaultsDuplicateGapAndReorder) {
  RecordingSubscriber rec;
  const std::string stream = "ethusdc@depth@100ms";
  ASSERT_TRUE(streams_->subscribe(stream, &rec).ok());
  auto change = [&](int i) {
    limit(1, Side::kBuy, px(-i), 1'000'000);
    tick_for(100);
  };
  auto parsed = [&](size_t i) {
    DepthEvent e;
    EXPECT_TRUE(testing::parse_depth_event(rec.of(stream).at(i).raw, 8, &e));
    return e;
  };
  change(1);
  ASSERT_EQ(rec.of(stream).size(), 1u);

  streams_->inject_depth_fault("ETHUSDC", DepthFault::kDuplicate);
  change(2);
  ASSERT_EQ(rec.of(stream).size(), 3u);
  EXPECT_EQ(rec.of(stream)[1].raw, rec.of(stream)[2].raw);
  EXPECT_EQ(parsed(1).first_id, parsed(0).final_id + 1);

  streams_->inject_depth_fault("ethusdc", DepthFault::kGap);
  change(3);
  EXPECT_EQ(rec.of(stream).size(), 3u);  // dropped
  change(4);
  ASSERT_EQ(rec.of(stream).size(), 4u);
  EXPECT_GT(parsed(3).first_id, parsed(2).final_id + 1);  // a client sees the gap

  streams_->inject_depth_fault("ETHUSDC", DepthFault::kReorder);
  change(5);
  EXPECT_EQ(rec.of(stream).size(), 4u);  // held
  change(6);
  ASSERT_EQ(rec.of(stream).size(), 6u);
  EXPECT_EQ(parsed(5).first_id, parsed(3).final_id + 1);  // the held one, late
  EXPECT_EQ(parsed(4).first_id, parsed(5).final_id + 1);  // sent first
  change(7);
  ASSERT_EQ(rec.of(stream).size(), 7u);
  EXPECT_EQ(parsed(6).first_id, parsed(4).final_id + 1);  // back to normal

  // A client following the rules: duplicate harmless, the gap breaks its book.
  LocalBook book;
  book.load_snapshot(1, {}, {});  // the empty book's id
  for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(book.apply(parsed(i)));
  EXPECT_FALSE(book.apply(parsed(3)));
  streams_->inject_depth_fault("ETHUSDC", DepthFault::kNone);  // no-op
}

class SelfRemovingSubscriber : public StreamSubscriber {
 public:
  explicit SelfRemovingSubscriber(MarketStreams* streams) : streams_(streams) {}
  void on_stream_message(const StreamMessage& m) override {
    ++count;
    raw = m.raw;
    streams_->unsubscribe_all(this);
  }
  MarketStreams* streams_;
  int count = 0;
  std::shared_ptr<const std::string> raw;
};

TEST_F(MarketStreamsTest, FanOutSharesOnePayloadAndSurvivesUnsubscribeInCallback) {
  SelfRemovingSubscriber first(streams_.get());
  SelfRemovingSubscriber second(streams_.get());
  RecordingSubscriber rec;
  ASSERT_TRUE(streams_->subscribe("ethusdc@bookTicker", &first).ok());
  ASSERT_TRUE(streams_->subscribe("ethusdc@bookTicker", &second).ok());
  ASSERT_TRUE(streams_->subscribe("ethusdc@bookTicker", &rec).ok());
  limit(1, Side::kBuy, px(0), 1'000'000);
  limit(1, Side::kBuy, px(1), 1'000'000);
  EXPECT_EQ(first.count, 1);
  EXPECT_EQ(second.count, 1);
  EXPECT_EQ(first.raw.get(), second.raw.get());  // built once
  EXPECT_EQ(rec.messages.size(), 2u);
  EXPECT_TRUE(streams_->subscriptions(&first).empty());
}

TEST_F(MarketStreamsTest, MetricsPassPromtool) {
  RecordingSubscriber rec;
  ASSERT_TRUE(streams_->subscribe("ethusdc@bookTicker", &rec).ok());
  ASSERT_TRUE(streams_->subscribe("ethusdc@depth@100ms", &rec).ok());
  limit(1, Side::kBuy, px(0), 1'000'000);
  streams_->inject_depth_fault("ETHUSDC", DepthFault::kGap);
  streams_->stall("", now_ms_ + 10);
  tick_for(200);
  std::string text;
  streams_->append_metrics(&text);
  EXPECT_NE(text.find("phoenix_exchange_stream_messages_total{type=\"bookTicker\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("phoenix_exchange_stream_bytes_total{type=\"bookTicker\"} " +
                      std::to_string(rec.messages.front().raw.size())),
            std::string::npos);
  EXPECT_NE(text.find("phoenix_exchange_stream_subscribers 1\n"), std::string::npos);
  EXPECT_NE(text.find("phoenix_exchange_stream_subscriptions 2\n"), std::string::npos);
  EXPECT_NE(text.find("phoenix_exchange_stream_faults_total{fault=\"gap\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("phoenix_exchange_stream_faults_total{fault=\"stall\"} 1\n"), std::string::npos);
  std::string output;
  EXPECT_EQ(testing::promtool_check(text, &output), 0) << output << "\n" << text;
}

}  // namespace
}  // namespace phoenix::sim
