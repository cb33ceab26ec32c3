#!/usr/bin/python3
"""A third-party client of phoenix-exchange for tests: python3-websockets (Debian's 10.x),
urllib for REST, python3-cryptography for Ed25519. It shares no code with Phoenix.

Each subcommand checks what it is about, prints one line per check ("ok: ..." or
"FAIL: ...") and a final JSON summary line, and exits 1 when a check failed. Every wait is
bounded. Loopback only.

  xclient.py --port P streams  [--deflate honour|no_context|off] [--seconds S]
  xclient.py --port P control
  xclient.py --port P wsapi
  xclient.py --port P watch    --stream S [--seconds S] [--combined]
  xclient.py --port P handshake [--path /ws/ethusdc@bookTicker]
  xclient.py --port P rest     METHOD PATH [k=v ...] [--signed]
"""

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import websockets
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

SOURCE_DIR = os.environ.get("PHOENIX_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
FAILED = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        FAILED.append(what)
    return cond


def demo_keys():
    """The demo account's keys, read from configs/exchange.yaml and configs/demo-keys."""
    text = open(os.path.join(SOURCE_DIR, "configs", "exchange.yaml")).read().splitlines()
    hmac_key = ed_key = None
    for i, line in enumerate(text):
        s = line.strip()
        if s == "- type: hmac" and hmac_key is None:
            hmac_key = text[i + 1].split("api_key:")[1].strip()
        if s == "- type: ed25519" and ed_key is None:
            ed_key = text[i + 1].split("api_key:")[1].strip()
    secret = open(os.path.join(SOURCE_DIR, "configs", "demo-keys", "demo-hmac.secret")).read().strip()
    pem = open(os.path.join(SOURCE_DIR, "configs", "demo-keys", "demo-ed25519.pem"), "rb").read()
    return hmac_key, secret, ed_key, pem


def ed25519_sign(pem, payload):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    key = load_pem_private_key(pem, password=None)
    return base64.b64encode(key.sign(payload.encode())).decode()


def now_ms():
    return int(time.time() * 1000)


# ---------------------------------------------------------------- REST

def rest(port, method, path, params=None, signed=False, api_key=None, secret=None, body=False):
    params = dict(params or {})
    if signed:
        params.setdefault("timestamp", str(now_ms()))
    query = urllib.parse.urlencode(params)
    headers = {}
    if api_key:
        headers["X-MBX-APIKEY"] = api_key
    if signed:
        sig = hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()
        query += "&signature=" + sig
    url = "http://127.0.0.1:%d%s" % (port, path)
    data = None
    if body:
        data = query.encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif query:
        url += "?" + query
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = raw.decode(errors="replace")
        return e.code, dict(e.headers), parsed


# ---------------------------------------------------------------- shapes

def is_decimal(s):
    if not isinstance(s, str) or not s:
        return False
    try:
        float(s)
    except ValueError:
        return False
    return all(c in "0123456789." for c in s)


def check_book_ticker(d):
    return (set(d) == {"u", "s", "b", "B", "a", "A"} and isinstance(d["u"], int)
            and all(is_decimal(d[k]) for k in "bBaA") and float(d["b"]) < float(d["a"]))


def check_trade(d):
    need = {"e", "E", "s", "t", "p", "q", "T", "m", "M"}
    return (need <= set(d) and d["e"] == "trade" and isinstance(d["t"], int) and is_decimal(d["p"])
            and is_decimal(d["q"]) and isinstance(d["m"], bool))


def check_agg_trade(d):
    need = {"e", "E", "s", "a", "p", "q", "f", "l", "T", "m", "M"}
    return need <= set(d) and d["e"] == "aggTrade" and d["f"] <= d["l"] and is_decimal(d["p"])


def check_partial(d, levels):
    return (set(d) == {"lastUpdateId", "bids", "asks"} and len(d["bids"]) <= levels and len(d["asks"]) <= levels
            and all(len(l) == 2 and is_decimal(l[0]) and is_decimal(l[1]) for l in d["bids"] + d["asks"]))


def check_diff(d):
    need = {"e", "E", "s", "U", "u", "b", "a"}
    return need <= set(d) and d["e"] == "depthUpdate" and d["U"] <= d["u"]


# ---------------------------------------------------------------- subcommands

def deflate_factory(mode):
    if mode == "off":
        return None, None
    if mode == "no_context":
        return None, [ClientPerMessageDeflateFactory(server_no_context_takeover=True,
                                                      client_no_context_takeover=True)]
    # what Phoenix offers by default: the server may keep its context
    return None, [ClientPerMessageDeflateFactory(client_no_context_takeover=True)]


async def cmd_streams(args):
    streams = ["ethusdc@bookTicker", "ethusdc@trade", "ethusdc@aggTrade", "ethusdc@depth5@100ms",
               "ethusdc@depth@100ms", "dogeusdc@bookTicker"]
    uri = "ws://127.0.0.1:%d/stream?streams=%s" % (args.port, "/".join(streams))
    compression, extensions = deflate_factory(args.deflate)
    kw = {"compression": None} if extensions is None else {"compression": None, "extensions": extensions}
    seen = {}
    bad = []
    last_u = None
    async with websockets.connect(uri, max_size=2 ** 22, **kw) as ws:
        ext = ws.response_headers.get("Sec-WebSocket-Extensions", "")
        print("negotiated: %r" % ext, flush=True)
        if args.deflate == "off":
            check(ext == "", "no extension when none was offered")
        else:
            check("permessage-deflate" in ext, "permessage-deflate negotiated")
            check("server_max_window_bits=15" in ext, "answer states server_max_window_bits=15, as Binance")
            if args.deflate == "no_context" or args.expect_no_context:
                check("server_no_context_takeover" in ext, "server_no_context_takeover answered")
        deadline = time.monotonic() + args.seconds
        while time.monotonic() < deadline:
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=max(0.05, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                break
            msg = json.loads(raw)
            name, data = msg.get("stream"), msg.get("data")
            if name is None or data is None or set(msg) != {"stream", "data"}:
                bad.append(("wrapper", raw[:200]))
                continue
            seen[name] = seen.get(name, 0) + 1
            ok = True
            if name.endswith("@bookTicker"):
                ok = check_book_ticker(data) and data["s"] == name.split("@")[0].upper()
            elif name.endswith("@trade"):
                ok = check_trade(data) and data["s"] == "ETHUSDC"
            elif name.endswith("@aggTrade"):
                ok = check_agg_trade(data)
            elif name.endswith("@depth5@100ms"):
                ok = check_partial(data, 5)
            elif name.endswith("@depth@100ms"):
                ok = check_diff(data)
                if ok and last_u is not None:
                    ok = data["U"] == last_u + 1
                if ok:
                    last_u = data["u"]
            if not ok:
                bad.append((name, raw[:300]))
    for s in streams:
        if "trade" in s.lower() and "agg" not in s.lower():
            continue  # trades depend on taker flow; checked below when present
        check(seen.get(s, 0) > 0, "received %s (%d messages)" % (s, seen.get(s, 0)))
    check(seen.get("ethusdc@trade", 0) + seen.get("ethusdc@aggTrade", 0) > 0, "trades flow (synthetic takers)")
    check(not bad, "every payload has Binance's shape (%d bad%s)" % (len(bad), (": %r" % (bad[0],)) if bad else ""))
    print(json.dumps({"seen": seen, "extensions": ext}))


async def cmd_control(args):
    uri = "ws://127.0.0.1:%d/ws" % args.port
    async with websockets.connect(uri, compression=None) as ws:
        async def ask(obj, raw=None):
            await ws.send(raw if raw is not None else json.dumps(obj))
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                m = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
                if "id" in m or "error" in m and "stream" not in m:
                    return m
            return None
        r = await ask({"method": "SUBSCRIBE", "params": ["ethusdc@bookTicker", "solusdc@trade"], "id": 1})
        check(r == {"result": None, "id": 1}, "SUBSCRIBE -> {\"result\":null,\"id\":1} (got %r)" % (r,))
        await asyncio.sleep(0.25)
        r = await ask({"method": "LIST_SUBSCRIPTIONS", "id": "list2"})
        check(r is not None and r.get("id") == "list2" and sorted(r.get("result") or []) ==
              ["ethusdc@bookTicker", "solusdc@trade"], "LIST_SUBSCRIPTIONS lists both (got %r)" % (r,))
        await asyncio.sleep(0.25)
        r = await ask({"method": "UNSUBSCRIBE", "params": ["solusdc@trade"], "id": 3})
        check(r == {"result": None, "id": 3}, "UNSUBSCRIBE -> result null (got %r)" % (r,))
        await asyncio.sleep(0.25)
        r = await ask({"method": "GET_PROPERTY", "params": ["combined"], "id": 4})
        check(r == {"result": False, "id": 4}, "GET_PROPERTY combined is false on /ws (got %r)" % (r,))
        await asyncio.sleep(0.25)
        r = await ask({"method": "SUBSCRIBE", "params": ["nosuch@bookTicker"], "id": 5})
        check(r is not None and r.get("error", {}).get("code") == 2, "unknown stream -> error code 2 (got %r)" % (r,))
        await asyncio.sleep(0.25)
        r = await ask(None, raw="{not json")
        check(r is not None and r.get("error", {}).get("code") == 3, "invalid JSON -> error code 3 (got %r)" % (r,))
        await asyncio.sleep(0.25)
        # raw payloads on /ws: no wrapper
        got = None
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and got is None:
            m = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
            if "u" in m and "s" in m:
                got = m
        check(got is not None and check_book_ticker(got), "raw bookTicker payload on /ws (got %r)" % (got,))
    print(json.dumps({"control": "done"}))


async def cmd_wsapi(args):
    hmac_key, secret, ed_key, pem = demo_keys()
    uri = "ws://127.0.0.1:%d/ws-api/v3" % args.port
    async with websockets.connect(uri, compression=None, max_size=2 ** 22) as ws:
        pending = []

        async def call(method, params=None, sign=None, rid=None):
            params = dict(params or {})
            if sign:
                params.setdefault("timestamp", now_ms())
                if sign == "ed25519":
                    params["apiKey"] = ed_key
                    payload = "&".join("%s=%s" % (k, params[k]) for k in sorted(params))
                    params["signature"] = ed25519_sign(pem, payload)
                elif sign == "hmac":
                    params["apiKey"] = hmac_key
                    payload = "&".join("%s=%s" % (k, params[k]) for k in sorted(params))
                    params["signature"] = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
                elif sign == "session":
                    pass
            rid = rid if rid is not None else "r%d" % (len(pending) + 1)
            await ws.send(json.dumps({"id": rid, "method": method, "params": params}))
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                m = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
                if m.get("id") == rid:
                    return m
                pending.append(m)
            return None

        async def event(pred, seconds=5):
            for i, m in enumerate(pending):
                if pred(m):
                    return pending.pop(i)
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                try:
                    m = json.loads(await asyncio.wait_for(ws.recv(), timeout=deadline - time.monotonic()))
                except asyncio.TimeoutError:
                    break
                if pred(m):
                    return m
                pending.append(m)
            return None

        r = await call("time")
        check(r and r.get("status") == 200 and "serverTime" in r.get("result", {}), "time (got %r)" % (r,))
        check(r and isinstance(r.get("rateLimits"), list), "rateLimits in the envelope")
        r = await call("session.logon", {}, sign="hmac")
        check(r and r.get("status") != 200, "session.logon with an HMAC key is refused (got %r)" % (r,))
        r = await call("session.logon", {}, sign="ed25519")
        check(r and r.get("status") == 200, "session.logon with the Ed25519 key (got %r)" % (r,))
        r = await call("userDataStream.subscribe", {})
        check(r and r.get("status") == 200 and "subscriptionId" in r.get("result", {}),
              "userDataStream.subscribe after logon (got %r)" % (r,))
        sub_id = (r or {}).get("result", {}).get("subscriptionId")
        book = rest(args.port, "GET", "/api/v3/depth", {"symbol": "ETHUSDC", "limit": 5})[2]
        best_bid = float(book["bids"][0][0]) if book.get("bids") else 3000.0
        price = "%.2f" % (best_bid * 0.9)
        r = await call("order.place", {"symbol": "ETHUSDC", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
                                       "price": price, "quantity": "0.0100", "newClientOrderId": "xclient-1"},
                       sign="session")
        check(r and r.get("status") == 200 and r["result"].get("status") == "NEW",
              "order.place LIMIT BUY below the market rests (got %r)" % (r,))
        order_id = (r or {}).get("result", {}).get("orderId")
        ev = await event(lambda m: m.get("event", {}).get("e") == "executionReport")
        check(ev is not None and ev.get("subscriptionId") == sub_id, "executionReport arrives wrapped with the subscriptionId")
        if ev:
            e = ev["event"]
            need = set("e E s c S o f q p P F g C x X r i l z L n N T t I w m M O Z Y Q V".split())
            check(need <= set(e), "executionReport has every field (missing %s)" % sorted(need - set(e)))
            check(e.get("x") == "NEW" and e.get("X") == "NEW" and e.get("i") == order_id and e.get("c") == "xclient-1",
                  "executionReport NEW for our order")
        r = await call("order.status", {"symbol": "ETHUSDC", "orderId": order_id}, sign="session")
        check(r and r.get("status") == 200 and r["result"].get("status") == "NEW", "order.status NEW")
        r = await call("order.cancel", {"symbol": "ETHUSDC", "orderId": order_id}, sign="session")
        check(r and r.get("status") == 200 and r["result"].get("status") == "CANCELED", "order.cancel (got %r)" % (r,))
        ev = await event(lambda m: m.get("event", {}).get("e") == "executionReport" and m["event"].get("x") == "CANCELED")
        check(ev is not None, "executionReport CANCELED")
        r = await call("order.cancel", {"symbol": "ETHUSDC", "orderId": order_id}, sign="session")
        check(r and r.get("error", {}).get("code") == -2011, "cancel again -> -2011 (got %r)" % (r,))
        r = await call("order.place", {"symbol": "ETHUSDC", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
                                       "price": price, "quantity": "100000"}, sign="session")
        check(r and r.get("error", {}).get("code") in (-2010, -1013), "an order beyond the balance is rejected (got %r)" % (r,))
        # A marketable IOC buy fills against the synthetic market's asks.
        r = await call("order.place", {"symbol": "ETHUSDC", "side": "BUY", "type": "MARKET", "quantity": "0.0100",
                                       "newOrderRespType": "FULL"}, sign="session")
        check(r and r.get("status") == 200 and r["result"].get("status") == "FILLED" and r["result"].get("fills"),
              "MARKET BUY fills against the synthetic book (got %r)" % (r,))
        ev = await event(lambda m: m.get("event", {}).get("e") == "executionReport" and m["event"].get("x") == "TRADE")
        check(ev is not None and ev["event"].get("t", -1) >= 0 and ev["event"].get("N") == "ETH",
              "executionReport TRADE with trade id and commission asset")
        ev = await event(lambda m: m.get("event", {}).get("e") == "outboundAccountPosition")
        check(ev is not None, "outboundAccountPosition after the fill")
        r = await call("account.status", {}, sign="session")
        check(r and r.get("status") == 200 and any(b["asset"] == "ETH" for b in r["result"].get("balances", [])),
              "account.status lists balances")
        r = await call("userDataStream.unsubscribe", {})
        check(r and r.get("status") == 200, "userDataStream.unsubscribe (got %r)" % (r,))
        r = await call("userDataStream.subscribe.signature", {}, sign="hmac")
        check(r and r.get("status") == 200 and "subscriptionId" in r.get("result", {}),
              "userDataStream.subscribe.signature with the HMAC key (got %r)" % (r,))
        r = await call("no.such.method", {})
        check(r and r.get("status") == 400 and "error" in r, "unknown method -> 400 error (got %r)" % (r,))
    print(json.dumps({"wsapi": "done"}))


async def cmd_watch(args):
    """Receives one stream; reports message count, the largest gap between messages, how it ended."""
    path = ("/stream?streams=" if args.combined else "/ws/") + args.stream
    uri = "ws://127.0.0.1:%d%s" % (args.port, path)
    count = 0
    max_gap_ms = 0.0
    last = None
    ended = "timeout"
    close_code = None
    bad_json = 0
    diffs = []
    t0 = time.monotonic()
    try:
        async with websockets.connect(uri, compression=None, max_size=2 ** 22, ping_interval=None) as ws:
            deadline = t0 + args.seconds
            while time.monotonic() < deadline:
                try:
                    raw = await asyncio.wait_for(ws.recv(), timeout=max(0.01, deadline - time.monotonic()))
                except asyncio.TimeoutError:
                    break
                now = time.monotonic()
                if last is not None:
                    max_gap_ms = max(max_gap_ms, (now - last) * 1000)
                last = now
                count += 1
                try:
                    m = json.loads(raw)
                    d = m.get("data", m) if args.combined else m
                    if isinstance(d, dict) and d.get("e") == "depthUpdate":
                        diffs.append([d["U"], d["u"]])
                except ValueError:
                    bad_json += 1
    except websockets.exceptions.ConnectionClosed as e:
        ended = "closed"
        close_code = e.code
    except (OSError, websockets.exceptions.InvalidHandshake) as e:
        ended = "error: %s" % e
    if ended == "timeout" and last is not None and (time.monotonic() - t0) < args.seconds - 0.5:
        ended = "closed"
    gaps = sum(1 for a, b in zip(diffs, diffs[1:]) if b[0] != a[1] + 1)
    print(json.dumps({"count": count, "max_gap_ms": round(max_gap_ms, 1), "ended": ended, "close_code": close_code,
                      "bad_json": bad_json, "diff_events": len(diffs), "diff_gaps": gaps,
                      "elapsed_s": round(time.monotonic() - t0, 2)}))


async def cmd_handshake(args):
    uri = "ws://127.0.0.1:%d%s" % (args.port, args.path)
    try:
        async with websockets.connect(uri, compression=None, open_timeout=10) as ws:
            try:
                await asyncio.wait_for(ws.recv(), timeout=args.seconds)
                print(json.dumps({"status": 101, "result": "message"}))
            except asyncio.TimeoutError:
                print(json.dumps({"status": 101, "result": "silent"}))
            except websockets.exceptions.ConnectionClosed as e:
                print(json.dumps({"status": 101, "result": "closed", "close_code": e.code}))
    except websockets.exceptions.InvalidStatusCode as e:
        headers = getattr(e, "headers", None) or {}
        print(json.dumps({"status": e.status_code, "retry_after": headers.get("Retry-After")}))
    except websockets.exceptions.ConnectionClosed as e:
        print(json.dumps({"status": 101, "result": "closed", "close_code": e.code}))
    except (OSError, websockets.exceptions.InvalidHandshake, asyncio.TimeoutError) as e:
        print(json.dumps({"status": 0, "error": str(e)}))


def cmd_rest(args):
    hmac_key, secret, _, _ = demo_keys()
    if args.api_key:
        hmac_key = args.api_key  # another account's HMAC key (demo2 shares the demo secret)
    params = dict(kv.split("=", 1) for kv in args.params)
    status, headers, body = rest(args.port, args.method, args.path, params, signed=args.signed,
                                 api_key=hmac_key if args.signed else None, secret=secret, body=args.body)
    print(json.dumps({"status": status, "headers": {k: v for k, v in headers.items() if k.lower().startswith("x-mbx")
                                                     or k.lower() == "retry-after"}, "body": body}))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("streams")
    s.add_argument("--deflate", default="honour", choices=["honour", "no_context", "off"])
    s.add_argument("--expect-no-context", action="store_true")
    s.add_argument("--seconds", type=float, default=3.0)
    sub.add_parser("control")
    sub.add_parser("wsapi")
    w = sub.add_parser("watch")
    w.add_argument("--stream", required=True)
    w.add_argument("--seconds", type=float, default=3.0)
    w.add_argument("--combined", action="store_true")
    h = sub.add_parser("handshake")
    h.add_argument("--path", default="/ws/ethusdc@bookTicker")
    h.add_argument("--seconds", type=float, default=2.0)
    r = sub.add_parser("rest")
    r.add_argument("method")
    r.add_argument("path")
    r.add_argument("params", nargs="*")
    r.add_argument("--signed", action="store_true")
    r.add_argument("--body", action="store_true")
    r.add_argument("--api-key", default=None, help="HMAC API key to sign with (default: the demo account's)")
    args = p.parse_args()
    if args.cmd == "rest":
        cmd_rest(args)
    else:
        asyncio.run({"streams": cmd_streams, "control": cmd_control, "wsapi": cmd_wsapi, "watch": cmd_watch,
                     "handshake": cmd_handshake}[args.cmd](args))
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
