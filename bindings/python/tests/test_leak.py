"""Nothing leaks: 100,000 calls through the binding (TOKENKIT_LEAK_CALLS overrides the count)
grow resident memory by less than 5 MiB once warmed up. Most are cheap (a saved token read back:
token_from_json, its accessors, token_to_json, string_free, token_free; a refused one: an error
object); every 100th makes and closes a client and a cancel flag, every 1,000th sends requests,
builds an authorization URL and runs a token source."""

from __future__ import annotations

import gc
import os
import time

import tokenkit
from conftest import flow_settings, fresh_code, rss_bytes

CALLS = int(os.environ.get("TOKENKIT_LEAK_CALLS", "100000"))
WARM_UP = max(CALLS // 10, 1)
LIMIT = 5 * 1024 * 1024


def test_no_leak(server: str) -> None:
    settings = flow_settings(server)
    client = tokenkit.Client(**settings)
    saved = client.exchange_code(fresh_code()).to_json()
    cancel = tokenkit.Cancel()

    def one(i: int) -> None:
        token = tokenkit.Token.from_json(saved)
        assert token.access_token
        if i % 10 == 0:
            try:
                tokenkit.Token.from_json('{"token_type":"Bearer"}')
            except tokenkit.InvalidArgumentError:
                pass
        if i % 100 == 0:
            with tokenkit.Client(**settings) as c:
                c.authorization_url("http://127.0.0.1:9/cb", "read")
            try:
                client.exchange_code("x", code_verifier="short", cancel=cancel)
            except tokenkit.InvalidArgumentError:
                pass
        if i % 1000 == 0:
            token = client.exchange_code(fresh_code(), cancel=cancel)
            client.introspect(token.access_token)
            with tokenkit.TokenSource(client, token, on_change=lambda t: None) as source:
                source.refresh()
                source.access_token()
                source.to_json()

    for i in range(WARM_UP):
        one(i)
    gc.collect()
    before = rss_bytes()
    start = time.monotonic()
    for i in range(WARM_UP, CALLS):
        one(i)
    gc.collect()
    grown = rss_bytes() - before
    took = time.monotonic() - start
    client.close()
    print(f"leak check: {CALLS} calls, {took:.1f} s after warm-up, RSS grew {grown / 1024:.0f} KiB")
    assert grown < LIMIT, f"RSS grew {grown / 1024 / 1024:.1f} MiB over {CALLS - WARM_UP} calls"
