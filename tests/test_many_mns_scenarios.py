"""Scenario files with several MNs: [[mn_group]], mobility models, `mn` keys, their
errors, and runs of them (issue 11)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import replace
from ipaddress import IPv6Address
from pathlib import Path

import pytest

from hmipviz.cli import main
from hmipviz.engine.events import LinkChanged
from hmipviz.outputs import trace_jsonl, write_capture
from hmipviz.scenario import ScenarioError, builtin_scenarios, dump_scenario, load_scenario
from hmipviz.sim import Simulation

TSHARK = shutil.which("tshark")

NET = """\
[scenario]
description = "two cells under one MAP"
duration_s = 20
seed = 3

[[node]]
name = "HA"
role = "ha"
address = "2001:db8:1::1"
prefix = "2001:db8:1::/64"
position = [100, 50]

[[node]]
name = "CN"
role = "cn"
address = "2001:db8:50::1"
prefix = "2001:db8:50::/64"
position = [400, 50]

[[node]]
name = "MAP1"
role = "map"
address = "2001:db8:100::1"
prefix = "2001:db8:100::/64"
position = [250, 150]

[[node]]
name = "AR1"
role = "ar"
address = "2001:db8:2::1"
prefix = "2001:db8:2::/64"
position = [100, 300]
radius = 100
map_options = [{ map = "MAP1" }]

[[node]]
name = "AR2"
role = "ar"
address = "2001:db8:3::1"
prefix = "2001:db8:3::/64"
position = [250, 300]
radius = 100
map_options = [{ map = "MAP1" }]

[[link]]
a = "HA"
b = "MAP1"
delay_ms = 20

[[link]]
a = "CN"
b = "MAP1"
delay_ms = 20

[[link]]
a = "MAP1"
b = "AR1"
delay_ms = 2

[[link]]
a = "MAP1"
b = "AR2"
delay_ms = 2
"""

GROUP = """
[[mn_group]]
name = "M"
count = 5
home_agent = "HA"
home_prefix = "2001:db8:1::/64"
interface_id = "::100"
""" + (  # one inline table: a single line of TOML, split here at 100 columns
    'mobility = { model = "random_waypoint", area = [60, 250, 290, 350], speed_mps = [5, 20], '
    'pause_s = [0, 2] }\n') + """\
flow = { kind = "echo", to = "CN", interval_ms = 200, start_s = 1 }
"""

TWO_MNS = """
[[node]]
name = "MN"
role = "mn"
home_agent = "HA"
home_address = "2001:db8:1::a"
attach = "AR1"

[[node]]
name = "MN2"
role = "mn"
home_agent = "HA"
home_address = "2001:db8:1::b"
attach = "AR2"
"""


def write(tmp_path: Path, text: str, name: str = "case.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return text.count("\n", 0, text.index(needle)) + 1


def errors_of(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return caught.value.messages


# --- reading -------------------------------------------------------------------------------


def test_a_group_makes_its_members_and_their_flows(tmp_path):
    s = load_scenario(write(tmp_path, NET + GROUP))
    mns = s.nodes_with_role("mn")
    assert [m.name for m in mns] == ["M1", "M2", "M3", "M4", "M5"]
    assert [m.home_address for m in mns] == [IPv6Address(f"2001:db8:1::{i:x}")
                                            for i in range(0x100, 0x105)]
    assert [m.interface_id for m in mns] == list(range(0x100, 0x105))
    assert {m.mobility.model for m in mns} == {"random_waypoint"}
    assert mns[0].mobility.speed_mps == (5.0, 20.0)
    # one echo flow from each member to the CN, starts spread over one interval
    assert [(f.source, f.destination, f.kind, f.interval_ms) for f in s.flows] == [
        (f"M{i}", "CN", "echo", 200.0) for i in range(1, 6)]
    assert [round(f.start_s, 6) for f in s.flows] == [1.0, 1.04, 1.08, 1.12, 1.16]
    # the writer puts the group back, not its members
    text = dump_scenario(s)
    assert text.count("[[mn_group]]") == 1 and "M3" not in text
    assert load_scenario(write(tmp_path, text, "again.toml")) == s


def test_several_mn_tables_and_mn_keys_round_trip(tmp_path):
    text = NET + TWO_MNS + """
