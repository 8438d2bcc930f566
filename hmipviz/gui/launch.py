"""Start the window, or explain in one line why it cannot start.

Kept outside ``hmipviz.gui`` so that the CLI can import it without Qt: PySide6 is
imported inside :func:`launch`. When Qt's platform plugin cannot start (on Debian and
Ubuntu typically because ``libxcb-cursor0`` is missing, or because there is no display
at all), Qt would print several lines and abort; instead this prints one line saying
which system packages to install (or how to get a display) and returns 2.
"""

from __future__ import annotations

import ctypes
import os
import sys
import time

_T0 = time.perf_counter()

XCB_PACKAGES = ("libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0 "
                "libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 "
                "libxcb-xinerama0 libxcb-xkb1 libegl1 libfontconfig1 libdbus-1-3")
INSTALL_HINT = f"sudo apt-get install {XCB_PACKAGES}"

# xcb libraries Qt's xcb plugin loads (Qt >= 6.5 needs xcb-cursor): ctypes name, soname
_XCB_LIBS = (("xcb-cursor", "libxcb-cursor.so.0"), ("xkbcommon-x11", "libxkbcommon-x11.so.0"),
             ("xcb-icccm", "libxcb-icccm.so.4"), ("xcb-keysyms", "libxcb-keysyms.so.1"),
             ("xcb-shape", "libxcb-shape.so.0"), ("xcb-render-util", "libxcb-render-util.so.0"),
             ("xcb-image", "libxcb-image.so.0"), ("xcb-randr", "libxcb-randr.so.0"),
             ("xcb-xkb", "libxcb-xkb.so.1"))


def _dlopen_ok(soname: str) -> bool:
    """Whether the dynamic loader finds ``soname`` (microseconds; Qt loads it next)."""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def _library_present(name: str, soname: str) -> bool:
    """dlopen by soname first: ctypes.util.find_library runs ``ldconfig -p`` once per
    library, about 250 ms for the nine at start-up; it is asked only when the soname is
    not found (another version of the library may be installed)."""
    if _dlopen_ok(soname):
        return True
    import ctypes.util
    return ctypes.util.find_library(name) is not None


def _platform_name() -> str:
    name = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0].strip().lower()
    if name:
        return name
    if sys.platform.startswith("linux"):
        if os.environ.get("WAYLAND_DISPLAY") and not os.environ.get("DISPLAY"):
            return "wayland"
        return "xcb"
    return ""


def platform_problem() -> str | None:
    """A one-line reason the Qt platform cannot start, found without starting it."""
    if not sys.platform.startswith("linux"):
        return None
    name = _platform_name()
    if name in ("offscreen", "minimal", "vnc", "eglfs", "linuxfb", "vkkhrdisplay"):
        return None
    if name == "xcb":
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            return ("hmipviz needs a display: no DISPLAY is set (run it on a desktop, over "
                    "ssh -X, under Xvfb: xvfb-run hmipviz, or use the headless "
                    "`hmipviz run`)")
        missing = [lib for lib, soname in _XCB_LIBS if not _library_present(lib, soname)]
        if missing:
            return (f"hmipviz cannot start Qt's xcb platform plugin: missing "
                    f"{', '.join('lib' + m for m in missing)}. Install the system packages: "
                    f"{INSTALL_HINT}")
    return None


class _PlatformWatch:
    """Qt message handler that turns the platform-plugin failure into one line.

    qFatal aborts the process after the handler returns, so the handler itself prints
    the explanation and exits with status 2 when Qt reports that no platform plugin
    could be initialised; other messages are kept and passed on once Qt is up.
    """

    def __init__(self) -> None:
        self.messages: list[str] = []

    def __call__(self, msg_type, context, message: str) -> None:
        from PySide6.QtCore import QtMsgType
        text = str(message)
        self.messages.append(text)
        # only a fatal message ends the program; the platform-plugin messages before it are
        # what explain() reads
        if msg_type == QtMsgType.QtFatalMsg:
            print(f"error: {explain(self.messages)}", file=sys.stderr)
            sys.stderr.flush()
            os._exit(2)


def explain(messages: list[str]) -> str:
    """The one line for what Qt said when its platform plugin failed."""
    joined = "\n".join(messages).lower()
    if "could not connect to display" in joined or "cannot open display" in joined:
        display = os.environ.get("DISPLAY", "")
        return (f"hmipviz cannot open the display {display!r}: is an X server running "
                "there? (try xvfb-run hmipviz, or the headless `hmipviz run`)")
    if "wayland" in joined and "xcb" not in joined:
        return ("hmipviz cannot start Qt's Wayland platform plugin; try "
                "QT_QPA_PLATFORM=xcb hmipviz, after: " + INSTALL_HINT)
    return ("hmipviz cannot start Qt's platform plugin (xcb). Install the system "
            f"packages it needs: {INSTALL_HINT}")


