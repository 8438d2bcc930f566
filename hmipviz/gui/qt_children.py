"""Finding a widget's descendants without keeping them alive after Qt deletes them.

PySide6 (6.11) ties every object ``root.findChildren(...)`` returns to root's Python
wrapper. For an object Qt made itself (a table's scroll bars, viewport and headers, a
main window's dock tab bars) nothing unties it when Qt later deletes it, so its wrapper
lives as long as root's: the issue 9 soak found a window that gained about 40 dead
wrappers each time classroom mode rebuilt the binding-cache tables, thousands in half an
hour. Walking ``children()`` level by level finds the same objects without that tie.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject

T = TypeVar("T", bound=QObject)


def descendants(root: QObject, kind: type[T], *, direct_only: bool = False) -> list[T]:
    """root's children of type ``kind`` (and theirs, unless ``direct_only``), in the
    order ``findChildren`` gives them: depth first, each parent before its children."""
    found: list[T] = []
    stack = list(reversed(root.children()))
    while stack:
        obj = stack.pop()
        if isinstance(obj, kind):
            found.append(obj)
        if not direct_only:
            stack.extend(reversed(obj.children()))
    return found


__all__ = ["descendants"]
