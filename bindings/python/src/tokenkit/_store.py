"""tokenkit.Store: the library's token store (tokenkit_store), a directory of profiles shared by
every process of a user, which refreshes each profile's token once for however many ask."""

from __future__ import annotations

import json
import weakref
from ctypes import byref, c_uint8
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, List, Optional

from . import _errors, _ffi
from ._client import Client, PathArg, _RequestOptions, after_log
from ._ffi import P, lib
from ._handle import Cancel, Handle
from ._types import Token, token_from_native


@dataclass(frozen=True)
class Profile:
    """What :meth:`Store.profiles` tells of one profile: nothing secret. ``problem`` says why a
    file could not be read as a profile (then the other fields are empty)."""

    name: str
    client_id: str
    token_endpoint: Optional[str]
    has_token: bool
    has_refresh_token: bool
    expires_at: Optional[datetime]
    problem: Optional[str]


class Store:
    """A directory of profiles: per profile a client's settings (endpoints, client id, auth
    method, and the client secret only when asked) and its token, each in ``<dir>/<name>.json``
    with mode 0600. Writes are atomic, and a refresh holds an advisory lock on the profile, so the
    threads and processes sharing one refresh it once, all get the new token, and never spend a
    rotated refresh token twice. A profile name is 1 to 64 letters, digits, ``.``, ``_`` or ``-``,
    not starting with ``.``.

    ``dir`` None is the default place: ``$TOKENKIT_STORE``, else ``$XDG_CONFIG_HOME/tokenkit``,
    else ``~/.config/tokenkit``; the directory is made (mode 0700) if missing.

        with tokenkit.Store() as store, tokenkit.Client.from_store(store, "work") as client:
            token = store.token("work", client)

    Thread-safe. Close it when done (``close()`` or ``with``); an unclosed store is closed when
    garbage-collected. Token sources made from it keep their own reference to it.
    """

    __slots__ = ("_handle", "_finalizer", "_dir", "__weakref__")

    def __init__(self, dir: Optional[PathArg] = None) -> None:
        dir_bytes = None if dir is None else _ffi.path_text("dir", dir)
        out = P(_ffi.tokenkit_store)()
        _ffi.call(lib.tokenkit_store_open, dir_bytes, byref(out))
        self._dir: str = _ffi.string(lib.tokenkit_store_dir(out)) or ""
        self._handle = Handle(out, lib.tokenkit_store_free, "store")
        self._finalizer = weakref.finalize(self, self._handle.close)
        self._finalizer.atexit = False

    @property
    def dir(self) -> str:
        """The store's directory."""
        return self._dir

    def save_profile(
        self, name: str, client: Client, token: Optional[Token] = None, *, with_secret: bool = False
    ) -> None:
        """Saves profile ``name`` from the settings ``client`` was made with (its endpoints,
        client id, auth method, and the preset or issuer it came from; its client secret only
        ``with_secret``) and ``token`` (None for none yet), replacing a profile of that name.
        Timeouts, CA files and the log are not saved: they belong to the program."""
        name_bytes = _ffi.text("name", name)
        if not isinstance(client, Client):
            raise _errors.ArgumentTypeError(f"client must be a tokenkit.Client, not {type(client).__name__}")
        if not isinstance(with_secret, bool):
            raise _errors.ArgumentTypeError(f"with_secret must be a bool, not {type(with_secret).__name__}")

        def save(store: Any, native_token: Any) -> None:
            client._enter()  # the config lives as long as the client
            try:
                _ffi.call(
                    lib.tokenkit_store_save_profile, store, name_bytes, client._config_ptr(), native_token, int(with_secret)
                )
            finally:
                client._exit()

        self._with_token(token, save, optional=True)

    def _config(self, name: str) -> Any:
        """A new native config from profile ``name``, for Client.from_store (which owns it)."""
        name_bytes = _ffi.text("name", name)
        out = P(_ffi.tokenkit_config)()
        store = self._handle.enter()
        try:
            _ffi.call(lib.tokenkit_store_config, store, name_bytes, byref(out))
        finally:
            self._handle.exit()
        return out

    def token(
        self, name: str, client: Client, *, skew: _ffi.Duration = 60, cancel: Optional[Cancel] = None
    ) -> Token:
        """A fresh token of profile ``name``: the saved one while it is more than ``skew`` seconds
        from expiry, else refreshed through ``client`` with the saved refresh token and saved,
        under the profile's lock, so that threads and processes asking together cause one refresh
        and all get its token. A rotated refresh token is saved before the lock is let go; when
        the server sends none, the old one is kept. Raises :class:`tokenkit.InvalidArgumentError`
        when the profile has no token or no refresh token (sign in again), and what
        :meth:`Client.refresh` raises. Blocks while another process refreshes; ``cancel`` (a
        :class:`tokenkit.Cancel`) also ends that wait (:class:`tokenkit.CancelledError`)."""
        name_bytes = _ffi.text("name", name)
        if not isinstance(client, Client):
            raise _errors.ArgumentTypeError(f"client must be a tokenkit.Client, not {type(client).__name__}")
        skew_ms = _ffi.millis("skew", skew)
        out = P(_ffi.tokenkit_token)()
        err = _ffi.error_out()
        with _RequestOptions(cancel=cancel) as options:
            store = self._handle.enter()
            try:
                client_ptr = client._enter()
                try:
                    code = lib.tokenkit_store_token(
                        store, name_bytes, client_ptr, skew_ms, options, byref(out), byref(err)
                    )
                finally:
                    client._exit()
            finally:
                self._handle.exit()
        try:
            after_log(client._log, code, err)
            _ffi.check(code, err)
            return token_from_native(out)
        finally:
            lib.tokenkit_token_free(out)

    def saved_token(self, name: str) -> Optional[Token]:
        """The token saved in profile ``name``, as it is (fresh or not), with no request; None
        when the profile holds none."""
        return self._optional_token(lib.tokenkit_store_saved_token, name)

    def save_token(self, name: str, token: Token) -> None:
        """Saves ``token`` in the existing profile ``name`` (after a sign-in), keeping its client
        settings."""
        name_bytes = _ffi.text("name", name)

        def save(store: Any, native_token: Any) -> None:
            _ffi.call(lib.tokenkit_store_save_token, store, name_bytes, native_token)

        self._with_token(token, save, optional=False)

    def remove_token(self, name: str) -> Optional[Token]:
        """Removes the token of profile ``name``, keeping its client settings (a logout), and
        returns it, to revoke; None when there was none."""
        return self._optional_token(lib.tokenkit_store_remove_token, name)

    def delete_profile(self, name: str) -> bool:
        """Deletes profile ``name`` and its lock file; False when there was no such profile."""
        name_bytes = _ffi.text("name", name)
        existed = c_uint8(0)
        store = self._handle.enter()
        try:
            _ffi.call(lib.tokenkit_store_delete_profile, store, name_bytes, byref(existed))
        finally:
            self._handle.exit()
        return existed.value == 1

    def profiles(self) -> List[Profile]:
        """Every profile, by name, with nothing secret."""
        out = _ffi.str_out()
        store = self._handle.enter()
        try:
            _ffi.call(lib.tokenkit_store_profiles, store, byref(out))
        finally:
            self._handle.exit()
        listed = json.loads(_ffi.take_string(out) or "[]")
        return [
            Profile(
                name=p["name"],
                client_id=p["client_id"],
                token_endpoint=p.get("token_endpoint"),
                has_token=p["has_token"],
                has_refresh_token=p["has_refresh_token"],
                expires_at=None if p.get("expires_at") is None else datetime.fromtimestamp(p["expires_at"], timezone.utc),
                problem=p.get("problem"),
            )
            for p in listed
        ]

    def _optional_token(self, fn: Callable[..., int], name: str) -> Optional[Token]:
        name_bytes = _ffi.text("name", name)
        out = P(_ffi.tokenkit_token)()
        store = self._handle.enter()
        try:
            _ffi.call(fn, store, name_bytes, byref(out))
        finally:
            self._handle.exit()
        try:
            return token_from_native(out) if out else None
        finally:
            lib.tokenkit_token_free(out)

    def _with_token(self, token: Optional[Token], f: Callable[[Any, Any], None], optional: bool) -> None:
        """Runs f(store, native token) with ``token`` made native from its saved form (NULL for
        None, when ``optional``), and frees it afterwards."""
        if token is None and not optional:
            raise _errors.ArgumentTypeError("token must be a tokenkit.Token, not None")
        if token is not None and not isinstance(token, Token):
            raise _errors.ArgumentTypeError(f"token must be a tokenkit.Token, not {type(token).__name__}")
        native = P(_ffi.tokenkit_token)()
        try:
            if token is not None:
                _ffi.call(lib.tokenkit_token_from_json, _ffi.text("token", token.to_json()), byref(native))
            store = self._handle.enter()
            try:
                f(store, native)
            finally:
                self._handle.exit()
        finally:
            lib.tokenkit_token_free(native)

    # ---- for TokenSource.from_store -----------------------------------------------------------------

    def _enter(self) -> Any:
        return self._handle.enter()

    def _exit(self) -> None:
        self._handle.exit()

    @property
    def closed(self) -> bool:
        return self._handle.closed

    def close(self) -> None:
        """Frees the native store, after the calls running on it. Closing twice is fine; calls
        after it raise :class:`tokenkit.InvalidArgumentError`."""
        self._handle.close()
        self._finalizer.detach()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        handle = getattr(self, "_handle", None)
        return f"<tokenkit.Store {getattr(self, '_dir', '')!r}{' closed' if handle is None or handle.closed else ''}>"
