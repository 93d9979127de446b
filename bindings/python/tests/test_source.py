"""TokenSource: one refresh for many threads (counted by the server), skew, saved state,
rotation, on_change and its exceptions."""

from __future__ import annotations

import gc
import json
import threading
import time
import weakref
from datetime import timedelta
from typing import List

import pytest

import tokenkit
from conftest import demo, fresh_key, stats, token_expiring_in


def test_one_refresh_for_sixteen_threads(server: str) -> None:
    # The refresh request is held by the server for 500 ms (until a second one with the same key
    # arrives, which a single-flight source never sends): all sixteen threads ask meanwhile.
    key = fresh_key("single-flight")
    changes: List[tokenkit.Token] = []
    with demo(server) as plain:
        initial = token_expiring_in(plain, 30)  # within the default 60 s skew
    with demo(server, f"/held/2/500/{key}/token") as c:
        source = tokenkit.TokenSource(c, initial, on_change=changes.append)
    # The client is closed: the source keeps its own reference to the native client.
    before = stats(server)
    barrier = threading.Barrier(16)
    got: List[str] = []
    errors: List[BaseException] = []

    def ask() -> None:
        barrier.wait()
        try:
            got.append(source.access_token())
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    after = stats(server)
    assert not errors
    assert after["held"][key] == 1, "one refresh request for 16 threads"
    assert after["by_grant"]["refresh_token"] - before["by_grant"]["refresh_token"] == 1
    assert len(changes) == 1, "on_change heard of one new token"
    refreshed = changes[0]
    assert got == [refreshed.access_token] * 16
    assert refreshed.access_token != initial.access_token
    assert refreshed.refresh_token == initial.refresh_token  # none sent: the old one is kept
    # A fresh token comes from the cache: no request.
    for _ in range(50):
        source.token()
        source.access_token()
    assert stats(server)["held"][key] == after["held"][key]
    source.close()


def test_a_fresh_token_is_kept(server: str, client: tokenkit.Client) -> None:
    initial = token_expiring_in(client, 3600)
    with tokenkit.TokenSource(client, initial) as source:
        token = source.token()
        assert token == initial and token.expires_at == initial.expires_at
        assert source.access_token() == initial.access_token


def test_skew(client: tokenkit.Client) -> None:
    initial = token_expiring_in(client, 3600)
    changes: List[tokenkit.Token] = []
    with tokenkit.TokenSource(client, initial, skew=timedelta(hours=2), on_change=changes.append) as early:
        assert early.token().access_token != initial.access_token and len(changes) == 1
    soon = token_expiring_in(client, 30)
    with tokenkit.TokenSource(client, soon, skew=0) as late:  # 0: used until it expires
        assert late.access_token() == soon.access_token


def test_refresh_token_only(client: tokenkit.Client) -> None:
    initial = token_expiring_in(client, 3600)
    with tokenkit.TokenSource(client, refresh_token=initial.refresh_token) as bare:
        assert json.loads(bare.to_json()) == {"refresh_token": initial.refresh_token}
        assert bare.access_token().startswith("at-")
    with tokenkit.TokenSource(client, refresh_token="rt-never-issued") as refused:
        with pytest.raises(tokenkit.OAuthError) as e:
            refused.token()
        assert e.value.error == "invalid_grant"


def test_expired_without_refresh_token() -> None:
    old = tokenkit.Token.from_json(json.dumps({"access_token": "at-old", "expires_at": int(time.time()) - 60}))
    with tokenkit.Client(token_url="http://127.0.0.1:9/token", client_id="c", client_secret="s") as c:
        with tokenkit.TokenSource(c, old) as stale:
            with pytest.raises(tokenkit.InvalidArgumentError, match="no refresh token"):
                stale.token()


def test_save_and_load(server: str, client: tokenkit.Client) -> None:
    initial = token_expiring_in(client, 3600)
    with tokenkit.TokenSource(client, initial) as source:
        saved = source.to_json()
    fields = json.loads(saved)
    assert fields["access_token"] == initial.access_token and fields["refresh_token"] == initial.refresh_token
    assert fields["expires_at"] == int(initial.expires_at.timestamp())  # type: ignore[union-attr]
    with demo(server) as other:
        with tokenkit.TokenSource.from_json(other, saved) as loaded:
            assert loaded.access_token() == initial.access_token
            forced = loaded.refresh()
            assert forced.access_token != initial.access_token and forced.refresh_token == initial.refresh_token
        # A Token's own saved form starts a source too.
        with tokenkit.TokenSource.from_json(other, initial.to_json()) as again:
            assert again.access_token() == initial.access_token


