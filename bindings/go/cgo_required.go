//go:build !cgo

package tokenkit

// Without cgo the binding cannot call the native library, and every other file of the package is
// left out; this one makes the build fail with the reason instead of "undefined: tokenkit.Client".
var _ int = "tokenkit needs cgo: CGO_ENABLED=1 and a C compiler"
