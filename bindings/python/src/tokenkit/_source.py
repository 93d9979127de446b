"""tokenkit.TokenSource: the library's token source (tokenkit_source), which refreshes a token
shortly before it expires, one refresh for however many threads ask."""

from __future__ import annotations

import ctypes
import weakref
from ctypes import byref, c_int64
from typing import Any, Callable, Optional

from . import _errors, _ffi
from ._client import Client, Deferred, _Log, after_log
from ._ffi import P, lib
from ._handle import Handle
from ._types import Token, token_from_native

OnChange = Callable[[Token], object]

_BUFFER = 256  # most access tokens fit; a longer one is asked for again with its length


class _OnChange(Deferred):
    """The on_change callback. It runs on the thread whose call performed the refresh, before
    that call returns, which raises what it raised."""

    __slots__ = ()

    def __init__(self, fn: OnChange) -> None:
        super().__init__(fn, _ffi.tokenkit_token_changed_fn)

    def __call__(self, user_data: Any, token: Any) -> None:
        try:
            self.fn(token_from_native(token))  # lent for the call; the library frees it
        except BaseException as e:  # noqa: B036 - nothing may unwind into C
            self.keep(e)


class TokenSource:
    """Hands out a valid access token, refreshing it when it is within ``skew`` seconds of its
    expiry (or on demand with :meth:`refresh`). However many threads ask at once, one refresh
    request is in flight and the others wait for it and share its result; when the server sends no
    new refresh token, the old one is kept (RFC 6749 §6). All of this is the library's
    tokenkit_source; this class only converts.

    ``token`` is a :class:`tokenkit.Token` tokenkit made (a grant, :meth:`Token.from_json`); with
    ``refresh_token=`` instead (or as well, to override the token's), the first use refreshes.
    ``skew`` is seconds (or a timedelta; 0 uses a token until it expires). ``on_change(token)`` is
    told about every new token after a refresh, to persist a rotated refresh token: it runs on the
    thread whose call refreshed, before that call returns, never two at a time; it must not ask
    this source for a token (:meth:`to_json` is allowed). If it raises, the call that refreshed
    raises that exception (the new token is kept all the same).

    Thread-safe. It holds its own reference to the native client, so the :class:`Client` may be
    closed first. Close it when done (``close()`` or ``with``); an unclosed source is closed when
    garbage-collected, unless its on_change refers to the source itself, which keeps it
    reachable. A refresh cannot be cancelled (the C ABI's source takes no cancel flag):
    the client's ``timeout`` bounds it.
    """

    __slots__ = ("_handle", "_finalizer", "_on_change", "_log", "__weakref__")

    def __init__(
        self,
        client: Client,
        token: Optional[Token] = None,
        *,
        skew: _ffi.Duration = 60,
        on_change: Optional[OnChange] = None,
        refresh_token: Optional[str] = None,
    ) -> None:
        if token is not None and not isinstance(token, Token):
            raise _errors.ArgumentTypeError(f"token must be a tokenkit.Token, not {type(token).__name__}")
        refresh = _ffi.optional_text("refresh_token", refresh_token)
        saved = None if token is None else _ffi.text("token", token.to_json())

        def construct(client_ptr: Any, options: Any, out: Any) -> None:
            if refresh is not None:
                _ffi.call(lib.tokenkit_source_options_set_refresh_token, options, refresh)
            native = P(_ffi.tokenkit_token)()
            try:
                if saved is not None:
                    _ffi.call(lib.tokenkit_token_from_json, saved, byref(native))
                _ffi.call(lib.tokenkit_source_new, client_ptr, native, options, byref(out))
            finally:
                lib.tokenkit_token_free(native)  # the source keeps its own copy

        self._make(client, skew, on_change, construct)

    @classmethod
    def from_json(
        cls,
        client: Client,
        data: str,
        *,
        skew: _ffi.Duration = 60,
        on_change: Optional[OnChange] = None,
    ) -> TokenSource:
        """A source from what :meth:`to_json` or :meth:`Token.to_json` wrote (or any JSON object
        with an access_token or a refresh_token; only a refresh token means "refresh on first
        use")."""
        data_bytes = _ffi.text("data", data)

        def construct(client_ptr: Any, options: Any, out: Any) -> None:
            _ffi.call(lib.tokenkit_source_from_json, client_ptr, data_bytes, options, byref(out))

        source = cls.__new__(cls)
        source._make(client, skew, on_change, construct)
        return source

    @classmethod
    def from_store(
        cls,
        client: Client,
        store: Any,
        name: str,
        *,
        skew: _ffi.Duration = 60,
        on_change: Optional[OnChange] = None,
    ) -> TokenSource:
        """A source backed by profile ``name`` of ``store`` (a :class:`tokenkit.Store`): it starts
        from the saved token, and each refresh goes through the store (as
        :meth:`tokenkit.Store.token` does), so that processes sharing the profile refresh once,
        take up the token another process saved, and never spend a rotated refresh token twice.
        It refreshes through ``client`` and keeps its own reference to the store, which may be
        closed first. Raises :class:`tokenkit.InvalidArgumentError` for a missing or broken
        profile."""
        from ._store import Store

        if not isinstance(store, Store):
            raise _errors.ArgumentTypeError(f"store must be a tokenkit.Store, not {type(store).__name__}")
        name_bytes = _ffi.text("name", name)

        def construct(client_ptr: Any, options: Any, out: Any) -> None:
            store_ptr = store._enter()
            try:
                _ffi.call(lib.tokenkit_source_from_store, client_ptr, store_ptr, name_bytes, options, byref(out))
            finally:
                store._exit()

        source = cls.__new__(cls)
        source._make(client, skew, on_change, construct)
        return source

    def _make(
        self,
        client: Client,
        skew: _ffi.Duration,
        on_change: Optional[OnChange],
        construct: Callable[[Any, Any, Any], None],
    ) -> None:
        if not isinstance(client, Client):
            raise _errors.ArgumentTypeError(f"client must be a tokenkit.Client, not {type(client).__name__}")
        skew_ms = _ffi.millis("skew", skew)
        if on_change is not None and not callable(on_change):
            raise _errors.ArgumentTypeError(f"on_change must be callable, not {type(on_change).__name__}")
        callback = None if on_change is None else _OnChange(on_change)
        options = lib.tokenkit_source_options_new()
        if not options:
            raise MemoryError("tokenkit_source_options_new")
        out = P(_ffi.tokenkit_source)()
        try:
            _ffi.call(lib.tokenkit_source_options_set_skew_ms, options, skew_ms)
            if callback is not None:
                _ffi.call(lib.tokenkit_source_options_set_on_change, options, callback.c_function, None)
            client_ptr = client._enter()
            try:
                construct(client_ptr, options, out)
            finally:
                client._exit()
        finally:
            lib.tokenkit_source_options_free(options)
        self._on_change = callback
        # The client's log: the source's refreshes go through the native client, which logs them.
        self._log: Optional[_Log] = client._log
        self._handle = Handle(out, lib.tokenkit_source_free, "token source", keep=(callback, client._log))
        self._finalizer = weakref.finalize(self, self._handle.close)
        self._finalizer.atexit = False

    def _after(self, code: int, err: Any) -> None:
        """Raises what on_change or the client's log raised during this thread's call, dropping
        the call's own error (there is hardly ever one: on_change runs after a successful
        refresh)."""
        if self._on_change is not None:
            try:
                self._on_change.raise_error()
            except BaseException:
                if code:
                    lib.tokenkit_error_free(err)
                raise
        after_log(self._log, code, err)

    def _token_call(self, fn: Callable[..., int]) -> Token:
        out = P(_ffi.tokenkit_token)()
        err = _ffi.error_out()
        ptr = self._handle.enter()
        try:
            code = fn(ptr, byref(out), byref(err))
        finally:
            self._handle.exit()
        try:
            self._after(code, err)
            _ffi.check(code, err)
            return token_from_native(out)
        finally:
            lib.tokenkit_token_free(out)

    def token(self) -> Token:
        """A valid token, refreshed first when it is within the skew of its expiry. A fresh cached
        token costs no request. Without a refresh token, an expired one is an
        :class:`tokenkit.InvalidArgumentError`; a failed refresh raises what
        :meth:`Client.refresh` would."""
        return self._token_call(lib.tokenkit_source_token)

    def refresh(self) -> Token:
        """Refreshes now, whatever the expiry (after a resource server refused the token);
        threads that ask together share one refresh."""
        return self._token_call(lib.tokenkit_source_refresh)

    def access_token(self) -> str:
        """``token().access_token``, without copying the rest."""
        if not _ffi.has("tokenkit_source_access_token_copy"):
            return self._access_token_allocated()
        capacity = _BUFFER
        length = c_int64()
        while True:
            buffer = ctypes.create_string_buffer(capacity)
            err = _ffi.error_out()
            ptr = self._handle.enter()
            try:
                code = lib.tokenkit_source_access_token_copy(ptr, buffer, capacity, byref(length), byref(err))
            finally:
                self._handle.exit()
            self._after(code, err)
            _ffi.check(code, err)
            if length.value < capacity:
                try:
                    return ctypes.string_at(buffer, length.value).decode("utf-8", "replace")
                finally:
                    ctypes.memset(buffer, 0, capacity)
            capacity = length.value + 1  # a longer token than the buffer: ask again

    def _access_token_allocated(self) -> str:
        out = _ffi.str_out()
        err = _ffi.error_out()
        ptr = self._handle.enter()
        try:
            code = lib.tokenkit_source_access_token(ptr, byref(out), byref(err))
        finally:
            self._handle.exit()
        try:
            self._after(code, err)
            _ffi.check(code, err)
        except BaseException:
            _ffi.take_string(out)  # frees it (NULL on failure)
            raise
        return _ffi.take_string(out) or ""

    def to_json(self) -> str:
        """The source's state in tokenkit's saved format (the current token, or only the refresh
        token), for :meth:`from_json` after a restart: secrets, to be stored as such. Allowed
        inside on_change."""
        out = _ffi.str_out()
        err = _ffi.error_out()
        ptr = self._handle.enter()
        try:
            code = lib.tokenkit_source_to_json(ptr, byref(out), byref(err))
        finally:
            self._handle.exit()
        _ffi.check(code, err)
        return _ffi.take_string(out) or ""

    @property
    def closed(self) -> bool:
        return self._handle.closed

    def close(self) -> None:
        """Frees the native source (zeroizing its tokens), after the calls running on it.
        Closing twice is fine; calls after it raise :class:`tokenkit.InvalidArgumentError`."""
        self._handle.close()  # first: inside on_change it refuses, and nothing changes
        self._finalizer.detach()

    def __enter__(self) -> TokenSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        handle = getattr(self, "_handle", None)
        return f"<tokenkit.TokenSource{' closed' if handle is None or handle.closed else ''}>"
