#!/usr/bin/python3
"""A Binance-shaped market-data server on loopback, built on python3-websockets (Debian 12,
10.4) -- a third-party WebSocket implementation for Phoenix's interop and fault tests.

It serves combined streams (/stream?streams=ethusdc@bookTicker/...) with deterministic
bookTicker and trade payloads, and a REST depth snapshot (/api/v3/depth), and can misbehave
on purpose (--mode). It prints "LISTENING <port>" on stdout once it accepts connections,
and logs what it does on stderr. It stops by itself after --lifetime-s seconds.

Modes:
  normal        stream until the client leaves
  reset         after --after messages, abort the TCP connection with a RST (SO_LINGER 0)
  accept_close  complete the handshake, then close (code 1001) after 200 ms -- every time
  silent        send one message per symbol, then nothing (socket open; pings still answered)
  silent_noping like silent, and the server sends no pings either: no frames at all
  malformed     interleave bad payloads (not JSON, truncated JSON, wrong types, unknown stream)
                with good ones
  truncated     send a frame header announcing 100 bytes, 10 bytes of payload, then close
  oversized     send a frame header announcing a 64 MiB message
  bad_utf8      send a text frame that is not valid UTF-8
  rsv1          send a frame with RSV1 set on a connection without permessage-deflate
  http429       answer the handshake with 429 and Retry-After: 7
  http503       answer the handshake with 503
  shutdown      after --after messages send a serverShutdown event, keep streaming 3 s, then
                close with 1001 -- a client that rotates early sees no gap
  shutdown_repeat  like shutdown, but on every connection (a misbehaving server)
  depth_gap     like normal, but every 40th diff-depth event skips an update id (a gap)

Control messages (--control), SUBSCRIBE / LIST_SUBSCRIPTIONS sent by the client:
  ignore    never read or answer them (the default, as before)
  answer    LIST_SUBSCRIPTIONS -> the connection's streams; SUBSCRIBE -> {"result":null} and the
            streams are served from then on
  drop_one  like answer, but the URL's last bookTicker stream is not subscribed (no data for
            it, and LIST_SUBSCRIPTIONS leaves it out) until the client SUBSCRIBEs it

Diff depth (<sym>@depth@100ms) is served when requested: each tick changes a few levels of
a per-symbol book, and GET /api/v3/depth returns that book with its lastUpdateId, so a
client following Binance's snapshot + diff procedure ends with the server's book.
"""
import argparse
import asyncio
import http
import json
import os
import socket
import struct
import sys
import time
from urllib.parse import urlparse, parse_qs

import websockets
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory

# Prices as Binance writes them (8 decimals); symbol i gets its own level.
BASE_PRICES = {"ETHUSDC": 3000.0, "DOGEUSDC": 0.16, "SOLUSDC": 150.0, "BNBUSDC": 600.0, "XRPUSDC": 0.6}


def log(*args):
    print("fake_binance_ws:", *args, file=sys.stderr, flush=True)


def fmt8(x):
    return f"{x:.8f}"


class Market:
    """Deterministic book tickers: the n-th update of a symbol moves the bid by n ticks mod 50.
    Diff depth: a per-symbol book of 20 levels a side, changed a little on every diff."""

    def __init__(self):
        self.update_id = 1000
        self.n = {}
        self.books = {}
        self.depth_id = {}
        self.diffs = 0
        self.shutdown_sent = False

    def _book(self, symbol):
        if symbol not in self.books:
            base = BASE_PRICES.get(symbol, 100.0)
            tick = base / 10000.0
            self.books[symbol] = {
                "bids": {round(base - (i + 1) * tick, 8): 1.0 + i for i in range(20)},
                "asks": {round(base + (i + 1) * tick, 8): 1.0 + i for i in range(20)},
                "tick": tick, "base": base}
            self.depth_id[symbol] = 5000
        return self.books[symbol]

    def depth_diff(self, symbol, gap=False):
        book = self._book(symbol)
        self.diffs += 1
        k = self.diffs
        tick, base = book["tick"], book["base"]
        changes = {"b": [], "a": []}
        for side, key, sign in (("bids", "b", -1), ("asks", "a", 1)):
            levels = book[side]
            price = round(base + sign * (1 + (k * 7) % 20) * tick, 8)
            if k % 5 == 0 and price in levels:
                del levels[price]
                changes[key].append([fmt8(price), "0.00000000"])
            else:
                qty = 1.0 + (k % 13) * 0.25
                levels[price] = qty
                changes[key].append([fmt8(price), fmt8(qty)])
        first = self.depth_id[symbol] + 1 + (1 if gap else 0)
        last = first + 2
        self.depth_id[symbol] = last
        return {"e": "depthUpdate", "E": int(time.time() * 1000), "s": symbol, "U": first, "u": last,
                "b": changes["b"], "a": changes["a"]}

    def depth_snapshot(self, symbol):
        book = self._book(symbol)
        bids = sorted(book["bids"].items(), key=lambda x: -x[0])
        asks = sorted(book["asks"].items(), key=lambda x: x[0])
        return {"lastUpdateId": self.depth_id[symbol],
                "bids": [[fmt8(p), fmt8(q)] for p, q in bids], "asks": [[fmt8(p), fmt8(q)] for p, q in asks]}

    def book_ticker(self, symbol):
        self.update_id += 1
        n = self.n.get(symbol, 0)
        self.n[symbol] = n + 1
        base = BASE_PRICES.get(symbol, 100.0)
        tick = base / 10000.0  # 1 bp
        bid = base + (n % 50) * tick
        return {"u": self.update_id, "s": symbol, "b": fmt8(bid), "B": "1.50000000",
                "a": fmt8(bid + tick), "A": "2.25000000"}


