"""Soak the real window with random actions (issue 9; not a CI test).

    python benchmarks/soak_gui.py [--minutes 30] [--seed 1] [--interval-ms 150]

Starts the window as ``hmipviz`` does (xcb; when DISPLAY is unset it starts ``Xvfb :99``
itself; on glibc re-executed with PYTHONMALLOC=malloc, see :mod:`hmipviz.gui.release`;
PYTHONMALLOC=pymalloc in the environment keeps Python's allocator) and drives it from
its own event loop with random actions: real mouse drags of the MN onto random access
routers and into empty space, play/pause, steps, scrubber moves, speed and mode
switches, MAP failures and restorations (controller API), opening built-in lessons, Show
me (and Esc during it), Next, key presses (QTest), restarts and built-in scenarios.
Dialogs the actions open are closed again.

Every minute it prints the resident set size and the counts so far, then restarts
the network (as Ctrl+R: the history is dropped) and prints the RSS again: the history
open at that moment (up to 40,000 events after a run to the end) weighs tens of MB, so
the RSS as sampled swings with it, while the RSS after a restart compares the same
state minute after minute and shows what the window keeps (a leak). At the end: the
tracebacks (uncaught exceptions through ``sys.excepthook``, exceptions raised by an
action, errors logged with a traceback by the window's own guards, Qt critical and
fatal messages), both RSS series' growth after the first minute, in percent, and the
slowest action of each kind. Exit status 0 when there was no traceback and the growth
after a restart is under 10 %.
"""

from __future__ import annotations

import argparse
import atexit
import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GROWTH_LIMIT_PCT = 10.0
HANG_S = 30.0  # an action that takes longer prints the main thread's stack


class HangWatch:
    """Prints the main thread's Python stack once when an action runs longer than
    ``limit_s``, and counts it. A plain thread reads the frames with
    ``sys._current_frames()`` while it holds the GIL, so the main thread is never
    inspected while it runs (faulthandler's ``dump_traceback_later`` writes the stack of
    a running thread from outside the GIL, which is not safe); a main thread busy in Qt
    without the GIL just makes the dump wait."""

    def __init__(self, limit_s: float) -> None:
        import threading

        self.limit_s = limit_s
        self.main_id = threading.main_thread().ident
        self.hangs: list[str] = []
        self._started: tuple[float, str] | None = None  # (monotonic start, action)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        threading.Thread(target=self._watch, name="soak-hang-watch", daemon=True).start()

    def start(self, name: str) -> None:
        with self._lock:
            self._started = (time.monotonic(), name)
        self._wake.set()

    def stop(self) -> None:
        with self._lock:
            self._started = None

    def _watch(self) -> None:
        import threading

        reported = None
        while True:
            self._wake.wait(1.0)
            self._wake.clear()
            with self._lock:
                started = self._started
            if started is None or started is reported:
                continue
            if time.monotonic() - started[0] < self.limit_s:
                continue
            reported = started
            frames = sys._current_frames()
            frame = frames.get(self.main_id)
            stack = "".join(traceback.format_stack(frame)) if frame is not None else ""
            # the engine steps on a thread of its own (hmipviz/gui/engine_thread.py):
            # while the main thread waits for it, the work is in its stack
            for t in threading.enumerate():
                if t.name == "hmipviz-engine" and t.ident in frames:
                    stack += ("engine thread:\n"
                              + "".join(traceback.format_stack(frames[t.ident])))
            del frame, frames  # kept, they would keep the stacks' frames alive
            text = f"action {started[1]} still running after {self.limit_s:g} s:\n{stack}"
            self.hangs.append(text)
            print(f"HANG: {text}", flush=True)


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def ensure_display(number: int = 99) -> subprocess.Popen | None:
    """A display for xcb: the one in DISPLAY, else an Xvfb of our own (stopped at exit)."""
    if os.environ.get("QT_QPA_PLATFORM", "xcb") != "xcb":
        return None
    if os.environ.get("DISPLAY"):
        return None
    if shutil.which("Xvfb") is None:
        sys.exit("soak_gui: DISPLAY is unset and Xvfb is not installed (apt-get install xvfb)")
    proc = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1600x1000x24", "-nolisten",
                             "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    atexit.register(proc.terminate)
    for _ in range(50):
        if Path(f"/tmp/.X11-unix/X{number}").exists():
            break
        time.sleep(0.1)
    os.environ["DISPLAY"] = f":{number}"
    return proc


