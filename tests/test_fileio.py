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
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.bin"]


def test_new_files_are_readable_by_others(tmp_path):
    atomic_write(tmp_path / "n.txt", b"x")
    assert (tmp_path / "n.txt").stat().st_mode & 0o644 == 0o644


def test_a_symlink_is_followed_and_the_link_kept(tmp_path):
    real = tmp_path / "real.toml"
    real.write_text("old")
    link = tmp_path / "link.toml"
    link.symlink_to(real.name)  # relative, as users make them
    atomic_write(link, "new")
    assert link.is_symlink() and os.readlink(link) == "real.toml"
    assert real.read_text() == "new"
    with atomic_path(link) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".real.toml.hmipviz-")
        tmp.write_text("newer")
    assert link.is_symlink() and real.read_text() == "newer"
    assert sorted(os.listdir(tmp_path)) == ["link.toml", "real.toml"]


@pytest.mark.parametrize("how", ["atomic_write", "atomic_path"])
def test_a_fifo_gets_the_bytes_and_stays_a_fifo(tmp_path, how):
    import stat
    import threading
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    if how == "atomic_write":
        atomic_write(fifo, b"through the pipe")
    else:
        with atomic_path(fifo) as tmp:
            assert tmp.parent != tmp_path  # staged elsewhere, never beside the FIFO
            tmp.write_bytes(b"through the pipe")
    reader.join(timeout=20)
    assert got == [b"through the pipe"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and os.listdir(tmp_path) == ["pipe"]
