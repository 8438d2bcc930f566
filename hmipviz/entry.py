"""The ``hmipviz`` program's first lines: re-execute on the system allocator at once.

The window runs with ``PYTHONMALLOC=malloc`` on glibc so that a dropped history's
memory goes back to the system (issue 9, :mod:`hmipviz.gui.release`). The process has
to be started again for that, and doing it where the window is launched cost about
0.3 s of start-up (issue 13): the CLI, argparse, logging, the scenario package and the
scenario file had all been imported and read once already, and were again. Here the
choice is made before anything but :mod:`os` and :mod:`sys` is imported, from the
command line and the environment alone, with the rules of
:func:`hmipviz.gui.release.use_system_allocator`:

- only when the command line opens the window (no command, ``gui``, ``lesson``, or a
  scenario or lesson file), not for ``run``, ``check``, ``experiment`` and the others;
- not when ``PYTHONMALLOC`` is set (the user's choice, and the re-executed process);
- only on glibc (its ``malloc_trim`` returns the pages), and only when Qt can have a
  display (otherwise the window prints why it cannot start, without re-executing).

A wrong guess costs little either way: re-executing a command that opens no window
costs one interpreter start (about 20 ms) and changes nothing it prints; a window not
caught here is still re-executed by :func:`hmipviz.gui.launch.launch`, later.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

# hmipviz.cli.COMMANDS, split (tests/test_entry.py checks that they agree)
WINDOW_COMMANDS = ("gui", "lesson")
OTHER_COMMANDS = ("run", "scenarios", "check", "lessons", "experiment", "experiments",
                  "export-animation", "export-ladder", "schema", "export-html")
# top-level options that do something else than open the window
_NOT_THE_WINDOW = ("-h", "--help", "--version", "--install-desktop", "--uninstall-desktop")
_TAKES_A_VALUE = ("--log-level",)


def _option_is(word: str, options: Sequence[str]) -> bool:
    """``word`` names one of ``options`` (argparse takes an unambiguous prefix)."""
    name = word.split("=", 1)[0]
    if not name.startswith("--"):
        return name in options
    return len(name) > 2 and any(o.startswith(name) for o in options if o.startswith("--"))


def opens_window(args: Sequence[str]) -> bool:
    """Whether ``hmipviz ARGS`` opens the window (as :func:`hmipviz.cli.main` reads it)."""
    if any(_option_is(w, _NOT_THE_WINDOW) for w in args):
        return False
    skip = False
    for word in args:
        if skip:
            skip = False
            continue
        if word.startswith("-"):
            skip = "=" not in word and _option_is(word, _TAKES_A_VALUE)
            continue
        if word in WINDOW_COMMANDS:
            return True
        if word in OTHER_COMMANDS:
            return False
        # `hmipviz FILE`: the window on that file (hmipviz.cli._file_means_gui)
        return word.lower().endswith((".toml", ".md")) or os.path.isfile(word)
    return True


def _on_glibc() -> bool:
    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (AttributeError, ValueError, OSError):  # not glibc, or not POSIX
        return False


def _display_possible(environ: Mapping[str, str]) -> bool:
    """The environment half of :func:`hmipviz.gui.launch.platform_problem`: only the X
    platform (Qt's default on Linux) needs a display that may be missing."""
    name = environ.get("QT_QPA_PLATFORM", "").split(":")[0].strip().lower()
    if name and name != "xcb":
        return True
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def reexec_wanted(args: Sequence[str], environ: Mapping[str, str],
                  glibc: bool | None = None) -> bool:
    """Whether ``hmipviz ARGS`` should run again on ``PYTHONMALLOC=malloc`` now."""
    if "PYTHONMALLOC" in environ:
        return False
    if not (_on_glibc() if glibc is None else glibc):
        return False
    return sys.platform.startswith("linux") and _display_possible(environ) \
        and opens_window(args)


def _reexec() -> None:
    """Start this process again (same arguments, environment and process id) on the
    system allocator; returns only when it cannot."""
    argv = list(getattr(sys, "orig_argv", None) or [sys.executable, *sys.argv])
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, argv, dict(os.environ, PYTHONMALLOC="malloc"))
    except OSError:  # go on with Python's allocator
        return


def main() -> int:
    """The ``hmipviz`` console script and ``python -m hmipviz``."""
    if reexec_wanted(sys.argv[1:], os.environ):
        _reexec()
    from hmipviz.cli import main as cli_main
    return cli_main()


__all__ = ["main", "opens_window", "reexec_wanted", "WINDOW_COMMANDS", "OTHER_COMMANDS"]
