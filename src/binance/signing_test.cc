#include "binance/signing.h"

#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace phoenix::binance {
namespace {

// The example key pair of Binance's API docs (binance-spot-api.md §4).
constexpr char kDocApiKey[] = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
constexpr char kDocSecret[] = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
// The Ed25519 key published in fix-api.md.
constexpr char kDocEd25519Pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIIJEYWtGBrhACmb9Dvy+qa8WEf0lQOl1s4CLIAB9m89u\n"
    "-----END PRIVATE KEY-----\n";
constexpr char kFullWidth123456[] =
    "\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93\xEF\xBC\x94\xEF\xBC\x95\xEF\xBC\x96";

std::unique_ptr<Signer> hmac() {
  auto s = make_hmac_signer(core::Secret(kDocSecret));
  EXPECT_TRUE(s.ok()) << s.error().message;
  return std::move(s).value();
}
std::unique_ptr<Signer> ed25519() {
  auto s = make_ed25519_signer(core::Secret(kDocEd25519Pem));
  EXPECT_TRUE(s.ok()) << s.error().message;
  return std::move(s).value();
}

// The params of the docs' REST LIMIT order example, before recvWindow and timestamp.
const std::vector<Param> kRestOrder = {{"symbol", "LTCBTC"},   {"side", "BUY"},   {"type", "LIMIT"},
                                       {"timeInForce", "GTC"}, {"quantity", "1"}, {"price", "0.1"}};

TEST(SigningTest, HmacRestQueryOnlyVector) {
  auto signer = hmac();
  EXPECT_EQ(signer->kind(), SignatureKind::kHmacSha256);
  auto req = sign_rest_request(*signer, kRestOrder, {}, 1499827319559, 5000);
  ASSERT_TRUE(req.ok()) << req.error().message;
  EXPECT_EQ(
      req->query,
      "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&"
      "timestamp=1499827319559&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
  EXPECT_EQ(req->body, "");
}

TEST(SigningTest, HmacSignerGivesTheVectorAgainAfterOtherPayloads) {
  // The signer reuses one context: each signature must start from the key, whatever was
  // signed before (including an empty payload).
  auto signer = hmac();
  const std::string payload =
      "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&"
      "timestamp=1499827319559";
  const std::string want = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71";
  for (int i = 0; i < 3; ++i) {
    auto first = signer->sign(payload);
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(*first, want);
    auto other = signer->sign(i == 1 ? std::string() : std::string(1000, 'x'));
    ASSERT_TRUE(other.ok());
    EXPECT_NE(*other, want);
  }
}

TEST(SigningTest, HmacRestAllInBodyGivesTheSameSignature) {
  auto signer = hmac();
  auto req = sign_rest_request(*signer, {}, kRestOrder, 1499827319559, 5000);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->query, "");
  EXPECT_TRUE(
      req->body.ends_with("&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"))
      << req->body;
}

TEST(SigningTest, HmacRestMixedQueryAndBodyVector) {
  // Payload = query + body with no separator.
  auto signer = hmac();
  const std::vector<Param> query(kRestOrder.begin(), kRestOrder.begin() + 4);
  const std::vector<Param> body(kRestOrder.begin() + 4, kRestOrder.end());
  auto req = sign_rest_request(*signer, query, body, 1499827319559, 5000);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->query, "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC");
  EXPECT_EQ(req->body,
            "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&"
            "signature=0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77");
}

TEST(SigningTest, HmacRestNonAsciiSymbolIsEncodedBeforeSigning) {
  auto signer = hmac();
  std::vector<Param> params = kRestOrder;
  params[0].value = kFullWidth123456;
  auto req = sign_rest_request(*signer, params, {}, 1499827319559, 5000);
  ASSERT_TRUE(req.ok());
  EXPECT_TRUE(
      req->query.starts_with("symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY"));
  EXPECT_TRUE(
      req->query.ends_with("&signature=e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"))
      << req->query;
}

