"""The values tokenkit hands out, copied out of native memory: Token, Introspection,
AuthorizationRequest, DeviceAuthorization. Each native object is freed (and zeroized by the
library) before the call that made it returns, except a DeviceAuthorization from
Client.device_authorize, which keeps its device code for Client.device_poll."""

from __future__ import annotations

import json
import weakref
from ctypes import byref, c_int64
from datetime import datetime, timezone
from typing import Any, Dict, List, NoReturn, Optional, Tuple

from . import _ffi
from ._ffi import lib, string
from ._handle import Handle


def _redact(secret: Optional[str]) -> str:
    return "None" if secret is None else "'<redacted>'"


def _utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


class _Frozen:
    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is immutable")


class Token(_Frozen):
    """A token (RFC 6749 §5.1), immutable.

    - ``access_token``: str.
    - ``token_type``: str, ``"Bearer"`` when the server sent any case of it, or none.
    - ``expires_in``: the lifetime in seconds as the server sent it, or None.
    - ``expires_at``: when it expires, an aware ``datetime`` in UTC (arrival time plus
      ``expires_in``, to the second), or None when unknown.
    - ``refresh_token``, ``scope``, ``id_token``: str, or None when the server sent none (after a
      refresh, no ``refresh_token`` means the old one stays valid).
    - ``raw``: the whole response as a new ``dict`` (a form-encoded answer becomes a dict of
      strings); for a token read back with :meth:`from_json`, the JSON it was read from.

    :meth:`to_json` and :meth:`from_json` use tokenkit's saved format (``access_token``,
    ``token_type``, ``expires_at``, ``refresh_token``, ``scope``, ``id_token``), written and read
    by the library. ``repr()`` and ``str()`` redact the secrets.
    """

    __slots__ = (
        "access_token",
        "token_type",
        "expires_in",
        "expires_at",
        "refresh_token",
        "scope",
        "id_token",
        "_raw",
        "_saved",
    )
    access_token: str
    token_type: str
    expires_in: Optional[int]
    expires_at: Optional[datetime]
    refresh_token: Optional[str]
    scope: Optional[str]
    id_token: Optional[str]
    _raw: str
    _saved: str

    def __init__(self) -> None:
        raise TypeError(
            "tokenkit.Token is made by tokenkit (a grant, a TokenSource, Token.from_json); "
            "to start a TokenSource from a refresh token, pass refresh_token= to it"
        )

    @property
    def raw(self) -> Dict[str, Any]:
        value: Dict[str, Any] = json.loads(self._raw)
        return value

    def to_json(self) -> str:
        """The token in tokenkit's saved format, written by the library: secrets, to be stored as
        such. :meth:`from_json` and :meth:`tokenkit.TokenSource.from_json` read it back."""
        return self._saved

    @classmethod
    def from_json(cls, data: str) -> Token:
        """Reads a token from tokenkit's saved format (what :meth:`to_json` or
        :meth:`tokenkit.TokenSource.to_json` wrote), or from any JSON object with a non-empty
        ``access_token``."""
        json_bytes = _ffi.text("data", data)
        out = _ffi.P(_ffi.tokenkit_token)()
        err = _ffi.error_out()
        _ffi.check(lib.tokenkit_token_from_json(json_bytes, byref(out), byref(err)), err)
        try:
            return token_from_native(out)
        finally:
            lib.tokenkit_token_free(out)

    def __reduce__(self) -> Tuple[Any, Tuple[str]]:
        return Token.from_json, (self._saved,)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Token):
            return NotImplemented
        return self._saved == other._saved

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        expires_at = None if self.expires_at is None else self.expires_at.isoformat()
        return (
            f"tokenkit.Token(access_token={_redact(self.access_token)}, token_type={self.token_type!r}, "
            f"expires_in={self.expires_in!r}, expires_at={expires_at!r}, "
            f"refresh_token={_redact(self.refresh_token)}, scope={self.scope!r}, id_token={_redact(self.id_token)})"
        )


