package tokenkit

// Cancellation: a context.Context becomes a tokenkit_cancel flag, put in the call's options, that
// a function registered with context.AfterFunc raises when the context is done. The library then
// stops the call within about 100 ms, in the middle of a request too. For the standard library's
// contexts AfterFunc starts no goroutine unless the context is done, so a call with a live request
// context costs a registration, not a goroutine and its wake-up (a Context of another kind gets a
// goroutine from the context package, ended by stop).

// #include "tokenkit.h"
import "C"

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// watcher is the cancel flag of one native call, and what raises it when the call's context is
// done.
type watcher struct {
	ctx    context.Context
	native *C.tokenkit_cancel
	// stop unregisters the raise from ctx (nil when ctx can never be done); false when the raise
	// has already started.
	stop func() bool
	// raising is held from registration until the raise has run or can no longer run: the flag is
	// freed only after it.
	raising sync.WaitGroup
	closed  atomic.Bool // raised by Client.Close rather than by ctx
}

// liveWatchers counts the watchers not yet finished, for the tests: none may outlive its call.
var liveWatchers atomic.Int64

// started refuses a nil or already finished context before anything is done: a sign-in would
// otherwise open the browser before seeing the flag.
func started(ctx context.Context) error {
	if ctx == nil {
		return &Error{Kind: InvalidArgument, Message: "context is nil"}
	}
	if err := ctx.Err(); err != nil {
		return &Error{Kind: Cancelled, Message: "cancelled before it started", cause: err}
	}
	return nil
}

// watch makes the flag of a call with ctx, or returns nil when ctx can never be done and the call
// needs no flag of its own (always: a wait for the user, which Client.Close also cancels).
func watch(ctx context.Context, always bool) *watcher {
	if ctx.Done() == nil && !always {
		return nil
	}
	w := &watcher{ctx: ctx, native: C.tokenkit_cancel_new()}
	liveWatchers.Add(1)
	if ctx.Done() != nil {
		w.raising.Add(1)
		w.stop = context.AfterFunc(ctx, func() {
			defer w.raising.Done()
			C.tokenkit_cancel_trigger(w.native)
		})
	}
	return w
}

// flag is the tokenkit_cancel to put in the call's options, or nil for none.
func (w *watcher) flag() *C.tokenkit_cancel {
	if w == nil {
		return nil
	}
	return w.native
}

// raise cancels the call: Client.Close does, for the waits for a user.
func (w *watcher) raise() {
	w.closed.Store(true)
	C.tokenkit_cancel_trigger(w.native)
}

// finish runs once the native call has returned: it unregisters the raise, or waits for one that
// has started, and frees the flag (no one can raise it afterwards), and makes a Cancelled error
// wrap ctx.Err().
func (w *watcher) finish(err error) error {
	if w == nil {
		return err
	}
	if w.stop != nil && w.stop() {
		w.raising.Done() // it will never run
	}
	w.raising.Wait()
	C.tokenkit_cancel_free(w.native)
	liveWatchers.Add(-1)
	var e *Error
	if errors.As(err, &e) && e.Kind == Cancelled {
		if w.closed.Load() {
			e.Message = "the client was closed: " + e.Message
		}
		if ctxErr := w.ctx.Err(); ctxErr != nil {
			e.cause = ctxErr
		}
	}
	return err
}

// withContext runs a native call that is not made on a Client (discovery) with the flag of ctx.
func withContext(ctx context.Context, f func(cancel *C.tokenkit_cancel) error) error {
	if err := started(ctx); err != nil {
		return err
	}
	w := watch(ctx, false)
	return w.finish(f(w.flag()))
}

// call runs a native call on the live client with the flag of ctx (nil when ctx can never be
// done). A wait for the user (sign-in, device polling) always has a flag, which Close raises too,
// so that Close does not wait minutes for it; other calls are bounded by Config.Timeout, and Close
// waits for them.
func (c *Client) call(ctx context.Context, userWait bool, f func(h *C.tokenkit_client, cancel *C.tokenkit_cancel) error) error {
	if err := started(ctx); err != nil {
		return err
	}
	return c.use(func(h *C.tokenkit_client) error {
		w := watch(ctx, userWait)
		if userWait {
			c.addWait(w)
		}
		err := f(h, w.flag())
		if userWait {
			c.removeWait(w) // before the flag is freed: Close must not raise a freed flag
		}
		return w.finish(err)
	})
}

func (c *Client) addWait(w *watcher) {
	c.waitMu.Lock()
	defer c.waitMu.Unlock()
	if c.closing {
		w.raise()
	} else {
		c.waits[w] = struct{}{}
	}
}

func (c *Client) removeWait(w *watcher) {
	c.waitMu.Lock()
	defer c.waitMu.Unlock()
	delete(c.waits, w)
}

// cancelWaits raises the flag of every running wait, and of every wait that starts later.
func (c *Client) cancelWaits() {
	c.waitMu.Lock()
	defer c.waitMu.Unlock()
	c.closing = true
	for w := range c.waits {
		w.raise()
	}
}
