"""The user's part: authorization URLs, loopback sign-in, the device flow; then revocation and
introspection. Driven against the mock server's scripted behaviours (mock_behavior)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
import urllib.parse
from datetime import datetime
from typing import List

import pytest

import tokenkit
from conftest import Browser, flow_settings, fresh_code, get_no_redirect, stats


def query(url: str) -> dict:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def test_authorization_url_then_exchange(server: str, flow_client: tokenkit.Client) -> None:
    redirect_uri = "http://127.0.0.1:9/callback"
    request = flow_client.authorization_url(redirect_uri, "read", params={"prompt": "consent"})
    assert request.url.startswith(server + "/authorize?") and str(request) == request.url
    q = query(request.url)
    assert q["response_type"] == "code" and q["client_id"] == "demo-client" and q["redirect_uri"] == redirect_uri
    assert q["state"] == request.state and q["scope"] == "read" and q["prompt"] == "consent"
    assert q["code_challenge_method"] == "S256" and len(request.code_verifier) == 43
    assert request.code_verifier not in repr(request) and request.state in repr(request)
    other = flow_client.authorization_url(redirect_uri, "read")
    assert other.state != request.state and other.code_verifier != request.code_verifier

    status, location = get_no_redirect(request.url)
    assert status == 302
    answer = query(location)
    assert answer["state"] == request.state
    token = flow_client.exchange_code(answer["code"], redirect_uri, request.code_verifier)
    assert token.access_token.startswith("at-") and token.scope == "read"

    # The server checks the PKCE binding: another verifier fails.
    _, location = get_no_redirect(other.url)
    with pytest.raises(tokenkit.OAuthError) as e:
        flow_client.exchange_code(query(location)["code"], redirect_uri, request.code_verifier)
    assert e.value.error == "invalid_grant"


def test_authorization_url_needs_an_endpoint(client: tokenkit.Client, flow_client: tokenkit.Client) -> None:
    with pytest.raises(tokenkit.InvalidArgumentError, match="authorization"):
        client.authorization_url("http://127.0.0.1:9/cb")
    with pytest.raises(tokenkit.InvalidArgumentError, match="state"):
        flow_client.authorization_url("http://127.0.0.1:9/cb", params={"state": "mine"})


def test_sign_in(server: str, flow_client: tokenkit.Client) -> None:
    browser = Browser()
    token = flow_client.sign_in("read", browser, timeout=20)
    browser.join()
    assert token.access_token.startswith("at-") and token.scope == "read"
    assert len(browser.opened) == 1 and browser.opened[0].startswith(server + "/authorize?")
    assert query(browser.opened[0])["redirect_uri"].startswith("http://127.0.0.1:")


@pytest.mark.parametrize(
    "behavior, cls, oauth, words",
    [
        ("deny", tokenkit.OAuthError, "access_denied", "access_denied"),
        ("no-code", tokenkit.ProtocolError, None, "neither a code nor an error"),
    ],
)
def test_sign_in_refused(flow_client: tokenkit.Client, behavior: str, cls: type, oauth: str, words: str) -> None:
    browser = Browser()
    with pytest.raises(cls) as e:
        flow_client.sign_in("read", browser, timeout=20, params={"mock_behavior": behavior})
    browser.join()
    assert e.value.error == oauth and words in str(e.value)


def test_sign_in_checks_iss_with_an_issuer(server: str) -> None:
    with tokenkit.Client.from_issuer(server, client_id="demo-client", client_secret="demo-secret") as c:
        browser = Browser()
        with pytest.raises(tokenkit.ProtocolError, match="iss"):
            c.sign_in("read", browser, timeout=20, params={"mock_behavior": "wrong-iss"})
        browser.join()


def test_sign_in_ignores_another_state_until_its_timeout(flow_client: tokenkit.Client) -> None:
    browser = Browser()
    with pytest.raises(tokenkit.TimeoutError):
        flow_client.sign_in("read", browser, timeout=1.0, params={"mock_behavior": "wrong-state"})
    browser.join()


def test_sign_in_timeout(flow_client: tokenkit.Client) -> None:
    start = time.monotonic()
    with pytest.raises(tokenkit.TimeoutError):
        flow_client.sign_in("read", lambda url: None, timeout=0.6)
    assert 0.55 <= time.monotonic() - start < 5


def test_sign_in_cancelled_from_another_thread(flow_client: tokenkit.Client) -> None:
    cancel = tokenkit.Cancel()
    threading.Timer(0.3, cancel.trigger).start()
    start = time.monotonic()
    with pytest.raises(tokenkit.CancelledError):
        flow_client.sign_in("read", lambda url: None, timeout=30, cancel=cancel)
    assert time.monotonic() - start < 3 and cancel.cancelled
    opened: List[str] = []
    with pytest.raises(tokenkit.CancelledError):  # a raised flag stops later calls at once
        flow_client.sign_in("read", opened.append, timeout=30, cancel=cancel)


def test_closing_the_client_cancels_a_sign_in(server: str) -> None:
    c = tokenkit.Client(**flow_settings(server))
    threading.Timer(0.3, c.close).start()
    start = time.monotonic()
    with pytest.raises(tokenkit.CancelledError):
        c.sign_in("read", lambda url: None, timeout=30)
    assert time.monotonic() - start < 3 and c.closed


def test_open_browser_raising_stops_the_sign_in(flow_client: tokenkit.Client) -> None:
    def fail(url: str) -> None:
        raise LookupError("no browser here")

    start = time.monotonic()
    with pytest.raises(LookupError, match="no browser here") as e:
        flow_client.sign_in("read", fail, timeout=30)
    assert isinstance(e.value.__cause__, tokenkit.CancelledError) and time.monotonic() - start < 3
    # A BaseException is kept from the library too, and raised here.
    with pytest.raises(SystemExit):
        flow_client.sign_in("read", lambda url: sys.exit(3), timeout=30)


def test_open_browser_false_prints_the_url(flow_client: tokenkit.Client, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(tokenkit.TimeoutError):
        flow_client.sign_in("read", False, timeout=0.3)
    assert "/authorize?" in capsys.readouterr().err


def test_ctrl_c_stops_a_sign_in_on_the_main_thread(server: str) -> None:
    # In a child process: a KeyboardInterrupt would stop pytest itself.
    script = textwrap.dedent(
        """
        import os, signal, sys, threading, time, tokenkit
        server = sys.argv[1]
        c = tokenkit.Client(token_url=server + "/token", authorization_endpoint=server + "/authorize",
                            client_id="demo-client", client_secret="demo-secret")
        def open_url(url):
            threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
        start = time.monotonic()
        try:
            c.sign_in("read", open_url, timeout=30)
        except KeyboardInterrupt:
            print("interrupted after %.1f s" % (time.monotonic() - start))
        c.close()  # the native call has returned: nothing is left running on the client
        print("closed")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script, server], capture_output=True, text=True, timeout=20, cwd="/"
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("\n")
    assert lines[0].startswith("interrupted after ") and float(lines[0].split()[2]) < 3, result.stdout
    assert lines[1] == "closed"


