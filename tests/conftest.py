"""Shared test set-up: tests/ is on sys.path (pytest's rootdir conftest rule), so test
modules can import the helper module ``nets``.

Every Simulation a test builds runs in strict mode: an exception from a node fails the
test instead of becoming an InternalError event (architecture rule 9). Set here, when
pytest loads this file, so module-level set-up and module-scoped fixtures are strict too.
A test that checks the containment itself passes ``strict=False``."""

from __future__ import annotations

from hmipviz.sim import Simulation

Simulation.default_strict = True
