"""examples/exchange.py, run as a user would: the token JSON on stdout, or one line on stderr and
the tokenkit CLI's exit status."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Optional

import pytest

from conftest import closed_port_url, env, fresh_code

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "exchange.py"


def run_example(environment: Dict[str, str]) -> subprocess.CompletedProcess:
    child = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **{k: v for k, v in environment.items() if v}}
    return subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, env=child, cwd="/", timeout=60)


def demo_env(**overrides: str) -> Dict[str, str]:
    base = {
        "TOKENKIT_TOKEN_URL": env("TOKENKIT_TEST_SERVER") + "/token",
        "TOKENKIT_CLIENT_ID": "demo-client",
        "TOKENKIT_CLIENT_SECRET": "demo-secret",
        "TOKENKIT_CODE": fresh_code(),
    }
    base.update(overrides)
    return base


def test_exchange_then_the_same_code_again() -> None:
    environment = demo_env()
    first = run_example(environment)
    assert first.returncode == 0 and first.stderr == "", first.stderr
    token = json.loads(first.stdout)
    assert token["access_token"].startswith("at-") and first.stdout.endswith("}\n")
    again = run_example(environment)
    assert again.returncode == 3 and again.stdout == ""
    assert again.stderr == "exchange: oauth_error: invalid_grant: authorization code was already used (HTTP 400)\n"


CASES = [
    # name, overrides, exit status, stderr prefix
    ("basic", dict(TOKENKIT_CLIENT_ID="basic-client", TOKENKIT_CLIENT_SECRET="basic secret:+&/é", TOKENKIT_AUTH_METHOD="basic"), 0, ""),
    ("public", dict(TOKENKIT_CLIENT_ID="public-client", TOKENKIT_CLIENT_SECRET="", TOKENKIT_AUTH_METHOD="none"), 0, ""),
    ("redirect_uri", dict(TOKENKIT_REDIRECT_URI="http://127.0.0.1/callback"), 0, ""),
    ("CA file", dict(TOKENKIT_TOKEN_URL="TLS", TOKENKIT_CA_FILE="CA"), 0, ""),
    ("no code", dict(TOKENKIT_CODE=""), 2, "exchange: invalid_argument: TOKENKIT_CODE is not set\n"),
    ("bad auth method", dict(TOKENKIT_AUTH_METHOD="magic"), 2, "exchange: invalid_argument: TOKENKIT_AUTH_METHOD"),
    ("missing secret", dict(TOKENKIT_CLIENT_SECRET=""), 2, "exchange: invalid_argument: "),
    ("wrong secret", dict(TOKENKIT_CLIENT_SECRET="WRONG"), 3, "exchange: oauth_error: invalid_client: "),
    ("closed port", dict(TOKENKIT_TOKEN_URL="CLOSED"), 4, "exchange: transport_error: "),
    ("untrusted TLS", dict(TOKENKIT_TOKEN_URL="TLS"), 4, "exchange: tls_error: "),
    ("500 page", dict(TOKENKIT_TOKEN_URL="/fault/500"), 5, "exchange: http_error (HTTP 500): "),
    ("malformed", dict(TOKENKIT_TOKEN_URL="/fault/malformed"), 5, "exchange: protocol_error (HTTP 200): "),
    ("insecure", dict(TOKENKIT_TOKEN_URL="http://api.home.nest.com/oauth2/access_token"), 6, "exchange: insecure: "),
]


@pytest.mark.parametrize("name, overrides, status, stderr", CASES, ids=[c[0] for c in CASES])
def test_cases(name: str, overrides: Dict[str, str], status: int, stderr: str) -> None:
    server = env("TOKENKIT_TEST_SERVER")
    url: Optional[str] = overrides.get("TOKENKIT_TOKEN_URL")
    if url == "TLS":
        overrides["TOKENKIT_TOKEN_URL"] = env("TOKENKIT_TEST_TLS_URL")
    elif url == "CLOSED":
        overrides["TOKENKIT_TOKEN_URL"] = closed_port_url()
    elif url and url.startswith("/"):
        overrides["TOKENKIT_TOKEN_URL"] = server + url
    if overrides.get("TOKENKIT_CA_FILE") == "CA":
        overrides["TOKENKIT_CA_FILE"] = env("TOKENKIT_TEST_CA_FILE")
    result = run_example(demo_env(**overrides))
    assert result.returncode == status and result.stderr.startswith(stderr), (result.returncode, result.stderr)
    assert result.stderr.count("\n") == min(status, 1)
    assert (result.stdout != "") == (status == 0)
    assert "WRONG" not in result.stdout + result.stderr


def test_ctrl_c_cancels_the_request() -> None:
    environment = demo_env(TOKENKIT_TOKEN_URL=env("TOKENKIT_TEST_SERVER") + "/fault/hang")
    child = subprocess.Popen(
        [sys.executable, str(EXAMPLE)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={"PATH": os.environ.get("PATH", ""), **environment}, cwd="/",
    )
    time.sleep(1.0)  # the interpreter has started and the request is waiting for its answer
    start = time.monotonic()
    child.send_signal(signal.SIGINT)
    stdout, stderr = child.communicate(timeout=10)
    assert child.returncode == 7 and stdout == "" and stderr.startswith("exchange: cancelled: "), stderr
    assert time.monotonic() - start < 2
