//go:build tokenkit_shared

package tokenkit

// With -tags tokenkit_shared: libtokenkit.so, found through pkg-config (tokenkit.pc) at build
// time and by the dynamic loader at run time (the system's paths or LD_LIBRARY_PATH; the
// checkout's target/pkgconfig/tokenkit.pc adds an rpath to target/release).

// #cgo pkg-config: tokenkit
import "C"
