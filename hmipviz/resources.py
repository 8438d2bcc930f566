"""Locate shipped data (built-in scenarios, icons, lessons).

In a wheel they are the packages ``hmipviz.assets`` and ``hmipviz.lessons``; in a source
checkout they are the top-level ``assets/`` and ``lessons/`` folders.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


def _folder(package: str, checkout_name: str) -> Path:
    try:
        found = resources.files(package)
        path = Path(str(found))
        if path.is_dir():
            return path
    except ModuleNotFoundError:
        pass
    return _ROOT / checkout_name


def assets_dir() -> Path:
    return _folder("hmipviz.assets", "assets")


def lessons_dir() -> Path:
    return _folder("hmipviz.lessons", "lessons")


def builtin_scenarios_dir() -> Path:
    return assets_dir() / "scenarios"
