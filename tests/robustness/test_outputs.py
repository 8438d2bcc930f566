"""Outputs never damage a user's files (issue 9): FIFOs, devices and `-` are streamed to,
symlinks are followed, signals leave the old set of files and no temporary files,
duplicate and empty paths are refused, a closed or full stdout ends quietly."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hmipviz import fileio
from hmipviz.cli import main

RUN = [sys.executable, "-m", "hmipviz", "run"]
SHORT = ["figure1", "--until", "3"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The trace and capture of `run figure1 --until 3` written to regular files."""
    d = tmp_path_factory.mktemp("reference")
    assert main(["run", *SHORT, "--quiet", "--trace", str(d / "t.jsonl"),
                 "--pcap", str(d / "p.pcapng")]) == 0
    return {"trace": (d / "t.jsonl").read_bytes(), "pcap": (d / "p.pcapng").read_bytes()}


def listing(directory: Path) -> list[str]:
    return sorted(os.listdir(directory))


# --- FIFOs, devices, stdout, symlinks ---------------------------------------------------------

def test_a_fifo_is_streamed_to_its_reader(tmp_path, reference):
    fifo = tmp_path / "trace.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert main(["run", *SHORT, "--quiet", "--trace", str(fifo)]) == 0
    reader.join(timeout=30)
    assert not reader.is_alive(), "the reader of the FIFO got no end of file"
    assert got == [reference["trace"]]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced"
    assert listing(tmp_path) == ["trace.fifo"]


def test_a_symlink_is_followed_and_kept(tmp_path, reference):
    real = tmp_path / "data" / "capture.pcapng"
    real.parent.mkdir()
    real.write_bytes(b"old capture")
    os.chmod(real, 0o640)
    link = tmp_path / "latest.pcapng"
    link.symlink_to(real)
    dangling = tmp_path / "trace.jsonl"
    dangling.symlink_to(tmp_path / "data" / "new-trace.jsonl")
    assert main(["run", *SHORT, "--quiet", "--pcap", str(link), "--trace", str(dangling)]) == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == reference["pcap"]
    assert real.stat().st_mode & 0o777 == 0o640
    assert dangling.is_symlink() and (tmp_path / "data" / "new-trace.jsonl").read_bytes() == \
        reference["trace"]
    assert listing(tmp_path / "data") == ["capture.pcapng", "new-trace.jsonl"]


def test_dev_null_is_written_not_replaced(tmp_path, monkeypatch):
    """The code path for a character device opens it for writing and never renames:
    guarded, so that even a regression could not replace the real /dev/null."""
    if not stat.S_ISCHR(os.stat("/dev/null").st_mode):
        pytest.skip("/dev/null is not a character device on this system")
    real_replace = os.replace

    def guarded_replace(src, dst, *args, **kwargs):
        assert not os.path.realpath(dst).startswith("/dev/"), f"about to replace {dst}"
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(fileio.os, "replace", guarded_replace)
    link = tmp_path / "null-link"
    link.symlink_to("/dev/null")
    before = os.stat("/dev/null")
    assert main(["run", *SHORT, "--quiet", "--trace", "/dev/null", "--pcap", str(link)]) == 0
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino,
                                                                           before.st_rdev)
    assert link.is_symlink() and not [n for n in os.listdir("/dev") if ".hmipviz-" in n]
    assert fileio.resolve("/dev/null").kind == "stream"