def parse_streams(path):
    q = parse_qs(urlparse(path).query)
    streams = q.get("streams", [""])[0]
    return [s for s in streams.split("/") if s]


async def raw_write(ws, data):
    ws.transport.write(data)
    await asyncio.sleep(0.05)


def frame(opcode, payload, fin=True, rsv1=False, announced_len=None):
    b0 = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
    n = len(payload) if announced_len is None else announced_len
    if n < 126:
        hdr = struct.pack("!BB", b0, n)
    elif n < 65536:
        hdr = struct.pack("!BBH", b0, 126, n)
    else:
        hdr = struct.pack("!BBQ", b0, 127, n)
    return hdr + payload


def ticker_symbols(streams):
    return sorted({s.split("@")[0].upper() for s in streams if "@bookTicker" in s})


async def answer_control(ws, subscribed, symbols):
    """Reads the client's frames and answers SUBSCRIBE / LIST_SUBSCRIPTIONS as Binance does.
    `subscribed` (the connection's streams, in order) and `symbols` (the bookTicker symbols
    served) are updated in place."""
    try:
        async for raw in ws:
            await answer_one(ws, raw, subscribed, symbols)
    except websockets.ConnectionClosed:
        pass


async def answer_one(ws, raw, subscribed, symbols):
    try:
        req = json.loads(raw)
        method, rid = req.get("method"), req.get("id")
    except (ValueError, AttributeError):
        log(f"control: bad request {raw!r}")
        return
    log(f"control: {method} id={rid} params={req.get('params')}")
    if method == "LIST_SUBSCRIPTIONS":
        reply = {"result": list(subscribed), "id": rid}
    elif method == "SUBSCRIBE":
        for s in req.get("params", []):
            if s not in subscribed:
                subscribed.append(s)
        symbols[:] = ticker_symbols(subscribed)
        reply = {"result": None, "id": rid}
    else:
        reply = {"error": {"code": 2, "msg": f"Invalid request: unknown method {method}"}, "id": rid}
    await ws.send(json.dumps(reply, separators=(",", ":")))


