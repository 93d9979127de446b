"""The exceptions tokenkit raises: one class per tokenkit_status, all under TokenKitError."""

from __future__ import annotations

import builtins
import enum
from typing import Any, Dict, Optional, Tuple, Type

_lib: Any = None


def bind(lib: Any) -> None:
    global _lib
    _lib = lib


class ErrorKind(enum.IntEnum):
    """What went wrong, numbered as the ABI's tokenkit_status (fixed, never reused). ``str()`` of a
    kind is the library's stable name of it: ``"oauth_error"``, ``"timeout"``, ..."""

    #: A status this version of the binding does not know (newer libraries may add some).
    UNKNOWN = -1
    INVALID_ARGUMENT = 1
    OAUTH_ERROR = 2
    HTTP_ERROR = 3
    TRANSPORT_ERROR = 4
    TIMEOUT = 5
    TLS_ERROR = 6
    PROTOCOL_ERROR = 7
    INSECURE = 8
    INTERNAL_ERROR = 9
    CANCELLED = 10

    def __str__(self) -> str:
        if _lib is None or self is ErrorKind.UNKNOWN:
            return self.name.lower()
        name: bytes = _lib.tokenkit_status_name(int(self))
        return name.decode()

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


class TokenKitError(Exception):
    """Every error tokenkit raises. ``str(e)`` is ``"KIND: MESSAGE"``; no message ever holds a
    secret of the request (the library redacts what a server echoes back).

    Attributes: ``kind`` (an :class:`ErrorKind`), ``status`` (the ABI's number), ``message``,
    ``status_code`` (the HTTP status of the server's answer, or None when none was received),
    ``body`` (the server's error answer, for logging), and the OAuth fields ``error``,
    ``error_description`` and ``error_uri`` (set on :class:`OAuthError`, else None).
    """

    default_kind = ErrorKind.UNKNOWN

    def __init__(
        self,
        message: str,
        *,
        kind: Optional[ErrorKind] = None,
        status: Optional[int] = None,
        status_code: Optional[int] = None,
        error: Optional[str] = None,
        error_description: Optional[str] = None,
        error_uri: Optional[str] = None,
        body: Optional[str] = None,
    ) -> None:
        self.kind: ErrorKind = self.default_kind if kind is None else kind
        self.status: int = int(self.kind) if status is None else status
        self.message: str = message
        self.status_code: Optional[int] = status_code
        self.error: Optional[str] = error
        self.error_description: Optional[str] = error_description
        self.error_uri: Optional[str] = error_uri
        self.body: Optional[str] = body
        super().__init__(f"{self.kind}: {message}" if message else str(self.kind))

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}" if self.message else str(self.kind)

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:
        fields = {name: getattr(self, name) for name in _FIELDS}
        return _rebuild, (type(self), self.message, fields)


_FIELDS = ("kind", "status", "status_code", "error", "error_description", "error_uri", "body")


def _rebuild(cls: Type[TokenKitError], message: str, fields: Dict[str, Any]) -> TokenKitError:
    return cls(message, **fields)


class InvalidArgumentError(TokenKitError, ValueError):
    """An argument was unusable (empty, malformed, out of range, a NUL byte in a string), or the
    object was closed; the message names the argument."""

    default_kind = ErrorKind.INVALID_ARGUMENT


class ArgumentTypeError(TokenKitError, TypeError):
    """An argument had the wrong type (None where a string is required, an int for a str, ...);
    the message names the argument. Its kind is INVALID_ARGUMENT, like InvalidArgumentError."""

    default_kind = ErrorKind.INVALID_ARGUMENT


class OAuthError(TokenKitError):
    """The server sent an OAuth error response (RFC 6749 §5.2): HTTP 400 or 401, or 200 at the
    token and device endpoints. ``error`` is its code (``"invalid_grant"``, Nest's
    ``"oauth2_error"``), ``error_description`` and ``error_uri`` what came with it."""

    default_kind = ErrorKind.OAUTH_ERROR


class HTTPError(TokenKitError):
    """The server answered with another HTTP failure (a 404, a 500 page, a 3xx): see
    ``status_code`` and ``body``."""

    default_kind = ErrorKind.HTTP_ERROR


class TransportError(TokenKitError, builtins.ConnectionError):
    """Connection refused or reset, or the host name did not resolve. Also a ConnectionError."""

    default_kind = ErrorKind.TRANSPORT_ERROR


class TimeoutError(TokenKitError, builtins.TimeoutError):
    """The connect timeout or the call's deadline ran out. Also the built-in TimeoutError."""

    default_kind = ErrorKind.TIMEOUT


class TLSError(TokenKitError):
    """The TLS handshake or certificate verification failed."""

    default_kind = ErrorKind.TLS_ERROR


class ProtocolError(TokenKitError):
    """The response broke the protocol: bad JSON, no access_token, a body over the cap."""

    default_kind = ErrorKind.PROTOCOL_ERROR


class InsecureURLError(TokenKitError):
    """A plain http:// URL to a host that is not a loopback address was refused."""

    default_kind = ErrorKind.INSECURE


class InternalError(TokenKitError):
    """A bug in tokenkit was caught before it could reach the caller. Please report it."""

    default_kind = ErrorKind.INTERNAL_ERROR


class CancelledError(TokenKitError):
    """The call was cancelled through its :class:`tokenkit.Cancel`, by closing its client, or by
    its callback raising (then the callback's exception is raised instead)."""

    default_kind = ErrorKind.CANCELLED


_CLASSES: Dict[int, Type[TokenKitError]] = {
    cls.default_kind: cls
    for cls in (
        InvalidArgumentError,
        OAuthError,
        HTTPError,
        TransportError,
        TimeoutError,
        TLSError,
        ProtocolError,
        InsecureURLError,
        InternalError,
        CancelledError,
    )
}


def _text(value: Optional[bytes]) -> Optional[str]:
    return None if value is None else value.decode("utf-8", "replace")


def from_native(status: int, err: Any) -> TokenKitError:
    """The exception of a failed call, copied out of its native error, which is freed here."""
    try:
        if not err:
            return error_for(status, f"tokenkit returned status {status} without an error object")
        kind = int(_lib.tokenkit_error_kind(err))
        http = int(_lib.tokenkit_error_http_status(err))
        return error_for(
            kind,
            _text(_lib.tokenkit_error_message(err)) or "",
            status_code=http or None,
            error=_text(_lib.tokenkit_error_oauth_error(err)),
            error_description=_text(_lib.tokenkit_error_oauth_error_description(err)),
            error_uri=_text(_lib.tokenkit_error_oauth_error_uri(err)),
            body=_text(_lib.tokenkit_error_body(err)),
        )
    finally:
        _lib.tokenkit_error_free(err)


def error_for(status: int, message: str, **fields: Any) -> TokenKitError:
    """The exception class of a status, with its fields."""
    cls = _CLASSES.get(status, TokenKitError)
    try:
        kind = ErrorKind(status)
    except ValueError:
        kind = ErrorKind.UNKNOWN
    return cls(message, kind=kind, status=status, **fields)