[[move]]
at_s = 5
to = "AR2"
mn = "MN"

[[flow]]
from = "CN"
to = "MN2"
mn = "MN2"
start_s = 1
interval_ms = 500
"""
    s = load_scenario(write(tmp_path, text))
    assert [m.mn for m in s.moves] == ["MN"] and s.flows[0].mn == "MN2"
    assert load_scenario(write(tmp_path, dump_scenario(s), "again.toml")) == s


def test_waypoints_read_in_metres(tmp_path):
    text = NET + TWO_MNS.replace('attach = "AR2"\n', 'position = [20, 300]\nmobility = { '
                                 'model = "waypoints", points = [[300, 300], [20, 300]], '
                                 'speed_mps = 25, loop = true }\n')
    s = load_scenario(write(tmp_path, text))
    m = s.node("MN2").mobility
    assert (m.model, m.points, m.speed_mps, m.loop) == (
        "waypoints", ((300.0, 300.0), (20.0, 300.0)), (25.0, 25.0), True)
    assert load_scenario(write(tmp_path, dump_scenario(s), "again.toml")) == s


# --- errors name the file, the line and the key ---------------------------------------------


def case(tmp_path, text, needle):
    path = write(tmp_path, text)
    return path, line_of(text, needle)


def test_group_errors(tmp_path):
    text = NET + GROUP.replace('count = 5', 'count = 0').replace(
        'home_prefix = "2001:db8:1::/64"', 'home_prefix = "2001:db8:7::/64"\ncolour = "red"')
    path = write(tmp_path, text)
    assert errors_of(path) == [
        f'{path}:{line_of(text, "count = 0")}: mn_group "M": count must be from 1 to 10000, '
        "not 0",
        f'{path}:{line_of(text, "colour")}: mn_group "M": unknown key "colour"',
    ]
    text = NET + GROUP.replace('home_prefix = "2001:db8:1::/64"', 'home_prefix = '
                               '"2001:db8:7::/64"')
    path = write(tmp_path, text)
    assert errors_of(path) == [
        f'{path}:{line_of(text, "home_prefix")}: mn_group "M": home_prefix 2001:db8:7::/64 '
        'is not inside the prefix 2001:db8:1::/64 of its home agent "HA"']
    text = NET + GROUP.replace('home_agent = "HA"', 'home_agent = "CN"').replace(
        'to = "CN"', 'to = "AR1"')
    path = write(tmp_path, text)
    assert errors_of(path) == [
        f'{path}:{line_of(text, "home_agent")}: mn_group "M": home_agent refers to "CN", '
        "which is a CN, not an HA",
        f'{path}:{line_of(text, "flow =")}: mn_group "M": flow peer refers to "AR1", which '
        "is an AR, not a CN or host"]


def test_group_members_clash_with_other_nodes(tmp_path):
    text = NET + TWO_MNS.replace('name = "MN2"', 'name = "M2"') + GROUP.replace(
        'interface_id = "::100"', 'interface_id = "::a"')
    path = write(tmp_path, text)
    group = line_of(text, "[[mn_group]]")
    group_name = line_of(text, 'name = "M"\n')
    first = line_of(text, 'name = "M2"') - 1
    found = errors_of(path)
    assert f'{path}:{group_name}: node "M2": name already used by the node on line {first}' \
        in found
    assert any(m.startswith(f"{path}:{group}: node \"M1\": home_address 2001:db8:1::a is "
                            'already used by node "MN"') for m in found), found
    assert any("interface_id ::a is also node \"MN\"'s" in m for m in found), found


def test_group_without_a_flow_peer_name(tmp_path):
    text = NET + GROUP.replace('to = "CN", ', '')
    path = write(tmp_path, text)
    assert errors_of(path) == [
        f'{path}:{line_of(text, "flow =")}: mn_group "M": flow: name the correspondent with '
        'exactly one of "to" (each MN sends to it) or "from" (it sends to each MN)']


@pytest.mark.parametrize("mobility, message", [
    ('{ model = "teleport" }', 'mobility: model must be one of still, waypoints, '
     'random_waypoint, not "teleport"'),
    ('{ model = "random_waypoint", speed_mps = [1, 2] }',
     'mobility: model "random_waypoint" needs "area"'),
    ('{ model = "random_waypoint", area = [10, 10, 5, 20], speed_mps = 1 }',
     "mobility: area [10, 10, 5, 20] needs x0 < x1 and y0 < y1"),
    ('{ model = "random_waypoint", area = [0, 0, 5, 5], speed_mps = [3, 1] }',
     "mobility: speed_mps must be above 0 with low <= high, not 3 .. 1"),
    ('{ model = "random_waypoint", area = [0, 0, 5, 5], speed_mps = 0 }',
     "mobility: speed_mps must be above 0 with low <= high, not 0 .. 0"),
    ('{ model = "waypoints", points = [[1, 2], [3]], speed_mps = 1 }',
     "mobility: points item 2: must be [x, y], two numbers"),
    ('{ model = "still", speed_mps = 1 }',
     'mobility: key "speed_mps" does not apply to model "still"'),
    ('{ model = "waypoints", points = [[1, 2]], speed_mps = 1, pause_s = 3 }',
     'mobility: key "pause_s" does not apply to model "waypoints"'),
    ('"fast"', 'mobility must be a table, e.g. { model = "random_waypoint", ... }'),
])
def test_mobility_errors(tmp_path, mobility, message):
    text = NET + TWO_MNS.replace('attach = "AR2"\n', f"mobility = {mobility}\n")
    path = write(tmp_path, text)
    assert errors_of(path) == [f'{path}:{line_of(text, "mobility =")}: node "MN2": {message}']


def test_a_moving_mn_needs_every_ar_placed(tmp_path):
    text = NET.replace("position = [250, 300]\n", "") + TWO_MNS.replace(
        'attach = "AR2"\n', 'mobility = { model = "waypoints", points = [[0, 0], [9, 9]], '
        'speed_mps = 1 }\n')
    path = write(tmp_path, text)
    assert errors_of(path) == [
        f'{path}:{line_of(text, "mobility =")}: node "MN2": mobility model "waypoints" needs '
        "a position (metres) for every AR, for its radio cell; none for AR2"]


def test_mn_keys_name_an_mn(tmp_path):
    text = NET + TWO_MNS + """
