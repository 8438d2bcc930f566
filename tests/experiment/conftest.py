"""Helpers for the experiment tests: small experiment files written into tmp_path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest


@pytest.fixture
def write_experiment(tmp_path: Path):
    def write(text: str, name: str = "exp.toml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip(), "utf-8")
        return path
    return write


@pytest.fixture
def tiny(write_experiment) -> Path:
    """Two one-AR MAP domains: one move per run (inter-MAP in HMIPv6), 2 modes x 2 seeds."""
    return write_experiment(TINY, "tiny.toml")


TINY = """
[experiment]
name = "tiny"
seeds = [1, 2]
duration_s = 3

[experiment.base]
generator = "grid"
maps = 2
ars_per_map = 1
move_interval_s = 1
flow_interval_ms = 100

[grid]
mode = ["mipv6", "hmipv6"]
"""
