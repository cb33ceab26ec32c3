#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sim/defaults.h"
#include "sim/fake_exchange_test_util.h"
#include "sim/market_streams.h"
#include "sim/stream_test_util.h"

namespace phoenix::sim {
namespace {

using testing::FakeExchange;

constexpr int64_t kOne = 100'000'000;

// Records every trade (and forwards nothing): the simulator's observable output.
class TradeLog : public MarketListener {
 public:
  void on_trade(const TradePrint& t) override {
    trades.push_back(std::string(t.symbol) + " " + std::to_string(t.trade_id) + " " +
                     std::to_string(t.price_units) + " " + std::to_string(t.qty_units) + " " +
                     (t.buyer_is_maker ? "m" : "t"));
  }
  void on_level_changed(std::string_view, Side, int64_t) override {}
  void on_book_settled(std::string_view, uint64_t) override {}
  std::vector<std::string> trades;
};

struct Market {
  explicit Market(MarketSimSpec spec) : ex(default_assets(), default_symbols(), FeeSchedule{10, 10}) {
    ex.set_market_listener(&log);
    auto created = MarketSimulator::create(std::move(spec), ex);
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
    if (created.ok()) sim = std::move(created).value();
  }
  void run(int64_t steps, int64_t step_ms = 100) {
    for (int64_t i = 0; i < steps; ++i) {
      now_ms += step_ms;
      ex.set_now_ms(now_ms);
      sim->tick(now_ms);
    }
  }
  FakeExchange ex;
  TradeLog log;
  std::unique_ptr<MarketSimulator> sim;
  int64_t now_ms = 1'700'000'000'000;
};

TEST(MarketSimulatorTest, DefaultsAreValid) {
  const auto symbols = default_symbols();
  ASSERT_EQ(symbols.size(), 5u);
  EXPECT_EQ(symbols[0].engine.name, "ETHUSDC");
  EXPECT_EQ(symbols[0].engine.tick_units, kOne / 100);
  EXPECT_EQ(symbols[0].engine.step_units, kOne / 10'000);
  EXPECT_EQ(symbols[1].engine.name, "DOGEUSDC");
  EXPECT_EQ(symbols[1].engine.tick_units, kOne / 100'000);
  EXPECT_EQ(symbols[1].engine.step_units, kOne);
  EXPECT_EQ(symbols[4].engine.name, "XRPUSDC");
  EXPECT_EQ(symbols[4].engine.step_units, kOne / 10);
  for (const auto& s : symbols) EXPECT_EQ(s.engine.min_notional_units, 5 * kOne);
  FakeExchange ex(default_assets(), symbols);
  EXPECT_TRUE(ex.ok());
  const auto spec = default_market_sim_spec();
  ASSERT_EQ(spec.symbols.size(), 5u);
  EXPECT_EQ(spec.symbols[0].start_price_units, 3000 * kOne);
  EXPECT_TRUE(MarketSimulator::create(spec, ex).ok());
}

TEST(MarketSimulatorTest, SameSeedSameTrades) {
  Market a(default_market_sim_spec());
  Market b(default_market_sim_spec());
  a.run(3000);
  b.run(3000);
  EXPECT_GT(a.log.trades.size(), 500u);
  EXPECT_EQ(a.log.trades, b.log.trades);
  for (const char* s : {"ETHUSDC", "DOGEUSDC"})
    EXPECT_EQ(a.sim->mid_price_units(s), b.sim->mid_price_units(s));

  auto other = default_market_sim_spec();
  other.seed = 2;
  Market c(other);
  c.run(3000);
  EXPECT_NE(a.log.trades, c.log.trades);
}

TEST(MarketSimulatorTest, LongRunStaysBoundedValidAndTwoSided) {
  Market m(default_market_sim_spec());
  const auto spec = default_market_sim_spec();
  size_t max_levels = 0;
  for (const auto& s : spec.symbols) max_levels += 2 * static_cast<size_t>(s.levels);
  for (int chunk = 0; chunk < 20; ++chunk) {
    m.run(1000);  // 100 s
    EXPECT_LE(m.sim->resting_orders(), max_levels);
    for (const auto& s : spec.symbols) {
      const OrderBook* book = m.ex.engine().book(s.name);
      ASSERT_NE(book, nullptr);
      EXPECT_LE(book->size(), 2 * static_cast<size_t>(s.levels));
      EXPECT_FALSE(book->crossed());
      EXPECT_FALSE(m.ex.levels(s.name, Side::kBuy, 1).empty()) << s.name;
      EXPECT_FALSE(m.ex.levels(s.name, Side::kSell, 1).empty()) << s.name;
      const int64_t mid = m.sim->mid_price_units(s.name);
      EXPECT_GT(mid, 0);
      const auto bid = m.ex.levels(s.name, Side::kBuy, 1);
      const auto ask = m.ex.levels(s.name, Side::kSell, 1);
      if (!bid.empty() && !ask.empty()) {
        EXPECT_LE(bid[0].price_units, mid);
        EXPECT_GE(ask[0].price_units, mid);
      }
    }
  }
  // 2000 s of market: filters always respected, no engine reject at all.
  EXPECT_TRUE(m.ex.rejects().empty()) << m.ex.rejects().begin()->second;
  EXPECT_GT(m.log.trades.size(), 10'000u);
  EXPECT_EQ(m.sim->accounts().size(), 10u);  // funding never ran out
  std::string text;
  m.sim->append_metrics(&text);
  EXPECT_NE(text.find("phoenix_exchange_sim_mid_price{symbol=\"ETHUSDC\"} "), std::string::npos) << text;
  EXPECT_NE(text.find("phoenix_exchange_sim_rejects_total{symbol=\"ETHUSDC\"} 0\n"), std::string::npos);
  std::string output;
  EXPECT_EQ(testing::promtool_check(text, &output), 0) << output << "\n" << text;
}

// Every intermediate book state reaches bookTicker, so a re-quote must never leave a side
// empty, even across jumps (make-before-break).
class TwoSidedCheck : public MarketListener {
 public:
  explicit TwoSidedCheck(const Exchange& ex) : ex_(ex) {}
  void on_trade(const TradePrint&) override { traded_ = true; }
  void on_level_changed(std::string_view, Side, int64_t) override {}
  void on_book_settled(std::string_view symbol, uint64_t) override {
    const bool traded = traded_;
    traded_ = false;
    if (!armed) return;
    ++settles;
    bool& after_sweep = swept_[std::string(symbol)];
    if (ex_.levels(symbol, Side::kBuy, 1).empty() || ex_.levels(symbol, Side::kSell, 1).empty()) {
      after_sweep = after_sweep || traded;  // until the side is refilled
      ++(after_sweep ? swept : one_sided);
    } else {
      after_sweep = false;
    }
  }
  int64_t swept = 0;  // a taker took a whole side (until refilled): the market, not a re-quote
  bool armed = false;
  int64_t settles = 0;
  int64_t one_sided = 0;

 private:
  const Exchange& ex_;
  bool traded_ = false;
  std::map<std::string, bool> swept_;
};

TEST(MarketSimulatorTest, RequotesNeverEmptyASideOfTheBook) {
  MarketSimSpec spec = default_market_sim_spec();
  for (auto& sym : spec.symbols) {
    sym.volatility_bps = 20;  // big moves: the whole ladder is replaced often
    sym.jump_probability_ppm = 100'000;
    sym.jump_bps = 200;
  }
  Market m(spec);
  m.run(1);  // seeds the books
  TwoSidedCheck check(m.ex);
  m.ex.set_market_listener(&check);
  check.armed = true;
  m.run(2000);
  EXPECT_GT(check.settles, 10'000);
  EXPECT_EQ(check.one_sided, 0) << "of " << check.settles << " settled states (" << check.swept
                                << " more after a taker swept a side)";
}

TEST(MarketSimulatorTest, WildWalkStaysPositive) {
  auto spec = default_market_sim_spec();
  for (auto& s : spec.symbols) {
    s.volatility_bps = 300;
    s.jump_probability_ppm = 100'000;
    s.jump_bps = 2000;
  }
  Market m(spec);
  for (int chunk = 0; chunk < 50; ++chunk) {
    m.run(200);
    for (const auto& s : spec.symbols) {
      const int64_t mid = m.sim->mid_price_units(s.name);
      ASSERT_GE(mid, 20 * m.ex.symbol(s.name)->engine.tick_units) << s.name;
      ASSERT_LE(mid, 1000 * s.start_price_units) << s.name;
    }
  }
  for (const auto& [reason, count] : m.ex.rejects()) {
    ADD_FAILURE() << to_string(reason) << " x" << count;
  }
}

TEST(MarketSimulatorTest, TakerFlowFillsAForeignRestingOrder) {
  auto spec = default_market_sim_spec();
  spec.symbols.resize(1);  // ETHUSDC only
  spec.symbols[0].volatility_bps = 0;
  spec.symbols[0].jump_probability_ppm = 0;
  Market m(spec);
  m.run(1);
  constexpr AccountId kBot = 1;
  ASSERT_TRUE(m.ex.deposit(kBot, "ETH", 10 * kOne).ok());
  ASSERT_TRUE(m.ex.deposit(kBot, "USDC", 100'000 * kOne).ok());
  const auto bid = m.ex.levels("ETHUSDC", Side::kBuy, 1);
  const auto ask = m.ex.levels("ETHUSDC", Side::kSell, 1);
  ASSERT_FALSE(bid.empty());
  ASSERT_FALSE(ask.empty());
  // The bot joins the best bid and the best ask: takers reach it through the queue.
  NewOrder o;
  o.symbol = "ETHUSDC";
  o.account = kBot;
  o.side = Side::kBuy;
  o.price_units = bid[0].price_units;
  o.qty_units = kOne / 100;  // 0.01 ETH
  const auto bot_bid = m.ex.place(o);
  o.side = Side::kSell;
  o.price_units = ask[0].price_units;
  const auto bot_ask = m.ex.place(o);
  ASSERT_EQ(bot_bid.status, OrderStatus::kNew);
  ASSERT_EQ(bot_ask.status, OrderStatus::kNew);
  const OrderBook* book = m.ex.engine().book("ETHUSDC");
  int steps = 0;
  while ((book->find(bot_bid.order_id) != nullptr || book->find(bot_ask.order_id) != nullptr) &&
         steps < 20'000) {
    m.run(1);
    ++steps;
  }
  EXPECT_EQ(book->find(bot_bid.order_id), nullptr) << "bid never filled";
  EXPECT_EQ(book->find(bot_ask.order_id), nullptr) << "ask never filled";
  const auto eth = m.ex.engine().accounts().find_asset("ETH");
  ASSERT_TRUE(eth.has_value());
  // Bought 0.01 (less 0.1% fee), sold 0.01.
  EXPECT_EQ(m.ex.engine().accounts().balance(kBot, *eth).free_units, 10 * kOne - kOne / 100 / 1000);
}

TEST(MarketSimulatorTest, RefundsThroughANewAccountWhenABalanceRunsLow) {
  auto spec = default_market_sim_spec();
  spec.funding_multiple = 1;  // a few levels' worth only
  for (auto& s : spec.symbols) s.taker_rate_per_s = 20;
  Market m(spec);
  m.run(3000);
  EXPECT_GT(m.sim->accounts().size(), 10u);
  for (const auto& s : spec.symbols) {
    EXPECT_FALSE(m.ex.levels(s.name, Side::kBuy, 1).empty()) << s.name;
    EXPECT_FALSE(m.ex.levels(s.name, Side::kSell, 1).empty()) << s.name;
  }
  std::string text;
  m.sim->append_metrics(&text);
  EXPECT_NE(text.find("phoenix_exchange_sim_accounts_opened_total"), std::string::npos);
}

TEST(MarketSimulatorTest, StreamsOfASimulatedMarketStayInSync) {
  FakeExchange ex(default_assets(), default_symbols(), FeeSchedule{10, 10});
  auto streams = MarketStreams::create(ex);
  auto sim = MarketSimulator::create(default_market_sim_spec(), ex);
  ASSERT_TRUE(sim.ok());
  testing::RecordingSubscriber rec;
  const std::vector<std::string> names = {"ETHUSDC", "DOGEUSDC", "SOLUSDC", "BNBUSDC", "XRPUSDC"};
  for (const std::string& name : names) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](char c) { return static_cast<char>(c - 'A' + 'a'); });
    for (const char* suffix : {"@depth@100ms", "@bookTicker", "@trade", "@aggTrade"}) {
      ASSERT_TRUE(streams->subscribe(lower + suffix, &rec).ok());
    }
  }
  std::vector<testing::LocalBook> books(names.size());
  size_t seen = 0;
  int64_t now_ms = 1'700'000'000'000;
  auto feed = [&]() {
    for (; seen < rec.messages.size(); ++seen) {
      const auto& m = rec.messages[seen];
      if (m.stream.find("@depth@100ms") == std::string::npos) continue;
      testing::DepthEvent e;
      ASSERT_TRUE(testing::parse_depth_event(m.raw, 8, &e));
      for (size_t i = 0; i < names.size(); ++i) {
        if (m.raw.find("\"s\":\"" + names[i] + "\"") != std::string::npos) books[i].apply(e);
      }
    }
  };
  for (int step = 0; step < 3000; ++step) {  // 30 s in 10 ms ticks
    now_ms += 10;
    ex.set_now_ms(now_ms);
    (*sim)->tick(now_ms);
    streams->tick(now_ms);
    feed();
    if (step == 777) {
      for (size_t i = 0; i < names.size(); ++i) {
        books[i].load_snapshot(ex.book_update_id(names[i]), ex.levels(names[i], Side::kBuy, 5000),
                               ex.levels(names[i], Side::kSell, 5000));
      }
    }
  }
  now_ms += 200;  // flush the last diffs
  streams->tick(now_ms);
  feed();
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_FALSE(books[i].broken()) << names[i];
    EXPECT_TRUE(testing::same_levels(books[i].levels(Side::kBuy), ex.levels(names[i], Side::kBuy, 5000)));
    EXPECT_TRUE(testing::same_levels(books[i].levels(Side::kSell), ex.levels(names[i], Side::kSell, 5000)));
  }
  size_t trades = 0;
  size_t tickers = 0;
  for (const auto& m : rec.messages) {
    trades += m.stream.ends_with("@trade") ? 1u : 0u;
    tickers += m.stream.ends_with("@bookTicker") ? 1u : 0u;
  }
  EXPECT_GT(trades, 500u);
  EXPECT_GT(tickers, 500u);
}

TEST(MarketSimulatorTest, BadSpecsAreErrorsNotCrashes) {
  FakeExchange ex(default_assets(), default_symbols());
  auto expect_error = [&](auto mutate) {
    auto spec = default_market_sim_spec();
    mutate(spec);
    auto r = MarketSimulator::create(spec, ex);
    EXPECT_FALSE(r.ok());
    if (!r.ok()) {
      EXPECT_NE(r.error().message.find("market sim"), std::string::npos);
    }
  };
  expect_error([](MarketSimSpec& s) { s.step_ms = 0; });
  expect_error([](MarketSimSpec& s) { s.symbols[0].name = "BTCUSDT"; });
  expect_error([](MarketSimSpec& s) { s.symbols[1].name = "ETHUSDC"; });
  expect_error([](MarketSimSpec& s) { s.symbols[0].start_price_units = 0; });
  expect_error([](MarketSimSpec& s) { s.symbols[0].start_price_units = -5; });
  expect_error([](MarketSimSpec& s) { s.symbols[0].levels = 0; });
  expect_error([](MarketSimSpec& s) { s.symbols[0].levels = 150; });
  expect_error([](MarketSimSpec& s) { s.symbols[0].volatility_bps = -1; });
  expect_error([](MarketSimSpec& s) { s.symbols[0].half_spread_ticks = 0; });
  expect_error([](MarketSimSpec& s) { s.symbols[0].taker_rate_per_s = -3; });
  expect_error([](MarketSimSpec& s) { s.symbols[0].level_qty_units = -3; });
  expect_error(
      [](MarketSimSpec& s) { s.symbols[1].start_price_units = 2'000 * kOne; });  // above DOGE's max price
  expect_error([](MarketSimSpec& s) { s.funding_multiple = 0; });
  // Tiny start prices, huge sizes: clamped, no crash, still valid orders.
  auto spec = default_market_sim_spec();
  spec.symbols[0].level_qty_units = 1;             // below min qty / notional: raised
  spec.symbols[1].taker_qty_units = 1'000 * kOne;  // large takers
  spec.symbols[2].start_price_units = 21;          // below 20 ticks + spacing: rejected
  EXPECT_FALSE(MarketSimulator::create(spec, ex).ok());
  spec.symbols[2].start_price_units = 150 * kOne + 7;  // off-tick: rounded down
  Market m(spec);
  m.run(500);
  EXPECT_TRUE(m.ex.rejects().empty());
  // A clock that jumps far ahead runs a bounded number of steps; backwards is a no-op.
  m.now_ms += 24 * 3600 * 1000;
  m.sim->tick(m.now_ms);
  m.sim->tick(m.now_ms - 100'000);
  m.run(10);
}

}  // namespace
}  // namespace phoenix::sim
