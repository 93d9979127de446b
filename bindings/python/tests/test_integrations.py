"""tokenkit.requests and tokenkit.httpx against a resource server on loopback that checks each
bearer token by introspecting it at the mock server; a revoked token gets a 401 with
WWW-Authenticate: Bearer error="invalid_token", which must cost one refresh and one retry."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List

import pytest

import tokenkit
from tokenkit import _bearer
from conftest import fresh_code, stats, urlencode

requests = pytest.importorskip("requests")  # installed by the test extra; see README
httpx = pytest.importorskip("httpx")
import tokenkit.httpx  # noqa: E402
import tokenkit.requests  # noqa: E402


class ResourceServer:
    def __init__(self, authorization_server: str) -> None:
        self.seen: List[Dict[str, Any]] = []
        introspect_url = authorization_server + "/introspect"
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def handle_any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                auth = self.headers.get("Authorization", "")
                token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else ""
                outer.seen.append({"path": self.path, "token": token, "body": body})
                if self.path == "/no-error-401":
                    return self.answer(401, {"error": "nope"}, 'Bearer realm="api"')
                form = urlencode(token=token, client_id="demo-client", client_secret="demo-secret").encode()
                with urllib.request.urlopen(introspect_url, form, timeout=10) as r:
                    active = json.load(r)["active"]
                if self.path == "/always-invalid" or not active:
                    challenge = 'Basic realm="x", Bearer realm="api", error="invalid_token", error_description="no"'
                    return self.answer(401, {"error": "invalid_token"}, challenge)
                self.answer(200, {"ok": True, "token": token, "body": body})

            def answer(self, status: int, doc: Dict[str, Any], challenge: str = "") -> None:
                data = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if challenge:
                    self.send_header("WWW-Authenticate", challenge)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = handle_any

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def api(server: str) -> Iterator[ResourceServer]:
    resource = ResourceServer(server)
    yield resource
    resource.close()


@pytest.fixture
def revoked(server: str, flow_client: tokenkit.Client) -> Iterator[tokenkit.TokenSource]:
    """A source whose current access token the server revoked (it does not know yet)."""
    token = flow_client.exchange_code(fresh_code())
    source = tokenkit.TokenSource(flow_client, token)
    flow_client.revoke(token.access_token)
    yield source
    source.close()


def refreshes(server: str) -> int:
    count: int = stats(server)["by_grant"]["refresh_token"]
    return count


def test_requests_refreshes_once_after_invalid_token(server: str, api: ResourceServer, revoked: tokenkit.TokenSource) -> None:
    stale = revoked.access_token()
    before = refreshes(server)
    with requests.Session() as session:
        session.auth = tokenkit.requests.BearerAuth(revoked)
        response = session.post(api.url + "/things", data=b"payload")
        assert response.status_code == 200 and response.json()["body"] == "payload"
        assert [r.status_code for r in response.history] == [401]
        assert response.json()["token"] == revoked.access_token() != stale
        assert refreshes(server) == before + 1
        # The new token serves the next requests, with no refresh; a file body is sent whole twice.
        assert session.get(api.url + "/things").status_code == 200
        assert session.post(api.url + "/things", data=io.BytesIO(b"file body")).json()["body"] == "file body"
        assert refreshes(server) == before + 1
        # A 401 that does not say invalid_token is returned as it is; one that says it again after
        # the retry too (no loop).
        assert session.get(api.url + "/no-error-401").status_code == 401
        again = session.get(api.url + "/always-invalid")
        assert again.status_code == 401 and len(again.history) == 1
    assert refreshes(server) == before + 2
    assert isinstance(tokenkit.requests.BearerAuth(revoked), requests.auth.AuthBase)


def test_requests_threads_share_one_refresh(server: str, api: ResourceServer, revoked: tokenkit.TokenSource) -> None:
    auth = tokenkit.requests.BearerAuth(revoked)
    stale = revoked.access_token()
    before = refreshes(server)
    statuses: List[int] = []
    barrier = threading.Barrier(8)

    def call() -> None:
        barrier.wait()
        statuses.append(requests.get(api.url + "/things", auth=auth, timeout=10).status_code)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert statuses == [200] * 8
    # Each 401 refreshes only if the token it sent is still the source's: one refresh, or a few
    # when a thread's 401 comes after another's refresh completed; never one per request.
    assert 1 <= refreshes(server) - before < 8 and revoked.access_token() != stale


def test_httpx_sync(server: str, api: ResourceServer, revoked: tokenkit.TokenSource) -> None:
    before = refreshes(server)
    with httpx.Client(auth=tokenkit.httpx.BearerAuth(revoked)) as http:
        response = http.post(api.url + "/things", content=b"payload")
        assert response.status_code == 200 and response.json()["body"] == "payload"
        assert [r.status_code for r in response.history] == [401]
        assert http.get(api.url + "/things").status_code == 200
        assert http.get(api.url + "/no-error-401").status_code == 401
    assert refreshes(server) == before + 1


def test_httpx_async(server: str, api: ResourceServer, revoked: tokenkit.TokenSource) -> None:
    async def main() -> None:
        auth = tokenkit.httpx.BearerAuth(tokenkit.aio.TokenSource.wrap(revoked))
        async with httpx.AsyncClient(auth=auth) as http:
            response = await http.post(api.url + "/things", content=b"payload")
            assert response.status_code == 200 and response.json()["body"] == "payload"
            assert len(response.history) == 1
            responses = await asyncio.gather(*(http.get(api.url + "/things") for _ in range(8)))
            assert [r.status_code for r in responses] == [200] * 8

    before = refreshes(server)
    asyncio.run(main())
    assert refreshes(server) == before + 1


@pytest.mark.parametrize(
    "header, wanted",
    [
        ('Bearer error="invalid_token"', True),
        ('Bearer realm="api", error="invalid_token", error_description="expired"', True),
        ("bearer error=invalid_token", True),
        ('Basic realm="x", Bearer error="invalid_token"', True),
        ('Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple", Bearer error="invalid_token"', True),
        ('Bearer realm="api"', False),
        ('Bearer error="insufficient_scope"', False),
        ('Bearer error="invalid_token_x"', False),
        ('DPoP error="invalid_token"', False),
        ('Basic realm="error=\\"invalid_token\\""', False),
        ("Negotiate abc123==, Bearer error=invalid_token", True),
        ("", False),
    ],
)
def test_www_authenticate(header: str, wanted: bool) -> None:
    assert _bearer.wants_new_token(401, header) is wanted
    assert _bearer.wants_new_token(403, header) is False


def test_importing_tokenkit_imports_neither_library() -> None:
    code = "import sys, tokenkit, tokenkit.aio; print('requests' in sys.modules, 'httpx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, cwd="/")
    assert out.stdout.split() == ["False", "False"], out.stderr


def test_bearer_auth_needs_a_source() -> None:
    with pytest.raises(tokenkit.ArgumentTypeError, match="source"):
        tokenkit.requests.BearerAuth("token")
    with pytest.raises(tokenkit.ArgumentTypeError, match="source"):
        tokenkit.httpx.BearerAuth(None)