TEST(SigningTest, RecvWindowIsOptional) {
  auto signer = hmac();
  auto req =
      sign_rest_request(*signer, std::vector<Param>{{"symbol", "LTCBTC"}}, {}, 1499827319559, std::nullopt);
  ASSERT_TRUE(req.ok());
  const std::string unsigned_part = "symbol=LTCBTC&timestamp=1499827319559";
  ASSERT_TRUE(req->query.starts_with(unsigned_part + "&signature="));
  EXPECT_EQ(req->query.substr(unsigned_part.size() + 11), signer->sign(unsigned_part).value());
}

TEST(SigningTest, HmacWsApiVector) {
  auto signer = hmac();
  // Given unsorted (and with a stale signature, which is not signed).
  const std::vector<Param> params = {{"symbol", "BTCUSDT"},      {"side", "SELL"},
                                     {"type", "LIMIT"},          {"timeInForce", "GTC"},
                                     {"quantity", "0.01000000"}, {"price", "52000.00"},
                                     {"recvWindow", "100"},      {"timestamp", "1645423376532"},
                                     {"apiKey", kDocApiKey},     {"signature", "old"}};
  auto payload = ws_signature_payload(params);
  ASSERT_TRUE(payload.ok());
  EXPECT_EQ(*payload, std::string("apiKey=") + kDocApiKey +
                          "&price=52000.00&quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&"
                          "timeInForce=GTC&timestamp=1645423376532&type=LIMIT");
  auto sig = sign_ws_params(*signer, params);
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(*sig, "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24");
}

TEST(SigningTest, HmacWsApiRawUtf8Vector) {
  auto signer = hmac();
  const std::vector<Param> params = {{"apiKey", kDocApiKey},
                                     {"price", "0.10000000"},
                                     {"quantity", "1.00000000"},
                                     {"recvWindow", "5000"},
                                     {"side", "BUY"},
                                     {"symbol", kFullWidth123456},
                                     {"timeInForce", "GTC"},
                                     {"timestamp", "1645423376532"},
                                     {"type", "LIMIT"}};
  auto sig = sign_ws_params(*signer, params);
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(*sig, "b33892ae8e687c939f4468c6268ddd4c40ac1af18ad19a064864c47bae0752cd");
}

TEST(SigningTest, Ed25519FixApiVector) {
  auto signer = ed25519();
  EXPECT_EQ(signer->kind(), SignatureKind::kEd25519);
  const std::string payload =
      std::string("A\x01") + "EXAMPLE\x01SPOT\x01" + "1\x01" + "20240627-11:17:25.223";
  auto sig = signer->sign(payload);
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(*sig, "4MHXelVVcpkdwuLbl6n73HQUXUf1dse2PCgT1DYqW9w8AVZ1RACFGM+5UdlGPrQHrgtS3CvsRURC1oj73j8gCA==");
}

TEST(SigningTest, Ed25519WsApiVector) {
  auto signer = ed25519();
  std::vector<OwnedParam> params = {
      {"type", "LIMIT"},
      {"timestamp", "1645423376532"},
      {"timeInForce", "GTC"},
      {"symbol", "BTCUSDT"},
      {"side", "SELL"},
      {"recvWindow", "100"},
      {"quantity", "0.01000000"},
      {"price", "52000.00"},
      {"apiKey", "4yNzx3yWC5bS6YTwEkSRaC0nRmSQIIStAUOh1b6kqaBrTLIhjCpI5lJH8q8R8WNO"}};
  ASSERT_TRUE(add_ws_signature(*signer, params).ok());
  ASSERT_EQ(params.size(), 10u);
  EXPECT_EQ(params.front().name, "apiKey");  // sorted
  EXPECT_EQ(params.back().name, "signature");
  EXPECT_EQ(params.back().value,
            "82wlF5RobwT7JZehRQgOaupNEm5GrAqJj5tqZeCCE6ZxkhlUbWBThOx00q3FVnCKn882P+9p85phztjk4bOMAQ==");
  // Signing again replaces the signature instead of signing it.
  ASSERT_TRUE(add_ws_signature(*signer, params).ok());
  ASSERT_EQ(params.size(), 10u);
  EXPECT_EQ(params.back().value,
            "82wlF5RobwT7JZehRQgOaupNEm5GrAqJj5tqZeCCE6ZxkhlUbWBThOx00q3FVnCKn882P+9p85phztjk4bOMAQ==");
}

