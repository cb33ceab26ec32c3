#include "risk/portfolio.h"

#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "risk/test_util.h"

namespace phoenix::risk {
namespace {

using core::FeeAsset;
using core::Side;
using testing::price;
using testing::qty;
using testing::sample;
using testing::units;

// ETHUSDC-like: prices with 2 decimals, quantities with 4.
const std::vector<SymbolSpec> kSymbols = {{"ETHUSDC", 2, 4}, {"DOGEUSDC", 5, 0}};

struct FillRow {
  Side side;
  const char* price;
  const char* qty;
  const char* commission = "0";  // in the fee asset, 8 decimals at most
  FeeAsset fee_asset = FeeAsset::kNone;
};

struct PnlCase {
  const char* name;
  std::vector<FillRow> fills;
  const char* mark;  // nullptr: no mark (the last fill price is used)
  // Expected, as exact decimals.
  const char* position;
  const char* average_cost;
  const char* realized;
  const char* unrealized;
  const char* fees;
  const char* net;
};

void PrintTo(const PnlCase& c, std::ostream* os) { *os << c.name; }

class PortfolioPnlTest : public ::testing::TestWithParam<PnlCase> {};

TEST_P(PortfolioPnlTest, MatchesHandComputedValues) {
  const PnlCase& c = GetParam();
  telemetry::Registry registry;
  Portfolio p(kSymbols, registry);
  int64_t trade_id = 1;
  for (const FillRow& row : c.fills) {
    Fill f;
    f.symbol = 0;
    f.side = row.side;
    f.price = price(row.price);
    f.qty = qty(row.qty);
    f.commission_units = units(row.commission);
    f.fee_asset = row.fee_asset;
    f.trade_id = trade_id++;
    ASSERT_TRUE(p.on_fill(f));
  }
  if (c.mark != nullptr) p.mark(0, price(c.mark));
  EXPECT_EQ(p.position_base_units(0), units(c.position)) << "position";
  EXPECT_EQ(p.average_cost(0), price(c.average_cost)) << "average cost";
  EXPECT_EQ(p.realized_quote_units(0), units(c.realized)) << "realized";
  EXPECT_EQ(p.unrealized_quote_units(0), units(c.unrealized)) << "unrealized";
  EXPECT_EQ(p.fees_quote_units(0), units(c.fees)) << "fees";
  EXPECT_EQ(p.net_pnl_quote_units(0), units(c.net)) << "net";
  EXPECT_EQ(p.total_net_pnl_quote_units(), units(c.net));
  // Fill quantities and fees never touch the other symbol.
  EXPECT_EQ(p.position_base_units(1), 0);
  EXPECT_EQ(p.net_pnl_quote_units(1), 0);
}

INSTANTIATE_TEST_SUITE_P(
    Table, PortfolioPnlTest,
    ::testing::Values(
        PnlCase{"LongOpen", {{Side::kBuy, "100", "1"}}, "110", "1", "100", "0", "10", "0", "10"},
        PnlCase{"LongNoMarkUsesLastFill",
                {{Side::kBuy, "100", "1"}, {Side::kBuy, "104", "1"}},
                nullptr,
                "2",
                "102",
                "0",
                "4",
                "0",
                "4"},
        PnlCase{"LongPartialClose",
                {{Side::kBuy, "100", "2"}, {Side::kSell, "110", "0.5"}},
                "90",
                "1.5",
                "100",
                "5",
                "-15",
                "0",
                "-10"},
        PnlCase{"LongAveragedThenClosed",
                {{Side::kBuy, "100", "1"}, {Side::kBuy, "110", "1"}, {Side::kSell, "120", "2"}},
                "130",
                "0",
                "0",
                "30",
                "0",
                "0",
                "30"},
        PnlCase{"ShortOpen", {{Side::kSell, "100", "1"}}, "90", "-1", "100", "0", "10", "0", "10"},
        PnlCase{"ShortPartialCover",
                {{Side::kSell, "100", "1"}, {Side::kBuy, "95", "0.4"}},
                "105",
                "-0.6",
                "100",
                "2",
                "-3",
                "0",
                "-1"},
        PnlCase{"FlipLongToShort",
                {{Side::kBuy, "100", "1"}, {Side::kSell, "110", "3"}},
                "100",
                "-2",
                "110",
                "10",
                "20",
                "0",
                "30"},
        PnlCase{"FlipShortToLong",
                {{Side::kSell, "100", "2"}, {Side::kBuy, "90", "3"}},
                "91",
                "1",
                "90",
                "20",
                "1",
                "0",
                "21"},
        PnlCase{"ExactlyFlat",
                {{Side::kBuy, "100", "1.5"}, {Side::kSell, "99.5", "1.5"}},
                "200",
                "0",
                "0",
                "-0.75",
                "0",
                "0",
                "-0.75"},
        PnlCase{"FeeInQuote",
                {{Side::kBuy, "100", "1", "0.1", FeeAsset::kQuote}},
                "100",
                "1",
                "100",
                "0",
                "0",
                "0.1",
                "-0.1"},
        // The account receives 0.999 base: the 0.001 leaves the position at the fill price.
        PnlCase{"FeeInBase",
                {{Side::kBuy, "100", "1", "0.001", FeeAsset::kBase}},
                "100",
                "0.999",
                "100",
                "0",
                "0",
                "0.1",
                "-0.1"},
        PnlCase{"FeeInBaseOnAnAveragedLong",
                {{Side::kBuy, "90", "1"}, {Side::kBuy, "100", "1", "0.001", FeeAsset::kBase}},
                "100",
                "1.999",
                "95",
                "0.005",
                "9.995",
                "0.1",
                "9.9"},
        PnlCase{"FeeInBaseOnASell",
                {{Side::kSell, "100", "1", "0.001", FeeAsset::kBase}},
                "100",
                "-1.001",
                "100",
                "0",
                "0",
                "0.1",
                "-0.1"},
        PnlCase{"FeeInOtherAssetIsNotInQuoteFees",
                {{Side::kBuy, "100", "1", "0.0002", FeeAsset::kOther}},
                "101",
                "1",
                "100",
                "0",
                "1",
                "0",
                "1"},
        // 302 / 3 = 100.666..: the average rounds, partial closes round, the full close is exact.
        PnlCase{"RoundingSettlesAtTheFullClose",
                {{Side::kBuy, "100", "1"},
                 {Side::kBuy, "101", "2"},
                 {Side::kSell, "102", "1"},
                 {Side::kSell, "99", "2"}},
                "100",
                "0",
                "0",
                "-2",
                "0",
                "0",
                "-2"},
        PnlCase{"RoundingOnAPartialClose",
                {{Side::kBuy, "100", "1"}, {Side::kBuy, "101", "2"}, {Side::kSell, "102", "1"}},
                "102",
                "2",
                "100.67",
                "1.33333333",
                "2.66666667",
                "0",
                "4"}),
    [](const ::testing::TestParamInfo<PnlCase>& param) { return std::string(param.param.name); });

class PortfolioTest : public ::testing::Test {
 protected:
  static Fill fill(Side side, const char* p, const char* q, int64_t trade_id = 0) {
    Fill f;
    f.symbol = 0;
    f.side = side;
    f.price = price(p);
    f.qty = qty(q);
    f.trade_id = trade_id;
    return f;
  }
  telemetry::Registry registry_;
  Portfolio portfolio_{kSymbols, registry_};
};

TEST_F(PortfolioTest, FeeInOtherAssetIsCountedApart) {
  Fill f = fill(Side::kBuy, "100", "1");
  f.commission_units = 20000;
  f.fee_asset = FeeAsset::kOther;
  ASSERT_TRUE(portfolio_.on_fill(f));
  EXPECT_EQ(portfolio_.fees_other_units(0), 20000);
  EXPECT_EQ(portfolio_.fees_quote_units(0), 0);
}

TEST_F(PortfolioTest, StartingBalanceIsHoldingsNotPnl) {
  portfolio_.set_start(0, units("2"));
  ASSERT_TRUE(portfolio_.on_fill(fill(Side::kSell, "100", "0.5")));
  portfolio_.mark(0, price("80"));
  EXPECT_EQ(portfolio_.start_base_units(0), units("2"));
  EXPECT_EQ(portfolio_.position_base_units(0), units("-0.5"));
  EXPECT_EQ(portfolio_.holdings_base_units(0), units("1.5"));
  // Only the traded 0.5 counts: sold at 100, now worth 80.
  EXPECT_EQ(portfolio_.unrealized_quote_units(0), units("10"));
  EXPECT_EQ(portfolio_.exposure_quote_units(0), units("40"));
}

TEST_F(PortfolioTest, DuplicateTradeIdIsIgnored) {
  EXPECT_TRUE(portfolio_.on_fill(fill(Side::kBuy, "100", "1", 7)));
  EXPECT_FALSE(portfolio_.on_fill(fill(Side::kBuy, "100", "1", 7)));
  EXPECT_TRUE(portfolio_.on_fill(fill(Side::kBuy, "100", "1", 0)));  // unknown id: no check
  EXPECT_TRUE(portfolio_.on_fill(fill(Side::kBuy, "100", "1", 0)));
  EXPECT_EQ(portfolio_.position_base_units(0), units("3"));
  EXPECT_EQ(portfolio_.fill_count(0), 3u);
}

TEST_F(PortfolioTest, InvalidFillsChangeNothing) {
  EXPECT_FALSE(portfolio_.on_fill(fill(Side::kBuy, "0", "1")));
  EXPECT_FALSE(portfolio_.on_fill(fill(Side::kBuy, "100", "0")));
  Fill unknown = fill(Side::kBuy, "100", "1");
  unknown.symbol = 2;
  EXPECT_FALSE(portfolio_.on_fill(unknown));
  Fill negative_fee = fill(Side::kBuy, "100", "1");
  negative_fee.commission_units = -1;
  EXPECT_FALSE(portfolio_.on_fill(negative_fee));
  EXPECT_EQ(portfolio_.position_base_units(0), 0);
  EXPECT_EQ(portfolio_.fill_count(0), 0u);
}

TEST_F(PortfolioTest, OrderUpdateOnlyTradesCount) {
  core::OrderUpdate u;
  u.symbol = 1;
  u.side = Side::kSell;
  u.exec_type = core::ExecType::kNew;
  u.last_price = core::Price(12345);  // 0.12345
  u.last_qty = core::Qty(100);        // DOGE: whole units
  EXPECT_FALSE(portfolio_.on_fill(u));
  u.exec_type = core::ExecType::kTrade;
  u.trade_id = 99;
  u.commission_units = units("0.012345");
  u.fee_asset = FeeAsset::kQuote;
  u.transact_time_ms = 1'764'000'000'500;
  EXPECT_TRUE(portfolio_.on_fill(u));
  EXPECT_FALSE(portfolio_.on_fill(u));  // the same trade again
  EXPECT_EQ(portfolio_.position_base_units(1), units("-100"));
  EXPECT_EQ(portfolio_.exposure_quote_units(1), units("12.345"));
  EXPECT_EQ(portfolio_.net_pnl_quote_units(1), -units("0.012345"));
  EXPECT_EQ(*sample(registry_, R"(phoenix_last_fill_timestamp_seconds{symbol="DOGEUSDC"})"), "1764000000.5");
}

TEST_F(PortfolioTest, ExposureAndTotals) {
  ASSERT_TRUE(portfolio_.on_fill(fill(Side::kBuy, "100", "1")));
  Fill doge;
  doge.symbol = 1;
  doge.side = Side::kSell;
  doge.price = core::Price(20000);  // 0.2
  doge.qty = core::Qty(500);
  ASSERT_TRUE(portfolio_.on_fill(doge));
  EXPECT_EQ(portfolio_.total_exposure_quote_units(), units("200"));
  portfolio_.mark(0, price("150"));
  portfolio_.mark(1, core::Price(10000));
  EXPECT_EQ(portfolio_.exposure_quote_units(0), units("150"));
  EXPECT_EQ(portfolio_.exposure_quote_units(1), units("50"));
  EXPECT_EQ(portfolio_.total_exposure_quote_units(), units("200"));
  EXPECT_EQ(portfolio_.total_net_pnl_quote_units(), units("100"));  // +50 and +50
  portfolio_.mark(0, core::Price(0));                               // ignored
  EXPECT_EQ(portfolio_.mark_price(0), price("150"));
}

TEST_F(PortfolioTest, MetricsShowPositionPnlFeesAndFills) {
  EXPECT_EQ(*sample(registry_, R"(phoenix_position_base{symbol="ETHUSDC"})"), "0");
  EXPECT_EQ(*sample(registry_, R"(phoenix_fills_total{side="sell",symbol="DOGEUSDC"})"), "0");
  Fill buy = fill(Side::kBuy, "100", "2");
  buy.commission_units = units("0.002");
  buy.fee_asset = FeeAsset::kBase;
  buy.time_ms = 1'764'000'000'000;
  ASSERT_TRUE(portfolio_.on_fill(buy));
  ASSERT_TRUE(portfolio_.on_fill(fill(Side::kSell, "110", "0.5")));
  portfolio_.mark(0, price("90"));
  EXPECT_EQ(*sample(registry_, R"(phoenix_position_base{symbol="ETHUSDC"})"), "1.498");
  EXPECT_EQ(*sample(registry_, R"(phoenix_pnl_quote{kind="realized",symbol="ETHUSDC"})"), "5");
  EXPECT_EQ(*sample(registry_, R"(phoenix_pnl_quote{kind="unrealized",symbol="ETHUSDC"})"), "-14.98");
  EXPECT_EQ(*sample(registry_, R"(phoenix_fees_quote_total{symbol="ETHUSDC"})"), "0.2");
  EXPECT_EQ(*sample(registry_, R"(phoenix_fills_total{side="buy",symbol="ETHUSDC"})"), "1");
  EXPECT_EQ(*sample(registry_, R"(phoenix_fills_total{side="sell",symbol="ETHUSDC"})"), "1");
  EXPECT_EQ(*sample(registry_, R"(phoenix_last_fill_timestamp_seconds{symbol="ETHUSDC"})"), "1764000000");
}

TEST(PortfolioSpecTest, QuantityScaleAbove8IsRefused) {
  telemetry::Registry registry;
  const std::vector<SymbolSpec> bad = {{"X", 2, 9}};
  EXPECT_THROW(Portfolio(bad, registry), std::invalid_argument);
}

TEST(PortfolioUnitsTest, Conversions) {
  EXPECT_EQ(qty_to_base_units(core::Qty(15), 4), 150000);
  EXPECT_EQ(qty_to_base_units(core::Qty(3), 0), 300000000);
  // 0.01 quote per base x 0.00000001 base = 1e-10 quote: rounds to 0; 5e-9 rounds up.
  EXPECT_EQ(notional_quote_units(core::Price(1), 1, 2), 0);
  EXPECT_EQ(notional_quote_units(core::Price(50), 1, 2), 1);
  EXPECT_EQ(notional_quote_units(core::Price(-50), 1, 2), -1);
  EXPECT_EQ(divide_pow10(Int128{1} << 100, 0), INT64_MAX);
}

}  // namespace
}  // namespace phoenix::risk
