#include "sim/auth.h"

#include <gtest/gtest.h>

namespace phoenix::sim {
namespace {

// The key pair of Binance's API documentation examples.
constexpr char kDocSecret[] = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
// The only Ed25519 private key the docs publish (fix-api.md).
constexpr char kFixPrivatePem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIIJEYWtGBrhACmb9Dvy+qa8WEf0lQOl1s4CLIAB9m89u\n"
    "-----END PRIVATE KEY-----\n";

TEST(AuthTest, RestHmacQueryOnlyVector) {
  EXPECT_EQ(hmac_sha256_hex(
                kDocSecret,
                "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&"
                "timestamp=1499827319559"),
            "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
}

TEST(AuthTest, RestHmacPercentEncodedFullWidthVector) {
  EXPECT_EQ(
      hmac_sha256_hex(kDocSecret,
                      "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&"
                      "timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"),
      "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3");
}

TEST(AuthTest, RestHmacMixedQueryAndBodyVector) {
  // Query and body concatenated with no separator.
  EXPECT_EQ(
      hmac_sha256_hex(kDocSecret,
                      "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTCquantity=1&price=0.1&recvWindow=5000&"
                      "timestamp=1499827319559"),
      "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77");
}

TEST(AuthTest, WsApiHmacVectors) {
  EXPECT_EQ(hmac_sha256_hex(
                kDocSecret,
                "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&price=52000.00&"
                "quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp="
                "1645423376532&type=LIMIT"),
            "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24");
  EXPECT_EQ(hmac_sha256_hex(
                kDocSecret,
                "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&price=0.10000000&"
                "quantity=1.00000000&recvWindow=5000&side=BUY&symbol=\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93"
                "\xEF\xBC\x94\xEF\xBC\x95\xEF\xBC\x96&timeInForce=GTC&timestamp=1645423376532&type=LIMIT"),
            "b33892ae8e687c939f4468c6268ddd4c40ac1af18ad19a064864c47bae0752cd");
}

TEST(AuthTest, HmacVerifierIsCaseInsensitive) {
  ApiKeySpec spec{"k", KeyType::kHmac, kDocSecret, ""};
  auto v = KeyVerifier::create(spec);
  ASSERT_TRUE(v.ok());
  const std::string payload = "a=1";
  std::string sig = hmac_sha256_hex(kDocSecret, payload);
  EXPECT_TRUE(v->verify(payload, sig));
  for (char& c : sig) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(v->verify(payload, sig));
  EXPECT_FALSE(v->verify("a=2", sig));
  EXPECT_FALSE(v->verify(payload, sig.substr(1)));
}

TEST(AuthTest, Ed25519FixVectorAndDerivedPublicKey) {
  auto public_pem = ed25519_public_pem(kFixPrivatePem);
  ASSERT_TRUE(public_pem.ok()) << public_pem.error().message;
  auto v = KeyVerifier::create(ApiKeySpec{"k", KeyType::kEd25519, "", *public_pem});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->spki_base64(), "MCowBQYDK2VwAyEAGUIKv9dSpWXBViXp2m6vAIb8QMFJYBgyFEQsFJlqgA0=");
  const std::string fix_payload =
      "A\x01"
      "EXAMPLE\x01"
      "SPOT\x01"
      "1\x01"
      "20240627-11:17:25.223";
  const std::string fix_sig =
      "4MHXelVVcpkdwuLbl6n73HQUXUf1dse2PCgT1DYqW9w8AVZ1RACFGM+5UdlGPrQHrgtS3CvsRURC1oj73j8gCA==";
  EXPECT_EQ(ed25519_sign_base64(kFixPrivatePem, fix_payload).value(), fix_sig);
  EXPECT_TRUE(v->verify(fix_payload, fix_sig));
}

TEST(AuthTest, Ed25519WsApiVector) {
  const std::string payload =
      "apiKey=4yNzx3yWC5bS6YTwEkSRaC0nRmSQIIStAUOh1b6kqaBrTLIhjCpI5lJH8q8R8WNO&price=52000.00&quantity=0."
      "01000000&"
      "recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532&type=LIMIT";
  const std::string expected =
      "82wlF5RobwT7JZehRQgOaupNEm5GrAqJj5tqZeCCE6ZxkhlUbWBThOx00q3FVnCKn882P+9p85phztjk4bOMAQ==";
  EXPECT_EQ(ed25519_sign_base64(kFixPrivatePem, payload).value(), expected);
  auto v =
      KeyVerifier::create(ApiKeySpec{"k", KeyType::kEd25519, "", ed25519_public_pem(kFixPrivatePem).value()});
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->verify(payload, expected));
  EXPECT_FALSE(v->verify(payload + "x", expected));
  EXPECT_FALSE(v->verify(payload, "not base64!"));
  EXPECT_FALSE(v->verify(payload, ""));
}

TEST(AuthTest, BadKeysAreRejected) {
  EXPECT_FALSE(KeyVerifier::create(ApiKeySpec{"k", KeyType::kEd25519, "", "garbage"}).ok());
  EXPECT_FALSE(KeyVerifier::create(ApiKeySpec{"k", KeyType::kHmac, "", ""}).ok());
  EXPECT_FALSE(ed25519_sign_base64("nope", "x").ok());
}

TEST(AuthTest, Base64RoundTrip) {
  for (const std::string& s : {std::string("a"), std::string("ab"), std::string("abc"), std::string("abcd"),
                               std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(base64_decode(base64_encode(s)).value(), s);
  }
  EXPECT_FALSE(base64_decode("abc").ok());
  EXPECT_FALSE(base64_decode("ab=c").ok());
}

}  // namespace
}  // namespace phoenix::sim
