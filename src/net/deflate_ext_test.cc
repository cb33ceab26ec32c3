#include "net/deflate_ext.h"

#include <boost/beast/http/fields.hpp>
#include <boost/beast/websocket/detail/pmd_extension.hpp>
#include <gtest/gtest.h>

namespace phoenix::net {
namespace {

struct Row {
  const char* header;
  bool offered;
  bool ok;
  DeflateParams want;  // when ok
};

DeflateParams pmd(bool snct, bool cnct, int smwb = 15, int cmwb = 15) {
  return {true, snct, cnct, smwb, cmwb};
}
const DeflateParams kOff{};

// Answers real servers give, and what we must make of them.
const Row kRows[] = {
    // Binance.
    {"permessage-deflate; server_max_window_bits=15", true, true, pmd(false, false)},
    // Beast server answering our kContext offer.
    {"permessage-deflate; client_no_context_takeover; client_max_window_bits=15", true, true,
     pmd(false, true)},
    // python websockets / node ws answering a Beast offer with both flags forced.
    {"permessage-deflate; server_max_window_bits=15; client_max_window_bits=15; server_no_context_takeover; "
     "client_no_context_takeover",
     true, true, pmd(true, true)},
    // ... and answering a bare offer.
    {"permessage-deflate; server_no_context_takeover; client_no_context_takeover", true, true,
     pmd(true, true)},
    // python websockets default (12 bits).
    {"permessage-deflate; server_max_window_bits=12; client_max_window_bits=12", true, true,
     pmd(false, false, 12, 12)},
    // Order, case, whitespace, quoting.
    {"  Permessage-Deflate ;CLIENT_NO_CONTEXT_TAKEOVER;\tserver_max_window_bits = \"10\"  ", true, true,
     pmd(false, true, 10, 15)},
    {"permessage-deflate; client_max_window_bits", true, true, pmd(false, false)},
    // Unknown extensions are tolerated (listed in `other`).
    {"x-webkit-deflate-frame, permessage-deflate; server_no_context_takeover", true, true, pmd(true, false)},
    {"x-foo; bar=1", true, true, kOff},
    {",, permessage-deflate ,", true, true, pmd(false, false)},
    // No compression.
    {"", true, true, kOff},
    {"", false, true, kOff},
    {"   ", false, true, kOff},
    // Cannot honour.
    {"permessage-deflate", false, false, kOff},                           // not offered
    {"permessage-deflate; server_max_window_bits=8", true, false, kOff},  // zlib window 8
    {"permessage-deflate; client_max_window_bits=8", true, false, kOff},
    {"permessage-deflate; server_max_window_bits=16", true, false, kOff},
    {"permessage-deflate; server_max_window_bits=015", true, false, kOff},
    {"permessage-deflate; server_max_window_bits", true, false, kOff},        // value required
    {"permessage-deflate; server_no_context_takeover=1", true, false, kOff},  // no value allowed
    {"permessage-deflate; server_no_context_takeover; server_no_context_takeover", true, false, kOff},
    {"permessage-deflate; mystery_param", true, false, kOff},
    {"permessage-deflate, permessage-deflate; client_no_context_takeover", true, false, kOff},
    // Garbage.
    {"permessage-deflate;", true, false, kOff},
    {"permessage-deflate; =15", true, false, kOff},
    {"permessage-deflate; server_max_window_bits=\"15", true, false, kOff},
    {"permessage-deflate server_max_window_bits=15", true, false, kOff},
    {";;;", true, false, kOff},
    {"\x01\x02", true, false, kOff},
};

TEST(DeflateExtTest, AnswerTable) {
  for (const Row& row : kRows) {
    auto got = check_deflate_answer(row.header, row.offered);
    EXPECT_EQ(got.ok(), row.ok) << '"' << row.header << "\" " << (got.ok() ? "" : got.error().message);
    if (!got.ok() || !row.ok) continue;
    EXPECT_EQ(got->deflate, row.want) << row.header;
    EXPECT_EQ(got->raw, row.header);
  }
}

// Whenever we accept an answer that turns deflate on, Beast 1.81 (which parses the same
// header on its own and silently declines what it does not understand) must agree, or the
// server would compress frames Beast does not inflate.
TEST(DeflateExtTest, AcceptedAnswersAgreeWithBeast) {
  for (const Row& row : kRows) {
    auto got = check_deflate_answer(row.header, row.offered);
    if (!got.ok() || !got->deflate.enabled) continue;
    boost::beast::http::fields fields;
    fields.set(boost::beast::http::field::sec_websocket_extensions, row.header);
    boost::beast::websocket::detail::pmd_offer beast;
    boost::beast::websocket::detail::pmd_read(beast, fields);
    EXPECT_TRUE(beast.accept) << row.header;
    EXPECT_EQ(beast.server_no_context_takeover, got->deflate.server_no_context_takeover) << row.header;
    EXPECT_EQ(beast.client_no_context_takeover, got->deflate.client_no_context_takeover) << row.header;
    if (beast.server_max_window_bits > 0) {
      EXPECT_EQ(beast.server_max_window_bits, got->deflate.server_max_window_bits) << row.header;
    }
  }
}

TEST(DeflateExtTest, RefusalSaysWhy) {
  auto got = check_deflate_answer("permessage-deflate; server_max_window_bits=8", true);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().message.find("server_max_window_bits=8"), std::string::npos) << got.error().message;
  EXPECT_NE(got.error().message.find("9..15"), std::string::npos) << got.error().message;
}

TEST(DeflateExtTest, OtherExtensionsAreListed) {
  auto got = check_deflate_answer("x-foo; a=1, permessage-deflate, x-bar", true);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_TRUE(got->deflate.enabled);
  EXPECT_EQ(got->other, (std::vector<std::string>{"x-foo", "x-bar"}));
}

TEST(DeflateExtTest, ParsesQuotedValuesWithEscapes) {
  auto list = parse_extension_list(R"(x-ext; a="b\"c"; d = e ; f)");
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 1u);
  const auto& params = (*list)[0].params;
  ASSERT_EQ(params.size(), 3u);
  EXPECT_EQ(params[0].value.value_or("?"), "b\"c");
  EXPECT_EQ(params[1].value.value_or("?"), "e");
  EXPECT_FALSE(params[2].value.has_value());
}

TEST(DeflateExtTest, DescribesAgreement) {
  EXPECT_EQ(describe(kOff), "none");
  EXPECT_EQ(describe(pmd(true, true)),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
            "server_max_window_bits=15; "
            "client_max_window_bits=15");
}

}  // namespace
}  // namespace phoenix::net