def test_dash_is_standard_output(tmp_path, reference):
    proc = subprocess.run([*RUN, *SHORT, "--trace", "-"], cwd=tmp_path, capture_output=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == reference["trace"]  # the summary went to stderr
    assert b"scenario figure1" in proc.stderr and b"wrote -" in proc.stderr
    assert listing(tmp_path) == []  # no file named "-"
    proc = subprocess.run([*RUN, *SHORT, "--quiet", "--pcap", "-"], cwd=tmp_path,
                          capture_output=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout == reference["pcap"]


@pytest.mark.skipif(not os.path.exists("/dev/stdout"), reason="no /dev/stdout on this system")
def test_dev_stdout_to_a_pipe_is_streamed(tmp_path, reference):
    proc = subprocess.run([*RUN, *SHORT, "--quiet", "--trace", "/dev/stdout"], cwd=tmp_path,
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == reference["trace"] and listing(tmp_path) == []


# --- signals and leftovers ----------------------------------------------------------------------
def _default_signals() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)



@pytest.mark.parametrize("signum, status", [(signal.SIGTERM, -signal.SIGTERM),
                                            (signal.SIGHUP, -signal.SIGHUP),
                                            (signal.SIGINT, 130)])
def test_a_signal_leaves_the_old_set_and_no_temporary_files(tmp_path, signum, status):
    (tmp_path / "t.jsonl").write_text("old trace")
    (tmp_path / "p.pcapng").write_text("old capture")
    # restore the signals' defaults in the child: a pytest-xdist worker ignores SIGINT,
    # a suite started under nohup ignores SIGHUP, and a process that starts with a
    # signal ignored rightly keeps ignoring it (as a shell's background job or a nohup'd
    # run does)
    proc = subprocess.Popen([*RUN, "figure1", "--until", "5000", "--trace", "t.jsonl",
                             "--pcap", "p.pcapng"], cwd=tmp_path, stderr=subprocess.PIPE,
                            preexec_fn=_default_signals)
    try:
        deadline = time.monotonic() + 60
        while len(listing(tmp_path)) < 4:  # both temporary files are being written
            assert time.monotonic() < deadline and proc.poll() is None, listing(tmp_path)
            time.sleep(0.05)
        time.sleep(0.3)
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == status
    assert b"Traceback" not in err
    assert listing(tmp_path) == ["p.pcapng", "t.jsonl"]
    assert (tmp_path / "t.jsonl").read_text() == "old trace"
    assert (tmp_path / "p.pcapng").read_text() == "old capture"


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_later_run_removes_stale_temporary_files_of_dead_runs_only(tmp_path):
    dead = _dead_pid()
    stale = tmp_path / f".t.jsonl.hmipviz-{dead}-1.tmp"
    live = tmp_path / f".t.jsonl.hmipviz-{os.getppid()}-1.tmp"  # a running process
    foreign = tmp_path / ".t.jsonl.x1y2z3.tmp"  # not our naming: not ours to remove
    other = tmp_path / f".other.jsonl.hmipviz-{dead}-1.tmp"  # another target's
    for p in (stale, live, foreign, other):
        p.write_text("leftover")
    assert main(["run", *SHORT, "--quiet", "--trace", str(tmp_path / "t.jsonl")]) == 0
    assert not stale.exists()
    assert live.exists() and foreign.exists() and other.exists()
    assert (tmp_path / "t.jsonl").stat().st_size > 0


def test_temporary_files_are_named_for_their_run(tmp_path):
    with fileio.OutputSet() as outputs:
        outputs.add(tmp_path / "x.jsonl").write(b"data")
        (tmp,) = [n for n in listing(tmp_path)]
        assert tmp.startswith(f".x.jsonl.hmipviz-{os.getpid()}-") and tmp.endswith(".tmp")
        outputs.commit()
    assert listing(tmp_path) == ["x.jsonl"]


def test_outputs_are_renamed_only_once_all_are_complete(tmp_path, monkeypatch):
    for name in ("a.jsonl", "b.pcapng"):
        (tmp_path / name).write_text("old")
    real_finish = fileio.Output.finish

    def finish(self):
        if self.destination.given.endswith("b.pcapng"):
            raise OSError(28, "No space left on device", self.destination.given)
        real_finish(self)

    monkeypatch.setattr(fileio.Output, "finish", finish)
    with pytest.raises(OSError), fileio.OutputSet() as outputs:
        outputs.add(tmp_path / "a.jsonl").write(b"new")
        outputs.add(tmp_path / "b.pcapng").write(b"new")
        outputs.commit()
    assert [(tmp_path / n).read_text() for n in ("a.jsonl", "b.pcapng")] == ["old", "old"]
    assert listing(tmp_path) == ["a.jsonl", "b.pcapng"]


# --- refused paths --------------------------------------------------------------------------

def test_an_empty_pcap_path_is_an_error(tmp_path, capsys):
    assert main(["run", *SHORT, "--pcap", ""]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --pcap ''") and "empty file name" in err
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("how", ["same", "symlink", "stdout", "dotted"])
def test_two_outputs_on_one_path_are_an_error(tmp_path, capsys, how):
    target = tmp_path / "out"
    target.write_text("old")
    first, second = str(target), str(target)
    if how == "symlink":
        (tmp_path / "link").symlink_to(target)
        second = str(tmp_path / "link")
    elif how == "stdout":
        first = second = "-"
    elif how == "dotted":
        second = str(tmp_path / "." / "out")
    assert main(["run", *SHORT, "--trace", first, "--pcap", second]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "same" in err and err.count("\n") == 1
    assert target.read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == (["link", "out"] if how == "symlink" else ["out"])


@pytest.mark.parametrize("what", ["directory", "socket"])
def test_a_directory_or_socket_is_refused_before_the_run(tmp_path, capsys, what):
    import socket
    path = tmp_path / "x"
    if what == "directory":
        path.mkdir()
        sock = None
    else:
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
    try:
        assert main(["run", *SHORT, "--trace", str(path)]) == 2
    finally:
        if sock is not None:
            sock.close()
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot write {path}: ") and what in err


# --- standard output closed or full -----------------------------------------------------------

@pytest.mark.parametrize("extra", [[], ["--trace", "-", "--quiet"]])
def test_a_closed_stdout_ends_quietly(tmp_path, extra):
    """`hmipviz run figure1 | head -1`, the reader gone before the first write."""
    (tmp_path / "p.pcapng").write_text("old")
    proc = subprocess.Popen([*RUN, *SHORT, *extra, "--pcap", "p.pcapng"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read()
    proc.wait(timeout=120)
    assert proc.returncode in (2, 141)
    assert err == b""
    assert listing(tmp_path) == ["p.pcapng"]


def test_head_in_a_shell_pipeline_sees_no_traceback(tmp_path):
    cmd = (f"{sys.executable} -m hmipviz run figure1 --until 3 --trace - --quiet | head -1; "
           "echo status=${PIPESTATUS[0]} >&2")
    proc = subprocess.run(["bash", "-c", cmd], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert proc.stdout.startswith('{"ar": "AR1"') and proc.stdout.count("\n") == 1
    assert proc.stderr.strip() in ("status=141", "status=0"), proc.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="/dev/full is Linux-only")
def test_a_full_stdout_is_one_error_line_and_status_2(tmp_path):
    with open("/dev/full", "w") as full:
        proc = subprocess.run([*RUN, *SHORT], cwd=tmp_path, stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr == "error: cannot write standard output: No space left on device\n"
    proc = subprocess.run([*RUN, *SHORT, "--quiet", "--trace", "/dev/full"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr == "error: cannot write /dev/full: No space left on device\n"
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
