package tokenkit

// Go functions called by the library: OpenURL (loopback sign-in), show (device flow) and OnChange
// (token source). Each crosses as a runtime/cgo.Handle of a *callback, passed to C as an integer
// (callbacks.h); the exported trampolines below look the callback up and run it. They may run on
// any thread, one the Go runtime did not create included: cgo attaches such a thread to the
// runtime for the call.

/*
#include <stdint.h>
#include "tokenkit.h"
*/
import "C"

import (
	"runtime/cgo"
	"sync"
)

// callback is one Go function the library may call, and what became of it if it panicked. A panic
// must not unwind through the library's frames (it would skip their destructors and leave their
// locks held), so the trampoline recovers it and the Go code that made the native call re-raises
// it once that call has returned.
type callback struct {
	openURL  func(url string)
	show     func(DeviceAuthorization)
	onChange func(*Token)
	// cancel, when set, is raised by a panic so that the native call returns promptly.
	cancel *C.tokenkit_cancel

	// serial turns the library's promise that calls never overlap into a happens-before edge of
	// Go's memory model, which knows nothing of the library's own lock: each call happens after
	// the previous one, on whatever thread.
	serial sync.Mutex

	mu       sync.Mutex
	panicked bool
	value    any
}

// newHandle returns the handle of a callback, and a function that deletes it.
func (cb *callback) newHandle() (C.uintptr_t, func()) {
	h := cgo.NewHandle(cb)
	return C.uintptr_t(h), h.Delete
}

func callbackOf(handle C.uintptr_t) *callback {
	return cgo.Handle(handle).Value().(*callback)
}

func (cb *callback) run(f func()) {
	cb.serial.Lock()
	defer cb.serial.Unlock()
	defer func() {
		if r := recover(); r != nil {
			cb.mu.Lock()
			if !cb.panicked {
				cb.panicked, cb.value = true, r
			}
			cb.mu.Unlock()
			if cb.cancel != nil {
				C.tokenkit_cancel_trigger(cb.cancel)
			}
		}
	}()
	f()
}

// repanic re-raises, in the calling goroutine, a panic the function raised during a native call.
func (cb *callback) repanic() {
	if cb == nil {
		return
	}
	cb.mu.Lock()
	panicked, value := cb.panicked, cb.value
	cb.panicked, cb.value = false, nil
	cb.mu.Unlock()
	if panicked {
		panic(value)
	}
}

//export tkgoOpenURL
func tkgoOpenURL(handle C.uintptr_t, url *C.char) {
	cb := callbackOf(handle)
	u := C.GoString(url) // borrowed for the call
	cb.run(func() { cb.openURL(u) })
}

//export tkgoShowDeviceCode
func tkgoShowDeviceCode(handle C.uintptr_t, authorization *C.tokenkit_device_authorization) {
	cb := callbackOf(handle)
	shown := deviceAuthorizationFields(authorization) // borrowed for the call: no native handle kept
	cb.run(func() { cb.show(shown) })
}

//export tkgoTokenChanged
func tkgoTokenChanged(handle C.uintptr_t, token *C.tokenkit_token) {
	cb := callbackOf(handle)
	changed := tokenFromNative(token) // borrowed for the call: copied, not freed
	cb.run(func() { cb.onChange(changed) })
}
