"""Give freed memory back to the system after a large history is dropped.

Python frees a long trace's events when the window opens another scenario or
restarts, but the allocators keep the freed memory mapped, so the window's resident
size stays at its high-water mark.

Measured in the issue 9 soak (a 290,000-event ``campus`` history, then a restart):
Python's own small-object allocator (pymalloc) kept 120-150 MB of 1 MiB arenas
resident holding 22 MB of live objects. An arena is returned only when every object in
it is gone, and the few long-lived objects made while the history grew (cache entries,
Qt wrappers, the next scenario's objects) sit among the events and pin nearly every
arena the history used. So the window runs with ``PYTHONMALLOC=malloc``
(:func:`use_system_allocator` re-executes ``hmipviz`` with it on glibc, where Python's
objects then live in glibc's heap) and :func:`release_freed_memory` calls glibc's
``malloc_trim(0)``, which returns every free page of that heap, also between live
objects: after the same restart the window is back within 15 MB of its start. The
simulation runs as fast with either allocator (the same CPU time, measured). Elsewhere
(no glibc) this only runs the garbage collector.

Two caches are emptied first because what they hold is scattered all over the heap:
the codec's packet caches (filled during the dropped run) and :mod:`linecache`, which
PySide6's import hook fills with the source of every module imported after Qt (its
``__feature__`` check reads each module's source; tens of MB once scapy or pyqtgraph
are loaded), and which nothing in the window reads back.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import linecache
import os
import sys
from pathlib import Path

_trim = None
if sys.platform.startswith("linux"):
    try:  # glibc's soname: find_library would run `ldconfig -p` (start-up time)
        _trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        try:
            _trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
        except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
            _trim = None

# A history shorter than this is not worth a collection
LARGE_TRACE_EVENTS = 5000
# lru caches of the views (module, function), emptied with the codec's (only if the
# module is loaded: importing one here would load what the window has not needed)
_VIEW_CACHES = (("hmipviz.gui.caches", "_short"), ("hmipviz.layout", "token_run"))


def release_freed_memory() -> bool:
    """Empty the caches above, collect garbage and return free heap pages to the system;
    True if trimmed."""
    from hmipviz.wire.codec import clear_caches

    clear_caches()
    linecache.clearcache()
    # the views' own memo tables fill all through a run in the same way
    for module, name in _VIEW_CACHES:
        memo = getattr(sys.modules.get(module), name, None)
        if memo is not None and hasattr(memo, "cache_clear"):
            memo.cache_clear()
    gc.collect()
    if _trim is None:
        return False
    try:
        # glibc keeps freed pages of its heap mapped (only the top is returned by free);
        # with PYTHONMALLOC=malloc the history's objects lived there: give them back
        _trim(0)
    except Exception:  # never let housekeeping take the window down
        return False
    return True


def glibc_trim_available() -> bool:
    """glibc's ``malloc_trim`` was found (so glibc is the C allocator)."""
    return _trim is not None


def started_as_hmipviz(argv0: str | None = None) -> bool:
    """True when this process is the ``hmipviz`` program (its console script or
    ``python -m hmipviz``), not a test runner or another program that imported us."""
    path = Path(sys.argv[0] if argv0 is None else argv0)
    return path.name == "hmipviz" or (path.name == "__main__.py"
                                      and path.parent.name == "hmipviz")


def system_allocator_wanted(environ=None) -> bool:
    """Re-executing with PYTHONMALLOC=malloc helps: glibc is there to trim, and the user
    has not chosen an allocator (PYTHONMALLOC=pymalloc keeps Python's own)."""
    environ = os.environ if environ is None else environ
    return _trim is not None and "PYTHONMALLOC" not in environ


def use_system_allocator(*, program_check: bool = True) -> None:
    """Re-execute this process with PYTHONMALLOC=malloc (same arguments, environment
    and process id) when :func:`system_allocator_wanted`; returns only when it does
    not (or cannot) re-execute. ``program_check``: only when started as ``hmipviz``."""
    if not system_allocator_wanted() or (program_check and not started_as_hmipviz()):
        return
    argv = list(getattr(sys, "orig_argv", None) or [sys.executable, *sys.argv])
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, argv, dict(os.environ, PYTHONMALLOC="malloc"))
    except OSError:  # cannot re-execute: go on with Python's allocator
        return


__all__ = ["release_freed_memory", "LARGE_TRACE_EVENTS", "glibc_trim_available",
           "use_system_allocator", "system_allocator_wanted", "started_as_hmipviz"]
