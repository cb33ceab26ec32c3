#include "binance/user_data_decoder.h"

#include <string>

#include <gtest/gtest.h>

namespace phoenix::binance {
namespace {

// The executionReport src/sim writes (exchange_impl.cc), a maker fill.
constexpr char kTrade[] =
    R"({"subscriptionId":3,"event":{"e":"executionReport","E":1700000000100,"s":"ETHUSDC","c":"q-1","S":"SELL",)"
    R"("o":"LIMIT_MAKER","f":"GTC","q":"0.0100","p":"3000.10","P":"0.00","F":"0.0000","g":-1,"C":"","x":"TRADE",)"
    R"("X":"PARTIALLY_FILLED","r":"NONE","i":12,"l":"0.0040","z":"0.0040","L":"3000.10","n":"0.01200040",)"
    R"("N":"USDC","T":1700000000099,"t":55,"I":900,"w":false,"m":true,"M":false,"O":1700000000000,)"
    R"("Z":"12.00040000","Y":"12.00040000","Q":"0.00000000","W":1700000000000,"V":"NONE"}})";

class UserDataDecoderTest : public ::testing::Test {
 protected:
  UserDataDecoderTest() : symbols_(table_) {
    eth_ = *table_.add("ETHUSDC", core::SymbolScale{2, 4});
    symbols_.set(eth_, "ETH", "USDC");
  }
  core::Status decode(std::string_view payload) { return decoder_.decode(payload, event_); }

