#include "net/ws_frame_reader.h"

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "net/testing/ws_frames.h"

namespace phoenix::net {
namespace {

using testing::Deflater;
using testing::FrameSpec;
using testing::server_frame;
using testing::text_frame;

// One event, copied out of the reader.
struct Got {
  WsEventKind kind;
  std::string payload;
  uint16_t code = 0;
  std::string error;
  bool padded = true;  // the promised zero bytes follow a message payload

  bool operator==(const Got& o) const { return kind == o.kind && payload == o.payload && code == o.code; }
};

std::ostream& operator<<(std::ostream& os, const Got& g) {
  return os << "{kind " << static_cast<int>(g.kind) << ", " << g.payload.size() << " B, code " << g.code
            << ", " << g.error << "}";
}

Got ev(WsEventKind kind, std::string payload, uint16_t code = 0) {
  Got g{kind, std::move(payload), code, "", true};
  return g;
}
Got msg(std::string payload, WsEventKind kind = WsEventKind::kText) { return ev(kind, std::move(payload)); }

// Feeds `bytes` to `reader` in reads of at most `chunk` bytes and collects every event
// until the bytes run out or an error comes.
std::vector<Got> feed(WsFrameReader& reader, std::string_view bytes, size_t chunk) {
  std::vector<Got> out;
  size_t pos = 0;
  for (;;) {
    for (;;) {
      const WsEvent e = reader.next();
      if (e.kind == WsEventKind::kNeedMore) break;
      Got g{e.kind, std::string(e.payload), e.close_code, std::string(e.error), true};
      if (e.kind == WsEventKind::kText || e.kind == WsEventKind::kBinary) {
        for (size_t i = 0; i < 64; ++i) g.padded = g.padded && e.payload.data()[e.payload.size() + i] == 0;
      }
      out.push_back(std::move(g));
      if (e.kind == WsEventKind::kError) return out;
    }
    if (pos == bytes.size()) return out;
    EXPECT_GT(reader.read_area_size(), 0u);
    const size_t n = std::min({chunk, bytes.size() - pos, reader.read_area_size()});
    std::memcpy(reader.read_area(), bytes.data() + pos, n);
    reader.commit(n);
    pos += n;
  }
}

WsFrameReaderOptions small_buffer(size_t buffer_bytes = 4096, size_t max = 1 << 20) {
  WsFrameReaderOptions o;
  o.buffer_bytes = buffer_bytes;
  o.max_message_bytes = max;
  return o;
}

std::string book_ticker(int i) {
  return R"({"stream":"btcusdt@bookTicker","data":{"u":)" + std::to_string(400900217 + i) +
         R"(,"s":"BTCUSDT","b":"43012.)" + std::to_string(10 + i % 80) + R"(","B":"0.51200000","a":"43012.)" +
         std::to_string(11 + i % 80) + R"(","A":"1.20400000"}})";
}

// A mixed stream: small and 16-bit and 64-bit length text, binary, control frames, a
// fragmented message with a ping in the middle; and the events it must give.
struct Mixed {
  std::string bytes;
  std::vector<Got> expected;
};

