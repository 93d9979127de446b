"""tokenkit.Client: one authorization server, one set of credentials, one pool of keep-alive
connections (tokenkit_client), and the one-call exchange_code and discover."""

from __future__ import annotations

import json
import os
import sys
import threading
import weakref
from ctypes import byref
from dataclasses import dataclass
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
    Union,
)

from . import _errors, _ffi
from ._ffi import P, lib
from ._handle import CallFlag, Cancel, Handle
from ._types import (
    AuthorizationRequest,
    DeviceAuthorization,
    Introspection,
    Token,
    authorization_from_native,
    device_authorization_from_native,
    introspection_from_native,
    owned_device_authorization,
    token_from_native,
)

T = TypeVar("T")

Params = Union[Mapping[str, str], Iterable[Tuple[str, str]]]
"""Extra request parameters: a mapping, or (name, value) pairs (a name may repeat)."""

PathArg = Union[str, "os.PathLike[str]"]

_AUTH_METHODS = {
    "post": _ffi.TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST,
    "client_secret_post": _ffi.TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST,
    "basic": _ffi.TOKENKIT_AUTH_METHOD_CLIENT_SECRET_BASIC,
    "client_secret_basic": _ffi.TOKENKIT_AUTH_METHOD_CLIENT_SECRET_BASIC,
    "none": _ffi.TOKENKIT_AUTH_METHOD_NONE,
}
_REVOCATION_STYLES = {
    "rfc7009": _ffi.TOKENKIT_REVOCATION_STYLE_RFC7009,
    "nest_delete": _ffi.TOKENKIT_REVOCATION_STYLE_NEST_DELETE,
}


@dataclass(frozen=True)
class Retry:
    """The retry policy of refresh, client credentials, device polling, revocation,
    introspection and discovery (never of a code exchange: a code is single-use): up to
    ``max_retries`` more attempts after a transport failure, a timeout, HTTP 5xx or 429, waiting a
    random time below ``base_delay`` × 2^n seconds, or the server's Retry-After, at most
    ``max_delay``; the waits count against the client's ``timeout``. ``Retry(0)`` turns retrying
    off. The delays' defaults are the library's (include/tokenkit.h, tokenkit_config_set_retry),
    which the ABI only sets together with ``max_retries``."""

    max_retries: int = 3
    base_delay: Union[float, int] = 0.2
    max_delay: Union[float, int] = 10.0


# ---- argument conversion ----------------------------------------------------------------------


def _params(params: Optional[Params]) -> List[Tuple[bytes, bytes]]:
    if params is None:
        return []
    if isinstance(params, (str, bytes)):
        raise _errors.ArgumentTypeError("params must be a mapping or (name, value) pairs, not a string")
    items = params.items() if isinstance(params, Mapping) else params
    out = []
    try:
        for item in items:
            name, value = item
            name_bytes = _ffi.text("param name", name)
            out.append((name_bytes, _ffi.text(f"param {name}", value)))
    except (TypeError, ValueError) as e:
        if isinstance(e, _errors.TokenKitError):
            raise
        raise _errors.ArgumentTypeError("params must be a mapping or (name, value) pairs of str") from None
    return out


def _choice(name: str, value: object, choices: Mapping[str, int]) -> int:
    if not isinstance(value, str):
        raise _errors.ArgumentTypeError(f"{name} must be a str, not {type(value).__name__}")
    try:
        return choices[value]
    except KeyError:
        raise _errors.InvalidArgumentError(f"{name} must be one of {', '.join(map(repr, choices))}") from None


def _paths(name: str, value: object) -> List[bytes]:
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or hasattr(value, "__fspath__"):
        return [_ffi.path_text(name, value)]
    if isinstance(value, Iterable):
        return [_ffi.path_text(name, v) for v in value]
    raise _errors.ArgumentTypeError(f"{name} must be a path or a list of paths, not {type(value).__name__}")


def _flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise _errors.ArgumentTypeError(f"{name} must be a bool, not {type(value).__name__}")
    return value


class Deferred:
    """A Python function the library calls on the thread of a call that it cannot stop (a token
    source's on_change, a client's log). An exception must not cross into the library, so it is
    kept per thread (keep) and raised by that thread's call once the library has returned
    (raise_error). `c_function` is the ctypes function of `c_type` the library is given."""

    __slots__ = ("fn", "local", "c_function")

    def __init__(self, fn: Callable[..., object], c_type: Any) -> None:
        self.fn = fn
        self.local = threading.local()
        self.c_function = c_type(self)

    def keep(self, error: BaseException) -> None:
        if getattr(self.local, "error", None) is None:
            self.local.error = error

    def raise_error(self) -> None:
        error = getattr(self.local, "error", None)
        if error is not None:
            self.local.error = None
            raise error


class _Log(Deferred):
    """A client's log function (tokenkit_log_fn), called on the thread of each request."""

    __slots__ = ()

    def __init__(self, fn: Callable[[int, str], object]) -> None:
        super().__init__(fn, _ffi.tokenkit_log_fn)

    def __call__(self, user_data: Any, level: int, line: Optional[bytes]) -> None:
        try:
            self.fn(level, _ffi.string(line) or "")
        except BaseException as e:  # noqa: B036 - nothing may unwind into C
            self.keep(e)


