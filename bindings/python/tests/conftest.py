"""Shared helpers: the local servers scripts/with_servers.sh starts (the mock authorization
server of tools/mock-server, over HTTP and HTTPS), fresh codes, the server's /stats, a
"browser" for loopback sign-ins, and servers that never answer. A test that needs a server fails,
never skips, when it is not there."""

from __future__ import annotations

import itertools
import json
import os
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

import tokenkit

CHECKOUT = Path(__file__).resolve().parents[3]
HEADER = CHECKOUT / "include" / "tokenkit.h"


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(
            f"{name} is not set: these tests need the local test servers; from the repository root run\n"
            "  scripts/with_servers.sh bash -c 'cd bindings/python && python -m pytest'",
            pytrace=False,
        )
    return value


@pytest.fixture(scope="session")
def server() -> str:
    """The mock authorization server's base URL, http://127.0.0.1:PORT."""
    return env("TOKENKIT_TEST_SERVER")


_serial = itertools.count(1)


def fresh_code() -> str:
    """An authorization code the mock server accepts once (any fresh "code-...")."""
    return f"code-py-{os.getpid()}-{next(_serial)}"


def fresh_key(what: str = "k") -> str:
    """A key of its own for the server's counted routes (/flaky/0/KEY/token, /held/...)."""
    return f"py-{what}-{os.getpid()}-{next(_serial)}"


def stats(server: str) -> Dict[str, Any]:
    with urllib.request.urlopen(server + "/stats", timeout=10) as response:
        value: Dict[str, Any] = json.load(response)
        return value


def demo(server: str, path: str = "/token", **settings: Any) -> tokenkit.Client:
    """demo-client (client_secret_post) at the token endpoint `path`."""
    return tokenkit.Client(token_url=server + path, client_id="demo-client", client_secret="demo-secret", **settings)


def flow_settings(server: str, client_id: str = "demo-client", secret: Optional[str] = "demo-secret") -> Dict[str, Any]:
    """Every endpoint of the mock server; secret None makes a public client."""
    return dict(
        token_url=server + "/token",
        authorization_endpoint=server + "/authorize",
        device_authorization_endpoint=server + "/device_authorization",
        revocation_endpoint=server + "/revoke",
        introspection_endpoint=server + "/introspect",
        client_id=client_id,
        client_secret=secret,
        auth_method="post" if secret else "none",
    )


@pytest.fixture
def client(server: str) -> Iterator[tokenkit.Client]:
    with demo(server) as c:
        yield c


@pytest.fixture
def flow_client(server: str) -> Iterator[tokenkit.Client]:
    with tokenkit.Client(**flow_settings(server)) as c:
        yield c


def token_expiring_in(client: tokenkit.Client, seconds: int) -> tokenkit.Token:
    """A fresh code exchanged for a token whose access token lives `seconds`."""
    return client.exchange_code(fresh_code(), params={"mock_expires_in": str(seconds)})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_no_redirects = urllib.request.build_opener(_NoRedirect)


def get_no_redirect(url: str) -> tuple:
    """(status, Location) of a GET that does not follow redirects."""
    try:
        with _no_redirects.open(url, timeout=10) as response:
            return response.status, response.headers.get("Location")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Location")


class Browser:
    """Plays the user's browser for sign_in: open_url records the URL and, on a thread of its
    own (the library asks open_url to return promptly), GETs it and follows the authorization
    server's 302 to the library's loopback listener."""

    def __init__(self) -> None:
        self.opened: List[str] = []
        self.errors: List[str] = []
        self.threads: List[threading.Thread] = []

    def __call__(self, url: str) -> None:
        self.opened.append(url)
        thread = threading.Thread(target=self._visit, args=(url,), daemon=True)
        self.threads.append(thread)
        thread.start()

    def _visit(self, url: str) -> None:
        try:
            status, location = get_no_redirect(url)
            if status != 302 or not location:
                self.errors.append(f"GET {url}: {status}, Location {location!r}")
                return
            get_no_redirect(location)
        except Exception as e:  # reported by join()
            self.errors.append(f"{type(e).__name__}: {e}")

    def join(self) -> None:
        for thread in self.threads:
            thread.join(10)
        assert not self.errors, self.errors


def closed_port_url() -> str:
    """A loopback token endpoint nobody listens on: a port bound, then released."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/token"


@pytest.fixture
def hanging_url() -> Iterator[str]:
    """The base URL of a loopback server that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    conns: List[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conns.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % listener.getsockname()[1]
    stop.set()
    listener.close()
    for conn in conns:
        conn.close()


def rss_bytes() -> int:
    """Resident memory of this process (Linux /proc)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def urlencode(**fields: str) -> str:
    return urllib.parse.urlencode(fields)
