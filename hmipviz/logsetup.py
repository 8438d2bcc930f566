"""Where hmipviz's log goes: stderr at the level the command line asks for, and for the
window a size-capped, rotating file (a long classroom term must not grow it for ever).

No Qt here: the window picks the file's folder (Qt's cache location) and calls
:func:`add_rotating_file`; the CLI calls :func:`log_to_stderr`.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

#: names accepted by ``--log-level``, quietest last
LEVELS = ("debug", "info", "warning", "error")
LOG_FILE_MAX_BYTES = 1_000_000
LOG_FILE_BACKUPS = 3  # hmipviz.log.1 .. .3, then the oldest is dropped
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def level_from_args(verbose: int, log_level: str | None) -> int:
    """``--log-level`` wins; else each ``-v`` is one step below the default (warning)."""
    if log_level is not None:
        return int(getattr(logging, log_level.upper()))
    return logging.DEBUG if verbose >= 2 else logging.INFO if verbose == 1 else logging.WARNING


def log_to_stderr(level: int) -> logging.Handler:
    """Send hmipviz's records at ``level`` and above to stderr (replacing an earlier call's
    handler, so calling ``main`` twice in one process does not print twice)."""
    root = logging.getLogger("hmipviz")
    for old in [h for h in root.handlers if getattr(h, "_hmipviz_stderr", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler()
    handler._hmipviz_stderr = True  # type: ignore[attr-defined]  # our marker, see above
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("hmipviz: %(levelname)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(min(level, root.level or logging.WARNING))
    return handler


def add_rotating_file(path: Path, max_bytes: int = LOG_FILE_MAX_BYTES,
                      backups: int = LOG_FILE_BACKUPS) -> logging.Handler | None:
    """Append hmipviz's records to ``path``, rotating at ``max_bytes``; None when the
    folder cannot be made (the window then runs without a log file)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(_FORMAT))
    logging.getLogger("hmipviz").addHandler(handler)
    return handler


__all__ = ["LEVELS", "LOG_FILE_BACKUPS", "LOG_FILE_MAX_BYTES", "add_rotating_file",
           "level_from_args", "log_to_stderr"]
