"""`hmipviz export-html`: one self-contained page whose embedded trace is the run's, with
each packet's bytes as the capture has them. (The page played in a real browser:
tests/test_html_export_browser.py.)"""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from hmipviz.cli import main
from hmipviz.engine.events import PacketSent
from hmipviz.outputs import capture_records
from hmipviz.scenario import MoveSpec, load_scenario
from hmipviz.webexport.page import export_html, page_data, page_html, run_for_page

DATA = re.compile(r'<script type="application/json" id="run-data">(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def handover():
    """figure1 with a move to AR2 at 1 s, run to 1.5 s: an intra-MAP handover."""
    return run_for_page(load_scenario("figure1"), [MoveSpec(1.0, "AR2")], 1.5)


def _embedded(page: str) -> dict:
    found = DATA.findall(page)
    assert len(found) == 1
    return json.loads(found[0].replace("<\\/", "</"))


def test_the_page_embeds_the_runs_trace_and_each_hops_bytes_as_captured(handover):
    data = _embedded(page_html(handover))
    assert len(data["events"]) == len(handover.trace)
    assert [e[1] for e in data["events"]] == [type(e).__name__ for e in handover.trace]
    records = capture_records(handover)
    assert [bytes.fromhex(p["hex"]) for p in data["packets"]] == [r.data for r in records]
    # a packet event points at its hop; a hop points back at its event
    hops = [i for i, e in enumerate(handover.trace) if isinstance(e, PacketSent)]
    assert [data["events"][i][7] for i in hops] == list(range(len(hops)))
    assert [p["ev"] for p in data["packets"]] == hops
    kinds = {e[3] for e in data["events"] if e[1] == "PacketSent"}
    assert {"local BU", "local BA", "RA"} <= kinds
    # the MN's attachments, for the canvas: AR1 at first, then none, then AR2
    assert [e[8] for e in data["events"] if e[1] == "LinkChanged"] == ["AR1", None, "AR2"]


def test_the_topology_uses_the_windows_layout_and_labels(handover):
    from hmipviz.layout import compute_layout
    data = page_data(handover)
    where = compute_layout(handover.scenario)
    assert {n["name"]: (n["x"], n["y"]) for n in data["nodes"]} == {
        name: (round(x, 1), round(y, 1)) for name, (x, y) in where.items()}
    texts = [label[2] for label in data["labels"]]
    assert "MAP1 domain" in texts and "20 ms" in texts
    assert set(data["icons"]) >= {"ha", "cn", "map", "ar", "mn", "router"}
    assert all(url.startswith("data:image/svg+xml;base64,") for url in data["icons"].values())


def test_the_page_needs_nothing_from_outside(handover):
    page = page_html(handover)
    # no external script, style, image, font or frame: every URL is a data: URL or an
    # XML namespace name
    urls = set(re.findall(r"""(?:src|href|url)\s*[=(]\s*["']?([^"')\s>]+)""", page))
    assert {u for u in urls if not u.startswith("data:")} == set()
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", page)
    assert "default-src 'none'" in page  # the browser refuses any fetch the page tried


def test_text_that_would_close_the_script_element_is_escaped(handover):
    scenario = dataclasses.replace(handover.scenario,
                                   description="see </script><script>alert(1)</script>")
    sim = run_for_page(scenario, [], 0.2)
    page = page_html(sim)
    assert page.count("</script>") == 2  # the data's and the code's own
    assert _embedded(page)["description"] == "see </script><script>alert(1)</script>"


def test_figure1_handover_page_is_one_file_under_2_mb(tmp_path):
    sim = run_for_page(load_scenario("figure1"), [MoveSpec(5.0, "AR2")], None)
    out = tmp_path / "demo.html"
    size = export_html(sim, out)
    assert out.stat().st_size == size < 2 * 1024 * 1024
    assert [p.name for p in tmp_path.iterdir()] == ["demo.html"]  # no temporary left


def test_export_html_command_writes_the_page_and_refuses_a_bad_move(tmp_path, capsys):
    out = tmp_path / "page.html"
    assert main(["export-html", "figure1", "--move", "0.5:AR2", "--until", "1",
                 "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {out} (")
    data = _embedded(out.read_text("utf-8"))
    assert data["title"] == "figure1" and data["events"][-1][0] <= 1.0
    assert main(["export-html", "figure1", "--move", "0.5:MAP1", "--out",
                 str(tmp_path / "x.html")]) == 2
    assert "'MAP1' is not an AR of scenario figure1" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()
