"""Animation export (hmipviz/gui/animation_export.py): rendered offscreen from the trace,
paced as the window plays, deterministic, in every format; the headless command and
the window's dialog."""

from __future__ import annotations

import dataclasses
import importlib.util

import pytest
from PIL import Image, ImageSequence

from hmipviz import animation_encode as encoding
from hmipviz import animation_plan
from hmipviz.cli import main
from hmipviz.gui import pacing, playback
from hmipviz.gui.animation_dialog import (
    AnimationDialog,
    export_ladder_text,
    ladder_text_for,
    record,
)
from hmipviz.gui.animation_export import (
    AnimationCanvas,
    AnimationRequest,
    Cancelled,
    export_animation,
    path_with_format,
    plan_for,
)
from hmipviz.gui.controller import QtController
from hmipviz.ladder_text import model_for, to_mermaid
from hmipviz.scenario import MoveSpec, load_scenario

SMALL = {"width": 320, "height": 180}


def figure1_moving():
    sc = load_scenario("figure1")
    return dataclasses.replace(sc, moves=(MoveSpec(5.0, "AR2", 0),), duration_s=7.0)


@pytest.fixture
def controller(qtbot):
    return QtController(figure1_moving())


def test_the_plan_paces_as_the_window_plays():
    assert animation_plan.HOP_MS == playback.HOP_MS
    assert animation_plan.MOVING_RATE == pacing.MOVING_RATE


def test_frames_show_the_mn_move_and_tokens_travel(controller):
    plan = plan_for(controller, AnimationRequest("x.gif", 4.95, 5.1, fps=15, speed=1.5))
    canvas = AnimationCanvas(controller, 960, 540, with_caption=True, with_ladder=False)
    try:
        topo = canvas.topology
        canvas.show_frame(plan.frames[0])
        assert topo.cell_at(topo.mn_item.pos()) == "AR1"  # before the move
        seen = {}  # token -> positions along its hop
        captions = []
        for f in plan.frames:
            canvas.show_frame(f)
            captions.append(canvas.caption.text.text())
            for token in topo.token_items():
                key = (token.event.kind, token.event.node, token.event.to_node)
                seen.setdefault(key, []).append((token.pos().x(), token.pos().y()))
        assert topo.cell_at(topo.mn_item.pos()) == "AR2"  # after it
        assert ("local BU", "MN", "AR2") in seen  # a short hop: maybe too short to move
        for hop in [("local BU", "AR2", "MAP1"), ("local BA", "MAP1", "AR2")]:
            assert len(set(seen[hop])) >= 3, hop  # it moved along its hop, frame by frame
        # the caption follows: the local BU, its BA, and the handover's end
        said = [k for k, words in enumerate(("Local BU", "Local BA", "intra-MAP handover "
                                             "complete")) if any(words in c for c in captions)]
        assert said == [0, 1, 2] and "handover complete" in captions[-1]
        rgb = canvas.grab_rgb()
        assert len(rgb) == 960 * 540 * 3 and len(set(rgb[::997])) > 4  # a picture
    finally:
        canvas.deleteLater()


def test_the_same_export_twice_gives_the_same_bytes(qtbot, tmp_path):
    paths = []
    for k in (1, 2):  # a fresh controller each time: nothing carried over
        c = QtController(figure1_moving())
        path = tmp_path / f"a{k}.gif"
        n = export_animation(c, AnimationRequest(str(path), 5.0, 5.5, fps=4, speed=10,
                                                 with_caption=True, **SMALL))
        paths.append(path)
    data = [p.read_bytes() for p in paths]
    assert data[0] == data[1] and data[0][:6] == b"GIF89a"
    with Image.open(paths[0]) as im:
        assert im.size == (320, 180) and im.info.get("loop") == 0
        frames = [f.copy() for f in ImageSequence.Iterator(im)]
    assert 2 <= len(frames) <= n  # identical neighbours are merged, not dropped
    assert frames[0].convert("RGB").tobytes() != frames[-1].convert("RGB").tobytes()


@pytest.mark.parametrize("fmt, suffix, magic", [("webp", ".webp", b"RIFF"),
                                                ("apng", ".png", b"\x89PNG"),
                                                ("mp4", ".mp4", None)])
def test_webp_apng_and_mp4(controller, tmp_path, fmt, suffix, magic):
    if encoding.unavailable(fmt):
        pytest.skip(f"{fmt}: {encoding.unavailable(fmt)}")
    path = tmp_path / f"a{suffix}"
    n = export_animation(controller, AnimationRequest(str(path), 5.0, 5.3, fps=4, speed=10,
                                                      **SMALL))
    data = path.read_bytes()
    if magic:
        assert data.startswith(magic)
        with Image.open(path) as im:
            assert im.size == (320, 180) and getattr(im, "n_frames", 1) >= 2
    else:
        assert data[4:8] == b"ftyp"
        import av
        with av.open(str(path)) as video:
            decoded = list(video.decode(video=0))
        assert decoded[0].width == 320 and len(decoded) == n + 1  # + the held last frame


