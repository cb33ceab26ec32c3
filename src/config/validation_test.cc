#include "config/validation.h"

#include <array>

#include <gtest/gtest.h>

namespace phoenix::config::internal {
namespace {

TEST(ConfigValidationTest, EditDistanceCountsTranspositionsAsOne) {
  EXPECT_EQ(edit_distance("levels", "levels"), 0u);
  EXPECT_EQ(edit_distance("levles", "levels"), 1u);
  EXPECT_EQ(edit_distance("stale_after_msec", "stale_after_ms"), 2u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(ConfigValidationTest, SuggestPicksTheClosestWithinTwo) {
  constexpr std::array<std::string_view, 3> kKeys = {"stale_after_ms", "streams", "compression"};
  EXPECT_EQ(suggest("stale_after_msec", kKeys), "stale_after_ms");
  EXPECT_EQ(suggest("stream", kKeys), "streams");
  EXPECT_EQ(suggest("Compression", kKeys), "compression");
  EXPECT_EQ(suggest("zzz", kKeys), "");
}

TEST(ConfigValidationTest, SecretKeyNames) {
  for (std::string_view name : {"api_key", "API_SECRET", "apiKey", "secret", "Secret-Key", "private_key",
                                "password", "passphrase", "api-secret-key"}) {
    EXPECT_TRUE(is_secret_key_name(name)) << name;
  }
  for (std::string_view name :
       {"api_key_env", "api_secret_env", "secret_file", "key_type", "private_key_file"}) {
    EXPECT_FALSE(is_secret_key_name(name)) << name;
  }
}

TEST(ConfigValidationTest, NamePatterns) {
  EXPECT_TRUE(is_valid_instance_id("phx"));
  EXPECT_TRUE(is_valid_instance_id("A1b2C3d4"));
  EXPECT_FALSE(is_valid_instance_id(""));
  EXPECT_FALSE(is_valid_instance_id("toolong99"));
  EXPECT_FALSE(is_valid_instance_id("a-b"));
  EXPECT_TRUE(is_valid_symbol("ETHUSDC"));
  EXPECT_TRUE(is_valid_symbol("1000SATSUSDT"));
  EXPECT_FALSE(is_valid_symbol("E"));
  EXPECT_FALSE(is_valid_symbol("ethusdc"));
  EXPECT_FALSE(is_valid_symbol("ETH-USDC"));
  EXPECT_TRUE(is_valid_env_name("PHOENIX_API_KEY"));
  EXPECT_TRUE(is_valid_env_name("_x1"));
  EXPECT_FALSE(is_valid_env_name("1X"));
  EXPECT_FALSE(is_valid_env_name("A-B"));
  EXPECT_TRUE(is_valid_client_id_prefix("phx"));
  EXPECT_TRUE(is_valid_client_id_prefix("mm_A-1"));
  EXPECT_TRUE(is_valid_client_id_prefix("abcdefghijkl"));
  EXPECT_FALSE(is_valid_client_id_prefix(""));
  EXPECT_FALSE(is_valid_client_id_prefix("abcdefghijklm"));
  EXPECT_FALSE(is_valid_client_id_prefix("a.b"));
  // Every valid instance_id is a valid prefix (the loader's default relies on it).
  EXPECT_TRUE(is_valid_client_id_prefix("A1b2C3d4"));
  EXPECT_TRUE(is_valid_asset("USDC"));
  EXPECT_TRUE(is_valid_asset("E"));
  EXPECT_TRUE(is_valid_asset("1000SATS"));
  EXPECT_FALSE(is_valid_asset(""));
  EXPECT_FALSE(is_valid_asset("usdc"));
  EXPECT_FALSE(is_valid_asset("ABCDEFGHIJKLMNOPQ"));
}

TEST(ConfigValidationTest, LoopbackHosts) {
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_TRUE(is_loopback_host("LocalHost"));
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.255.0.9"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_FALSE(is_loopback_host("128.0.0.1"));
  EXPECT_FALSE(is_loopback_host("localhost.evil.com"));
  EXPECT_FALSE(is_loopback_host("127.0.0.1.nip.io"));
  EXPECT_FALSE(is_loopback_host("::2"));
}

TEST(ConfigValidationTest, ParseUrl) {
  auto url = parse_url("wss://ws-api.binance.com:443/ws-api/v3");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->scheme, "wss");
  EXPECT_EQ(url->host, "ws-api.binance.com");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->target, "/ws-api/v3");
  EXPECT_TRUE(url->tls);
  EXPECT_FALSE(url->loopback);

  auto v6 = parse_url("ws://[::1]:8090?x=1");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 8090);
  EXPECT_EQ(v6->target, "/?x=1");
  EXPECT_TRUE(v6->loopback);

  auto plain = parse_url("https://api.binance.com");
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->port, 443);
  EXPECT_EQ(plain->target, "/");
  EXPECT_EQ(parse_url("http://localhost")->port, 80);

  for (std::string_view bad : {"", "api.binance.com", "ftp://x", "https://", "https://a b", "https://u@h",
                               "https://h:0", "https://h:70000", "https://h:", "https://::1/", "https://[::1",
                               "https://h/#frag", "https://-h.com", "https://h..com"}) {
    EXPECT_FALSE(parse_url(bad).has_value()) << bad;
  }
}

TEST(ConfigValidationTest, ParseHostPort) {
  auto v4 = parse_host_port("127.0.0.1:9090");
  ASSERT_TRUE(v4.has_value());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 9090);
  EXPECT_EQ(v4->to_string(), "127.0.0.1:9090");
  auto any = parse_host_port("0.0.0.0:0");
  ASSERT_TRUE(any.has_value());
  EXPECT_EQ(any->port, 0);
  EXPECT_EQ(parse_host_port("[::1]:9090")->to_string(), "[::1]:9090");
  EXPECT_EQ(parse_host_port("localhost:65535")->port, 65535);
  for (std::string_view bad : {"", "9090", ":9090", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "::1:9090",
                               "host:-1", "host:+80", "host :80"}) {
    EXPECT_FALSE(parse_host_port(bad).has_value()) << bad;
  }
}

TEST(ConfigValidationTest, ParseInt) {
  EXPECT_EQ(parse_int("0"), 0);
  EXPECT_EQ(parse_int("-12"), -12);
  EXPECT_EQ(parse_int("10737418240"), 10737418240);
  for (std::string_view bad : {"", "-", "+1", "1.0", "1e3", "0x10", " 1", "1_000", "99999999999999999999"}) {
    EXPECT_FALSE(parse_int(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace phoenix::config::internal
