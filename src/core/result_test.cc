#include "core/result.h"

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "core/secret.h"
#include "core/secret_fmt.h"

namespace phoenix::core {
namespace {

Result<int> half(int x) {
  if (x % 2 != 0) return Error{ErrorCode::kInvalidArgument, std::to_string(x) + " is odd"};
  return x / 2;
}

TEST(ResultTest, HoldsValueOrError) {
  auto ok = half(4);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 2);
  auto bad = half(3);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().to_string(), "invalid_argument: 3 is odd");
  EXPECT_EQ(bad.value_or(-1), -1);
}

TEST(ResultTest, MoveOnlyValuesAndVoid) {
  Result<std::unique_ptr<int>> p = std::make_unique<int>(7);
  ASSERT_TRUE(p.ok());
  std::unique_ptr<int> taken = std::move(p).value();
  EXPECT_EQ(*taken, 7);
  Status s;
  EXPECT_TRUE(s.ok());
  Status e = Error{ErrorCode::kTimeout, "late"};
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(to_string(e.error().code), "timeout");
}

TEST(SecretTest, NeverFormatsItsValue) {
  Secret s("hunter2-very-secret");
  EXPECT_EQ(fmt::format("{}", s), "***");
  EXPECT_EQ(s.masked(), "***");
  EXPECT_EQ(s.reveal(), "hunter2-very-secret");
  EXPECT_EQ(fmt::format("{}", Secret()), "");
}

}  // namespace
}  // namespace phoenix::core
