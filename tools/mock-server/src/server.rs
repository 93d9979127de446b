//! Listeners, connection threads and orderly shutdown, behind the public `Server` API.

use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::endpoints::helpers::stats_value;
use crate::http::{serve_connection, Origin};
use crate::state::{lock, State};
use crate::tls;

// Each connection gets a thread; the stack is small because handlers are shallow, but leaves
// room for a TLS handshake.
const THREAD_STACK: usize = 512 * 1024;
/// How long dropping a `Server` waits for its connection threads to finish.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

/// How to start a [`Server`]. `Options::default()` is HTTP only on an ephemeral port.
#[derive(Clone, Debug)]
pub struct Options {
    /// HTTP port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Also serve every route over HTTPS, with a throwaway CA made at start-up.
    pub tls: bool,
    /// HTTPS port on 127.0.0.1 when `tls` is set; 0 picks a free one.
    pub tls_port: u16,
    /// Codes the token endpoint accepts once, on top of any fresh `code-…`.
    pub codes: Vec<String>,
    /// One stderr line per request (method, path, sizes: never secrets). Defaults to
    /// whether MOCK_SERVER_VERBOSE=1.
    pub verbose: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            port: 0,
            tls: false,
            tls_port: 0,
            codes: Vec::new(),
            verbose: std::env::var_os("MOCK_SERVER_VERBOSE").is_some_and(|v| v == "1"),
        }
    }
}

/// Open connections, so shutdown can unblock their threads.
#[derive(Default)]
struct Connections {
    open: Mutex<HashMap<u64, TcpStream>>,
    closed: Condvar,
    next: AtomicU64,
}

impl Connections {
    fn add(&self, stream: &TcpStream) -> Option<u64> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let clone = stream.try_clone().ok()?;
        lock(&self.open).insert(id, clone);
        Some(id)
    }

    fn remove(&self, id: Option<u64>) {
        if let Some(id) = id {
            lock(&self.open).remove(&id);
            self.closed.notify_all();
        }
    }
}

struct Acceptor {
    addr: SocketAddr,
    /// Receives once the accept loop has returned.
    done: mpsc::Receiver<()>,
    thread: JoinHandle<()>,
}

/// The mock authorization server, running on loopback threads of this process.
///
/// Dropping it (or calling [`Server::shutdown`]) stops the listeners, cuts open connections and
/// wakes held requests; it waits at most about two seconds for connection threads to finish.
///
/// ```
/// let server = mock_server::Server::start(mock_server::Options {
///     tls: true,
///     ..Default::default()
/// })?;
/// let token_url = format!("{}/token", server.url());
/// let https_token_url = format!("{}/token", server.https_url().unwrap());
/// let ca_pem: &str = server.ca_pem().unwrap();
/// assert!(ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
/// # let _ = (token_url, https_token_url);
/// assert_eq!(server.hits("/token"), 0);
/// assert_eq!(server.stats()["token_requests"], 0);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Server {
    state: Arc<State>,
    conns: Arc<Connections>,
    url: String,
    https_url: Option<String>,
    ca_pem: Option<String>,
    acceptors: Vec<Acceptor>,
}

impl Server {
    /// Binds the listeners on 127.0.0.1 and starts serving; returns once both accept connections.
    pub fn start(options: Options) -> io::Result<Server> {
        let state = Arc::new(State::new(options.codes, options.verbose));
        let conns = Arc::new(Connections::default());
        let http = TcpListener::bind(("127.0.0.1", options.port))?;
        let url = format!("http://127.0.0.1:{}", http.local_addr()?.port());
        let mut server = Server {
            state,
            conns,
            url: url.clone(),
            https_url: None,
            ca_pem: None,
            acceptors: Vec::new(),
        };
        if options.tls {
            let identity = tls::generate()?;
            let https = TcpListener::bind(("127.0.0.1", options.tls_port))?;
            let https_url = format!("https://127.0.0.1:{}", https.local_addr()?.port());
            let config = identity.config;
            let origin = Origin {
                base: https_url.as_str().into(),
                tls: true,
            };
            server.spawn_acceptor(https, origin, move |st, tcp, origin| {
                // A failed handshake shows up as a read error: the connection just ends.
                if let Ok(stream) = tls::accept(&config, tcp) {
                    serve_connection(st, stream, origin);
                }
            })?;
            server.https_url = Some(https_url);
            server.ca_pem = Some(identity.ca_pem);
        }
        let origin = Origin {
            base: url.as_str().into(),
            tls: false,
        };
        server.spawn_acceptor(http, origin, |st, tcp, origin| {
            serve_connection(st, tcp, origin)
        })?;
        Ok(server)
    }

