package tokenkit

// Cancellation: a context.Context becomes a tokenkit_cancel flag that a goroutine raises when the
// context is done, for as long as one native wait (loopback sign-in, device polling) runs.

// #include "tokenkit.h"
import "C"

import (
	"context"
	"errors"
	"sync/atomic"
)

// waiter is the cancel flag of one running wait on a Client.
type waiter struct {
	native *C.tokenkit_cancel
	stop   chan struct{} // closed when the native call has returned: ends the watching goroutine
	done   chan struct{} // closed by the watching goroutine as it exits
	closed atomic.Bool   // raised by Client.Close rather than by ctx
}

// waitFor runs a native wait on the live client with a flag raised when ctx is done or the client
// is closed, and turns CANCELLED into an error that also wraps ctx.Err(). The watching goroutine
// has exited, and the flag is freed, when waitFor returns.
func (c *Client) waitFor(ctx context.Context, f func(h *C.tokenkit_client, cancel *C.tokenkit_cancel) error) error {
	if ctx == nil {
		return &Error{Kind: InvalidArgument, Message: "context is nil"}
	}
	if err := ctx.Err(); err != nil {
		// Not even started: a sign-in would otherwise open the browser before seeing the flag.
		return &Error{Kind: Cancelled, Message: "cancelled before it started", cause: err}
	}
	return c.use(func(h *C.tokenkit_client) error {
		w := c.startWait(ctx)
		err := f(h, w.native)
		c.finishWait(w)
		var e *Error
		if errors.As(err, &e) && e.Kind == Cancelled {
			if w.closed.Load() {
				e.Message = "the client was closed: " + e.Message
			}
			e.cause = ctx.Err() // nil when the flag was raised by Close or by a panicking callback
		}
		return err
	})
}

func (c *Client) startWait(ctx context.Context) *waiter {
	w := &waiter{native: C.tokenkit_cancel_new(), stop: make(chan struct{}), done: make(chan struct{})}
	if ctx.Done() == nil { // never done: nothing to watch
		close(w.done)
	} else {
		go func() {
			defer close(w.done)
			select {
			case <-ctx.Done():
				C.tokenkit_cancel_trigger(w.native)
			case <-w.stop:
			}
		}()
	}
	c.waitMu.Lock()
	defer c.waitMu.Unlock()
	if c.closing {
		w.closed.Store(true)
		C.tokenkit_cancel_trigger(w.native)
	} else {
		c.waits[w] = struct{}{}
	}
	return w
}

// finishWait stops the watching goroutine and frees the flag; no one can raise it afterwards.
func (c *Client) finishWait(w *waiter) {
	c.waitMu.Lock()
	delete(c.waits, w)
	c.waitMu.Unlock()
	close(w.stop)
	<-w.done
	C.tokenkit_cancel_free(w.native)
}

// cancelWaits raises the flag of every running wait, and of every wait that starts later.
func (c *Client) cancelWaits() {
	c.waitMu.Lock()
	defer c.waitMu.Unlock()
	c.closing = true
	for w := range c.waits {
		w.closed.Store(true)
		C.tokenkit_cancel_trigger(w.native)
	}
}
