"""The token store against the mock server: profiles on disk (mode 0600, the secret only when
asked), a client from a profile, one refresh for many threads on an expired profile, the rotated
refresh token saved, logout, deletion and the list, a token source backed by a profile; and the
request log and the device flow's on_poll."""

from __future__ import annotations

import os
import stat
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest

import tokenkit
from conftest import demo, flow_settings, fresh_code, fresh_key, stats, token_expiring_in


@pytest.fixture
def store(tmp_path: Path) -> Iterator[tokenkit.Store]:
    with tokenkit.Store(tmp_path / "store") as s:
        yield s


def rotating(server: str, path: str = "/token", **settings: Any) -> tokenkit.Client:
    return tokenkit.Client(
        token_url=server + path, client_id="rotating-client", client_secret="rotating-secret", **settings
    )


def test_a_profile_keeps_the_secret_only_when_asked(server: str, store: tokenkit.Store, tmp_path: Path) -> None:
    assert store.dir == str(tmp_path / "store")
    assert stat.S_IMODE(os.stat(store.dir).st_mode) == 0o700
    with tokenkit.Client(**flow_settings(server)) as made:
        store.save_profile("work", made)
        path = Path(store.dir) / "work.json"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        text = path.read_text()
        assert "demo-secret" not in text and '"tokenkit_profile":1' in text and '"token":null' in text

        # Without the secret, the program adds it; then the client works against the server.
        with pytest.raises(tokenkit.InvalidArgumentError):
            tokenkit.Client.from_store(store, "work")
        with tokenkit.Client.from_store(store, "work", client_secret="demo-secret", timeout=10) as client:
            assert client.exchange_code(fresh_code()).access_token.startswith("at-")
            assert "profile='work'" in repr(client)

        # With the secret, when asked: nothing to add.
        store.save_profile("work", made, with_secret=True)
        assert "demo-secret" in path.read_text()
        with tokenkit.Client.from_store(store, "work") as client:
            assert client.exchange_code(fresh_code()).access_token.startswith("at-")

        for bad in ("", "../escape", ".hidden", "a/b", "x" * 65):
            with pytest.raises(tokenkit.InvalidArgumentError):
                tokenkit.Client.from_store(store, bad)
            with pytest.raises(tokenkit.InvalidArgumentError):
                store.save_profile(bad, made)
        with pytest.raises(tokenkit.InvalidArgumentError, match="no profile absent"):
            tokenkit.Client.from_store(store, "absent")
        with pytest.raises(tokenkit.ArgumentTypeError):
            store.save_profile("work", "not a client")  # type: ignore[arg-type]


def test_an_expired_profile_refreshes_once_and_saves_the_rotated_refresh_token(
    server: str, store: tokenkit.Store
) -> None:
    key = fresh_key("store-rot")
    with rotating(server) as minter, rotating(server, f"/held/1/3000/{key}/token") as client:
        initial = token_expiring_in(minter, 30)  # within the 60 s skew
        store.save_profile("rot", client, initial)
        fresh = store.token("rot", client)
        assert stats(server)["held"][key] == 1
        assert fresh.access_token != initial.access_token
        assert fresh.refresh_token and fresh.refresh_token != initial.refresh_token, "the server rotates"
        saved = store.saved_token("rot")
        assert saved is not None and saved.refresh_token == fresh.refresh_token
        assert store.token("rot", client, skew=timedelta(minutes=1)).access_token == fresh.access_token
        assert stats(server)["held"][key] == 1, "a fresh token was refreshed"
        assert initial.refresh_token is not None
        with pytest.raises(tokenkit.OAuthError) as spent:
            client.refresh(initial.refresh_token)
        assert spent.value.error == "invalid_grant"

        store.save_profile("empty", client)
        with pytest.raises(tokenkit.InvalidArgumentError, match="has no token"):
            store.token("empty", client)
        with pytest.raises(tokenkit.InvalidArgumentError):
            store.token("rot", client, skew=-1)