async def serve_client(ws, path, args, market):
    streams = parse_streams(path)
    subscribed = list(streams)
    if args.control == "drop_one":
        tickers = [s for s in streams if "@bookTicker" in s]
        if tickers:
            subscribed.remove(tickers[-1])
            log(f"control: {tickers[-1]} not subscribed until SUBSCRIBE")
    symbols = ticker_symbols(subscribed)
    if args.control != "ignore":
        asyncio.ensure_future(answer_control(ws, subscribed, symbols))  # ends with the connection
    depth_symbols = sorted({s.split("@")[0].upper() for s in streams if s.split("@")[1:2] == ["depth"]})
    log(f"client path={path} symbols={symbols} extensions={ws.response_headers.get('Sec-WebSocket-Extensions')}")
    mode = args.mode
    if mode == "accept_close":
        await asyncio.sleep(0.2)
        await ws.close(code=1001, reason="going away (accept_close)")
        return
    if mode in ("truncated", "oversized", "bad_utf8", "rsv1"):
        # one good message first, so the client is known to be reading
        await send_tick(ws, symbols, market)
        await asyncio.sleep(0.1)
        if mode == "truncated":
            await raw_write(ws, frame(0x1, b"0123456789", announced_len=100))
            ws.transport.close()
        elif mode == "oversized":
            await raw_write(ws, frame(0x1, b"{", announced_len=64 * 1024 * 1024))
            await asyncio.sleep(2)
        elif mode == "bad_utf8":
            await raw_write(ws, frame(0x1, b'{"stream":"x","data":"\xff\xfe"}'))
            await asyncio.sleep(2)
        elif mode == "rsv1":
            await raw_write(ws, frame(0x1, b"not deflated at all", rsv1=True))
            await asyncio.sleep(2)
        return
    sent = 0
    shutdown_at = 0.0
    period = 1.0 / args.rate if args.rate > 0 else 0
    bad = [b"not json at all", b'{"stream":"ethusdc@bookTicker","data":{"u":1,"s":"ETHUSDC","b":"3000.0',
           json.dumps({"stream": "ethusdc@bookTicker", "data": {"u": "x", "s": "ETHUSDC", "b": 1, "B": "1", "a": "1", "A": "1"}}),
           json.dumps({"stream": "ethusdc@kline_1m", "data": {"e": "kline"}})]
    while True:
        if mode in ("silent", "silent_noping") and sent >= len(symbols):
            await asyncio.sleep(3600)
        if (mode == "shutdown_repeat" and sent == args.after) or \
           (mode == "shutdown" and sent == args.after and not market.shutdown_sent):
            market.shutdown_sent = True  # once, as a real server shutting down would
            await ws.send(json.dumps({"stream": "!serverShutdown", "data": {"e": "serverShutdown", "E": int(time.time() * 1000)}}))
            log("serverShutdown sent")
            shutdown_at = time.monotonic() + 3.0
        if mode.startswith("shutdown") and shutdown_at and time.monotonic() > shutdown_at:
            await ws.close(code=1001, reason="server shutdown")
            return
        if depth_symbols and sent % 2 == 0:
            sym = depth_symbols[(sent // 2) % len(depth_symbols)]
            gap = mode == "depth_gap" and market.diffs % 40 == 39
            diff = market.depth_diff(sym, gap=gap)
            await ws.send(json.dumps({"stream": f"{sym.lower()}@depth@100ms", "data": diff}, separators=(",", ":")))
        if mode == "malformed" and sent % 3 == 1:
            payload = bad[(sent // 3) % len(bad)]
            await ws.send(payload if isinstance(payload, str) else payload.decode("latin-1"))
        else:
            await send_tick(ws, symbols, market, sent)
        sent += 1
        if mode == "reset" and sent >= args.after:
            sock = ws.transport.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            ws.transport.abort()
            log("reset sent")
            return
        if period:
            await asyncio.sleep(period)


async def send_tick(ws, symbols, market, i=0):
    if not symbols:
        await asyncio.sleep(0.1)
        return
    sym = symbols[i % len(symbols)]
    data = market.book_ticker(sym)
    await ws.send(json.dumps({"stream": f"{sym.lower()}@bookTicker", "data": data}, separators=(",", ":")))


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--mode", default="normal")
    ap.add_argument("--compression", choices=["none", "no_context", "context"], default="no_context")
    ap.add_argument("--rate", type=float, default=200.0, help="messages per second per connection")
    ap.add_argument("--after", type=int, default=20, help="messages before a reset")
    ap.add_argument("--lifetime-s", type=float, default=60.0)
    ap.add_argument("--control", choices=["ignore", "answer", "drop_one"], default="ignore",
                    help="how SUBSCRIBE / LIST_SUBSCRIPTIONS are answered")
    args = ap.parse_args()
    market = Market()

    async def process_request(path, headers):
        if path.startswith("/api/v3/depth"):
            symbol = parse_qs(urlparse(path).query).get("symbol", ["ETHUSDC"])[0]
            body = json.dumps(market.depth_snapshot(symbol)).encode()
            log(f"depth snapshot {symbol} lastUpdateId={market.depth_id.get(symbol)}")
            return (http.HTTPStatus.OK, [("Content-Type", "application/json")], body)
        if path.startswith("/api/v3/ping"):
            return (http.HTTPStatus.OK, [("Content-Type", "application/json")], b"{}")
        if args.mode == "http429":
            log("answering 429")
            return (http.HTTPStatus.TOO_MANY_REQUESTS, [("Retry-After", "7"), ("Content-Type", "application/json")],
                    b'{"code":-1003,"msg":"Too many requests."}')
        if args.mode == "http503":
            log("answering 503")
            return (http.HTTPStatus.SERVICE_UNAVAILABLE, [("Content-Type", "text/plain")], b"Service Unavailable")
        return None

    if args.compression == "none":
        ext = None
        compression = None
    elif args.compression == "no_context":
        # What the ops report negotiated: both sides reset their context after every message.
        ext = [ServerPerMessageDeflateFactory(server_no_context_takeover=True, client_no_context_takeover=True)]
        compression = None
    else:
        ext = [ServerPerMessageDeflateFactory(server_no_context_takeover=False, client_no_context_takeover=False)]
        compression = None

    ping_interval = None if args.mode == "silent_noping" else 20
    async with websockets.serve(lambda ws, path: serve_client(ws, path, args, market), "127.0.0.1", args.port,
                                process_request=process_request, extensions=ext, compression=compression,
                                ping_interval=ping_interval, max_size=2**20) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"LISTENING {port}", flush=True)
        await asyncio.sleep(args.lifetime_s)
    log("lifetime over, exiting")


if __name__ == "__main__":
    asyncio.run(main())
