"""release_freed_memory empties the caches that pin a dropped history's memory."""

from __future__ import annotations

import linecache

from hmipviz.gui.release import release_freed_memory
from hmipviz.scenario import load_scenario
from hmipviz.sim import Simulation
from hmipviz.wire.codec import _decode_cached, _encode_cached


def test_release_empties_codec_caches_and_linecache() -> None:
    sim = Simulation(load_scenario("figure1"))
    sim.run(3.0)
    linecache.getline(__file__, 1)  # as PySide6's import hook does for each module
    assert _encode_cached.cache_info().currsize > 0
    assert _decode_cached.cache_info().currsize > 0
    assert __file__ in linecache.cache

    release_freed_memory()

    assert _encode_cached.cache_info().currsize == 0
    assert _decode_cached.cache_info().currsize == 0
    assert linecache.cache == {}


def test_release_empties_the_views_memo_tables() -> None:
    from hmipviz import layout
    from hmipviz.gui import caches

    caches._short("2001:db8:1::a")
    layout.token_run((0.0, 0.0), (100.0, 0.0), 10.0, 10.0, 2.0, 1.0, 8.0, 6.0, (), None)
    assert caches._short.cache_info().currsize > 0
    assert layout.token_run.cache_info().currsize > 0

    release_freed_memory()

    assert caches._short.cache_info().currsize == 0
    assert layout.token_run.cache_info().currsize == 0


def test_a_restart_releases_the_old_historys_qt_objects(qtbot) -> None:
    """After a long run and a restart, the window holds the Qt objects of a fresh start:
    no graphics items or QObjects of the dropped history survive (deleteLater done)."""
    import dataclasses

    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication, QGraphicsScene

    from hmipviz.gui.main_window import MainWindow

    def flush() -> None:
        app = QApplication.instance()
        app.processEvents()
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)

    def counts(w) -> tuple[int, int, int]:
        scenes = w.findChildren(QGraphicsScene)
        return (len(w.findChildren(QObject)), sum(len(s.items()) for s in scenes),
                w.ladder.item_count())

    scenario = dataclasses.replace(load_scenario("figure1"), duration_s=25.0)
    w = MainWindow(scenario=scenario, restore_settings=False)
    qtbot.addWidget(w)
    w.resize(1024, 768)
    w.show()
    w.docks["ladder"].show()
    w.docks["ladder"].raise_()
    flush()
    # what the window makes on first use (a few timers and models) is made by a short
    # run; a restart after it is the state every later restart must come back to
    w.controller.seek_time(2.0)
    w.controller.restart()
    flush()
    fresh = counts(w)
    w.controller.seek_time(25.0)
    w.ladder.sync()
    flush()
    assert len(w.ladder._rows) > 500  # rows far beyond the items a view may have
    assert 0 < w.ladder.item_count() < 200
    w.controller.restart()
    flush()
    assert len(w.controller.trace) == 0 and w.ladder._rows == []
    assert counts(w) == fresh


def test_the_window_reexecutes_only_as_the_hmipviz_program() -> None:
    from hmipviz.gui import release

    assert release.started_as_hmipviz("/usr/local/bin/hmipviz")
    assert release.started_as_hmipviz("/src/hmipviz/__main__.py")
    assert not release.started_as_hmipviz("/usr/bin/pytest")
    assert not release.started_as_hmipviz("/src/other/__main__.py")
    # the user's choice of allocator is kept
    assert not release.system_allocator_wanted({"PYTHONMALLOC": "pymalloc"})
    assert release.system_allocator_wanted({}) == (release._trim is not None)


def test_use_system_allocator_reexecutes_with_pythonmalloc_malloc() -> None:
    """The process runs again with the same arguments on PYTHONMALLOC=malloc (where
    glibc's malloc_trim can return a dropped history's pages)."""
    import os
    import subprocess
    import sys

    import pytest

    from hmipviz.gui import release
    if release._trim is None:
        pytest.skip("no glibc malloc_trim here: the window keeps Python's allocator")
    code = ("import os, sys; from hmipviz.gui.release import use_system_allocator; "
            "use_system_allocator(program_check=False); "
            "print(os.environ.get('PYTHONMALLOC'), sys.argv[1:])")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONMALLOC"}
    out = subprocess.run([sys.executable, "-c", code, "a", "b"], env=env, text=True,
                         capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "malloc ['a', 'b']"