  SymbolTable table_;
  OrderSymbols symbols_;
  core::SymbolId eth_ = 0;
  UserDataDecoder decoder_{symbols_};
  UserDataEvent event_;
};

TEST_F(UserDataDecoderTest, DecodesWrappedTrade) {
  ASSERT_TRUE(decode(kTrade).ok());
  EXPECT_EQ(event_.kind, UserDataEvent::Kind::kExecutionReport);
  EXPECT_EQ(event_.subscription_id, 3);
  EXPECT_EQ(event_.event_time_ms, 1700000000100);
  const core::OrderUpdate& u = event_.order;
  EXPECT_EQ(u.symbol, eth_);
  EXPECT_EQ(u.client_id.view(), "q-1");
  EXPECT_TRUE(u.orig_client_id.empty());
  EXPECT_EQ(u.order_id, 12);
  EXPECT_EQ(u.side, core::Side::kSell);
  EXPECT_EQ(u.exec_type, core::ExecType::kTrade);
  EXPECT_EQ(u.status, core::OrderStatus::kPartiallyFilled);
  EXPECT_EQ(u.price.units(), 300010);
  EXPECT_EQ(u.orig_qty.units(), 100);
  EXPECT_EQ(u.cum_qty.units(), 40);
  EXPECT_EQ(u.cum_quote_units, 1200040000);
  EXPECT_EQ(u.last_qty.units(), 40);
  EXPECT_EQ(u.last_price.units(), 300010);
  EXPECT_EQ(u.trade_id, 55);
  EXPECT_TRUE(u.maker);
  EXPECT_EQ(u.commission_units, 1200040);
  EXPECT_EQ(u.fee_asset, core::FeeAsset::kQuote);
  EXPECT_EQ(u.event_time_ms, 1700000000100);
  EXPECT_EQ(u.transact_time_ms, 1700000000099);
  EXPECT_EQ(event_.reject_reason, "NONE");
}

TEST_F(UserDataDecoderTest, DecodesUnwrappedCancelAndAmendAndExpired) {
  std::string cancel = std::string(kTrade).substr(std::string_view(kTrade).find(R"({"e")"));
  cancel.pop_back();  // the wrapper's closing brace
  auto replace = [](std::string& text, std::string_view from, std::string_view to) {
    text.replace(text.find(from), from.size(), to);
  };
  replace(cancel, R"("c":"q-1")", R"("c":"cancel77")");
  replace(cancel, R"("C":"")", R"("C":"q-1")");
  replace(cancel, R"("x":"TRADE")", R"("x":"CANCELED")");
  replace(cancel, R"("X":"PARTIALLY_FILLED")", R"("X":"CANCELED")");
  replace(cancel, R"("N":"USDC")", R"("N":null)");
  ASSERT_TRUE(decode(cancel).ok());
  EXPECT_EQ(event_.subscription_id, -1);
  EXPECT_EQ(event_.order.exec_type, core::ExecType::kCanceled);
  EXPECT_EQ(event_.order.client_id.view(), "q-1");
  EXPECT_EQ(event_.order.orig_client_id.view(), "q-1");
  EXPECT_EQ(event_.order.last_qty.units(), 0);  // only for trades

  std::string amend = cancel;
  replace(amend, R"("x":"CANCELED")", R"("x":"REPLACED")");
  replace(amend, R"("X":"CANCELED")", R"("X":"NEW")");
  replace(amend, R"("c":"cancel77")", R"("c":"q-2")");
  ASSERT_TRUE(decode(amend).ok());
  EXPECT_EQ(event_.order.exec_type, core::ExecType::kReplaced);
  EXPECT_EQ(event_.order.client_id.view(), "q-2");
  EXPECT_EQ(event_.order.orig_client_id.view(), "q-1");

  std::string expired = amend;
  replace(expired, R"("x":"REPLACED")", R"("x":"TRADE_PREVENTION")");
  replace(expired, R"("X":"NEW")", R"("X":"EXPIRED_IN_MATCH")");
  ASSERT_TRUE(decode(expired).ok());
  EXPECT_EQ(event_.order.exec_type, core::ExecType::kExpired);
  EXPECT_EQ(event_.order.status, core::OrderStatus::kExpired);
}

TEST_F(UserDataDecoderTest, DecodesAccountEvents) {
  ASSERT_TRUE(decode(R"({"subscriptionId":0,"event":{"e":"outboundAccountPosition","E":1564034571105,)"
                     R"("u":1564034571073,"B":[{"a":"ETH","f":"10000.000000","l":"0.000000"},)"
                     R"({"a":"USDC","f":"1.5","l":"0.25"}]}})")
                  .ok());
  EXPECT_EQ(event_.kind, UserDataEvent::Kind::kAccountPosition);
  ASSERT_EQ(event_.balances.size(), 2u);
  EXPECT_EQ(event_.balances[0].name(), "ETH");
  EXPECT_EQ(event_.balances[0].free_units, 1000000000000);
  EXPECT_EQ(event_.balances[1].locked_units, 25000000);

  ASSERT_TRUE(
      decode(R"({"e":"balanceUpdate","E":1573200697110,"a":"BTC","d":"-100.00000000","T":1573200697068})")
          .ok());
  EXPECT_EQ(event_.kind, UserDataEvent::Kind::kBalanceUpdate);
  EXPECT_EQ(event_.balance_delta.name(), "BTC");
  EXPECT_EQ(event_.balance_delta.free_units, -10000000000);

  ASSERT_TRUE(decode(R"({"subscriptionId":0,"event":{"e":"eventStreamTerminated","E":1728973001334}})").ok());
  EXPECT_EQ(event_.kind, UserDataEvent::Kind::kStreamTerminated);
  ASSERT_TRUE(decode(R"({"event":{"e":"serverShutdown","E":1770123456789}})").ok());
  EXPECT_EQ(event_.kind, UserDataEvent::Kind::kServerShutdown);
  ASSERT_TRUE(decode(R"({"e":"externalLockUpdate","E":1,"a":"NEO","d":"10.00000000","T":1})").ok());
  EXPECT_EQ(event_.kind, UserDataEvent::Kind::kOther);
  EXPECT_EQ(event_.event_type, "externalLockUpdate");
}

TEST_F(UserDataDecoderTest, ErrorsInsteadOfCrashing) {
  std::string unknown = kTrade;
  unknown.replace(unknown.find("ETHUSDC"), 7, "BTCUSDT");
  core::Status s = decode(unknown);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, core::ErrorCode::kNotFound);
  EXPECT_NE(s.error().message.find("BTCUSDT"), std::string::npos);
  EXPECT_FALSE(decode(R"({"subscriptionId":"0","event":{"e":"serverShutdown","E":1}})").ok());
  EXPECT_FALSE(decode(R"({"event":[]})").ok());
  EXPECT_FALSE(decode(R"({"e":"balanceUpdate","E":1,"a":"BTC","d":"1e5","T":1})").ok());
  EXPECT_FALSE(decode(R"({"e":"outboundAccountPosition","E":1,"B":{}})").ok());
  EXPECT_FALSE(decode(R"({"E":1})").ok());
  EXPECT_FALSE(decode("").ok());
  const std::string sample = kTrade;
  for (size_t n = 0; n < sample.size(); ++n) {
    EXPECT_FALSE(decode(std::string_view(sample).substr(0, n)).ok()) << n;
  }
  for (size_t i = 0; i < sample.size(); ++i) {
    for (char c : {'"', '}', '[', ':', '9', '-'}) {
      std::string mangled = sample;
      mangled[i] = c;
      (void)decode(mangled);
    }
  }
}

}  // namespace
}  // namespace phoenix::binance
