//! Gives the shared library the SONAME libtokenkit.so.<ABI>, where <ABI> is TOKENKIT_ABI_VERSION
//! (src/ffi/mod.rs), so that programs record the ABI they were linked against and two ABI
//! versions can be installed side by side. The C header is not generated here: include/tokenkit.h
//! is committed, tools/gen-header checks it against src/ffi and `make header` regenerates it, so a
//! build needs no cbindgen.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/ffi/mod.rs");
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let abi = abi_version(&Path::new(&root).join("src/ffi/mod.rs"));
    match std::env::var("CARGO_CFG_TARGET_OS").as_deref() {
        Ok("macos" | "ios") => {
            println!("cargo:rustc-cdylib-link-arg=-Wl,-install_name,@rpath/libtokenkit.{abi}.dylib")
        }
        Ok("windows") => {}
        _ => println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libtokenkit.so.{abi}"),
    }
}

/// The number in `pub const TOKENKIT_ABI_VERSION: u32 = N;`, the one place it is written.
fn abi_version(path: &Path) -> u32 {
    let source = std::fs::read_to_string(path).expect("read src/ffi/mod.rs");
    source
        .lines()
        .find_map(|line| {
            let value = line.trim().strip_prefix("pub const TOKENKIT_ABI_VERSION: u32 =")?;
            value.trim().trim_end_matches(';').trim().parse().ok()
        })
        .expect("src/ffi/mod.rs defines `pub const TOKENKIT_ABI_VERSION: u32 = N;`")
}
