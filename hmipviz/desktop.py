"""Install hmipviz as a desktop application for the current user (no root needed).

``hmipviz --install-desktop`` writes three files under the user's data directory
($XDG_DATA_HOME, else ~/.local/share), where desktops look for applications:

- ``applications/APP_ID.desktop``: the launcher (menu entry, "Open with" for .toml/.md);
- ``icons/hicolor/scalable/apps/APP_ID.svg``: the icon (assets/icons/hmipviz.svg);
- ``metainfo/APP_ID.metainfo.xml``: the AppStream description software centres read.

Each file is replaced atomically (a reader sees the old or the whole new file); the
launcher runs the very program that installed it (the ``hmipviz`` script beside this
interpreter, or ``python -m hmipviz``), so an install from a virtual environment works
from the menu without that environment on PATH. ``--uninstall-desktop`` removes them.
No Qt here: the CLI imports this module.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hmipviz import __version__
from hmipviz.resources import assets_dir

APP_ID = "io.github.hmipviz.hmipviz"
# characters that make the desktop-entry spec require a quoted argument
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def data_home() -> Path:
    """$XDG_DATA_HOME when set to an absolute path (the XDG spec ignores a relative
    one), else ~/.local/share."""
    given = os.environ.get("XDG_DATA_HOME", "")
    if given and os.path.isabs(given):
        return Path(given)
    return Path.home() / ".local" / "share"


def icon_path() -> Path:
    """The application icon shipped with the package (also the window's icon)."""
    return assets_dir() / "icons" / "hmipviz.svg"


def launcher_command() -> list[str]:
    """The program a menu entry should run: this installation's ``hmipviz`` script, else
    the interpreter with ``-m hmipviz``."""
    beside = Path(sys.executable).parent / "hmipviz"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside.absolute())]
    import shutil  # here: the window imports this module at start-up
    found = shutil.which("hmipviz")
    if found:
        return [str(Path(found).absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "hmipviz"]


def exec_quote(argument: str) -> str:
    """One argument of a desktop entry's Exec key: quoted and escaped as the
    desktop-entry spec says, then escaped again as a string value ('\\' doubled)."""
    text = argument.replace("%", "%%")
    if not text or any(c in _RESERVED for c in text):
        for c in ("\\", '"', "`", "$"):
            text = text.replace(c, "\\" + c)
        text = f'"{text}"'
    return text.replace("\\", "\\\\")


def desktop_entry(command: list[str]) -> str:
    template = (assets_dir() / "desktop" / "hmipviz.desktop.in").read_text(encoding="utf-8")
    return (template.replace("@APP_ID@", APP_ID)
            .replace("@EXEC@", " ".join(exec_quote(a) for a in command))
            .replace("@TRYEXEC@", command[0]))


def metainfo() -> str:
    template = (assets_dir() / "desktop" / "hmipviz.metainfo.xml").read_text(encoding="utf-8")
    return template.replace("@APP_ID@", APP_ID).replace("@VERSION@", __version__)


def targets(home: Path | None = None) -> dict[str, Path]:
    """Where each file goes, by what it is."""
    base = data_home() if home is None else home
    return {
        "launcher": base / "applications" / f"{APP_ID}.desktop",
        "icon": base / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg",
        "metainfo": base / "metainfo" / f"{APP_ID}.metainfo.xml",
    }


def install(home: Path | None = None, command: list[str] | None = None) -> list[Path]:
    """Write the launcher, icon and metainfo; return their paths."""
    from hmipviz.fileio import atomic_write  # here: the window imports this module too
    where = targets(home)
    contents = {
        "launcher": desktop_entry(command or launcher_command()),
        "icon": icon_path().read_text(encoding="utf-8"),
        "metainfo": metainfo(),
    }
    for key, path in where.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, contents[key])
    return list(where.values())


def uninstall(home: Path | None = None) -> list[Path]:
    """Remove what :func:`install` wrote; return the paths that were there."""
    removed = []
    for path in targets(home).values():
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append(path)
    return removed


def cmd_desktop(remove: bool) -> int:
    """``hmipviz --install-desktop`` / ``--uninstall-desktop``: do it and say what."""
    try:
        paths = uninstall() if remove else install()
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    if remove:
        print("removed " + ", ".join(map(str, paths)) if paths
              else "hmipviz was not installed in " + str(data_home()))
    else:
        for path in paths:
            print(f"installed {path}")
    return 0


__all__ = ["APP_ID", "data_home", "icon_path", "launcher_command", "exec_quote",
           "desktop_entry", "metainfo", "install", "uninstall", "cmd_desktop"]