def token_from_native(ptr: Any) -> Token:
    """Copies a live native token (its strings are lent by it; the caller frees it). On the path
    of every grant, so written for speed: one integer out-parameter, decoding inline."""
    t = object.__new__(Token)
    put = object.__setattr__
    put(t, "access_token", (lib.tokenkit_token_access_token(ptr) or b"").decode("utf-8", "replace"))
    put(t, "token_type", (lib.tokenkit_token_token_type(ptr) or b"Bearer").decode("utf-8", "replace"))
    n = c_int64()
    ref = byref(n)
    put(t, "expires_in", n.value if lib.tokenkit_token_expires_in(ptr, ref) else None)
    put(t, "expires_at", datetime.fromtimestamp(n.value, timezone.utc) if lib.tokenkit_token_expires_at(ptr, ref) else None)
    value = lib.tokenkit_token_refresh_token(ptr)
    put(t, "refresh_token", None if value is None else value.decode("utf-8", "replace"))
    value = lib.tokenkit_token_scope(ptr)
    put(t, "scope", None if value is None else value.decode("utf-8", "replace"))
    value = lib.tokenkit_token_id_token(ptr)
    put(t, "id_token", None if value is None else value.decode("utf-8", "replace"))
    put(t, "_raw", (lib.tokenkit_token_json(ptr) or b"{}").decode("utf-8", "replace"))
    saved = _ffi.str_out()
    err = _ffi.error_out()
    _ffi.check(lib.tokenkit_token_to_json(ptr, byref(saved), byref(err)), err)
    put(t, "_saved", _ffi.take_string(saved) or "")
    return t


class Introspection(_Frozen):
    """An introspection response (RFC 7662 §2.2): ``active`` (bool); ``scope``, ``client_id``,
    ``username``, ``token_type`` and ``sub`` (str or None); ``exp`` and ``iat`` (aware datetimes
    in UTC, or None); ``raw`` (the whole response as a new dict)."""

    __slots__ = ("active", "scope", "client_id", "username", "token_type", "sub", "exp", "iat", "_raw")
    active: bool
    scope: Optional[str]
    client_id: Optional[str]
    username: Optional[str]
    token_type: Optional[str]
    sub: Optional[str]
    exp: Optional[datetime]
    iat: Optional[datetime]
    _raw: str

    @property
    def raw(self) -> Dict[str, Any]:
        value: Dict[str, Any] = json.loads(self._raw)
        return value

    def __bool__(self) -> bool:
        return self.active

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{name}={getattr(self, name)!r}"
            for name in ("active", "scope", "client_id", "username", "token_type", "sub", "exp", "iat")
        )
        return f"tokenkit.Introspection({fields})"


def introspection_from_native(ptr: Any) -> Introspection:
    i = object.__new__(Introspection)
    put = object.__setattr__
    put(i, "active", bool(lib.tokenkit_introspection_active(ptr)))
    put(i, "scope", string(lib.tokenkit_introspection_scope(ptr)))
    put(i, "client_id", string(lib.tokenkit_introspection_client_id(ptr)))
    put(i, "username", string(lib.tokenkit_introspection_username(ptr)))
    put(i, "token_type", string(lib.tokenkit_introspection_token_type(ptr)))
    put(i, "sub", string(lib.tokenkit_introspection_sub(ptr)))
    n = c_int64()
    put(i, "exp", _utc(n.value) if lib.tokenkit_introspection_exp(ptr, byref(n)) else None)
    put(i, "iat", _utc(n.value) if lib.tokenkit_introspection_iat(ptr, byref(n)) else None)
    put(i, "_raw", string(lib.tokenkit_introspection_json(ptr)) or "{}")
    return i


