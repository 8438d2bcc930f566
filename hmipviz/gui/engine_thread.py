"""The engine's stepping on one worker thread of its own, called synchronously (issue 9
soak).

Why a thread when the caller waits anyway: memory. On glibc with ``PYTHONMALLOC=malloc``
(the window's allocator, :mod:`hmipviz.gui.release`) every thread allocates from its own
malloc arena. A history (trace events, packets, snapshots, the timeline's indexes) is
made of some 100,000 small objects; made on the GUI thread they sit in the heap the
window's long-lived objects live in, and whatever the window keeps that was allocated
while a history was alive (a cache entry, a widget, a wrapper) ends up between the
history's objects and pins their pages after the history is dropped: the resident size
after a restart crept up for ten minutes in the 30-minute soak. Stepping on this thread
puts the history in the thread's arena, where nothing long-lived of the window's is
allocated, so a dropped history leaves whole free pages that ``malloc_trim`` returns.

Only with glibc's allocator in use (:func:`wanted`); elsewhere (tests, Python's own
allocator) :func:`call` runs the function on the caller's thread. The worker runs
nothing but plain Python engine code: no Qt object is touched from it, and callers that
must tell Qt something do it after :func:`call` returns (``RunHistory``'s callbacks).
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class _Job:
    """One call handed to the engine's thread. The result stays on the job, not in a
    queue: a caller whose wait a signal handler interrupted (Ctrl+C) waits again and
    finds it there, however late the handler ran (even after the wait had ended), and
    a later call has a job of its own, so it never receives this one's result."""

    __slots__ = ("args", "done", "fn", "kwargs", "ok", "value")

    def __init__(self, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        self.fn: Callable[..., Any] | None = fn
        self.args, self.kwargs = args, kwargs
        self.done = threading.Event()
        self.ok = False
        self.value: Any = None

    def run(self) -> None:
        assert self.fn is not None
        try:
            self.value, self.ok = self.fn(*self.args, **self.kwargs), True
        except BaseException as exc:  # handed back to the caller, raised there
            self.value = exc
        self.fn, self.args, self.kwargs = None, (), {}  # the caller's to drop
        self.done.set()


class EngineThread:
    """One daemon thread that runs the calls handed to it, one at a time, while the
    caller waits; exceptions are raised again in the caller."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._lock = threading.Lock()  # one caller at a time
        self._thread = threading.Thread(target=self._serve, name="hmipviz-engine",
                                        daemon=True)
        self._thread.start()

    @property
    def ident(self) -> int | None:
        return self._thread.ident

    def _serve(self) -> None:
        while True:
            job = self._jobs.get()
            job.run()
            del job

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if threading.get_ident() == self._thread.ident:  # a nested call: run it here
            return fn(*args, **kwargs)
        job = _Job(fn, args, kwargs)
        interrupted: BaseException | None = None
        with self._lock:
            self._jobs.put(job)
            while not job.done.is_set():
                try:
                    job.done.wait()
                except BaseException as exc:  # a signal handler raised (Ctrl+C): the
                    interrupted = exc  # job still runs; wait for it, then raise this
        if interrupted is not None:
            raise interrupted
        ok, value = job.ok, job.value
        del job
        if ok:
            return value
        try:
            raise value
        finally:
            del value  # no cycle through the traceback


_worker: EngineThread | None = None
_enabled: bool | None = None  # None: decided on first use (wanted())


def wanted(environ=None) -> bool:
    """glibc's allocator is in use (``PYTHONMALLOC=malloc`` and glibc's ``malloc_trim``
    found): only then do arenas per thread keep a history apart."""
    from hmipviz.gui import release
    environ = os.environ if environ is None else environ
    return release.glibc_trim_available() and environ.get("PYTHONMALLOC") == "malloc"


def enable(on: bool | None = True) -> None:
    """Use the worker (True), not (False), or decide by :func:`wanted` (None)."""
    global _enabled
    _enabled = on


def enabled() -> bool:
    global _enabled
    if _enabled is None:
        _enabled = wanted()
    return _enabled


def on_worker() -> bool:
    """True on the engine's thread (code that must not touch Qt asks this)."""
    return _worker is not None and threading.get_ident() == _worker.ident


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)``, on the engine's thread when :func:`enabled`."""
    global _worker
    if not enabled():
        return fn(*args, **kwargs)
    if _worker is None:
        _worker = EngineThread()
    return _worker.call(fn, *args, **kwargs)


__all__ = ["EngineThread", "call", "enable", "enabled", "on_worker", "wanted"]
