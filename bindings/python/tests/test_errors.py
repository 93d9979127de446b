"""Every exception class, provoked for real, and bad arguments of every kind."""

from __future__ import annotations

import builtins
import pickle
from typing import Any, Callable, Optional, Type

import pytest

import tokenkit
from conftest import closed_port_url, demo, flow_settings, fresh_code

ALL_KINDS = {
    tokenkit.ErrorKind.INVALID_ARGUMENT: ("invalid_argument", 1),
    tokenkit.ErrorKind.OAUTH_ERROR: ("oauth_error", 2),
    tokenkit.ErrorKind.HTTP_ERROR: ("http_error", 3),
    tokenkit.ErrorKind.TRANSPORT_ERROR: ("transport_error", 4),
    tokenkit.ErrorKind.TIMEOUT: ("timeout", 5),
    tokenkit.ErrorKind.TLS_ERROR: ("tls_error", 6),
    tokenkit.ErrorKind.PROTOCOL_ERROR: ("protocol_error", 7),
    tokenkit.ErrorKind.INSECURE: ("insecure", 8),
    tokenkit.ErrorKind.INTERNAL_ERROR: ("internal_error", 9),
    tokenkit.ErrorKind.CANCELLED: ("cancelled", 10),
}


def test_kinds_are_the_abi_numbers_with_the_library_names() -> None:
    for kind, (name, number) in ALL_KINDS.items():
        assert int(kind) == number and str(kind) == name and f"{kind}" == name


def test_class_hierarchy() -> None:
    classes = [
        tokenkit.InvalidArgumentError,
        tokenkit.ArgumentTypeError,
        tokenkit.OAuthError,
        tokenkit.HTTPError,
        tokenkit.TransportError,
        tokenkit.TimeoutError,
        tokenkit.TLSError,
        tokenkit.ProtocolError,
        tokenkit.InsecureURLError,
        tokenkit.InternalError,
        tokenkit.CancelledError,
    ]
    for cls in classes:
        assert issubclass(cls, tokenkit.TokenKitError)
    assert issubclass(tokenkit.InvalidArgumentError, ValueError)
    assert issubclass(tokenkit.ArgumentTypeError, TypeError)
    assert issubclass(tokenkit.TimeoutError, builtins.TimeoutError)
    assert issubclass(tokenkit.TransportError, ConnectionError)
    e = tokenkit.OAuthError("m", status_code=400, error="invalid_grant", body="{}")
    assert str(e) == "oauth_error: m" and e.kind is tokenkit.ErrorKind.OAUTH_ERROR
    copy = pickle.loads(pickle.dumps(e))
    assert type(copy) is tokenkit.OAuthError and copy.error == "invalid_grant" and copy.status_code == 400
    t = pickle.loads(pickle.dumps(tokenkit.TimeoutError("slow")))
    assert isinstance(t, builtins.TimeoutError) and str(t) == "timeout: slow"


def exchange_at(settings: dict, code: Optional[str] = None) -> None:
    with tokenkit.Client(**settings) as c:
        c.exchange_code(code or fresh_code())


def demo_at(server: str, path: str, **more: Any) -> dict:
    return dict(token_url=server + path, client_id="demo-client", client_secret="demo-secret", **more)


def reused_code(server: str) -> None:
    with demo(server) as c:
        code = fresh_code()
        c.exchange_code(code)
        c.exchange_code(code)


