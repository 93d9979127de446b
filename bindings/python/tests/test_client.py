"""The grants, the Token, the client's settings and lifecycle, against the mock server."""

from __future__ import annotations

import gc
import json
import os
import pickle
import time
import weakref
from datetime import datetime, timedelta, timezone

import pytest

import tokenkit
from conftest import demo, fresh_code, fresh_key, stats, token_expiring_in


def test_exchange_code_and_the_token(client: tokenkit.Client) -> None:
    before = time.time()
    token = client.exchange_code(fresh_code())
    assert token.access_token.startswith("at-")
    assert token.token_type == "Bearer"
    assert token.expires_in == 3600
    assert isinstance(token.expires_at, datetime) and token.expires_at.tzinfo is not None
    assert before + 3600 - 2 <= token.expires_at.timestamp() <= time.time() + 3600 + 1
    assert token.refresh_token is not None and token.refresh_token.startswith("rt-")
    assert token.scope == "read"
    assert token.id_token is None
    raw = token.raw
    assert raw["access_token"] == token.access_token and raw["expires_in"] == 3600
    raw["access_token"] = "changed"  # a new dict each time: the token stays as it was
    assert token.raw["access_token"] == token.access_token
    with pytest.raises(AttributeError):
        token.access_token = "x"  # type: ignore[misc]


def test_token_repr_and_str_hide_secrets(client: tokenkit.Client) -> None:
    token = client.exchange_code(fresh_code())
    for text in (repr(token), str(token), f"{token}", repr([token])):
        assert token.access_token not in text
        assert token.refresh_token not in text  # type: ignore[operator]
        assert "<redacted>" in text and "scope='read'" in text


def test_saved_format_round_trip(client: tokenkit.Client) -> None:
    token = client.exchange_code(fresh_code())
    saved = token.to_json()
    fields = json.loads(saved)
    assert fields == {
        "access_token": token.access_token,
        "token_type": "Bearer",
        "expires_at": int(token.expires_at.timestamp()),  # type: ignore[union-attr]
        "refresh_token": token.refresh_token,
        "scope": "read",
    }
    back = tokenkit.Token.from_json(saved)
    assert back == token
    for name in ("access_token", "token_type", "expires_at", "refresh_token", "scope", "id_token"):
        assert getattr(back, name) == getattr(token, name), name
    assert back.to_json() == saved
    assert pickle.loads(pickle.dumps(token)) == token
    # Any JSON object with an access_token reads; expires_at may be a numeric string.
    other = tokenkit.Token.from_json('{"access_token":"a","expires_at":"4102444800"}')
    assert other.expires_at == datetime(2100, 1, 1, tzinfo=timezone.utc)
    assert other.refresh_token is None and other.token_type == "Bearer"
    assert other != token
    with pytest.raises(TypeError):
        tokenkit.Token()  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "bad, words",
    [("not json", "JSON"), ("[1]", "object"), ('{"token_type":"Bearer"}', "access_token"), ('{"access_token":5}', "access_token")],
)
def test_from_json_refuses(bad: str, words: str) -> None:
    with pytest.raises(tokenkit.InvalidArgumentError) as e:
        tokenkit.Token.from_json(bad)
    assert words in str(e.value)


def test_refresh_and_client_credentials(client: tokenkit.Client) -> None:
    token = client.exchange_code(fresh_code())
    refreshed = client.refresh(token.refresh_token)  # type: ignore[arg-type]
    assert refreshed.access_token != token.access_token and refreshed.access_token.startswith("at-")
    assert refreshed.refresh_token is None  # demo-client's refreshes keep the old refresh token
    narrowed = client.refresh(token.refresh_token, "read")  # type: ignore[arg-type]
    assert narrowed.scope == "read"
    cc = client.client_credentials("read write", params={"audience": "https://api"})
    assert cc.scope == "read write" and cc.refresh_token is None
    with pytest.raises(tokenkit.OAuthError) as e:
        client.refresh(token.refresh_token, "admin")  # type: ignore[arg-type]
    assert e.value.error == "invalid_scope"


