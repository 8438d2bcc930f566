"""`hmipviz --install-desktop`: launcher, icon and AppStream metainfo for the user.

The freedesktop validators judge the files when they are installed (Debian packages
desktop-file-utils and appstream; .ci/run installs them); without them the tests that
need them are skipped with the reason printed.
"""

import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from hmipviz import __version__, cli, desktop

APP = desktop.APP_ID


def _validator(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (apt-get install "
                    f"{'desktop-file-utils' if 'desktop' in name else 'appstream'})")
    return path


def test_install_writes_three_files_and_uninstall_removes_them(tmp_path):
    paths = desktop.install(tmp_path, ["/opt/hmip viz/bin/hmipviz"])
    assert paths == [tmp_path / "applications" / f"{APP}.desktop",
                     tmp_path / "icons/hicolor/scalable/apps" / f"{APP}.svg",
                     tmp_path / "metainfo" / f"{APP}.metainfo.xml"]
    entry = paths[0].read_text()
    assert 'Exec="/opt/hmip viz/bin/hmipviz" %f\n' in entry
    assert "TryExec=/opt/hmip viz/bin/hmipviz\n" in entry
    assert f"Icon={APP}\n" in entry
    assert paths[1].read_bytes() == desktop.icon_path().read_bytes()
    root = ET.fromstring(paths[2].read_text())
    assert root.findtext("id") == APP
    assert root.find("launchable").text == f"{APP}.desktop"
    assert root.find("releases/release").get("version") == __version__
    # no temporary files left beside them
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        p.name for p in paths)
    # a second install replaces, not duplicates
    desktop.install(tmp_path, ["/usr/bin/hmipviz"])
    assert "Exec=/usr/bin/hmipviz %f" in paths[0].read_text()
    assert desktop.uninstall(tmp_path) == paths
    assert not any(p.exists() for p in paths)
    assert desktop.uninstall(tmp_path) == []


@pytest.mark.parametrize("argument, quoted", [
    ("/usr/bin/hmipviz", "/usr/bin/hmipviz"),
    ("/a b/hmipviz", '"/a b/hmipviz"'),
    ('/x$"y/p', '"/x\\\\$\\\\"y/p"'),  # spec escapes, then the string value's own
    ("50%", "50%%"),
])
def test_exec_arguments_are_quoted_as_the_spec_says(argument, quoted):
    assert desktop.exec_quote(argument) == quoted


def test_the_cli_installs_into_xdg_data_home(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert cli.main(["--install-desktop"]) == 0
    launcher = tmp_path / "data" / "applications" / f"{APP}.desktop"
    assert f"installed {launcher}" in capsys.readouterr().out
    exec_line = next(ln for ln in launcher.read_text().splitlines() if ln.startswith("Exec="))
    assert exec_line.endswith(" %f") and "hmipviz" in exec_line
    assert cli.main(["--uninstall-desktop"]) == 0
    assert not launcher.exists()


def test_relative_xdg_data_home_is_ignored(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", "relative/dir")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert desktop.data_home() == tmp_path / ".local" / "share"


def test_an_unwritable_data_home_is_one_line(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    assert cli.main(["--install-desktop"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and str(blocker) in err and "Traceback" not in err


def test_desktop_file_validate_accepts_the_launcher(tmp_path):
    tool = _validator("desktop-file-validate")
    launcher = desktop.install(tmp_path, ["/opt/hmip viz/bin/hmipviz"])[0]
    done = subprocess.run([tool, str(launcher)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "error" not in done.stdout + done.stderr


def test_appstreamcli_accepts_the_metainfo(tmp_path):
    tool = _validator("appstreamcli")
    info = desktop.install(tmp_path, ["/usr/bin/hmipviz"])[2]
    done = subprocess.run([tool, "validate", "--no-net", str(info)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
