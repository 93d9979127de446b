//! Links the `tokenkit-bench` binary to the library `make lib` built (target/release/libtokenkit.so),
//! found at run time through the rpath, exactly as the Makefile links the C programs.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let release = manifest.join("../target/release");
    let release = release.canonicalize().unwrap_or(release);
    println!("cargo:rustc-link-search=native={}", release.display());
    println!("cargo:rustc-link-arg-bin=tokenkit-bench=-Wl,-rpath,{}", release.display());
    println!("cargo:rerun-if-changed={}", release.join("libtokenkit.so").display());
}
