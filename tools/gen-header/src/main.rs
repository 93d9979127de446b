//! `tokenkit-gen-header [--check] [ROOT]`: include/tokenkit.h is what cbindgen makes of the
//! tokenkit crate at ROOT (default: this tool's ../..) with ROOT/cbindgen.toml. Without --check,
//! writes the header when it differs; with --check, exits 1 when the committed header is stale.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut check = false;
    let mut root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--check" => check = true,
            _ if arg.starts_with('-') => {
                eprintln!("usage: tokenkit-gen-header [--check] [ROOT]");
                return ExitCode::from(2);
            }
            _ => root = PathBuf::from(arg),
        }
    }
    let config = match cbindgen::Config::from_file(root.join("cbindgen.toml")) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("gen-header: {e}");
            return ExitCode::from(2);
        }
    };
    let mut generated = Vec::new();
    match cbindgen::Builder::new().with_crate(&root).with_config(config).generate() {
        Ok(bindings) => bindings.write(&mut generated),
        Err(e) => {
            eprintln!("gen-header: cbindgen could not generate the header: {e}");
            return ExitCode::from(2);
        }
    }
    let path = root.join("include").join("tokenkit.h");
    let committed = std::fs::read(&path).unwrap_or_default();
    if committed == generated {
        println!("include/tokenkit.h is up to date");
        return ExitCode::SUCCESS;
    }
    if check {
        let (committed, generated) = (String::from_utf8_lossy(&committed), String::from_utf8_lossy(&generated));
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(generated.lines().count()));
        eprintln!(
            "include/tokenkit.h is stale: src/ffi makes a different header from line {}\n  \
             header: {:?}\n  src/ffi: {:?}\nrun `make header` and commit include/tokenkit.h",
            line + 1,
            committed.lines().nth(line).unwrap_or("<end of file>"),
            generated.lines().nth(line).unwrap_or("<end of file>"),
        );
        return ExitCode::FAILURE;
    }
    if let Err(e) = std::fs::write(&path, &generated) {
        eprintln!("gen-header: cannot write {}: {e}", path.display());
        return ExitCode::from(2);
    }
    println!("include/tokenkit.h regenerated from src/ffi");
    ExitCode::SUCCESS
}
