#include "binance/symbol_table.h"

#include <string>

#include <gtest/gtest.h>

#include "binance/test_util.h"

namespace phoenix::binance {
namespace {

TEST(SymbolTableTest, AssignsIdsInOrderAndFindsEitherCase) {
  SymbolTable table;
  ASSERT_EQ(*table.add("ETHUSDC", {2, 4}), 0);
  ASSERT_EQ(*table.add("btcusdt", {2, 5}), 1);
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.find("ETHUSDC"), 0);
  EXPECT_EQ(table.find("ethusdc"), 0);
  EXPECT_EQ(table.find("BTCUSDT"), 1);
  EXPECT_EQ(table.name(1), "BTCUSDT");
  EXPECT_EQ(table.stream_symbol(0), "ethusdc");
  EXPECT_EQ(table.scale(0).price_scale, 2);
  EXPECT_EQ(table.scale(0).qty_scale, 4);
  EXPECT_EQ(table.scale(1).qty_scale, 5);
}

TEST(SymbolTableTest, MissesReturnNoSymbol) {
  SymbolTable table;
  EXPECT_EQ(table.find("ETHUSDC"), core::kNoSymbol);  // empty table
  ASSERT_TRUE(table.add("ETHUSDC", {}).ok());
  EXPECT_EQ(table.find("ETHUSD"), core::kNoSymbol);
  EXPECT_EQ(table.find("ETHUSDCX"), core::kNoSymbol);
  EXPECT_EQ(table.find(""), core::kNoSymbol);
  EXPECT_EQ(table.find("ETHUSDc "), core::kNoSymbol);
}

// Case folding touches only a..z: the neighbours of the letter ranges ('@', '[', '`', '{')
// and the other symbol characters stay distinct; the longest names work in either case.
TEST(SymbolTableTest, FoldsOnlyAsciiLetters) {
  SymbolTable table;
  ASSERT_TRUE(table.add("A.B_C-9", {}).ok());
  ASSERT_TRUE(table.add("ABCDEFGHIJKLMNOPQRST", {}).ok());  // 20 characters
  EXPECT_EQ(table.find("a.b_c-9"), 0);
  EXPECT_EQ(table.find("A.b_C-9"), 0);
  EXPECT_EQ(table.find("abcdefghijklmnopqrst"), 1);
  EXPECT_EQ(table.find("ABCDEFGHIJKLMNOPQRSt"), 1);
  EXPECT_EQ(table.find("ABCDEFGHIJKLMNOPQRS"), core::kNoSymbol);
  EXPECT_EQ(table.find("ABCDEFGHIJKLMNOPQRSTU"), core::kNoSymbol);
  EXPECT_EQ(table.find(std::string(30, 'A')), core::kNoSymbol);
  EXPECT_EQ(table.find("@.B_C-9"), core::kNoSymbol);
  EXPECT_EQ(table.find("`.B_C-9"), core::kNoSymbol);
  EXPECT_EQ(table.find("{.B_C-9"), core::kNoSymbol);
  EXPECT_EQ(table.find("[.B_C-9"), core::kNoSymbol);
  EXPECT_EQ(table.find("A.B_C-9\xc1"), core::kNoSymbol);
  EXPECT_EQ(table.find(std::string("A.B_C-9\0", 8)), core::kNoSymbol);
}

TEST(SymbolTableTest, RejectsBadInput) {
  SymbolTable table;
  ASSERT_TRUE(table.add("ETHUSDC", {}).ok());
  EXPECT_FALSE(table.add("ethusdc", {}).ok());  // duplicate, case-insensitive
  EXPECT_FALSE(table.add("", {}).ok());
  EXPECT_FALSE(table.add("ETH USDC", {}).ok());
  EXPECT_FALSE(table.add(std::string(21, 'A'), {}).ok());
  EXPECT_FALSE(table.add("BTCUSDT", {19, 8}).ok());
  EXPECT_FALSE(table.add("BTCUSDT", {2, -1}).ok());
  EXPECT_EQ(table.size(), 1u);
}

TEST(SymbolTableTest, ManySymbolsStayFindable) {
  SymbolTable table;
  for (int i = 0; i < 1000; ++i)
    ASSERT_TRUE(table.add(testing::cat("SYM", std::to_string(i), "USDT"), {8, 8}).ok());
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(table.find(testing::cat("sym", std::to_string(i), "usdt")), static_cast<core::SymbolId>(i));
  }
  EXPECT_EQ(table.find("SYM1000USDT"), core::kNoSymbol);
}

TEST(SymbolTableTest, StopsAtTheLimit) {
  SymbolTable table;
  for (size_t i = 0; i < SymbolTable::kMaxSymbols; ++i)
    ASSERT_TRUE(table.add(testing::cat("S", std::to_string(i)), {}).ok());
  EXPECT_FALSE(table.add("ONEMORE", {}).ok());
}

}  // namespace
}  // namespace phoenix::binance
