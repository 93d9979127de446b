"""tokenkit: OAuth 2.0 tokens on tokenkit's native core (the C ABI of include/tokenkit.h, bound
with ctypes). Every OAuth rule is the library's; this package converts arguments, copies results
into Python objects, frees native memory deterministically, and turns errors into exceptions.

    import tokenkit

    with tokenkit.Client(token_url="https://api.home.nest.com/oauth2/access_token",
                         client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as client:
        token = client.exchange_code(code)
    print(token.access_token, token.expires_at)

The distribution is ``tokenkit-oauth`` on PyPI; the import name is ``tokenkit``. Integrations:
:mod:`tokenkit.requests`, :mod:`tokenkit.httpx` and :mod:`tokenkit.aio` (asyncio).
"""

from __future__ import annotations

from . import _ffi
from ._client import Client, Params, Retry, discover, exchange_code
from ._errors import (
    ArgumentTypeError,
    CancelledError,
    ErrorKind,
    HTTPError,
    InsecureURLError,
    InternalError,
    InvalidArgumentError,
    OAuthError,
    ProtocolError,
    TimeoutError,
    TLSError,
    TokenKitError,
    TransportError,
)
from ._handle import Cancel
from ._source import TokenSource
from ._store import Profile, Store
from ._types import AuthorizationRequest, DeviceAuthorization, Introspection, Token

__version__ = "0.2.0"

#: The C ABI version this package binds (TOKENKIT_ABI_VERSION); the library is checked at import.
ABI_VERSION = _ffi.ABI_VERSION


def library_version() -> str:
    """The native library's version, e.g. ``"0.2.0"``."""
    version: bytes = _ffi.lib.tokenkit_version()
    return version.decode()


def library_path() -> str:
    """Where the native library was loaded from: TOKENKIT_LIBRARY, the copy bundled in the
    package, a checkout's target/release, or a name the system loader resolved."""
    return _ffi.library_path


__all__ = [
    "ABI_VERSION",
    "ArgumentTypeError",
    "AuthorizationRequest",
    "Cancel",
    "CancelledError",
    "Client",
    "DeviceAuthorization",
    "ErrorKind",
    "HTTPError",
    "InsecureURLError",
    "InternalError",
    "Introspection",
    "InvalidArgumentError",
    "OAuthError",
    "Params",
    "Profile",
    "ProtocolError",
    "Retry",
    "Store",
    "TLSError",
    "TimeoutError",
    "Token",
    "TokenKitError",
    "TokenSource",
    "TransportError",
    "discover",
    "exchange_code",
    "library_path",
    "library_version",
]
