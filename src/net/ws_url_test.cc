#include "net/ws_url.h"

#include <gtest/gtest.h>

namespace phoenix::net {
namespace {

TEST(WsUrlTest, ParsesBinanceCombinedStreamUrl) {
  auto url = parse_ws_url("wss://stream.binance.com:9443/stream?streams=btcusdt@bookTicker/ethusdt@depth5");
  ASSERT_TRUE(url.ok()) << url.error().message;
  EXPECT_TRUE(url->secure);
  EXPECT_EQ(url->host, "stream.binance.com");
  EXPECT_EQ(url->port, 9443);
  EXPECT_EQ(url->target, "/stream?streams=btcusdt@bookTicker/ethusdt@depth5");
  EXPECT_EQ(url->host_header(), "stream.binance.com:9443");
  EXPECT_FALSE(url->host_is_ip());
}

TEST(WsUrlTest, DefaultsPortAndTarget) {
  auto ws = parse_ws_url("WS://127.0.0.1");
  ASSERT_TRUE(ws.ok());
  EXPECT_FALSE(ws->secure);
  EXPECT_EQ(ws->port, 80);
  EXPECT_EQ(ws->target, "/");
  EXPECT_EQ(ws->host_header(), "127.0.0.1");
  EXPECT_TRUE(ws->host_is_ip());
  auto wss = parse_ws_url("wss://Example.COM?x=1");
  ASSERT_TRUE(wss.ok());
  EXPECT_EQ(wss->port, 443);
  EXPECT_EQ(wss->host, "example.com");
  EXPECT_EQ(wss->target, "/?x=1");
  EXPECT_EQ(wss->to_string(), "wss://example.com:443/?x=1");
}

TEST(WsUrlTest, ParsesIpv6Literal) {
  auto url = parse_ws_url("ws://[::1]:8080/ws");
  ASSERT_TRUE(url.ok()) << url.error().message;
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 8080);
  EXPECT_TRUE(url->host_is_ip());
  EXPECT_EQ(url->host_header(), "[::1]:8080");
}

TEST(WsUrlTest, RejectsBadUrls) {
  for (const char* bad : {"http://x/", "ws://", "ws://:80/", "ws://host:0/", "ws://host:65536/",
                          "ws://host:/", "ws://user@host/", "ws://host/a b", "ws://host/#frag", "ws://[::1/",
                          "ws://[zz]/", "ws://ho$t/", "wss//host"}) {
    EXPECT_FALSE(parse_ws_url(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace phoenix::net
