#include "binance/control_messages.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace phoenix::binance {
namespace {

using ::testing::ElementsAre;

TEST(ControlMessagesTest, EncodesRequestsLikeTheDocs) {
  const std::vector<std::string> streams = {"btcusdt@aggTrade", "btcusdt@depth"};
  EXPECT_EQ(encode_subscribe(streams, 1),
            R"({"method":"SUBSCRIBE","params":["btcusdt@aggTrade","btcusdt@depth"],"id":1})");
  EXPECT_EQ(encode_unsubscribe(std::vector<std::string>{"btcusdt@depth"}, 312),
            R"({"method":"UNSUBSCRIBE","params":["btcusdt@depth"],"id":312})");
  EXPECT_EQ(encode_list_subscriptions(3), R"({"method":"LIST_SUBSCRIPTIONS","id":3})");
  EXPECT_EQ(encode_subscribe({}, -9223372036854775807 - 1),
            R"({"method":"SUBSCRIBE","params":[],"id":-9223372036854775808})");
}

TEST(ControlMessagesTest, EscapesStreamNames) {
  EXPECT_EQ(encode_subscribe(std::vector<std::string>{"a\"b\\c\n\x01"}, 7),
            R"({"method":"SUBSCRIBE","params":["a\"b\\c\n\u0001"],"id":7})");
}

class ControlReplyDecoderTest : public ::testing::Test {
 protected:
  DecodeResult decode(std::string_view json) { return decoder_.decode(json, reply_); }

  ControlReplyDecoder decoder_;
  ControlReply reply_;
};

TEST_F(ControlReplyDecoderTest, DecodesNullResult) {
  ASSERT_TRUE(decode(R"({"result":null,"id":1})").ok());
  EXPECT_EQ(reply_.kind, ControlReply::Kind::kOk);
  EXPECT_EQ(reply_.id, 1);
}

TEST_F(ControlReplyDecoderTest, DecodesListResult) {
  const DecodeResult r = decode(R"({"result":["btcusdt@aggTrade","ethusdc@depth@100ms"],"id":3})");
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_EQ(r.kind(), MessageKind::kControlReply);
  EXPECT_EQ(reply_.kind, ControlReply::Kind::kList);
  EXPECT_EQ(reply_.id, 3);
  EXPECT_THAT(reply_.list, ElementsAre("btcusdt@aggTrade", "ethusdc@depth@100ms"));
  ASSERT_TRUE(decode(R"({"result":[],"id":4})").ok());
  EXPECT_TRUE(reply_.list.empty());
}

TEST_F(ControlReplyDecoderTest, DecodesBooleanResult) {
  ASSERT_TRUE(decode(R"({"result":true,"id":2})").ok());
  EXPECT_EQ(reply_.kind, ControlReply::Kind::kValue);
  EXPECT_TRUE(reply_.value);
}

TEST_F(ControlReplyDecoderTest, DecodesErrors) {
  ASSERT_TRUE(decode(R"({"error":{"code":2,"msg":"Invalid request: invalid stream"},"id":2})").ok());
  EXPECT_EQ(reply_.kind, ControlReply::Kind::kError);
  EXPECT_EQ(reply_.id, 2);
  EXPECT_EQ(reply_.error_code, 2);
  EXPECT_EQ(reply_.error_msg, "Invalid request: invalid stream");
}

TEST_F(ControlReplyDecoderTest, DecodesIdsOfEveryType) {
  ASSERT_TRUE(decode(R"({"id":5,"result":null})").ok());  // any field order
  EXPECT_EQ(reply_.id, 5);
  ASSERT_TRUE(decode(R"({"result":null,"id":null})").ok());
  EXPECT_FALSE(reply_.id.has_value());
  ASSERT_TRUE(decode(R"({"result":null,"id":"req-7"})").ok());
  EXPECT_FALSE(reply_.id.has_value());
  EXPECT_EQ(reply_.id_text, "req-7");
  ASSERT_TRUE(decode(R"({"result":null,"id":-9223372036854775808})").ok());
  EXPECT_EQ(reply_.id, INT64_MIN);
}

TEST_F(ControlReplyDecoderTest, RejectsMalformedReplies) {
  EXPECT_EQ(decode(R"({"result":null})").error(), DecodeError::kMissingField);
  EXPECT_EQ(decode(R"({"id":1})").error(), DecodeError::kMissingField);
  EXPECT_EQ(decode(R"({"error":{"code":"2","msg":"x"},"id":1})").error(), DecodeError::kWrongType);
  EXPECT_EQ(decode(R"({"error":{"code":2},"id":1})").error(), DecodeError::kMissingField);
  EXPECT_EQ(decode(R"({"result":[1],"id":1})").error(), DecodeError::kWrongType);
  EXPECT_EQ(decode(R"({"result":{},"id":1})").error(), DecodeError::kUnexpectedShape);
  EXPECT_EQ(decode(R"({"result":null,"id":[1]})").error(), DecodeError::kWrongType);
  EXPECT_EQ(decode(R"({"result":null,"id":1)").error(), DecodeError::kBadJson);
  EXPECT_EQ(decode("").error(), DecodeError::kEmpty);
  EXPECT_EQ(decode("[]").error(), DecodeError::kUnexpectedShape);
  // And then a good one.
  ASSERT_TRUE(decode(R"({"result":null,"id":9})").ok());
  EXPECT_EQ(reply_.id, 9);
}

}  // namespace
}  // namespace phoenix::binance
