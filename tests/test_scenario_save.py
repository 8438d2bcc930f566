"""Saving keeps the teacher's file (hmipviz/scenario/save_toml.py): a built-in saved
unchanged is the same bytes, a commented file saved after a change keeps its comments,
and what is saved reads back as the scenario saved (Hypothesis, over random valid
scenarios, with and without a file to keep)."""

from __future__ import annotations

import dataclasses
from ipaddress import IPv6Address, IPv6Network

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmipviz.scenario import builtin_scenarios, dump_scenario, load_scenario
from hmipviz.scenario.model import (
    FlowSpec,
    LinkSpec,
    MapOptionSpec,
    MoveSpec,
    NodeSpec,
    Scenario,
)
from hmipviz.scenario.save_toml import read_base, save_keeping, scenario_text, sync_text


@pytest.mark.parametrize("name", sorted(builtin_scenarios()))
def test_a_builtin_saved_unchanged_is_the_same_bytes(name, tmp_path):
    scenario = load_scenario(name)
    out = tmp_path / f"{name}.toml"
    save_keeping(scenario, out)
    assert out.read_bytes() == read_base(scenario).encode()


COMMENTED = '''\
# Our lab network, week 3.   Keep this header!
[scenario]
description = "A commented file"   # shown by hmipviz scenarios
duration_s = 12

[[node]]
name = "HA"
role = "ha"
address = "2001:db8:1::1"
prefix = "2001:db8:1::/64"
position = [100, 50]  # top left

[[node]]
# the only MAP
name = "MAP1"
role = "map"
address = "2001:db8:100::1"
prefix = "2001:db8:100::/64"

[[node]]
name = "AR1"
role = "ar"
address = "2001:db8:2::1"
prefix = "2001:db8:2::/64"
map_options = [
    { map = "MAP1", pref = 10 },   # the one MAP option
]

[[node]]
name = "MN"
role = "mn"
home_agent = "HA"
home_address = "2001:db8:1::a"
attach = "AR1"

[[link]]
a = "HA"
b = "MAP1"
delay_ms = 20   # the slow WAN link

[[link]]
a = "MAP1"
b = "AR1"
'''


def test_a_commented_file_keeps_its_comments_when_a_node_moves_and_a_delay_changes(tmp_path):
    path = tmp_path / "lab.toml"
    path.write_text(COMMENTED)
    scenario = load_scenario(path)
    nodes = list(scenario.nodes)
    nodes[0] = dataclasses.replace(nodes[0], position=(140.0, 60.5))
    nodes[1] = dataclasses.replace(nodes[1], position=(300.0, 200.0))  # had none
    links = list(scenario.links)
    links[0] = dataclasses.replace(links[0], delay_ms=35.0)
    edited = dataclasses.replace(scenario, nodes=tuple(nodes), links=tuple(links),
                                 moves=(MoveSpec(4.0, None),))
    save_keeping(edited, path)
    text = path.read_text()
    comments = [line.split("#", 1)[1] for line in COMMENTED.splitlines() if "#" in line]
    for comment in comments:
        assert comment in text
    assert "position = [140, 60.5]  # top left" in text
    assert "delay_ms = 35   # the slow WAN link" in text
    assert load_scenario(path) == edited
    # only the changed lines changed; the rest is the teacher's text, line for line
    changed = set(text.splitlines()) ^ set(COMMENTED.splitlines())
    assert changed == {"position = [100, 50]  # top left", "position = [140, 60.5]  # top left",
                       "delay_ms = 20   # the slow WAN link", "delay_ms = 35   # the slow WAN link",
                       "position = [300, 200]", "[[move]]", "at_s = 4", 'to = "none"'}


# --- random valid scenarios --------------------------------------------------------------

_coordinate = st.one_of(st.integers(-2000, 2000).map(float),
                        st.floats(-2000, 2000, allow_nan=False, allow_infinity=False))
_position = st.one_of(st.none(), st.tuples(_coordinate, _coordinate))
_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


def _prefix(k: int) -> IPv6Network:
    return IPv6Network((int(IPv6Address("2001:db8::")) | (k << 80), 64))


