"""Locate shipped data (built-in scenarios, icons, lessons).

In a wheel they are the packages ``hmipviz.assets`` and ``hmipviz.lessons``; in a source
checkout they are the top-level ``assets/`` and ``lessons/`` folders.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


def _folder(package: str, checkout_name: str) -> Path:
    # The data folders hold no __init__.py, so in a wheel they are namespace packages:
    # importlib.resources.files() gives a MultiplexedPath there, not a plain folder,
    # so the folder is taken from the package's search locations instead.
    try:
        spec = importlib.util.find_spec(package)
    except ModuleNotFoundError:
        spec = None
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(location)
        if path.is_dir():
            return path
    return _ROOT / checkout_name


def assets_dir() -> Path:
    return _folder("hmipviz.assets", "assets")


def lessons_dir() -> Path:
    return _folder("hmipviz.lessons", "lessons")


def builtin_scenarios_dir() -> Path:
    return assets_dir() / "scenarios"
