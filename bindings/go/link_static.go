//go:build !tokenkit_shared

package tokenkit

// The default: libtokenkit.a, found through pkg-config (tokenkit-static.pc lists the archive and
// the system libraries it needs, as rustc printed them when it was built), so a binary needs no
// libtokenkit.so at run time. Installed tokenkit: PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig if PREFIX
// is not a pkg-config default. In a checkout: `make lib` writes target/pkgconfig, and the Makefile
// puts it on PKG_CONFIG_PATH.

// #cgo pkg-config: tokenkit-static
import "C"