    fn spawn_acceptor(
        &mut self,
        listener: TcpListener,
        origin: Origin,
        serve: impl Fn(&State, TcpStream, &Origin) + Send + Sync + 'static,
    ) -> io::Result<()> {
        let addr = listener.local_addr()?;
        let (state, conns) = (Arc::clone(&self.state), Arc::clone(&self.conns));
        let serve = Arc::new(serve);
        let (done_tx, done) = mpsc::channel();
        let thread = thread::Builder::new()
            .name(format!("mock_server accept {addr}"))
            .spawn(move || {
                accept_loop(&listener, &state, &conns, &origin, &serve);
                let _ = done_tx.send(());
            })?;
        self.acceptors.push(Acceptor { addr, done, thread });
        Ok(())
    }

    /// `http://127.0.0.1:PORT`, also the issuer identifier of the HTTP listener.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `https://127.0.0.1:PORT` when started with `tls`.
    pub fn https_url(&self) -> Option<&str> {
        self.https_url.as_deref()
    }

    /// The PEM certificate of the throwaway CA that signed the HTTPS certificate.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The same document GET /stats returns.
    pub fn stats(&self) -> serde_json::Value {
        stats_value(&self.state)
    }

    /// Requests seen at `path` (without query), on either listener.
    pub fn hits(&self, path: &str) -> u64 {
        lock(&self.state.stats)
            .paths
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// Requests seen in all.
    pub fn requests(&self) -> u64 {
        lock(&self.state.stats).requests
    }

    /// Lets the token endpoint accept `code` once (like the binary's --code).
    pub fn add_code(&self, code: &str) {
        lock(&self.state.codes)
            .pending
            .insert(code.to_string(), Default::default());
    }

    /// Stops serving; the same as dropping the server.
    pub fn shutdown(self) {}
}

fn accept_loop<F>(
    listener: &TcpListener,
    st: &Arc<State>,
    conns: &Arc<Connections>,
    origin: &Origin,
    serve: &Arc<F>,
) where
    F: Fn(&State, TcpStream, &Origin) + Send + Sync + 'static,
{
    for conn in listener.incoming() {
        if st.shutting_down() {
            return;
        }
        let stream = match conn {
            Ok(stream) => stream,
            // EMFILE and friends: back off instead of spinning at 100% CPU.
            Err(_) => {
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let (st, conns, origin, serve) = (
            Arc::clone(st),
            Arc::clone(conns),
            origin.clone(),
            Arc::clone(serve),
        );
        // Registered here, not in the new thread, so shutdown (which waits for this loop to
        // end) never misses a connection.
        let id = conns.add(&stream);
        let conns_for_thread = Arc::clone(&conns);
        let spawned = thread::Builder::new()
            .stack_size(THREAD_STACK)
            .spawn(move || {
                serve(&st, stream, &origin);
                conns_for_thread.remove(id);
            });
        // If no thread can be spawned the closure (and socket) is dropped:
        // that client sees a reset, the server carries on.
        if spawned.is_err() {
            conns.remove(id);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.state.shutdown.store(true, Ordering::Relaxed);
        // Held requests wait on this condition variable; notify under its lock so none misses it.
        {
            let _stats = lock(&self.state.stats);
            self.state.held_cv.notify_all();
        }
        // A connection to each listener wakes its blocking accept, which then sees the flag.
        for acceptor in &self.acceptors {
            let _ = TcpStream::connect_timeout(&acceptor.addr, Duration::from_secs(1));
        }
        let deadline = Instant::now() + DRAIN_TIMEOUT;
        for acceptor in self.acceptors.drain(..) {
            let left = deadline.saturating_duration_since(Instant::now());
            if acceptor.done.recv_timeout(left).is_ok() {
                let _ = acceptor.thread.join();
            }
        }
        // Cutting the sockets unblocks reads, hangs and drips at once.
        let mut open = lock(&self.conns.open);
        for stream in open.values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        while !open.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            open = self
                .conns
                .closed
                .wait_timeout(open, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}
