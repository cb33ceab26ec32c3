#include "sim/accounts.h"

#include <gtest/gtest.h>

namespace phoenix::sim {
namespace {

class AccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    usdc_ = accounts_.add_asset({"USDC", 6}).value();
    ASSERT_TRUE(accounts_.deposit(1, usdc_, 1000).ok());
  }
  Accounts accounts_;
  AssetId usdc_ = 0;
};

TEST_F(AccountsTest, LockUnlockConsumeCredit) {
  EXPECT_FALSE(accounts_.lock(1, usdc_, 1001));
  EXPECT_TRUE(accounts_.lock(1, usdc_, 400));
  EXPECT_EQ(accounts_.balance(1, usdc_).free_units, 600);
  EXPECT_EQ(accounts_.balance(1, usdc_).locked_units, 400);
  accounts_.unlock(1, usdc_, 100);
  accounts_.consume_locked(1, usdc_, 300);
  accounts_.credit(2, usdc_, 300);
  EXPECT_EQ(accounts_.balance(1, usdc_).free_units, 700);
  EXPECT_EQ(accounts_.balance(1, usdc_).locked_units, 0);
  EXPECT_EQ(accounts_.balance(2, usdc_).free_units, 300);
  EXPECT_EQ(accounts_.total(usdc_), 1000);
}

TEST_F(AccountsTest, RejectsBadAssetsAndDeposits) {
  EXPECT_FALSE(accounts_.add_asset({"USDC", 8}).ok());
  EXPECT_FALSE(accounts_.add_asset({"X", 19}).ok());
  EXPECT_FALSE(accounts_.deposit(1, usdc_, -1).ok());
  EXPECT_FALSE(accounts_.deposit(1, usdc_, INT64_MAX).ok());
  EXPECT_FALSE(accounts_.find_asset("ETH").has_value());
}

}  // namespace
}  // namespace phoenix::sim
