//go:build tokenkit_shared

package tokenkit

// With -tags tokenkit_shared: the shared library, found at run time through the rpath.

// #cgo LDFLAGS: -L${SRCDIR}/../../target/release -ltokenkit -Wl,-rpath,${SRCDIR}/../../target/release
import "C"
