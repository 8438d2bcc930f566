"""One self-contained web page of a run: the trace as JSON, the topology as SVG, and the
page's own script and style inlined, so a student opens the file in any browser, with no
server and no network, and plays the run back (hmipviz export-html, File > Export web
page).

The page reads the same things the window does: node positions from
:func:`hmipviz.layout.compute_layout`, MAP domains from :func:`map_domains`, the words of
each event from :mod:`hmipviz.gui.event_words` and the colours from
:mod:`hmipviz.gui.colours` (all Qt-free), and each packet's bytes exactly as the capture
holds them, with the inspector's tree (:func:`hmipviz.wire.dissect.dissect`).
"""

from __future__ import annotations

import base64
import dataclasses
import html
import json
import os
from importlib import resources
from typing import Any

from hmipviz import __version__
from hmipviz.engine.events import (
    LinkChanged,
    NodeStatus,
    PacketDropped,
    PacketReceived,
    PacketSent,
)
from hmipviz.fileio import atomic_write
from hmipviz.gui import colours
from hmipviz.gui.event_words import event_direction, event_kind, event_rfc, event_text
from hmipviz.layout import (
    DEFAULT_MN_OFFSET,
    NODE_R,
    compute_layout,
    domain_label_pos,
    link_label_pos,
    map_domains,
)
from hmipviz.resources import assets_dir
from hmipviz.scenario import MoveSpec, Scenario
from hmipviz.sim import Simulation
from hmipviz.wire.dissect import dissect
from hmipviz.wire.fields import FieldNode

# A tree deeper than this is cut (a packet tunnelled twice is 6 deep).
_TREE_DEPTH = 8
# The browser refuses any fetch: the page runs its own inline code, shows data: images.
_POLICY = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
           "img-src data:")
# Label sizes in scene units, to place them as the canvas does (12 px text).
_CHAR_W, _LINE_H = 7.0, 14.0


def run_for_page(scenario: Scenario, moves: list[MoveSpec], until: float | None) -> Simulation:
    """The run the page shows: the scenario with ``moves`` added, up to ``until`` (its
    duration when None). A move to something that is not an AR, or of an MN the
    scenario does not have, is a ValueError naming it."""
    for m in moves:
        if (problem := scenario.move_problem(m)) is not None:
            raise ValueError(problem)
    end = scenario.duration_s if until is None else until
    if end <= 0:
        raise ValueError("--until must be a positive number of seconds")
    all_moves = tuple(sorted(scenario.moves + tuple(moves), key=lambda m: m.at_s))
    scenario = dataclasses.replace(scenario, moves=all_moves,
                                   duration_s=max(scenario.duration_s, end))
    sim = Simulation(scenario)
    sim.run(end)
    return sim


def _tree(nodes: tuple[FieldNode, ...], labels: dict[str, int],
          depth: int = 0) -> list[int]:
    """The dissection as a flat run of [depth, label, start, end] (the label as its index
    in ``labels``: packets repeat most lines), cut at _TREE_DEPTH."""
    rows: list[int] = []
    for node in nodes:
        rows += [depth, labels.setdefault(node.label, len(labels)), node.start, node.end]
        if depth + 1 < _TREE_DEPTH:
            rows += _tree(node.children, labels, depth + 1)
    return rows


def _icons() -> dict[str, str]:
    """The window's node icons (assets/icons), as data: URLs the page's SVG shows."""
    icons = {}
    for path in sorted((assets_dir() / "icons").glob("*.svg")):
        icons[path.stem] = "data:image/svg+xml;base64," + base64.b64encode(
            path.read_bytes()).decode("ascii")
    return icons


def _labels(sim: Simulation, where: dict[str, tuple[float, float]]) -> list[list[Any]]:
    """[x, y, text, kind] of each link's delay and each MAP domain's name, placed by the
    canvas's own rules (hmipviz.layout); ``kind`` is "link" or a domain's colour."""
    scenario = sim.scenario
    labels: list[list[Any]] = []
    for lk in scenario.links:
        if lk.a in where and lk.b in where:
            text = f"{lk.delay_ms:g} ms"
            x, y = link_label_pos(where[lk.a], where[lk.b], _CHAR_W * len(text), _LINE_H)
            labels.append([round(x, 1), round(y, 1), text, "link"])
    radius = {n.name: n.radius for n in scenario.nodes if n.role == "ar"}
    _, domains = map_domains(scenario)
    for domain in domains:
        w = _CHAR_W * len(domain.label)
        at = domain_label_pos([(where[ar], radius[ar]) for ar in domain.ars if ar in where], w)
        if at is not None:
            colour = colours.DOMAIN_HEX[domain.index % len(colours.DOMAIN_HEX)]
            labels.append([round(at[0], 1), round(at[1], 1), domain.label, colour])
    return labels


def _nodes(sim: Simulation, where: dict[str, tuple[float, float]]) -> list[dict[str, Any]]:
    scenario = sim.scenario
    domain_of, _ = map_domains(scenario)
    nodes = []
    for n in scenario.nodes:
        if n.role == "mn":
            continue
        x, y = where[n.name]
        item: dict[str, Any] = {"name": n.name, "role": n.role, "x": round(x, 1),
                                "y": round(y, 1), "fill": colours.ROLE_FILL.get(n.role, "#777"),
                                "letter": colours.ROLE_LETTER.get(n.role, "?")}
        if n.role == "ar":
            domain = domain_of.get(n.name)
            item["radius"] = n.radius
            item["cell"] = (colours.NO_DOMAIN_HEX if domain is None else
                            colours.DOMAIN_HEX[domain.index % len(colours.DOMAIN_HEX)])
        nodes.append(item)
    return nodes