def after_log(log: Optional[_Log], code: int, err: Any) -> None:
    """After a native call on this thread: raises what the log raised during it, freeing the
    call's own error (`code` non-zero) first."""
    if log is None:
        return
    try:
        log.raise_error()
    except BaseException:
        if code:
            lib.tokenkit_error_free(err)
        raise


class _Settings:
    """A client's settings, converted (and so checked for type) before anything native is made,
    as a list of config setter calls in the order the library should see them. With `profile`,
    they complete a saved profile's (Client.from_store): the client id then is optional."""

    def __init__(self, kw: Dict[str, Any], profile: bool = False) -> None:
        known = {
            "token_url",
            "client_id",
            "client_secret",
            "auth_method",
            "authorization_endpoint",
            "device_authorization_endpoint",
            "revocation_endpoint",
            "introspection_endpoint",
            "revocation_style",
            "timeout",
            "connect_timeout",
            "attempt_timeout",
            "retries",
            "ca_file",
            "user_agent",
            "max_response_bytes",
            "max_idle_connections",
            "log",
            "log_level",
        }
        unknown = set(kw) - known
        if unknown:
            raise _errors.ArgumentTypeError(f"unexpected keyword argument {sorted(unknown)[0]!r}")
        # Transport first: discovery uses it.
        self.transport: List[Tuple[Callable[..., int], Tuple[Any, ...]]] = []
        self.later: List[Tuple[Callable[..., int], Tuple[Any, ...]]] = []
        t, later = self.transport, self.later
        for name, setter in (
            ("connect_timeout", lib.tokenkit_config_set_connect_timeout_ms),
            ("timeout", lib.tokenkit_config_set_timeout_ms),
            ("attempt_timeout", lib.tokenkit_config_set_attempt_timeout_ms),
        ):
            if kw.get(name) is not None:
                t.append((setter, (_ffi.millis(name, kw[name]),)))
        if kw.get("max_response_bytes") is not None:
            t.append(
                (lib.tokenkit_config_set_max_response_bytes, (_ffi.integer("max_response_bytes", kw["max_response_bytes"]),))
            )
        if kw.get("max_idle_connections") is not None:
            n = _ffi.integer("max_idle_connections", kw["max_idle_connections"], _ffi.INT32_MAX)
            t.append((lib.tokenkit_config_set_max_idle_connections_per_host, (n,)))
        retries = kw.get("retries")
        if retries is not None:
            if not isinstance(retries, Retry):
                retries = Retry(_ffi.integer("retries", retries, _ffi.INT32_MAX))
            t.append(
                (
                    lib.tokenkit_config_set_retry,
                    (
                        _ffi.integer("retries.max_retries", retries.max_retries, _ffi.INT32_MAX),
                        _ffi.millis("retries.base_delay", retries.base_delay),
                        _ffi.millis("retries.max_delay", retries.max_delay),
                    ),
                )
            )
        if kw.get("user_agent") is not None:
            t.append((lib.tokenkit_config_set_user_agent, (_ffi.text("user_agent", kw["user_agent"]),)))
        for path in _paths("ca_file", kw.get("ca_file")):
            t.append((lib.tokenkit_config_add_ca_file, (path,)))
        self.log: Optional[_Log] = None
        log, log_level = kw.get("log"), kw.get("log_level")
        if log is not None or log_level is not None:
            if not callable(log):
                raise _errors.ArgumentTypeError(f"log must be callable, not {type(log).__name__}")
            self.log = _Log(log)
            level = 1 if log_level is None else _ffi.integer("log_level", log_level, _ffi.INT32_MAX)
            t.append((lib.tokenkit_config_set_log, (level, self.log.c_function, None)))
        # Then what overrides a preset's or the discovered metadata's values.
        for name, setter in (
            ("token_url", lib.tokenkit_config_set_token_endpoint),
            ("authorization_endpoint", lib.tokenkit_config_set_authorization_endpoint),
            ("device_authorization_endpoint", lib.tokenkit_config_set_device_authorization_endpoint),
            ("revocation_endpoint", lib.tokenkit_config_set_revocation_endpoint),
            ("introspection_endpoint", lib.tokenkit_config_set_introspection_endpoint),
        ):
            if kw.get(name) is not None:
                later.append((setter, (_ffi.text(name, kw[name]),)))
        if profile and kw.get("client_id") is None:
            pass  # the profile's
        elif "client_id" in kw or "token_url" in kw:  # a client; discover() has neither
            later.append((lib.tokenkit_config_set_client_id, (_ffi.text("client_id", kw.get("client_id")),)))
        if kw.get("client_secret") is not None:
            later.append((lib.tokenkit_config_set_client_secret, (_ffi.text("client_secret", kw["client_secret"]),)))
        if kw.get("auth_method") is not None:
            later.append(
                (lib.tokenkit_config_set_auth_method, (_choice("auth_method", kw["auth_method"], _AUTH_METHODS),))
            )
        if kw.get("revocation_style") is not None:
            style = _choice("revocation_style", kw["revocation_style"], _REVOCATION_STYLES)
            later.append((lib.tokenkit_config_set_revocation_style, (style,)))


def _apply(config: Any, steps: List[Tuple[Callable[..., int], Tuple[Any, ...]]]) -> None:
    for setter, args in steps:
        _ffi.call(setter, config, *args)


