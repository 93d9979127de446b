//! The token store against the fixture: profiles on disk, shared refreshes, atomic writes.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use common::*;
use tokenkit::{Client, ClientConfig, Endpoint, ErrorKind, RequestOptions, Store, DEFAULT_SKEW};

fn temp_store() -> (tempdir::Dir, Store) {
    let dir = tempdir::Dir::new();
    let store = Store::open(Some(&dir.0.join("store"))).unwrap();
    (dir, store)
}

/// A directory removed at the end of the test.
mod tempdir {
    pub struct Dir(pub std::path::PathBuf);
    impl Dir {
        pub fn new() -> Dir {
            let path = std::env::temp_dir().join(format!("tokenkit-store-{}-{}", std::process::id(), super::code()));
            std::fs::create_dir_all(&path).unwrap();
            Dir(path)
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A token of `client` that expires in `seconds` (the fixture's mock_expires_in).
fn token_expiring_in(client: &Client, seconds: &str) -> tokenkit::Token {
    client.exchange_code(&code(), &with_param("mock_expires_in", seconds)).unwrap()
}

#[test]
fn a_profile_keeps_the_client_settings_but_not_the_secret_unless_asked() {
    let server = server();
    let (_dir, store) = temp_store();
    let config = with_endpoints(config(&server, "/token"), &server);
    store.save_profile("work", &config, None, false).unwrap();
    let path = store.dir().join("work.json");
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::metadata(store.dir()).unwrap().permissions().mode() & 0o777, 0o700);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(SECRET), "the secret was saved: {text}");
    let loaded = store.config("work").unwrap();
    assert_eq!(loaded.client_id(), "demo-client");
    for which in [Endpoint::Token, Endpoint::Authorization, Endpoint::Revocation, Endpoint::Introspection] {
        assert_eq!(loaded.endpoint(which), config.endpoint(which), "{which:?}");
    }
    // Without its secret the profile's client cannot be made for client_secret_post...
    assert_eq!(Client::new(loaded.clone()).unwrap_err().kind(), ErrorKind::InvalidArgument);
    // ...and with it, when asked, it can.
    store.save_profile("work", &config, None, true).unwrap();
    assert!(std::fs::read_to_string(&path).unwrap().contains(SECRET));
    Client::new(store.config("work").unwrap()).unwrap();

    // A preset comes back as the preset, its provider settings included.
    let mut nest = ClientConfig::default();
    nest.apply_preset("nest", None).unwrap();
    nest.set_client_id("nest-client").unwrap();
    store.save_profile("nest", &nest, None, false).unwrap();
    let nest_loaded = store.config("nest").unwrap();
    assert_eq!(nest_loaded.endpoint(Endpoint::Token), nest.endpoint(Endpoint::Token));
    assert_eq!(nest_loaded.endpoint(Endpoint::Authorization), nest.endpoint(Endpoint::Authorization));
    assert_eq!(format!("{nest_loaded:?}"), format!("{nest:?}"), "the preset's settings come back whole");

    let names: Vec<_> = store.profiles().unwrap().into_iter().map(|p| p.name).collect();
    assert_eq!(names, ["nest", "work"]);
    for bad in ["", "../escape", ".hidden", "a/b", &"x".repeat(65)] {
        assert_eq!(store.config(bad).unwrap_err().kind(), ErrorKind::InvalidArgument, "{bad:?}");
    }
    assert!(store.config("absent").unwrap_err().message().contains("no profile absent"));
    assert!(store.delete_profile("nest").unwrap());
    assert!(!store.delete_profile("nest").unwrap());
}

#[test]
fn ten_callers_on_an_expired_profile_cause_one_refresh() {
    let server = server();
    let (_dir, store) = temp_store();
    let k = key("store");
    // The endpoint holds requests until ten have arrived (or 3 s): with one refresh in flight it
    // sees exactly one, and a missing lock shows as several, whatever the timing.
    let path = format!("/held/10/3000/{k}/token");
    let config = config(&server, &path);
    let initial = token_expiring_in(&client(&server, "/token"), "30"); // within the 60 s skew
    store.save_profile("shared", &config, Some(&initial), true).unwrap();
    let barrier = Arc::new(Barrier::new(10));
    let threads: Vec<_> = (0..10)
        .map(|_| {
            let (dir, barrier) = (store.dir().to_path_buf(), barrier.clone());
            std::thread::spawn(move || {
                // A store and a client of its own, as a separate process would have.
                let store = Store::open(Some(&dir)).unwrap();
                let client = Client::new(store.config("shared").unwrap()).unwrap();
                barrier.wait();
                store
                    .token("shared", &client, DEFAULT_SKEW, &RequestOptions::default())
                    .unwrap()
                    .access_token()
                    .to_owned()
            })
        })
        .collect();
    let tokens: Vec<String> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(server.hits(&path), 1, "refresh requests");
    assert!(tokens.iter().all(|t| t == &tokens[0] && t != initial.access_token()), "{tokens:?}");
    let saved = store.saved_token("shared").unwrap().unwrap();
    assert_eq!(saved.access_token(), tokens[0]);
    assert_eq!(saved.refresh_token(), initial.refresh_token(), "the refresh token the server did not replace is kept");
    // Fresh now: no request.
    let client = Client::new(store.config("shared").unwrap()).unwrap();
    store.token("shared", &client, DEFAULT_SKEW, &RequestOptions::default()).unwrap();
    assert_eq!(server.hits(&path), 1);
}

#[test]
fn a_rotated_refresh_token_is_saved_and_the_old_one_never_reused() {
    let server = server();
    let (_dir, store) = temp_store();
    let config = ClientConfig::new(&format!("{}/token", server.url()), "rotating-client")
        .unwrap()
        .with_client_secret("rotating-secret");
    let client = Client::new(config.clone()).unwrap();
    let initial = token_expiring_in(&client, "30");
    store.save_profile("rot", &config, Some(&initial), false).unwrap();
    let first = store.token("rot", &client, DEFAULT_SKEW, &RequestOptions::default()).unwrap();
    assert_ne!(first.refresh_token(), initial.refresh_token(), "the server rotates");
    assert_eq!(store.saved_token("rot").unwrap().unwrap().refresh_token(), first.refresh_token());
    // The old refresh token is spent: the server refuses it.
    let e = client.refresh(initial.refresh_token().unwrap(), &RequestOptions::default()).unwrap_err();
    assert_eq!(e.oauth_code(), Some("invalid_grant"));
}

#[test]
fn a_broken_profile_is_reported_and_left_alone() {
    let server = server();
    let (_dir, store) = temp_store();
    let config = config(&server, "/token");
    let client = Client::new(config.clone()).unwrap();
    store.save_profile("p", &config, Some(&token_expiring_in(&client, "3600")), false).unwrap();
    let path = store.dir().join("p.json");
    let good = std::fs::read(&path).unwrap();
    // A process killed mid-write leaves only a temporary file: the profile is as it was.
    std::fs::write(store.dir().join(".p.json.99999.1.tmp"), &good[..good.len() / 2]).unwrap();
    assert!(store.saved_token("p").unwrap().is_some());
    assert_eq!(store.profiles().unwrap().len(), 1);
    // A half-written profile (as a copy tool might leave) is reported, and not overwritten.
    std::fs::write(&path, &good[..good.len() / 2]).unwrap();
    let e = store.token("p", &client, DEFAULT_SKEW, &RequestOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.message().contains("is not a tokenkit profile") && e.message().contains("left as it is"), "{e}");
    assert!(!e.message().contains("at-"), "the message quotes the file: {e}");
    assert_eq!(std::fs::read(&path).unwrap(), &good[..good.len() / 2]);
    assert!(store.profiles().unwrap()[0].problem.is_some());
}

#[test]
fn tokens_are_saved_removed_and_missing_ones_named() {
    let server = server();
    let (_dir, store) = temp_store();
    let config = config(&server, "/token");
    let client = Client::new(config.clone()).unwrap();
    store.save_profile("p", &config, None, false).unwrap();
    let e = store.token("p", &client, DEFAULT_SKEW, &RequestOptions::default()).unwrap_err();
    assert!(e.message().contains("has no token"), "{e}");
    let token = token_expiring_in(&client, "3600");
    store.save_token("p", &token).unwrap();
    let requests = server.requests();
    assert_eq!(
        store.token("p", &client, Duration::from_secs(60), &RequestOptions::default()).unwrap().access_token(),
        token.access_token()
    );
    assert_eq!(server.requests(), requests, "a fresh token made a request");
    let info = &store.profiles().unwrap()[0];
    assert!(info.has_token && info.has_refresh_token && info.expires_at.is_some());
    assert!(!serde_json::to_string(info).unwrap().contains(token.access_token()));
    assert_eq!(store.remove_token("p").unwrap().unwrap().access_token(), token.access_token());
    assert!(store.saved_token("p").unwrap().is_none());
    assert!(store.config("p").is_ok(), "the client settings stay");
}

#[test]
fn a_source_backed_by_the_store_shares_refreshes_with_other_processes() {
    let server = server();
    let (_dir, store) = temp_store();
    let config = config(&server, "/token");
    let client = Arc::new(Client::new(config.clone()).unwrap());
    store.save_profile("shared", &config, Some(&token_expiring_in(&client, "30")), false).unwrap();
    let refreshes = || server.stats()["by_grant"]["refresh_token"].as_u64().unwrap_or(0);

    // Two sources on one profile, as two processes would hold: the first refreshes and saves, the
    // second takes up the saved token instead of refreshing again.
    let first = tokenkit::TokenSource::from_store(client.clone(), store.clone(), "shared", DEFAULT_SKEW, None).unwrap();
    let second =
        tokenkit::TokenSource::from_store(client.clone(), store.clone(), "shared", DEFAULT_SKEW, None).unwrap();
    let before = refreshes();
    let a = first.token().unwrap();
    let b = second.token().unwrap();
    assert_eq!(refreshes() - before, 1);
    assert_eq!(a.access_token(), b.access_token());
    assert_eq!(store.saved_token("shared").unwrap().unwrap().access_token(), a.access_token());

    // A forced refresh (the server rejected the token) refreshes once more, and the other source's
    // forced refresh of the same stale token takes up that result.
    let c = first.refresh().unwrap();
    assert_ne!(c.access_token(), a.access_token());
    let d = second.refresh().unwrap();
    assert_eq!(d.access_token(), c.access_token());
    assert_eq!(refreshes() - before, 2);

    // A profile that does not exist is named at once.
    let Err(err) = tokenkit::TokenSource::from_store(client, store, "missing", DEFAULT_SKEW, None) else {
        panic!("a source on a missing profile")
    };
    assert!(err.message().contains("no profile missing"), "{err}");
}

#[test]
fn a_cancel_ends_the_wait_for_another_process_refresh() {
    let server = server();
    let (_dir, store) = temp_store();
    let config = config(&server, "/token");
    let client = Client::new(config.clone()).unwrap();
    store.save_profile("busy", &config, Some(&token_expiring_in(&client, "30")), false).unwrap();
    // Another process in the middle of a refresh: it holds the profile's lock.
    let held = std::fs::File::open(store.dir().join("busy.lock")).unwrap();
    // SAFETY: flock on a descriptor this test owns.
    assert_eq!(unsafe { libc::flock(std::os::unix::io::AsRawFd::as_raw_fd(&held), libc::LOCK_EX) }, 0);
    let cancel = Arc::new(tokenkit::Cancel::new());
    let mut options = RequestOptions::default();
    options.set_cancel(cancel.clone());
    let trigger = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        cancel.cancel();
    });
    let started = std::time::Instant::now();
    let e = store.token("busy", &client, DEFAULT_SKEW, &options).unwrap_err();
    trigger.join().unwrap();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e}");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    drop(held);
    // With the lock let go, the refresh goes ahead.
    assert!(store.token("busy", &client, DEFAULT_SKEW, &RequestOptions::default()).is_ok());
}