class Problems:
    """Everything that counts as a traceback, with the text of the first few."""

    def __init__(self) -> None:
        self.count = 0
        self.texts: list[str] = []
        self.qt_warnings = 0
        self.stalls: list[str] = []  # the engine looped at one instant (not a traceback)

    def add(self, where: str, text: str) -> None:
        self.count += 1
        if len(self.texts) < 20:
            self.texts.append(f"--- {where}\n{text}")
        print(f"TRACEBACK ({where}):\n{text}", flush=True)


class _LogCounter(logging.Handler):
    """The window's guards log an exception and go on: those are tracebacks too."""

    def __init__(self, problems: Problems) -> None:
        super().__init__(logging.WARNING)
        self.problems = problems

    def emit(self, record: logging.LogRecord) -> None:
        if "engine stalled" in record.getMessage():  # controller.STALL_STEPS: not ours
            self.problems.stalls.append(record.getMessage())
            print(f"ENGINE STALL: {record.getMessage()}", flush=True)
            return
        if record.exc_info or record.levelno >= logging.ERROR:
            text = record.getMessage()
            if record.exc_info:
                text += "\n" + "".join(traceback.format_exception(*record.exc_info))
            self.problems.add(f"log {record.name}", text)


class Soak:
    def __init__(self, window, app, rng: random.Random, problems: Problems) -> None:
        from hmipviz.lesson import builtin_lessons
        from hmipviz.scenario import builtin_scenarios
        self.w = window
        self.app = app
        self.rng = rng
        self.problems = problems
        self.lessons = [n for n, _t, _s in builtin_lessons()]
        self.scenarios = list(builtin_scenarios())
        self.counts: dict[str, int] = {}
        self.slowest: dict[str, float] = {}  # action -> longest time it took, s
        self.hang_watch = HangWatch(HANG_S)
        # an action that processes events (a drag, Show me and Esc) may let the minute's
        # timer fire inside it; the sample then waits for the action to end, as the
        # action's frames still hold the history it was working on
        self.busy = False
        self.after_action: list = []
        self.actions = [
            (12, self.drag_to_ar), (4, self.drag_to_space), (8, self.toggle_play),
            (8, self.key_step), (5, self.scrub), (2, self.switch_mode), (4, self.fail_or_restore),
            (2, self.open_lesson), (4, self.show_me), (2, self.show_me_and_escape),
            (3, self.next_step), (8, self.random_key), (2, self.set_speed),
            (1, self.open_scenario), (1, self.restart), (2, self.jump_idle),
            (1, self.presentation), (1, self.close_lesson),
        ]
        self.total_weight = sum(w for w, _ in self.actions)
        # the first actions: every kind once and every view shown once, so that what
        # the window loads on first use (pyqtgraph for the plot, the lesson panel, the
        # inspector's dissector, presentation fonts) is loaded inside the first minute,
        # which the growth figure takes as its base; growth after that is what it keeps
        self.warmup = [self.show_every_view] + [a for _w, a in self.actions]
        self.rng.shuffle(self.warmup)
        # and histories filled to the window's limit (gui/run_history.MAX_EVENTS), so
        # the heap's high-water mark is reached in the first minute too: the resident
        # size after a restart keeps the fragmentation of the largest histories so far,
        # which the limit bounds; growth after that is what the window keeps
        self.warmup.append(self.fill_history)

    @property
    def c(self):
        return self.w.controller

    def act(self) -> None:
        if self.busy:  # an action's own processEvents() let the action timer fire
            return
        self.busy = True
        try:
            self._act()
        finally:
            self.busy = False
        waiting, self.after_action = self.after_action, []
        for run in waiting:  # the minute's sample, deferred while the action ran
            run()

    def _act(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        from hmipviz.gui.qt_children import descendants  # not findChildren (gui/qt_children)
        for box in descendants(self.w, QMessageBox):  # dialogs the last action opened
            if box.isVisible():
                box.done(0)
        if self.warmup:
            chosen = self.warmup.pop()
        else:
            k = self.rng.uniform(0, self.total_weight)
            chosen = self.actions[-1][1]  # if rounding leaves k a hair above 0
            for weight, action in self.actions:
                k -= weight
                if k <= 0:
                    chosen = action
                    break
        name = chosen.__name__
        self.counts[name] = self.counts.get(name, 0) + 1
        start = time.perf_counter()
        self.hang_watch.start(name)  # a hang shows its stack
        try:
            chosen()
        except Exception:
            self.problems.add(f"action {name}", traceback.format_exc())
        finally:
            self.hang_watch.stop()
        took = time.perf_counter() - start
        if took > self.slowest.get(name, 0.0):
            self.slowest[name] = took
        if took > 2.0:
            print(f"slow action: {name} took {took:.1f} s", flush=True)

    # --- the actions ---------------------------------------------------------------------
    def _drag(self, end_scene) -> None:
        from PySide6.QtCore import QPoint, Qt
        from PySide6.QtTest import QTest
        view = self.w.topology
        if view.mn_item is None:
            return
        vp = view.viewport()
        p0, p1 = view.mapFromScene(view.mn_item.scenePos()), view.mapFromScene(end_scene)
        QTest.mouseMove(vp, p0)
        QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p0)
        steps = 6
        for k in range(1, steps + 1):
            QTest.mouseMove(vp, QPoint(p0.x() + (p1.x() - p0.x()) * k // steps,
                                       p0.y() + (p1.y() - p0.y()) * k // steps))
        QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p1)

    def drag_to_ar(self) -> None:
        view = self.w.topology
        if view.ar_order:
            self._drag(view.cell_item(self.rng.choice(view.ar_order)).centre)

    def drag_to_space(self) -> None:
        from PySide6.QtCore import QPointF
        r = self.w.topology.sceneRect()
        self._drag(QPointF(self.rng.uniform(r.left(), r.right()),
                           self.rng.uniform(r.top(), r.bottom())))

    def toggle_play(self) -> None:
        self.c.toggle_play()

    def _key(self, key, mods=None) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest
        QTest.keyClick(self.w.topology, key, mods or Qt.KeyboardModifier.NoModifier)

    def key_step(self) -> None:
        from PySide6.QtCore import Qt
        self._key(self.rng.choice([Qt.Key.Key_Right, Qt.Key.Key_Right, Qt.Key.Key_Left]))

    def scrub(self) -> None:
        bar = self.w.playback.scrubber
        value = self.rng.randint(bar.minimum(), bar.maximum())
        bar.setSliderPosition(value)
        bar.sliderMoved.emit(value)

    def switch_mode(self) -> None:
        self.c.set_mode(self.rng.choice(["hmipv6", "mipv6"]))

    def fail_or_restore(self) -> None:
        maps = [n.name for n in self.c.scenario.nodes if n.role == "map"]
        if not maps:
            return
        node = self.rng.choice(maps)
        up = self.c.node_up_at(self.c.position).get(node, True)
        (self.c.fail_node if up else self.c.restore_node)(node)

    def open_lesson(self) -> None:
        self.w.open_lesson(self.rng.choice(self.lessons))

    def _panel(self):
        return getattr(self.w.lessons, "panel", None)

    def show_me(self) -> None:
        panel = self._panel()
        if panel is None or panel.run is None:
            self.open_lesson()
            panel = self._panel()
        if panel is not None:
            panel.show_me()

    def show_me_and_escape(self) -> None:
        from PySide6.QtCore import Qt
        self.show_me()
        self.app.processEvents()
        self._key(Qt.Key.Key_Escape)

    def next_step(self) -> None:
        panel = self._panel()
        if panel is not None and panel.run is not None:
            if self.rng.random() < 0.2 and panel.furthest_reachable() > 0:
                panel.goto_step(self.rng.randint(0, panel.furthest_reachable()))
            else:
                panel.next_step()

    def random_key(self) -> None:
        from PySide6.QtCore import Qt
        K, M = Qt.Key, Qt.KeyboardModifier
        key, mods = self.rng.choice([
            (K.Key_Space, None), (K.Key_Right, None), (K.Key_Left, None), (K.Key_Home, None),
            (K.Key_End, M.ControlModifier), (K.Key_Escape, None), (K.Key_H, None),
            (K.Key_S, None), (K.Key_Return, None), (K.Key_1, None), (K.Key_2, None),
            (K.Key_3, None), (K.Key_0, None), (K.Key_Equal, M.ControlModifier),
            (K.Key_Minus, M.ControlModifier), (K.Key_D, M.ControlModifier),
            (K.Key_PageDown, None), (K.Key_PageUp, None), (K.Key_A, None),
        ])
        self._key(key, mods)

    def set_speed(self) -> None:
        self.c.set_speed(self.rng.choice([0.25, 0.5, 1.0, 2.0, 5.0, 10.0]))

    def open_scenario(self) -> None:
        self.w.open_scenario(self.rng.choice(self.scenarios))

    def restart(self) -> None:
        self.c.restart()

    def jump_idle(self) -> None:
        self.c.jump_to_next_idle()

    def presentation(self) -> None:
        self.w.toggle_presentation()

    def close_lesson(self) -> None:
        self.w.lessons.close()

    def fill_history(self) -> None:
        """Two histories at the limit at once, as the window can hold them: a run, and
        the other mode's run it keeps while the first is shown (gui/mode_switch.py)."""
        self.w.open_scenario("campus")
        self.c.advance_to(1e6)  # stops where the history is full
        self.c.set_mode("mipv6" if self.c.mode == "hmipv6" else "hmipv6")
        self.c.advance_to(1e6)
        self.w.open_scenario("figure1")

    def show_every_view(self) -> None:
        from PySide6.QtWidgets import QDockWidget, QTabWidget
        for dock in self.w.findChildren(QDockWidget):
            dock.show()
            dock.raise_()
            self.app.processEvents()
        for tabs in self.w.findChildren(QTabWidget):
            for i in range(tabs.count()):
                tabs.setCurrentIndex(i)
                self.app.processEvents()

    def presenting(self) -> bool:
        return bool(getattr(self.w, "presentation", None) and self.w.presentation.active)


def _pymalloc_arenas_mb() -> float:
    """Python's small-object arenas (1 MiB each in 3.11), from sys._debugmallocstats,
    which writes to the C stderr, so it is read back through a temporary file."""
    import re
    import tempfile

    with tempfile.TemporaryFile() as tmp:
        saved = os.dup(2)
        try:
            os.dup2(tmp.fileno(), 2)
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        text = tmp.read().decode("ascii", "replace")
    match = re.search(r"# arenas allocated current\s*=\s*([\d,]+)", text)
    return int(match.group(1).replace(",", "")) if match else 0.0


def _glibc_heap() -> str:
    """glibc's view (mallinfo2): its arenas, the bytes in use, the bytes free but kept,
    and the large blocks it mmapped; '' without glibc."""
    import ctypes

    class MallInfo2(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
            "uordblks", "fordblks", "keepcost")]
    try:
        f = ctypes.CDLL("libc.so.6").mallinfo2
    except (OSError, AttributeError):
        return ""
    f.restype = MallInfo2
    m, mb = f(), 2**20
    return (f"glibc heap {m.arena / mb:.0f} MB: in use {m.uordblks / mb:.0f}, free but kept "
            f"{m.fordblks / mb:.0f}; mmapped blocks {m.hblkhd / mb:.0f} MB")