def _discover(config: Any, issuer: bytes, cancel: Optional[Cancel]) -> str:
    """tokenkit_config_discover, stoppable through cancel: the metadata document."""
    metadata = _ffi.str_out()
    with _RequestOptions(cancel=cancel) as options:
        _ffi.call(lib.tokenkit_config_discover, config, issuer, options, byref(metadata))
    return _ffi.take_string(metadata) or "{}"


def _new_config() -> Any:
    config = lib.tokenkit_config_new()
    if not config:
        raise MemoryError("tokenkit_config_new")
    return config


class _RequestOptions:
    """A tokenkit_request_options for one call, or NULL when the call sets nothing."""

    __slots__ = ("_steps", "_cancel", "_flag", "_ptr")

    def __init__(
        self,
        *,
        scope: Optional[bytes] = None,
        redirect_uri: Optional[bytes] = None,
        code_verifier: Optional[bytes] = None,
        hint: Optional[bytes] = None,
        params: Sequence[Tuple[bytes, bytes]] = (),
        cancel: Optional[Cancel] = None,
    ) -> None:
        steps: List[Tuple[Callable[..., int], Tuple[Any, ...]]] = []
        if scope is not None:
            steps.append((lib.tokenkit_request_options_set_scope, (scope,)))
        if redirect_uri is not None:
            steps.append((lib.tokenkit_request_options_set_redirect_uri, (redirect_uri,)))
        if code_verifier is not None:
            steps.append((lib.tokenkit_request_options_set_code_verifier, (code_verifier,)))
        if hint is not None:
            steps.append((lib.tokenkit_request_options_set_token_type_hint, (hint,)))
        for name, value in params:
            steps.append((lib.tokenkit_request_options_add_param, (name, value)))
        self._steps = steps
        self._flag = None if cancel is None else CallFlag(cancel)
        self._ptr: Any = None

    def __enter__(self) -> Any:
        if not self._steps and self._flag is None:
            return None
        self._ptr = lib.tokenkit_request_options_new()
        if not self._ptr:
            raise MemoryError("tokenkit_request_options_new")
        try:
            _apply(self._ptr, self._steps)
            if self._flag is not None:
                self._flag.__enter__()
                _ffi.call(lib.tokenkit_request_options_set_cancel, self._ptr, self._flag.ptr)
        except BaseException:
            self.__exit__()
            raise
        return self._ptr

    def __exit__(self, *exc: object) -> None:
        if self._ptr is not None:
            lib.tokenkit_request_options_free(self._ptr)
            self._ptr = None
        if self._flag is not None and self._flag.ptr is not None:
            self._flag.__exit__()


# Request options with nothing set: NULL, never allocated, so one instance serves every thread.
_NO_OPTIONS = _RequestOptions()


class _Callback:
    """A Python function the library calls (open_url, on_prompt). An exception must not cross
    into the library: it is caught and kept, the library is told to stop (non-zero), and the
    exception is raised again once the native call has returned."""

    __slots__ = ("fn", "error")

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.error: Optional[BaseException] = None

    def open_url(self, user_data: Any, url: Optional[bytes]) -> int:
        try:
            self.fn(_ffi.string(url) or "")
            return 0
        except BaseException as e:  # noqa: B036 - nothing may unwind into C
            self.error = e
            return 1

    def prompt(self, user_data: Any, authorization: Any) -> int:
        try:
            self.fn(device_authorization_from_native(authorization))
            return 0
        except BaseException as e:  # noqa: B036
            self.error = e
            return 1

    def poll(self, user_data: Any, outcome: Optional[bytes], interval_ms: int) -> int:
        try:
            return 1 if self.fn(_ffi.string(outcome) or "", interval_ms / 1000) is False else 0
        except BaseException as e:  # noqa: B036
            self.error = e
            return 1

    def raise_error(self, cancelled: BaseException) -> None:
        """After a call the callback stopped: raise what the callback raised."""
        if self.error is not None:
            error, self.error = self.error, None
            raise error from cancelled


def _open_in_browser(url: str) -> None:
    """The default of sign_in(open_browser=True): the browser is started on a thread of its own,
    since the library asks the callback to return promptly (a text-mode browser would not)."""
    import webbrowser

    print(f"tokenkit: opening {url} in your browser to sign in", file=sys.stderr)
    threading.Thread(target=webbrowser.open, args=(url,), name="tokenkit-browser", daemon=True).start()


def _print_url(url: str) -> None:
    print(f"Open this URL in your browser to sign in: {url}", file=sys.stderr, flush=True)


def _print_device_prompt(authorization: DeviceAuthorization) -> None:
    """The default on_prompt of device_flow."""
    where = authorization.verification_uri_complete or authorization.verification_uri
    print(
        f"To sign in, visit {where} and enter the code {authorization.user_code}",
        file=sys.stderr,
        flush=True,
    )


class _WaitRunner:
    """Runs a wait for the user. On the main thread it runs on a helper thread, so that Ctrl-C
    (KeyboardInterrupt) still reaches the main thread: it then cancels the wait, waits for the
    native call to return, and is raised."""

    @staticmethod
    def run(body: Callable[[Optional[Cancel]], T]) -> T:
        if threading.current_thread() is not threading.main_thread():
            return body(None)
        interrupt = Cancel()
        box: Dict[str, Any] = {}
        done = threading.Event()

        def work() -> None:
            try:
                box["value"] = body(interrupt)
            except BaseException as e:  # noqa: B036 - handed to the caller's thread
                box["error"] = e
            finally:
                done.set()

        threading.Thread(target=work, name="tokenkit-wait", daemon=True).start()
        try:
            done.wait()
        except BaseException:
            interrupt.trigger()
            done.wait()
            raise
        if "error" in box:
            error: BaseException = box.pop("error")
            raise error
        value: T = box["value"]
        return value


