//! The mock_server binary: the library's `Server` behind a command line, for the shell scripts
//! and the C, CLI, Go and Java tests (see the library docs for routes and faults).

use std::io::{self, Write};
use std::thread;
use std::time::Duration;

use mock_server::{Options, Server};

const USAGE: &str = "usage: mock_server [--port N] [--port-file PATH] [--code CODE]... \
[--max-seconds S] [--tls-port N] [--tls-port-file PATH] [--ca-file-out PATH]";

#[derive(Debug, Default, PartialEq)]
struct Config {
    port: u16,
    port_file: Option<String>,
    codes: Vec<String>,
    max_seconds: Option<Duration>,
    tls_port: Option<u16>,
    tls_port_file: Option<String>,
    ca_file_out: Option<String>,
}

impl Config {
    /// Asking where to put HTTPS's port or CA is asking for HTTPS.
    fn tls(&self) -> bool {
        self.tls_port.is_some() || self.tls_port_file.is_some() || self.ca_file_out.is_some()
    }
}

const FLAGS: [&str; 7] = [
    "--port",
    "--port-file",
    "--code",
    "--max-seconds",
    "--tls-port",
    "--tls-port-file",
    "--ca-file-out",
];

/// Ok(None) for --help.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Config>, String> {
    let mut cfg = Config::default();
    let port = |value: &str| value.parse().map_err(|_| format!("bad port {value:?}"));
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(None);
        }
        // Accept both "--flag value" and "--flag=value".
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (arg, None),
        };
        if !FLAGS.contains(&flag.as_str()) {
            return Err(format!("unknown argument {flag:?}"));
        }
        let value = inline
            .or_else(|| args.next())
            .ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--port" => cfg.port = port(&value)?,
            "--port-file" => cfg.port_file = Some(value),
            "--code" => cfg.codes.push(value),
            "--tls-port" => cfg.tls_port = Some(port(&value)?),
            "--tls-port-file" => cfg.tls_port_file = Some(value),
            "--ca-file-out" => cfg.ca_file_out = Some(value),
            _ => {
                let secs = value
                    .parse::<f64>()
                    .ok()
                    .and_then(|s| Duration::try_from_secs_f64(s).ok());
                cfg.max_seconds = Some(secs.ok_or_else(|| format!("bad --max-seconds {value:?}"))?);
            }
        }
    }
    Ok(Some(cfg))
}

fn die(msg: String) -> ! {
    eprintln!("mock_server: {msg}");
    std::process::exit(1)
}

/// Write then rename, so a watcher never reads a half-written file.
fn write_atomically(path: &str, contents: &str) -> io::Result<()> {
    let tmp = format!("{path}.tmp");
    std::fs::write(&tmp, contents)?;
    std::fs::rename(&tmp, path)
}

fn main() {
    let cfg = match parse_args(std::env::args().skip(1)) {
        Ok(Some(cfg)) => cfg,
        Ok(None) => {
            println!("{USAGE}");
            return;
        }
        Err(msg) => {
            eprintln!("mock_server: {msg}\n{USAGE}");
            std::process::exit(2)
        }
    };
    let options = Options {
        port: cfg.port,
        tls: cfg.tls(),
        tls_port: cfg.tls_port.unwrap_or(0),
        codes: cfg.codes.clone(),
        ..Options::default()
    };
    let server = Server::start(options).unwrap_or_else(|e| die(format!("cannot start: {e}")));

    // Ignore stdout errors: a parent that stopped reading must not kill us.
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "{}", server.url());
    if let Some(https) = server.https_url() {
        let _ = writeln!(out, "{https}");
    }
    let _ = out.flush();
    drop(out);
    // The CA first: whoever sees the HTTPS port file may use the CA file at once.
    let files = [
        (&cfg.ca_file_out, server.ca_pem()),
        (&cfg.tls_port_file, server.https_url()),
        (&cfg.port_file, Some(server.url())),
    ];
    for (path, contents) in files {
        if let (Some(path), Some(contents)) = (path, contents) {
            write_atomically(path, contents)
                .unwrap_or_else(|e| die(format!("cannot write {path}: {e}")));
        }
    }

    // Safety net so a forgotten fixture does not outlive its test run.
    match cfg.max_seconds {
        Some(limit) => thread::sleep(limit),
        None => loop {
            thread::park();
        },
    }
    // Exit without waiting for connections to drain, as a killed server would.
    std::process::exit(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<Config>, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn command_line() {
        let cfg = parse(&[
            "--port=8080",
            "--code",
            "a",
            "--code=b",
            "--max-seconds",
            "1.5",
            "--tls-port-file",
            "t",
            "--ca-file-out=ca.pem",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(cfg.port, 8080);
        assert_eq!(cfg.codes, ["a", "b"]);
        assert_eq!(cfg.max_seconds, Some(Duration::from_millis(1500)));
        assert_eq!(
            (cfg.tls_port_file.as_deref(), cfg.ca_file_out.as_deref()),
            (Some("t"), Some("ca.pem"))
        );
        assert!(cfg.tls());
        assert!(!parse(&[]).unwrap().unwrap().tls());
        assert_eq!(parse(&["--help"]), Ok(None));
        for bad in [
            &["--port", "x"][..],
            &["--port"],
            &["--frob"],
            &["--max-seconds=-1"],
            &["--tls-port=70000"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