def _rss_by_mapping() -> str:
    """Resident MB by kind of mapping (/proc/self/smaps): the heap, anonymous maps
    (pymalloc arenas, thread arenas, Qt's buffers), files (code, fonts), and the files
    that hold the most."""
    kinds: dict[str, int] = {}
    files: dict[str, int] = {}
    kind = name = "anon"
    with open("/proc/self/smaps", encoding="ascii", errors="replace") as f:
        for line in f:
            parts = line.split()
            if "-" in parts[0] and not parts[0].endswith(":"):
                name = parts[5] if len(parts) > 5 else ""
                kind = ("heap" if name == "[heap]" else "anon" if not name
                        else "file" if name.startswith("/") else "other")
            elif parts[0] == "Rss:":
                kinds[kind] = kinds.get(kind, 0) + int(parts[1])
                if kind == "file":
                    files[name] = files.get(name, 0) + int(parts[1])
    top = sorted(files.items(), key=lambda kv: -kv[1])[:5]
    return (", ".join(f"{k} {v / 1024:.0f}" for k, v in sorted(kinds.items()))
            + "; files: " + ", ".join(f"{Path(n).name} {v / 1024:.1f}" for n, v in top))


def _qt_counts(window) -> str:
    """The window's Qt objects, found by walking children(): findChildren would keep
    every object it returns alive in Python after Qt deletes it (gui/qt_children), so
    the diagnosis would add to the wrappers it counts; and the wrappers whose Qt object
    is gone, which only something in Python can still hold."""
    import gc

    from PySide6.QtCore import QObject
    from PySide6.QtWidgets import QGraphicsScene
    from shiboken6 import isValid

    from hmipviz.gui.qt_children import descendants
    scenes = descendants(window, QGraphicsScene)
    dead = sum(1 for o in gc.get_objects() if isinstance(o, QObject) and not isValid(o))
    return (f"QObjects under the window {len(descendants(window, QObject))}, graphics "
            f"items {sum(len(sc.items()) for sc in scenes)} in {len(scenes)} scenes "
            f"(ladder {window.ladder.item_count()}); wrappers of deleted Qt objects {dead}")


