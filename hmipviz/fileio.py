"""Writing files without ever damaging a user's files.

Every file hmipviz writes (scenarios, captures, traces, lesson progress, exported
images) goes through here. What happens depends on what the path names:

- a regular file (or a new name) is written to a temporary file beside it, renamed
  over it only when complete, and keeps its permissions: readers see the old file or
  the whole new one, never half;
- a symbolic link is followed: its final target is written that way and the link is
  left as it is;
- a FIFO or a character device (``/dev/null``, a terminal) is opened and written
  directly, as a stream; it is never created, truncated, replaced or removed;
- ``-`` is standard output, written directly.

Temporary files are named ``.NAME.hmipviz-PID-N.tmp``, so a later run can tell its own
leftovers (from a run killed by SIGKILL or a power cut) from anybody else's files and
remove them once process PID is gone. :class:`OutputSet` completes every output of a
run before it renames any into place, so an interrupted run leaves the old set of
files or the new set.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

STDOUT = "-"
_TEMP = re.compile(r"\.hmipviz-(?P<pid>\d+)-\d+\.tmp")
_serial = itertools.count(1)
# the signals a terminal, a service manager or a closed session sends to stop a run
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


class OutputError(OSError):
    """An output path that cannot be written, said in one line (an OSError, so callers
    that already report OSErrors, like the window's Save and Export, report it too)."""


class DuplicateOutput(OutputError):
    """Two outputs of one run would land in the same place."""


class Interrupted(BaseException):
    """SIGTERM or SIGHUP arrived: unwind (removing temporary files), then die of it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


# --- where the bytes go -------------------------------------------------------------------

@dataclass(frozen=True)
class Destination:
    """What an output path names once symbolic links are followed."""

    given: str
    kind: str  # "stdout" | "stream" (FIFO, character device) | "file" (regular or new)
    path: Path | None  # what is opened (a file: its final target); None for stdout
    key: str  # equal for two outputs that would land in the same place


def _identity(st: os.stat_result) -> str:
    return f"inode {st.st_dev}:{st.st_ino}"


def resolve(given: str | os.PathLike) -> Destination:
    """Classify an output path; raise :class:`OutputError` for one that must not be written."""
    text = os.fspath(given)
    if text == "":
        raise OutputError("an empty file name: give a file, or - for standard output")
    if text == STDOUT:
        try:
            key = _identity(os.fstat(sys.stdout.fileno()))
        except (AttributeError, OSError, ValueError):
            key = "<stdout>"
        return Destination(text, "stdout", None, key)
    real = Path(os.path.realpath(text))
    try:
        st = os.stat(text)  # follows links, also /dev/stdout and /dev/fd/N to a pipe
    except FileNotFoundError:
        return Destination(text, "file", real, str(real))
    except OSError as exc:
        raise OutputError(exc.strerror or str(exc)) from None
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return Destination(text, "file", real, _identity(st))
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        return Destination(text, "stream", Path(text), _identity(st))
    what = ("a directory" if stat.S_ISDIR(mode) else "a block device" if stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    raise OutputError(f"{real} is {what}")


def _is_devnull(destination: Destination) -> bool:
    try:
        return destination.key == _identity(os.stat(os.devnull))
    except OSError:
        return False


# --- temporary files: names a later run recognises -------------------------------------

def _temp_prefix(target: Path) -> str:
    return f".{target.name}.hmipviz-"


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return True  # not a name we made: leave it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def remove_stale_temporaries(target: str | os.PathLike) -> list[Path]:
    """Remove ``.NAME.hmipviz-PID-N.tmp`` files beside ``target`` whose process is gone.

    Only our own naming pattern for this very target, only regular files, never a live
    process's (another run writing the same file right now keeps its temporary file).
    """
    target = Path(target)
    prefix = _temp_prefix(target)
    removed: list[Path] = []
    try:
        names = os.listdir(target.parent)
    except OSError:
        return removed
    for name in names:
        if not name.startswith(prefix):
            continue
        m = _TEMP.fullmatch(name, len(prefix) - len(".hmipviz-"))
        if m is None:
            continue
        pid = int(m.group("pid"))
        if pid == os.getpid() or _pid_alive(pid):
            continue
        path = target.parent / name
        try:
            if stat.S_ISREG(os.lstat(path).st_mode):
                path.unlink()
                removed.append(path)
        except OSError:
            pass
    return removed


def _create_temp(directory: Path, name: str) -> tuple[int, Path]:
    """A new temporary file (O_EXCL), ``.NAME.hmipviz-PID-N.tmp`` in ``directory``."""
    while True:
        tmp = directory / f".{name}.hmipviz-{os.getpid()}-{next(_serial)}.tmp"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), tmp
        except FileExistsError:
            continue  # a leftover of an earlier process with our PID


def _mode_for(target: Path) -> int:
    """Keep an existing file's permissions; a new one gets rw-r--r-- (less the umask's
    usual effect), not the temporary file's rw-------."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        return 0o644


# --- one output, and the set of a run's outputs -------------------------------------------