def test_rotated_refresh_tokens_reach_on_change(server: str) -> None:
    with tokenkit.Client(token_url=server + "/token", client_id="rotating-client", client_secret="rotating-secret") as c:
        initial = token_expiring_in(c, 3600)
        changes: List[tokenkit.Token] = []
        with tokenkit.TokenSource(c, initial, on_change=changes.append) as source:
            source.refresh()
            source.refresh()
            refresh_tokens = [t.refresh_token for t in changes]
            assert len(refresh_tokens) == 2 and len({initial.refresh_token, *refresh_tokens}) == 3
            assert json.loads(source.to_json())["refresh_token"] == refresh_tokens[-1]
        with pytest.raises(tokenkit.OAuthError):  # the first one was spent by the rotation
            c.refresh(initial.refresh_token)  # type: ignore[arg-type]


def test_on_change_may_save_the_source(client: tokenkit.Client) -> None:
    saved: List[str] = []
    holder: List[tokenkit.TokenSource] = []
    source = tokenkit.TokenSource(client, token_expiring_in(client, 3600), on_change=lambda t: saved.append(holder[0].to_json()))
    holder.append(source)
    new = source.refresh()
    assert json.loads(saved[0])["access_token"] == new.access_token
    source.close()


def test_on_change_asking_for_a_token_is_refused(client: tokenkit.Client) -> None:
    holder: List[tokenkit.TokenSource] = []

    def ask(token: tokenkit.Token) -> None:
        holder[0].token()

    source = tokenkit.TokenSource(client, token_expiring_in(client, 3600), on_change=ask)
    holder.append(source)
    with pytest.raises(tokenkit.InvalidArgumentError):
        source.refresh()
    source.close()


def test_on_change_raising(client: tokenkit.Client) -> None:
    calls: List[int] = []

    def disk_full(token: tokenkit.Token) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disk full")

    initial = token_expiring_in(client, 3600)
    with tokenkit.TokenSource(client, initial, on_change=disk_full) as source:
        with pytest.raises(OSError, match="disk full"):
            source.refresh()
        # The source works on: the new token is kept, and the next refresh goes through.
        first = source.token()
        assert first.access_token != initial.access_token
        assert source.refresh().access_token != first.access_token and len(calls) == 2


def test_on_change_closing_its_source_is_refused(client: tokenkit.Client) -> None:
    holder: List[tokenkit.TokenSource] = []
    source = tokenkit.TokenSource(client, token_expiring_in(client, 3600), on_change=lambda t: holder[0].close())
    holder.append(source)
    with pytest.raises(RuntimeError, match="cannot be closed from inside"):
        source.refresh()
    source.close()
    assert source.closed


def test_close(client: tokenkit.Client) -> None:
    source = tokenkit.TokenSource(client, token_expiring_in(client, 3600))
    assert "closed" not in repr(source)
    source.close()
    source.close()
    assert source.closed and "closed" in repr(source)
    for call in (source.token, source.access_token, source.refresh, source.to_json):
        with pytest.raises(tokenkit.InvalidArgumentError, match="closed"):
            call()


def test_garbage_collected_source_is_freed(client: tokenkit.Client) -> None:
    source = tokenkit.TokenSource(client, token_expiring_in(client, 3600), on_change=lambda t: None)
    finalizer = source._finalizer
    ref = weakref.ref(source)
    del source
    gc.collect()
    assert ref() is None and not finalizer.alive


def test_long_access_tokens_are_read_whole(server: str) -> None:
    # Longer than the binding's first buffer: asked for again with its length.
    long_token = "at-" + "x" * 5000
    token = tokenkit.Token.from_json(json.dumps({"access_token": long_token, "expires_at": int(time.time()) + 3600}))
    with demo(server) as c, tokenkit.TokenSource(c, token) as source:
        assert source.access_token() == long_token