class AuthorizationRequest(_Frozen):
    """An authorization URL (RFC 6749 §4.1.1) with what goes with it: send the user to ``url``;
    when the redirect comes back, check that its ``state`` equals ``state``, then call
    ``client.exchange_code(code, redirect_uri=..., code_verifier=request.code_verifier)``.
    ``str()`` is the URL; ``repr()`` redacts the verifier."""

    __slots__ = ("url", "state", "code_verifier")
    url: str
    state: str
    code_verifier: str

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        return f"tokenkit.AuthorizationRequest(url={self.url!r}, state={self.state!r}, code_verifier='<redacted>')"


def authorization_from_native(ptr: Any) -> AuthorizationRequest:
    a = object.__new__(AuthorizationRequest)
    object.__setattr__(a, "url", string(lib.tokenkit_authorization_url(ptr)) or "")
    object.__setattr__(a, "state", string(lib.tokenkit_authorization_state(ptr)) or "")
    object.__setattr__(a, "code_verifier", string(lib.tokenkit_authorization_code_verifier(ptr)) or "")
    return a


class DeviceAuthorization:
    """A device authorization response (RFC 8628 §3.2): what to show the user.

    ``user_code`` (e.g. ``"WDJB-MJHT"``), ``verification_uri``, ``verification_uri_complete``
    (or None), ``expires_in`` (seconds the codes stay valid, from their arrival) and
    ``interval`` (seconds between polls). One from :meth:`tokenkit.Client.device_authorize` also
    holds the device code, in native memory that :meth:`tokenkit.Client.device_poll` reads: close
    it (or use ``with``) when done, which zeroizes the code. The one handed to ``on_prompt`` is a
    copy for display only.
    """

    __slots__ = (
        "user_code",
        "verification_uri",
        "verification_uri_complete",
        "expires_in",
        "interval",
        "_handle",
        "_finalizer",
        "_params",
        "__weakref__",
    )

    def __init__(
        self,
        user_code: str,
        verification_uri: str,
        verification_uri_complete: Optional[str],
        expires_in: int,
        interval: int,
    ) -> None:
        self.user_code = user_code
        self.verification_uri = verification_uri
        self.verification_uri_complete = verification_uri_complete
        self.expires_in = expires_in
        self.interval = interval
        self._handle: Optional[Handle] = None
        self._finalizer: Optional["weakref.finalize[[], DeviceAuthorization]"] = None
        # The parameters of the authorization request, which every poll sends again.
        self._params: List[Tuple[bytes, bytes]] = []

    def close(self) -> None:
        """Frees the native device code (zeroizing it); device_poll then refuses this object.
        Closing twice, or closing a copy without native part, does nothing."""
        if self._handle is not None and self._finalizer is not None:
            self._handle.close()
            self._finalizer.detach()

    def __enter__(self) -> DeviceAuthorization:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"tokenkit.DeviceAuthorization(user_code={self.user_code!r}, verification_uri={self.verification_uri!r}, "
            f"verification_uri_complete={self.verification_uri_complete!r}, expires_in={self.expires_in!r}, "
            f"interval={self.interval!r})"
        )


def device_authorization_from_native(ptr: Any) -> DeviceAuthorization:
    """Copies the displayable fields of a live native device authorization."""
    return DeviceAuthorization(
        string(lib.tokenkit_device_authorization_user_code(ptr)) or "",
        string(lib.tokenkit_device_authorization_verification_uri(ptr)) or "",
        string(lib.tokenkit_device_authorization_verification_uri_complete(ptr)),
        int(lib.tokenkit_device_authorization_expires_in(ptr)),
        int(lib.tokenkit_device_authorization_interval(ptr)),
    )


def owned_device_authorization(ptr: Any) -> DeviceAuthorization:
    """A DeviceAuthorization that owns the native one (freed by close() or the finalizer)."""
    auth = device_authorization_from_native(ptr)
    handle = Handle(ptr, lib.tokenkit_device_authorization_free, "device authorization")
    auth._handle = handle
    auth._finalizer = weakref.finalize(auth, handle.close)
    auth._finalizer.atexit = False
    return auth