def _holders_of_old_histories(window) -> None:
    """A trace list other than the open one, with its chain of referrers: who keeps a
    dropped history alive."""
    import gc
    import types

    from hmipviz.engine.events import Event

    current = window.controller.trace
    lists = [o for o in gc.get_objects() if type(o) is list and len(o) > 1000
             and o is not current and isinstance(o[0], Event)]
    for k in range(min(2, len(lists))):
        lst = lists[k]
        print(f"  a dropped history of {len(lst):,} events is kept by:", flush=True)
        node, seen = lst, {id(lists), id(lst)}
        for depth in range(14):
            found = gc.get_referrers(node)
            seen.add(id(found))
            for r in found:
                if isinstance(r, types.FrameType) and r is not sys._getframe():
                    print(f"    {'  ' * depth}<- frame of {r.f_code.co_qualname} "
                          f"({Path(r.f_code.co_filename).name}:{r.f_lineno})", flush=True)
            refs = [r for r in found if id(r) not in seen
                    and not isinstance(r, (types.FrameType, type(iter([]))))]
            seen.update(id(r) for r in refs if isinstance(r, list) and len(r) <= 2
                        and any(x is found for x in r))
            if not refs:
                break
            # a dict or an object of ours says more than a container
            refs.sort(key=lambda r: not (isinstance(r, dict) or hasattr(r, "__dict__")))
            node = refs[0]
            seen.add(id(node))
            desc = f"{type(node).__module__}.{type(node).__qualname__}"
            if isinstance(node, dict):
                desc += f" keys {list(node)[:8]}"
            elif isinstance(node, (list, tuple)):
                desc += f" of {len(node)}"
            elif callable(node):
                desc += f" {getattr(node, '__qualname__', '')}"
            print(f"    {'  ' * depth}<- {desc}", flush=True)


