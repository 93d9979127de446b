package tokenkit

// Go functions called by the library: OpenURL (loopback sign-in), Prompt and OnPoll (device
// flow), OnChange (token source) and Log (a client's request log). Each crosses as a runtime/cgo.Handle of a *callback, passed to C as an
// integer (callbacks.h); the exported trampolines below look the callback up and run it. They may
// run on any thread, one the Go runtime did not create included: cgo attaches such a thread to the
// runtime for the call.

/*
#include <stdint.h>
#include "tokenkit.h"
*/
import "C"

import (
	"errors"
	"runtime/cgo"
	"sync"
	"sync/atomic"
	"time"
)

// callback is one Go function the library may call, and what became of it: the error it returned
// to stop the call, or the panic it raised. A panic must not unwind through the library's frames
// (it would skip their destructors and leave their locks held), so the trampoline recovers it and
// asks the library to stop, and the Go code that made the native call re-raises it once that call
// has returned.
type callback struct {
	openURL  func(url string) error
	prompt   func(DeviceAuthorization) error
	onPoll   func(outcome string, interval time.Duration) error
	onChange func(*Token)
	log      func(level int, line string)

	// serial turns the library's promise that calls never overlap into a happens-before edge of
	// Go's memory model, which knows nothing of the library's own lock: each call happens after
	// the previous one, on whatever thread.
	serial sync.Mutex

	mu       sync.Mutex
	stopped  error // what the function returned when it asked to stop
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

// run runs f and returns what the trampoline answers the library: 0 to go on, 1 to stop the call
// (f returned an error, or panicked).
func (cb *callback) run(f func() error) (answer C.int32_t) {
	cb.serial.Lock()
	defer cb.serial.Unlock()
	defer func() {
		if r := recover(); r != nil {
			cb.keepPanic(r)
			answer = 1
		}
	}()
	if err := f(); err != nil {
		cb.mu.Lock()
		if cb.stopped == nil {
			cb.stopped = err
		}
		cb.mu.Unlock()
		return 1
	}
	return 0
}

// observe runs f, a callback that cannot stop its call and may run on several threads at once
// (the log): no serial lock, and a panic is kept for finish like run's.
func (cb *callback) observe(f func()) {
	defer func() {
		if r := recover(); r != nil {
			cb.keepPanic(r)
		}
	}()
	f()
}

// keepPanic keeps the first panic for finish to re-raise.
func (cb *callback) keepPanic(value any) {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	if !cb.panicked {
		cb.panicked, cb.value = true, value
	}
}

// finish runs after the native call: it re-raises, in the calling goroutine, a panic the function
// raised, and makes the Cancelled error of a call the function stopped wrap the function's error.
func (cb *callback) finish(err error) error {
	if cb == nil {
		return err
	}
	cb.mu.Lock()
	panicked, value, stopped := cb.panicked, cb.value, cb.stopped
	cb.panicked, cb.value, cb.stopped = false, nil, nil
	cb.mu.Unlock()
	if panicked {
		panic(value)
	}
	var e *Error
	if stopped != nil && errors.As(err, &e) && e.Kind == Cancelled {
		e.cause = stopped
	}
	return err
}

//export tkgoOpenURL
func tkgoOpenURL(handle C.uintptr_t, url *C.char) C.int32_t {
	cb := callbackOf(handle)
	u := C.GoString(url) // borrowed for the call
	return cb.run(func() error { return cb.openURL(u) })
}

//export tkgoPrompt
func tkgoPrompt(handle C.uintptr_t, authorization *C.tokenkit_device_authorization) C.int32_t {
	cb := callbackOf(handle)
	shown := deviceAuthorizationFields(authorization) // borrowed for the call: no native handle kept
	return cb.run(func() error { return cb.prompt(shown) })
}

//export tkgoTokenChanged
func tkgoTokenChanged(handle C.uintptr_t, token *C.tokenkit_token) {
	cb := callbackOf(handle)
	changed := tokenFromNative(token) // borrowed for the call: copied, not freed
	cb.run(func() error {
		cb.onChange(changed)
		return nil
	})
}

//export tkgoDevicePoll
func tkgoDevicePoll(handle C.uintptr_t, outcome *C.char, intervalMS C.int64_t) C.int32_t {
	cb := callbackOf(handle)
	o := C.GoString(outcome) // borrowed for the call
	return cb.run(func() error { return cb.onPoll(o, time.Duration(intervalMS)*time.Millisecond) })
}

//export tkgoLog
func tkgoLog(handle C.uintptr_t, level C.int32_t, line *C.char) {
	cb := callbackOf(handle)
	l := C.GoString(line) // borrowed for the call
	cb.observe(func() { cb.log(int(level), l) })
}

// logSink is a Config.Log handed to the library: the native client, and every token source made
// from it (each holds its own reference to the native client), may call it until the last of
// them is freed, so each holds a reference and the last release deletes the handle.
type logSink struct {
	cb           *callback
	handle       C.uintptr_t
	deleteHandle func()
	refs         atomic.Int64
}

func newLogSink(log func(level int, line string)) *logSink {
	s := &logSink{cb: &callback{log: log}}
	s.handle, s.deleteHandle = s.cb.newHandle()
	s.refs.Store(1)
	return s
}

// retain adds a holder; nil (no log) stays nil.
func (s *logSink) retain() *logSink {
	if s != nil {
		s.refs.Add(1)
	}
	return s
}

// release drops a holder, after the native object it held was freed.
func (s *logSink) release() {
	if s != nil && s.refs.Add(-1) == 0 {
		s.deleteHandle()
	}
}

// finish re-raises a panic of the log, as callback.finish does.
func (s *logSink) finish(err error) error {
	if s == nil {
		return err
	}
	return s.cb.finish(err)
}