def page_data(sim: Simulation) -> dict[str, Any]:
    """Everything the page's script reads: the scenario's nodes and links, the MNs with
    where each starts, every event in the window's words, and each packet hop's bytes."""
    scenario = sim.scenario
    events: list[list[Any]] = []
    packets: list[dict[str, Any]] = []
    hop_of: dict[int, int] = {}  # packet id -> its first hop's index in packets
    trees: dict[bytes, int] = {}  # identical bytes share one dissection
    tree_rows: list[list[int]] = []
    labels: dict[str, int] = {}
    for e in sim.trace:
        hop = -1
        if isinstance(e, PacketSent):
            if e.data not in trees:
                trees[e.data] = len(tree_rows)
                tree_rows.append(_tree(dissect(e.data), labels))
            hop = len(packets)
            hop_of.setdefault(e.packet_id, hop)
            packets.append({"to": e.to_node, "arrive": e.arrive_t, "hex": e.data.hex(),
                            "link": e.link, "id": e.packet_id, "depth": e.tunnel_depth,
                            "tree": trees[e.data], "ev": len(events)})
        elif isinstance(e, (PacketReceived, PacketDropped)):
            hop = hop_of.get(e.packet_id, -1)
        # the MN's new AR (None: detached); whether a failed node is up again
        attach: Any = e.ar if isinstance(e, LinkChanged) else None
        if isinstance(e, NodeStatus):
            attach = e.up
        events.append([round(e.t, 6), type(e).__name__, e.node, event_kind(e),
                       event_text(e), event_rfc(e), event_direction(e), hop, attach])
    mns = [{"name": n.name, "attach": n.attach} for n in scenario.nodes if n.role == "mn"]
    where = compute_layout(scenario)
    return {
        "title": scenario.name,
        "description": scenario.description.strip(),
        "mode": sim.mode,
        "seed": sim.seed,
        "version": __version__,
        "nodes": _nodes(sim, where),
        "links": [[lk.a, lk.b] for lk in scenario.links],
        "labels": _labels(sim, where),
        "icons": _icons(),
        "mns": mns,
        "mnOffset": list(DEFAULT_MN_OFFSET),
        "nodeR": NODE_R,
        "kinds": {kind: [colours.KIND_HEX[kind], colours.KIND_GLYPH[kind]]
                  for kind in colours.KIND_HEX},
        "events": events,
        "packets": packets,
        "trees": tree_rows,
        "fields": list(labels),
    }


def _asset(name: str) -> str:
    return resources.files("hmipviz.webexport").joinpath(name).read_text("utf-8")


def _css_colours() -> str:
    return (f":root{{--canvas:{colours.CANVAS_LIGHT};--muted:{colours.MUTED_LIGHT};}}\n"
            "@media (prefers-color-scheme: dark){:root{"
            f"--canvas:{colours.CANVAS_DARK};--muted:{colours.MUTED_DARK};}}}}\n")


def page_html(sim: Simulation) -> str:
    """The whole page: one HTML document with its data, script and style inside."""
    data = json.dumps(page_data(sim), separators=(",", ":"), ensure_ascii=False)
    data = data.replace("</", "<\\/")  # the JSON cannot end its <script> element
    title = html.escape(f"{sim.scenario.name}: an hmipviz run")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{_POLICY}">
<title>{title}</title>
<style>
{_css_colours()}{_asset("page.css")}
</style>
</head>
<body>
<header>
  <h1 id="title"></h1>
  <span id="subtitle"></span>
</header>
<main>
  <section id="stage">
    <svg id="topology" role="img" aria-label="the network"></svg>
    <div id="caption" aria-live="polite"><span id="caption-chip"></span>
      <b id="caption-kind"></b>: <span id="caption-text"></span>
      <span id="caption-rfc"></span><span id="caption-t"></span></div>
    <div id="controls">
      <button id="play" type="button" title="Play / pause (space)">Play</button>
      <button id="back" type="button" title="Previous event (left arrow)">&#9664;</button>
      <button id="step" type="button" title="Next event (right arrow)">&#9654;</button>
      <label>speed <select id="speed">
        <option value="2">2 events/s</option><option value="8" selected>8 events/s</option>
        <option value="30">30 events/s</option><option value="120">120 events/s</option>
      </select></label>
      <input id="scrub" type="range" min="0" max="0" value="0" aria-label="event">
      <span id="counter"></span>
    </div>
  </section>
  <section id="events-pane">
    <table id="events"><colgroup><col class="c-n"><col class="c-t"><col class="c-node">
      <col class="c-dir"><col class="c-kind"><col><col class="c-rfc"></colgroup>
      <thead><tr><th>#</th><th>Time (s)</th><th>Node</th><th>Direction</th><th>Kind</th>
      <th>Summary</th><th>RFC</th></tr></thead><tbody></tbody></table>
  </section>
  <section id="packet-pane">
    <h2 id="packet-title">Packet</h2>
    <div id="packet-empty">Select a packet event to see its bytes.</div>
    <div id="packet-summary"></div>
    <pre id="hex"></pre>
    <table id="tree"><tbody></tbody></table>
  </section>
</main>
<footer>Made by hmipviz <span id="version"></span>: one file, no network needed.</footer>
<script type="application/json" id="run-data">{data}</script>
<script>
{_asset("page.js")}
</script>
</body>
</html>
"""


def export_html(sim: Simulation, path: str | os.PathLike[str]) -> int:
    """Write the page of ``sim``'s run to ``path`` atomically; its size in bytes."""
    raw = page_html(sim).encode("utf-8")
    atomic_write(path, raw)
    return len(raw)