TEST(SigningTest, Ed25519RestSignatureIsPercentEncoded) {
  auto signer = ed25519();
  auto req = sign_rest_request(*signer, kRestOrder, {}, 1499827319559, 5000);
  ASSERT_TRUE(req.ok());
  const size_t at = req->query.find("&signature=");
  ASSERT_NE(at, std::string::npos);
  const std::string signed_part = req->query.substr(0, at);
  const std::string sig = signer->sign(signed_part).value();
  EXPECT_EQ(sig.size(), 88u);
  EXPECT_EQ(req->query.substr(at + 11), percent_encode(sig));
  EXPECT_EQ(req->query.find_first_of("+/", at), std::string::npos);
}

TEST(SigningTest, PercentEncodingKeepsOnlyTheUnreservedSet) {
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode("a b+c/d=e&f?g#h%i:j,k\"l"), "a%20b%2Bc%2Fd%3De%26f%3Fg%23h%25i%3Aj%2Ck%22l");
  EXPECT_EQ(percent_encode("\xC3\xA9\x01\xFF"), "%C3%A9%01%FF");  // UTF-8 bytes, control, 0xFF
  EXPECT_EQ(percent_encode(std::string_view("\0", 1)), "%00");
  EXPECT_EQ(encode_params(std::vector<Param>{{"symbols", "[\"ETHUSDC\",\"BTCUSDC\"]"}, {"a b", ""}}),
            "symbols=%5B%22ETHUSDC%22%2C%22BTCUSDC%22%5D&a%20b=");
}

TEST(SigningTest, PayloadNeedingEncodingIsSignedAsSent) {
  auto signer = hmac();
  const std::vector<Param> params = {{"symbol", "ETHUSDC"}, {"newClientOrderId", "phx a/b+c"}};
  auto req = sign_rest_request(*signer, params, {}, 1, std::nullopt);
  ASSERT_TRUE(req.ok());
  const std::string sent = "symbol=ETHUSDC&newClientOrderId=phx%20a%2Fb%2Bc&timestamp=1";
  ASSERT_TRUE(req->query.starts_with(sent + "&signature="));
  EXPECT_EQ(req->query.substr(sent.size() + 11), signer->sign(sent).value());
}

TEST(SigningTest, WsApiRejectsDuplicateAndEmptyNames) {
  auto dup = ws_signature_payload(std::vector<Param>{{"a", "1"}, {"b", "2"}, {"a", "3"}});
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("duplicate"), std::string::npos);
  EXPECT_FALSE(ws_signature_payload(std::vector<Param>{{"", "1"}}).ok());
  EXPECT_EQ(ws_signature_payload({}).value(), "");
}

TEST(SigningTest, EmptyHmacSecretIsAnError) {
  auto s = make_hmac_signer(core::Secret());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, core::ErrorCode::kInvalidArgument);
}

// A PEM of a freshly generated key: EC P-256, or Ed25519 encrypted with a passphrase.
std::string other_key_pem(bool encrypted_ed25519) {
  EVP_PKEY* key = encrypted_ed25519 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519") : EVP_EC_gen("P-256");
  BIO* bio = BIO_new(BIO_s_mem());
  char pass[] = "hunter2";
  if (encrypted_ed25519) {
    PEM_write_bio_PKCS8PrivateKey(bio, key, EVP_aes_256_cbc(), pass, 7, nullptr, nullptr);
  } else {
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(n));
  BIO_free(bio);
  EVP_PKEY_free(key);
  return pem;
}

