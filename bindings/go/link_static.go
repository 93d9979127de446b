//go:build !tokenkit_shared

package tokenkit

// The default: the static library and the system libraries Rust's std needs (from
// `cargo rustc -- --print native-static-libs`), so a binary needs no libtokenkit.so at run time.

// #cgo LDFLAGS: ${SRCDIR}/../../target/release/libtokenkit.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
import "C"
