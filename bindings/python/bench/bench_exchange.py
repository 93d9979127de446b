#!/usr/bin/env python3
"""Sequential authorization code exchanges on one keep-alive connection, through tokenkit,
requests.Session, httpx.Client and http.client, against the local mock server, in one run.

Each client does the whole job a program needs: POST the form (code, client_id, client_secret,
grant_type), check the status, parse the JSON into a token. Rounds alternate the clients so that
no one gets the warm or the cold part of the run; each client's rate is its best round. Prints
each rate and tokenkit's ratio to each, and exits 1 when a target of issue 10 is missed:
tokenkit at least 4x requests.Session and at least http.client's rate.

    scripts/with_servers.sh python bindings/python/bench/bench_exchange.py

BENCH_N (default 2000) exchanges per round, BENCH_ROUNDS (default 5) rounds.
"""

from __future__ import annotations

import http.client
import json
import os
import sys
import time
import urllib.parse
from typing import Callable, Dict, List

import httpx
import requests

import tokenkit

N = int(os.environ.get("BENCH_N", "2000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SERVER = os.environ.get("TOKENKIT_TEST_SERVER")
if not SERVER:
    sys.exit("bench_exchange.py: TOKENKIT_TEST_SERVER is not set: run it through scripts/with_servers.sh")
TOKEN_URL = SERVER + "/token"
CLIENT_ID, CLIENT_SECRET = "demo-client", "demo-secret"
serial = 0


def codes(name: str) -> List[str]:
    global serial
    serial += 1
    return [f"code-bench-{os.getpid()}-{name}-{serial}-{i}" for i in range(N)]


def form(code: str) -> Dict[str, str]:
    return {"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}


def with_tokenkit() -> Callable[[List[str]], None]:
    client = tokenkit.Client(token_url=TOKEN_URL, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)

    def run(batch: List[str]) -> None:
        for code in batch:
            token = client.exchange_code(code)
            assert token.access_token

    return run


def with_requests() -> Callable[[List[str]], None]:
    session = requests.Session()

    def run(batch: List[str]) -> None:
        for code in batch:
            response = session.post(TOKEN_URL, data=form(code), headers={"Accept": "application/json"})
            response.raise_for_status()
            assert response.json()["access_token"]

    return run


def with_httpx() -> Callable[[List[str]], None]:
    client = httpx.Client()

    def run(batch: List[str]) -> None:
        for code in batch:
            response = client.post(TOKEN_URL, data=form(code), headers={"Accept": "application/json"})
            response.raise_for_status()
            assert response.json()["access_token"]

    return run


def with_http_client() -> Callable[[List[str]], None]:
    url = urllib.parse.urlsplit(TOKEN_URL)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}

    def run(batch: List[str]) -> None:
        for code in batch:
            connection.request("POST", url.path, body=urllib.parse.urlencode(form(code)), headers=headers)
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}")
            assert json.loads(body)["access_token"]

    return run


def main() -> int:
    clients = {
        "tokenkit": with_tokenkit(),
        "requests.Session": with_requests(),
        "httpx.Client": with_httpx(),
        "http.client": with_http_client(),
    }
    for name, run in clients.items():  # warm up: connections, caches
        run(codes(name)[: min(N, 200)])
    best = {name: 0.0 for name in clients}
    for _ in range(ROUNDS):
        for name, run in clients.items():
            batch = codes(name)
            start = time.perf_counter()
            run(batch)
            best[name] = max(best[name], N / (time.perf_counter() - start))
    print(f"sequential code exchanges on one keep-alive connection, best of {ROUNDS} rounds of {N}:")
    for name, rate in best.items():
        print(f"  {name:18} {rate:8.0f} exchanges/s")
    ok = True
    for name, target in (("requests.Session", 4.0), ("httpx.Client", None), ("http.client", 1.0)):
        ratio = best["tokenkit"] / best[name]
        verdict = "" if target is None else (" (target >= %.0fx: %s)" % (target, "met" if ratio >= target else "MISSED"))
        ok = ok and (target is None or ratio >= target)
        print(f"  tokenkit / {name:16} {ratio:5.2f}x{verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