def test_threads_on_an_expired_profile_refresh_once(server: str, store: tokenkit.Store) -> None:
    threads = 10
    key = fresh_key("store-many")
    with demo(server) as minter, demo(server, f"/held/{threads}/3000/{key}/token") as made:
        initial = token_expiring_in(minter, 30)
        store.save_profile("shared", made, initial, with_secret=True)
    barrier = threading.Barrier(threads)
    results: List[Any] = [None] * threads

    def ask(i: int) -> None:
        # A store and a client of its own, as a separate process would have.
        try:
            with tokenkit.Store(store.dir) as own, tokenkit.Client.from_store(own, "shared") as client:
                barrier.wait()
                results[i] = own.token("shared", client).access_token
        except BaseException as e:  # noqa: B036 - reported below
            results[i] = e

    workers = [threading.Thread(target=ask, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert all(isinstance(r, str) and r == results[0] for r in results), results
    assert results[0] != initial.access_token
    assert stats(server)["held"][key] == 1, f"refresh requests from {threads} threads"
    saved = store.saved_token("shared")
    assert saved is not None and saved.access_token == results[0]
    assert saved.refresh_token == initial.refresh_token, "the refresh token the server kept stays"


def test_a_cancel_ends_the_wait_for_another_callers_refresh(server: str, store: tokenkit.Store) -> None:
    key = fresh_key("store-wait")
    with demo(server) as minter, demo(server, f"/held/2/3000/{key}/token") as client:
        store.save_profile("held", client, token_expiring_in(minter, 30))
        cancelled = tokenkit.Cancel()
        cancelled.trigger()
        with pytest.raises(tokenkit.CancelledError):
            store.token("held", client, cancel=cancelled)
        held: List[Any] = []
        holder = threading.Thread(target=lambda: held.append(store.token("held", client)))
        holder.start()
        while stats(server)["held"].get(key, 0) < 1:
            time.sleep(0.02)
        cancel = tokenkit.Cancel()
        threading.Timer(0.3, cancel.trigger).start()
        start = time.monotonic()
        with pytest.raises(tokenkit.CancelledError):
            store.token("held", client, cancel=cancel)
        assert time.monotonic() - start < 2, "the wait for the lock ended late"
        holder.join()
        assert held[0].access_token.startswith("at-")
        assert stats(server)["held"][key] == 1


def test_logout_deletion_and_the_list(server: str, store: tokenkit.Store) -> None:
    with demo(server) as client:
        token = token_expiring_in(client, 3600)
        store.save_profile("b", client, token)
        store.save_profile("a", client)
    profiles = store.profiles()
    assert [p.name for p in profiles] == ["a", "b"]
    a, b = profiles
    assert a == tokenkit.Profile("a", "demo-client", server + "/token", False, False, None, None)
    assert b.has_token and b.has_refresh_token and b.problem is None
    assert b.expires_at is not None and b.expires_at > datetime.now(timezone.utc) + timedelta(minutes=50)
    shown = repr(profiles)
    assert token.refresh_token is not None
    for secret in ("demo-secret", token.access_token, token.refresh_token):
        assert secret not in shown

    store.save_token("a", token)
    with pytest.raises(tokenkit.InvalidArgumentError):
        store.save_token("absent", token)
    with pytest.raises(tokenkit.ArgumentTypeError):
        store.save_token("a", None)  # type: ignore[arg-type]

    removed = store.remove_token("b")
    assert removed is not None and removed.access_token == token.access_token
    assert store.saved_token("b") is None and store.remove_token("b") is None
    with tokenkit.Client.from_store(store, "b", client_secret="demo-secret"):
        pass  # the client settings stay
    assert store.delete_profile("b") is True
    assert store.delete_profile("b") is False
    assert not (Path(store.dir) / "b.json").exists()
    with pytest.raises(tokenkit.InvalidArgumentError):
        store.delete_profile("../x")
    assert len(store.profiles()) == 1

    store.close()
    store.close()
    assert store.closed and "closed" in repr(store)
    with pytest.raises(tokenkit.InvalidArgumentError, match="closed"):
        store.profiles()


def test_a_token_source_backed_by_a_profile(server: str, tmp_path: Path) -> None:
    changes: List[tokenkit.Token] = []
    with rotating(server) as client:
        initial = token_expiring_in(client, 30)
        with tokenkit.Store(tmp_path / "store") as store:
            store.save_profile("src", client, initial)
            source = tokenkit.TokenSource.from_store(client, store, "src", on_change=changes.append)
            token = source.token()
            assert token.access_token != initial.access_token and len(changes) == 1
            saved = store.saved_token("src")
            assert saved is not None and saved.access_token == token.access_token
            assert saved.refresh_token == token.refresh_token
            # Another source (another process) takes up the saved token, without a refresh.
            other = tokenkit.TokenSource.from_store(client, store, "src")
            assert other.access_token() == token.access_token
            with pytest.raises(tokenkit.InvalidArgumentError):
                tokenkit.TokenSource.from_store(client, store, "absent")
        # The store is closed: the sources keep their own reference.
        with source, other:
            forced = other.refresh()
            with tokenkit.Store(tmp_path / "store") as reopened:
                again = reopened.saved_token("src")
                assert again is not None and again.refresh_token == forced.refresh_token
            assert len(changes) == 1
        with pytest.raises(tokenkit.InvalidArgumentError, match="closed"):
            tokenkit.TokenSource.from_store(client, store, "src")


def test_the_log_gets_every_request_and_no_secret(server: str) -> None:
    lines: List[Tuple[int, str]] = []
    lock = threading.Lock()

    def log(level: int, line: str) -> None:
        with lock:
            lines.append((level, line))

    code = fresh_code()
    with demo(server, log=log, log_level=2) as client:
        token = client.exchange_code(code)
        assert token.refresh_token is not None
        refreshed = client.refresh(token.refresh_token)
        source = tokenkit.TokenSource(client, refresh_token=token.refresh_token)
    # The source logs through the client's log after the client is closed.
    with source:
        sourced = source.refresh()
    text = "\n".join(line for _, line in lines)
    assert {level for level, _ in lines} == {1, 2}
    assert "POST " + server + "/token" in text and "[redacted]" in text
    for secret in ("demo-secret", code, token.access_token, token.refresh_token, refreshed.access_token, sourced.access_token):
        assert secret not in text, secret

    # The default level is requests only.
    lines.clear()
    with demo(server, log=log) as client:
        client.exchange_code(fresh_code())
    assert lines and {level for level, _ in lines} == {1}
    with pytest.raises(tokenkit.InvalidArgumentError):
        demo(server, log=log, log_level=3)
    with pytest.raises(tokenkit.ArgumentTypeError):
        demo(server, log_level=1)


def test_what_the_log_raises_is_raised_by_the_call(server: str) -> None:
    raised: List[bool] = []

    def log(level: int, line: str) -> None:
        if not raised:
            raised.append(True)
            raise RuntimeError("log sink broke")

    with demo(server, log=log) as client:
        with pytest.raises(RuntimeError, match="log sink broke"):
            client.client_credentials()
        assert client.client_credentials().access_token.startswith("at-"), "the next call is fine"


def test_on_poll(server: str) -> None:
    polls: List[Tuple[str, float]] = []
    with tokenkit.Client(**flow_settings(server, "public-client", None)) as c:
        c.device_flow("read", lambda a: None, params={"mock_behavior": "approve"}, on_poll=lambda o, i: polls.append((o, i)))
        assert polls == [("authorization_pending", 1.0)]

        polls.clear()
        with c.device_authorize(params={"mock_behavior": "slow_down"}) as auth:
            c.device_poll(auth, on_poll=lambda o, i: polls.append((o, i)))
        assert polls == [("slow_down", 6.0)]

        with pytest.raises(tokenkit.CancelledError):
            c.device_flow("read", lambda a: None, params={"mock_behavior": "never"}, on_poll=lambda o, i: False)

        def gave_up(outcome: str, interval: float) -> None:
            raise KeyError("gave up")

        with pytest.raises(KeyError, match="gave up"):
            c.device_flow("read", lambda a: None, params={"mock_behavior": "never"}, on_poll=gave_up)
        with pytest.raises(tokenkit.ArgumentTypeError):
            c.device_flow("read", lambda a: None, on_poll="no")  # type: ignore[arg-type]