class Client:
    """Requests to one authorization server with one set of credentials, over one pool of
    keep-alive connections (tokenkit_client). Thread-safe: make one and share it between any
    number of threads; requests run in parallel (the GIL is released while the library works).

    Close it when done (``close()``, or ``with``); a client that is garbage-collected unclosed
    is closed then. ``close()`` cancels running sign-ins and device flows, waits for the other
    calls running on the client, and frees it; calls after it raise
    :class:`tokenkit.InvalidArgumentError`. Token sources made from it keep working.

    Every call that sends a request blocks its thread until the answer, at most ``timeout``
    seconds (the deadline of the whole call, retries included; the library's default is 30 s),
    and takes ``cancel=``, a :class:`tokenkit.Cancel` another thread may trigger.

    Settings (keyword-only): ``token_url``, ``client_id``, ``client_secret`` (None for a public
    client), ``auth_method`` (``"post"``, the default, ``"basic"`` or ``"none"``), the
    ``authorization_endpoint``, ``device_authorization_endpoint``, ``revocation_endpoint`` and
    ``introspection_endpoint``, ``revocation_style`` (``"rfc7009"`` or ``"nest_delete"``),
    ``timeout``, ``connect_timeout`` and ``attempt_timeout`` (seconds or timedelta),
    ``retries`` (an int, or a :class:`tokenkit.Retry`), ``ca_file`` (a PEM file or a list of
    them; given, only they are trusted), ``user_agent``, ``max_response_bytes`` and
    ``max_idle_connections``. None means the library's default.

    ``log(level, line)`` receives the request log up to ``log_level`` (1, the default: a line per
    attempt and per retry decision; 2: also the request's headers and form body and the
    response's headers), every secret written as ``[redacted]``. It is called on the thread of
    each request, during the call, so from several threads at once when the client is shared, and
    until the client and every token source made from it are closed. If it raises, the call
    during which it raised raises that exception once the library has returned (losing the call's
    result).
    """

    __slots__ = ("_handle", "_finalizer", "_metadata", "_what", "_config", "_log", "__weakref__")

    def __init__(
        self,
        *,
        token_url: Optional[str] = None,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        auth_method: Optional[str] = None,
        authorization_endpoint: Optional[str] = None,
        device_authorization_endpoint: Optional[str] = None,
        revocation_endpoint: Optional[str] = None,
        introspection_endpoint: Optional[str] = None,
        revocation_style: Optional[str] = None,
        timeout: Optional[_ffi.Duration] = None,
        connect_timeout: Optional[_ffi.Duration] = None,
        attempt_timeout: Optional[_ffi.Duration] = None,
        retries: Union[int, Retry, None] = None,
        ca_file: Union[PathArg, Sequence[PathArg], None] = None,
        user_agent: Optional[str] = None,
        max_response_bytes: Optional[int] = None,
        max_idle_connections: Optional[int] = None,
        log: Optional[Callable[[int, str], object]] = None,
        log_level: Optional[int] = None,
    ) -> None:
        kw = {k: v for k, v in locals().items() if k not in ("self", "__class__")}
        self._make(_Settings(kw), f"token_url={token_url!r}, client_id={client_id!r}")

    def _make(
        self,
        settings: _Settings,
        what: str,
        preset: Optional[Tuple[bytes, Optional[bytes]]] = None,
        issuer: Optional[bytes] = None,
        cancel: Optional[Cancel] = None,
        config: Any = None,
    ) -> None:
        """Makes the client from `settings`, on `config` (a saved profile's) or a new config, which
        the client keeps, for Store.save_profile, and frees with the native client."""
        self._what = what
        self._metadata: Optional[str] = None
        self._log = settings.log
        if config is None:
            config = _new_config()
        try:
            _apply(config, settings.transport)
            if preset is not None:
                _ffi.call(lib.tokenkit_config_apply_preset, config, *preset)
            if issuer is not None:
                try:
                    self._metadata = _discover(config, issuer, cancel)
                finally:
                    after_log(settings.log, 0, None)
            _apply(config, settings.later)
            out = P(_ffi.tokenkit_client)()
            _ffi.call(lib.tokenkit_client_new, config, byref(out))
        except BaseException:
            lib.tokenkit_config_free(config)
            raise
        self._config = config

        def free(client: Any) -> None:
            lib.tokenkit_client_free(client)
            lib.tokenkit_config_free(config)

        # keep: the log's C function lives until the client is freed (sources keep their own).
        self._handle = Handle(out, free, "client", keep=settings.log)
        self._finalizer = weakref.finalize(self, self._handle.close)
        self._finalizer.atexit = False

    @classmethod
    def from_issuer(cls, issuer: str, *, cancel: Optional[Cancel] = None, **settings: Any) -> Client:
        """A client for ``issuer``, from the metadata it publishes (RFC 8414
        ``/.well-known/oauth-authorization-server``, then OpenID Connect Discovery), which must
        name exactly this issuer. The endpoints come from it (settings given here override them);
        loopback sign-in then also checks the redirect's ``iss`` (RFC 9207). Takes the settings
        of :class:`Client` (``client_id`` required); the transport ones apply to the discovery
        request too. :attr:`metadata` is the document."""
        issuer_bytes = _ffi.text("issuer", issuer)
        settings.setdefault("client_id", None)
        prepared = _Settings(settings)
        client = cls.__new__(cls)
        client._make(prepared, f"issuer={issuer!r}, client_id={settings['client_id']!r}", issuer=issuer_bytes, cancel=cancel)
        return client

    @classmethod
    def from_preset(cls, name: str, *, project_id: Optional[str] = None, **settings: Any) -> Client:
        """A client for a provider tokenkit knows: ``"nest"`` (Works with Nest: its endpoints,
        client_secret_post, DELETE revocation) or ``"google-nest"`` (Device Access: Google's
        endpoints, scope sdm.service, access_type=offline, prompt=consent; ``project_id``
        required). Takes the settings of :class:`Client` (``client_id`` required), which
        override the preset's."""
        preset = (_ffi.text("preset", name), _ffi.optional_text("project_id", project_id))
        settings.setdefault("client_id", None)
        prepared = _Settings(settings)
        client = cls.__new__(cls)
        client._make(prepared, f"preset={name!r}, client_id={settings['client_id']!r}", preset=preset)
        return client

    @classmethod
    def from_store(cls, store: Any, name: str, **settings: Any) -> Client:
        """A client from the settings saved in profile ``name`` of ``store`` (a
        :class:`tokenkit.Store`; the client secret too when the profile holds one). Takes the
        settings of :class:`Client`, which complete or override the saved ones: the client secret
        when it was not saved, timeouts, ``ca_file``, ``log``. Raises
        :class:`tokenkit.InvalidArgumentError` for a missing or broken profile."""
        from ._store import Store

        if not isinstance(store, Store):
            raise _errors.ArgumentTypeError(f"store must be a tokenkit.Store, not {type(store).__name__}")
        prepared = _Settings(settings, profile=True)
        config = store._config(name)
        client = cls.__new__(cls)
        client._make(prepared, f"profile={name!r}", config=config)
        return client

    @property
    def metadata(self) -> Optional[Dict[str, Any]]:
        """The authorization server metadata :meth:`from_issuer` discovered, as a new dict; None
        for other clients."""
        if self._metadata is None:
            return None
        value: Dict[str, Any] = json.loads(self._metadata)
        return value

    @property
    def closed(self) -> bool:
        return self._handle.closed

    def close(self) -> None:
        """Frees the native client and its connections, zeroizing its secret. Cancels running
        sign-ins and device flows, waits for the other running calls. Closing twice is fine."""
        self._handle.close()  # first: inside one of its own callbacks it refuses, and nothing changes
        self._finalizer.detach()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        handle = getattr(self, "_handle", None)
        state = " closed" if handle is None or handle.closed else ""
        return f"<tokenkit.Client {getattr(self, '_what', '')}{state}>"

    # ---- token requests ------------------------------------------------------------------------

    def _token_call(self, fn: Callable[..., int], lead: Tuple[Any, ...], options: _RequestOptions) -> Token:
        out = P(_ffi.tokenkit_token)()
        err = _ffi.error_out()
        with options as opts:
            ptr = self._handle.enter()
            try:
                code = fn(ptr, *lead, opts, byref(out), byref(err))
            finally:
                self._handle.exit()
        try:
            after_log(self._log, code, err)
            _ffi.check(code, err)
            return token_from_native(out)
        finally:
            lib.tokenkit_token_free(out)

    def exchange_code(
        self,
        code: str,
        redirect_uri: Optional[str] = None,
        code_verifier: Optional[str] = None,
        *,
        params: Optional[Params] = None,
        cancel: Optional[Cancel] = None,
    ) -> Token:
        """Exchanges an authorization code for a token (RFC 6749 §4.1.3). ``redirect_uri`` is
        required when the authorization request had one; ``code_verifier`` is the PKCE verifier
        (RFC 7636). Never retried: a code is single-use."""
        if redirect_uri is None and code_verifier is None and params is None and cancel is None:
            options = _NO_OPTIONS  # the common case, kept cheap
        else:
            options = _RequestOptions(
                redirect_uri=_ffi.optional_text("redirect_uri", redirect_uri),
                code_verifier=_ffi.optional_text("code_verifier", code_verifier),
                params=_params(params),
                cancel=cancel,
            )
        return self._token_call(lib.tokenkit_client_exchange_code, (_ffi.text("code", code),), options)

    def refresh(
        self,
        refresh_token: str,
        scope: Optional[str] = None,
        *,
        params: Optional[Params] = None,
        cancel: Optional[Cancel] = None,
    ) -> Token:
        """Uses a refresh token (RFC 6749 §6). When the new token has no ``refresh_token``, the
        old one stays valid. Retried only when the server cannot have processed the attempt, so a
        rotated refresh token is never lost (a cancelled refresh may lose one)."""
        options = _RequestOptions(scope=_ffi.optional_text("scope", scope), params=_params(params), cancel=cancel)
        return self._token_call(lib.tokenkit_client_refresh, (_ffi.text("refresh_token", refresh_token),), options)

    def client_credentials(
        self, scope: Optional[str] = None, *, params: Optional[Params] = None, cancel: Optional[Cancel] = None
    ) -> Token:
        """A token for the client itself (RFC 6749 §4.4)."""
        options = _RequestOptions(scope=_ffi.optional_text("scope", scope), params=_params(params), cancel=cancel)
        return self._token_call(lib.tokenkit_client_client_credentials, (), options)

    # ---- revocation and introspection ------------------------------------------------------------

    def revoke(self, token: str, hint: Optional[str] = None, *, cancel: Optional[Cancel] = None) -> None:
        """Revokes ``token`` (RFC 7009, or Nest's DELETE with ``revocation_style="nest_delete"``
        or the nest preset). ``hint`` is ``"access_token"`` or ``"refresh_token"``. Any 2xx
        answer is success (RFC 7009 §2.2: an unknown token is revoked fine)."""
        token_bytes = _ffi.text("token", token)
        err = _ffi.error_out()
        with _RequestOptions(hint=_ffi.optional_text("hint", hint), cancel=cancel) as opts:
            ptr = self._handle.enter()
            try:
                code = lib.tokenkit_client_revoke(ptr, token_bytes, opts, byref(err))
            finally:
                self._handle.exit()
        after_log(self._log, code, err)
        _ffi.check(code, err)

    def introspect(self, token: str, hint: Optional[str] = None, *, cancel: Optional[Cancel] = None) -> Introspection:
        """Asks the introspection endpoint about ``token`` (RFC 7662)."""
        token_bytes = _ffi.text("token", token)
        out = P(_ffi.tokenkit_introspection)()
        err = _ffi.error_out()
        with _RequestOptions(hint=_ffi.optional_text("hint", hint), cancel=cancel) as opts:
            ptr = self._handle.enter()
            try:
                code = lib.tokenkit_client_introspect(ptr, token_bytes, opts, byref(out), byref(err))
            finally:
                self._handle.exit()
        try:
            after_log(self._log, code, err)
            _ffi.check(code, err)
            return introspection_from_native(out)
        finally:
            lib.tokenkit_introspection_free(out)

    # ---- the user's part -------------------------------------------------------------------------

    def authorization_url(
        self,
        redirect_uri: Optional[str] = None,
        scope: Optional[str] = None,
        *,
        params: Optional[Params] = None,
    ) -> AuthorizationRequest:
        """An authorization URL (RFC 6749 §4.1.1) with a fresh ``state`` and a PKCE S256
        challenge (RFC 7636): an :class:`tokenkit.AuthorizationRequest` whose ``url`` to send the
        user to, ``state`` to compare with the redirect's, and ``code_verifier`` for
        :meth:`exchange_code`. ``redirect_uri`` may be None where the provider has one registered
        (Works with Nest). Sends nothing."""
        options = _RequestOptions(
            redirect_uri=_ffi.optional_text("redirect_uri", redirect_uri),
            scope=_ffi.optional_text("scope", scope),
            params=_params(params),
        )
        out = P(_ffi.tokenkit_authorization)()
        err = _ffi.error_out()
        with options as opts:
            ptr = self._handle.enter()
            try:
                code = lib.tokenkit_client_authorization_request(ptr, opts, byref(out), byref(err))
            finally:
                self._handle.exit()
        try:
            _ffi.check(code, err)
            return authorization_from_native(out)
        finally:
            lib.tokenkit_authorization_free(out)  # zeroizes the verifier, after the copy

    def _wait(self, call: Callable[[Any, Any], T], cancel: Optional[Cancel]) -> T:
        """A wait for the user: its cancel flag is raised by ``cancel``, by closing the client,
        and by Ctrl-C on the main thread."""
        CallFlag(cancel)  # checks the type of cancel before anything starts

        def body(interrupt: Optional[Cancel]) -> T:
            with CallFlag(cancel, interrupt) as flag:
                ptr = self._handle.enter(wait=flag.ptr)
                try:
                    return call(ptr, flag.ptr)
                finally:
                    self._handle.exit(wait=flag.ptr)

        return _WaitRunner.run(body)

    def _wait_for_token(
        self,
        new_options: Callable[[], Any],
        free_options: Callable[[Any], None],
        steps: List[Tuple[Callable[..., int], Tuple[Any, ...]]],
        set_cancel: Callable[..., int],
        run: Callable[..., int],
        cancel: Optional[Cancel],
        callbacks: Sequence[_Callback] = (),
    ) -> Token:
        """A token call that waits for the user (sign-in, device flow, device poll): its options
        object is made, filled with `steps` and the call's cancel flag, and freed after `run`; a
        cancellation a callback asked for raises what the callback raised."""

        def call(client: Any, flag: Any) -> Token:
            options = new_options()
            if not options:
                raise MemoryError("tokenkit options")
            out = P(_ffi.tokenkit_token)()
            try:
                _apply(options, steps)
                _ffi.call(set_cancel, options, flag)
                err = _ffi.error_out()
                code = run(client, options, byref(out), byref(err))
                after_log(self._log, code, err)
                _ffi.check(code, err)
                return token_from_native(out)
            finally:
                lib.tokenkit_token_free(out)
                free_options(options)

        try:
            return self._wait(call, cancel)
        except _errors.CancelledError as e:
            for callback in callbacks:
                callback.raise_error(e)
            raise

    def sign_in(
        self,
        scope: Optional[str] = None,
        open_browser: Union[bool, Callable[[str], object]] = True,
        timeout: Optional[_ffi.Duration] = None,
        *,
        port: Optional[int] = None,
        params: Optional[Params] = None,
        cancel: Optional[Cancel] = None,
    ) -> Token:
        """Signs the user in through the browser with a loopback redirect (RFC 8252 §7.3):
        listens on 127.0.0.1 (``port``, or a free one), opens the authorization URL (redirect URI
        ``http://127.0.0.1:PORT/callback``, fresh state, PKCE), waits for the redirect that
        carries this sign-in's state (checking ``iss`` when the client came from
        :meth:`from_issuer`), answers the browser, and exchanges the code.

        ``open_browser``: True opens the system's browser (on a thread of its own), False prints
        the URL on stderr, a callable receives the URL (it must return promptly; raising stops
        the sign-in, and the exception is raised from this call). ``timeout`` is how long the
        user has (the library's default is 5 minutes): then :class:`tokenkit.TimeoutError`. A
        denied consent is an :class:`tokenkit.OAuthError` with ``error == "access_denied"``.
        Ctrl-C on the main thread cancels the wait."""
        if isinstance(open_browser, bool):
            opener: Callable[[str], object] = _open_in_browser if open_browser else _print_url
        elif callable(open_browser):
            opener = open_browser
        else:
            raise _errors.ArgumentTypeError(f"open_browser must be a bool or a callable, not {type(open_browser).__name__}")
        steps: List[Tuple[Callable[..., int], Tuple[Any, ...]]] = []
        if scope is not None:
            steps.append((lib.tokenkit_sign_in_options_set_scope, (_ffi.text("scope", scope),)))
        for name, value in _params(params):
            steps.append((lib.tokenkit_sign_in_options_add_param, (name, value)))
        if port is not None:
            steps.append((lib.tokenkit_sign_in_options_set_port, (_ffi.integer("port", port, _ffi.INT32_MAX),)))
        if timeout is not None:
            steps.append((lib.tokenkit_sign_in_options_set_timeout_ms, (_ffi.millis("timeout", timeout),)))
        callback = _Callback(opener)
        c_open_url = _ffi.tokenkit_open_url_fn(callback.open_url)  # alive as long as `steps`
        steps.insert(0, (lib.tokenkit_sign_in_options_set_open_url, (c_open_url, None)))
        return self._wait_for_token(
            lib.tokenkit_sign_in_options_new,
            lib.tokenkit_sign_in_options_free,
            steps,
            lib.tokenkit_sign_in_options_set_cancel,
            lib.tokenkit_client_sign_in,
            cancel,
            (callback,),
        )

    def _device_options(
        self, scope: Optional[str], params: Optional[Params], pkce: bool
    ) -> List[Tuple[Callable[..., int], Tuple[Any, ...]]]:
        steps: List[Tuple[Callable[..., int], Tuple[Any, ...]]] = []
        if scope is not None:
            steps.append((lib.tokenkit_device_options_set_scope, (_ffi.text("scope", scope),)))
        for name, value in _params(params):
            steps.append((lib.tokenkit_device_options_add_param, (name, value)))
        if _flag("pkce", pkce):
            steps.append((lib.tokenkit_device_options_set_pkce, (1,)))
        return steps

    def _on_poll(
        self, on_poll: Optional[Callable[[str, float], object]], steps: List[Tuple[Callable[..., int], Tuple[Any, ...]]]
    ) -> List[_Callback]:
        """Adds the on_poll callback to the steps of a device flow or poll; returns it, or nothing."""
        if on_poll is None:
            return []
        if not callable(on_poll):
            raise _errors.ArgumentTypeError(f"on_poll must be callable, not {type(on_poll).__name__}")
        callback = _Callback(on_poll)
        c_poll = _ffi.tokenkit_device_poll_fn(callback.poll)  # alive as long as `steps`
        steps.append((lib.tokenkit_device_options_set_on_poll, (c_poll, None)))
        return [callback]

    def device_flow(
        self,
        scope: Optional[str] = None,
        on_prompt: Optional[Callable[[DeviceAuthorization], object]] = None,
        *,
        params: Optional[Params] = None,
        pkce: bool = False,
        cancel: Optional[Cancel] = None,
        on_poll: Optional[Callable[[str, float], object]] = None,
    ) -> Token:
        """The device authorization grant (RFC 8628), for devices without a browser: requests a
        device code, calls ``on_prompt`` with a :class:`tokenkit.DeviceAuthorization` to show the
        user (by default, a line on stderr), then polls at the server's interval until the user
        approves. A denial is an :class:`tokenkit.OAuthError` (``"access_denied"``), expired codes a
        :class:`tokenkit.TimeoutError`. ``on_prompt`` raising stops the flow, and the exception is
        raised from this call. ``params`` go with the request and every poll; ``pkce`` adds an
        S256 challenge for servers that require it. ``on_poll(outcome, interval)`` is told after
        each poll that did not end the flow: ``"authorization_pending"``, ``"slow_down"`` (the
        interval grew) or ``"retrying"`` (a transient failure), and the seconds before the next
        poll; returning ``False`` stops the flow (:class:`tokenkit.CancelledError`), raising stops
        it and is raised from this call. Ctrl-C on the main thread cancels it."""
        steps = self._device_options(scope, params, pkce)
        callback = _Callback(on_prompt if on_prompt is not None else _print_device_prompt)
        if not callable(callback.fn):
            raise _errors.ArgumentTypeError(f"on_prompt must be callable, not {type(on_prompt).__name__}")
        c_prompt = _ffi.tokenkit_device_prompt_fn(callback.prompt)  # alive as long as `steps`
        steps.insert(0, (lib.tokenkit_device_options_set_on_prompt, (c_prompt, None)))
        polls = self._on_poll(on_poll, steps)
        return self._wait_for_token(
            lib.tokenkit_device_options_new,
            lib.tokenkit_device_options_free,
            steps,
            lib.tokenkit_device_options_set_cancel,
            lib.tokenkit_client_device_flow,
            cancel,
            [callback, *polls],
        )

    def device_authorize(
        self,
        scope: Optional[str] = None,
        *,
        params: Optional[Params] = None,
        pkce: bool = False,
        cancel: Optional[Cancel] = None,
    ) -> DeviceAuthorization:
        """The first half of :meth:`device_flow`: requests a device code (RFC 8628 §3.1) and
        returns what to show the user. Then call :meth:`device_poll` with it (it sends the same
        ``params``), and close it when done."""
        steps = self._device_options(scope, params, pkce)
        param_list = _params(params)
        out = P(_ffi.tokenkit_device_authorization)()
        with CallFlag(cancel) as flag:
            options = lib.tokenkit_device_options_new()
            if not options:
                raise MemoryError("tokenkit_device_options_new")
            try:
                _apply(options, steps)
                _ffi.call(lib.tokenkit_device_options_set_cancel, options, flag.ptr)
                ptr = self._handle.enter()
                try:
                    _ffi.call(lib.tokenkit_client_device_authorize, ptr, options, byref(out))
                finally:
                    self._handle.exit()
                    after_log(self._log, 0, None)
            finally:
                lib.tokenkit_device_options_free(options)
        auth = owned_device_authorization(out)
        auth._params = param_list
        return auth

    def device_poll(
        self,
        authorization: DeviceAuthorization,
        *,
        cancel: Optional[Cancel] = None,
        on_poll: Optional[Callable[[str, float], object]] = None,
    ) -> Token:
        """The second half of :meth:`device_flow`: polls for ``authorization`` (from
        :meth:`device_authorize`) at the server's interval until the user answers or the codes
        expire, telling ``on_poll`` of each poll as :meth:`device_flow` does. Ctrl-C on the main
        thread cancels it."""
        if not isinstance(authorization, DeviceAuthorization) or authorization._handle is None:
            raise _errors.ArgumentTypeError("authorization must be a DeviceAuthorization from device_authorize")
        handle: Handle = authorization._handle
        steps = [(lib.tokenkit_device_options_add_param, pair) for pair in authorization._params]
        polls = self._on_poll(on_poll, steps)

        def poll(client: Any, options: Any, out: Any, err: Any) -> int:
            auth = handle.enter()  # closing the authorization waits for the poll
            try:
                code: int = lib.tokenkit_client_device_poll(client, auth, options, out, err)
                return code
            finally:
                handle.exit()

        return self._wait_for_token(
            lib.tokenkit_device_options_new,
            lib.tokenkit_device_options_free,
            steps,
            lib.tokenkit_device_options_set_cancel,
            poll,
            cancel,
            polls,
        )

    # ---- for TokenSource and Store -------------------------------------------------------------------

    def _enter(self) -> Any:
        return self._handle.enter()

    def _config_ptr(self) -> Any:
        """The config the client was made from (for Store.save_profile), alive while the client is
        entered."""
        return self._config

    def _exit(self) -> None:
        self._handle.exit()