CASES = [
    # name, provoke(server), class, kind, HTTP status, OAuth error
    ("bad argument", lambda s: exchange_at(dict(token_url=s + "/token")), tokenkit.ArgumentTypeError, 1, None, None),
    ("no secret", lambda s: exchange_at(dict(token_url=s + "/token", client_id="demo-client")), tokenkit.InvalidArgumentError, 1, None, None),
    ("reused code", reused_code, tokenkit.OAuthError, 2, 400, "invalid_grant"),
    ("error with HTTP 200", lambda s: exchange_at(demo_at(s, "/fault/error200")), tokenkit.OAuthError, 2, 200, "invalid_grant"),
    ("Nest's error", lambda s: exchange_at(demo_at(s, "/fault/nest-error")), tokenkit.OAuthError, 2, 400, "oauth2_error"),
    ("wrong secret", lambda s: exchange_at(dict(demo_at(s, "/token"), client_secret="WRONG")), tokenkit.OAuthError, 2, 401, "invalid_client"),
    ("500 page", lambda s: exchange_at(demo_at(s, "/fault/500")), tokenkit.HTTPError, 3, 500, None),
    ("redirect", lambda s: exchange_at(demo_at(s, "/fault/redirect")), tokenkit.HTTPError, 3, 307, None),
    ("closed port", lambda s: exchange_at(dict(demo_at(s, ""), token_url=closed_port_url())), tokenkit.TransportError, 4, None, None),
    ("connection closed", lambda s: exchange_at(demo_at(s, "/fault/close")), tokenkit.TransportError, 4, None, None),
    ("hang", lambda s: exchange_at(demo_at(s, "/fault/hang", timeout=0.5)), tokenkit.TimeoutError, 5, None, None),
    ("https to plain http", lambda s: exchange_at(demo_at("https" + s[4:], "/token", timeout=5)), tokenkit.TLSError, 6, None, None),
    ("malformed JSON", lambda s: exchange_at(demo_at(s, "/fault/malformed")), tokenkit.ProtocolError, 7, 200, None),
    ("no access_token", lambda s: exchange_at(demo_at(s, "/fault/no-access-token")), tokenkit.ProtocolError, 7, 200, None),
    ("oversize", lambda s: exchange_at(demo_at(s, "/fault/oversize")), tokenkit.ProtocolError, 7, 200, None),
    ("NUL in the token", lambda s: exchange_at(demo_at(s, "/fault/nul")), tokenkit.ProtocolError, 7, 200, None),
    ("plain http elsewhere", lambda s: exchange_at(dict(token_url="http://example.com/token", client_id="i", client_secret="s")), tokenkit.InsecureURLError, 8, None, None),
]


@pytest.mark.parametrize("name, provoke, cls, number, http, oauth", CASES, ids=[c[0] for c in CASES])
def test_every_error_kind(
    server: str, name: str, provoke: Callable[[str], None], cls: Type[tokenkit.TokenKitError], number: int,
    http: Optional[int], oauth: Optional[str],
) -> None:
    with pytest.raises(tokenkit.TokenKitError) as info:
        provoke(server)
    e = info.value
    assert type(e) is cls, repr(e)
    assert int(e.kind) == number and e.status == number
    assert e.status_code == http and e.error == oauth
    assert e.message and str(e) == f"{ALL_KINDS[e.kind][0]}: {e.message}"
    if cls is tokenkit.OAuthError:
        assert e.error_description and e.body is not None


def test_cancelled_error() -> None:
    cancel = tokenkit.Cancel()
    cancel.trigger()
    with pytest.raises(tokenkit.CancelledError) as e:
        with tokenkit.Client(token_url="http://127.0.0.1:9/token", client_id="c", client_secret="s") as c:
            c.client_credentials(cancel=cancel)
    assert e.value.kind is tokenkit.ErrorKind.CANCELLED


def test_oauth_error_fields(server: str) -> None:
    with demo(server, "/fault/nest-error") as c:
        with pytest.raises(tokenkit.OAuthError) as info:
            c.exchange_code(fresh_code())
    e = info.value
    assert e.error == "oauth2_error" and e.error_description == "authorization code not found"
    assert e.error_uri is None and e.status_code == 400 and '"instance_id":"a1b2c3"' in e.body  # type: ignore[operator]


@pytest.mark.parametrize("mode", ["echo-400", "echo-500", "echo-500-json"])
def test_secrets_stay_out_of_errors(server: str, mode: str) -> None:
    secret, code = "s3cr3t-Value-never-shown", "code-secret-shown-nowhere"
    with tokenkit.Client(token_url=server + "/fault/" + mode, client_id="demo-client", client_secret=secret) as c:
        with pytest.raises(tokenkit.TokenKitError) as info:
            c.exchange_code(code)
    e = info.value
    for text in (str(e), repr(e), e.message, e.body or "", e.error_description or "", repr(e.args)):
        assert secret not in text and code not in text, text


def test_control_characters_are_escaped(server: str) -> None:
    with demo(server, "/fault/control-chars") as c:
        with pytest.raises(tokenkit.OAuthError) as info:
            c.exchange_code(fresh_code())
    shown = str(info.value)
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in shown), repr(shown)


