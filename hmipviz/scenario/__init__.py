"""Scenarios: the model of one simulation, read from and written to TOML.

``model`` holds the frozen dataclasses, ``load`` reads and validates a file (with the
cross-table checks in ``checks``), ``dump`` writes one back, and ``limits`` bounds what a
file may hold. This package re-exports the names callers use, so
``from hmipviz.scenario import load_scenario, Scenario`` keeps working.
"""

from hmipviz.scenario.dump import _toml_text as _toml_text
from hmipviz.scenario.dump import _toml_value as _toml_value
from hmipviz.scenario.dump import dump_scenario, save_scenario

# Private helpers imported from here before the split (``X as X`` marks each as re-exported);
# kept for one release. (``_suggest`` is gone: use hmipviz.convert.suggest.)
from hmipviz.scenario.load import _parse_toml as _parse_toml
from hmipviz.scenario.load import _protocol_kinds as _protocol_kinds
from hmipviz.scenario.load import _read_text as _read_text
from hmipviz.scenario.load import builtin_scenarios, load_scenario
from hmipviz.scenario.model import (
    FLOW_KINDS,
    MODES,
    ROLES,
    SECURITIES,
    FlowSpec,
    InjectSpec,
    LinkSpec,
    MapOptionSpec,
    MoveSpec,
    NodeActionSpec,
    NodeSpec,
    Scenario,
    ScenarioError,
)

__all__ = [
    "FLOW_KINDS",
    "MODES",
    "ROLES",
    "SECURITIES",
    "FlowSpec",
    "InjectSpec",
    "LinkSpec",
    "MapOptionSpec",
    "MoveSpec",
    "NodeActionSpec",
    "NodeSpec",
    "Scenario",
    "ScenarioError",
    "builtin_scenarios",
    "dump_scenario",
    "load_scenario",
    "save_scenario",
]
