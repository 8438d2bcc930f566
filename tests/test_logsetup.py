"""The log: -v / --log-level on stderr, and a rotating file for the window."""

from __future__ import annotations

import logging

import pytest

from hmipviz.cli import main
from hmipviz.logsetup import add_rotating_file, level_from_args


@pytest.fixture(autouse=True)
def _clean_logger():
    logger = logging.getLogger("hmipviz")
    saved = (list(logger.handlers), logger.level)
    yield
    logger.handlers[:] = saved[0]
    logger.setLevel(saved[1])


def test_levels_from_the_command_line() -> None:
    assert level_from_args(0, None) == logging.WARNING
    assert level_from_args(1, None) == logging.INFO
    assert level_from_args(2, None) == logging.DEBUG
    assert level_from_args(2, "error") == logging.ERROR  # --log-level wins


@pytest.mark.parametrize(("argv", "shown", "hidden"), [
    (["-v"], "an info record", "a debug record"),
    (["--log-level", "DEBUG"], "a debug record", None),
    ([], "a warning record", "an info record"),
])
def test_stderr_gets_the_records_at_the_asked_level(capsys, argv, shown, hidden) -> None:
    assert main([*argv, "check", "figure1"]) == 0
    log = logging.getLogger("hmipviz.test")
    log.debug("a debug record")
    log.info("an info record")
    log.warning("a warning record")
    err = capsys.readouterr().err
    assert shown in err
    if hidden:
        assert hidden not in err


def test_a_bad_level_is_a_usage_error(capsys) -> None:
    assert main(["--log-level", "loud", "check", "figure1"]) == 2
    assert "--log-level" in capsys.readouterr().err


def test_calling_main_twice_prints_a_record_once(capsys) -> None:
    main(["-v", "check", "figure1"])
    main(["-v", "check", "figure1"])
    logging.getLogger("hmipviz.test").info("once")
    assert capsys.readouterr().err.count("once") == 1


def test_the_log_file_rotates_and_keeps_three_backups(tmp_path) -> None:
    path = tmp_path / "cache" / "hmipviz.log"
    handler = add_rotating_file(path, max_bytes=2_000, backups=3)
    assert handler is not None
    log = logging.getLogger("hmipviz.test")
    log.setLevel(logging.INFO)
    try:
        for i in range(400):
            log.warning("record %04d %s", i, "x" * 40)
    finally:
        logging.getLogger("hmipviz").removeHandler(handler)
        handler.close()
    names = sorted(p.name for p in path.parent.iterdir())
    assert names == ["hmipviz.log", "hmipviz.log.1", "hmipviz.log.2", "hmipviz.log.3"]
    assert all(p.stat().st_size <= 2_000 for p in path.parent.iterdir())
    assert "record 0399" in path.read_text()


def test_no_log_file_where_its_folder_cannot_be_made(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert add_rotating_file(blocker / "sub" / "hmipviz.log") is None