def exchange_code(*, token_url: str, code: str, client_id: str, client_secret: Optional[str] = None) -> Token:
    """The Works with Nest sample in one call: POSTs ``code``, ``client_id``, ``client_secret``
    and ``grant_type=authorization_code`` as a form to ``token_url`` and returns the token.
    ``client_secret`` None is a public client. Makes and frees a native client each time, with
    the library's defaults (a 30 s deadline), and cannot be cancelled (the C ABI's one-call
    exchange takes no options): for more than one request, use a :class:`Client`."""
    request = _ffi.tokenkit_exchange_request(
        _ffi.text("token_url", token_url),
        _ffi.text("code", code),
        _ffi.text("client_id", client_id),
        _ffi.optional_text("client_secret", client_secret),
    )
    out = P(_ffi.tokenkit_token)()
    try:
        _ffi.call(lib.tokenkit_exchange_code, byref(request), byref(out))
        return token_from_native(out)
    finally:
        lib.tokenkit_token_free(out)


def discover(issuer: str, *, cancel: Optional[Cancel] = None, **settings: Any) -> Dict[str, Any]:
    """Fetches the authorization server metadata of ``issuer`` (RFC 8414, then OpenID Connect
    Discovery), checks that it names exactly that issuer, and returns it as a dict. Takes the
    transport settings of :class:`Client` (``timeout``, ``connect_timeout``,
    ``attempt_timeout``, ``retries``, ``ca_file``, ``user_agent``, ``max_response_bytes``); to
    make a client from it, use :meth:`Client.from_issuer`."""
    issuer_bytes = _ffi.text("issuer", issuer)
    prepared = _Settings(settings)
    if prepared.later:
        raise _errors.ArgumentTypeError("discover() takes only transport settings")
    config = _new_config()
    try:
        _apply(config, prepared.transport)
        document = _discover(config, issuer_bytes, cancel)
    finally:
        lib.tokenkit_config_free(config)
        after_log(prepared.log, 0, None)
    value: Dict[str, Any] = json.loads(document)
    return value

