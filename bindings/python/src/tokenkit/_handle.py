"""Lifetimes of native objects, and cancellation.

A Handle owns one native object: calls borrow its pointer between enter() and exit(); close()
refuses new calls, raises the cancel flags of running waits for a user (sign-in, device flow),
waits for the running calls to return, and frees the object, exactly once. Owners call close()
from their own close() and __exit__, and weakref.finalize calls it as a safety net when an owner
is garbage-collected without being closed.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Dict, List, Optional

from . import _errors
from ._ffi import lib


class Handle:
    __slots__ = ("_ptr", "_free", "_what", "_cond", "_active", "_threads", "_closed", "_waits", "keep", "__weakref__")

    def __init__(self, ptr: Any, free: Callable[[Any], None], what: str, keep: object = None) -> None:
        self._ptr: Any = ptr
        self._free = free
        self._what = what
        self._cond = threading.Condition(threading.Lock())
        self._active = 0
        # Threads inside a call, so that a callback closing its own object fails instead of
        # waiting for itself forever.
        self._threads: Dict[int, int] = {}
        self._closed = False
        self._waits: List[Any] = []
        # Whatever the native object calls back into (ctypes callback objects) lives as long.
        self.keep: object = keep

    @property
    def closed(self) -> bool:
        return self._closed

    def enter(self, wait: Any = None) -> Any:
        """Lends the pointer to a call; `wait` is the native cancel flag of a wait for a user,
        which close() raises."""
        ident = threading.get_ident()
        with self._cond:
            if self._closed:
                raise _errors.InvalidArgumentError(f"the {self._what} is closed")
            if wait is not None:
                self._waits.append(wait)
            self._active += 1
            self._threads[ident] = self._threads.get(ident, 0) + 1
            return self._ptr

    def exit(self, wait: Any = None) -> None:
        ident = threading.get_ident()
        with self._cond:
            self._active -= 1
            n = self._threads[ident] - 1
            if n:
                self._threads[ident] = n
            else:
                del self._threads[ident]
            if wait is not None:
                self._waits.remove(wait)
            if self._closed and self._active == 0:
                self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            if self._closed:
                while self._ptr is not None:  # another thread is closing it: wait for the free
                    self._cond.wait()
                return
            if threading.get_ident() in self._threads:
                raise RuntimeError(f"a {self._what} cannot be closed from inside one of its own calls (a callback)")
            self._closed = True
            for flag in self._waits:
                lib.tokenkit_cancel_trigger(flag)
            while self._active:
                self._cond.wait()
            ptr, self._ptr = self._ptr, None
            try:
                if ptr:
                    self._free(ptr)
            finally:
                self.keep = None
                self._cond.notify_all()


class Cancel:
    """A cancellation flag: pass it as ``cancel=`` to any call that sends a request or waits for
    the user, and call :meth:`trigger` from any thread (a signal handler's thread, a GUI's Cancel
    button, a timer) to stop it: the call raises :class:`tokenkit.CancelledError` within about
    100 ms, in the middle of a request too. A flag stays raised: calls given it later fail at
    once. One flag may serve any number of calls, one after the other or at the same time.

    Each call made with a flag gets a native tokenkit_cancel of its own, freed when the call
    returns; this object only fans :meth:`trigger` out to them, so it owns nothing native.
    """

    __slots__ = ("_lock", "_cancelled", "_flags")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._flags: List[Any] = []

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`trigger` was called."""
        return self._cancelled

    def trigger(self) -> None:
        """Cancels every call using this flag, now and later. Thread-safe; calling it again does
        nothing more."""
        with self._lock:
            self._cancelled = True
            for flag in self._flags:
                lib.tokenkit_cancel_trigger(flag)

    def _attach(self, flag: Any) -> None:
        with self._lock:
            self._flags.append(flag)
            if self._cancelled:
                lib.tokenkit_cancel_trigger(flag)

    def _detach(self, flag: Any) -> None:
        with self._lock:
            self._flags.remove(flag)

    def __repr__(self) -> str:
        return f"<tokenkit.Cancel cancelled={self._cancelled}>"


class CallFlag:
    """The native cancel flag of one call, linked to the Cancel objects that may stop it (the
    caller's, and the one Ctrl-C raises during a wait for a user). Made (and its arguments
    checked) before the call; the native flag exists from __enter__ to __exit__, around the
    native call."""

    __slots__ = ("ptr", "_cancels")

    def __init__(self, *cancels: Optional[Cancel]) -> None:
        for cancel in cancels:
            if cancel is not None and not isinstance(cancel, Cancel):
                raise _errors.ArgumentTypeError(f"cancel must be a tokenkit.Cancel, not {type(cancel).__name__}")
        self._cancels = [c for c in cancels if c is not None]
        self.ptr: Any = None

    def __enter__(self) -> CallFlag:
        self.ptr = lib.tokenkit_cancel_new()
        if not self.ptr:
            raise MemoryError("tokenkit_cancel_new")
        for cancel in self._cancels:
            cancel._attach(self.ptr)
        return self

    def __exit__(self, *exc: object) -> None:
        for cancel in self._cancels:
            cancel._detach(self.ptr)
        ptr, self.ptr = self.ptr, None
        lib.tokenkit_cancel_free(ptr)