_first_counts: dict[str, int] = {}
_first_snapshot = None


def diagnose(minute: int, window) -> None:
    """Print what grew since minute 1: the resident size by mapping, glibc's heap,
    pymalloc's arenas, the window's Qt objects, Python objects by type, and with
    tracemalloc on (PYTHONTRACEMALLOC=1) the allocation sites. Finding what keeps
    memory is the point."""
    import collections
    import gc
    import tracemalloc

    global _first_snapshot
    print(f"  resident MB by mapping: {_rss_by_mapping()}", flush=True)
    print(f"  {_glibc_heap()}", flush=True)
    print(f"  {_qt_counts(window)}", flush=True)
    arenas_mb = _pymalloc_arenas_mb()
    print(f"  pymalloc arenas in use: {arenas_mb:.1f} MB (live Python objects and the "
          "free space pinned between them; 0 with PYTHONMALLOC=malloc)", flush=True)
    _holders_of_old_histories(window)
    counts = collections.Counter(type(o).__qualname__ for o in gc.get_objects())
    if minute == 1:
        _first_counts.update(counts)
    else:
        grown = sorted(((n - _first_counts.get(t, 0), t) for t, n in counts.items()),
                       reverse=True)[:8]
        print("  objects grown since minute 1: "
              + ", ".join(f"{t} +{d}" for d, t in grown if d > 0), flush=True)
    if tracemalloc.is_tracing():
        snap = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__)])
        traced = tracemalloc.get_traced_memory()[0] / 2**20
        if _first_snapshot is None:
            _first_snapshot = snap
            print(f"  Python heap (tracemalloc): {traced:.1f} MB", flush=True)
        else:
            print(f"  Python heap (tracemalloc): {traced:.1f} MB; grown since minute 1:",
                  flush=True)
            for stat in snap.compare_to(_first_snapshot, "lineno")[:8]:
                print(f"    {stat}", flush=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--interval-ms", type=int, default=150, help="between two actions")
    p.add_argument("--diagnose", action="store_true",
                   help="each minute, print the Python object types and (with tracemalloc) "
                        "the allocation sites that grew since minute 1")
    args = p.parse_args()
    # the window as `hmipviz` runs it: on glibc, on the system allocator (see
    # hmipviz.gui.release; PYTHONMALLOC=pymalloc in the environment keeps Python's own)
    from hmipviz.gui.release import use_system_allocator
    use_system_allocator(program_check=False)

    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    # SIGTERM / SIGHUP end the soak through sys.exit, so atexit stops our Xvfb
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit(143))
    ensure_display()
    from PySide6.QtCore import QEvent, QSettings, QTimer, QtMsgType, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from hmipviz.gui import lesson_panel
    from hmipviz.gui.main_window import MainWindow
    from hmipviz.gui.release import release_freed_memory
    from hmipviz.scenario import load_scenario

    problems = Problems()
    progress = Path(os.environ.get("TMPDIR", "/tmp")) / f"hmipviz-soak-{os.getpid()}"
    lesson_panel.default_progress_dir = lambda: progress  # not the user's own progress

    def excepthook(exc_type, exc, tb) -> None:
        problems.add("uncaught", "".join(traceback.format_exception(exc_type, exc, tb)))

    def qt_messages(msg_type, _context, message) -> None:
        if msg_type in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
            problems.add("Qt", str(message))
        elif "propagatesizehints" not in str(message).lower():
            problems.qt_warnings += 1
            if problems.qt_warnings <= 10:
                print(f"Qt: {message}", flush=True)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("hmipviz-soak")
    app.setApplicationName("hmipviz-soak")
    # settings of our own, fresh each run (the window's QSettings are INI files under
    # this path): a soak neither reads the user's classroom scale or layout nor leaves
    # its own behind, and every run with one seed starts from the same settings
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(progress / "settings"))
    qInstallMessageHandler(qt_messages)
    logging.getLogger("hmipviz").addHandler(_LogCounter(problems))
    baseline = "figure1"
    window = MainWindow(scenario=load_scenario(baseline), restore_settings=False)
    sys.excepthook = excepthook  # after the window: ours counts instead of a dialog
    window.show()
    soak = Soak(window, app, random.Random(args.seed), problems)

    t0 = time.monotonic()
    samples: list[float] = []  # RSS each minute, as it is
    settled: list[float] = []  # RSS each minute after a restart (see every_minute)
    actions = QTimer()
    actions.setInterval(args.interval_ms)
    actions.timeout.connect(soak.act)
    minutes = QTimer()
    minutes.setInterval(60_000)

    def every_minute() -> None:
        if soak.busy:
            soak.after_action.append(every_minute)
            return
        samples.append(rss_mb())
        events = len(window.controller.trace)
        # the same state every minute: no lesson, no presentation mode, figure1 opened
        # afresh (its history of the minute dropped, as Ctrl+R would), what the views let
        # go deleted and freed memory returned; what is left is what the window keeps.
        # Comparing whichever scenario happened to be open (campus holds ten MNs) would
        # measure the scenario, not a leak.
        window.lessons.close()
        # a lesson's Show me opens the compare view: it holds two runs
        from PySide6.QtWidgets import QWidget

        from hmipviz.gui.qt_children import descendants
        views = [v for v in descendants(window, QWidget)
                 if v.objectName() == "compareWindow" and v.isWindow()]
        known = getattr(window, "compare_window", None)
        if args.diagnose and views:
            print(f"  compare views open: {len(views)} (visible "
                  f"{sum(v.isVisible() for v in views)}; the window's own: "
                  f"{sum(v is known for v in views)})", flush=True)
        for view in views:
            view.close()
        if soak.presenting():
            window.toggle_presentation()
        window.open_scenario(baseline)
        window.controller.restart()
        # what was closed is deleted when control is back in the event loop (Qt runs no
        # deferred delete posted in the same scope: sendPostedEvents here would leave the
        # compare view and its two runs alive): sample from there, actions held back
        soak.busy = True
        QTimer.singleShot(50, lambda: settle(events))

    def settle(events: int) -> None:
        app.processEvents()
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        release_freed_memory()
        soak.busy = False
        settled.append(rss_mb())
        if args.diagnose:
            diagnose(len(samples), window)
        done = sum(soak.counts.values())
        print(f"minute {len(samples):3d}: RSS {samples[-1]:7.1f} MB with a trace of "
              f"{events:,} events, {settled[-1]:7.1f} MB after a restart; {done:6d} "
              f"actions, {problems.count} tracebacks", flush=True)
        if time.monotonic() - t0 >= args.minutes * 60 - 1:
            actions.stop()
            minutes.stop()
            app.quit()

    minutes.timeout.connect(every_minute)
    print(f"soak: {args.minutes:g} min, seed {args.seed}, an action every "
          f"{args.interval_ms} ms, DISPLAY={os.environ.get('DISPLAY')}, allocator "
          f"{os.environ.get('PYTHONMALLOC', 'pymalloc')}, start RSS "
          f"{rss_mb():.1f} MB", flush=True)
    actions.start()
    minutes.start()
    if args.minutes < 1:
        QTimer.singleShot(int(args.minutes * 60_000), every_minute)
    app.exec()
    window.lessons.close()
    window.close()
    shutil.rmtree(progress, ignore_errors=True)

    first, last = (settled[0], settled[-1]) if settled else (0.0, 0.0)
    growth = (last - first) / first * 100 if first else 0.0
    raw_growth = (samples[-1] - samples[0]) / samples[0] * 100 if samples else 0.0
    print(f"actions: {sum(soak.counts.values())} "
          + ", ".join(f"{k} {v}" for k, v in sorted(soak.counts.items())))
    print("slowest: " + ", ".join(f"{k} {v:.2f} s" for k, v in
                                  sorted(soak.slowest.items(), key=lambda kv: -kv[1])))
    print(f"tracebacks: {problems.count}; Qt warnings: {problems.qt_warnings}; engine "
          f"stalls (the run stopped, the window went on): {len(problems.stalls)}; actions "
          f"over {HANG_S:g} s: {len(soak.hang_watch.hangs)}")
    print(f"RSS as sampled (whatever history was open): first minute "
          f"{samples[0] if samples else 0:.1f} MB, at the end "
          f"{samples[-1] if samples else 0:.1f} MB, max {max(samples, default=0):.1f} MB: "
          f"{raw_growth:+.1f} %")
    print(f"RSS after a restart: first minute {first:.1f} MB, at the end {last:.1f} MB, "
          f"max {max(settled, default=0):.1f} MB: growth {growth:+.1f} %")
    for text in problems.texts:
        print(text)
    ok = problems.count == 0 and growth < GROWTH_LIMIT_PCT
    print("PASS" if ok else "FAIL", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
