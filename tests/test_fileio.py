"""Atomic writes: the old file or the whole new one, never half, permissions kept."""

from __future__ import annotations

import os

import pytest

from hmipviz.fileio import atomic_path, atomic_write


def test_replaces_the_file_and_keeps_its_permissions(tmp_path):
    target = tmp_path / "x.txt"
    target.write_text("old")
    os.chmod(target, 0o600)
    atomic_write(target, "new")
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "x.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.bin"]


def test_new_files_are_readable_by_others(tmp_path):
    atomic_write(tmp_path / "n.txt", b"x")
    assert (tmp_path / "n.txt").stat().st_mode & 0o644 == 0o644