[[move]]
at_s = 5
to = "AR2"

[[move]]
at_s = 6
to = "AR1"
mn = "MN9"

[[flow]]
from = "CN"
to = "MN"
mn = "MN2"

[[inject]]
at_s = 1
from = "CN"
mn = "AR1"
hex = "6000000000003b4020010db800500000000000000000000120010db800010000000000000000000a"
"""
    path = write(tmp_path, text)
    flow_mn, inject_mn = line_of(text, 'mn = "MN2"'), line_of(text, 'mn = "AR1"')
    assert errors_of(path) == [
        f"{path}:{line_of(text, 'at_s = 5') - 1}: move at 5 s: the scenario has 2 MNs; name the "
        'one that moves, e.g. mn = "MN2"',
        f'{path}:{line_of(text, "MN9")}: move at 6 s: mn refers to unknown MN "MN9" '
        '(did you mean "MN"?)',
        f'{path}:{flow_mn}: flow "CN" -> "MN": mn "MN2" is neither end of the flow',
        f'{path}:{inject_mn}: inject at 1 s: mn refers to "AR1", which is an AR, not an MN',
    ]


# --- runs ------------------------------------------------------------------------------------


def _one_mn_builtins() -> list[str]:
    return [n for n in builtin_scenarios() if len(load_scenario(n).nodes_with_role("mn")) == 1]


@pytest.mark.parametrize("name", _one_mn_builtins())
def test_naming_the_only_mn_changes_no_byte(name, tmp_path):
    """A one-MN built-in, and the same file with `mn = "<its MN>"` on every move, flow
    and inject: the same trace and the same capture, byte for byte."""
    s = load_scenario(name)
    mn = s.nodes_with_role("mn")[0].name
    text = Path(s.source.replace("builtin:", "") if not s.source.startswith("builtin:")
                else _builtin_path(name)).read_text("utf-8")
    text = re.sub(r"^\[\[(move|flow|inject)\]\].*$", lambda m: f'{m.group(0)}\nmn = "{mn}"',
                  text, flags=re.M)
    named = load_scenario(write(tmp_path, text, f"{name}.toml"))  # the same name
    assert all(m.mn == mn for m in named.moves) and all(f.mn == mn for f in named.flows)
    assert all(i.mn == mn for i in named.injects)
    assert named.flows and named != s  # the keys were read
    until = min(s.duration_s, 12.0)
    runs = []
    for scenario in (s, named):
        # one extra move of the MN, so every built-in hands over at least once
        ars = [n.name for n in scenario.nodes if n.role == "ar"]
        sim = Simulation(scenario)
        sim.move(ars[-1], 6.0)
        sim.run(until)
        runs.append((trace_jsonl(sim), _capture(sim, tmp_path / f"{len(runs)}.pcapng")))
    assert runs[0][0] == runs[1][0]
    assert runs[0][1] == runs[1][1]


def _builtin_path(name: str) -> str:
    from hmipviz.resources import builtin_scenarios_dir
    return str(builtin_scenarios_dir() / f"{name}.toml")


def _capture(sim: Simulation, path: Path) -> bytes:
    write_capture(sim, path)
    return path.read_bytes()


def _links(sim: Simulation) -> list[tuple[float, str, str | None]]:
    return [(round(e.t, 6), e.node, e.ar) for e in sim.trace if isinstance(e, LinkChanged)]


def test_random_waypoints_repeat_with_the_seed_and_change_with_another(tmp_path):
    s = load_scenario(write(tmp_path, NET + GROUP))
    first, again, other = Simulation(s), Simulation(s), Simulation(s, seed=4)
    for sim in (first, again, other):
        sim.run(20.0)
    assert trace_jsonl(first) == trace_jsonl(again)
    assert _links(first) != _links(other)
    # they did move: each member changed cells at least once in 20 s
    assert {n for _, n, ar in _links(first) if ar is not None} == {f"M{i}" for i in range(1, 6)}
    handed = [n for n in first.mn_names if sum(1 for _, m, ar in _links(first)
                                                if m == n and ar is not None) > 1]
    assert handed
    # positions follow the model, inside its area
    for name in first.mn_names:
        for t in (0.0, 7.5, 19.0):
            x, y = first.position_of(name, t)
            assert 60 <= x <= 290 and 250 <= y <= 350


def test_an_mn_on_a_cell_border_does_not_flap(tmp_path):
    # AR1 (x 100) and AR2 (x 250) are equidistant at x 175; MN2 walks 170 <-> 180
    # for 20 s: one attach and no handover
    text = NET + TWO_MNS.replace('attach = "AR2"\n', 'position = [172, 300]\nmobility = { '
                                 'model = "waypoints", points = [[179, 300], [171, 300]], '
                                 'speed_mps = 2, loop = true }\n')
    sim = Simulation(load_scenario(write(tmp_path, text)))
    sim.run(20.0)
    assert [(n, ar) for _, n, ar in _links(sim) if n == "MN2"] == [("MN2", "AR1")]
    # and once it walks well past the border it hands over exactly once, without flapping
    text = text.replace("[[179, 300], [171, 300]], speed_mps = 2, loop = true",
                        "[[200, 300]], speed_mps = 2")
    sim = Simulation(load_scenario(write(tmp_path, text, "past.toml")))
    sim.run(20.0)
    assert [(n, ar) for _, n, ar in _links(sim) if n == "MN2"] == [
        ("MN2", "AR1"), ("MN2", None), ("MN2", "AR2")]
    handover_t = next(t for t, n, ar in _links(sim) if n == "MN2" and ar is None)
    # AR2's centre is 10 m (the margin) nearer than AR1's at x 180: 4 s after x 172
    assert 3.9 <= handover_t <= 4.1


def test_an_mn_leaving_every_cell_detaches(tmp_path):
    text = NET + TWO_MNS.replace('attach = "AR2"\n', 'position = [250, 300]\nmobility = { '
                                 'model = "waypoints", points = [[500, 300]], '
                                 'speed_mps = 10 }\n')
    sim = Simulation(load_scenario(write(tmp_path, text)))
    sim.run(20.0)
    links = [(n, ar) for _, n, ar in _links(sim) if n == "MN2"]
    assert links == [("MN2", "AR2"), ("MN2", None)]
    t_off = next(t for t, n, ar in _links(sim) if n == "MN2" and ar is None)
    assert 10.9 <= t_off <= 11.1  # 110 m (radius + margin) at 10 m/s
    assert sim.mobile_node("MN2").ar is None and sim.mobile_node("MN").ar == "AR1"


def test_run_prints_totals_above_each_mns_handovers(tmp_path, capsys):
    path = write(tmp_path, NET + GROUP)
    caches = tmp_path / "caches.json"
    trace = tmp_path / "trace.jsonl"
    assert main(["run", str(path), "--caches", str(caches), "--trace", str(trace)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "scenario case (hmipv6), simulated 20 s, " + out[0].split(", ")[2] + \
        ", 5 MNs"
    kinds = re.fullmatch(r"handovers: (\d+) \((.*)\)", out[1])
    assert kinds and "initial 5" in kinds.group(2)
    assert sum(int(k.split()[-1]) for k in kinds.group(2).split(", ")) == int(kinds.group(1))
    assert re.fullmatch(r"handover latency: mean [\d.]+ ms, 95th percentile [\d.]+ ms "
                        r"\(\d+ completed\)", out[2])
    assert re.fullmatch(r"data packets lost: \d+", out[3])
    assert out[4] == "signalling received (binding updates, HoTI/CoTI):"
    assert [line.split()[:2] for line in out[5:8]] == [["HA", "HA"], ["MAP", "MAP1"],
                                                         ["CN", "CN"]]
    ha = out[5].split()
    assert ha[2] == "5" and ha[4] == "400"  # one home BU of 80 octets per MN
    assert ha[6:8] == ["0.25", "msg/s"] and ha[10:12] == ["1.00", "msg/MN"]
    per_mn = out.index("per MN:")
    names = [line.split(":")[0].strip() for line in out[per_mn + 1:]
             if line.startswith("  M") and not line.startswith("    ")]
    assert names == ["M1", "M2", "M3", "M4", "M5"]
    assert "    initial    - -> AR" in "\n".join(out[per_mn:])
    # --caches: every MN's binding update list; every binding at the HA and MAP1
    dumped = json.loads(caches.read_text())
    assert sorted(dumped["binding_update_list"]) == ["M1", "M2", "M3", "M4", "M5"]
    for name, entries in dumped["binding_update_list"].items():
        iid = 0xFF + int(name[1:])
        assert {e["home_address"] for e in entries} == {f"2001:db8:1::{iid:x}",
                                                       f"2001:db8:100::{iid:x}"}
    assert len(dumped["binding_caches"]["HA"]) == 5 == len(dumped["binding_caches"]["MAP1"])
    # --trace: every line says which MN it concerns (or null for a fixed node's own)
    lines = [json.loads(x) for x in trace.read_text().splitlines()]
    assert all("mn" in e for e in lines)
    bus = [e for e in lines if e["type"] == "PacketSent" and e["kind"] == "local BU"
           and e["origin"]]
    assert {e["mn"] for e in bus} == {f"M{i}" for i in range(1, 6)}
    assert all(e["mn"] == e["node"] for e in bus)


@pytest.mark.skipif(TSHARK is None, reason="tshark is not installed (Debian package tshark)")
def test_a_capture_with_many_mns_is_clean_in_tshark(tmp_path, capsys):
    pcap = tmp_path / "campus.pcapng"
    assert main(["run", "campus", "--until", "30", "--pcap", str(pcap), "--quiet"]) == 0
    out = subprocess.run([TSHARK, "-r", str(pcap), "-V"], capture_output=True, text=True,
                         check=True).stdout
    assert "[Malformed Packet" not in out
    # packet comments are Expert Info at level Comment; nothing above that
    assert not re.search(r"Expert Info \((Note|Chat|Warning|Error)", out)
    assert "Packet comments" in out and "Frame 1:" in out
    flagged = subprocess.run([TSHARK, "-r", str(pcap), "-Y", "_ws.malformed || "
                              "_ws.expert.severity >= note", "-T", "fields", "-e",
                              "frame.number"], capture_output=True, text=True, check=True)
    assert flagged.stdout.split() == []
    names = set(re.findall(r"Interface name: (\S+)", out))
    assert {f"AR{i}-MN{j}" for i in range(1, 5) for j in range(1, 11)} & names
    assert len({n.split("-")[1] for n in names if n.startswith("AR")}) == 10
    # one local BU from each of the ten MNs' LCoAs, with its own RCoA in the HAO
    bus = set(re.findall(r"Home Address: (2001:db8:100::\w+)", out))
    assert bus == {f"2001:db8:100::{i:x}" for i in range(0xA, 0x14)}


def test_the_builtins_with_several_mns(capsys):
    campus, commuters = load_scenario("campus"), load_scenario("commuters")
    assert len(campus.nodes_with_role("mn")) == 10
    assert len([n for n in campus.nodes if n.role == "ar"]) == 4
    assert len([n for n in campus.nodes if n.is_map]) == 1
    assert {m.mobility.model for m in campus.nodes_with_role("mn")} == {"random_waypoint"}
    assert sorted((f.source, f.destination) for f in campus.flows) == sorted(
        (f"MN{i}", "CN") for i in range(1, 11))
    assert len(commuters.nodes_with_role("mn")) == 6
    assert len([n for n in commuters.nodes if n.is_map]) == 2
    sim = Simulation(commuters)
    sim.run(60.0)
    kinds = {e.kind for e in sim.trace if type(e).__name__ == "HandoverCompleted"}
    assert {"initial", "intra-MAP", "inter-MAP"} <= kinds
    assert replace(commuters, seed=1) == commuters


def test_run_moves_a_named_mn_and_asks_for_a_name_with_several(capsys):
    assert main(["run", "campus", "--until", "1", "--move", "0.5:AR4"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: --move 0.5:AR4: scenario campus has 10 MNs; name one: 0.5:AR4:MN1")
    assert main(["run", "campus", "--until", "1", "--move", "0.5:AR4:MN99"]) == 2
    assert "'MN99' is not an MN of scenario campus" in capsys.readouterr().err
    assert main(["run", "commuters", "--until", "3", "--move", "2:AR4:MN1"]) == 0
    out = capsys.readouterr().out
    mn1 = out[out.index("  MN1:"):out.index("  MN2:")]
    assert "inter-MAP  AR1 -> AR4  start 2.000 s" in mn1


def test_placing_an_mn_ends_its_model_there(tmp_path):
    sim = Simulation(load_scenario("commuters"))
    sim.run(5.0)
    before = sim.position_of("MN2", 4.0)
    assert before != sim.position_of("MN2", 0.0)  # it drove
    sim.place("MN2", 650.0, 500.0)
    sim.move("AR3", mn="MN2")
    sim.run(20.0)
    assert sim.position_of("MN2") == (650.0, 500.0)
    assert sim.position_of("MN2", 4.0) == before  # the past is kept
    assert sim.mobile_node("MN2").ar == "AR3"  # its cell keeps it there
    assert sim.mn_of("2001:db8:1::b") == "MN2" and sim.mn_of("2001:db8:4::b") == "MN2"
    assert sim.mn_of("2001:db8:4::1") is None  # AR3's own address
