package tokenkit

// The plumbing every binding of a tokenkit function shares: the ABI check, argument conversion,
// status checking and string copying. A new C function is bound by converting its arguments with
// callArgs (or an options builder, options.go), running it through check (or receiveToken, or
// Client.call), and copying its outputs. header_test.go checks every call against tokenkit.h.

/*
#include <string.h>
#include "tokenkit.h"
*/
import "C"

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"unsafe"
)

// ABIVersion is the version of the tokenkit C ABI this package was written for.
const ABIVersion = 2

// abiErr is returned by every constructor when the header or the library is not ABIVersion.
var abiErr = checkABI(uint32(C.TOKENKIT_ABI_VERSION), uint32(C.tokenkit_abi_version()))

func checkABI(header, library uint32) error {
	if header == ABIVersion && library == ABIVersion {
		return nil
	}
	return &Error{Kind: Internal, Message: fmt.Sprintf(
		"this Go package was written for tokenkit ABI version %d, but it was compiled against "+
			"include/tokenkit.h of ABI version %d and linked with a libtokenkit of ABI version %d; "+
			"rebuild the library (make lib) and update the Go package together", ABIVersion, header, library)}
}

// Version is the native library's version, e.g. "0.2.0".
func Version() string {
	return C.GoString(C.tokenkit_version())
}

// check runs one fallible C function and turns a failure into an *Error, freeing the native error.
func check(call func(errp **C.tokenkit_error) C.tokenkit_status) error {
	var native *C.tokenkit_error
	status := call(&native)
	if status == C.TOKENKIT_STATUS_OK {
		if native != nil { // never written on success: no second cgo call on the hot path
			C.tokenkit_error_free(native)
		}
		return nil
	}
	return errorFromNative(status, native)
}

// takeString copies a string tokenkit handed out through a `char **` output and frees (zeroizes)
// the native copy. Only for such outputs: a borrowed `const char *` goes to borrowedString.
func takeString(s *C.char) string {
	if s == nil {
		return ""
	}
	defer C.tokenkit_string_free(s)
	return C.GoString(s)
}

// takeBytes is takeString for a value kept as bytes, such as a JSON document.
func takeBytes(s *C.char) []byte {
	if s == nil {
		return nil
	}
	defer C.tokenkit_string_free(s)
	return bytes.Clone(unsafe.Slice((*byte)(unsafe.Pointer(s)), C.strlen(s)))
}

// borrowedString copies a `const char *` lent by a native object, which must still be alive (the
// caller frees the object afterwards, never the string); NULL, "absent", becomes "".
func borrowedString(s *C.char) string {
	if s == nil {
		return ""
	}
	return C.GoString(s)
}

// borrowedBytes is borrowedString for a value kept as bytes; NULL becomes nil.
func borrowedBytes(s *C.char) []byte {
	if s == nil {
		return nil
	}
	return bytes.Clone(unsafe.Slice((*byte)(unsafe.Pointer(s)), C.strlen(s)))
}

// callArgs holds NUL-terminated copies of one call's string arguments: Go memory that C borrows
// for the call only, as tokenkit.h promises. release wipes the copies, since they may be secrets.
// The first conversion error is kept in err, so a binding converts every argument and then checks
// once.
type callArgs struct {
	bufs   [][]byte
	pinner runtime.Pinner
	err    error
}

// required converts a string argument tokenkit requires; "" is passed on, for tokenkit to judge.
func (a *callArgs) required(name, s string) *C.char {
	if a.err != nil {
		return nil
	}
	// C strings end at the first NUL: a Go string holding one would reach tokenkit truncated.
	if strings.IndexByte(s, 0) >= 0 {
		a.err = &Error{Kind: InvalidArgument, Message: name + " contains a NUL byte"}
		return nil
	}
	buf := make([]byte, len(s)+1)
	copy(buf, s)
	a.bufs = append(a.bufs, buf)
	return (*C.char)(unsafe.Pointer(&buf[0]))
}

// optional converts an optional string argument: "" means absent and becomes NULL.
func (a *callArgs) optional(name, s string) *C.char {
	if s == "" {
		return nil
	}
	return a.required(name, s)
}

// pin keeps a converted string in place while a Go value holding its address is passed to C (a
// struct argument such as tokenkit_exchange_request); cgo's rules require it.
func (a *callArgs) pin(s *C.char) *C.char {
	if s != nil {
		a.pinner.Pin(s)
	}
	return s
}

func (a *callArgs) release() {
	a.pinner.Unpin()
	for _, buf := range a.bufs {
		clear(buf)
	}
	a.bufs = nil
}
