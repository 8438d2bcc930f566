"""Give freed memory back to the system after a large history is dropped.

Python frees a long trace's events when the window opens another scenario or
restarts, but the C allocator keeps most of the freed heap mapped, so the window's
resident size stays at its high-water mark. ``malloc_trim(0)`` (glibc) returns the free
pages; elsewhere this only runs the garbage collector.

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
import sys

_trim = None
if sys.platform.startswith("linux"):
    try:
        _trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        _trim = None

# A history shorter than this is not worth a collection
LARGE_TRACE_EVENTS = 5000


def release_freed_memory() -> bool:
    """Empty the caches above, collect garbage and return free heap pages to the system;
    True if trimmed."""
    from hmipviz.wire.codec import clear_caches

    clear_caches()
    linecache.clearcache()
    gc.collect()
    if _trim is None:
        return False
    try:
        _trim(0)
    except Exception:  # never let housekeeping take the window down
        return False
    return True


__all__ = ["release_freed_memory", "LARGE_TRACE_EVENTS"]