def test_params_go_to_the_server(server: str) -> None:
    with demo(server, "/echo") as echo:
        token = echo.client_credentials("s", params=[("resource", "https://a"), ("resource", "https://b")])
    body = token.raw["request_body"]
    assert "resource=https%3A%2F%2Fa&resource=https%3A%2F%2Fb" in body and "scope=s" in body
    assert "client_secret=demo-secret" in body and token.raw["authorization"] == ""
    assert token.raw["user_agent"].startswith("tokenkit/")


def test_auth_methods(server: str) -> None:
    with tokenkit.Client(
        token_url=server + "/echo", client_id="basic-client", client_secret="basic secret:+&/é", auth_method="basic",
        user_agent="tokenkit-python-test",
    ) as basic:
        token = basic.client_credentials()
    assert token.raw["authorization"].startswith("Basic ") and "client_secret" not in token.raw["request_body"]
    assert token.raw["user_agent"] == "tokenkit-python-test"
    with tokenkit.Client(
        token_url=server + "/token", client_id="basic-client", client_secret="basic secret:+&/é", auth_method="client_secret_basic"
    ) as basic:
        assert basic.exchange_code(fresh_code()).access_token.startswith("at-")
    with tokenkit.Client(token_url=server + "/token", client_id="public-client", auth_method="none") as public:
        assert public.exchange_code(fresh_code()).access_token.startswith("at-")


def test_https_with_a_ca_file() -> None:
    url, ca = os.environ["TOKENKIT_TEST_TLS_URL"], os.environ["TOKENKIT_TEST_CA_FILE"]
    from pathlib import Path

    for ca_file in (ca, Path(ca), [ca]):
        with tokenkit.Client(token_url=url, client_id="demo-client", client_secret="demo-secret", ca_file=ca_file) as c:
            assert c.exchange_code(fresh_code()).access_token.startswith("tls-at-")
    with tokenkit.Client(token_url=url, client_id="demo-client", client_secret="demo-secret", timeout=5) as untrusted:
        with pytest.raises(tokenkit.TLSError):
            untrusted.exchange_code(fresh_code())


def test_one_call_exchange_code(server: str) -> None:
    token = tokenkit.exchange_code(
        token_url=server + "/token", code=fresh_code(), client_id="demo-client", client_secret="demo-secret"
    )
    assert token.access_token.startswith("at-")
    public = tokenkit.exchange_code(token_url=server + "/token", code=fresh_code(), client_id="public-client")
    assert public.access_token.startswith("at-")
    with pytest.raises(tokenkit.InsecureURLError):
        tokenkit.exchange_code(token_url="http://example.com/token", code="c", client_id="id", client_secret="s")
    with pytest.raises(TypeError):
        tokenkit.exchange_code(server + "/token", "c", "id")  # type: ignore[misc]


def test_from_issuer(server: str) -> None:
    with tokenkit.Client.from_issuer(server, client_id="demo-client", client_secret="demo-secret") as c:
        assert c.metadata is not None and c.metadata["issuer"] == server
        assert c.metadata["token_endpoint"] == server + "/token"
        token = c.exchange_code(fresh_code())
        c.revoke(token.access_token)  # the revocation endpoint came from the metadata too
        assert not c.introspect(token.access_token).active
    with tokenkit.Client.from_issuer(server + "/tenant1", client_id="demo-client", client_secret="demo-secret") as t:
        assert t.metadata["issuer"] == server + "/tenant1"  # type: ignore[index]
    # A setting given with the issuer overrides the metadata.
    with tokenkit.Client.from_issuer(
        server, client_id="demo-client", client_secret="demo-secret", token_url=server + "/echo"
    ) as c:
        assert c.client_credentials().access_token == "echo-token"
    with pytest.raises(tokenkit.ProtocolError):
        tokenkit.Client.from_issuer(server + "/evil", client_id="demo-client", client_secret="demo-secret")
    with pytest.raises(tokenkit.ProtocolError):
        tokenkit.Client.from_issuer(server + "/broken", client_id="demo-client", client_secret="demo-secret")
    assert tokenkit.discover(server, timeout=5)["issuer"] == server
    with pytest.raises(tokenkit.ArgumentTypeError):
        tokenkit.discover(server, client_id="x")
    cancel = tokenkit.Cancel()
    cancel.trigger()
    with pytest.raises(tokenkit.CancelledError):
        tokenkit.Client.from_issuer(server, client_id="demo-client", client_secret="demo-secret", cancel=cancel)


