"""Atomic file writes: write a temporary file beside the target, then rename it.

Every file hmipviz writes (scenarios, captures, traces, lesson progress, exported
images) goes through here, so a crash or a full disk never leaves half a file and an
existing file keeps its permissions.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _mode_for(target: Path) -> int:
    """Keep an existing file's permissions; a new one gets rw-r--r-- (less the umask's
    usual effect), not mkstemp's rw-------."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        return 0o644


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path beside ``path`` for a writer that wants a file name (scapy's
    pcapng writer, Qt's image and SVG writers); renamed over ``path`` when the block
    ends normally, removed when it raises."""
    target = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                    dir=str(target.parent) if str(target.parent) else ".")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if tmp.exists():
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write(path: str | os.PathLike, data: bytes | str) -> None:
    """Replace ``path`` with ``data`` so readers see the old file or the whole new one."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path) as tmp:
        tmp.write_bytes(raw)
