"""Shared test set-up: tests/ is on sys.path (pytest's rootdir conftest rule), so test
modules can import the helper module ``nets``.

Every Simulation a test builds runs in strict mode: an exception from a node fails the
test instead of becoming an InternalError event (architecture rule 9). Set here, when
pytest loads this file, so module-level set-up and module-scoped fixtures are strict too.
A test that checks the containment itself passes ``strict=False``."""

from __future__ import annotations

from hmipviz.sim import Simulation

Simulation.default_strict = True


# --- the garbage collector -----------------------------------------------------------------
# The tests allocate millions of short-lived objects (events, packets, engine copies) while
# every imported module (Qt, scapy, hypothesis) and the collected tests stay alive: with the
# default thresholds each full collection walked all of them again, 10 to 14 % of the CPU
# time of the engine-heavy files (measured side by side). After collection the objects alive
# are moved out of the collector's sight (gc.freeze) and collections come less often. Only
# when unreachable cycles are freed changes; a test that needs them freed calls gc.collect().
import gc  # noqa: E402


def pytest_collection_finish(session):
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


# --- CPU time per test (opt-in) ---------------------------------------------------------
# HMIPVIZ_TEST_CPU=FILE appends "seconds<TAB>test id<TAB>whole<TAB>children" for each
# test: the process CPU time of its call phase, of its set-up, call and tear-down
# together (a module fixture counts in its first test), and the CPU time of the
# subprocesses it waited for (tshark, pip, Chromium, a second Python). CPU time, which a
# machine shared with other jobs inflates far less than wall time (benchmarks/suite_cpu.py
# sums and ranks the lines; docs/performance.md).
import os  # noqa: E402
import time  # noqa: E402

import pytest  # noqa: E402

_CPU_LOG = os.environ.get("HMIPVIZ_TEST_CPU")


def _children_s() -> float:
    t = os.times()
    return t.children_user + t.children_system


if _CPU_LOG:
    _CALL_S: dict[str, float] = {}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(item):
        t0 = time.process_time()
        yield
        _CALL_S[item.nodeid] = time.process_time() - t0

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(item, nextitem):
        t0, c0 = time.process_time(), _children_s()
        yield
        whole, children = time.process_time() - t0, _children_s() - c0
        call = _CALL_S.pop(item.nodeid, 0.0)
        with open(_CPU_LOG, "a", encoding="utf-8") as f:
            f.write(f"{call:.3f}\t{item.nodeid}\t{whole:.3f}\t{children:.3f}\n")


# --- one worker for the modules with a costly module fixture ----------------------------------
# pytest-xdist's "load" sends each test to whichever worker is free, so a module fixture
# runs on every worker that gets one of its tests: these modules' fixtures take seconds
# (a wheel build, an experiment, tshark over every built-in, Chromium) and ran twice.
# Each is one work unit here; every other test is still its own. (xdist's own
# ``--dist loadgroup`` marks do nothing with pytest 9: xdist renames ``item._nodeid``,
# which pytest 9 no longer reads.)
ONE_WORKER_MODULES = frozenset({
    "tests/experiment/test_experiment_model.py",
    "tests/experiment/test_experiment_cli.py",
    "tests/test_packaging.py",
    "tests/wire/test_dissect_pdml.py",
    "tests/test_html_export_browser.py",
})


def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModulesKeptTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in ONE_WORKER_MODULES else nodeid

        def remove_node(self, node):
            """A worker died: the test it was running is the crash, reported failed and
            not handed to another worker (as xdist's own "load" does). LoadScope hands
            it out again: a test that takes down any worker it runs on (one built a
            widget before any QApplication existed) took down every replacement, and
            the run hung instead of failing."""
            crashed = None
            for unit in self.assigned_work.get(node, {}).values():
                crashed = next((nodeid for nodeid, done in unit.items() if not done), None)
                if crashed is not None:
                    unit[crashed] = True  # not to be run again
                    break
            other = super().remove_node(node)
            return crashed if crashed is not None else other

    return ModulesKeptTogether(config, log)
