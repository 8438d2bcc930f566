"""A run's history is bounded (issue 9 soak): past HISTORY_MAX_EVENTS the run stops at
an instant boundary and the window says so; nothing before it changes or is dropped,
and a branch from earlier runs on up to the same limit."""

from __future__ import annotations

import pytest

from hmipviz.gui import controller as controller_mod
from hmipviz.gui.controller import QtController
from hmipviz.gui.history_limit import full_message
from hmipviz.scenario import load_scenario

LIMIT = 400


@pytest.fixture
def capped(qtbot, monkeypatch):
    monkeypatch.setattr(controller_mod, "HISTORY_MAX_EVENTS", LIMIT)
    c = QtController(load_scenario("figure1"))
    c.autoplay_on_action = False
    return c


def test_the_run_stops_at_the_limit_and_says_so_once(capped):
    c = capped
    errors, notes = [], []
    c.errorOccurred.connect(errors.append)
    c.actionApplied.connect(notes.append)
    c.run_to_end()
    n = len(c.trace)
    assert LIMIT <= n < LIMIT + 50  # the instant under way is completed, no more
    assert c.sim.next_time() > c.trace[-1].t  # stopped between two instants
    full_t = c.history_full_t
    assert full_t is not None and full_t < c.end_time
    assert c.at_end() and not c.step_forward()
    c.play()
    assert not c.playing
    assert errors == [full_message(full_t, n, LIMIT, "figure1")]
    assert f"t = {full_t:.3f} s" in errors[0] and f"({LIMIT:,})" in errors[0]

    # what is kept is exactly what an unbounded run did up to there
    free = QtController(load_scenario("figure1"))
    free.seek(n - 1)
    assert free.trace[:n] == c.trace

    # a branch from earlier runs on to the same limit; the window says so in the
    # status bar this time (the dialog came once)
    c.seek_time(full_t / 2)
    c.move_mn("AR2")
    assert c.history_full_t is None
    c.run_to_end()
    assert c.history_full_t is not None and LIMIT <= len(c.trace) < LIMIT + 50
    assert len(errors) == 1 and notes[-1].startswith("The run stopped at t = ")

    c.restart()
    assert c.history_full_t is None and c.step_forward()

    # the scrubber dragged far past the end, a mode switch that replays the actions:
    # the engine work one action does on the GUI thread is bounded by the limit too
    c.seek_time(1e9)
    assert LIMIT <= len(c.trace) < LIMIT + 50 and c.history_full_t is not None
    c.seek_time(full_t / 3)
    c.move_mn("AR2")
    c.set_mode("mipv6")
    c.seek_time(1e9)
    assert LIMIT <= len(c.trace) < LIMIT + 50 and c.history_full_t is not None
