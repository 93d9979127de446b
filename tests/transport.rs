//! The socket layer as a server sees it: a request leaves in one TCP segment, and a kept-alive
//! connection is used again only while the server still keeps it. Each server here is a plain
//! loopback listener scripted per connection, so what it receives is what the client sent.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use tokenkit::{Client, ClientConfig, RequestOptions};

const TOKEN: &str = r#"{"access_token":"at-1","token_type":"Bearer","expires_in":3600}"#;

/// Reads one request (head and a Content-Length body) from `stream`.
fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
                .unwrap_or(0usize);
            if got.len() >= end + 4 + length {
                return Some(text);
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Answers with the token; `extra` follows a moment later, once the client has the answer.
fn answer(stream: &mut TcpStream, extra: &str) {
    let response =
        format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{TOKEN}", TOKEN.len());
    stream.write_all(response.as_bytes()).unwrap();
    if !extra.is_empty() {
        thread::sleep(Duration::from_millis(20));
        stream.write_all(extra.as_bytes()).unwrap();
    }
}

/// Data segments the kernel received on `stream` so far (Linux's TCP_INFO).
fn data_segments_in(stream: &TcpStream) -> u32 {
    // SAFETY: tcp_info is plain data; the kernel fills at most `len` bytes of it.
    unsafe {
        let mut info: libc::tcp_info = std::mem::zeroed();
        let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
        let rc = libc::getsockopt(
            stream.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&mut info as *mut libc::tcp_info).cast(),
            &mut len,
        );
        assert_eq!(rc, 0, "TCP_INFO");
        info.tcpi_data_segs_in
    }
}

fn client(port: u16) -> Client {
    let config = ClientConfig::new(&format!("http://127.0.0.1:{port}/token"), "one-segment-client")
        .unwrap()
        .with_client_secret("a-secret-long-enough-to-be-a-body");
    Client::new(config).unwrap()
}

#[test]
fn a_token_request_reaches_the_server_in_one_segment() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        for _ in 0..3 {
            let request = read_request(&mut stream).expect("a request");
            tx.send((data_segments_in(&stream), request)).unwrap();
            answer(&mut stream, "");
        }
    });
    let client = client(port);
    for sent in 1..=3 {
        let token = client.client_credentials(&RequestOptions::default()).unwrap();
        assert_eq!(token.access_token(), "at-1");
        let (segments, request) = rx.recv().unwrap();
        assert!(request.starts_with("POST /token HTTP/1.1\r\n"), "{request}");
        assert!(request.ends_with("&grant_type=client_credentials"), "{request}");
        // Head and form in two segments would wake the server twice per token.
        assert_eq!(segments, sent, "head and body in one segment, one segment per request");
    }
    server.join().unwrap();
}

/// Serves one request on each connection in `scripts` order: `extra` is sent after the body,
/// then the connection is closed when `close` says so. Returns the number of connections accepted.
fn serve(listener: TcpListener, scripts: Vec<(&'static str, bool)>) -> thread::JoinHandle<usize> {
    thread::spawn(move || {
        let mut accepted = 0;
        let mut kept = None::<TcpStream>;
        for (extra, close) in scripts {
            // The kept connection if the client sends its request there, else the next new one.
            let reused = kept.take().and_then(|mut stream| read_request(&mut stream).map(|_| stream));
            let mut stream = reused.unwrap_or_else(|| {
                let (mut fresh, _) = listener.accept().unwrap();
                accepted += 1;
                read_request(&mut fresh).expect("a request");
                fresh
            });
            answer(&mut stream, extra);
            if close {
                drop(stream);
            } else {
                kept = Some(stream);
            }
        }
        accepted
    })
}

#[test]
fn a_connection_the_server_closed_while_idle_is_not_used_again() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // The server answers with keep-alive, then drops the idle connection.
    let server = serve(listener, vec![("", true), ("", false), ("", false)]);
    let client = client(port);
    client.client_credentials(&RequestOptions::default()).unwrap();
    thread::sleep(Duration::from_millis(100));
    // Sent on the closed connection, this would fail with a reset or an empty answer.
    client.client_credentials(&RequestOptions::default()).expect("a new connection");
    client.client_credentials(&RequestOptions::default()).expect("the kept connection");
    assert_eq!(server.join().unwrap(), 2, "one new connection after the close, then kept");
}

#[test]
fn bytes_after_the_body_end_the_connection() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = serve(listener, vec![("HTTP/1.1 200 OK\r\n", false), ("", false)]);
    let client = client(port);
    client.client_credentials(&RequestOptions::default()).unwrap();
    thread::sleep(Duration::from_millis(100));
    // The stray bytes would be taken for the next answer's start on the same connection.
    let token = client.client_credentials(&RequestOptions::default()).expect("a new connection");
    assert_eq!(token.access_token(), "at-1");
    assert_eq!(server.join().unwrap(), 2);
}