class Output:
    """One output being written: ``stream`` takes the bytes; :class:`OutputSet` finishes it."""

    def __init__(self, destination: Destination) -> None:
        self.destination = destination
        self.tmp: Path | None = None
        if destination.kind == "stdout":
            if sys.stdout is None:
                raise OutputError("standard output is closed")
            sys.stdout.flush()  # text already printed comes first
            self.stream: BinaryIO = sys.stdout.buffer
            return
        assert destination.path is not None
        if destination.kind == "stream":
            # no O_CREAT, no O_TRUNC: a device or FIFO is written, never made or emptied
            # (a FIFO blocks here until a reader opens it)
            fd = os.open(destination.path, os.O_WRONLY)
        else:
            remove_stale_temporaries(destination.path)
            fd, self.tmp = _create_temp(destination.path.parent, destination.path.name)
        self.stream = os.fdopen(fd, "wb", buffering=1 << 16)

    def finish(self) -> None:
        """Flush everything to its place, short of the final rename. An error names
        the output (``filename``) as the user gave it."""
        try:
            self.stream.flush()
            if self.destination.kind == "stdout":
                return
            if self.tmp is not None:
                os.fsync(self.stream.fileno())
                assert self.destination.path is not None
                os.chmod(self.tmp, _mode_for(self.destination.path))
            self.stream.close()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, self.destination.given) from None

    def rename(self) -> None:
        if self.tmp is not None:
            assert self.destination.path is not None
            try:
                os.replace(self.tmp, self.destination.path)
            except OSError as exc:
                raise OSError(exc.errno, exc.strerror, self.destination.given) from None
            self.tmp = None

    def discard(self) -> None:
        """Give up: close and remove the temporary file (a stream keeps what it got)."""
        if self.destination.kind != "stdout":
            with contextlib.suppress(OSError):
                self.stream.close()
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)
            self.tmp = None


class OutputSet:
    """The outputs of one run: all complete before any is renamed into place.

    Use as a context manager; call :meth:`commit` at the end. Leaving the block by an
    exception (an error, Ctrl+C, :class:`Interrupted`) removes every temporary file and
    leaves every regular file as it was.
    """

    def __init__(self) -> None:
        self.outputs: list[Output] = []
        self._keys: dict[str, str] = {}

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    def add(self, given: str | os.PathLike, label: str = "") -> BinaryIO:
        """Open an output; two outputs on one place (after symlinks) are an error,
        except on /dev/null."""
        destination = resolve(given)
        # outputs sharing a place would overwrite or interleave; /dev/null takes anything
        if destination.key in self._keys and not _is_devnull(destination):
            other = self._keys[destination.key]
            raise DuplicateOutput(f"{label + ' ' if label else ''}{destination.given} is the same "
                              f"{'file' if destination.kind == 'file' else 'output'} as "
                              f"{other}: give each output its own path")
        output = Output(destination)
        self._keys[destination.key] = f"{label + ' ' if label else ''}{destination.given}"
        self.outputs.append(output)
        return output.stream

    def commit(self) -> None:
        """Finish every output, then rename them all with the stop signals held back, so
        the set appears whole or not at all."""
        for output in self.outputs:
            output.finish()
        block = threading.current_thread() is threading.main_thread() and \
            hasattr(signal, "pthread_sigmask")
        old = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS) if block else None
        try:
            for output in self.outputs:
                output.rename()
        finally:
            if old is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)
        self.outputs = []

    def discard(self) -> None:
        for output in self.outputs:
            output.discard()
        self.outputs = []


@contextmanager
def stop_signals_unwind() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise :class:`Interrupted` (SIGINT already raises
    KeyboardInterrupt), so ``finally`` blocks remove temporary files before the process
    ends. Only the main thread can take signals; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def unwind(signum: int, frame: object) -> None:
        raise Interrupted(signum)

    saved = {}
    for sig in STOP_SIGNALS:
        if sig != signal.SIGINT and signal.getsignal(sig) is not signal.SIG_IGN:
            saved[sig] = signal.signal(sig, unwind)
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def die_of(signum: int) -> None:
    """End the process by ``signum`` with its default action, so the parent sees the
    usual status (143 for SIGTERM, 129 for SIGHUP)."""
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


# --- the simple forms ---------------------------------------------------------------------

def atomic_write(path: str | os.PathLike, data: bytes | str) -> None:
    """Replace ``path`` with ``data`` so readers see the old file or the whole new one
    (written directly when ``path`` is a FIFO, a device or ``-``)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with OutputSet() as outputs:
        outputs.add(path).write(raw)
        outputs.commit()


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path for a writer that wants a file name (Qt's image and SVG writers);
    when the block ends normally its content goes to ``path`` as :func:`atomic_write`
    would put it; when it raises, the temporary file is removed."""
    destination = resolve(path)
    if destination.kind == "file":
        assert destination.path is not None
        remove_stale_temporaries(destination.path)
        directory, name = destination.path.parent, destination.path.name
    else:  # a device or stdout: stage the bytes privately, then copy them over
        directory, name = Path(tempfile.gettempdir()), Path(os.fspath(path)).name or "stdout"
    fd, tmp = _create_temp(directory, name)
    os.close(fd)
    try:
        yield tmp
        if destination.kind == "file":
            assert destination.path is not None
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.chmod(tmp, _mode_for(destination.path))
            os.replace(tmp, destination.path)
        else:
            with OutputSet() as outputs, open(tmp, "rb") as src:
                shutil.copyfileobj(src, outputs.add(path))
                outputs.commit()
    finally:
        tmp.unlink(missing_ok=True)
