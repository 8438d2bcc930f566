"""Where each table, key and array element of a TOML text starts (1-based lines).

tomllib returns plain dicts without positions, so the loaders of scenarios and lessons
use this index to name the line of every problem they find.
"""

from __future__ import annotations

import contextlib
import re
import tomllib
from bisect import bisect_left

KeyPath = tuple[str | int, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_NEWLINE = re.compile("\n")
_SCALAR = re.compile(r"[^,\]}\n#]*")
_BLANKS = re.compile(r"(?:[ \t\r]+|#[^\n]*)*")
_BLANKS_AND_LINES = re.compile(r"(?:[ \t\r\n]+|#[^\n]*)*")
STRING = re.compile(
    r'''"{3}(?:[^"\\]|\\[\s\S]|"(?!""))*"{3,5}'''  # multi-line basic; up to 2 quotes end it
    r"|'{3}[\s\S]*?'{3,5}"  # multi-line literal
    r'|"(?:[^"\\\n]|\\.)*"'  # basic
    r"|'[^'\n]*'"  # literal
)
"""Any TOML string, from its opening quote (regular expressions keep long files fast)."""


class LineIndex:
    """Where each table, key and array element of a TOML text starts (1-based lines).

    Hand-written because tomllib returns plain dicts without positions and the standard
    library has no TOML parser that keeps them. It runs only on text tomllib accepted,
    so it follows TOML's structure (headers, dotted keys, strings, arrays, inline tables)
    without checking it. Paths match tomllib's result: ``("node", 2, "map_options", 0)``.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0
        self._newlines = [m.start() for m in _NEWLINE.finditer(text)]
        self._arrays: dict[KeyPath, int] = {}  # array-of-tables path -> tables so far
        self.lines: dict[KeyPath, int] = {}
        # Raises only on text tomllib rejects: then fewer lines are known, never a traceback.
        with contextlib.suppress(IndexError, AttributeError, ValueError):
            self._scan()

    def line(self, path: KeyPath) -> int:
        """Line of ``path``, else of its nearest recorded ancestor, else 1."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return 1

    def _line_at(self, pos: int) -> int:
        return bisect_left(self._newlines, pos) + 1

    def _scan(self) -> None:
        table: KeyPath = ()
        while True:
            self._skip(newlines=True)
            start = self._pos
            if start >= len(self._text):
                return
            if self._text.startswith("[[", start):
                self._pos += 2
                table = self._array_table(self._key(), start)
                self._pos += 2
            elif self._text[start] == "[":
                self._pos += 1
                table = self._resolve(self._key())
                self.lines.setdefault(table, self._line_at(start))
                self._pos += 1
            else:
                path = table + self._key()
                self._pos += 1  # "="
                self.lines[path] = self._line_at(start)
                self._value(path)
            if self._pos <= start:
                raise IndexError("scanner made no progress")

    def _skip(self, newlines: bool) -> None:
        """Skip blanks and comments, and line ends too when ``newlines``."""
        blanks = _BLANKS_AND_LINES if newlines else _BLANKS
        self._pos = blanks.match(self._text, self._pos).end()  # type: ignore[union-attr]

    def _key(self) -> tuple[str, ...]:
        """A dotted key of bare or quoted parts; leaves the position after it."""
        parts: list[str] = []
        while True:
            self._skip(newlines=False)
            if self._text[self._pos] in "\"'":
                start = self._pos
                self._string()
                parts.append(tomllib.loads("k = " + self._text[start : self._pos])["k"])
            else:
                match = _BARE_KEY.match(self._text, self._pos)
                parts.append(match.group())  # type: ignore[union-attr]
                self._pos = match.end()  # type: ignore[union-attr]
            self._skip(newlines=False)
            if self._text[self._pos] != ".":
                return tuple(parts)
            self._pos += 1

    def _value(self, path: KeyPath) -> None:
        self._skip(newlines=False)
        c = self._text[self._pos]
        if c in "\"'":
            self._string()
        elif c == "[":
            self._array(path)
        elif c == "{":
            self._inline_table(path)
        else:
            self._pos = _SCALAR.match(self._text, self._pos).end()  # type: ignore[union-attr]

    def _array(self, path: KeyPath) -> None:
        self._pos += 1
        index = 0
        while True:
            self._skip(newlines=True)
            start = self._pos
            if self._text[start] == "]":
                self._pos += 1
                return
            self.lines[path + (index,)] = self._line_at(start)
            self._value(path + (index,))
            index += 1
            self._skip(newlines=True)
            if self._text[self._pos] == ",":
                self._pos += 1
            if self._pos <= start:
                raise IndexError("scanner made no progress")

    def _inline_table(self, path: KeyPath) -> None:
        self._pos += 1
        while True:
            self._skip(newlines=False)
            start = self._pos
            if self._text[start] == "}":
                self._pos += 1
                return
            key = path + self._key()
            self._pos += 1  # "="
            self.lines[key] = self._line_at(start)
            self._value(key)
            self._skip(newlines=False)
            if self._text[self._pos] == ",":
                self._pos += 1

    def _string(self) -> None:
        found = STRING.match(self._text, self._pos)
        if found is None:
            raise ValueError("unterminated string")  # only on text tomllib rejects
        self._pos = found.end()

    def _resolve(self, keys: tuple[str, ...]) -> KeyPath:
        """Table path of a header: an array of tables stands for its latest table."""
        path: KeyPath = ()
        for key in keys:
            path += (key,)
            if path in self._arrays:
                path += (self._arrays[path] - 1,)
        return path

    def _array_table(self, keys: tuple[str, ...], start: int) -> KeyPath:
        full = self._resolve(keys[:-1]) + (keys[-1],)
        index = self._arrays.get(full, 0)
        self._arrays[full] = index + 1
        self.lines[full + (index,)] = self._line_at(start)
        return full + (index,)
