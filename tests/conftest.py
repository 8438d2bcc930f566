"""Shared test set-up: tests/ is on sys.path (pytest's rootdir conftest rule), so test
modules can import the helper module ``nets``.

Every Simulation a test builds runs in strict mode: an exception from a node fails the
test instead of becoming an InternalError event (architecture rule 9). A test that
checks the containment itself passes ``strict=False``."""

from __future__ import annotations

import pytest

from hmipviz.sim import Simulation


@pytest.fixture(autouse=True)
def _strict_simulations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Simulation, "default_strict", True)