def device_params(behavior: str, **more: str) -> dict:
    return {"mock_behavior": behavior, "mock_interval": "1", **more}


def test_device_flow(server: str) -> None:
    with tokenkit.Client(**flow_settings(server, "public-client", None)) as c:
        prompts: List[tokenkit.DeviceAuthorization] = []
        token = c.device_flow("read", prompts.append, params=device_params("approve"))
        assert token.access_token.startswith("at-") and token.scope == "read"
        (prompt,) = prompts
        assert len(prompt.user_code) == 9 and prompt.user_code[4] == "-"
        assert prompt.verification_uri == server + "/device"
        assert prompt.verification_uri_complete == server + "/device?user_code=" + prompt.user_code
        assert prompt.expires_in == 600 and prompt.interval == 1
        assert prompt.user_code in repr(prompt)
        # Google's field names.
        prompts.clear()
        assert c.device_flow("read", prompts.append, params=device_params("google")).access_token
        assert prompts[0].verification_uri == server + "/device" and prompts[0].verification_uri_complete is None


def test_device_flow_default_prompt_and_pkce(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    with tokenkit.Client(**flow_settings(server, "pkce-device-client", None)) as c:
        with pytest.raises(tokenkit.OAuthError, match="code_challenge_method"):
            c.device_flow("read", params=device_params("approve"))
        token = c.device_flow("read", params=device_params("approve"), pkce=True)
        assert token.access_token.startswith("at-")
    err = capsys.readouterr().err
    assert "To sign in, visit " + server + "/device?user_code=" in err


@pytest.mark.parametrize(
    "behavior, more, cls, oauth",
    [
        ("deny", {}, tokenkit.OAuthError, "access_denied"),
        ("expire", {}, tokenkit.OAuthError, "expired_token"),
        ("never", {"mock_expires_in": "2"}, tokenkit.TimeoutError, None),
    ],
)
def test_device_flow_ends(server: str, behavior: str, more: dict, cls: type, oauth: str) -> None:
    with tokenkit.Client(**flow_settings(server, "public-client", None)) as c:
        with pytest.raises(cls) as e:
            c.device_flow("read", lambda auth: None, params=device_params(behavior, **more))
        assert e.value.error == oauth


def test_device_flow_prompt_raising_and_cancel(server: str) -> None:
    with tokenkit.Client(**flow_settings(server, "public-client", None)) as c:
        def fail(auth: tokenkit.DeviceAuthorization) -> None:
            raise RuntimeError("screen is off")

        with pytest.raises(RuntimeError, match="screen is off") as e:
            c.device_flow("read", fail, params=device_params("approve"))
        assert isinstance(e.value.__cause__, tokenkit.CancelledError)

        cancel = tokenkit.Cancel()
        start = time.monotonic()
        with pytest.raises(tokenkit.CancelledError):
            c.device_flow("read", lambda auth: threading.Timer(0.3, cancel.trigger).start(),
                          params=device_params("never"), cancel=cancel)
        assert time.monotonic() - start < 3


def test_device_authorize_then_poll(server: str) -> None:
    with tokenkit.Client(**flow_settings(server, "public-client", None)) as c:
        with c.device_authorize("read", params=device_params("approve")) as auth:
            assert auth.user_code and auth.interval == 1
            token = c.device_poll(auth)
            assert token.access_token.startswith("at-")
        with pytest.raises(tokenkit.InvalidArgumentError, match="closed"):
            c.device_poll(auth)
        auth.close()  # twice is fine


def test_revoke_and_introspect(server: str, flow_client: tokenkit.Client) -> None:
    token = flow_client.exchange_code(fresh_code())
    info = flow_client.introspect(token.access_token, "access_token")
    assert info.active and bool(info)
    assert info.client_id == "demo-client" and info.scope == "read" and info.token_type == "Bearer"
    assert info.sub == "user-1" and info.username is None
    assert isinstance(info.exp, datetime) and isinstance(info.iat, datetime) and info.exp > info.iat
    assert info.raw["iss"] == server and "active=True" in repr(info)
    before = stats(server)["revocations"]
    flow_client.revoke(token.access_token, "access_token")
    flow_client.revoke(token.refresh_token)  # type: ignore[arg-type]
    assert stats(server)["revocations"] == before + 2
    gone = flow_client.introspect(token.access_token)
    assert not gone.active and gone.scope is None and gone.exp is None and gone.raw == {"active": False}
    with pytest.raises(tokenkit.OAuthError):
        flow_client.refresh(token.refresh_token)  # type: ignore[arg-type]
    with pytest.raises(tokenkit.OAuthError) as e:
        flow_client.revoke(token.access_token, "id_token")
    assert e.value.error == "unsupported_token_type"


def test_revoking_an_unknown_token_is_fine(server: str) -> None:
    settings = dict(flow_settings(server), revocation_endpoint=server + "/revoke/strict")
    with tokenkit.Client(**settings) as c:
        c.revoke("at-never-issued")  # 200 with an invalid_token body: still success (RFC 7009 §2.2)


def test_public_clients_cannot_introspect(server: str) -> None:
    with tokenkit.Client(**flow_settings(server, "public-client", None)) as c:
        with pytest.raises(tokenkit.OAuthError) as e:
            c.introspect("at-x")
        assert e.value.error == "invalid_client" and e.value.status_code == 401


def test_calls_need_their_endpoint(client: tokenkit.Client) -> None:
    for call in (lambda: client.revoke("t"), lambda: client.introspect("t"), lambda: client.device_flow("read", print)):
        with pytest.raises(tokenkit.InvalidArgumentError, match="endpoint"):
            call()


def test_sign_in_on_a_worker_thread_runs_its_callback_there(flow_client: tokenkit.Client) -> None:
    seen: List[str] = []

    def run() -> None:
        with pytest.raises(tokenkit.TimeoutError):
            flow_client.sign_in("read", lambda url: seen.append(threading.current_thread().name), timeout=0.3)

    worker = threading.Thread(target=run, name="a-worker")
    worker.start()
    worker.join(10)
    assert seen == ["a-worker"]


def test_no_leftover_threads() -> None:
    time.sleep(0.1)
    names = [t.name for t in threading.enumerate()]
    assert not [n for n in names if n == "tokenkit-wait"], names


