"""Against oidc-provider (npm), a certified server nobody on this project wrote: discovery, loopback
sign-in (its "browser" is tests/interop/get-code.mjs), a denied consent, a code minted by hand and
reused, the device flow, a token source shared by 16 threads with rotating refresh tokens,
introspection, revocation and client credentials; sync and asyncio. Run through
tests/interop/run.sh, which starts the provider and sets TOKENKIT_INTEROP_ISSUER and
TOKENKIT_INTEROP_DIR; without it these tests are skipped (see the README's test command)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
from typing import List

import pytest

import tokenkit
import tokenkit.aio

SCOPE = "openid offline_access read"


@pytest.fixture(scope="module")
def issuer() -> str:
    value = os.environ.get("TOKENKIT_INTEROP_ISSUER")
    if not value:
        pytest.skip("oidc-provider is not running: run the tests through tests/interop/run.sh")
    return value


def get_code(*args: str) -> subprocess.Popen:
    script = os.path.join(os.environ["TOKENKIT_INTEROP_DIR"], "get-code.mjs")
    return subprocess.Popen(["node", script, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


class GetCodeBrowser:
    """open_browser for sign_in: get-code.mjs logs in, consents (or denies) and follows the
    redirect to the library's listener."""

    def __init__(self, *flags: str) -> None:
        self.flags = flags or ("--follow",)
        self.children: List[subprocess.Popen] = []

    def __call__(self, url: str) -> None:
        self.children.append(get_code("--url", url, *self.flags))

    def reap(self) -> None:
        for child in self.children:
            child.communicate(timeout=60)


def discovered(issuer: str, client_id: str, secret: str = "", method: str = "post") -> tokenkit.Client:
    return tokenkit.Client.from_issuer(
        issuer, client_id=client_id, client_secret=secret or None, auth_method=method if secret else "none"
    )


def test_discovery(issuer: str) -> None:
    metadata = tokenkit.discover(issuer)
    assert metadata["issuer"] == issuer and "revocation_endpoint" in metadata and "introspection_endpoint" in metadata
    with pytest.raises(tokenkit.ProtocolError):
        tokenkit.discover(issuer + "/")  # not exactly the provider's issuer


def test_sign_in_and_code_grant(issuer: str) -> None:
    with discovered(issuer, "tk-public") as public:
        browser = GetCodeBrowser()
        token = public.sign_in(SCOPE, browser, timeout=60, params={"prompt": "consent"})
        browser.reap()
        assert token.refresh_token and token.id_token and token.expires_in and token.expires_in > 0
        denier = GetCodeBrowser("--deny")
        with pytest.raises(tokenkit.OAuthError) as e:
            public.sign_in(SCOPE, denier, timeout=60, params={"prompt": "consent"})
        denier.reap()
        assert e.value.error == "access_denied"

    with discovered(issuer, "tk-post", "tk-post-secret") as confidential:
        redirect_uri = "http://127.0.0.1/callback"
        request = confidential.authorization_url(redirect_uri, "openid read")
        child = get_code("--url", request.url)
        code, err = child.communicate(timeout=60)
        code = code.strip()
        assert code, err
        token = confidential.exchange_code(code, redirect_uri, request.code_verifier)
        assert tokenkit.Token.from_json(token.to_json()).access_token == token.access_token
        with pytest.raises(tokenkit.OAuthError) as reused:
            confidential.exchange_code(code, redirect_uri, request.code_verifier)
        assert reused.value.error == "invalid_grant"
        assert code not in str(reused.value) and code not in (reused.value.body or "")


def test_device_flow(issuer: str) -> None:
    approvers: List[subprocess.Popen] = []
    with discovered(issuer, "tk-public") as public:
        token = public.device_flow(SCOPE, lambda auth: approvers.append(get_code("--issuer", issuer, "--user-code", auth.user_code)))
    for approver in approvers:
        approver.communicate(timeout=60)
    assert len(token.access_token) > 10


def test_source_revoke_introspect(issuer: str) -> None:
    with discovered(issuer, "tk-basic", "tk-basic-secret", "basic") as client:
        browser = GetCodeBrowser()
        first = client.sign_in(SCOPE, browser, timeout=60, params={"prompt": "consent"})
        browser.reap()
        changes: List[tokenkit.Token] = []
        lock = threading.Lock()

        def on_change(token: tokenkit.Token) -> None:
            with lock:
                changes.append(token)

        # From the refresh token alone: one refresh for 16 threads, the rotated token reaches on_change.
        with tokenkit.TokenSource(client, refresh_token=first.refresh_token, on_change=on_change) as source:
            barrier = threading.Barrier(16)
            got: List[str] = []

            def ask() -> None:
                barrier.wait()
                got.append(source.access_token())

            threads = [threading.Thread(target=ask) for _ in range(16)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            assert len(got) == 16 and len(set(got)) == 1 and len(changes) == 1
            rotated = changes[0].refresh_token
            assert rotated and rotated != first.refresh_token

            access = source.access_token()
            info = client.introspect(access, "access_token")
            assert info.active and info.client_id == "tk-basic" and info.exp and info.iat and info.exp > info.iat
            client.revoke(access, "access_token")
            assert not client.introspect(access).active
            client.revoke(rotated, "refresh_token")
            with pytest.raises(tokenkit.OAuthError) as e:
                source.refresh()
            assert e.value.error == "invalid_grant"
        assert client.client_credentials("read write").access_token


def test_asyncio(issuer: str) -> None:
    async def main() -> None:
        client = await tokenkit.aio.Client.from_issuer(issuer, client_id="tk-post", client_secret="tk-post-secret")
        async with client:
            token = await client.client_credentials("read")
            assert (await client.introspect(token.access_token)).active
            await client.revoke(token.access_token)

    asyncio.run(main())