@st.composite
def scenarios(draw) -> Scenario:
    """A valid scenario: HA, CNs and MAPs on a router, ARs under MAPs, one MN."""
    n_maps, n_ars, n_cns = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
    duration = draw(st.one_of(st.integers(1, 100).map(float),
                              st.floats(0.5, 100, allow_nan=False)))
    maps = [f"MAP{k}" for k in range(1, n_maps + 1)]
    ars = [f"AR{k}" for k in range(1, n_ars + 1)]
    cns = [f"CN{k}" for k in range(1, n_cns + 1)]

    def fixed(name: str, role: str, k: int, **more) -> NodeSpec:
        prefix = _prefix(k)
        return NodeSpec(name, role, address=prefix.network_address + 1, prefix=prefix,
                        position=draw(_position), **more)

    nodes = [fixed("HA", "ha", 1), fixed("R", "router", 0xFF)]
    nodes += [fixed(c, "cn", 0x50 + i) for i, c in enumerate(cns)]
    for i, m in enumerate(maps):
        nodes.append(fixed(m, "map", 0x100 + i, max_lifetime_s=draw(
            st.one_of(st.none(), st.integers(1, 262140)))))
    for i, a in enumerate(ars):
        options = tuple(
            MapOptionSpec(m, pref=draw(st.integers(0, 15)),
                          lifetime_s=draw(st.integers(0, 2**32 - 1)), r=draw(st.booleans()),
                          dist=draw(st.one_of(st.none(), st.integers(1, 15))))
            for m in draw(st.lists(st.sampled_from(maps), unique=True, max_size=n_maps)))
        nodes.append(fixed(a, "ar", 2 + i, map_options=options, radius=draw(
            st.one_of(st.just(120.0), st.floats(1, 500, allow_nan=False))),
            probe_maps=draw(st.booleans())))
    iid = draw(st.integers(0xA, 0xFFFF))
    nodes.append(NodeSpec("MN", "mn", home_agent="HA", interface_id=draw(
        st.one_of(st.just(iid), st.integers(0x10000, 0x1FFFF))),
        home_address=_prefix(1).network_address + iid, attach=draw(
        st.one_of(st.none(), st.sampled_from(ars))), position=draw(_position),
        route_optimization=draw(st.booleans())))
    delay = st.one_of(st.integers(0, 200).map(float), st.floats(0, 200, allow_nan=False))
    loss = st.one_of(st.just(0.0), st.floats(0, 0.99))
    links = [LinkSpec(x, "R", draw(delay), draw(loss)) for x in ["HA"] + cns + maps]
    links += [LinkSpec(draw(st.sampled_from(maps)), a, draw(delay), draw(loss)) for a in ars]
    times = st.floats(0, duration, allow_nan=False)
    moves = tuple(MoveSpec(t, draw(st.one_of(st.none(), st.sampled_from(ars))))
                  for t in draw(st.lists(times, unique=True, max_size=3)))
    flows = []
    for c in draw(st.lists(st.sampled_from(cns), unique=True, max_size=n_cns)):
        start = draw(times)
        from_mn = draw(st.booleans())
        flows.append(FlowSpec("MN" if from_mn else c, c if from_mn else "MN",
                              draw(st.sampled_from(["echo", "udp"])), start,
                              draw(st.floats(1, 5000, allow_nan=False)),
                              stop_s=draw(st.one_of(st.none(), st.just(duration)))
                              if start < duration else None,
                              use_rcoa=from_mn and draw(st.booleans())))
    return Scenario(
        name=draw(st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,12}", fullmatch=True)),
        description=draw(_text), mode=draw(st.sampled_from(["hmipv6", "mipv6"])),
        seed=draw(st.integers(0, 2**64 - 1)), duration_s=duration,
        security=draw(st.sampled_from(["none", "esp"])), nodes=tuple(nodes),
        links=tuple(links), moves=moves, flows=tuple(flows))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), scenarios())
def test_what_is_saved_reads_back_as_the_scenario(tmp_path_factory, x, y):
    folder = tmp_path_factory.mktemp("save")
    fresh = folder / f"{x.name}.toml"
    save_keeping(x, fresh)  # no file to keep: the fixed layout
    assert load_scenario(fresh) == x
    base = dump_scenario(y)  # another scenario's file, changed into x's
    kept = sync_text(x, base)
    path = folder / "kept.toml"
    if kept is None:
        # a description with a carriage return cannot be edited into the other file's
        # multi-line string (TOML reads its line ends back as "\n"): Save then writes the
        # fixed layout, which must still read back as x
        assert "\r" in x.description, "the file could not be kept"
        save_keeping(x, path, base=base)
    else:
        path.write_text(kept)
    assert load_scenario(path) == x
    assert scenario_text(x, None) == dump_scenario(x)  # nothing to keep: the fixed layout