TEST(SigningTest, BadPrivateKeysAreClearErrorsThatNeverQuoteTheKey) {
  const std::string truncated = std::string(kDocEd25519Pem).substr(0, 60) + "\n-----END PRIVATE KEY-----\n";
  const std::string garbage_body =
      "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END PRIVATE KEY-----\n";
  const struct {
    std::string pem;
    const char* expect;
  } cases[] = {
      {"", "empty"},
      {"MC4CAQAwBQYDK2VwBCIEIIJEYWtGBrhACmb9Dvy+qa8WEf0lQOl1s4CLIAB9m89u", "not PEM"},
      {kDocSecret, "not PEM"},
      {truncated, "cannot read"},
      {garbage_body, "cannot read"},
      {other_key_pem(false), "not ED25519"},
      {other_key_pem(true), "cannot read"},  // encrypted: fails, never prompts
  };
  for (const auto& c : cases) {
    auto s = make_ed25519_signer(core::Secret(c.pem));
    ASSERT_FALSE(s.ok()) << c.expect;
    EXPECT_EQ(s.error().code, core::ErrorCode::kInvalidArgument);
    EXPECT_NE(s.error().message.find(c.expect), std::string::npos) << s.error().message;
    EXPECT_EQ(s.error().message.find("MC4CAQAw"), std::string::npos) << s.error().message;
    EXPECT_EQ(s.error().message.find("bm90IGEga2V5"), std::string::npos) << s.error().message;
    EXPECT_EQ(s.error().message.find(kDocSecret), std::string::npos) << s.error().message;
    EXPECT_EQ(ERR_peek_error(), 0u) << "the OpenSSL error queue is left clean";
  }
}

TEST(ServerTimeTest, OffsetIsServerTimeMinusTheRoundTripMidpoint) {
  auto o = estimate_server_time_offset({1'000, 1'100, 5'000});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->offset_ms, 3'950);
  EXPECT_EQ(o->round_trip_ms, 100);
  // Odd round trip: the midpoint rounds down (1050.5 -> 1050).
  EXPECT_EQ(estimate_server_time_offset({1'000, 1'101, 5'000})->offset_ms, 3'950);
  // The server behind us.
  EXPECT_EQ(estimate_server_time_offset({1'764'000'000'000, 1'764'000'000'040, 1'763'999'999'000})->offset_ms,
            -1'020);
  // Zero round trip.
  EXPECT_EQ(estimate_server_time_offset({7, 7, 7})->offset_ms, 0);
}

TEST(ServerTimeTest, TimestampToSendIsLocalPlusOffset) {
  const ServerTimeOffset o{3'950, 100};
  EXPECT_EQ(server_timestamp_ms(10'000, o), 13'950);
  EXPECT_EQ(server_timestamp_ms(10'000, ServerTimeOffset{-20'000, 1}), -10'000);
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(server_timestamp_ms(kMax - 1, o), kMax);  // saturates
  EXPECT_EQ(server_timestamp_ms(std::numeric_limits<int64_t>::min() + 1, ServerTimeOffset{-5, 0}),
            std::numeric_limits<int64_t>::min());
}

TEST(ServerTimeTest, BadSamplesAreErrors) {
  EXPECT_FALSE(estimate_server_time_offset({1'100, 1'000, 5'000}).ok());  // clock stepped back
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  EXPECT_FALSE(estimate_server_time_offset({kMin, kMax, 0}).ok());     // round trip overflows
  EXPECT_FALSE(estimate_server_time_offset({kMin, kMin, kMax}).ok());  // offset overflows
}

TEST(ServerTimeTest, BestSampleIsTheShortestRoundTrip) {
  const std::vector<ServerTimeSample> samples = {
      {1'000, 1'300, 5'000},  // rtt 300
      {2'000, 2'020, 6'010},  // rtt 20: offset 6010 - 2010 = 4000
      {3'000, 2'000, 9'999},  // unusable
      {4'000, 4'020, 1},      // rtt 20 too, but later
  };
  auto best = best_server_time_offset(samples);
  ASSERT_TRUE(best.ok());
  EXPECT_EQ(best->offset_ms, 4'000);
  EXPECT_EQ(best->round_trip_ms, 20);
  EXPECT_FALSE(best_server_time_offset({}).ok());
  EXPECT_FALSE(best_server_time_offset(std::vector<ServerTimeSample>{{2, 1, 0}}).ok());
}

}  // namespace
}  // namespace phoenix::binance
