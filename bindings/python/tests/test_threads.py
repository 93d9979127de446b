"""Threads: the GIL is released during native calls, so requests run in parallel, and one client
is shared safely."""

from __future__ import annotations

import threading
import time
from typing import List

import pytest

import tokenkit
from conftest import demo, fresh_code, fresh_key, stats

N = 8
HOLD_MS = 2000


def test_requests_run_in_parallel(server: str) -> None:
    # The server holds each request until all N have arrived (or HOLD_MS passed). With the GIL
    # released, the N calls are in flight together and all return at once; if a native call held
    # the GIL, the second could not even be sent before the first gave up waiting: N × HOLD_MS.
    key = fresh_key("parallel")
    results: List[str] = []
    barrier = threading.Barrier(N)
    with demo(server, f"/held/{N}/{HOLD_MS}/{key}/token", retries=0) as c:

        def call() -> None:
            barrier.wait()
            results.append(c.client_credentials().access_token)

        threads = [threading.Thread(target=call) for _ in range(N)]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(N * HOLD_MS / 1000 + 10)
        took = time.monotonic() - start
    assert len(results) == N and len(set(results)) == N
    assert stats(server)["held"][key] == N
    assert took < HOLD_MS / 1000 * 0.75, f"{N} held requests took {took:.2f} s: not in parallel"


def test_python_threads_run_during_a_native_call(server: str) -> None:
    key = fresh_key("gil")
    counted = 0
    stop = threading.Event()

    def count() -> None:
        nonlocal counted
        while not stop.is_set():
            counted += 1

    with demo(server, f"/held/2/600/{key}/token", retries=0) as c:
        counter = threading.Thread(target=count)
        counter.start()
        time.sleep(0.05)
        before = counted
        c.client_credentials()  # held 600 ms by the server
        during = counted - before
        stop.set()
        counter.join()
    assert during > 10_000, f"the counting thread ran {during} times during a 600 ms native call"


def test_sixteen_threads_share_one_client(server: str) -> None:
    errors: List[BaseException] = []
    tokens: List[str] = []
    with demo(server) as c:

        def work() -> None:
            try:
                for _ in range(20):
                    token = c.exchange_code(fresh_code())
                    tokens.append(c.refresh(token.refresh_token).access_token)  # type: ignore[arg-type]
                    try:
                        c.exchange_code("not-a-code")
                    except tokenkit.OAuthError:
                        pass
            except BaseException as e:
                errors.append(e)

        threads = [threading.Thread(target=work) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert not errors and len(set(tokens)) == 16 * 20


def test_close_waits_for_running_calls(server: str) -> None:
    key = fresh_key("close")
    c = demo(server, f"/held/2/500/{key}/token", retries=0)
    got: List[str] = []
    t = threading.Thread(target=lambda: got.append(c.client_credentials().access_token))
    t.start()
    while stats(server)["held"].get(key, 0) < 1:
        time.sleep(0.01)
    c.close()  # waits for the held call instead of freeing the client under it
    t.join(5)
    assert got and got[0].startswith("at-") and c.closed
    with pytest.raises(tokenkit.InvalidArgumentError, match="closed"):
        c.client_credentials()


def test_cancel_from_another_thread(server: str) -> None:
    cancel = tokenkit.Cancel()
    with demo(server, "/fault/hang", retries=0) as c:
        threading.Timer(0.3, cancel.trigger).start()
        start = time.monotonic()
        with pytest.raises(tokenkit.CancelledError):
            c.client_credentials(cancel=cancel)
        took = time.monotonic() - start
    assert 0.25 < took < 2, took
    assert "cancelled=True" in repr(cancel)


def test_one_cancel_for_many_calls(server: str) -> None:
    cancel = tokenkit.Cancel()
    errors: List[BaseException] = []
    with demo(server, "/fault/hang", retries=0) as c:

        def call() -> None:
            try:
                c.exchange_code(fresh_code(), cancel=cancel)
            except BaseException as e:
                errors.append(e)

        threads = [threading.Thread(target=call) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        cancel.trigger()
        for t in threads:
            t.join(5)
    assert len(errors) == 4 and all(isinstance(e, tokenkit.CancelledError) for e in errors)
