"""The interop matrix against Ory Hydra v2.3.0 on loopback (tests/interop/hydra), as the CLI, C,
Go and Java run it: discovery with the issuer check, code exchange (client_secret_post,
client_secret_basic, a public client with PKCE), code reuse, refresh with rotation and the
rotated-out refresh token refused, client credentials with a scope, a wrong secret, introspection
on the admin port with an introspection-only client, revocation (also of an invalid token), and
loopback sign-in with a tampered state and a denied consent. Where Hydra departs from an RFC, the
test records what the server does, names the RFC, and asserts what tokenkit does. Skipped unless
tests/interop/hydra/run.sh set the environment; from the repository root:

  tests/interop/hydra/run.sh bash -c 'cd bindings/python && ../../target/python-venv/bin/python -m pytest tests/test_hydra.py'
"""

from __future__ import annotations

import base64
import os
import subprocess
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import List, Optional, Tuple

import pytest

import tokenkit

CALLBACK = "http://127.0.0.1/callback"
GRANTED = "openid offline_access read write"


@dataclass(frozen=True)
class Hydra:
    """The running Hydra: its issuer (public port), admin URL and the folder of get-code.mjs."""

    issuer: str
    admin: str
    dir: str

    @property
    def introspection(self) -> str:
        # Only on the admin port, and in no metadata.
        return self.admin + "/admin/oauth2/introspect"

    def client(self, client_id: str, secret: Optional[str] = None, method: str = "none") -> tokenkit.Client:
        """A client from discovery, plus the introspection endpoint on the admin port; secret None
        makes a public client."""
        return tokenkit.Client.from_issuer(
            self.issuer,
            client_id=client_id,
            client_secret=secret,
            auth_method=method,
            introspection_endpoint=self.introspection,
            timeout=20,
        )

    def browser(self, *args: str) -> "subprocess.Popen[str]":
        """get-code.mjs with these arguments, started."""
        return subprocess.Popen(
            ["node", os.path.join(self.dir, "get-code.mjs"), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def code(self, client: tokenkit.Client, scope: str) -> Tuple[str, str]:
        """Signs the test user in for the client's own authorization URL: (code, PKCE verifier)."""
        request = client.authorization_url(CALLBACK, scope)
        child = self.browser("--url", request.url)
        out, err = child.communicate(timeout=30)
        assert child.returncode == 0 and out.strip(), f"get-code.mjs: {err}"
        return out.strip(), request.code_verifier


@pytest.fixture(scope="module")
def hydra() -> Hydra:
    names = ("TOKENKIT_HYDRA_ISSUER", "TOKENKIT_HYDRA_ADMIN_URL", "TOKENKIT_HYDRA_DIR")
    values = [os.environ.get(name, "") for name in names]
    if not all(values):
        pytest.skip(
            "Hydra is not running: tests/interop/hydra/run.sh sets TOKENKIT_HYDRA_ISSUER, "
            "TOKENKIT_HYDRA_ADMIN_URL and TOKENKIT_HYDRA_DIR"
        )
    return Hydra(*values)


def active(client: tokenkit.Client, token: str) -> bool:
    """Whether Hydra says the token is active."""
    return client.introspect(token).active


def test_discovery(hydra: Hydra) -> None:
    metadata = tokenkit.discover(hydra.issuer)
    assert metadata["issuer"] == hydra.issuer
    assert "revocation_endpoint" in metadata
    assert "introspection_endpoint" not in metadata, "Hydra now lists an introspection endpoint"
    # RFC 8414 §3.3: the document must name exactly the issuer asked for.
    with pytest.raises(tokenkit.ProtocolError) as e:
        tokenkit.discover(hydra.issuer + "/")
    assert "RFC 8414" in str(e.value)


@pytest.mark.parametrize(
    "client_id, secret, method",
    [("tk-post", "tk-post-secret", "post"), ("tk-basic", "tk-basic-secret", "basic"), ("tk-public", None, "none")],
)
def test_code_exchange(hydra: Hydra, client_id: str, secret: Optional[str], method: str) -> None:
    with hydra.client(client_id, secret, method) as client, hydra.client("tk-basic", "tk-basic-secret", "basic") as introspector:
        code, verifier = hydra.code(client, "openid offline_access read")
        token = client.exchange_code(code, CALLBACK, verifier)
        assert token.refresh_token and token.id_token, token
        assert token.scope == "openid offline_access read"
        # Hydra sends "bearer"; the type is case-insensitive (RFC 6749 §5.1).
        assert token.raw["token_type"] == "bearer", "Hydra's token_type changed"
        assert token.token_type == "Bearer"

        with pytest.raises(tokenkit.OAuthError) as reused:
            client.exchange_code(code, CALLBACK)
        assert reused.value.error == "invalid_grant" and reused.value.status_code == 400
        assert code not in str(reused.value) and code not in (reused.value.body or "")
        # Hydra also revokes what the code gave (RFC 6749 §4.1.2 says it SHOULD).
        assert not active(introspector, token.access_token), "the reused code's first access token is still active"

        if method == "none":
            # Hydra requires PKCE of a public client: without the verifier the code is refused.
            another, _ = hydra.code(client, "read")
            with pytest.raises(tokenkit.OAuthError) as e:
                client.exchange_code(another, CALLBACK)
            assert e.value.error == "invalid_grant"


def test_refresh_rotation(hydra: Hydra) -> None:
    with hydra.client("tk-basic", "tk-basic-secret", "basic") as client:
        code, verifier = hydra.code(client, GRANTED)
        first = client.exchange_code(code, CALLBACK, verifier)
        assert first.refresh_token
        # RFC 6749 §6 lets a refresh narrow the scope; Hydra ignores `scope` and keeps the granted
        # one. tokenkit sends it and reports the scope the server granted.
        second = client.refresh(first.refresh_token, "read")
        assert second.scope == GRANTED, f"scope after a narrowing refresh {second.scope!r}: Hydra now honours it"
        rotated = second.refresh_token
        assert rotated and rotated != first.refresh_token, "the refresh token did not rotate"

        # A token source from the rotated refresh token: of 8 threads asking at once, one
        # refreshes (two refreshes would replay a refresh token, which Hydra punishes), and the
        # next rotation reaches on_change.
        changes: List[str] = []
        lock = threading.Lock()

        def on_change(token: tokenkit.Token) -> None:
            with lock:
                changes.append(token.refresh_token or "")

        with tokenkit.TokenSource(client, refresh_token=rotated, on_change=on_change) as source:
            barrier = threading.Barrier(8)
            got: List[str] = []
            errors: List[BaseException] = []

            def ask() -> None:
                try:
                    barrier.wait(10)
                    got.append(source.access_token())
                except BaseException as e:  # noqa: B036 - reported below
                    errors.append(e)

            threads = [threading.Thread(target=ask) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            assert not errors, errors
            assert len(got) == 8 and len(set(got)) == 1
            assert len(changes) == 1 and changes[0] and changes[0] != rotated, "want one refresh, with a rotated token"
            at = source.access_token()
            assert active(client, at)

            # The rotated-out refresh token is refused...
            with pytest.raises(tokenkit.OAuthError) as e:
                client.refresh(rotated)
            assert e.value.error == "invalid_grant"
            # ...and Hydra treats the replay as theft (RFC 9700 §4.14.2): the whole grant is
            # revoked, so the source's next refresh fails with the server's invalid_grant.
            assert not active(client, at), "the replay left the source's access token active"
            with pytest.raises(tokenkit.OAuthError) as e:
                source.refresh()
            assert e.value.error == "invalid_grant"


def test_client_credentials(hydra: Hydra) -> None:
    with hydra.client("tk-basic", "tk-basic-secret", "basic") as client:
        token = client.client_credentials("read write")
        assert token.scope == "read write"
        assert token.refresh_token is None


@pytest.mark.parametrize("client_id, method", [("tk-basic", "basic"), ("tk-post", "post")])
def test_wrong_secret(hydra: Hydra, client_id: str, method: str) -> None:
    with hydra.client(client_id, "WRONG-SECRET", method) as client:
        with pytest.raises(tokenkit.OAuthError) as e:
            client.client_credentials("read")
    assert e.value.error == "invalid_client" and e.value.status_code == 401, e.value
    assert "WRONG-SECRET" not in str(e.value) and "WRONG-SECRET" not in (e.value.body or "")


def test_basic_401_has_no_www_authenticate(hydra: Hydra) -> None:
    # RFC 6749 §5.2: a 401 for a client that authenticated with Basic MUST carry WWW-Authenticate.
    # Hydra's has none; tokenkit reads the error from the body all the same (test_wrong_secret).
    request = urllib.request.Request(
        hydra.issuer + "/oauth2/token",
        data=b"grant_type=client_credentials",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "Basic " + base64.b64encode(b"tk-basic:WRONG-SECRET").decode(),
        },
    )
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(request, timeout=10)
    e.value.close()
    assert e.value.code == 401
    assert e.value.headers.get("WWW-Authenticate") is None, "Hydra now sends WWW-Authenticate"


def test_introspection_and_revocation(hydra: Hydra) -> None:
    with hydra.client("tk-basic", "tk-basic-secret", "basic") as basic, hydra.client(
        "tk-post", "tk-post-secret", "post"
    ) as post:
        token = basic.client_credentials("read write")
        # Introspection on the admin port by a client with that one endpoint and nothing else.
        with tokenkit.Client(
            client_id="tk-basic", client_secret="tk-basic-secret", auth_method="basic", introspection_endpoint=hydra.introspection
        ) as only:
            info = only.introspect(token.access_token, "access_token")
            assert info.active and info.client_id == "tk-basic" and info.scope == "read write", info
            assert info.exp and info.iat and info.exp > info.iat, info
            assert not only.introspect("ory_at_not-a-token").active
            # It has no token endpoint: a grant is refused before anything is sent.
            with pytest.raises(tokenkit.InvalidArgumentError):
                only.client_credentials()
        # RFC 7662 §2.1: the endpoint requires authorization. Hydra's admin port answers anyone;
        # a wrong secret changes nothing (tokenkit sends the credentials it was given).
        with tokenkit.Client(
            client_id="tk-basic", client_secret="WRONG-SECRET", auth_method="basic", introspection_endpoint=hydra.introspection
        ) as wrong:
            assert wrong.introspect(token.access_token).active, "Hydra's admin introspection now checks the client"

        # RFC 7009 §2.1: the server refuses to revoke a token issued to another client. Hydra
        # answers 200 and keeps the token; tokenkit reports the success it was told of (§2.2).
        post.revoke(token.access_token, "access_token")
        assert active(basic, token.access_token), "Hydra now revokes another client's token: expect an error here"
        # An invalid token: success (RFC 7009 §2.2).
        basic.revoke("ory_at_not-a-token")
        basic.revoke(token.access_token, "access_token")
        assert not active(basic, token.access_token), "revoked token still active"


class Browser:
    """open_browser for sign_in: get-code.mjs in `mode` (--follow, --deny, --tamper-state) takes
    the URL through Hydra and the login/consent app to the library's loopback listener."""

    def __init__(self, hydra: Hydra, mode: str) -> None:
        self.hydra = hydra
        self.mode = mode
        self.child: Optional["subprocess.Popen[str]"] = None
        self.output: Optional[Tuple[str, str]] = None

    def __call__(self, url: str) -> None:
        self.child = self.hydra.browser("--url", url, self.mode)

    def wait(self) -> None:
        if self.child is not None and self.output is None:
            self.output = self.child.communicate(timeout=30)

    def lines(self) -> List[str]:
        """The browser's output lines, once it has finished."""
        assert self.child is not None, "the browser was never opened"
        self.wait()
        assert self.output is not None
        assert self.child.returncode == 0, f"get-code.mjs {self.mode}: {self.output[1]}"
        return self.output[0].strip().split("\n")


def sign_in(client: tokenkit.Client, browser: Browser) -> tokenkit.Token:
    try:
        return client.sign_in("openid offline_access read", browser, timeout=30)
    finally:
        browser.wait()  # leaves no browser running behind a failure


def test_sign_in(hydra: Hydra) -> None:
    with hydra.client("tk-public") as public:
        # A redirect with a tampered state first: the listener refuses it and keeps waiting; then
        # the real one. Hydra sends no iss: RFC 9207 is optional, and its metadata promises none.
        assert "authorization_response_iss_parameter_supported" not in (public.metadata or {})
        browser = Browser(hydra, "--tamper-state")
        token = sign_in(public, browser)
        lines = browser.lines()
        assert len(lines) == 2, lines
        assert lines[0].startswith("HTTP 400 ") and "not the one the application is waiting for" in lines[0], lines
        assert lines[1].startswith("HTTP 200 "), lines
        assert token.refresh_token and token.id_token, token

        denier = Browser(hydra, "--deny")
        with pytest.raises(tokenkit.OAuthError) as e:
            sign_in(public, denier)
        assert e.value.error == "access_denied"
        denier.lines()

    with hydra.client("tk-post", "tk-post-secret", "post") as post:
        follower = Browser(hydra, "--follow")
        assert sign_in(post, follower).access_token
        assert follower.lines()[0].startswith("HTTP 200 ")
