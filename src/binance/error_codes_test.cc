#include "binance/error_codes.h"

#include <gtest/gtest.h>

namespace phoenix::binance {
namespace {

using core::FailureAction;
using core::RequestKind;

struct Case {
  RequestKind kind;
  int code;
  int http;
  FailureAction want;
};

TEST(ErrorCodesTest, ClassifiesEveryDocumentedCode) {
  const Case cases[] = {
      {RequestKind::kPlace, -1021, 400, FailureAction::kResyncTime},
      {RequestKind::kPlace, -1007, 408, FailureAction::kUnknown},
      {RequestKind::kPlace, -1007, 0, FailureAction::kUnknown},
      {RequestKind::kPlace, -1006, 0, FailureAction::kUnknown},
      {RequestKind::kPlace, -1000, 500, FailureAction::kUnknown},
      {RequestKind::kPlace, 0, 0, FailureAction::kUnknown},  // timeout / dropped
      {RequestKind::kPlace, 0, 503, FailureAction::kUnknown},
      {RequestKind::kPlace, 0, 502, FailureAction::kUnknown},
      {RequestKind::kPlace, -1003, 429, FailureAction::kRetryLater},
      {RequestKind::kPlace, -1003, 0, FailureAction::kRetryLater},
      {RequestKind::kPlace, -1015, 429, FailureAction::kRetryLater},
      {RequestKind::kPlace, -1008, 503, FailureAction::kRetryLater},
      {RequestKind::kPlace, -1003, 418, FailureAction::kBanned},
      {RequestKind::kCancel, 0, 418, FailureAction::kBanned},
      {RequestKind::kPlace, -2010, 400, FailureAction::kRejected},
      {RequestKind::kCancelReplace, -2010, 400, FailureAction::kRejected},
      {RequestKind::kCancel, -2011, 400, FailureAction::kOrderGone},
      {RequestKind::kQuery, -2013, 400, FailureAction::kOrderGone},
      {RequestKind::kCancelAll, -2011, 400, FailureAction::kOrderGone},
      {RequestKind::kQuery, -2026, 400, FailureAction::kOrderGone},
      {RequestKind::kPlace, -2014, 401, FailureAction::kHalt},
      {RequestKind::kPlace, -2015, 401, FailureAction::kHalt},
      {RequestKind::kPlace, -1022, 400, FailureAction::kHalt},
      {RequestKind::kPlace, -1002, 401, FailureAction::kHalt},
      {RequestKind::kAccount, -4056, 400, FailureAction::kHalt},
      {RequestKind::kPlace, -1013, 400, FailureAction::kRejected},
      {RequestKind::kPlace, -1111, 400, FailureAction::kRejected},
      {RequestKind::kPlace, -1100, 400, FailureAction::kRejected},
      {RequestKind::kPlace, -1102, 400, FailureAction::kRejected},
      {RequestKind::kPlace, -1121, 400, FailureAction::kRejected},
      {RequestKind::kAmend, -2038, 400, FailureAction::kRejected},
      {RequestKind::kQuery, -2039, 400, FailureAction::kRejected},
      {RequestKind::kCancelReplace, -2021, 409, FailureAction::kRejected},
      {RequestKind::kCancelReplace, -2022, 400, FailureAction::kRejected},
      {RequestKind::kPlace, -9999, 400, FailureAction::kRejected},  // unknown 4xx
      {RequestKind::kPlace, -9999, 500, FailureAction::kUnknown},   // unknown 5xx
      {RequestKind::kPlace, -1099, 0, FailureAction::kUnknown},     // unknown server-side
  };
  for (const Case& c : cases) {
    EXPECT_EQ(classify_failure(c.kind, c.code, c.http), c.want)
        << "code " << c.code << " http " << c.http << " got "
        << to_string(classify_failure(c.kind, c.code, c.http)) << " want " << to_string(c.want);
  }
}

TEST(ErrorCodesTest, NamesCodes) {
  EXPECT_EQ(error_name(-2010), "NEW_ORDER_REJECTED");
  EXPECT_EQ(error_name(-1021), "INVALID_TIMESTAMP");
  EXPECT_EQ(error_name(-2011), "CANCEL_REJECTED");
  EXPECT_EQ(error_name(-1013), "INVALID_MESSAGE");
  EXPECT_EQ(error_name(0), "NONE");
  EXPECT_EQ(error_name(-424242), "UNKNOWN_CODE");
  EXPECT_EQ(to_string(FailureAction::kOrderGone), "order_gone");
}

}  // namespace
}  // namespace phoenix::binance