def test_from_preset() -> None:
    with tokenkit.Client.from_preset("nest", client_id="id", client_secret="secret") as nest:
        url = nest.authorization_url().url
        assert url.startswith("https://home.nest.com/login/oauth2?") and "client_id=id" in url
    with tokenkit.Client.from_preset("google-nest", project_id="proj-1", client_id="id", client_secret="s") as google:
        request = google.authorization_url("http://127.0.0.1:1/cb")
        for part in ("proj-1", "access_type=offline", "prompt=consent", "sdm.service"):
            assert part in request.url
    with pytest.raises(tokenkit.InvalidArgumentError, match="project_id"):
        tokenkit.Client.from_preset("google-nest", client_id="id", client_secret="s")
    with pytest.raises(tokenkit.InvalidArgumentError):
        tokenkit.Client.from_preset("no-such-provider", client_id="id", client_secret="s")


def test_nest_style_revocation(server: str) -> None:
    with tokenkit.Client(
        token_url=server + "/token", client_id="demo-client", client_secret="demo-secret",
        revocation_endpoint=server + "/oauth2/access_tokens", revocation_style="nest_delete",
    ) as c:
        token = c.exchange_code(fresh_code())
        before = stats(server)["revocations"]
        c.revoke(token.access_token)
        assert stats(server)["revocations"] == before + 1
        with pytest.raises(tokenkit.HTTPError) as e:  # Nest's DELETE of an unknown token: 404
            c.revoke("at-never-issued")
        assert e.value.status_code == 404


def test_retries(server: str) -> None:
    key = fresh_key("retry")
    with demo(server, f"/flaky/2/{key}/token", retries=tokenkit.Retry(3, 0.001, 0.01)) as c:
        assert c.client_credentials().access_token.startswith("at-")
    assert stats(server)["flaky"][key] == 3
    key = fresh_key("noretry")
    with demo(server, f"/flaky/2/{key}/token", retries=0) as c:
        with pytest.raises(tokenkit.HTTPError) as e:
            c.client_credentials()
    assert e.value.status_code == 503 and stats(server)["flaky"][key] == 1


def test_close_and_context_manager(server: str) -> None:
    c = demo(server)
    assert not c.closed and "demo-client" in repr(c) and "demo-secret" not in repr(c)
    c.close()
    c.close()  # twice is fine
    assert c.closed and "closed" in repr(c)
    with pytest.raises(tokenkit.InvalidArgumentError, match="closed"):
        c.client_credentials()
    with demo(server) as d:
        pass
    assert d.closed


def test_garbage_collected_client_is_freed(server: str) -> None:
    c = demo(server)
    c.client_credentials()
    finalizer = c._finalizer
    ref = weakref.ref(c)
    del c
    gc.collect()
    assert ref() is None and not finalizer.alive


def test_a_token_source_outlives_its_client(server: str) -> None:
    c = demo(server)
    token = token_expiring_in(c, 3600)
    source = tokenkit.TokenSource(c, token)
    c.close()
    assert source.refresh().access_token != token.access_token
    source.close()


def test_timeouts_take_seconds_and_timedeltas(server: str, hanging_url: str) -> None:
    for timeout in (0.4, timedelta(milliseconds=400)):
        with demo(hanging_url, timeout=timeout, retries=0) as c:
            start = time.monotonic()
            with pytest.raises(tokenkit.TimeoutError):
                c.client_credentials()
            assert 0.35 <= time.monotonic() - start < 3


def test_library_version_and_abi() -> None:
    assert tokenkit.ABI_VERSION == 2
    assert tokenkit.library_version() == tokenkit.__version__