def test_cancel_writes_nothing_and_puts_the_controller_back(controller, tmp_path):
    controller.seek_time(2.0)
    position = controller.position
    path = tmp_path / "a.gif"
    with pytest.raises(Cancelled):
        export_animation(controller, AnimationRequest(str(path), 5.0, 5.5, fps=4, speed=10,
                                                      **SMALL),
                         progress=lambda done, total: done < 2)
    assert list(tmp_path.iterdir()) == []  # no file, no temporary left
    assert controller.position == position


def test_times_past_the_run_are_refused(controller, tmp_path):
    with pytest.raises(animation_plan.PlanError, match="the run ends at 7 s"):
        export_animation(controller, AnimationRequest(str(tmp_path / "a.gif"), 5, 9))


def test_without_pyav_mp4_is_disabled_and_the_cli_says_how_to_get_it(
        controller, monkeypatch, tmp_path, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "av" else real(name, *a))
    assert encoding.unavailable("mp4") == encoding.MP4_HINT
    dialog = AnimationDialog(controller)
    k = dialog.format_box.findData("mp4")
    assert not dialog.format_box.model().item(k).isEnabled()
    assert "pip install 'hmipviz[mp4]'" in dialog.format_box.itemData(k, 3)  # ToolTipRole
    dialog.deleteLater()
    assert main(["export-animation", "figure1", "--from", "1", "--to", "2",
                 "--out", str(tmp_path / "a.mp4")]) == 2
    assert "pip install 'hmipviz[mp4]'" in capsys.readouterr().err


def test_the_headless_command(qtbot, tmp_path, capsys):
    out = tmp_path / "h.gif"
    assert main(["export-animation", "figure1", "--move", "5:AR2", "--from", "5",
                 "--to", "5.3", "--fps", "4", "--speed", "10", "--size", "320x180",
                 "--with-caption", "--with-ladder", "--out", str(out)]) == 0
    assert out.read_bytes()[:6] == b"GIF89a"
    assert f"wrote {out}" in capsys.readouterr().err
    assert main(["export-animation", "figure1", "--from", "1", "--to", "2", "--size",
                 "321x180", "--out", str(tmp_path / "a.mp4")]) == 2
    assert "even width and height" in capsys.readouterr().err


def test_the_dialog_proposes_times_around_the_position(qtbot, controller):
    controller.seek_time(5.0)
    now = controller.time_at(controller.position)
    dialog = AnimationDialog(controller)
    qtbot.addWidget(dialog)
    assert dialog.from_box.value() == pytest.approx(now - 0.5, abs=1e-3)
    assert dialog.to_box.value() == pytest.approx(now + 1.0, abs=1e-3)
    assert "once the run has got there" in dialog.estimate.text()  # not run that far yet
    controller.seek_time(6.5)
    dialog.from_box.setValue(4.95)
    dialog.to_box.setValue(5.324)
    dialog.speed_box.setValue(2.0)
    plan = animation_plan.plan_frames(controller.timeline, 4.95, 5.324, 15, 2.0)
    assert dialog.estimate.text() == (f"Plays for {sum(plan.durations_ms()) / 1000:.1f} s: "
                                      f"{len(plan.frames)} frames.")
    dialog.to_box.setValue(4.0)
    assert dialog.estimate.text() == "To 4: must be later than From 4.95"
    dialog.path_edit.setText("/tmp/handover.webp")  # the format follows the suffix
    assert dialog.format_box.currentData() == "webp"
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("apng"))
    assert dialog.path_edit.text() == "/tmp/handover.png"  # and the suffix the format
    dialog.size_box.setCurrentText("640x360")
    r = dialog.request()
    assert (r.path, r.fmt, r.width, r.height, r.with_caption) == (
        "/tmp/handover.png", "apng", 640, 360, True)
    assert path_with_format("a.gif", "mp4") == "a.mp4"
    assert path_with_format("a.name", "gif") == "a.name.gif"


def test_the_window_exports_its_ladder_and_animation(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QProgressDialog

    from hmipviz.gui.main_window import MainWindow
    w = MainWindow(scenario=figure1_moving(), restore_settings=False)
    qtbot.addWidget(w)
    texts = [a.text() for a in w.menuBar().actions()[0].menu().actions()]
    assert any("animation" in t for t in texts) and any("Mermaid" in t for t in texts)
    c = w.controller
    c.seek_time(5.2)
    path = tmp_path / "l.mmd"
    export_ladder_text(w, "mermaid", str(path))
    model = model_for(c.scenario, c.trace, c.position)
    lines = path.read_text().splitlines(keepends=True)
    assert lines[1].startswith("    %% hmipviz: figure1")  # the title, as a comment
    assert "".join(lines[:1] + lines[2:]) == to_mermaid(model)
    assert ladder_text_for(w, "plantuml").startswith("@startuml")
    # File > Export animation records through a progress dialog; Cancel writes nothing
    request = AnimationRequest(str(tmp_path / "w.gif"), 5.0, 5.2, fps=4, speed=10, **SMALL)
    assert record(w, request) >= 2 and (tmp_path / "w.gif").exists()
    assert c.position == c.index_at_time(5.2)  # put back where it was
    monkeypatch.setattr(QProgressDialog, "wasCanceled", lambda self: True)
    cancelled = dataclasses.replace(request, path=str(tmp_path / "c.gif"))
    assert record(w, cancelled) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["l.mmd", "w.gif"]
