"""tokenkit.aio: every call as a coroutine, a responsive event loop, and task cancellation that
cancels the native call."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
from pathlib import Path
from typing import Awaitable, Callable, List, TypeVar

import pytest

import tokenkit
import tokenkit.aio
from conftest import Browser, flow_settings, fresh_code, fresh_key, get_no_redirect, stats

T = TypeVar("T")


def run(coroutine: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(coroutine())  # type: ignore[arg-type]


def test_grants_revocation_introspection(server: str) -> None:
    async def main() -> None:
        async with tokenkit.aio.Client(**flow_settings(server)) as client:
            token = await client.exchange_code(fresh_code())
            assert token.access_token.startswith("at-")
            refreshed = await client.refresh(token.refresh_token, "read")  # type: ignore[arg-type]
            assert refreshed.access_token != token.access_token
            cc = await client.client_credentials("read", params={"audience": "x"})
            assert cc.scope == "read"
            assert (await client.introspect(token.access_token)).active
            await client.revoke(token.access_token, "access_token")
            assert not (await client.introspect(token.access_token)).active
            with pytest.raises(tokenkit.OAuthError):
                await client.exchange_code("not-a-code")
            request = client.authorization_url("http://127.0.0.1:9/cb", "read")
            _, location = get_no_redirect(request.url)
            code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["code"]
            assert await client.exchange_code(code, "http://127.0.0.1:9/cb", request.code_verifier)
            assert "demo-client" in repr(client) and repr(client).startswith("<tokenkit.aio.Client")
        assert client.closed
        with pytest.raises(tokenkit.InvalidArgumentError, match="closed"):
            await client.client_credentials()

    run(main)


def test_from_issuer_and_preset(server: str) -> None:
    async def main() -> None:
        client = await tokenkit.aio.Client.from_issuer(server, client_id="demo-client", client_secret="demo-secret")
        assert client.metadata["issuer"] == server  # type: ignore[index]
        assert (await client.client_credentials()).access_token.startswith("at-")
        await client.aclose()
        nest = tokenkit.aio.Client.from_preset("nest", client_id="id", client_secret="s")
        assert "home.nest.com" in nest.authorization_url().url
        nest.close()

    run(main)


def test_sign_in_and_device_flow_with_async_callbacks(server: str) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        async with tokenkit.aio.Client(**flow_settings(server)) as client:
            browser = Browser()
            opened_on_loop: List[bool] = []

            async def open_url(url: str) -> None:
                opened_on_loop.append(asyncio.get_running_loop() is loop)
                browser(url)

            token = await client.sign_in("read", open_url, timeout=20)
            browser.join()
            assert token.access_token.startswith("at-") and opened_on_loop == [True]

        async with tokenkit.aio.Client(**flow_settings(server, "public-client", None)) as public:
            prompts: List[str] = []

            async def prompt(auth: tokenkit.DeviceAuthorization) -> None:
                await asyncio.sleep(0)
                prompts.append(auth.user_code)

            params = {"mock_behavior": "approve", "mock_interval": "1"}
            token = await public.device_flow("read", prompt, params=params)
            assert token.access_token.startswith("at-") and len(prompts) == 1
            auth = await public.device_authorize("read", params=params)
            with auth:
                assert (await public.device_poll(auth)).access_token.startswith("at-")

    run(main)


def test_token_source(server: str) -> None:
    async def main() -> None:
        async with tokenkit.aio.Client(**flow_settings(server)) as client:
            initial = await client.exchange_code(fresh_code(), params={"mock_expires_in": "30"})
            changed: List[str] = []

            async def on_change(token: tokenkit.Token) -> None:
                changed.append(token.access_token)

            async with tokenkit.aio.TokenSource(client, initial, on_change=on_change) as source:
                results = await asyncio.gather(*(source.access_token() for _ in range(16)))
                assert len(changed) == 1 and results == changed * 16
                assert (await source.token()).access_token == changed[0]
                forced = await source.refresh()
                assert forced.access_token != changed[0] and len(changed) == 2
                saved = source.to_json()
            assert source.closed
            loaded = tokenkit.aio.TokenSource.from_json(client.sync, saved)
            assert await loaded.access_token() == json.loads(saved)["access_token"]
            loaded.close()

    run(main)


def test_cancelling_the_task_cancels_the_native_call(server: str) -> None:
    async def main() -> None:
        async with tokenkit.aio.Client(**flow_settings(server)) as client:
            sync = tokenkit.Client(token_url=server + "/fault/hang", client_id="demo-client", client_secret="demo-secret", retries=0)
            hanging = tokenkit.aio.Client.wrap(sync)
            task = asyncio.create_task(hanging.client_credentials())
            await asyncio.sleep(0.3)
            start = time.monotonic()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            took = time.monotonic() - start
            assert took < 1.5, took
            # The native call has returned: no call is left running on the client.
            assert sync._handle._active == 0
            await hanging.aclose()

            # A sign-in waiting for the user, the same.
            task = asyncio.create_task(client.sign_in("read", lambda url: None, timeout=30))
            await asyncio.sleep(0.3)
            start = time.monotonic()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert time.monotonic() - start < 1.5 and client.sync._handle._active == 0

            # asyncio.wait_for's timeout cancels it too.
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(client.device_flow("read", lambda a: None,
                                                          params={"mock_behavior": "never", "mock_interval": "1"}), 0.3)
            assert client.sync._handle._active == 0

    run(main)


def test_the_loop_stays_responsive(server: str) -> None:
    # A dripping server (1 byte a second) until the client's 1.5 s deadline, while a timer ticks
    # every 10 ms. A loop blocked by the call would be late by the whole 1.5 s; a shared two-core
    # machine alone delays a healthy tick by tens of milliseconds now and then (under 10 ms on a
    # quiet one), so 0.4 s tells the two apart with room on both sides.
    async def measure() -> List[float]:
        lateness: List[float] = []
        stop = asyncio.Event()

        async def ticker() -> None:
            while not stop.is_set():
                start = time.monotonic()
                await asyncio.sleep(0.01)
                lateness.append(time.monotonic() - start - 0.01)

        async with tokenkit.aio.Client(token_url=server + "/fault/slow", client_id="demo-client",
                                       client_secret="demo-secret", timeout=1.5, retries=0) as client:
            tick = asyncio.create_task(ticker())
            with pytest.raises(tokenkit.TimeoutError):
                await client.exchange_code(fresh_code())
            stop.set()
            await tick
        return lateness

    lateness = asyncio.run(measure())
    assert len(lateness) > 50, f"the loop ticked {len(lateness)} times in 1.5 s"
    assert max(lateness) < 0.4, f"the event loop was late by {max(lateness):.3f} s"


def test_concurrent_calls_run_in_parallel(server: str) -> None:
    key = fresh_key("aio-parallel")

    async def main() -> float:
        async with tokenkit.aio.Client(token_url=server + f"/held/8/2000/{key}/token", client_id="demo-client",
                                       client_secret="demo-secret", retries=0) as client:
            start = time.monotonic()
            tokens = await asyncio.gather(*(client.client_credentials() for _ in range(8)))
            assert len({t.access_token for t in tokens}) == 8
            return time.monotonic() - start

    assert run(main) < 1.5
    assert stats(server)["held"][key] == 8


def test_own_executor(server: str) -> None:
    import concurrent.futures

    async def main() -> None:
        with concurrent.futures.ThreadPoolExecutor(2, thread_name_prefix="mine") as pool:
            client = tokenkit.aio.Client(token_url=server + "/token", client_id="demo-client",
                                         client_secret="demo-secret", executor=pool)
            names: List[str] = []
            source = tokenkit.aio.TokenSource(client, refresh_token=(await client.exchange_code(fresh_code())).refresh_token,
                                              on_change=lambda t: names.append(__import__("threading").current_thread().name))
            await source.access_token()
            assert names and names[0].startswith("mine")
            source.close()
            await client.aclose()

    run(main)


def test_wrap_refuses_other_things() -> None:
    with pytest.raises(tokenkit.ArgumentTypeError):
        tokenkit.aio.Client.wrap("client")  # type: ignore[arg-type]
    with pytest.raises(tokenkit.ArgumentTypeError):
        tokenkit.aio.TokenSource.wrap(None)  # type: ignore[arg-type]


def test_store_and_device_polls(server: str, tmp_path: Path) -> None:
    """The store's waits as coroutines: eight tasks on an expired profile cause one refresh and
    all get its token; a cancelled task ends its wait; on_poll reaches the worker thread."""

    async def main() -> None:
        key = fresh_key("aio-store")
        settings = dict(client_id="rotating-client", client_secret="rotating-secret")
        async with tokenkit.aio.Store(tmp_path / "store") as store, tokenkit.aio.Client(
            token_url=server + "/token", **settings
        ) as minter, tokenkit.aio.Client(token_url=server + f"/held/8/3000/{key}/token", **settings) as client:
            initial = await minter.exchange_code(fresh_code(), params={"mock_expires_in": "30"})
            await store.save_profile("shared", client, initial)
            tokens = await asyncio.gather(*(store.token("shared", client) for _ in range(8)))
            assert len({t.access_token for t in tokens}) == 1 and tokens[0].access_token != initial.access_token
            assert stats(server)["held"][key] == 1, "one refresh for eight tasks"
            saved = await store.saved_token("shared")
            assert saved is not None and saved.access_token == tokens[0].access_token
            assert [p.name for p in await store.profiles()] == ["shared"]
            assert await store.remove_token("shared") is not None
            assert await store.delete_profile("shared")

        async with tokenkit.aio.Client(**flow_settings(server, "public-client", None)) as public:
            polls: List[str] = []
            params = {"mock_behavior": "slow_down", "mock_interval": "1"}
            token = await public.device_flow("read", lambda a: None, params=params, on_poll=lambda o, i: polls.append(o))
            assert token.access_token.startswith("at-") and polls == ["slow_down"]

    run(main)
