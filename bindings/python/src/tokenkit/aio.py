"""tokenkit for asyncio: the calls of :class:`tokenkit.Client`, :class:`tokenkit.TokenSource` and
:class:`tokenkit.Store` as coroutines that never block the event loop.

Each native call runs on a worker thread (the GIL is released meanwhile), from a thread pool
shared by every client of this module (``MAX_WORKERS`` threads), or the ``executor`` a client is
given. Cancelling the task that awaits a call cancels the native call through its cancel flag: the
library stops it within about 100 ms, in the middle of a request too, and the coroutine raises
:class:`asyncio.CancelledError` once the native call has returned. The exception: a token
source's refresh, which the C ABI gives no cancel flag; the task is cancelled at once and the
refresh finishes on its thread (its token is kept by the source).

Callbacks (``open_browser``, ``on_prompt``, ``on_change``) run on the worker thread; one that
returns an awaitable (an ``async def`` function) has it run on the event loop, and the call waits
for it.

    async with tokenkit.aio.Client(token_url=..., client_id=..., client_secret=...) as client:
        token = await client.exchange_code(code)
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import threading
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple, TypeVar, Union

from . import _client, _errors, _ffi
from . import _source as _sync_source
from . import _store as _sync_store
from ._client import Params
from ._handle import Cancel
from ._types import AuthorizationRequest, DeviceAuthorization, Introspection, Token

__all__ = ["MAX_WORKERS", "Client", "Store", "TokenSource"]

T = TypeVar("T")
A = TypeVar("A")

#: Threads of the shared pool the calls of this module run on (a wait for a user occupies one).
MAX_WORKERS = 64

_pool: Optional[concurrent.futures.ThreadPoolExecutor] = None
_pool_lock = threading.Lock()
_worker = threading.local()  # the event loop of the call running on this worker thread


def _shared_pool() -> concurrent.futures.ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = concurrent.futures.ThreadPoolExecutor(MAX_WORKERS, thread_name_prefix="tokenkit-aio")
        return _pool


async def _run(
    executor: Optional[concurrent.futures.Executor],
    fn: Callable[..., T],
    *args: Any,
    cancellable: bool = True,
    **kwargs: Any,
) -> T:
    """Runs a blocking call on a worker thread. When the awaiting task is cancelled, the call's
    cancel flag is raised and the task waits (without blocking the loop) for the native call to
    return, so nothing of it outlives the task; then CancelledError propagates."""
    loop = asyncio.get_running_loop()
    cancel = Cancel() if cancellable else None
    if cancel is not None:
        kwargs["cancel"] = cancel

    def work() -> T:
        _worker.loop = loop
        try:
            return fn(*args, **kwargs)
        finally:
            _worker.loop = None

    future = loop.run_in_executor(executor or _shared_pool(), work)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        if cancel is None:
            # Nothing can stop it: let it finish on its thread; its outcome is not wanted.
            future.add_done_callback(_discard)
            raise
        cancel.trigger()
        while not future.done():
            try:
                await asyncio.wait({future})
            except asyncio.CancelledError:
                continue  # cancelled again: still wait for the native call to return
        _discard(future)
        raise


def _discard(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()  # retrieved, so asyncio does not log it as never retrieved


def _bridge(fn: Callable[[A], object]) -> Callable[[A], None]:
    """A callback for the worker thread: calls fn, and when it returns an awaitable, runs that on
    the event loop of the call and waits for it."""

    def call(arg: A) -> None:
        result = fn(arg)
        if inspect.isawaitable(result):
            loop: Optional[asyncio.AbstractEventLoop] = getattr(_worker, "loop", None)
            if loop is None:
                raise RuntimeError("an async callback needs the event loop of a tokenkit.aio call")
            asyncio.run_coroutine_threadsafe(_awaited(result), loop).result()

    return call


async def _awaited(awaitable: Awaitable[object]) -> None:
    await awaitable


class Client:
    """:class:`tokenkit.Client` for asyncio: the same settings (keyword-only), plus ``executor``,
    a :class:`concurrent.futures.Executor` to run the native calls on (default: this module's
    shared pool). Making one sends nothing; :meth:`from_issuer` is a coroutine. Close it with
    ``await client.aclose()`` or ``async with``. :attr:`sync` is the underlying
    :class:`tokenkit.Client`, usable from threads at the same time."""

    __slots__ = ("sync", "_executor")

    def __init__(self, *, executor: Optional[concurrent.futures.Executor] = None, **settings: Any) -> None:
        self.sync: _client.Client = _client.Client(**settings)
        self._executor = executor

    @classmethod
    def wrap(cls, client: _client.Client, *, executor: Optional[concurrent.futures.Executor] = None) -> Client:
        """An asyncio view of an existing :class:`tokenkit.Client` (which stays usable)."""
        if not isinstance(client, _client.Client):
            raise _errors.ArgumentTypeError(f"client must be a tokenkit.Client, not {type(client).__name__}")
        self = cls.__new__(cls)
        self.sync = client
        self._executor = executor
        return self

    @classmethod
    async def from_issuer(
        cls, issuer: str, *, executor: Optional[concurrent.futures.Executor] = None, **settings: Any
    ) -> Client:
        """:meth:`tokenkit.Client.from_issuer`: discovery without blocking the loop."""
        sync = await _run(executor, _client.Client.from_issuer, issuer, **settings)
        return cls.wrap(sync, executor=executor)

    @classmethod
    def from_preset(
        cls, name: str, *, executor: Optional[concurrent.futures.Executor] = None, **settings: Any
    ) -> Client:
        """:meth:`tokenkit.Client.from_preset` (sends nothing)."""
        return cls.wrap(_client.Client.from_preset(name, **settings), executor=executor)

    @property
    def metadata(self) -> Optional[Dict[str, Any]]:
        return self.sync.metadata

    @property
    def closed(self) -> bool:
        return self.sync.closed

    async def aclose(self) -> None:
        """:meth:`tokenkit.Client.close`, which cancels running sign-ins and device flows and
        waits for the other running calls, without blocking the loop."""
        await _run(self._executor, self.sync.close, cancellable=False)

    def close(self) -> None:
        """:meth:`tokenkit.Client.close`, blocking until the running calls have returned."""
        self.sync.close()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return "<tokenkit.aio" + repr(self.sync)[len("<tokenkit") :]

    async def exchange_code(
        self,
        code: str,
        redirect_uri: Optional[str] = None,
        code_verifier: Optional[str] = None,
        *,
        params: Optional[Params] = None,
    ) -> Token:
        """:meth:`tokenkit.Client.exchange_code`."""
        return await _run(self._executor, self.sync.exchange_code, code, redirect_uri, code_verifier, params=params)

    async def refresh(self, refresh_token: str, scope: Optional[str] = None, *, params: Optional[Params] = None) -> Token:
        """:meth:`tokenkit.Client.refresh`."""
        return await _run(self._executor, self.sync.refresh, refresh_token, scope, params=params)

    async def client_credentials(self, scope: Optional[str] = None, *, params: Optional[Params] = None) -> Token:
        """:meth:`tokenkit.Client.client_credentials`."""
        return await _run(self._executor, self.sync.client_credentials, scope, params=params)

    async def revoke(self, token: str, hint: Optional[str] = None) -> None:
        """:meth:`tokenkit.Client.revoke`."""
        await _run(self._executor, self.sync.revoke, token, hint)

    async def introspect(self, token: str, hint: Optional[str] = None) -> Introspection:
        """:meth:`tokenkit.Client.introspect`."""
        return await _run(self._executor, self.sync.introspect, token, hint)

    def authorization_url(
        self, redirect_uri: Optional[str] = None, scope: Optional[str] = None, *, params: Optional[Params] = None
    ) -> AuthorizationRequest:
        """:meth:`tokenkit.Client.authorization_url` (sends nothing, so not a coroutine)."""
        return self.sync.authorization_url(redirect_uri, scope, params=params)

    async def sign_in(
        self,
        scope: Optional[str] = None,
        open_browser: Union[bool, Callable[[str], object]] = True,
        timeout: Optional[_ffi.Duration] = None,
        *,
        port: Optional[int] = None,
        params: Optional[Params] = None,
    ) -> Token:
        """:meth:`tokenkit.Client.sign_in`; a callable ``open_browser`` may be ``async``."""
        opener = _bridge(open_browser) if callable(open_browser) and not isinstance(open_browser, bool) else open_browser
        return await _run(self._executor, self.sync.sign_in, scope, opener, timeout, port=port, params=params)

    async def device_flow(
        self,
        scope: Optional[str] = None,
        on_prompt: Optional[Callable[[DeviceAuthorization], object]] = None,
        *,
        params: Optional[Params] = None,
        pkce: bool = False,
        on_poll: Optional[Callable[[str, float], object]] = None,
    ) -> Token:
        """:meth:`tokenkit.Client.device_flow`; ``on_prompt`` may be ``async``; ``on_poll`` runs
        on the worker thread (keep it short: a live prompt's update)."""
        prompt = None if on_prompt is None else _bridge(on_prompt)
        return await _run(
            self._executor, self.sync.device_flow, scope, prompt, params=params, pkce=pkce, on_poll=on_poll
        )

    async def device_authorize(
        self, scope: Optional[str] = None, *, params: Optional[Params] = None, pkce: bool = False
    ) -> DeviceAuthorization:
        """:meth:`tokenkit.Client.device_authorize`."""
        return await _run(self._executor, self.sync.device_authorize, scope, params=params, pkce=pkce)

    async def device_poll(self, authorization: DeviceAuthorization) -> Token:
        """:meth:`tokenkit.Client.device_poll`."""
        return await _run(self._executor, self.sync.device_poll, authorization)


class TokenSource:
    """:class:`tokenkit.TokenSource` for asyncio: ``await source.token()``,
    ``await source.access_token()``, ``await source.refresh()``. Takes a :class:`Client` of this
    module or a :class:`tokenkit.Client`; ``on_change`` may be ``async``. :attr:`sync` is the
    underlying :class:`tokenkit.TokenSource`, usable from threads at the same time (one refresh
    serves both). A refresh cannot be cancelled (see the module's doc)."""

    __slots__ = ("sync", "_executor")

    def __init__(
        self,
        client: Union[Client, _client.Client],
        token: Optional[Token] = None,
        *,
        skew: _ffi.Duration = 60,
        on_change: Optional[Callable[[Token], object]] = None,
        refresh_token: Optional[str] = None,
        executor: Optional[concurrent.futures.Executor] = None,
    ) -> None:
        sync_client, executor = _unwrap(client, executor)
        self.sync = _sync_source.TokenSource(
            sync_client,
            token,
            skew=skew,
            on_change=None if on_change is None else _bridge(on_change),
            refresh_token=refresh_token,
        )
        self._executor = executor

    @classmethod
    def from_json(
        cls,
        client: Union[Client, _client.Client],
        data: str,
        *,
        skew: _ffi.Duration = 60,
        on_change: Optional[Callable[[Token], object]] = None,
        executor: Optional[concurrent.futures.Executor] = None,
    ) -> TokenSource:
        """:meth:`tokenkit.TokenSource.from_json` (sends nothing)."""
        sync_client, executor = _unwrap(client, executor)
        sync = _sync_source.TokenSource.from_json(
            sync_client, data, skew=skew, on_change=None if on_change is None else _bridge(on_change)
        )
        return cls.wrap(sync, executor=executor)

    @classmethod
    def wrap(
        cls, source: _sync_source.TokenSource, *, executor: Optional[concurrent.futures.Executor] = None
    ) -> TokenSource:
        """An asyncio view of an existing :class:`tokenkit.TokenSource`."""
        if not isinstance(source, _sync_source.TokenSource):
            raise _errors.ArgumentTypeError(f"source must be a tokenkit.TokenSource, not {type(source).__name__}")
        self = cls.__new__(cls)
        self.sync = source
        self._executor = executor
        return self

    async def token(self) -> Token:
        return await _run(self._executor, self.sync.token, cancellable=False)

    async def access_token(self) -> str:
        return await _run(self._executor, self.sync.access_token, cancellable=False)

    async def refresh(self) -> Token:
        return await _run(self._executor, self.sync.refresh, cancellable=False)

    def to_json(self) -> str:
        """:meth:`tokenkit.TokenSource.to_json` (no request, so not a coroutine)."""
        return self.sync.to_json()

    @property
    def closed(self) -> bool:
        return self.sync.closed

    async def aclose(self) -> None:
        await _run(self._executor, self.sync.close, cancellable=False)

    def close(self) -> None:
        self.sync.close()

    async def __aenter__(self) -> TokenSource:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return "<tokenkit.aio" + repr(self.sync)[len("<tokenkit") :]


def _unwrap(
    client: Union[Client, _client.Client], executor: Optional[concurrent.futures.Executor]
) -> Tuple[_client.Client, Optional[concurrent.futures.Executor]]:
    if isinstance(client, Client):
        return client.sync, executor if executor is not None else client._executor
    return client, executor


class Store:
    """:class:`tokenkit.Store` for asyncio: the calls that may wait (for another process's
    refresh, or a refresh of their own) are coroutines, run on a worker thread; cancelling the
    task ends the wait or the refresh through its cancel flag. :attr:`sync` is the underlying
    :class:`tokenkit.Store`, usable from threads at the same time."""

    __slots__ = ("sync", "_executor")

    def __init__(
        self, dir: Optional[_client.PathArg] = None, *, executor: Optional[concurrent.futures.Executor] = None
    ) -> None:
        self.sync = _sync_store.Store(dir)
        self._executor = executor

    @property
    def dir(self) -> str:
        return self.sync.dir

    async def token(self, name: str, client: Union[Client, _client.Client], *, skew: _ffi.Duration = 60) -> Token:
        """:meth:`tokenkit.Store.token`."""
        sync_client, executor = _unwrap(client, self._executor)
        return await _run(executor, self.sync.token, name, sync_client, skew=skew)

    async def save_profile(
        self, name: str, client: Union[Client, _client.Client], token: Optional[Token] = None, *, with_secret: bool = False
    ) -> None:
        """:meth:`tokenkit.Store.save_profile`."""
        sync_client, executor = _unwrap(client, self._executor)
        await _run(executor, self.sync.save_profile, name, sync_client, token, with_secret=with_secret, cancellable=False)

    async def saved_token(self, name: str) -> Optional[Token]:
        """:meth:`tokenkit.Store.saved_token`."""
        return await _run(self._executor, self.sync.saved_token, name, cancellable=False)

    async def save_token(self, name: str, token: Token) -> None:
        """:meth:`tokenkit.Store.save_token`."""
        await _run(self._executor, self.sync.save_token, name, token, cancellable=False)

    async def remove_token(self, name: str) -> Optional[Token]:
        """:meth:`tokenkit.Store.remove_token`."""
        return await _run(self._executor, self.sync.remove_token, name, cancellable=False)

    async def delete_profile(self, name: str) -> bool:
        """:meth:`tokenkit.Store.delete_profile`."""
        return await _run(self._executor, self.sync.delete_profile, name, cancellable=False)

    async def profiles(self) -> List[_sync_store.Profile]:
        """:meth:`tokenkit.Store.profiles`."""
        return await _run(self._executor, self.sync.profiles, cancellable=False)

    @property
    def closed(self) -> bool:
        return self.sync.closed

    async def aclose(self) -> None:
        await _run(self._executor, self.sync.close, cancellable=False)

    def close(self) -> None:
        self.sync.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return "<tokenkit.aio" + repr(self.sync)[len("<tokenkit") :]