def test_bad_arguments(server: str) -> None:
    c = tokenkit.Client(**flow_settings(server))
    source = tokenkit.TokenSource(c, refresh_token="rt-x")
    bad: list = [
        # call, exception class, words in the message
        (lambda: c.exchange_code(None), tokenkit.ArgumentTypeError, "code must be a str, not None"),  # type: ignore[arg-type]
        (lambda: c.exchange_code(b"code"), tokenkit.ArgumentTypeError, "code must be a str, not bytes"),  # type: ignore[arg-type]
        (lambda: c.exchange_code(42), tokenkit.ArgumentTypeError, "code must be a str, not int"),  # type: ignore[arg-type]
        (lambda: c.exchange_code("co\0de"), tokenkit.InvalidArgumentError, "code contains a NUL byte"),
        (lambda: c.exchange_code("\ud800"), tokenkit.InvalidArgumentError, "code is not valid Unicode"),
        (lambda: c.exchange_code(""), tokenkit.InvalidArgumentError, "code"),
        (lambda: c.exchange_code("c", redirect_uri="x\0"), tokenkit.InvalidArgumentError, "redirect_uri contains a NUL byte"),
        (lambda: c.exchange_code("c", code_verifier="short"), tokenkit.InvalidArgumentError, "code_verifier"),
        (lambda: c.refresh(None), tokenkit.ArgumentTypeError, "refresh_token must be a str"),  # type: ignore[arg-type]
        (lambda: c.refresh("rt", scope=3), tokenkit.ArgumentTypeError, "scope must be a str"),  # type: ignore[arg-type]
        (lambda: c.client_credentials(params={"grant_type": "x"}), tokenkit.InvalidArgumentError, "grant_type"),
        (lambda: c.client_credentials(params={"a": 1}), tokenkit.ArgumentTypeError, "param a must be a str"),  # type: ignore[dict-item]
        (lambda: c.client_credentials(params="a=b"), tokenkit.ArgumentTypeError, "params"),  # type: ignore[arg-type]
        (lambda: c.client_credentials(params=[("a",)]), tokenkit.ArgumentTypeError, "params"),  # type: ignore[list-item]
        (lambda: c.client_credentials(params={"": "v"}), tokenkit.InvalidArgumentError, "name"),
        (lambda: c.client_credentials(cancel=object()), tokenkit.ArgumentTypeError, "cancel must be a tokenkit.Cancel"),  # type: ignore[arg-type]
        (lambda: c.revoke(None), tokenkit.ArgumentTypeError, "token must be a str"),  # type: ignore[arg-type]
        (lambda: c.revoke("t", hint="x\0"), tokenkit.InvalidArgumentError, "hint contains a NUL byte"),
        (lambda: c.introspect(5), tokenkit.ArgumentTypeError, "token must be a str"),  # type: ignore[arg-type]
        (lambda: c.sign_in(open_browser="yes"), tokenkit.ArgumentTypeError, "open_browser"),  # type: ignore[arg-type]
        (lambda: c.sign_in(timeout=-1), tokenkit.InvalidArgumentError, "timeout"),
        (lambda: c.sign_in(port=70000), tokenkit.InvalidArgumentError, "port"),
        (lambda: c.device_flow(on_prompt=5), tokenkit.ArgumentTypeError, "on_prompt"),  # type: ignore[arg-type]
        (lambda: c.device_flow(pkce="yes"), tokenkit.ArgumentTypeError, "pkce must be a bool"),  # type: ignore[arg-type]
        (lambda: c.device_poll(object()), tokenkit.ArgumentTypeError, "authorization"),  # type: ignore[arg-type]
        (lambda: tokenkit.Client(token_url=server + "/token", client_id="demo-client", client_secret="demo-secret", timeout="1"), tokenkit.ArgumentTypeError, "timeout must be a number"),  # type: ignore[arg-type]
        (lambda: tokenkit.Client(token_url=server + "/token", client_id="demo-client", client_secret="demo-secret", timeout=True), tokenkit.ArgumentTypeError, "timeout"),  # type: ignore[arg-type]
        (lambda: tokenkit.Client(token_url=server + "/token", client_id="demo-client", client_secret="demo-secret", timeout=float("nan")), tokenkit.InvalidArgumentError, "timeout must be a finite"),
        (lambda: tokenkit.Client(token_url=server + "/token", client_id="demo-client", client_secret="demo-secret", timeout=-1), tokenkit.InvalidArgumentError, "timeout"),
        (lambda: tokenkit.Client(token_url=server + "/token", client_id="demo-client", client_secret="demo-secret", connect_timeout=0), tokenkit.InvalidArgumentError, "connect_timeout"),
        (lambda: tokenkit.Client(token_url=server + "/token", client_id="demo-client", client_secret="demo-secret", max_idle_connections=2**40), tokenkit.InvalidArgumentError, "max_idle_connections is out of range"),
        (lambda: tokenkit.Client(token_url=server + "/token", client_id="demo-client", client_secret="demo-secret", max_response_bytes=-1), tokenkit.InvalidArgumentError, "max_response_bytes"),
        (lambda: tokenkit.Client(token_url=server + "/token", client_id="demo-client", client_secret="demo-secret", retries=-1), tokenkit.InvalidArgumentError, "retr"),
        (lambda: tokenkit.Client(token_url=server + "/token", client_id="demo-client", client_secret="demo-secret", retries=tokenkit.Retry(1, 5, 1)), tokenkit.InvalidArgumentError, "delay"),
        (lambda: tokenkit.Client(token_url=server + "/token", client_id="demo-client", client_secret="demo-secret", auth_method="magic"), tokenkit.InvalidArgumentError, "auth_method must be one of"),
        (lambda: tokenkit.Client(token_url=server + "/token", client_id="demo-client", client_secret="demo-secret", revocation_style=1), tokenkit.ArgumentTypeError, "revocation_style"),  # type: ignore[arg-type]
        (lambda: tokenkit.Client(token_url=server + "/token", client_id="demo-client", client_secret="demo-secret", user_agent="a\r\nX: 1"), tokenkit.InvalidArgumentError, "user_agent"),
        (lambda: tokenkit.Client(token_url=server + "/token", client_id="demo-client", client_secret="demo-secret", ca_file="/nonexistent.pem"), tokenkit.InvalidArgumentError, "ca_file"),
        (lambda: tokenkit.Client(token_url=server + "/token", client_id="demo-client", client_secret="demo-secret", ca_file=5), tokenkit.ArgumentTypeError, "ca_file"),  # type: ignore[arg-type]
        (lambda: tokenkit.Client(token_url="not a url", client_id="demo-client", client_secret="demo-secret"), tokenkit.InvalidArgumentError, "token_endpoint"),
        (lambda: tokenkit.Client(token_url=server + "/token", client_id="", client_secret="demo-secret"), tokenkit.InvalidArgumentError, "client_id"),
        (lambda: tokenkit.Client(token_url=server + "/token", client_id="demo\0client", client_secret="s"), tokenkit.InvalidArgumentError, "client_id contains a NUL byte"),
        (lambda: tokenkit.Client(token_url=server + "/token", client_id="demo-client", client_secret="se\0cret"), tokenkit.InvalidArgumentError, "client_secret contains a NUL byte"),
        (lambda: tokenkit.Client(token_url=server + "/token", client_id="public-client", client_secret="s", auth_method="none"), tokenkit.InvalidArgumentError, "client_secret"),
        (lambda: tokenkit.Client.from_issuer(server, client_id="x", frobnicate=1), tokenkit.ArgumentTypeError, "frobnicate"),
        (lambda: tokenkit.Client.from_issuer(None, client_id="x"), tokenkit.ArgumentTypeError, "issuer"),  # type: ignore[arg-type]
        (lambda: tokenkit.Client.from_preset("nest", client_id=None), tokenkit.ArgumentTypeError, "client_id"),
        (lambda: tokenkit.Token.from_json(None), tokenkit.ArgumentTypeError, "data must be a str"),  # type: ignore[arg-type]
        (lambda: tokenkit.Token.from_json('{"access_token":"a\0"}'), tokenkit.InvalidArgumentError, "NUL"),
        (lambda: tokenkit.TokenSource(c, "token"), tokenkit.ArgumentTypeError, "token must be a tokenkit.Token"),  # type: ignore[arg-type]
        (lambda: tokenkit.TokenSource(None, refresh_token="r"), tokenkit.ArgumentTypeError, "client must be a tokenkit.Client"),  # type: ignore[arg-type]
        (lambda: tokenkit.TokenSource(c), tokenkit.InvalidArgumentError, "refresh"),
        (lambda: tokenkit.TokenSource(c, refresh_token="r", skew=-1), tokenkit.InvalidArgumentError, "skew"),
        (lambda: tokenkit.TokenSource(c, refresh_token="r", on_change=5), tokenkit.ArgumentTypeError, "on_change"),  # type: ignore[arg-type]
        (lambda: tokenkit.TokenSource.from_json(c, "nope"), tokenkit.InvalidArgumentError, "JSON"),
    ]
    for call, cls, words in bad:
        with pytest.raises(tokenkit.TokenKitError) as info:
            call()
        assert type(info.value) is cls, (words, repr(info.value))
        assert info.value.kind is tokenkit.ErrorKind.INVALID_ARGUMENT
        assert words in str(info.value), (words, str(info.value))
    source.close()
    c.close()


def test_bad_arguments_send_nothing(server: str) -> None:
    from conftest import stats

    before = stats(server)["requests"]
    with demo(server) as c:
        for _ in range(3):
            with pytest.raises(tokenkit.InvalidArgumentError):
                c.exchange_code("c", code_verifier="too-short")
    assert stats(server)["requests"] == before + 1  # the /stats request itself