Mixed mixed_stream() {
  Mixed m;
  auto add = [&m](const std::string& frame, Got g) {
    m.bytes += frame;
    m.expected.push_back(std::move(g));
  };
  add(text_frame("a"), msg("a"));
  add(text_frame(""), msg(""));
  add(text_frame(std::string(125, 'x')), msg(std::string(125, 'x')));
  add(text_frame(std::string(126, 'y')), msg(std::string(126, 'y')));
  add(text_frame("h\xc3\xa9llo \xe2\x82\xac"), msg("h\xc3\xa9llo \xe2\x82\xac"));  // UTF-8
  std::string big(70'000, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 % 251);
  add(server_frame(big, FrameSpec{.opcode = 0x2}), msg(big, WsEventKind::kBinary));
  add(server_frame("p-1", FrameSpec{.opcode = 0x9}), ev(WsEventKind::kPing, "p-1"));
  add(server_frame("", FrameSpec{.opcode = 0xa}), ev(WsEventKind::kPong, ""));
  // fragmented: "frag" + "men" + "ted \xe2\x82\xac" with the euro sign split across frames
  m.bytes += server_frame("frag", FrameSpec{.opcode = 0x1, .fin = false});
  m.bytes += server_frame("men\xe2", FrameSpec{.opcode = 0x0, .fin = false});
  add(server_frame("ping in between", FrameSpec{.opcode = 0x9}), ev(WsEventKind::kPing, "ping in between"));
  add(server_frame("\x82\xac", FrameSpec{.opcode = 0x0, .fin = true}), msg("fragmen\xe2\x82\xac"));
  for (int i = 0; i < 50; ++i) add(text_frame(book_ticker(i)), msg(book_ticker(i)));
  add(server_frame(std::string("\x03\xe8", 2) + "bye", FrameSpec{.opcode = 0x8}),
      ev(WsEventKind::kClose, "bye", 1000));
  return m;
}

TEST(WsFrameReaderTest, ManyMessagesInOneRead) {
  std::string bytes;
  for (int i = 0; i < 2000; ++i) bytes += text_frame(book_ticker(i));
  WsFrameReaderOptions o;
  o.buffer_bytes = bytes.size() + 100;
  WsFrameReader reader(o);
  std::memcpy(reader.read_area(), bytes.data(), bytes.size());
  reader.commit(bytes.size());
  for (int i = 0; i < 2000; ++i) {
    const WsEvent e = reader.next();
    ASSERT_EQ(e.kind, WsEventKind::kText) << i;
    ASSERT_EQ(e.payload, book_ticker(i)) << i;
    for (size_t j = 0; j < 64; ++j) ASSERT_EQ(e.payload.data()[e.payload.size() + j], 0) << i;
  }
  EXPECT_EQ(reader.next().kind, WsEventKind::kNeedMore);
  EXPECT_EQ(reader.pending_bytes(), 0u);
}

TEST(WsFrameReaderTest, MixedStreamWholeAndAtEveryByteBoundary) {
  const Mixed m = mixed_stream();
  for (size_t chunk :
       {size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{125}, size_t{4096}, size_t{1} << 20}) {
    WsFrameReader reader(small_buffer(64 << 10));
    const std::vector<Got> got = feed(reader, m.bytes, chunk);
    ASSERT_EQ(got, m.expected) << "chunk " << chunk;
    for (const Got& g : got) EXPECT_TRUE(g.padded) << "chunk " << chunk;
  }
}

TEST(WsFrameReaderTest, TwoFramesSplitAtEveryOffset) {
  const std::string bytes = text_frame(book_ticker(1)) + server_frame(std::string(300, 'z')) +
                            server_frame("pp", FrameSpec{.opcode = 0x9});
  const std::vector<Got> expected{msg(book_ticker(1)), msg(std::string(300, 'z')),
                                  ev(WsEventKind::kPing, "pp")};
  for (size_t split = 0; split <= bytes.size(); ++split) {
    WsFrameReader reader(small_buffer());
    std::vector<Got> got = feed(reader, bytes.substr(0, split), 1 << 20);
    const std::vector<Got> rest = feed(reader, std::string_view(bytes).substr(split), 1 << 20);
    got.insert(got.end(), rest.begin(), rest.end());
    ASSERT_EQ(got, expected) << "split at " << split;
  }
}

TEST(WsFrameReaderTest, MessageLargerThanTheReadBufferIsAssembled) {
  std::string big(100'000, 'q');
  big[12'345] = 'Q';
  const std::string bytes = text_frame("before") + text_frame(big) + text_frame("after");
  for (size_t chunk : {size_t{1000}, size_t{4096}, size_t{1} << 20}) {
    WsFrameReader reader(small_buffer(4096));
    const std::vector<Got> got = feed(reader, bytes, chunk);
    ASSERT_EQ(got, (std::vector<Got>{msg("before"), msg(big), msg("after")})) << "chunk " << chunk;
    EXPECT_TRUE(got[1].padded);
  }
}

TEST(WsFrameReaderTest, AppendKeepsBytesThatCameWithTheUpgrade) {
  WsFrameReader reader(small_buffer());
  const std::string early = text_frame("first") + text_frame("second").substr(0, 3);
  ASSERT_TRUE(reader.append(early.data(), early.size()));
  const std::vector<Got> got = feed(reader, text_frame("second").substr(3), 1);
  EXPECT_EQ(got, (std::vector<Got>{msg("first"), msg("second")}));
}

// --- permessage-deflate ---------------------------------------------------------------------

struct DeflateCase {
  bool context;
  int window_bits;
  size_t chunk;
  WsInflater inflater = WsInflater::kAuto;
};

class WsFrameReaderDeflateTest : public ::testing::TestWithParam<DeflateCase> {};

TEST_P(WsFrameReaderDeflateTest, InflatesEveryMessage) {
  const DeflateCase c = GetParam();
  Deflater deflater(c.context, c.window_bits);
  std::mt19937 rng(7);
  std::string bytes;
  std::vector<Got> expected;
  for (int i = 0; i < 300; ++i) {
    std::string m = book_ticker(i);
    if (i % 37 == 5) {  // now and then a big, poorly compressible message
      m.assign(20'000 + rng() % 20'000, ' ');
      for (char& ch : m) ch = static_cast<char>('!' + rng() % 90);
    }
    const std::string z = deflater.compress(m);
    if (i % 11 == 3 && z.size() >= 3) {
      // fragmented: RSV1 only on the first frame; a ping between fragments
      const size_t cut = z.size() / 3;
      bytes += server_frame(z.substr(0, cut), FrameSpec{.opcode = 0x1, .fin = false, .rsv1 = true});
      bytes += server_frame("hb", FrameSpec{.opcode = 0x9});
      expected.push_back(ev(WsEventKind::kPing, "hb"));
      bytes += server_frame(z.substr(cut, cut), FrameSpec{.opcode = 0x0, .fin = false});
      bytes += server_frame(z.substr(2 * cut), FrameSpec{.opcode = 0x0, .fin = true});
    } else {
      bytes += server_frame(z, FrameSpec{.opcode = 0x1, .rsv1 = true});
    }
    expected.push_back(msg(m));
    if (i % 50 == 7) {  // uncompressed messages may be interleaved (RSV1 clear)
      bytes += text_frame("plain " + std::to_string(i));
      expected.push_back(msg("plain " + std::to_string(i)));
    }
  }
  WsFrameReaderOptions o = small_buffer(16 << 10, 64 << 10);
  o.deflate = true;
  o.server_no_context_takeover = !c.context;
  o.server_max_window_bits = c.window_bits;
  o.inflater = c.inflater;
  WsFrameReader reader(o);
  const std::vector<Got> got = feed(reader, bytes, c.chunk);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i], expected[i]) << "event " << i;
    EXPECT_TRUE(got[i].padded);
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, WsFrameReaderDeflateTest,
                         ::testing::Values(DeflateCase{true, 15, 1 << 20}, DeflateCase{false, 15, 1 << 20},
                                           DeflateCase{true, 15, 1}, DeflateCase{false, 15, 1},
                                           DeflateCase{true, 15, 7}, DeflateCase{false, 15, 5},
                                           DeflateCase{true, 10, 13}, DeflateCase{false, 9, 64},
                                           // the other inflater of each mode
                                           DeflateCase{true, 15, 1 << 20, WsInflater::kZlib},
                                           DeflateCase{true, 15, 3, WsInflater::kZlib},
                                           DeflateCase{false, 15, 1 << 20, WsInflater::kBeast},
                                           DeflateCase{false, 12, 3, WsInflater::kBeast}));

class WsFrameReaderInflaterTest : public ::testing::TestWithParam<WsInflater> {
 protected:
  WsFrameReaderOptions options(size_t buffer_bytes = 4096, size_t max = 1 << 20) {
    WsFrameReaderOptions o = small_buffer(buffer_bytes, max);
    o.deflate = true;
    o.inflater = GetParam();
    return o;
  }
};

TEST_P(WsFrameReaderInflaterTest, CompressedMessageOverTheLimitIs1009) {
  Deflater deflater(true);
  const std::string z = deflater.compress(std::string(10'000, 'a'));  // tiny on the wire
  WsFrameReader reader(options(4096, 5000));
  const std::vector<Got> got = feed(reader, server_frame(z, FrameSpec{.rsv1 = true}), 1 << 20);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back().kind, WsEventKind::kError);
  EXPECT_EQ(got.back().code, 1009);
}

TEST_P(WsFrameReaderInflaterTest, CompressedMessageExactlyAtTheLimitIsFine) {
  Deflater deflater(true);
  const std::string m(5000, 'b');
  WsFrameReader reader(options(4096, 5000));
  const std::vector<Got> got = feed(reader, server_frame(deflater.compress(m), FrameSpec{.rsv1 = true}), 3);
  EXPECT_EQ(got, (std::vector<Got>{msg(m)}));
}

TEST_P(WsFrameReaderInflaterTest, CorruptDeflateDataIs1007) {
  WsFrameReader reader(options());
  const std::vector<Got> got =
      feed(reader, server_frame("\xff\xff\xff\xff garbage", FrameSpec{.rsv1 = true}), 1 << 20);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind, WsEventKind::kError);
  EXPECT_EQ(got[0].code, 1007);
  EXPECT_NE(got[0].error.find("inflate"), std::string::npos) << got[0].error;
}

// A server may end a message's deflate data with a final block (BFINAL): the next message
// starts a new deflate stream.
TEST_P(WsFrameReaderInflaterTest, FinalBlockStartsANewStream) {
  std::string bytes;
  for (int i = 0; i < 3; ++i) {
    z_stream zs{};
    ASSERT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    const std::string m = "message " + std::to_string(i);
    std::string out(256, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(m.data()));
    zs.avail_in = static_cast<uInt>(m.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    ASSERT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
    out.resize(out.size() - zs.avail_out);
    deflateEnd(&zs);
    bytes += server_frame(out, FrameSpec{.rsv1 = true});
  }
  WsFrameReader reader(options());
  EXPECT_EQ(feed(reader, bytes, 2), (std::vector<Got>{msg("message 0"), msg("message 1"), msg("message 2")}));
}

INSTANTIATE_TEST_SUITE_P(Inflaters, WsFrameReaderInflaterTest,
                         ::testing::Values(WsInflater::kZlib, WsInflater::kBeast));

// --- protocol violations ----------------------------------------------------------------------

struct BadCase {
  const char* name;
  std::string bytes;
  uint16_t code;
  const char* error_contains;
  bool deflate = false;
  size_t max = 1 << 20;
};

class WsFrameReaderErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(WsFrameReaderErrorTest, FailsWithTheRightCode) {
  const BadCase& c = GetParam();
  for (size_t chunk : {size_t{1}, size_t{1} << 20}) {
    WsFrameReaderOptions o = small_buffer(4096, c.max);
    o.deflate = c.deflate;
    WsFrameReader reader(o);
    const std::vector<Got> got = feed(reader, text_frame("ok") + c.bytes, chunk);
    ASSERT_GE(got.size(), 2u) << c.name;
    EXPECT_EQ(got[0], msg("ok"));
    EXPECT_EQ(got.back().kind, WsEventKind::kError) << c.name;
    EXPECT_EQ(got.back().code, c.code) << c.name << ": " << got.back().error;
    EXPECT_NE(got.back().error.find(c.error_contains), std::string::npos)
        << c.name << ": " << got.back().error;
    // finished: the same error again
    EXPECT_EQ(reader.next().kind, WsEventKind::kError);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, WsFrameReaderErrorTest,
    ::testing::Values(
        BadCase{"masked", server_frame("hi", FrameSpec{.masked = true}), 1002, "masked"},
        BadCase{"rsv1_without_deflate", server_frame("not deflated at all", FrameSpec{.rsv1 = true}), 1002,
                "RSV1"},
        BadCase{"rsv1_on_continuation",
                server_frame("a", FrameSpec{.fin = false, .rsv1 = true}) +
                    server_frame("b", FrameSpec{.opcode = 0x0, .rsv1 = true}),
                1002, "continuation", true},
        BadCase{"rsv2", server_frame("a", FrameSpec{.rsv2 = true}), 1002, "RSV2"},
        BadCase{"unknown_data_opcode", server_frame("a", FrameSpec{.opcode = 0x3}), 1002, "opcode"},
        BadCase{"unknown_control_opcode", server_frame("a", FrameSpec{.opcode = 0xb}), 1002, "opcode"},
        BadCase{"fragmented_ping", server_frame("a", FrameSpec{.opcode = 0x9, .fin = false}), 1002,
                "fragmented"},
        BadCase{"long_ping", server_frame(std::string(126, 'p'), FrameSpec{.opcode = 0x9}), 1002, "125"},
        BadCase{"lonely_continuation", server_frame("a", FrameSpec{.opcode = 0x0}), 1002, "continuation"},
        BadCase{"interleaved_message",
                server_frame("a", FrameSpec{.fin = false}) + server_frame("b", FrameSpec{.opcode = 0x1}),
                1002, "fragmented message"},
        BadCase{"non_minimal_length", server_frame("short", FrameSpec{.length_bytes = 2}), 1002, "minimal"},
        BadCase{"non_minimal_64", server_frame(std::string(300, 'a'), FrameSpec{.length_bytes = 8}), 1002,
                "minimal"},
        BadCase{"bad_utf8", text_frame("\xff\xfe invalid"), 1007, "UTF-8"},
        BadCase{"bad_utf8_truncated_sequence", text_frame("abc \xe2\x82"), 1007, "UTF-8"},
        BadCase{
            "bad_utf8_fragmented",
            server_frame("ok \xc3", FrameSpec{.fin = false}) + server_frame("(", FrameSpec{.opcode = 0x0}),
            1007, "UTF-8"},
        BadCase{"oversized_announced", server_frame("", FrameSpec{.announced = 64 << 20}), 1009,
                "read_message_max_bytes"},
        BadCase{"oversized_fragments",
                server_frame(std::string(600, 'a'), FrameSpec{.fin = false}) +
                    server_frame(std::string(600, 'a'), FrameSpec{.opcode = 0x0}),
                1009, "read_message_max_bytes", false, 1000},
        BadCase{"close_one_byte", server_frame("\x03", FrameSpec{.opcode = 0x8}), 1002, "1-byte"},
        BadCase{"close_code_1005", server_frame(std::string("\x03\xed", 2), FrameSpec{.opcode = 0x8}), 1002,
                "invalid code"},
        BadCase{"close_reason_bad_utf8",
                server_frame(std::string("\x03\xe8\xff", 3), FrameSpec{.opcode = 0x8}), 1007, "UTF-8"}),
    [](const ::testing::TestParamInfo<BadCase>& p) { return std::string(p.param.name); });

TEST(WsFrameReaderTest, BinaryMessagesNeedNotBeUtf8) {
  WsFrameReader reader(small_buffer());
  const std::vector<Got> got = feed(reader, server_frame("\xff\xfe", FrameSpec{.opcode = 0x2}), 1);
  EXPECT_EQ(got, (std::vector<Got>{msg("\xff\xfe", WsEventKind::kBinary)}));
}

TEST(WsFrameReaderTest, CloseWithoutPayload) {
  WsFrameReader reader(small_buffer());
  const std::vector<Got> got = feed(reader, server_frame("", FrameSpec{.opcode = 0x8}), 1);
  EXPECT_EQ(got, (std::vector<Got>{ev(WsEventKind::kClose, "", 0)}));
}

TEST(WsFrameReaderTest, Utf8Validation) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii, long enough to take the 8-byte path"));
  EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x98\x80 emoji and \xc3\xa9"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));                // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));            // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));        // > U+10FFFF
  EXPECT_FALSE(is_valid_utf8("ascii ascii ascii \x80"));  // lone continuation after the fast path
}

TEST(WsFrameReaderTest, EncodesMaskedClientFrames) {
  const unsigned char mask[4] = {1, 2, 3, 4};
  std::string out;
  encode_client_frame(0xa, "abc", mask, out);
  ASSERT_EQ(out.size(), 2u + 4u + 3u);
  EXPECT_EQ(static_cast<unsigned char>(out[0]), 0x8a);
  EXPECT_EQ(static_cast<unsigned char>(out[1]), 0x83);
  EXPECT_EQ(out[6], 'a' ^ 1);
  EXPECT_EQ(out[7], 'b' ^ 2);
  EXPECT_EQ(out[8], 'c' ^ 3);
  encode_client_frame(0x1, std::string(300, 'x'), mask, out);
  EXPECT_EQ(static_cast<unsigned char>(out[1]), 0x80 | 126);
  EXPECT_EQ(out.size(), 4u + 4u + 300u);
  encode_client_frame(0x1, std::string(70'000, 'x'), mask, out);
  EXPECT_EQ(static_cast<unsigned char>(out[1]), 0x80 | 127);
  EXPECT_EQ(out.size(), 10u + 4u + 70'000u);
}

}  // namespace
}  // namespace phoenix::net
