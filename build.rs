//! Generates include/tokenkit.h from src/ffi with cbindgen. The header is committed; the file is
//! only rewritten when its content changes, so `git diff --exit-code include/` after a build tells
//! whether the committed header is stale (`make check-header`).

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate the header")
        .write(&mut generated);
    let path = crate_dir.join("include").join("tokenkit.h");
    if std::fs::read(&path).ok().as_deref() != Some(generated.as_slice()) {
        std::fs::create_dir_all(path.parent().unwrap()).expect("create include/");
        std::fs::write(&path, &generated).expect("write include/tokenkit.h");
    }
}