def launch(scenario, present: bool = False, lesson=None, *, open_scenario: str | None = None,
           open_lesson: str | None = None) -> int:
    """Open the main window on ``scenario`` (in classroom mode with ``present``, with
    ``lesson``, a :class:`hmipviz.lesson.Lesson`, in the lesson dock); return the exit
    status. ``open_scenario`` / ``open_lesson``: a file the window then opens as File
    ▸ Open would, so a file that cannot be read shows the loader's message in the
    window's error dialog (the CLI passes a broken file given on the command line)."""
    if platform_problem() is None:
        # on glibc, run the window on the system allocator, which gives a dropped
        # history's memory back (issue 9; hmipviz.gui.release); before Qt is imported,
        # so the first start costs little; returns here when it does not re-execute
        from hmipviz.gui.release import use_system_allocator
        use_system_allocator()
    try:
        from PySide6.QtCore import qInstallMessageHandler
        from PySide6.QtWidgets import QApplication
    except ImportError as exc:
        print(f"error: the window needs PySide6 ({exc}); install it with "
              "pip install PySide6-Essentials, or use the headless `hmipviz run`",
              file=sys.stderr)
        return 2
    problem = platform_problem()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    watch = _PlatformWatch()
    qInstallMessageHandler(watch)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    qInstallMessageHandler(None)
    for text in watch.messages:  # start-up chatter that was not fatal
        if "propagatesizehints" not in text.lower():
            print(text, file=sys.stderr)
    app.setOrganizationName("hmipviz")
    app.setApplicationName("hmipviz")
    QApplication.setApplicationDisplayName("hmipviz")  # a static QGuiApplication setter
    from hmipviz.desktop import APP_ID
    QApplication.setDesktopFileName(APP_ID)  # before the first window: Wayland's app id

    from hmipviz.gui.main_window import MainWindow, install_excepthook, setup_logging
    setup_logging()
    window = MainWindow(scenario=scenario, present=present)
    install_excepthook(window)
    if lesson is not None:
        window.open_lesson(lesson)
    # the icon (an SVG read and rendered: a few ms) once the first frame is painted
    after_first_paint(window, lambda: set_application_icon(app))
    if os.environ.get("HMIPVIZ_STARTUP_PROBE"):
        _probe_first_frame(app, window)
    window.show()
    if open_scenario is not None:
        window.open_scenario(open_scenario)
    if open_lesson is not None:
        window.open_lesson(open_lesson)
    return app.exec()


def after_first_paint(window, work) -> None:
    """Run ``work`` once the canvas has painted its first frame (a zero timer started
    before it would run first: Qt handles posted events before the window's expose)."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        def eventFilter(self, obj, event) -> bool:
            if event.type() == QEvent.Type.Paint:
                obj.removeEventFilter(self)
                QTimer.singleShot(0, work)
            return False

    watch = FirstPaint(window)
    window.topology.viewport().installEventFilter(watch)


def set_application_icon(app) -> None:
    """The window icon (assets/icons/hmipviz.svg) for every top-level window, and the
    desktop file's name, which Wayland compositors match the window to its launcher by
    (``hmipviz --install-desktop``)."""
    from PySide6.QtGui import QIcon

    from hmipviz.desktop import APP_ID, icon_path
    app.setWindowIcon(QIcon(str(icon_path())))
    app.setDesktopFileName(APP_ID)


def _probe_first_frame(app, window) -> None:
    """benchmarks/bench_gui.py: print the wall-clock time of the canvas's first paint
    (time.time(), so the parent can subtract its own launch time), then quit."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and not getattr(self, "done", False):
                self.done = True

                def report() -> None:
                    import resource
                    use = resource.getrusage(resource.RUSAGE_SELF)
                    print(f"first-frame {time.time():.6f} in-process "
                          f"{time.perf_counter() - _T0:.4f} cpu "
                          f"{use.ru_utime + use.ru_stime:.4f}", flush=True)
                    app.quit()
                QTimer.singleShot(0, report)  # after this paint has been drawn
            return False

    window._first_paint_probe = FirstPaint(window)
    window.topology.viewport().installEventFilter(window._first_paint_probe)


__all__ = ["launch", "set_application_icon", "after_first_paint", "platform_problem",
           "explain", "INSTALL_HINT"]
